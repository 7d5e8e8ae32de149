"""The bytes the relay publishes for a few hand-built events, pinned.

The outbound contract (``hub.outbound``) builds what the relay sends; these digests were taken
from the relay before the contract had one owner, so any change to the bytes on the wire (a
field, its order, its encoding, who receives what, masked or whole) shows here.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any
from uuid import UUID

import pytest

from hub.cases.domainmodel import Case
from hub.cases.indexes import InboundEvent, Rejection
from hub.directory.domainmodel import Directory
from hub.privacy.access import CONFIDENTIAL, INTERNAL, AccessPolicy, Clearances
from hub.relay.records import RecordMapper

CST = timezone(timedelta(hours=8))
CASE_ID = UUID("6f1c1d4e-0000-5000-8000-000000000001")
DIRECTORY_ID = UUID("6f1c1d4e-0000-5000-8000-000000000002")
AT = datetime(2026, 3, 2, 10, 0, 0, 123_456, tzinfo=CST)
AGENCIES = {"market-regulation", "procuratorate", "justice-bureau", "natural-resources"}
POLICY = AccessPolicy(Clearances(INTERNAL, {"procuratorate": CONFIDENTIAL}))


def _event(cls: type[Any], **state: Any) -> Any:
    """A stored event as the store's decoder gives it back: its state, no constructor."""
    event = object.__new__(cls)
    object.__setattr__(event, "__dict__", state)
    return event


def _case_event(cls: type[Any], version: int, **fields: Any) -> Any:
    return _event(
        cls,
        originator_id=CASE_ID,
        originator_version=version,
        timestamp=AT + timedelta(minutes=version),
        event_id=UUID(int=version),
        actor_agency=fields.pop("actor_agency", "market-regulation"),
        officer_id=fields.pop("officer_id", "mr-001"),
        occurred_at=AT,
        correlation_id=UUID(int=100 + version),
        causation_id=None,
        classification=fields.pop("classification", "INTERNAL"),
        content_hash="c" * 64,
        hash_alg="sha256",
        prev_hash=f"{version - 1:064d}",
        event_hash=f"{version:064d}",
        **fields,
    )


EVENTS = [
    _case_event(
        Case.Registered,
        1,
        originator_topic="hub.cases.domainmodel:Case",
        owning_agency="market-regulation",
        case_number="市监案〔2026〕001号",
        title="食品安全",
        category="food-safety",
        summary="一段摘要",
        participants=["market-regulation", "procuratorate"],
        major={"notice_id": "N-1", "recipients": ["justice-bureau"], "reason": "重大"},
        notice_recipients=["justice-bureau", "not-in-directory"],
        notice_due_date=date(2026, 3, 9),
        notice_provisional=False,
        classification="CONFIDENTIAL",
    ),
    _case_event(
        Case.DeadlineMissed,
        2,
        actor_agency="hub",
        officer_id="",
        kind="ASSISTANCE_RESPONSE",
        target_id="R-1",
        due_date=date(2026, 3, 20),
        agency="natural-resources",
    ),
    _event(
        Directory.AgencyAdmitted,
        originator_id=DIRECTORY_ID,
        originator_version=4,
        timestamp=AT,
        event_id=UUID(int=400),
        actor_agency="operator",
        officer_id="operator",
        occurred_at=AT,
        agency_id="justice-bureau",
        name_zh="市司法局",
        name_en="City Justice Bureau",
        role="justice-bureau",
    ),
    _event(
        InboundEvent.Accepted,
        originator_id=UUID(int=500),
        originator_version=1,
        timestamp=AT,
        event_id=UUID(int=1),
        content_hash="c" * 64,
        command_type="RegisterCase",
        aggregate_id=CASE_ID,
        case_id=CASE_ID,
        aggregate_version=1,
        event_hash=f"{1:064d}",
        sender_agency="market-regulation",
        source="agency.market-regulation.events",
        partition=0,
        offset=7,
    ),
    _event(
        Rejection.Recorded,
        originator_id=UUID(int=600),
        originator_version=1,
        timestamp=datetime(2026, 3, 2, 2, 0, tzinfo=UTC),
        source="agency.procuratorate.events",
        partition=1,
        offset=9,
        reason_code="rule_violation",
        message="no such case",
        raw=b"\x00\x01raw",
        sender_agency="procuratorate",
        event_id=UUID(int=9),
        command_type="ShareInformation",
        raw_key="k",
    ),
    _event(
        InboundEvent.Resent,
        originator_id=UUID(int=500),
        originator_version=2,
        timestamp=AT + timedelta(hours=1),
        event_id=UUID(int=1),
        aggregate_id=CASE_ID,
        case_id=CASE_ID,
        aggregate_version=1,
        event_hash=f"{1:064d}",
        original_source="agency.market-regulation.events",
        original_partition=0,
        original_offset=7,
        source="agency.market-regulation.events",
        partition=0,
        offset=8,
        sender_agency="market-regulation",
    ),
]

#: sha256 of every record's (topic, key, value, headers), event by event, before the change.
#: Receipts are written with Receipt v2 since issue 16 (the DUPLICATE status): the two digests
#: with a receipt were taken again then; encoded with v1 they are still the earlier ones.
PINNED = {
    "Case.Registered": "c634caea704b399c105c700075adeb43a946b201c78e7e97a87518f5cd6c8c8f",
    "Case.DeadlineMissed": "9a230acdaedfac4df08785c9256fe7efab1de635b4e14ad0a7993ff7cad2f44a",
    "Directory.AgencyAdmitted": "f129d23719cf1afceb98d65716049cdfe9d35d2dc32cf03515b999a67ca70682",
    "InboundEvent.Accepted": "ed1998089122b04816138b8f1cb2abf09482af944befc73c346242cfe3f2a0d3",
    "InboundEvent.Resent": "4484e84f218e3643077a2bb07a8abe89dc9af13cd4043ffd66f6e68f5337bbd2",
    "Rejection.Recorded": "8d38dde9308d05f0ca9f9fbd37d8de896407454c74c56dbefc289a00fd05f5e6",
}


class _Cases:
    """The case as it stands after each event: its participants and classification."""

    def after(self, _event: Any) -> Any:
        return SimpleNamespace(
            participants=["market-regulation", "procuratorate", "procuratorate"],
            classification="CONFIDENTIAL",
        )


def _digest(records: list[Any]) -> str:
    text = repr([(r.topic, r.key, r.value, r.headers) for r in records])
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture(scope="module")
def mapped() -> dict[str, str]:
    mapper = RecordMapper(
        _Cases(),  # type: ignore[arg-type]
        sender_of=lambda _id, _version: "",
        is_agency=AGENCIES.__contains__,
        policy=POLICY,
    )
    return {type(e).__qualname__: _digest(mapper.records(n, e)) for n, e in enumerate(EVENTS, 1)}


@pytest.mark.parametrize("event_type", sorted(PINNED))
def test_the_relay_publishes_the_pinned_bytes(mapped, event_type):
    """Each event's records are byte for byte what the relay published before."""
    assert mapped[event_type] == PINNED[event_type]
