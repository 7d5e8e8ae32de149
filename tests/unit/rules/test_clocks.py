"""Legal clocks on real dates around the Spring Festival and National Day."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from hub.rules.calendar import WorkingDayCalendar
from hub.rules.clocks import (
    TIMEZONE,
    DueDate,
    add_days,
    add_months,
    add_working_days,
    days_remaining,
    end_of_day,
    local_date,
    roll_to_working_day,
    working_days_late,
)

CALENDAR = WorkingDayCalendar()
D = date.fromisoformat


class TestAddMonths:
    def test_reply_due_on_national_day_rolls_past_the_holiday(self):
        """Receipt 1 Aug 2026 + 2 months ends 1 Oct, a holiday, so the reply is due 8 Oct."""
        assert add_months(D("2026-08-01"), 2, CALENDAR) == DueDate(
            D("2026-10-08"), provisional=False
        )

    def test_corresponding_day_on_a_working_day(self):
        """A period ends on the corresponding day of the last month."""
        assert add_months(D("2026-03-18"), 2, CALENDAR) == DueDate(
            D("2026-05-18"), provisional=False
        )

    def test_end_in_spring_festival_rolls_to_the_first_day_back(self):
        """17 Dec 2025 + 2 months is Spring Festival Day 1 (17 Feb 2026): due Tue 24 Feb."""
        assert add_months(D("2025-12-17"), 2, CALENDAR).day == D("2026-02-24")

    @pytest.mark.parametrize(
        ("start", "months", "due"),
        [
            ("2026-12-31", 2, "2027-03-01"),  # 28 Feb 2027 is a Sunday
            ("2025-12-31", 2, "2026-02-28"),  # clamped to a make-up Saturday, which is worked
            ("2025-11-30", 3, "2026-02-28"),
            ("2023-12-31", 2, "2024-02-29"),  # leap year
            ("2023-11-30", 3, "2024-02-29"),
            ("2024-11-30", 3, "2025-02-28"),
            ("2026-07-31", 2, "2026-09-30"),
            ("2021-01-31", 1, "2021-03-01"),  # 28 Feb 2021 is an ordinary Sunday
        ],
    )
    def test_month_end_is_clamped(self, start, months, due):
        """A missing corresponding day becomes the month's last day (then any roll)."""
        assert add_months(D(start), months, CALENDAR).day == D(due)

    def test_leap_day_plus_a_year(self):
        """29 Feb 2024 + 12 months ends 28 Feb 2025."""
        assert add_months(D("2024-02-29"), 12, CALENDAR).day == D("2025-02-28")

    def test_zero_months_is_the_start_rolled(self):
        """A zero-length period ends on the start day, or the next working day."""
        assert add_months(D("2026-10-03"), 0, CALENDAR).day == D("2026-10-08")

    def test_negative_period_is_refused(self):
        """A negative length is a programming error."""
        with pytest.raises(ValueError, match="negative"):
            add_months(D("2026-10-03"), -1, CALENDAR)


class TestAddDays:
    def test_counts_from_the_next_day(self):
        """Ten days from 11 Sep 2026 end on Monday 21 Sep."""
        assert add_days(D("2026-09-11"), 10, CALENDAR) == DueDate(
            D("2026-09-21"), provisional=False
        )

    def test_last_day_on_a_make_up_sunday_stays(self):
        """A last day on Sunday 20 Sep 2026, a make-up working day, does not move."""
        assert add_days(D("2026-09-10"), 10, CALENDAR).day == D("2026-09-20")

    def test_last_day_in_national_day_rolls(self):
        """A last day on 1 Oct 2026 moves to 8 Oct."""
        assert add_days(D("2026-09-21"), 10, CALENDAR).day == D("2026-10-08")

    def test_last_day_on_a_weekend_rolls(self):
        """A last day on Saturday 14 Mar 2026 moves to Monday 16 Mar."""
        assert add_days(D("2026-03-04"), 10, CALENDAR).day == D("2026-03-16")


class TestAddWorkingDays:
    def test_friday_to_monday(self):
        """A notice recorded on a Friday is due, one working day later, on Monday."""
        assert add_working_days(D("2026-03-13"), 1, CALENDAR) == DueDate(
            D("2026-03-16"), provisional=False
        )

    def test_monday_holiday_is_skipped(self):
        """Friday 3 Apr 2026 + 1 working day skips Qingming Monday 6 Apr: Tuesday 7 Apr."""
        assert add_working_days(D("2026-04-03"), 1, CALENDAR).day == D("2026-04-07")

    def test_make_up_saturday_counts(self):
        """Friday 13 Feb 2026 + 1 working day is Saturday 14 Feb, a make-up working day."""
        assert add_working_days(D("2026-02-13"), 1, CALENDAR).day == D("2026-02-14")

    def test_across_the_2026_spring_festival(self):
        """From 13 Feb 2026: 2 working days end Tue 24 Feb; 5 end Sat 28 Feb (made up)."""
        assert add_working_days(D("2026-02-13"), 2, CALENDAR).day == D("2026-02-24")
        assert add_working_days(D("2026-02-13"), 5, CALENDAR).day == D("2026-02-27")
        assert add_working_days(D("2026-02-13"), 6, CALENDAR).day == D("2026-02-28")

    def test_across_national_day(self):
        """From 30 Sep 2026: 1 → 8 Oct, 3 → Saturday 10 Oct (made up), 4 → 12 Oct."""
        assert add_working_days(D("2026-09-30"), 1, CALENDAR).day == D("2026-10-08")
        assert add_working_days(D("2026-09-30"), 3, CALENDAR).day == D("2026-10-10")
        assert add_working_days(D("2026-09-30"), 4, CALENDAR).day == D("2026-10-12")

    def test_zero_working_days(self):
        """Zero working days is the start day rolled to a working day."""
        assert add_working_days(D("2026-10-02"), 0, CALENDAR).day == D("2026-10-08")
        assert add_working_days(D("2026-10-09"), 0, CALENDAR).day == D("2026-10-09")


class TestProvisional:
    def test_period_into_an_unpublished_year_is_provisional(self):
        """A due date in 2031 rests on an estimate."""
        due = add_months(D("2031-03-01"), 1, CALENDAR)
        assert due == DueDate(D("2031-04-01"), provisional=True)

    def test_crossing_into_an_unpublished_year_is_provisional(self):
        """31 Dec 2026 + 1 working day lands in 2027 (unpublished in holidays 0.109)."""
        due = add_working_days(D("2026-12-31"), 1, CALENDAR)
        assert due.provisional
        assert not add_working_days(D("2026-12-30"), 1, CALENDAR).provisional

    def test_operator_file_makes_the_year_firm(self, tmp_path):
        """With a 2031 file the same period is computed on it, not provisional."""
        (tmp_path / "2031.toml").write_text("holidays = [2031-04-01]\n")
        calendar = WorkingDayCalendar(tmp_path)
        assert add_months(D("2031-03-01"), 1, calendar) == DueDate(
            D("2031-04-02"), provisional=False
        )


class TestRollAndLateness:
    @pytest.mark.parametrize(
        ("day", "rolled"),
        [("2026-10-03", "2026-10-08"), ("2026-10-10", "2026-10-10"), ("2026-10-09", "2026-10-09")],
    )
    def test_roll_to_working_day(self, day, rolled):
        """A given due date on a rest day moves to the next working day, else stays."""
        assert roll_to_working_day(D(day), CALENDAR).day == D(rolled)

    @pytest.mark.parametrize(
        ("due", "done", "late"),
        [
            ("2026-09-30", "2026-09-29", 0),
            ("2026-09-30", "2026-09-30", 0),
            ("2026-09-30", "2026-10-03", 1),  # done on a holiday: as if on 8 Oct
            ("2026-09-30", "2026-10-08", 1),
            ("2026-09-30", "2026-10-10", 3),  # 8, 9 and Saturday 10 Oct (made up)
            ("2026-09-30", "2026-10-11", 4),  # Sunday: as if on Monday 12 Oct
            ("2026-02-13", "2026-02-24", 2),  # 14 Feb (made up) and 24 Feb
        ],
    )
    def test_working_days_late(self, due, done, late):
        """Lateness counts the working days after the due date up to the day it was done."""
        assert working_days_late(D(due), D(done), CALENDAR) == late

    def test_days_remaining(self):
        """Calendar days to the due date; zero on the day, negative when overdue."""
        assert days_remaining(D("2026-10-08"), D("2026-10-01")) == 7
        assert days_remaining(D("2026-10-08"), D("2026-10-08")) == 0
        assert days_remaining(D("2026-10-08"), D("2026-10-10")) == -2


class TestTime:
    def test_end_of_day_is_aware_shanghai(self):
        """end_of_day is 23:59:59.999999 in Asia/Shanghai (15:59:59.999999 UTC)."""
        moment = end_of_day(D("2026-10-08"))
        assert moment.tzinfo is TIMEZONE
        assert moment.astimezone(UTC) == datetime(2026, 10, 8, 15, 59, 59, 999999, tzinfo=UTC)

    def test_local_date_uses_shanghai(self):
        """16:00 UTC on 30 Sep is already 1 Oct in Shanghai."""
        assert local_date(datetime(2026, 9, 30, 16, 0, tzinfo=UTC)) == D("2026-10-01")
        assert local_date(datetime(2026, 9, 30, 15, 59, 59, tzinfo=UTC)) == D("2026-09-30")
        new_york = timezone(timedelta(hours=-4))
        assert local_date(datetime(2026, 9, 30, 12, 0, tzinfo=new_york)) == D("2026-10-01")

    def test_local_date_round_trips_end_of_day(self):
        """The end of a day is still that day locally."""
        assert local_date(end_of_day(D("2026-02-28"))) == D("2026-02-28")

    def test_naive_datetime_is_refused(self):
        """A naive datetime has no place on a legal clock."""
        with pytest.raises(ValueError, match="naive"):
            local_date(datetime(2026, 10, 1, 9, 0))  # noqa: DTZ001
