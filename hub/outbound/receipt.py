"""Receipts: the ``Receipt`` record the relay publishes on a sender's feed, and its reading back.

One receipt answers one inbound record (docs/events.md, "Receipts"):

* ``accepted_receipt``: ``InboundEvent.Accepted``, the event was recorded (case, version, hash);
* ``duplicate_receipt``: ``InboundEvent.Resent``, the same event id with the same content came
  again and nothing was recorded; it points at the original (case, version, hash, origin);
* ``rejected_receipt``: ``Rejection.Recorded``, the record was refused (reason, rejection id).

Each names the record it answers (``source_topic``/``_partition``/``_offset``; ``""`` and
``-1`` when unknown). ``receipt_entry`` reads such a record (as built, or as decoded from a
feed) into a ``ReceiptEntry``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hub.outbound.timeline import aware, utc_millis, uuid_text

#: The record type of a receipt (schema ``schemas/casehub.hub.Receipt``).
RECEIPT = "casehub.hub.Receipt"

ACCEPTED = "ACCEPTED"
REJECTED = "REJECTED"
DUPLICATE = "DUPLICATE"

#: What a DUPLICATE receipt says in ``message``.
DUPLICATE_MESSAGE = "accepted before with the same content: nothing was recorded again"


@dataclass(frozen=True, slots=True)
class ReceiptEntry:
    """One receipt as its sender reads it."""

    notification_id: int
    status: str
    event_id: str | None
    sender_agency: str
    #: Where the record this receipt answers came from; ("", -1, -1) when unknown.
    source: tuple[str, int, int]
    case_id: str | None
    version: int | None
    event_hash: str
    #: DUPLICATE: where the original (accepted) record came from; ("", -1, -1) otherwise.
    original_source: tuple[str, int, int]
    reason_code: str
    message: str
    rejection_id: str | None
    recorded_at: datetime


def accepted_receipt(notification_id: int, event: Any, sender: str) -> dict[str, Any]:
    """The ACCEPTED receipt of a stored ``InboundEvent.Accepted`` sent by ``sender``."""
    return {
        **_answering(notification_id, ACCEPTED, event, sender),
        **_recorded_as(event),
        "recorded_at": aware(event.timestamp),
    }


def duplicate_receipt(notification_id: int, event: Any) -> dict[str, Any]:
    """The DUPLICATE receipt of a stored ``InboundEvent.Resent``."""
    return {
        **_answering(notification_id, DUPLICATE, event, event.sender_agency),
        **_recorded_as(event),
        "original_source_topic": event.original_source,
        "original_source_partition": event.original_partition,
        "original_source_offset": event.original_offset,
        "message": DUPLICATE_MESSAGE,
        "recorded_at": aware(event.timestamp),
    }


def rejected_receipt(notification_id: int, event: Any) -> dict[str, Any]:
    """The REJECTED receipt of a stored ``Rejection.Recorded``."""
    return {
        **_answering(notification_id, REJECTED, event, event.sender_agency),
        "reason_code": event.reason_code,
        "message": event.message,
        "rejection_id": event.originator_id,
        "recorded_at": aware(event.timestamp),
    }


def _answering(notification_id: int, status: str, event: Any, sender: str) -> dict[str, Any]:
    """What every receipt says: which record it answers, from whom and where it came from."""
    return {
        "notification_id": notification_id,
        "status": status,
        "event_id": event.event_id,
        "sender_agency": sender,
        "source_topic": event.source,
        "source_partition": event.partition,
        "source_offset": event.offset,
    }


def _recorded_as(event: Any) -> dict[str, Any]:
    """Where the event stands in its case: the case, the version and hash it was recorded as."""
    return {
        "case_id": event.case_id,
        "version": event.aggregate_version,
        "event_hash": event.event_hash or "",
    }


def receipt_entry(record: Mapping[str, Any]) -> ReceiptEntry:
    """The entry a ``Receipt`` record carries (v1 or v2); ``KeyError``, ``TypeError`` or
    ``ValueError`` when a field does not fit."""
    version = record.get("version")
    return ReceiptEntry(
        notification_id=int(record["notification_id"]),
        status=str(record["status"]),
        event_id=uuid_text(record.get("event_id")),
        sender_agency=str(record["sender_agency"]),
        source=_origin(record, "source_"),
        case_id=uuid_text(record.get("case_id")),
        version=None if version is None else int(version),
        event_hash=str(record.get("event_hash") or ""),
        original_source=_origin(record, "original_source_"),
        reason_code=str(record.get("reason_code") or ""),
        message=str(record.get("message") or ""),
        rejection_id=uuid_text(record.get("rejection_id")),
        recorded_at=utc_millis(record["recorded_at"]),
    )


def _origin(record: Mapping[str, Any], prefix: str) -> tuple[str, int, int]:
    return (
        str(record.get(f"{prefix}topic") or ""),
        int(record.get(f"{prefix}partition", -1)),
        int(record.get(f"{prefix}offset", -1)),
    )
