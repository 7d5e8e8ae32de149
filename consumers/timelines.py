"""Case timelines: a readable history per case (what happened, who, when), oldest first.

``cases`` holds one row per case (owner, case number, category, last version); ``entries`` one
row per case event with the sub-process it concerns (``subject``) and a few facts about it
(``detail``, JSON: ids, addressees, due dates, adoption, lateness). Free text (titles,
summaries, measures, party names) stays in the event store: the timeline is the shape of the
case, readable by every participant; ``casehub audit history`` shows the content.
Sentences are made when read (``describe``), in Chinese or English (``hub.i18n``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from consumers.records import TimelineEntry, iso
from consumers.store import Change, Patch, Put, Row, Table, View
from hub.i18n import Lang, agency_label, event_label, t

CASES = Table(
    "cases",
    (
        "case_id",
        "owning_agency",
        "case_number",
        "category",
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
        return []
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
            },
        )
    )
    return out


VIEW: View[TimelineEntry] = View(
    "timelines",
    (CASES, ENTRIES),
    changes,
    description="case timelines: a readable history per case",
)


def describe(row: Mapping[str, Any], lang: Lang) -> str:
    """One line for a timeline row: who did what, about which sub-process, with its facts."""
    detail: dict[str, Any] = json.loads(str(row.get("detail") or "{}"))
    actor = agency_label(str(row.get("actor_agency") or "hub"), lang)
    parts = [f"{actor}: {event_label(str(row['event_type']), lang)}"]
    if row.get("subject"):
        parts.append(str(row["subject"]))
    facts = []
    for name, value in sorted(detail.items()):
        shown = ", ".join(map(str, value)) if isinstance(value, list) else t(str(value), lang)
        facts.append(f"{t(name, lang)}={shown}")
    if facts:
        parts.append("(" + "; ".join(facts) + ")")
    return " ".join(parts)


def timeline_rows(rows: Sequence[Row], lang: Lang) -> list[dict[str, Any]]:
    """Timeline rows with their sentence, in version order."""
    ordered = sorted(rows, key=lambda r: int(r["version"] or 0))
    return [{**r, "text": describe(r, lang)} for r in ordered]
