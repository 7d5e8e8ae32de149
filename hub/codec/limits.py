"""Size limits at the inbound edge: what the hub refuses before it records anything.

Two refusals, each dead-lettered with a REJECTED receipt to the sender while the partition flows
on:

* ``record_too_large``: the inbound record's value is larger than ``inbound_max_bytes``. Only
  its first ``KEPT_BYTES`` go to the dead letter: the whole of it could make a dead letter the
  relay cannot publish.
* ``event_too_large``: the record decoded, but the ``TimelineEvent`` the relay would publish
  for it would be larger than ``outbound_max_bytes``. Avro writes a string as its UTF-8 bytes;
  the timeline's ``payload_json`` is canonical JSON, where a ``"`` or a ``\\`` takes two bytes
  and a control character six, so 600,000 quotes make a 1.2 MB record out of a 0.6 MB one. The
  estimate is the canonical JSON of the command's fields (``hub.relay.records`` makes the
  payload the same way from the recorded event) plus ``TIMELINE_OVERHEAD`` for the record's
  other fields and the sealing of personal data.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hub.cases.commands import Inbound, Origin, Undecodable
from hub.cases.hashing import canonical_json

if TYPE_CHECKING:
    from hub.settings import Settings

RECORD_TOO_LARGE = "record_too_large"
EVENT_TOO_LARGE = "event_too_large"
#: How much of an oversized inbound record its dead letter keeps (its header names the event).
KEPT_BYTES = 64 * 1024
#: The timeline record beyond ``payload_json``: ids, hashes, times, participants, framing, and
#: the growth of personal data sealed for the store. Generous: a refusal near the limit is
#: better than a record the relay cannot publish.
TIMELINE_OVERHEAD = 16 * 1024


@dataclass(frozen=True)
class SizeLimits:
    inbound_max_bytes: int
    outbound_max_bytes: int

    @classmethod
    def from_settings(cls, settings: Settings) -> SizeLimits:
        return cls(settings.inbound_max_bytes, settings.outbound_max_bytes)


def oversized_record(
    raw: bytes, origin: Origin, sender: str, limits: SizeLimits
) -> Undecodable | None:
    """``record_too_large`` when ``raw`` is over the inbound limit, else None."""
    if len(raw) <= limits.inbound_max_bytes:
        return None
    return Undecodable(
        origin,
        RECORD_TOO_LARGE,
        f"the record is {len(raw):,} bytes, over the hub's limit of "
        f"{limits.inbound_max_bytes:,} (inbound_max_bytes); the dead letter keeps its first "
        f"{min(len(raw), KEPT_BYTES):,} bytes",
        bytes(raw[:KEPT_BYTES]),
        sender,
    )


def outbound_estimate(inbound: Inbound) -> int:
    """An upper estimate of the timeline record's size for this command, in bytes."""
    command = inbound.command
    fields = {
        f.name: getattr(command, f.name)
        for f in dataclasses.fields(command)
        if f.name != "envelope"
    }
    return len(canonical_json(fields)) + TIMELINE_OVERHEAD


def oversized_event(inbound: Inbound, limits: SizeLimits) -> Undecodable | None:
    """``event_too_large`` when the event's timeline record would be over the outbound limit."""
    estimate = outbound_estimate(inbound)
    if estimate <= limits.outbound_max_bytes:
        return None
    envelope = inbound.command.envelope
    return Undecodable(
        inbound.origin,
        EVENT_TOO_LARGE,
        f"{type(inbound.command).__name__} {envelope.event_id}: its timeline record would be "
        f"about {estimate:,} bytes (text fields grow when written as JSON), over the limit of "
        f"{limits.outbound_max_bytes:,} (outbound_max_bytes)",
        inbound.raw,
        envelope.sender_agency,
        event_id=envelope.event_id,
    )
