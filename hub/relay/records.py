"""From one stored notification to the Kafka records the relay publishes for it.

- a case event → ``casehub.timeline`` (key: case id) and the feed of every agency taking part:
  the case's participants after the event, plus the event's addressee, notice recipients or
  the agency a missed deadline concerns. The timeline carries every event whole (only the
  hub's consumers and auditors read it); each feed carries it whole or in its masked form
  (``payload_json`` reduced to metadata with ``"masked": true``, no officer) as the access
  policy (``hub.privacy.access``) decides for that agency: the event's effective level is the
  higher of the case's and its own classification, and ``CONFIDENTIAL`` content reaches only
  participants cleared for it;
- a directory event → ``casehub.timeline`` (key: the agency it is about) and that agency's feed;
- ``InboundEvent.Accepted`` (one per accepted inbound event id) → an ACCEPTED receipt on the
  sender's feed, naming the topic, partition and offset the event came from;
- ``InboundEvent.Resent`` (an exact resend of an accepted event id) → a DUPLICATE receipt on
  the sender's feed: the original's case, version, hash and origin, and the resend's origin;
- ``Rejection.Recorded`` → ``casehub.deadletter`` (key: the source topic/partition/offset) and
  a REJECTED receipt on the sender's feed.

Everything else in the log (partition leases, deadline indexes, snapshots) publishes nothing.
What a timeline record, a receipt and a dead letter hold, and which agencies an event reaches,
is the outbound contract's (``hub.outbound``); this module picks the topics, keys, headers and
masking.
Every record carries its notification id in the ``casehub-notification-id`` header and in its
body. Values use the outbound schemas ``schemas/casehub.hub.*`` in single-object encoding.
"""

from __future__ import annotations

import base64
import json
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid5

from hub.cases.hashing import canonical_json
from hub.ids import CASE_NAMESPACE
from hub.outbound.deadletter import DEAD_LETTER, dead_letter_record
from hub.outbound.receipt import (
    RECEIPT,
    accepted_receipt,
    duplicate_receipt,
    rejected_receipt,
)
from hub.outbound.recipients import (
    CaseStates,
    directory_recipients,
    event_recipients,
    participants_of,
)
from hub.outbound.timeline import TIMELINE_EVENT, directory_subject, timeline_record
from hub.privacy.access import AccessPolicy, effective_level, masked_payload
from hub.topics import DEADLETTER, TIMELINE, feed_topic

HEADER_NOTIFICATION_ID = "casehub-notification-id"
HEADER_RECORD_TYPE = "casehub-record-type"

RELAY_POSITION_RECORD = "casehub.hub.RelayPosition"

#: Stored-event topic prefixes of the notifications the relay publishes something for (see the
#: module docstring); health checks use it to tell a relay that is behind from one that only
#: has leases or indexes after its committed position.
PUBLISHING_TOPICS = ("hub.cases.domainmodel:", "hub.directory.domainmodel:", "hub.cases.indexes:")

Encoder = Callable[[str, dict[str, Any]], bytes]


@dataclass(slots=True)
class OutRecord:
    """One Kafka record to send: topic, key, value, headers; and what it was encoded from.

    Not frozen, though never changed: a frozen dataclass sets each field through
    ``object.__setattr__``, and the relay makes some six of these per event.
    """

    topic: str
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]] = field(default_factory=list)
    #: The record type and the record before encoding: what a placeholder is built from.
    record_type: str = ""
    record: dict[str, Any] | None = field(default=None, compare=False, repr=False)
    notification_id: int = 0

    @property
    def size(self) -> int:
        """The bytes the record takes against the outbound limit (key, value, headers)."""
        return len(self.key) + len(self.value) + sum(len(k) + len(v) for k, v in self.headers)


def default_encoder() -> Encoder:
    from hub.codec import encode_record  # noqa: PLC0415 - the codec loads the catalog

    def encode(record_type: str, record: dict[str, Any]) -> bytes:
        return encode_record(record_type, record)

    return encode


def _masked_record(record: dict[str, Any]) -> dict[str, Any]:
    """The feed record of an agency that may not read the event: metadata only. The hashes
    stay (they prove which event this is, not what it says); the officer is left out."""
    payload = masked_payload(json.loads(record["payload_json"]))
    return {
        **record,
        "actor_officer": None,
        "payload_json": canonical_json(payload).decode("utf-8"),
    }


def _policy_from_settings() -> AccessPolicy:
    """The policy of the default settings (none loaded): ``hub.bootstrap`` passes the real one."""
    from hub.settings import Settings  # noqa: PLC0415 - only when no policy is given

    return AccessPolicy.from_settings(Settings())


class RecordMapper:
    """Maps domain events (with their notification ids) to outbound records."""

    def __init__(
        self,
        case_states: CaseStates,
        sender_of: Callable[[UUID, int], str],
        is_agency: Callable[[str], bool],
        encode: Encoder | None = None,
        policy: AccessPolicy | None = None,
    ) -> None:
        from hub.cases.domainmodel import Case  # noqa: PLC0415
        from hub.cases.indexes import InboundEvent, Rejection  # noqa: PLC0415
        from hub.directory.domainmodel import Directory  # noqa: PLC0415

        self._case_event = Case.Event
        self._directory_event = Directory.Event
        self._accepted = InboundEvent.Accepted
        self._resent = InboundEvent.Resent
        self._rejected = Rejection.Recorded
        self.case_states = case_states
        self.sender_of = sender_of
        self.is_agency = is_agency
        self.encode = encode or default_encoder()
        #: Who may read what on the feeds; by default the clearances the settings configure.
        self.policy = policy if policy is not None else _policy_from_settings()
        #: Who acted in recently mapped events: the receipt that follows them needs the sender.
        self._senders: OrderedDict[tuple[UUID, int], str] = OrderedDict()

    def records(self, notification_id: int, event: Any) -> list[OutRecord]:
        if isinstance(event, self._case_event | self._directory_event):
            self._senders[(event.originator_id, event.originator_version)] = str(
                getattr(event, "actor_agency", "") or ""
            )
            if len(self._senders) > 10_000:
                self._senders.popitem(last=False)
        if isinstance(event, self._case_event):
            return self._case(notification_id, event)
        if isinstance(event, self._directory_event):
            return self._directory(notification_id, event)
        if isinstance(event, self._accepted):
            return self._receipt_accepted(notification_id, event)
        if isinstance(event, self._resent):
            return self._receipt_duplicate(notification_id, event)
        if isinstance(event, self._rejected):
            return self._rejection(notification_id, event)
        return []

    # --- accepted events ----------------------------------------------------------------------
    def _out(
        self,
        topics: Iterable[str],
        key: str,
        record_type: str,
        value: bytes,
        nid: int,
        *,
        record: dict[str, Any] | None = None,
    ) -> list[OutRecord]:
        headers = [
            (HEADER_NOTIFICATION_ID, str(nid).encode()),
            (HEADER_RECORD_TYPE, record_type.encode()),
        ]
        raw_key = key.encode()
        return [OutRecord(t, raw_key, value, headers, record_type, record, nid) for t in topics]

    def _case(self, nid: int, event: Any) -> list[OutRecord]:
        case = self.case_states.after(event)
        participants = participants_of(case)
        recipients = event_recipients(participants, vars(event), self.is_agency)
        case_id = event.originator_id
        key = str(case_id)
        record = timeline_record(
            nid, event, case_id=case_id, agency_id=None, participants=recipients
        )
        value = self.encode(TIMELINE_EVENT, record)
        level = effective_level(
            getattr(case, "classification", None), getattr(event, "classification", None)
        )
        whole = [a for a in recipients if self.policy.may_read_content(a, level, participants)]
        masked = [a for a in recipients if a not in whole]
        out = self._out(
            [TIMELINE, *(feed_topic(a) for a in whole)],
            key,
            TIMELINE_EVENT,
            value,
            nid,
            record=record,
        )
        if masked:
            hidden = _masked_record(record)
            out += self._out(
                [feed_topic(a) for a in masked],
                key,
                TIMELINE_EVENT,
                self.encode(TIMELINE_EVENT, hidden),
                nid,
                record=hidden,
            )
        return out

    def _directory(self, nid: int, event: Any) -> list[OutRecord]:
        agency = directory_subject(event)
        recipients = directory_recipients(event, agency, self.is_agency)
        record = timeline_record(
            nid, event, case_id=None, agency_id=agency or None, participants=recipients
        )
        value = self.encode(TIMELINE_EVENT, record)
        topics = [TIMELINE, *(feed_topic(a) for a in recipients)]
        key = agency or str(event.originator_id)
        return self._out(topics, key, TIMELINE_EVENT, value, nid, record=record)

    # --- receipts and dead letters --------------------------------------------------------------
    def _receipt_accepted(self, nid: int, event: Any) -> list[OutRecord]:
        key = (event.aggregate_id, event.aggregate_version)
        # An entry stored before version 2 has no sender: the recorded event's actor is it.
        sender = event.sender_agency or self._senders.get(key) or self.sender_of(*key)
        return self._receipt(sender, str(event.event_id), accepted_receipt(nid, event, sender))

    def _receipt_duplicate(self, nid: int, event: Any) -> list[OutRecord]:
        return self._receipt(
            event.sender_agency, str(event.event_id), duplicate_receipt(nid, event)
        )

    def _receipt(self, sender: str, key: str, receipt: dict[str, Any]) -> list[OutRecord]:
        """The receipt on ``sender``'s feed; none when the sender is no agency of the directory."""
        if not self.is_agency(sender):
            return []
        value = self.encode(RECEIPT, receipt)
        nid = receipt["notification_id"]
        return self._out([feed_topic(sender)], key, RECEIPT, value, nid, record=receipt)

    def _rejection(self, nid: int, event: Any) -> list[OutRecord]:
        letter = dead_letter_record(nid, event)
        key = f"{event.source}/{event.partition}/{event.offset}"
        out = self._out(
            [DEADLETTER], key, DEAD_LETTER, self.encode(DEAD_LETTER, letter), nid, record=letter
        )
        return out + self._receipt(event.sender_agency or "", key, rejected_receipt(nid, event))


# --- records the relay cannot publish -------------------------------------------------------
#: The record is over ``settings.outbound_max_bytes``.
TOO_LARGE = "relay_record_too_large"
#: The broker refused the record itself (e.g. a topic's ``max.message.bytes`` set lower).
REFUSED = "relay_record_refused"
#: A parked record's text fields are cut to this many characters.
_SHORT = 2000


def _short(text: Any) -> Any:
    if isinstance(text, str) and len(text) > _SHORT:
        return text[:_SHORT] + "…"
    return text


def withheld(record: OutRecord, reason: str, encode: Encoder) -> OutRecord:
    """The record published in place of one the relay cannot publish.

    A ``TimelineEvent`` keeps its notification id, case, version and hashes (consumers see no
    hole in the chain) and says ``withheld``, with a payload of ``{"withheld": reason}``; a
    ``Receipt`` or a ``DeadLetter`` keeps everything but its long text fields.
    """
    source = record.record
    if source is None:
        raise ValueError(f"no source record to withhold for {record.topic}")
    if record.record_type == TIMELINE_EVENT:
        replaced = {
            **source,
            "payload_json": canonical_json({"withheld": reason}).decode("utf-8"),
            "withheld": reason,
        }
    else:
        replaced = {**source, "message": _short(source.get("message"))}
        if record.record_type == DEAD_LETTER:
            replaced["raw_base64"] = ""
    value = encode(record.record_type, replaced)
    return OutRecord(
        record.topic,
        record.key,
        value,
        record.headers,
        record.record_type,
        replaced,
        record.notification_id,
    )


def parked(
    record: OutRecord,
    topics: list[str],
    reason: str,
    message: str,
    *,
    limit: int,
    encode: Encoder,
) -> OutRecord:
    """The dead letter (kind ``OUTBOUND_PARKED``) that keeps a record the relay withheld.

    It carries the record's value when that fits under ``limit`` once base64-encoded, else
    nothing: the event itself stays in the hub's store, at ``source_offset`` (its notification
    id). One letter per withheld value; ``topics`` are those it was meant for.
    """
    source = record.record or {}
    nid = record.notification_id
    raw = base64.b64encode(record.value).decode("ascii")
    if len(raw) + len(message) + 4096 > limit:
        raw = ""
    name = f"parked/{record.record_type}/{nid}/{record.topic}"
    letter = {
        "notification_id": nid,
        "rejection_id": uuid5(CASE_NAMESPACE, name),
        "reason_code": reason,
        "message": _short(f"{message}; meant for {', '.join(topics)}"),
        "source_topic": record.topic,
        "source_partition": -1,
        "source_offset": nid,
        "sender_agency": str(source.get("actor_agency") or source.get("sender_agency") or ""),
        "event_id": source.get("event_id"),
        "raw_base64": raw,
        "recorded_at": source.get("recorded_at") or datetime.now(UTC),
        "kind": "OUTBOUND_PARKED",
    }
    return OutRecord(
        DEADLETTER,
        name.encode(),
        encode(DEAD_LETTER, letter),
        [
            (HEADER_NOTIFICATION_ID, str(nid).encode()),
            (HEADER_RECORD_TYPE, DEAD_LETTER.encode()),
        ],
        DEAD_LETTER,
        letter,
        nid,
    )
