"""The inbound size checks: records too large to take, events too large to relay."""

from __future__ import annotations

from datetime import datetime
from uuid import uuid4

from hub.cases.commands import Envelope, Inbound, Origin, RegisterCase
from hub.codec import command_content_hash, encode_command
from hub.codec.limits import (
    KEPT_BYTES,
    SizeLimits,
    outbound_estimate,
    oversized_event,
    oversized_record,
)
from hub.rules.clocks import TIMEZONE
from hub.vocabulary import CaseRef

ORIGIN = Origin("casehub.agency.market-regulation.events", 1, 7)
LIMITS = SizeLimits(inbound_max_bytes=512 * 1024, outbound_max_bytes=1_000_000)


def _inbound(summary: str) -> Inbound:
    envelope = Envelope(uuid4(), "market-regulation", "mr-001", datetime.now(TIMEZONE))
    command = RegisterCase(envelope, CaseRef("market-regulation", "A-1"), "t", "c", summary)
    return Inbound(command, ORIGIN, command_content_hash(command), encode_command(command))


def test_quotes_double_in_the_timeline_record_and_the_event_is_refused():
    """600,000 quotes: a 0.6 MB record, over 1.2 MB as JSON — refused with its event id."""
    inbound = _inbound('"' * 600_000)
    assert len(inbound.raw) < 700_000
    assert outbound_estimate(inbound) > 1_200_000
    refused = oversized_event(inbound, LIMITS)
    assert refused is not None
    assert refused.reason_code == "event_too_large"
    assert refused.event_id == inbound.command.envelope.event_id
    assert refused.sender_agency == "market-regulation"
    assert refused.origin == ORIGIN


def test_an_ordinary_event_passes_both_checks():
    """A summary of plain text far below the limits is neither refused nor copied."""
    inbound = _inbound("区县市场监管局移送案件线索" * 100)
    assert oversized_event(inbound, LIMITS) is None
    assert oversized_record(inbound.raw, ORIGIN, "market-regulation", LIMITS) is None


def test_a_record_over_the_inbound_limit_keeps_only_its_head_for_the_dead_letter():
    """The refused record's dead letter must itself stay publishable: only its head is kept."""
    raw = b"\xc3\x01" + b"x" * (LIMITS.inbound_max_bytes + 10)
    refused = oversized_record(raw, ORIGIN, "market-regulation", LIMITS)
    assert refused is not None
    assert refused.reason_code == "record_too_large"
    assert refused.raw == raw[:KEPT_BYTES]
    assert f"{len(raw):,} bytes" in refused.message
