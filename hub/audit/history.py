"""A case as it stood at a moment or a version, from the event store (``casehub audit history``).

Works through the ``CaseHub`` query API only: ``case_events`` to find the version in force at a
moment (the last event recorded at or before it), ``get_case(case_id, version=N)`` for the
state at that version. Every error a person can make (a reference that names no case, a time
before the case existed, a version it never had) is an ``AuditError`` with a message to act on.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast
from uuid import UUID

from hub.cases.hashing import canonical_json, to_canonical
from hub.cases.views import CaseView, ChainHead, ChainReport, RecordedEvent
from hub.errors import CaseHubError, UnknownCase
from hub.ids import case_id_for, normalise_case_number
from hub.outbound.recipients import event_recipients, participants_after
from hub.privacy.access import effective_level
from hub.rules.clocks import TIMEZONE

if TYPE_CHECKING:
    from hub.privacy.reveal_views import ReadingLens

T = TypeVar("T")


class AuditError(CaseHubError):
    """An auditor's request cannot be answered as asked; the message says why."""

    code = "audit_error"


class CaseSource(Protocol):
    """What ``history()`` reads: ``CaseHub`` (the store) or a case rebuilt from the timeline."""

    def get_case(self, case_id: UUID, *, version: int | None = None) -> CaseView: ...

    def case_events(self, case_id: UUID) -> list[RecordedEvent]: ...


class CaseQueries(CaseSource, Protocol):
    """The part of ``CaseHub`` the auditor tools read."""

    def verify_chain(self, case_id: UUID) -> ChainReport: ...

    def chain_head(self, case_id: UUID) -> ChainHead: ...


@dataclass(frozen=True, slots=True)
class CaseRef:
    """``owning-agency/case-number`` as an auditor types it."""

    owning_agency: str
    case_number: str

    @property
    def case_id(self) -> UUID:
        return case_id_for(self.owning_agency, self.case_number)

    def __str__(self) -> str:
        return f"{self.owning_agency}/{self.case_number}"


def parse_case_ref(text: str) -> CaseRef:
    """Split ``owning-agency/case-number`` (the number may itself contain slashes)."""
    agency, sep, number = text.strip().partition("/")
    if not sep or not agency.strip() or not normalise_case_number(number):
        raise AuditError(
            f"case reference {text!r} is not owning-agency/case-number "
            "(e.g. market-regulation/市监案〔2026〕001号)"
        )
    return CaseRef(agency.strip(), normalise_case_number(number))


def parse_moment(text: str) -> datetime:
    """An ISO date (the end of that day) or date-time (Asia/Shanghai when no offset is given)."""
    raw = text.strip()
    try:
        if len(raw) == 10:
            return datetime.combine(date.fromisoformat(raw), time.max, tzinfo=TIMEZONE)
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise AuditError(
            f"--as-of {text!r} is not an ISO date or time (e.g. 2026-04-01 or "
            "2026-04-01T10:30:00+08:00)"
        ) from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=TIMEZONE)
    return moment


def events_of(app: CaseSource, ref: CaseRef) -> list[RecordedEvent]:
    try:
        return app.case_events(ref.case_id)
    except UnknownCase:
        raise AuditError(f"unknown case {ref}: no case with that reference is on the hub") from None
    except ValueError as exc:  # eventsourcing's MapperDeserialisationError: a damaged record
        raise AuditError(_unreadable(app, ref, exc)) from None


def _unreadable(app: CaseSource, ref: CaseRef, exc: ValueError) -> str:
    """What to say of a case whose stored records do not read back: the damaged version."""
    verify = getattr(app, "verify_chain", None)  # the store (CaseHub), not the timeline
    bad = verify(ref.case_id).first_bad if verify is not None else None
    if bad is not None and bad.field == "state":
        return (
            f"case {ref}: version {bad.version} ({bad.event_type}) {bad.found}; "
            f"`casehub audit verify {ref}` checks the whole chain"
        )
    return f"case {ref} cannot be read from the store: {exc}"


@dataclass(frozen=True, slots=True)
class History:
    """The case at one version, with the events up to it."""

    ref: CaseRef
    case: CaseView
    events: tuple[RecordedEvent, ...]  # versions 1..case.version
    latest_version: int
    as_of: datetime | None
    #: Who it was read for: "auditor" (everything) or an agency id (``read_as``).
    reader: str = "auditor"
    #: The case's own content is masked for this reader (metadata only).
    masked: bool = False


def history(
    app: CaseSource, ref: CaseRef, *, as_of: datetime | None = None, version: int | None = None
) -> History:
    """The case as it stood at ``as_of`` or at ``version`` (the latest when neither is given).

    Times are shown in Asia/Shanghai to the millisecond (what ``casehub.timeline`` carries) and
    payloads in canonical key order, so the store and the timeline give the same history.
    """
    if as_of is not None and version is not None:
        raise AuditError("give --as-of or --version, not both")
    events = [published_form(e) for e in events_of(app, ref)]
    latest = events[-1].version
    if version is not None:
        if not 1 <= version <= latest:
            raise AuditError(
                f"case {ref} has versions 1 to {latest}; there is no version {version}"
            )
        wanted = version
    elif as_of is not None:
        recorded = [e for e in events if e.recorded_at <= as_of]
        if not recorded:
            first = events[0].recorded_at.astimezone(TIMEZONE).isoformat(timespec="seconds")
            raise AuditError(
                f"case {ref} did not exist yet at {as_of.isoformat(timespec='seconds')}: "
                f"it was registered at {first}"
            )
        wanted = recorded[-1].version
    else:
        wanted = latest
    case = published_form(app.get_case(ref.case_id, version=wanted))
    return History(ref, case, tuple(events[:wanted]), latest, as_of)


def history_for(
    app: CaseSource,
    ref: CaseRef,
    lens: ReadingLens,
    *,
    as_of: datetime | None = None,
    version: int | None = None,
) -> History:
    """``history`` as ``lens``'s reader may see it (the auditor: everything, personal data
    revealed). Entitlement follows the case's participants now."""
    found = history(app, ref, as_of=as_of, version=version)
    return read_as(found, lens, app.get_case(ref.case_id).participants)


def read_as(found: History, lens: ReadingLens, participants: Sequence[str]) -> History:
    """``found`` as ``lens``'s reader may see it.

    ``participants`` are the case's participants now: entitlement is decided when read. A
    participant sees every event; any other agency only the events that reached it (as its
    feed carries them: notices to it, requests and recommendations addressed to it, facts
    about it). Each event is whole or masked by its effective level, with personal data
    revealed only for the auditors and in cases the agency takes part in.
    """
    agency = lens.reader.agency
    case_level = found.case.classification
    shown: list[RecordedEvent] = []
    members: list[str] = []
    for event in found.events:
        members = participants_after(members, event.type.rsplit(".", 1)[-1], event.payload)
        reached = event_recipients(members, {**event.payload, "actor_agency": event.actor_agency})
        if agency is not None and agency not in participants and agency not in reached:
            continue
        access = lens.access(effective_level(case_level, event.classification), participants)
        payload = lens.payload(event.payload, access)
        if not access.content:
            event = dataclasses.replace(event, officer_id="", content_hash="")  # noqa: PLW2901
        shown.append(dataclasses.replace(event, payload=payload))
    if not shown:
        raise AuditError(
            f"case {found.ref} is not visible to agency {agency}: it takes no part in the case "
            "and no event of the case reached it"
        )
    access = lens.access(effective_level(case_level, None), participants)
    return dataclasses.replace(
        found,
        case=lens.state(found.case, access),
        events=tuple(shown),
        reader=str(lens.reader),
        masked=not access.content,
    )


def millis(moment: datetime) -> datetime:
    """``moment`` in Asia/Shanghai, truncated to whole milliseconds."""
    local = moment.astimezone(TIMEZONE)
    return local.replace(microsecond=local.microsecond // 1000 * 1000)


def published_form(value: T) -> T:
    """Every time in ``value`` to the millisecond, every payload as canonical JSON data."""
    result: Any = value
    if isinstance(value, datetime):
        result = millis(value)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = dataclasses.fields(value)
        result = dataclasses.replace(
            value, **{f.name: published_form(getattr(value, f.name)) for f in fields}
        )
        if isinstance(result, RecordedEvent):
            payload = json.loads(canonical_json(result.payload))
            result = dataclasses.replace(result, payload=payload)
    elif isinstance(value, tuple | list):
        result = type(value)(published_form(v) for v in value)
    return cast("T", result)


def plain(value: Any) -> Any:
    """Views and payloads as JSON data (dates ISO, UUIDs as strings, dataclasses as objects)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return to_canonical(value)


def event_data(event: RecordedEvent) -> dict[str, Any]:
    data: dict[str, Any] = plain(event)
    return data


def history_data(found: History) -> dict[str, Any]:
    return {
        "case_ref": str(found.ref),
        "case_id": str(found.ref.case_id),
        "as_of": found.as_of.isoformat() if found.as_of else None,
        "version": found.case.version,
        "latest_version": found.latest_version,
        "reader": found.reader,
        "masked": found.masked,
        "case": plain(found.case),
        "events": [event_data(e) for e in found.events],
    }
