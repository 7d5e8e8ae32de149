"""A case rebuilt from what ``casehub.timeline`` carries, answering the auditor's queries.

Each timeline record holds one case event: its envelope in fields of its own and every other
recorded field in ``payload_json`` (canonical JSON, the encoding the hash chain uses). The
record is turned back into the domain event the store holds: payload values get their types
back from the event class's annotations (dates, times, UUIDs, the contract's value objects),
then the events are applied in version order to a fresh ``Case``, exactly as the repository
replays stored events. ``TimelineCase`` offers the same two queries as ``CaseHub``
(``case_events`` and ``get_case(version=N)``), so ``history()`` answers from either source.

The timeline carries ``recorded_at``/``occurred_at`` to the millisecond; ``history()`` shows
every time at that precision whichever source it reads.
"""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any, Union, get_args, get_origin, get_type_hints
from uuid import UUID

from hub.audit.history import AuditError
from hub.cases.domainmodel import Case
from hub.cases.hashing import GENESIS_HASH
from hub.cases.views import CaseView, RecordedEvent
from hub.errors import UnknownCase
from hub.outbound.envelope import history_payload
from hub.outbound.timeline import CASE, TimelineEntry, stored_envelope
from hub.rules.clocks import TIMEZONE

_HINTS: dict[type[Any], dict[str, Any]] = {}

#: The scalar types canonical JSON writes as strings.
_SCALARS: dict[Any, Callable[[Any], Any]] = {
    datetime: datetime.fromisoformat,
    date: date.fromisoformat,
    UUID: lambda v: UUID(str(v)),
}


def _hints(cls: type[Any]) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = get_type_hints(cls)
    return _HINTS[cls]


def typed(value: Any, hint: Any) -> Any:
    """A canonical JSON value back in the type ``hint`` names (what the store's decoder gives)."""
    origin = get_origin(hint)
    if value is None:
        result = None
    elif origin is Union or origin is types.UnionType:
        options = [a for a in get_args(hint) if a is not type(None)]
        result = typed(value, options[0]) if len(options) == 1 else value
    elif hint in _SCALARS:
        result = _SCALARS[hint](value)
    elif origin in (list, tuple) and isinstance(value, list):
        item = get_args(hint)[0] if get_args(hint) else Any
        items = [typed(v, item) for v in value]
        result = tuple(items) if origin is tuple else items
    elif origin is dict and isinstance(value, dict):
        item = get_args(hint)[-1] if get_args(hint) else Any
        result = {k: typed(v, item) for k, v in value.items()}
    elif isinstance(hint, type) and dataclasses.is_dataclass(hint) and isinstance(value, dict):
        result = _value_object(hint, value)
    else:
        result = value  # str, int, bool, and str-valued enums (stored as plain strings)
    return result


def _value_object(cls: type[Any], value: dict[str, Any]) -> Any:
    hints = _hints(cls)
    fields = {f.name: typed(value[f.name], hints[f.name]) for f in dataclasses.fields(cls)}
    if cls.__dataclass_params__.frozen:
        # as the store's transcoding gives them back: every list of a frozen value a tuple
        fields = {k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()}
    return cls(**fields)


def event_class(event_type: str) -> type[Any]:
    """``Case.RecommendationIssued`` → the nested class."""
    owner, _, name = event_type.partition(".")
    cls = getattr(Case, name, None) if owner == "Case" else None
    if not (isinstance(cls, type) and issubclass(cls, Case.Event)):
        raise AuditError(f"the timeline carries an event type this hub does not know: {event_type}")
    return cls


def domain_event(entry: TimelineEntry) -> Any:
    """The stored ``Case`` event a timeline entry carries."""
    cls = event_class(entry.event_type)
    hints = _hints(cls)
    state: dict[str, Any] = {k: typed(v, hints.get(k, Any)) for k, v in entry.payload.items()}
    state |= stored_envelope(entry, TIMEZONE)
    event = object.__new__(cls)
    object.__setattr__(event, "__dict__", state)
    return event


def recorded_event(entry: TimelineEntry) -> RecordedEvent:
    payload = entry.payload
    return RecordedEvent(
        type=entry.event_type,
        version=entry.version,
        recorded_at=entry.recorded_at,
        occurred_at=entry.occurred_at or entry.recorded_at,
        actor_agency=entry.actor_agency or "",
        officer_id=entry.officer_id or "",
        event_id=UUID(entry.event_id) if entry.event_id else UUID(int=0),
        correlation_id=UUID(payload["correlation_id"]) if payload.get("correlation_id") else None,
        causation_id=UUID(payload["causation_id"]) if payload.get("causation_id") else None,
        classification=str(payload.get("classification") or ""),
        content_hash=str(payload.get("content_hash") or ""),
        hash_alg=entry.hash_alg,
        prev_hash=entry.prev_hash,
        event_hash=entry.event_hash,
        payload=history_payload(payload),
    )


class TimelineCase:
    """One case as the timeline carries it: versions 1..n, each exactly once."""

    def __init__(self, case_id: UUID, entries: Sequence[TimelineEntry]) -> None:
        self.case_id = case_id
        by_version: dict[int, TimelineEntry] = {}
        for entry in entries:
            if entry.aggregate != CASE or entry.case_id != str(case_id):
                continue
            seen = by_version.setdefault(entry.version, entry)
            if seen.event_hash != entry.event_hash:
                raise AuditError(
                    f"the timeline carries two different events as version {entry.version} of "
                    f"case {case_id} (notifications {seen.notification_id} and "
                    f"{entry.notification_id})"
                )
        self.entries = [by_version[v] for v in sorted(by_version)]
        previous = GENESIS_HASH
        for expected, entry in enumerate(self.entries, start=1):
            if entry.version != expected:
                raise AuditError(
                    f"the timeline lacks version {expected} of case {case_id}: it carries "
                    f"versions {', '.join(str(e.version) for e in self.entries)}"
                )
            if entry.prev_hash != previous:
                raise AuditError(
                    f"the timeline's chain of case {case_id} breaks at version {expected} "
                    f"({entry.event_type}): prev_hash is {entry.prev_hash[:16]}…, "
                    f"expected {previous[:16]}…"
                )
            previous = entry.event_hash

    def _check(self, case_id: UUID) -> None:
        if case_id != self.case_id or not self.entries:
            raise UnknownCase(f"no case with id {case_id} on the timeline")

    def case_events(self, case_id: UUID) -> list[RecordedEvent]:
        self._check(case_id)
        return [recorded_event(e) for e in self.entries]

    def get_case(self, case_id: UUID, *, version: int | None = None) -> CaseView:
        from hub.cases.viewing import case_view  # noqa: PLC0415

        self._check(case_id)
        upto = self.entries if version is None else self.entries[:version]
        case: Any = None
        for entry in upto:
            case = domain_event(entry).mutate(case)
        if not isinstance(case, Case):
            raise UnknownCase(f"no case with id {case_id} on the timeline")
        return case_view(case)
