"""Rejections (被拒收的事件): every dead letter, by sending agency, reason and time.

Fed by ``casehub.deadletter`` (or the store's rejection records on a replay). The record's raw
bytes are not kept: they may carry personal information, and the event store has them.
"""

from __future__ import annotations

from collections.abc import Sequence

from consumers.records import DeadLetterEntry, iso
from consumers.store import Change, Put, Table, View

LETTERS = Table(
    "letters",
    (
        "rejection_id",
        "notification_id",
        "sender_agency",
        "reason_code",
        "message",
        "source_topic",
        "source_partition",
        "source_offset",
        "event_id",
        "recorded_at",
    ),
    key=("rejection_id",),
    int_columns=frozenset({"notification_id", "source_partition", "source_offset"}),
)


def changes(letter: DeadLetterEntry) -> Sequence[Change]:
    return [
        Put(
            LETTERS.name,
            {
                "rejection_id": letter.rejection_id,
                "notification_id": letter.notification_id,
                "sender_agency": letter.sender_agency,
                "reason_code": letter.reason_code,
                "message": letter.message,
                "source_topic": letter.source_topic,
                "source_partition": letter.source_partition,
                "source_offset": letter.source_offset,
                "event_id": letter.event_id,
                "recorded_at": iso(letter.recorded_at),
            },
        )
    ]


VIEW: View[DeadLetterEntry] = View(
    "rejections",
    (LETTERS,),
    changes,
    source="deadletter",
    description="rejections: dead letters by agency, reason and time",
)
