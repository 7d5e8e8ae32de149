"""The case index: finding a case by its reference, title, agencies, dates, status.

One row per case (``cases``): reference (``owning-agency/case-number``), owning agency, case
number, title, category, classification, when it was registered; the agencies taking part
(``participants``, one row each, to filter on); and the case's open business (``items``):
every deadline the deadlines view tracks (notice acknowledgments, assistance responses,
recommendation replies) and every dispute, open or closed.

A case's status is computed when read, from ``items`` (so it never goes stale):

* ``overdue``: some item is still open and a missed deadline is on the record for it
  (the hub's ``DeadlineMissed`` fact);
* ``open``: some item is still open (an unacknowledged notice, an unanswered request or
  recommendation, a dispute under way), none of them overdue;
* ``closed``: nothing is open.

Titles are indexed for Chinese words: on SQLite an FTS5 table with the ``trigram`` tokenizer
kept in step with ``cases`` by triggers (words of 3+ characters match through it; words of
1-2 characters, which a trigram cannot hold, fall back to ``LIKE``); on PostgreSQL
``ILIKE``, served by a ``pg_trgm`` GIN index when the extension can be created (else a scan).
The index holds a CONFIDENTIAL case's title; ``console.search`` decides who may match on it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from consumers import deadlines
from consumers.records import TimelineEntry, iso
from consumers.store import Change, Patch, Put, Table, View
from hub.presentation.names import case_reference

CASES = Table(
    "cases",
    (
        "case_id",
        "reference",
        "owning_agency",
        "case_number",
        "title",
        "category",
        "classification",
        "registered_at",
    ),
    key=("case_id",),
)
PARTICIPANTS = Table("participants", ("case_id", "agency"), key=("case_id", "agency"))
#: The deadlines view's rows, plus disputes (kind ``DISPUTE``, no due date).
ITEMS = deadlines.ITEMS
DISPUTE = "DISPUTE"
TITLES = "titles"  # the FTS5 table (SQLite)


def changes(entry: TimelineEntry) -> Sequence[Change]:
    if entry.case_id is None:
        return []
    return [*_case_changes(entry), *deadlines._item_changes(entry), *_dispute_changes(entry)]  # noqa: SLF001 - one rule for open items


def _case_changes(entry: TimelineEntry) -> list[Change]:
    if entry.name == "Registered":
        owner, number = entry.text("owning_agency"), entry.text("case_number")
        row = {
            "case_id": entry.case_id,
            "reference": case_reference(owner, number),
            "owning_agency": owner,
            "case_number": number,
            "title": entry.text("title"),
            "category": entry.text("category"),
            "classification": entry.text("classification"),
            "registered_at": iso(entry.recorded_at),
        }
        agencies = dict.fromkeys([owner, *entry.strings("participants")])
        return [
            Put(CASES.name, row),
            *(Put(PARTICIPANTS.name, {"case_id": entry.case_id, "agency": a}) for a in agencies),
        ]
    if entry.name == "ParticipantAdded":
        agency = entry.text("agency") or entry.text("agency_id")
        if agency:
            return [Put(PARTICIPANTS.name, {"case_id": entry.case_id, "agency": agency})]
    return []


def _dispute_changes(entry: TimelineEntry) -> list[Change]:
    dispute = entry.text("dispute_id")
    if entry.name == "DisputeOpened":
        return [
            Put(
                ITEMS.name,
                {
                    "case_id": entry.case_id,
                    "kind": DISPUTE,
                    "target_id": dispute,
                    "agency": entry.actor_agency or "",
                    "opened_ref": deadlines.ref(entry),
                    "opened_at": iso(entry.recorded_at),
                    "due_date": None,
                    "provisional": 0,
                    "status": deadlines.OPEN,
                    "closed_ref": None,
                    "closed_at": None,
                    "missed_due_date": None,
                    "missed_ref": None,
                    "missed_at": None,
                },
            )
        ]
    if entry.name in ("DisputeResolved", "DisputeWithdrawn", "DisputeReferredToLitigation"):
        where = {"case_id": entry.case_id, "kind": DISPUTE, "target_id": dispute}
        closed = {
            "status": deadlines.MET,
            "closed_ref": deadlines.ref(entry),
            "closed_at": iso(entry.recorded_at),
        }
        return [Patch(ITEMS.name, where, closed)]
    return []


#: pg_trgm when this role may create it (else ILIKE scans); ``title ILIKE`` then uses the index.
TRGM_EXTENSION = (
    "DO $$ BEGIN CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public; "
    "EXCEPTION WHEN OTHERS THEN RAISE NOTICE 'pg_trgm unavailable: %', SQLERRM; END $$"
)
TRGM_INDEX = (
    "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN "
    "EXECUTE 'CREATE INDEX IF NOT EXISTS case_index_title_trgm ON {cases} "
    "USING gin (title public.gin_trgm_ops)'; END IF; END $$"
)


def extra_schema(backend: str, stored: Callable[[str], str]) -> Sequence[str]:
    """SQLite: the titles' FTS5 trigram index over ``cases`` (external content), the triggers
    that keep it in step, and the filters' indexes; PostgreSQL: the filters' indexes and a
    ``pg_trgm`` index on the titles when the extension exists or this role may create it."""
    cases, parts, items = (stored(t.name) for t in (CASES, PARTICIPANTS, ITEMS))
    if backend != "sqlite":
        return [
            f"CREATE INDEX IF NOT EXISTS case_index_by_owner ON {cases} (owning_agency)",
            f"CREATE INDEX IF NOT EXISTS case_index_by_registration ON {cases} (registered_at)",
            f"CREATE INDEX IF NOT EXISTS case_index_by_reference ON {cases} (reference)",
            f"CREATE INDEX IF NOT EXISTS case_index_by_agency ON {parts} (agency)",
            f"CREATE INDEX IF NOT EXISTS case_index_items_by_case ON {items} (case_id, status)",
            TRGM_EXTENSION,
            TRGM_INDEX.format(cases=cases.replace("'", "''")),
        ]
    titles = stored(TITLES)
    # our own identifiers only (checked table names)
    add = f"INSERT INTO {titles}(rowid, title) VALUES (new.rowid, new.title);"  # noqa: S608
    remove = (
        f"INSERT INTO {titles}({titles}, rowid, title) VALUES ('delete', old.rowid, old.title);"  # noqa: S608
    )
    fts = f"title, content='{cases}', content_rowid='rowid', tokenize='trigram'"
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {titles} USING fts5({fts})",
        f"CREATE TRIGGER IF NOT EXISTS {titles}_ai AFTER INSERT ON {cases} BEGIN {add} END",
        f"CREATE TRIGGER IF NOT EXISTS {titles}_ad AFTER DELETE ON {cases} BEGIN {remove} END",
        f"CREATE TRIGGER IF NOT EXISTS {titles}_au AFTER UPDATE ON {cases} BEGIN {remove} {add} END",  # noqa: E501
        f"CREATE INDEX IF NOT EXISTS {cases}_by_owner ON {cases} (owning_agency, registered_at)",
        f"CREATE INDEX IF NOT EXISTS {cases}_by_registration ON {cases} (registered_at)",
        f"CREATE INDEX IF NOT EXISTS {cases}_by_reference ON {cases} (reference)",
        f"CREATE INDEX IF NOT EXISTS {parts}_by_agency ON {parts} (agency)",
        f"CREATE INDEX IF NOT EXISTS {items}_by_case ON {items} (case_id, status)",
    ]


VIEW: View[TimelineEntry] = View(
    "case_index",
    (CASES, PARTICIPANTS, ITEMS),
    changes,
    description="case index: find a case by reference, title words, agencies, dates, status",
    extra_schema=extra_schema,
    extra_tables=(TITLES,),
)
