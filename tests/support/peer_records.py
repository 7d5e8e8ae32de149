"""Records as a peer's own Avro library writes them, for the interop and export tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def information_shared_v1() -> dict[str, Any]:
    """An ``InformationShared`` v1 record (before ``documents`` was added) as Apache avro or
    fastavro takes it: plain values, the header's UUIDs as text, times aware."""
    return {
        "header": {
            "event_id": "0b9f3a52-7c1e-4f3e-9a34-2d6c1f0e8b11",
            "case_ref": {"owning_agency": "market-regulation", "case_number": "A-1"},
            "sender_agency": "market-regulation",
            "officer_id": "mr-1",
            "occurred_at": datetime(2026, 3, 2, 1, 30, tzinfo=UTC),
            "correlation_id": None,
            "causation_id": None,
            "classification": "PUBLIC",
        },
        "info_id": "i-1",
        "summary": "s",
        "major": None,
    }
