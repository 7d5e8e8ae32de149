"""The timeline entry: the record the relay publishes for a case or directory event, read back.

``timeline_record`` builds the ``casehub.hub.TimelineEvent`` record (schema
``schemas/casehub.hub.TimelineEvent``) of one stored event: the envelope in fields of its own,
everything else in ``payload_json`` (``hub.outbound.envelope``), and in ``participants`` the
agencies the event reaches (``hub.outbound.recipients``). ``timeline_entry`` reads such a
record, as built or as decoded from ``casehub.timeline``, into a ``TimelineEntry``: what every
projection and audit tool reads. ``stored_envelope`` turns an entry's envelope back into the
fields the stored event held.

An entry is the same whichever way it came: ids as lowercase hyphenated strings, times as
aware UTC datetimes truncated to milliseconds (the wire's ``timestamp-millis``), the payload as
the canonical JSON data of ``hub.cases.hashing`` (dates as ISO strings). The hub's own facts
(e.g. ``Case.DeadlineMissed``) name ``hub`` as their actor.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from typing import Any
from uuid import UUID

from hub.errors import SchemaError
from hub.outbound.envelope import payload_json

#: The record type of the timeline and of an event on a feed.
TIMELINE_EVENT = "casehub.hub.TimelineEvent"
#: ``aggregate`` of a case event and of a directory event.
CASE = "CASE"
DIRECTORY = "DIRECTORY"


def utc_millis(moment: datetime) -> datetime:
    """``moment`` in UTC, truncated to whole milliseconds (what the wire can carry)."""
    if moment.tzinfo is None:
        raise ValueError(f"an aware datetime is needed, got {moment.isoformat()}")
    moment = moment.astimezone(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def aware(moment: Any) -> datetime | None:
    """A stored time as the record carries it (a naive one taken as UTC); None if not a time."""
    if not isinstance(moment, datetime):
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def uuid_text(value: Any) -> str | None:
    """A UUID (or its text) as lowercase hyphenated text; None stays None."""
    if value is None or isinstance(value, UUID):
        return None if value is None else str(value)
    return str(UUID(str(value)))


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
    participants: tuple[str, ...] = ()  # the agencies the event reaches (``recipients``)
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


def event_type(event: Any) -> str:
    """``Case.Registered``, ``Directory.AgencyAdmitted``: the qualified class name."""
    return type(event).__qualname__


def directory_subject(event: Any) -> str:
    """The agency a directory event is about (its key and ``agency_id``): the agency it names,
    else its author."""
    return str(getattr(event, "agency_id", None) or getattr(event, "actor_agency", "") or "")


def timeline_record(
    notification_id: int,
    event: Any,
    *,
    case_id: UUID | None,
    agency_id: str | None,
    participants: list[str],
) -> dict[str, Any]:
    """The ``TimelineEvent`` record of a stored case event (``case_id``) or directory event
    (``agency_id``, the agency it is about); ``participants``: the agencies it reaches."""
    return {
        "notification_id": notification_id,
        "event_type": event_type(event),
        "aggregate": CASE if case_id is not None else DIRECTORY,
        "aggregate_id": event.originator_id,
        "case_id": case_id,
        "agency_id": agency_id,
        "version": event.originator_version,
        "hash_alg": getattr(event, "hash_alg", "") or "",
        "event_hash": getattr(event, "event_hash", "") or "",
        "prev_hash": getattr(event, "prev_hash", "") or "",
        "recorded_at": aware(event.timestamp),
        "occurred_at": aware(getattr(event, "occurred_at", None)),
        "event_id": getattr(event, "event_id", None),
        "actor_agency": getattr(event, "actor_agency", None) or None,
        "actor_officer": getattr(event, "officer_id", None) or None,
        "participants": participants,
        "payload_json": payload_json(vars(event)),
    }


def timeline_entry(
    record: Mapping[str, Any], payload: Mapping[str, Any] | None = None
) -> TimelineEntry:
    """The entry a ``TimelineEvent`` record (built or decoded) carries. ``payload``: the data of
    its ``payload_json`` when the caller has parsed it already.

    Raises ``SchemaError`` when ``payload_json`` is not JSON; ``KeyError``, ``TypeError`` or
    ``ValueError`` when another field does not fit.
    """
    if payload is None:
        try:
            payload = json.loads(record["payload_json"]) if record["payload_json"] else {}
        except json.JSONDecodeError as exc:
            raise SchemaError(f"{TIMELINE_EVENT}.payload_json is not JSON: {exc}") from exc
    occurred = record.get("occurred_at")
    return TimelineEntry(
        notification_id=int(record["notification_id"]),
        event_type=str(record["event_type"]),
        aggregate=str(record["aggregate"]),
        aggregate_id=str(uuid_text(record["aggregate_id"])),
        case_id=uuid_text(record.get("case_id")),
        agency_id=record.get("agency_id"),
        version=int(record["version"]),
        event_id=uuid_text(record.get("event_id")),
        actor_agency=record.get("actor_agency"),
        officer_id=record.get("actor_officer"),
        occurred_at=None if occurred is None else utc_millis(occurred),
        recorded_at=utc_millis(record["recorded_at"]),
        hash_alg=str(record.get("hash_alg") or ""),
        event_hash=str(record.get("event_hash") or ""),
        prev_hash=str(record.get("prev_hash") or ""),
        participants=tuple(record.get("participants") or ()),
        payload=payload if isinstance(payload, dict) else {},
    )


def stored_envelope(entry: TimelineEntry, zone: tzinfo) -> dict[str, Any]:
    """The ``ENVELOPE_FIELDS`` of the stored event ``entry`` carries, as the store's decoder
    gives them back (``timestamp`` in ``zone``, the hub's time zone)."""
    return {
        "originator_id": UUID(entry.aggregate_id),
        "originator_version": entry.version,
        "timestamp": entry.recorded_at.astimezone(zone),
        "event_id": UUID(entry.event_id) if entry.event_id else None,
        "actor_agency": entry.actor_agency or "",
        "officer_id": entry.officer_id or "",
        "occurred_at": entry.occurred_at,
        "hash_alg": entry.hash_alg,
        "prev_hash": entry.prev_hash,
        "event_hash": entry.event_hash,
    }
