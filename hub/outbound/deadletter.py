"""A rejection: the ``DeadLetter`` record the relay publishes for it, and its reading back.

``dead_letter_record`` builds the record of a stored ``Rejection.Recorded``;
``dead_letter_entry`` reads such a record (as built, or as decoded from ``casehub.deadletter``)
into a ``DeadLetterEntry``, what a projection reads.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hub.outbound.timeline import aware, utc_millis, uuid_text

#: The record type of ``casehub.deadletter`` (schema ``schemas/casehub.hub.DeadLetter``).
DEAD_LETTER = "casehub.hub.DeadLetter"


@dataclass(frozen=True, slots=True)
class DeadLetterEntry:
    """One rejected inbound record (``casehub.deadletter``), without its raw bytes."""

    notification_id: int
    rejection_id: str
    reason_code: str
    message: str
    source_topic: str
    source_partition: int
    source_offset: int
    sender_agency: str
    event_id: str | None
    recorded_at: datetime


def dead_letter_record(notification_id: int, event: Any) -> dict[str, Any]:
    """The ``DeadLetter`` record of a stored ``Rejection.Recorded``."""
    return {
        "notification_id": notification_id,
        "rejection_id": event.originator_id,
        "reason_code": event.reason_code,
        "message": event.message,
        "source_topic": event.source,
        "source_partition": event.partition,
        "source_offset": event.offset,
        "sender_agency": event.sender_agency or "",
        "event_id": event.event_id,
        "raw_base64": base64.b64encode(bytes(event.raw)).decode("ascii"),
        "recorded_at": aware(event.timestamp),
    }


def dead_letter_entry(record: Mapping[str, Any]) -> DeadLetterEntry:
    """The entry a ``DeadLetter`` record carries; ``KeyError``, ``TypeError`` or ``ValueError``
    when a field does not fit."""
    return DeadLetterEntry(
        notification_id=int(record["notification_id"]),
        rejection_id=str(uuid_text(record["rejection_id"])),
        reason_code=str(record["reason_code"]),
        message=str(record["message"]),
        source_topic=str(record["source_topic"]),
        source_partition=int(record["source_partition"]),
        source_offset=int(record["source_offset"]),
        sender_agency=str(record.get("sender_agency") or ""),
        event_id=uuid_text(record.get("event_id")),
        recorded_at=utc_millis(record["recorded_at"]),
    )
