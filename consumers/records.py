"""What a view reads: one accepted event (``TimelineEntry``) or one rejection (``DeadLetterEntry``).

Every projection takes these plain, frozen records, never a Kafka message or a live aggregate,
so its logic is tested in memory. Two adapters make them:

* ``entries_from_store(app)`` reads the hub's event store in notification order (what the relay
  publishes, and what ``casehub consumers rebuild`` and the auditor tools replay);
* ``entry_from_timeline_record(raw)`` / ``dead_letter_from_record(raw)`` decode a value from
  ``casehub.timeline`` / ``casehub.deadletter`` (Avro single-object encoding, ``hub.codec``).

Both produce the same entry for the same event: ids as lowercase hyphenated strings, times as
aware UTC datetimes truncated to milliseconds (the wire's ``timestamp-millis``), the payload as
the canonical JSON data of ``hub.cases.hashing`` (dates as ISO strings). The hub's own facts
(e.g. ``Case.DeadlineMissed``) name ``hub`` as their actor, as the relay publishes them.

The relay (``hub.relay.records``) is the reference for the wire form: the payload is every
stored field but the envelope (``_ENVELOPE_FIELDS`` mirrors its list). ``participants`` is the
one field the store adapter only approximates (the relay reads the case state after the
event); no view stores it.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Protocol
from uuid import UUID

import orjson

from hub.errors import SchemaError

#: Author of the facts the hub records itself (``hub.cases.context.HUB_AGENCY``).
HUB = "hub"
CASE = "CASE"
DIRECTORY = "DIRECTORY"

TIMELINE_RECORD = "casehub.hub.TimelineEvent"
DEADLETTER_RECORD = "casehub.hub.DeadLetter"


def utc_millis(moment: datetime) -> datetime:
    """``moment`` in UTC, truncated to whole milliseconds (what the wire can carry)."""
    if moment.tzinfo is None:
        raise ValueError(f"an aware datetime is needed, got {moment.isoformat()}")
    moment = moment.astimezone(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def iso(moment: datetime | None) -> str | None:
    """The stored form of a moment in a view: ISO-8601 UTC with milliseconds."""
    if moment is None:
        return None
    return utc_millis(moment).isoformat(timespec="milliseconds")


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One event the hub accepted and recorded, as a projection sees it."""

    notification_id: int
    event_type: str  # e.g. "Case.Registered", "Directory.LiaisonDesignated"
    aggregate: str  # CASE | DIRECTORY
    aggregate_id: str
    case_id: str | None  # None for directory events
    agency_id: str | None  # for directory events, the agency the event is about
    version: int
    event_id: str | None  # the publisher's event id; None for the hub's own facts
    actor_agency: str | None
    officer_id: str | None
    occurred_at: datetime | None
    recorded_at: datetime
    hash_alg: str
    event_hash: str
    prev_hash: str
    participants: tuple[str, ...] = ()
    payload: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=True)

    @property
    def name(self) -> str:
        """The event's short name: ``RecommendationReplied`` for ``Case.RecommendationReplied``."""
        return self.event_type.rsplit(".", 1)[-1]

    @property
    def key(self) -> str:
        """What the timeline is keyed by: the case id, or the agency for directory events."""
        return self.case_id or self.agency_id or self.aggregate_id

    def text(self, name: str, default: str = "") -> str:
        value = self.payload.get(name)
        return default if value is None else str(value)

    def day(self, name: str) -> date | None:
        value = self.payload.get(name)
        return date.fromisoformat(str(value)[:10]) if value else None

    def flag(self, name: str) -> bool:
        return bool(self.payload.get(name))

    def number(self, name: str) -> int:
        value = self.payload.get(name)
        return int(value) if value is not None else 0

    def strings(self, name: str) -> tuple[str, ...]:
        value = self.payload.get(name)
        return tuple(str(v) for v in value) if isinstance(value, list | tuple) else ()

    def mapping(self, name: str) -> Mapping[str, Any] | None:
        value = self.payload.get(name)
        return value if isinstance(value, Mapping) else None


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


# --- from the event store ------------------------------------------------------------------------
class StoreApplication(Protocol):
    """The part of an eventsourcing application (the hub's ``CaseHub``) a replay reads."""

    @property
    def recorder(self) -> Any: ...

    @property
    def mapper(self) -> Any: ...


def _canonical(value: Any) -> Any:
    """The payload as the relay writes it (``payload_json``) and a Kafka-fed view reads it back.

    Parsing the canonical JSON is the same data as ``to_canonical`` (dates as ISO text, UUIDs
    as text, tuples as lists) and about 4x faster than walking the payload in Python.
    """
    from hub.cases.hashing import canonical_json  # noqa: PLC0415 - the domain only when replaying

    return orjson.loads(canonical_json(value))


_ENVELOPE_FIELDS = frozenset(
    {
        "originator_id",
        "originator_version",
        "timestamp",
        "event_id",
        "actor_agency",
        "officer_id",
        "occurred_at",
        "hash_alg",
        "prev_hash",
        "event_hash",
    }
)


def entry_from_domain_event(notification_id: int, event: Any) -> TimelineEntry | None:
    """A ``TimelineEntry`` for a stored ``Case`` or ``Directory`` event; None for anything else."""
    from hub.cases.domainmodel import Case  # noqa: PLC0415
    from hub.directory.domainmodel import Directory  # noqa: PLC0415

    state = dict(vars(event))
    if isinstance(event, Case.Event):
        aggregate, case_id, agency_id = CASE, str(event.originator_id), None
        participants = tuple(_participants_of(state))
    elif isinstance(event, Directory.Event):
        aggregate, case_id = DIRECTORY, None
        agency_id = str(state.get("agency_id") or state.get("actor_agency") or "")
        participants = ()
    else:
        return None
    occurred = state.get("occurred_at")
    return TimelineEntry(
        notification_id=int(notification_id),
        event_type=type(event).__qualname__,
        aggregate=aggregate,
        aggregate_id=str(event.originator_id),
        case_id=case_id,
        agency_id=agency_id or None,
        version=int(event.originator_version),
        event_id=_uuid_text(state.get("event_id")),
        actor_agency=str(state.get("actor_agency") or "") or None,
        officer_id=str(state.get("officer_id") or "") or None,
        occurred_at=utc_millis(occurred) if isinstance(occurred, datetime) else None,
        recorded_at=utc_millis(event.timestamp),
        hash_alg=str(state.get("hash_alg") or ""),
        event_hash=str(state.get("event_hash") or ""),
        prev_hash=str(state.get("prev_hash") or ""),
        participants=participants,
        payload=_canonical({k: v for k, v in state.items() if k not in _ENVELOPE_FIELDS}),
    )


def _participants_of(state: Mapping[str, Any]) -> list[str]:
    found: list[str] = []
    for name in ("participants", "notice_recipients"):
        for agency in state.get(name) or ():
            if agency not in found:
                found.append(str(agency))
    for name in ("addressee", "agency_id", "agency", "actor_agency"):
        value = state.get(name)
        if isinstance(value, str) and value and value != HUB and value not in found:
            found.append(value)
    return found


def _topics(*classes: type) -> tuple[str, ...]:
    """Topic prefixes of the stored events of these aggregates (others are not decoded)."""
    from eventsourcing.utils import get_topic  # noqa: PLC0415

    return tuple(f"{get_topic(c)}." for c in classes)


def _timeline_topics() -> tuple[str, ...]:
    from hub.cases.domainmodel import Case  # noqa: PLC0415
    from hub.directory.domainmodel import Directory  # noqa: PLC0415

    return _topics(Case, Directory)


def _rejection_topics() -> tuple[str, ...]:
    from hub.cases.indexes import Rejection  # noqa: PLC0415

    return _topics(Rejection)


def _stored(
    app: StoreApplication, after: int, batch: int, topics: tuple[str, ...]
) -> Iterator[tuple[int, Any]]:
    start = after + 1
    while True:
        notifications = app.recorder.select_notifications(start=start, limit=batch)
        if not notifications:
            return
        for notification in notifications:
            if notification.topic.startswith(topics):
                yield notification.id, app.mapper.to_domain_event(notification)
        start = notifications[-1].id + 1


def entries_from_store(
    app: StoreApplication, *, after: int = 0, batch: int = 500
) -> Iterator[TimelineEntry]:
    """Every case and directory event in the store, in notification order, after ``after``."""
    for notification_id, event in _stored(app, after, batch, _timeline_topics()):
        entry = entry_from_domain_event(notification_id, event)
        if entry is not None:
            yield entry


def dead_letter_from_domain_event(notification_id: int, event: Any) -> DeadLetterEntry | None:
    """A ``DeadLetterEntry`` for a stored ``Rejection.Recorded``; None for anything else."""
    from hub.cases.indexes import Rejection  # noqa: PLC0415

    if not isinstance(event, Rejection.Recorded):
        return None
    state = vars(event)
    return DeadLetterEntry(
        notification_id=int(notification_id),
        rejection_id=str(event.originator_id),
        reason_code=str(state["reason_code"]),
        message=str(state["message"]),
        source_topic=str(state["source"]),
        source_partition=int(state["partition"]),
        source_offset=int(state["offset"]),
        sender_agency=str(state.get("sender_agency") or ""),
        event_id=_uuid_text(state.get("event_id")),
        recorded_at=utc_millis(event.timestamp),
    )


def dead_letters_from_store(
    app: StoreApplication, *, after: int = 0, batch: int = 500
) -> Iterator[DeadLetterEntry]:
    """Every rejection in the store, in notification order, after ``after``."""
    for notification_id, event in _stored(app, after, batch, _rejection_topics()):
        letter = dead_letter_from_domain_event(notification_id, event)
        if letter is not None:
            yield letter


def max_notification_id(app: StoreApplication) -> int:
    """The last notification id in the store (0 when empty)."""
    value = app.recorder.max_notification_id()
    return int(value or 0)


# --- from the outbound topics --------------------------------------------------------------------
def _uuid_text(value: Any) -> str | None:
    if value is None or isinstance(value, UUID):
        return None if value is None else str(value)
    return str(UUID(str(value)))


def _decode(raw: bytes, expected: str) -> dict[str, Any]:
    from hub.codec import decode_record  # noqa: PLC0415 - the wire only at the edge

    decoded = decode_record(bytes(raw), agency_events_only=False)
    if decoded.reader.fullname != expected:
        raise SchemaError(f"expected a {expected} record, got {decoded.reader.fullname}")
    return decoded.record


def entry_from_timeline_record(raw: bytes) -> TimelineEntry:
    """Decode one ``casehub.timeline`` value; raises ``SchemaError`` on anything else."""
    rec = _decode(raw, TIMELINE_RECORD)
    try:
        return _timeline_entry(rec)
    except (KeyError, TypeError, ValueError) as exc:
        raise SchemaError(f"{TIMELINE_RECORD}: a field does not fit: {exc!r}") from exc


def _timeline_entry(rec: dict[str, Any]) -> TimelineEntry:
    try:
        payload = json.loads(rec["payload_json"]) if rec["payload_json"] else {}
    except json.JSONDecodeError as exc:
        raise SchemaError(f"{TIMELINE_RECORD}.payload_json is not JSON: {exc}") from exc
    aggregate = str(rec["aggregate"])
    occurred = rec.get("occurred_at")
    return TimelineEntry(
        notification_id=int(rec["notification_id"]),
        event_type=str(rec["event_type"]),
        aggregate=aggregate,
        aggregate_id=str(_uuid_text(rec["aggregate_id"])),
        case_id=_uuid_text(rec.get("case_id")),
        agency_id=rec.get("agency_id"),
        version=int(rec["version"]),
        event_id=_uuid_text(rec.get("event_id")),
        actor_agency=rec.get("actor_agency"),
        officer_id=rec.get("actor_officer"),
        occurred_at=None if occurred is None else utc_millis(occurred),
        recorded_at=utc_millis(rec["recorded_at"]),
        hash_alg=str(rec.get("hash_alg") or ""),
        event_hash=str(rec.get("event_hash") or ""),
        prev_hash=str(rec.get("prev_hash") or ""),
        participants=tuple(rec.get("participants") or ()),
        payload=payload if isinstance(payload, dict) else {},
    )


def dead_letter_from_record(raw: bytes) -> DeadLetterEntry:
    """Decode one ``casehub.deadletter`` value (its raw bytes are checked, then dropped)."""
    rec = _decode(raw, DEADLETTER_RECORD)
    try:
        base64.b64decode(rec["raw_base64"], validate=True)
        return _dead_letter(rec)
    except (KeyError, TypeError, ValueError) as exc:  # binascii.Error is a ValueError
        raise SchemaError(f"{DEADLETTER_RECORD}: a field does not fit: {exc!r}") from exc


def _dead_letter(rec: dict[str, Any]) -> DeadLetterEntry:
    return DeadLetterEntry(
        notification_id=int(rec["notification_id"]),
        rejection_id=str(_uuid_text(rec["rejection_id"])),
        reason_code=str(rec["reason_code"]),
        message=str(rec["message"]),
        source_topic=str(rec["source_topic"]),
        source_partition=int(rec["source_partition"]),
        source_offset=int(rec["source_offset"]),
        sender_agency=str(rec.get("sender_agency") or ""),
        event_id=_uuid_text(rec.get("event_id")),
        recorded_at=utc_millis(rec["recorded_at"]),
    )
