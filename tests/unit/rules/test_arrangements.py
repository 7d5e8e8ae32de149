"""Operator year files: they publish a year, override the package, and fail loudly when wrong."""

from datetime import date

import pytest

from hub.errors import SetupError
from hub.rules.calendar import WorkingDayCalendar

NATIONAL_DAY_2031 = """
# National Day 2031 as an operator would transcribe it (dates invented for the test)
holidays = [2031-10-01, 2031-10-02, 2031-10-03, 2031-10-06, 2031-10-07]
workdays = ["2031-09-28", 2031-10-11]
"""


def _calendar(tmp_path, name, text):
    (tmp_path / name).write_text(text, encoding="utf-8")
    return WorkingDayCalendar(tmp_path)


class TestYearFiles:
    def test_file_publishes_a_future_year(self, tmp_path):
        """A year given by a file is no longer provisional."""
        calendar = _calendar(tmp_path, "2031.toml", NATIONAL_DAY_2031)
        assert not calendar.is_provisional(date(2031, 10, 1))
        assert calendar.is_provisional(date(2032, 10, 1))

    def test_file_days_off_and_workdays_apply(self, tmp_path):
        """The file's days off rest and its weekend workdays work."""
        calendar = _calendar(tmp_path, "2031.toml", NATIONAL_DAY_2031)
        assert not calendar.is_working_day(date(2031, 10, 7))
        assert calendar.is_working_day(date(2031, 9, 28))  # a Sunday
        assert calendar.is_working_day(date(2031, 10, 11))  # a Saturday

    def test_file_replaces_the_package_for_its_year(self, tmp_path):
        """Holidays the package estimates but the file omits are working days."""
        calendar = _calendar(tmp_path, "2031.toml", NATIONAL_DAY_2031)
        assert not WorkingDayCalendar().is_working_day(date(2031, 1, 1))
        assert calendar.is_working_day(date(2031, 1, 1))

    def test_file_overrides_a_published_year(self, tmp_path):
        """A file for a year the package knows wins over the package."""
        calendar = _calendar(tmp_path, "2026.json", '{"holidays": ["2026-03-10"]}')
        assert not calendar.is_working_day(date(2026, 3, 10))
        assert calendar.is_working_day(date(2026, 10, 6))
        assert not calendar.is_working_day(date(2026, 9, 20))

    def test_json_and_other_files(self, tmp_path):
        """JSON files work, and non-calendar files in the directory are ignored."""
        (tmp_path / "README.md").write_text("one file per year\n")
        calendar = _calendar(
            tmp_path, "2031.json", '{"holidays": ["2031-10-01"], "workdays": ["2031-09-28"]}'
        )
        assert calendar.is_working_day(date(2031, 9, 28))
        assert not calendar.is_working_day(date(2031, 10, 1))


class TestBadFiles:
    @pytest.mark.parametrize(
        ("name", "text", "message"),
        [
            ("2031.toml", 'holidays = ["2031-02-30"]', r"2031\.toml: holidays entry '2031-02-30'"),
            ("2031.toml", 'holidays = ["1 Oct"]', r"holidays entry '1 Oct' is not a date"),
            ("2031.toml", 'holidays = ["20311001"]', r"entry '20311001' is not a date"),
            ("2031.toml", "holidays = [2031-10-01T08:00:00]", r"is not a date"),
            ("2031.toml", "holidays = [2032-01-01]", r"holidays entry 2032-01-01 is not in 2031"),
            ("2031.toml", "holidays = []\nworkdays = [2031-10-01]", r"2031-10-01 is a weekday"),
            ("2031.toml", "holidays = [2031-09-28]\nworkdays = [2031-09-28]", "both"),
            ("2031.toml", "holidays = 2031-10-01", r"holidays must be a list"),
            ("2031.toml", "workdays = []", r"holidays list is missing"),
            ("2031.toml", "holidays = []\nworkday = []", r"unknown key\(s\) workday"),
            ("2031.toml", "holidays = [", r"2031\.toml is not valid toml"),
            ("2031.json", '{"holidays": [', r"2031\.json is not valid json"),
            ("2031.json", '["2031-10-01"]', r"expected a table/object"),
            ("next-year.toml", "holidays = []", r"name it after its year"),
        ],
    )
    def test_bad_file_names_the_file_and_entry(self, tmp_path, name, text, message):
        """A malformed file or entry raises SetupError naming the file and the entry."""
        (tmp_path / name).write_text(text, encoding="utf-8")
        with pytest.raises(SetupError, match=message) as caught:
            WorkingDayCalendar(tmp_path)
        assert name in str(caught.value)

    def test_two_files_for_one_year(self, tmp_path):
        """A TOML and a JSON file for the same year is ambiguous and refused."""
        (tmp_path / "2031.toml").write_text("holidays = []")
        (tmp_path / "2031.json").write_text('{"holidays": []}')
        with pytest.raises(SetupError, match="a second file for 2031"):
            WorkingDayCalendar(tmp_path)

    def test_missing_directory(self, tmp_path):
        """A configured directory that does not exist is a setup error."""
        with pytest.raises(SetupError, match="does not exist"):
            WorkingDayCalendar(tmp_path / "nowhere")
