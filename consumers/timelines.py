"""Case timelines: a readable history per case (what happened, who, when), oldest first.

``cases`` holds one row per case (owner, case number, category, last version); ``entries`` one
row per case event with the sub-process it concerns (``subject``) and a few facts about it
(``detail``, JSON: ids, addressees, due dates, adoption, lateness). Free text (titles,
summaries, measures, party names) stays in the event store: the timeline is the shape of the
case; ``casehub audit history`` shows the content. Both tables keep the classification
(the case's, each event's own), so ``read_as`` can show a reader, when read, only what the
access policy lets it see (``hub.privacy``): the masked form keeps ids, agencies and dates.
Sentences are made when read (``describe``), in Chinese or English (``hub.i18n``), with the
agencies by the directory names the view keeps (``agencies``, ``consumers.references``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from consumers.records import TimelineEntry, iso
from consumers.references import AGENCIES, agency_changes
from consumers.store import Change, Patch, Put, Row, Table, View
from hub.i18n import Lang, event_label, t
from hub.outbound.recipients import event_recipients, participants_after
from hub.presentation import words
from hub.presentation.names import Names
from hub.privacy.access import MASKED_KEY, effective_level

if TYPE_CHECKING:
    from hub.privacy.reveal_views import ReadingLens

CASES = Table(
    "cases",
    (
        "case_id",
        "owning_agency",
        "case_number",
        "category",
        "classification",
        "registered_at",
        "major_notice",
        "last_version",
        "last_recorded_at",
    ),
    key=("case_id",),
    int_columns=frozenset({"last_version"}),
)
ENTRIES = Table(
    "entries",
    (
        "case_id",
        "version",
        "notification_id",
        "event_type",
        "actor_agency",
        "officer_id",
        "occurred_at",
        "recorded_at",
        "subject",
        "detail",
        "classification",
    ),
    key=("case_id", "version"),
    int_columns=frozenset({"version", "notification_id"}),
)

#: Payload fields that name a sub-process (first one present is the entry's subject).
_SUBJECT_FIELDS = (
    "recommendation_id",
    "request_id",
    "dispute_id",
    "notice_id",
    "info_id",
    "target_id",
)
#: Payload fields safe to show on a timeline: ids, agencies, dates, outcomes, lateness.
_DETAIL_FIELDS = (
    "addressee",
    "agency_id",
    "agency",
    "kind",
    "target_id",
    "due_date",
    "previous_due_date",
    "requested_due_date",
    "urgent_due_date",
    "held_on",
    "adoption",
    "outcome",
    "channel",
    "rectified",
    "late",
    "working_days_late",
    "notice_recipients",
    "notice_due_date",
    "participants",
)


def _subject(entry: TimelineEntry) -> str | None:
    for name in _SUBJECT_FIELDS:
        if entry.payload.get(name):
            return entry.text(name)
    major = entry.mapping("major")
    if major is not None and major.get("notice_id"):
        return str(major["notice_id"])
    return None


def _detail(entry: TimelineEntry) -> dict[str, Any]:
    detail: dict[str, Any] = {
        k: entry.payload[k] for k in _DETAIL_FIELDS if entry.payload.get(k) not in (None, "", [])
    }
    documents = entry.payload.get("documents")
    if isinstance(documents, list) and documents:
        detail["documents"] = len(documents)
    major = entry.mapping("major")
    if major is not None:
        detail["major_notice"] = major.get("notice_id")
    return detail


def changes(entry: TimelineEntry) -> Sequence[Change]:
    if entry.case_id is None:
        return agency_changes(entry)
    out: list[Change] = []
    if entry.name == "Registered":
        major = entry.mapping("major")
        out.append(
            Put(
                CASES.name,
                {
                    "case_id": entry.case_id,
                    "owning_agency": entry.text("owning_agency"),
                    "case_number": entry.text("case_number"),
                    "category": entry.text("category"),
                    "classification": entry.text("classification") or None,
                    "registered_at": iso(entry.recorded_at),
                    "major_notice": str(major["notice_id"]) if major else None,
                    "last_version": entry.version,
                    "last_recorded_at": iso(entry.recorded_at),
                },
            )
        )
    else:
        out.append(
            Patch(
                CASES.name,
                {"case_id": entry.case_id},
                {"last_version": entry.version, "last_recorded_at": iso(entry.recorded_at)},
            )
        )
    out.append(
        Put(
            ENTRIES.name,
            {
                "case_id": entry.case_id,
                "version": entry.version,
                "notification_id": entry.notification_id,
                "event_type": entry.event_type,
                "actor_agency": entry.actor_agency,
                "officer_id": entry.officer_id,
                "occurred_at": iso(entry.occurred_at),
                "recorded_at": iso(entry.recorded_at),
                "subject": _subject(entry),
                "detail": json.dumps(_detail(entry), sort_keys=True, ensure_ascii=False),
                "classification": entry.text("classification") or None,
            },
        )
    )
    return out


VIEW: View[TimelineEntry] = View(
    "timelines",
    (CASES, ENTRIES, AGENCIES),
    changes,
    description="case timelines: a readable history per case",
)


def read_as(
    case: Mapping[str, Any], rows: Sequence[Row], lens: ReadingLens
) -> list[dict[str, Any]]:
    """A case's timeline rows as ``lens``'s reader may see them, in version order.

    Entitlement is decided now, from the case's participants after its last event (rebuilt
    from the rows: registration, participants added, addressees): a participant sees every
    entry, another agency only the entries that reached its feed. An entry the reader may not
    read keeps its ids, agencies and dates (``masked``); personal data is revealed only for
    the auditors and in cases the agency takes part in.
    """
    ordered = sorted(rows, key=lambda r: int(r["version"] or 0))
    details = [json.loads(str(r.get("detail") or "{}")) for r in ordered]
    participants: list[str] = []
    members_at: list[list[str]] = []
    for row, detail in zip(ordered, details, strict=True):
        participants = participants_after(participants, _short(row), detail)
        members_at.append(participants)
    agency = lens.reader.agency
    shown: list[dict[str, Any]] = []
    for row, detail, members in zip(ordered, details, members_at, strict=True):
        reached = event_recipients(members, {**detail, "actor_agency": row.get("actor_agency")})
        if agency is not None and agency not in participants and agency not in reached:
            continue
        level = effective_level(
            str(case.get("classification") or "") or None,
            str(row.get("classification") or "") or None,
        )
        access = lens.access(level, participants)
        visible = lens.payload(detail, access)
        masked = bool(visible.pop(MASKED_KEY, False))
        out = {**row, "detail": json.dumps(visible, sort_keys=True, ensure_ascii=False)}
        if masked:
            out["officer_id"] = None
        shown.append({**lens.personal(out, access), "masked": masked})
    return shown


def _short(row: Mapping[str, Any]) -> str:
    return str(row.get("event_type") or "").rsplit(".", 1)[-1]


#: Detail fields that name agencies (shown by their names when the reader has them).
_AGENCY_FIELDS = frozenset(
    {"addressee", "agency_id", "agency", "participants", "notice_recipients"}
)


def describe(row: Mapping[str, Any], lang: Lang, names: Names | None = None) -> str:
    """One line for a timeline row: who did what, about which sub-process, with its facts;
    agencies by their directory names when ``names`` holds them."""
    named = names if names is not None else Names()
    detail: dict[str, Any] = json.loads(str(row.get("detail") or "{}"))
    actor = named.agency(str(row.get("actor_agency") or "hub"), lang)
    parts = [f"{actor}: {event_label(str(row['event_type']), lang)}"]
    if row.get("subject"):
        parts.append(str(row["subject"]))
    facts = []
    for name, value in sorted(detail.items()):
        if name in _AGENCY_FIELDS:
            values = value if isinstance(value, list) else [value]
            shown = named.agencies_of([str(v) for v in values], lang)
        elif isinstance(value, bool):
            shown = words.yes_no(value, lang)
        elif isinstance(value, list):
            shown = ", ".join(map(str, value))
        else:
            shown = t(str(value), lang)
        facts.append(f"{t(name, lang)}={shown}")
    if facts:
        parts.append("(" + "; ".join(facts) + ")")
    if row.get("masked"):
        parts.append(f"[{words.flag('masked', lang)}]")
    return " ".join(parts)


def timeline_rows(
    rows: Sequence[Mapping[str, Any]], lang: Lang, names: Names | None = None
) -> list[dict[str, Any]]:
    """Timeline rows with their sentence, in version order."""
    ordered = sorted(rows, key=lambda r: int(r["version"] or 0))
    return [{**r, "text": describe(r, lang, names)} for r in ordered]
