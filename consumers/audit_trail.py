"""The audit trail: every accepted event, who did what, when (occurred and recorded), its hash.

One row per event, keyed by notification id: metadata only (no payload), so the trail can be
shown to any auditor. ``prev_hash``/``event_hash`` let a reader re-check the chain's links.
"""

from __future__ import annotations

from collections.abc import Sequence

from consumers.records import TimelineEntry, iso
from consumers.store import Change, Put, Table, View

EVENTS = Table(
    "events",
    (
        "notification_id",
        "event_id",
        "event_type",
        "aggregate",
        "case_id",
        "agency_id",
        "version",
        "actor_agency",
        "officer_id",
        "occurred_at",
        "recorded_at",
        "hash_alg",
        "event_hash",
        "prev_hash",
    ),
    key=("notification_id",),
    int_columns=frozenset({"notification_id", "version"}),
)


def changes(entry: TimelineEntry) -> Sequence[Change]:
    return [
        Put(
            EVENTS.name,
            {
                "notification_id": entry.notification_id,
                "event_id": entry.event_id,
                "event_type": entry.event_type,
                "aggregate": entry.aggregate,
                "case_id": entry.case_id,
                "agency_id": entry.agency_id,
                "version": entry.version,
                "actor_agency": entry.actor_agency,
                "officer_id": entry.officer_id,
                "occurred_at": iso(entry.occurred_at),
                "recorded_at": iso(entry.recorded_at),
                "hash_alg": entry.hash_alg,
                "event_hash": entry.event_hash,
                "prev_hash": entry.prev_hash,
            },
        )
    ]


VIEW: View[TimelineEntry] = View(
    "audit",
    (EVENTS,),
    changes,
    description="audit trail: every accepted event, who, what, when, hash",
)
