"""The outbound records as read off the topics: a ``casehub.timeline`` or ``casehub.deadletter``
value, or a receipt from a feed (Avro single-object encoding, ``hub.codec``), decoded into its
entry."""

from __future__ import annotations

import base64
from typing import Any

from hub.codec import decode_record
from hub.errors import SchemaError
from hub.outbound.deadletter import DEAD_LETTER, DeadLetterEntry, dead_letter_entry
from hub.outbound.receipt import RECEIPT, ReceiptEntry, receipt_entry
from hub.outbound.timeline import TIMELINE_EVENT, TimelineEntry, timeline_entry


def _decode(raw: bytes, expected: str) -> dict[str, Any]:
    decoded = decode_record(bytes(raw), agency_events_only=False)
    if decoded.reader.fullname != expected:
        raise SchemaError(f"expected a {expected} record, got {decoded.reader.fullname}")
    return decoded.record


def entry_from_timeline_record(raw: bytes) -> TimelineEntry:
    """Decode one ``casehub.timeline`` value; raises ``SchemaError`` on anything else."""
    rec = _decode(raw, TIMELINE_EVENT)
    try:
        return timeline_entry(rec)
    except (KeyError, TypeError, ValueError) as exc:
        raise SchemaError(f"{TIMELINE_EVENT}: a field does not fit: {exc!r}") from exc


def dead_letter_from_record(raw: bytes) -> DeadLetterEntry:
    """Decode one ``casehub.deadletter`` value (its raw bytes are checked, then dropped)."""
    rec = _decode(raw, DEAD_LETTER)
    try:
        base64.b64decode(rec["raw_base64"], validate=True)
        return dead_letter_entry(rec)
    except (KeyError, TypeError, ValueError) as exc:  # binascii.Error is a ValueError
        raise SchemaError(f"{DEAD_LETTER}: a field does not fit: {exc!r}") from exc


def receipt_from_record(raw: bytes) -> ReceiptEntry:
    """Decode one receipt from a feed (any version); raises ``SchemaError`` on anything else."""
    rec = _decode(raw, RECEIPT)
    try:
        return receipt_entry(rec)
    except (KeyError, TypeError, ValueError) as exc:
        raise SchemaError(f"{RECEIPT}: a field does not fit: {exc!r}") from exc
