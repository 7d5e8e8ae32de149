"""What a view keeps so that its readers see names, not ids: agencies by their directory names,
cases as ``owning-agency/case-number``.

A view that is read by people (deadlines, timelines) holds an ``agencies`` table, filled from
the directory's ``AgencyAdmitted`` events on the timeline, and knows each case's owning agency
and number (from ``Registered``), so its verbs need no other view and no event store to say
``ecology-environment/C1`` and 市生态环境局. ``names_of`` reads them into the presentation
layer's ``Names``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from uuid import UUID

from consumers.records import DIRECTORY, TimelineEntry
from consumers.store import Change, Put, Row, Table, View, ViewStore
from hub.presentation.names import Names, case_reference

AGENCIES = Table("agencies", ("agency_id", "name_zh", "name_en"), key=("agency_id",))
#: The case references a view keeps when it has no case table of its own.
CASE_REFS = Table("cases", ("case_id", "owning_agency", "case_number"), key=("case_id",))


def agency_changes(entry: TimelineEntry) -> list[Change]:
    """An admitted agency's names (the directory's), for the ``agencies`` table."""
    if entry.aggregate != DIRECTORY or entry.name != "AgencyAdmitted":
        return []
    row: Row = {
        "agency_id": entry.text("agency_id"),
        "name_zh": entry.text("name_zh"),
        "name_en": entry.text("name_en"),
    }
    return [Put(AGENCIES.name, row)]


def case_changes(entry: TimelineEntry) -> list[Change]:
    """A registered case's reference, for the ``cases`` table (``CASE_REFS``)."""
    if entry.case_id is None or entry.name != "Registered":
        return []
    row: Row = {
        "case_id": entry.case_id,
        "owning_agency": entry.text("owning_agency"),
        "case_number": entry.text("case_number"),
    }
    return [Put(CASE_REFS.name, row)]


def names_of(
    store: ViewStore, view: View[TimelineEntry], case_ids: Iterable[str] | None = None
) -> Names:
    """The agencies' names and the references of the cases (all, or ``case_ids``) ``view`` holds.

    ``view`` has an ``agencies`` table and a ``cases`` table with ``owning_agency`` and
    ``case_number`` columns.
    """
    agencies = {
        str(r["agency_id"]): (str(r["name_zh"] or ""), str(r["name_en"] or ""))
        for r in store.rows(view, AGENCIES.name)
    }
    wanted = None if case_ids is None else set(case_ids)
    rows: Sequence[Row]
    if wanted is not None and len(wanted) == 1:
        rows = store.rows(view, CASE_REFS.name, {"case_id": next(iter(wanted))})
    else:
        rows = store.rows(view, CASE_REFS.name)
    cases = {
        UUID(str(r["case_id"])): case_reference(str(r["owning_agency"]), str(r["case_number"]))
        for r in rows
        if wanted is None or str(r["case_id"]) in wanted
    }
    return Names(agencies=agencies, cases=cases)
