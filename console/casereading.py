"""Reading a case in the console: as of any moment, what changed, one event on demand.

Pure functions over the application's query API (``hub.audit.history``: ``history_for`` reads
the case as one reader's lens may see it) and the presentation layer (``case_file`` puts it in
words). The pages only lay these out:

* ``case_view``: the case file at a version or a moment, with every version the reader may see
  (for a version stepper), the previous and next one, and the moment resolved for a date-time
  picker (Asia/Shanghai). A moment before registration is refused in words; a moment in the
  future reads as the latest version.
* ``changes``: between two points (versions or moments), the events recorded in between and each
  sub-process's state before and after, deadlines opened, met, missed or cancelled.
* ``event_detail``: one event's recorded fields as the lens leaves them, its hashes, officer and
  times.

Every error is a ``ReadingError`` (an ``AuditError``) whose message is in the page's language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from hub.audit.history import (
    AuditError,
    CaseRef,
    CaseSource,
    History,
    history_for,
    parse_case_ref,
    parse_moment,
)
from hub.cases.hashing import canonical_json, to_canonical
from hub.cases.views import DeadlineView, RecordedEvent
from hub.i18n import Lang, event_label, t
from hub.presentation import clock, words
from hub.presentation.casefile import CaseFile, Entry, Item, case_file
from hub.presentation.names import Names
from hub.privacy.access import is_masked
from hub.privacy.reveal_views import MASKED_KEY, ReadingLens
from hub.rules.calendar import WorkingDayCalendar
from hub.rules.clocks import TIMEZONE

#: A point on a case's record: a version number, or a moment (a datetime or a picker's text).
Point = int | datetime | str

#: The value format of an ``<input type="datetime-local">`` (minutes, no zone).
PICKER_FORMAT = "%Y-%m-%dT%H:%M"


class ReadingError(AuditError):
    """A reading of a case cannot be given as asked; the message says why, in the page's
    language."""

    code = "reading_error"


@dataclass(frozen=True, slots=True)
class Version:
    """One step of the version stepper."""

    version: int
    recorded: str  # local time with the zone
    agency: str  # the acting agency by name
    event: str  # the event in words


@dataclass(frozen=True, slots=True)
class CaseReading:
    """The case as one reader may see it at one point."""

    file: CaseFile
    version: int  # the version shown
    latest_version: int  # the case's latest version
    versions: tuple[Version, ...]  # every version this reader may see, oldest first
    previous: int | None  # the version before the one shown (None at the first)
    next: int | None  # the version after it (None at the latest)
    as_of: datetime | None  # the moment asked for, resolved (Asia/Shanghai), if one was
    picker: str  # the date-time picker's value: the moment asked for, or the version's time


@dataclass(frozen=True, slots=True)
class ItemChange:
    """One sub-process's state at two points ("" when it did not exist at that point)."""

    section: str
    name: str
    before: str
    after: str
    notes_added: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DeadlineChange:
    """A deadline opened, met, missed or cancelled between the two points, in words."""

    what: str  # e.g. "期限已逾期"
    name: str  # the deadline's kind, target and agency
    due: str  # its due day


@dataclass(frozen=True, slots=True)
class Changes:
    from_version: int
    to_version: int
    from_recorded: str  # local time of the from-version's event
    to_recorded: str
    events: tuple[Entry, ...]  # the events recorded after from_version, up to to_version
    items: tuple[ItemChange, ...]  # the sub-processes whose state or notes changed
    deadlines: tuple[DeadlineChange, ...]


@dataclass(frozen=True, slots=True)
class DetailField:
    label: str
    value: str


@dataclass(frozen=True, slots=True)
class EventDetail:
    version: int
    type: str
    event: str  # in words
    agency: str  # by name
    officer: str
    occurred: str  # local time with the zone
    recorded: str
    classification: str  # in words ("" when the case's own level applies)
    event_id: str
    content_hash: str
    prev_hash: str
    event_hash: str
    masked: bool  # its content withheld from this reader
    fields: tuple[DetailField, ...]  # the payload as the lens leaves it


# --- the case at a point ---------------------------------------------------------------------
def case_view(
    app: CaseSource,
    ref: CaseRef | str,
    reader_lens: ReadingLens,
    names: Names,
    calendar: WorkingDayCalendar | None = None,
    *,
    as_of: datetime | str | None = None,
    version: int | None = None,
    lang: Lang = "zh",
) -> CaseReading:
    """The case at ``as_of`` or ``version`` (the latest when neither), as ``reader_lens`` may
    see it, in ``lang``."""
    case_ref = _ref(ref)
    if as_of is not None and version is not None:
        raise ReadingError(t("reading.as_of_and_version", lang))
    latest = history_for(app, case_ref, reader_lens)
    visible = latest.events
    moment = None if as_of is None else _moment(as_of, lang)
    wanted = _version_at(case_ref, latest, moment, version, lang)
    found = (
        latest
        if wanted == latest.case.version and moment is None
        else history_for(app, case_ref, reader_lens, version=wanted)
    )
    if moment is not None:
        found = _with_as_of(found, moment)
    shown = [e.version for e in visible]
    before = [v for v in shown if v < wanted]
    after = [v for v in shown if v > wanted]
    at_version = [e for e in visible if e.version <= wanted]
    current = at_version[-1] if at_version else None
    picker_moment = moment if moment is not None else (current.recorded_at if current else None)
    return CaseReading(
        file=case_file(found, names, lang, calendar=calendar),
        version=wanted,
        latest_version=latest.latest_version,
        versions=tuple(_version(e, names, lang) for e in visible),
        previous=before[-1] if before else None,
        next=after[0] if after else None,
        as_of=moment,
        picker="" if picker_moment is None else picker_value(picker_moment),
    )


def picker_value(moment: datetime) -> str:
    """``moment`` as a date-time picker's value on Asia/Shanghai's clock: ``2026-10-15T16:00``."""
    return moment.astimezone(TIMEZONE).strftime(PICKER_FORMAT)


def _ref(ref: CaseRef | str) -> CaseRef:
    return ref if isinstance(ref, CaseRef) else parse_case_ref(ref)


def _moment(value: datetime | str, lang: Lang) -> datetime:
    """A moment from a datetime or a picker's text; naive means Asia/Shanghai. A picker's value
    names a minute, so it reads as the end of that minute: an event shown at 16:00 is in the
    case "as of 16:00"."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=TIMEZONE)
    text = value.strip()
    try:
        moment = parse_moment(text)
    except AuditError:
        raise ReadingError(t("reading.bad_moment", lang).format(text=value)) from None
    if len(text) == len("2026-10-15T16:00"):
        moment += timedelta(seconds=59, microseconds=999_999)
    return moment


def _version_at(
    ref: CaseRef, latest: History, moment: datetime | None, version: int | None, lang: Lang
) -> int:
    """The version in force: the one asked for, or the last recorded at or before ``moment``."""
    last = latest.latest_version
    if version is not None:
        if not 1 <= version <= last:
            raise ReadingError(
                t("reading.no_version", lang).format(case=ref, latest=last, version=version)
            )
        if version not in {e.version for e in latest.events}:
            raise ReadingError(t("reading.version_hidden", lang).format(case=ref, version=version))
        return version
    if moment is None:
        return last
    registered = latest.case.registered_at
    if moment < registered:
        raise ReadingError(
            t("reading.before_registration", lang).format(
                case=ref, moment=clock.moment(moment), first=clock.moment(registered)
            )
        )
    recorded = [e.version for e in latest.events if e.recorded_at <= moment]
    if not recorded:  # registered, but nothing of it had reached this reader yet
        first = latest.events[0].recorded_at
        raise ReadingError(
            t("reading.not_yet_visible", lang).format(
                case=ref, moment=clock.moment(moment), first=clock.moment(first)
            )
        )
    # The last version this reader may see at that moment: a later event it may not see does
    # not show through the case's state.
    return max(recorded)


def _with_as_of(found: History, moment: datetime) -> History:
    return replace(found, as_of=moment)


def _version(event: RecordedEvent, names: Names, lang: Lang) -> Version:
    return Version(
        version=event.version,
        recorded=clock.moment(event.recorded_at),
        agency=names.agency(event.actor_agency, lang),
        event=event_label(event.type, lang),
    )


# --- what changed ------------------------------------------------------------------------------
def changes(
    app: CaseSource,
    ref: CaseRef | str,
    lens: ReadingLens,
    names: Names,
    *,
    from_point: Point,
    to_point: Point,
    lang: Lang = "zh",
    calendar: WorkingDayCalendar | None = None,
) -> Changes:
    """What changed between ``from_point`` and ``to_point`` (in either order), in words."""
    one = _at(app, ref, lens, names, from_point, lang=lang, calendar=calendar)
    two = _at(app, ref, lens, names, to_point, lang=lang, calendar=calendar)
    if one.version > two.version:
        one, two = two, one
    before_deadlines = _deadlines(app, ref, lens, one.version)
    after_deadlines = _deadlines(app, ref, lens, two.version)
    return Changes(
        from_version=one.version,
        to_version=two.version,
        from_recorded=_recorded(one),
        to_recorded=_recorded(two),
        events=tuple(e for e in two.file.timeline if one.version < e.version <= two.version),
        items=tuple(_item_changes(one.file, two.file, lang)),
        deadlines=tuple(_deadline_changes(before_deadlines, after_deadlines, names, lang)),
    )


def _at(
    app: CaseSource,
    ref: CaseRef | str,
    lens: ReadingLens,
    names: Names,
    point: Point,
    *,
    lang: Lang,
    calendar: WorkingDayCalendar | None,
) -> CaseReading:
    if isinstance(point, int):
        return case_view(app, ref, lens, names, calendar, version=point, lang=lang)
    if isinstance(point, str) and point.strip().isdigit():
        return case_view(app, ref, lens, names, calendar, version=int(point), lang=lang)
    return case_view(app, ref, lens, names, calendar, as_of=point, lang=lang)


def _recorded(reading: CaseReading) -> str:
    found = [v.recorded for v in reading.versions if v.version <= reading.version]
    return found[-1] if found else clock.NONE


def _items(cf: CaseFile) -> dict[tuple[str, str], Item]:
    return {(s.title, i.name): i for s in cf.sections for i in s.items}


def _item_changes(one: CaseFile, two: CaseFile, lang: Lang) -> list[ItemChange]:
    before, after = _items(one), _items(two)
    found: list[ItemChange] = []
    for key in [*after, *(k for k in before if k not in after)]:
        old, new = before.get(key), after.get(key)
        old_state = old.state if old else ""
        new_state = new.state if new else t("reading.gone", lang)
        old_notes = set(old.notes) if old else set()
        added = tuple(n for n in (new.notes if new else ()) if n not in old_notes)
        if old is not None and new is not None and old_state == new_state and not added:
            continue
        found.append(ItemChange(key[0], key[1], old_state, new_state, added))
    return found


def _deadlines(
    app: CaseSource, ref: CaseRef | str, lens: ReadingLens, version: int
) -> dict[tuple[str, str, str], DeadlineView]:
    found = history_for(app, _ref(ref), lens, version=version)
    return {(str(d.kind), d.target_id, d.agency): d for d in found.case.deadlines}


def _deadline_changes(
    before: Mapping[tuple[str, str, str], DeadlineView],
    after: Mapping[tuple[str, str, str], DeadlineView],
    names: Names,
    lang: Lang,
) -> list[DeadlineChange]:
    found: list[DeadlineChange] = []
    for key, new in after.items():
        old = before.get(key)
        what: list[str] = []
        if old is None:
            what.append("opened")
        if new.missed and (old is None or not old.missed):
            what.append("missed")
        if new.met_at is not None and (old is None or old.met_at is None):
            what.append("met")
        if new.state == "cancelled" and (old is None or old.state != "cancelled"):
            what.append("cancelled")
        name = (
            f"{words.deadline_kind(str(new.kind), lang)} {new.target_id} · "
            f"{names.agency(new.agency, lang)}"
        )
        found.extend(
            DeadlineChange(t(f"reading.deadline.{w}", lang), name, clock.day(new.due_date))
            for w in what
        )
    return found


# --- one event ---------------------------------------------------------------------------------
def event_detail(
    app: CaseSource,
    ref: CaseRef | str,
    version: int,
    lens: ReadingLens,
    names: Names,
    *,
    lang: Lang = "zh",
) -> EventDetail:
    """The event recorded as ``version``, as ``lens`` may see it."""
    case_ref = _ref(ref)
    latest = history_for(app, case_ref, lens)
    if not 1 <= version <= latest.latest_version:
        raise ReadingError(
            t("reading.no_version", lang).format(
                case=case_ref, latest=latest.latest_version, version=version
            )
        )
    event = next((e for e in latest.events if e.version == version), None)
    if event is None:
        raise ReadingError(t("reading.version_hidden", lang).format(case=case_ref, version=version))
    masked = is_masked(event.payload)
    return EventDetail(
        version=event.version,
        type=event.type,
        event=event_label(event.type, lang),
        agency=names.agency(event.actor_agency, lang),
        officer=event.officer_id or clock.NONE,
        occurred=clock.moment(event.occurred_at, seconds=True),
        recorded=clock.moment(event.recorded_at, seconds=True),
        classification=words.classification(event.classification, lang)
        if event.classification
        else "",
        event_id=str(event.event_id),
        content_hash=event.content_hash or clock.NONE,
        prev_hash=event.prev_hash,
        event_hash=event.event_hash,
        masked=masked,
        fields=tuple(_fields(event.payload, masked, lang)),
    )


def _fields(payload: Mapping[str, Any], masked: bool, lang: Lang) -> Sequence[DetailField]:
    shown = [
        DetailField(key, _value(value))
        for key, value in sorted(payload.items())
        if key != MASKED_KEY
    ]
    if masked:  # the metadata the lens kept, and a word for what it withheld
        shown.append(DetailField(t("reading.field.masked", lang), words.flag("masked", lang)))
    return shown


def _value(value: Any) -> str:
    if isinstance(value, str):
        return value
    return canonical_json(to_canonical(value)).decode("utf-8")
