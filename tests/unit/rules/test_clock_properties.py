"""Properties of the legal clocks over published and estimated years alike."""

import calendar as gregorian
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from hub.rules.calendar import WorkingDayCalendar
from hub.rules.clocks import (
    add_days,
    add_months,
    add_working_days,
    roll_to_working_day,
    working_days_late,
)

CALENDAR = WorkingDayCalendar()
# Published years (2001-2026) and estimated ones, so both paths are exercised.
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2035, 12, 31))


def _plain_months(start: date, months: int) -> date:
    """start + months with month-end clamping, no rolling: the floor of a due date."""
    year, month = divmod(start.month - 1 + months, 12)
    year += start.year
    month += 1
    return date(year, month, min(start.day, gregorian.monthrange(year, month)[1]))


def _rest_days_between(first: date, last: date) -> bool:
    """Whether every day in [first, last) is a rest day."""
    span = (last - first).days
    return not any(CALENDAR.is_working_day(first + timedelta(n)) for n in range(span))


class TestDueDates:
    @given(days, st.integers(0, 36))
    def test_add_months_is_never_early_and_only_rolls_over_rest_days(self, start, months):
        """add_months ends on or after start + months, on a working day, skipping only rest."""
        floor = _plain_months(start, months)
        due = add_months(start, months, CALENDAR)
        assert due.day >= floor
        assert CALENDAR.is_working_day(due.day)
        assert _rest_days_between(floor, due.day)

    @given(days, st.integers(0, 400))
    def test_add_days_is_never_early_and_only_rolls_over_rest_days(self, start, length):
        """add_days ends on or after start + days, on a working day, skipping only rest."""
        floor = start + timedelta(days=length)
        due = add_days(start, length, CALENDAR)
        assert due.day >= floor
        assert CALENDAR.is_working_day(due.day)
        assert _rest_days_between(floor, due.day)

    @given(days, st.integers(1, 40))
    def test_add_working_days_counts_exactly_n_working_days(self, start, n):
        """add_working_days lands on a working day with exactly n working days in (start, due]."""
        due = add_working_days(start, n, CALENDAR)
        assert CALENDAR.is_working_day(due.day)
        span = (due.day - start).days
        counted = sum(CALENDAR.is_working_day(start + timedelta(k)) for k in range(1, span + 1))
        assert counted == n

    @given(days)
    def test_roll_is_idempotent(self, day):
        """Rolling a rolled day changes nothing."""
        rolled = roll_to_working_day(day, CALENDAR).day
        assert roll_to_working_day(rolled, CALENDAR).day == rolled

    @given(days, st.integers(0, 36))
    def test_provisional_iff_an_unpublished_year_is_touched(self, start, months):
        """A due date is provisional exactly when a year it looked at is unpublished."""
        floor = _plain_months(start, months)
        due = add_months(start, months, CALENDAR)
        touched = range(floor.year, due.day.year + 1)
        assert due.provisional == any(CALENDAR.is_provisional(date(y, 1, 1)) for y in touched)


class TestLateness:
    @given(days, days)
    def test_late_is_zero_iff_done_by_the_due_date(self, due, done):
        """working_days_late is 0 exactly when done <= due."""
        assert (working_days_late(due, done, CALENDAR) == 0) == (done <= due)

    @given(days, st.integers(0, 60), st.integers(0, 60))
    def test_later_is_never_less_late(self, due, first, second):
        """Lateness never decreases as the completion day moves later."""
        early, late = sorted((first, second))
        assert working_days_late(due, due + timedelta(early), CALENDAR) <= working_days_late(
            due, due + timedelta(late), CALENDAR
        )

    @given(days, st.integers(1, 40))
    def test_done_on_the_nth_working_day_is_n_late(self, due, n):
        """Done on the n-th working day after the due date is n working days late."""
        done = add_working_days(due, n, CALENDAR).day
        assert working_days_late(due, done, CALENDAR) == n
