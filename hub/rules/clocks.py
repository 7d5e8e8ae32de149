"""Legal clocks: when a period that starts on a given day ends (Civil Code arts. 201-203).

- The day of the starting event (receipt, recording) is not counted: a period counts from the
  next day, and every ``start`` below is that excluded day.
- A period in months ends on the corresponding day of the last month; when that month is
  shorter, on its last day (31 Dec + 2 months = 28/29 Feb).
- A period in days ends ``days`` calendar days after the start day.
- When the last day is a statutory holiday or rest day, the period ends on the next working
  day. The result is the *last* day of the period, inclusive: due by the end of that day,
  Asia/Shanghai (``end_of_day``).
- A period in working days ends on the n-th working day after the start day.

The working days come from a ``WorkingDayCalendar`` (``default_calendar()`` unless one is
passed). A ``DueDate`` is ``provisional`` when any day the computation had to look at lies in a
year whose holiday arrangement is not yet published, i.e. it rests on an estimate.
"""

from __future__ import annotations

import calendar as _gregorian
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hub.rules.calendar import WorkingDayCalendar, default_calendar

TIMEZONE = ZoneInfo("Asia/Shanghai")
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class DueDate:
    """The last day of a period (inclusive); due by the end of that day, Asia/Shanghai."""

    day: date
    #: True when the day was computed on an estimated holiday arrangement.
    provisional: bool


def local_date(moment: datetime) -> date:
    """The calendar date of an aware moment in Asia/Shanghai."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"local_date needs an aware datetime, got naive {moment.isoformat()}")
    return moment.astimezone(TIMEZONE).date()


def end_of_day(day: date) -> datetime:
    """The last instant of ``day`` in Asia/Shanghai (23:59:59.999999, aware)."""
    return datetime.combine(day, time.max, tzinfo=TIMEZONE)


def add_months(start: date, months: int, calendar: WorkingDayCalendar | None = None) -> DueDate:
    """End of a period of ``months`` months starting the day after ``start``."""
    _check_length(months, "months")
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    last = _gregorian.monthrange(year, month)[1]
    return roll_to_working_day(date(year, month, min(start.day, last)), calendar)


def add_days(start: date, days: int, calendar: WorkingDayCalendar | None = None) -> DueDate:
    """End of a period of ``days`` days counted from the day after ``start``."""
    _check_length(days, "days")
    return roll_to_working_day(start + timedelta(days=days), calendar)


def add_working_days(start: date, days: int, calendar: WorkingDayCalendar | None = None) -> DueDate:
    """The ``days``-th working day after ``start``; with 0, ``start`` rolled to a working day."""
    _check_length(days, "days")
    cal = calendar if calendar is not None else default_calendar()
    if days == 0:
        return roll_to_working_day(start, cal)
    day = start
    for _ in range(days):
        day = cal.next_working_day(day)
    return DueDate(day, _provisional(cal, start + _ONE_DAY, day))


def roll_to_working_day(day: date, calendar: WorkingDayCalendar | None = None) -> DueDate:
    """``day`` if it is a working day, else the next working day (a given due date's rule)."""
    cal = calendar if calendar is not None else default_calendar()
    rolled = day if cal.is_working_day(day) else cal.next_working_day(day)
    return DueDate(rolled, _provisional(cal, day, rolled))


def working_days_late(due: date, done: date, calendar: WorkingDayCalendar | None = None) -> int:
    """How many working days after ``due`` ``done`` came: 0 when ``done <= due``.

    Counts the working days in (due, done]. Something done on a rest day after the due date
    counts as done on the next working day, so anything late is at least one day late.
    """
    if done <= due:
        return 0
    cal = calendar if calendar is not None else default_calendar()
    until = roll_to_working_day(done, cal).day
    late, day = 0, due
    while day < until:
        day = cal.next_working_day(day)
        late += 1
    return late


def days_remaining(due: date, today: date) -> int:
    """Calendar days from ``today`` to ``due``: 0 on the due day, negative when overdue."""
    return (due - today).days


def _check_length(length: int, unit: str) -> None:
    if length < 0:
        raise ValueError(f"a period cannot be negative, got {length} {unit}")


def _provisional(cal: WorkingDayCalendar, first: date, last: date) -> bool:
    """Whether any year the days first..last touch rests on an estimated arrangement."""
    return any(cal.is_provisional(date(year, 1, 1)) for year in range(first.year, last.year + 1))
