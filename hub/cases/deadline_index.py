"""The index the deadline scheduler reads, so it never loads every case.

Two kinds of small aggregates, kept by the application in the same transaction as the case
events that open, move or meet a deadline:

- ``DeadlineDay`` (id ``uuid5(NS, "deadlines/<YYYY-MM-DD>")``): the deadlines due on one day,
  each entry opened, closed (met, moved by an extension, cancelled) or marked missed;
- ``DeadlineCalendar`` (id ``uuid5(NS, "deadlines")``): the set of days that still have open
  entries. It changes only when a day gains its first open entry or loses its last one.

``record_missed_deadlines(now)`` reads the calendar, then only the days before today (Asia/
Shanghai), then only the cases with an open, not yet missed entry. Both stores hold these as
ordinary aggregates, so the design is the same on SQLite, PostgreSQL and in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

from eventsourcing.domain import Aggregate

from hub.ids import DEADLINE_INDEX_ID, deadline_day_id


@dataclass
class DayEntry:
    case_id: UUID
    key: str
    kind: str
    target_id: str
    agency: str
    missed: bool = False


class DeadlineDay(Aggregate):
    class Event(Aggregate.Event):
        def apply(self, aggregate: Any) -> None:
            self.evolve(cast("DeadlineDay", aggregate))

        def evolve(self, day: DeadlineDay) -> None:
            """Change state."""

    class Started(Event, Aggregate.Created):
        day: date

        def evolve(self, day: DeadlineDay) -> None:
            day.day = self.day
            day.entries = {}

    class EntryOpened(Event):
        case_id: UUID
        key: str
        kind: str
        target_id: str
        agency: str

        def evolve(self, day: DeadlineDay) -> None:
            day.entries[_entry_key(self.case_id, self.key)] = DayEntry(
                self.case_id, self.key, self.kind, self.target_id, self.agency
            )

    class EntryClosed(Event):
        case_id: UUID
        key: str

        def evolve(self, day: DeadlineDay) -> None:
            day.entries.pop(_entry_key(self.case_id, self.key), None)

    class EntryMissed(Event):
        case_id: UUID
        key: str

        def evolve(self, day: DeadlineDay) -> None:
            day.entries[_entry_key(self.case_id, self.key)].missed = True

    if TYPE_CHECKING:
        day: date
        entries: dict[str, DayEntry]

    @classmethod
    def start(cls, day: date) -> DeadlineDay:
        return cls._create(cls.Started, id=deadline_day_id(day.isoformat()), day=day)

    def open_entry(self, case_id: UUID, key: str, kind: str, target_id: str, agency: str) -> None:
        if _entry_key(case_id, key) not in self.entries:
            self.trigger_event(
                DeadlineDay.EntryOpened,
                case_id=case_id,
                key=key,
                kind=kind,
                target_id=target_id,
                agency=agency,
            )

    def close_entry(self, case_id: UUID, key: str) -> None:
        if _entry_key(case_id, key) in self.entries:
            self.trigger_event(DeadlineDay.EntryClosed, case_id=case_id, key=key)

    def mark_missed(self, case_id: UUID, key: str) -> None:
        entry = self.entries.get(_entry_key(case_id, key))
        if entry is not None and not entry.missed:
            self.trigger_event(DeadlineDay.EntryMissed, case_id=case_id, key=key)


class DeadlineCalendar(Aggregate):
    class Event(Aggregate.Event):
        def apply(self, aggregate: Any) -> None:
            self.evolve(cast("DeadlineCalendar", aggregate))

        def evolve(self, calendar: DeadlineCalendar) -> None:
            """Change state."""

    class Started(Event, Aggregate.Created):
        def evolve(self, calendar: DeadlineCalendar) -> None:
            calendar.days = []

    class DayOpened(Event):
        day: date

        def evolve(self, calendar: DeadlineCalendar) -> None:
            calendar.days.append(self.day)
            calendar.days.sort()

    class DayClosed(Event):
        day: date

        def evolve(self, calendar: DeadlineCalendar) -> None:
            calendar.days.remove(self.day)

    if TYPE_CHECKING:
        days: list[date]

    @classmethod
    def start(cls) -> DeadlineCalendar:
        return cls._create(cls.Started, id=DEADLINE_INDEX_ID)

    def sync_day(self, day: date, has_open_entries: bool) -> None:
        if has_open_entries and day not in self.days:
            self.trigger_event(DeadlineCalendar.DayOpened, day=day)
        elif not has_open_entries and day in self.days:
            self.trigger_event(DeadlineCalendar.DayClosed, day=day)


def _entry_key(case_id: UUID, key: str) -> str:
    return f"{case_id}/{key}"
