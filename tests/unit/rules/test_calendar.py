"""The working-day calendar on the real 2025-2026 arrangements of the State Council."""

from datetime import date, timedelta

import pytest

from hub.bootstrap import working_calendar
from hub.rules.calendar import WorkingDayCalendar, calendar_for, default_calendar
from hub.settings import Settings, load_settings

CALENDAR = WorkingDayCalendar()


def _days(first: str, last: str) -> list[date]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


class TestPublishedArrangements:
    @pytest.mark.parametrize(
        ("first", "last"),
        [
            ("2026-01-01", "2026-01-03"),  # New Year
            ("2026-02-15", "2026-02-23"),  # Spring Festival, nine days
            ("2026-05-01", "2026-05-05"),  # Labour Day
            ("2026-10-01", "2026-10-07"),  # National Day
            ("2025-01-28", "2025-02-04"),  # Spring Festival 2025
            ("2025-10-01", "2025-10-08"),  # National Day and Mid-Autumn 2025
        ],
    )
    def test_holiday_periods_are_off(self, first, last):
        """Every day of an official holiday period, weekdays included, is a rest day."""
        assert not any(CALENDAR.is_working_day(day) for day in _days(first, last))

    @pytest.mark.parametrize(
        "day",
        [
            *("2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"),
            *("2025-01-26", "2025-02-08", "2025-09-28", "2025-10-11"),
        ],
    )
    def test_make_up_weekend_days_are_worked(self, day):
        """The Saturdays and Sundays the notices make up (调休) are working days."""
        assert date.fromisoformat(day).weekday() >= 5
        assert CALENDAR.is_working_day(date.fromisoformat(day))

    def test_make_up_day_from_next_years_notice(self):
        """The 2002 notice made Saturday-Sunday 29-30 Dec 2001 working days."""
        assert CALENDAR.is_working_day(date(2001, 12, 29))
        assert CALENDAR.is_working_day(date(2001, 12, 30))
        assert not CALENDAR.is_working_day(date(2002, 1, 3))

    def test_ordinary_week(self):
        """An ordinary week works Monday to Friday and rests at the weekend."""
        week = _days("2026-03-09", "2026-03-15")
        assert [CALENDAR.is_working_day(day) for day in week] == [True] * 5 + [False] * 2

    def test_next_working_day_skips_the_whole_holiday(self):
        """The first working day after the eve of National Day 2026 is 8 October."""
        assert CALENDAR.next_working_day(date(2026, 9, 30)) == date(2026, 10, 8)

    def test_next_working_day_is_strictly_after(self):
        """next_working_day never returns the day itself, even when it is worked."""
        assert CALENDAR.next_working_day(date(2026, 10, 9)) == date(2026, 10, 10)

    def test_published_years_are_not_provisional(self):
        """Years the package has a transcribed notice for are published."""
        assert not CALENDAR.is_provisional(date(2001, 6, 1))
        assert not CALENDAR.is_provisional(date(2026, 12, 31))


class TestEstimatedYears:
    def test_future_year_is_provisional(self):
        """A year with no published arrangement (2031) is provisional."""
        assert CALENDAR.is_provisional(date(2031, 10, 1))

    def test_estimate_keeps_statutory_holidays_without_make_up_days(self):
        """The estimate rests on the statutory holidays and works no weekend day."""
        assert not CALENDAR.is_working_day(date(2031, 10, 1))
        assert not CALENDAR.is_working_day(date(2031, 1, 1))
        weekends = [d for d in _days("2031-01-01", "2031-12-31") if d.weekday() >= 5]
        assert not any(CALENDAR.is_working_day(day) for day in weekends)

    def test_years_outside_the_package_range_do_not_crash(self):
        """Very early and very late years answer on weekends alone, provisionally."""
        assert CALENDAR.is_working_day(date(1900, 1, 1))
        assert CALENDAR.is_provisional(date(2150, 1, 1))
        assert CALENDAR.next_working_day(date(2150, 1, 2)) == date(2150, 1, 5)


class TestSettings:
    def test_calendar_dir_setting_is_read(self, tmp_path):
        """calendar_for reads the year files in Settings.calendar_dir."""
        (tmp_path / "2031.toml").write_text("holidays = [2031-03-03]\n")
        calendar = calendar_for(Settings(calendar_dir=str(tmp_path)))
        assert not calendar.is_working_day(date(2031, 3, 3))
        assert not calendar.is_provisional(date(2031, 3, 3))

    def test_data_dir_calendar_is_the_fallback(self, tmp_path):
        """With calendar_dir empty, <data_dir>/calendar is used when it exists."""
        (tmp_path / "calendar").mkdir()
        (tmp_path / "calendar" / "2031.json").write_text('{"holidays": ["2031-03-03"]}')
        calendar = calendar_for(Settings(data_dir=tmp_path))
        assert not calendar.is_provisional(date(2031, 3, 3))

    def test_no_calendar_directory_is_fine(self, tmp_path):
        """Without any calendar directory the package alone is used."""
        calendar = calendar_for(Settings(data_dir=tmp_path))
        assert calendar.is_provisional(date(2031, 3, 3))

    def test_the_root_builds_the_calendar_the_environment_names(self, tmp_path, monkeypatch):
        """hub.bootstrap's calendar follows CASEHUB_CALENDAR_DIR; default_calendar() reads no
        settings (the package alone) and is cached."""
        (tmp_path / "2031.toml").write_text("holidays = [2031-03-03]\n")
        monkeypatch.setenv("CASEHUB_CALENDAR_DIR", str(tmp_path))
        monkeypatch.delenv("CASEHUB_CONFIG", raising=False)
        assert not working_calendar(load_settings()).is_working_day(date(2031, 3, 3))
        default_calendar.cache_clear()
        try:
            assert default_calendar().is_working_day(date(2031, 3, 3))
            assert default_calendar() is default_calendar()
        finally:
            default_calendar.cache_clear()
