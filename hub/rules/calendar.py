"""China's working-day calendar: official holidays and make-up working days (调休).

Source of truth, per year, first match wins:

1. an operator's year file in ``Settings.calendar_dir`` (see ``hub.rules.arrangements``);
2. the ``holidays`` package (``country_holidays("CN")``, the ``China`` class). Its days off are
   its dates (statutory holidays, observed days, and the weekdays given off in exchange, the
   "Day off (substituted from ...)" entries). The weekend days worked in exchange are its
   public ``weekend_workdays`` set (the API behind ``is_working_day``), filled from the same
   substitution table; nothing here parses holiday names.

A year is *published* when a file gives it, or when it lies within the years the package has
transcribed State Council notices for: the keys of the class's ``special_public_holidays``
table (one entry per notice year, 2001-2026 in holidays 0.109). Outside that range the package
still returns the statutory holidays (lunar dates computed, a holiday on a weekend observed on
the next weekday) but no make-up working days: that is our estimate, and ``is_provisional``
says so. A ``holidays`` release carrying a new year makes it published without a change here.

A notice may turn a late-December weekend of the *previous* year into a working day (the 2002
notice did, for 29-30 Dec 2001). The package records those under the earlier year, and so must
an operator's file (each date goes into its own year's file). Until the next year's notice is
out, such a December day in a published year is not flagged provisional: a known, small gap.
"""

from __future__ import annotations

import functools
from datetime import date, timedelta
from pathlib import Path

import holidays

from hub.rules.arrangements import Arrangement, load_arrangements
from hub.settings import Settings

_SATURDAY = 5
_ONE_DAY = timedelta(days=1)


class WorkingDayCalendar:
    """Answers "is this a working day in China?" for any date, built lazily per year."""

    def __init__(self, extra_dir: Path | None = None) -> None:
        # Files are read eagerly so a bad one fails at start-up, not on the first due date.
        self._years: dict[int, Arrangement] = (
            load_arrangements(extra_dir) if extra_dir is not None else {}
        )
        self._published = _package_published_years()

    def is_working_day(self, day: date) -> bool:
        arrangement = self.arrangement(day.year)
        # The package's own rule: a weekend day works only if made up; a weekday unless off.
        if day.weekday() >= _SATURDAY:
            return day in arrangement.workdays
        return day not in arrangement.holidays

    def is_provisional(self, day: date) -> bool:
        return not self.arrangement(day.year).published

    def next_working_day(self, day: date) -> date:
        candidate = day + _ONE_DAY
        while not self.is_working_day(candidate):
            candidate += _ONE_DAY
        return candidate

    def arrangement(self, year: int) -> Arrangement:
        """The year's days off and weekend days worked, and whether they are published."""
        found = self._years.get(year)
        if found is None:  # two threads may both build a year; the results are equal
            found = self._years[year] = self._from_package(year)
        return found

    def _from_package(self, year: int) -> Arrangement:
        china = holidays.country_holidays("CN", years=year)
        # weekend_workdays also holds cross-year make-up days of neighbouring notices (e.g. a
        # late-December Sunday worked under next year's notice); keep only this year's.
        return Arrangement(
            year=year,
            holidays=frozenset(day for day in china if day.year == year),
            workdays=frozenset(day for day in china.weekend_workdays if day.year == year),
            published=year in self._published,
        )


def _package_published_years() -> range:
    table = getattr(holidays.country_holidays("CN"), "special_public_holidays", None) or {}
    years = [year for year in table if isinstance(year, int)]
    return range(min(years), max(years) + 1) if years else range(0)


def calendar_for(settings: Settings) -> WorkingDayCalendar:
    """The calendar the settings ask for: ``calendar_dir``, else ``<data_dir>/calendar`` if any."""
    if settings.calendar_dir:
        return WorkingDayCalendar(Path(settings.calendar_dir))
    fallback = settings.data_dir / "calendar"
    return WorkingDayCalendar(fallback if fallback.is_dir() else None)


@functools.cache
def default_calendar() -> WorkingDayCalendar:
    """The package's calendar alone, no operator's file: for the domain's rules when given no
    calendar. Settings are never loaded here: ``hub.bootstrap`` builds the configured calendar
    (``calendar_for``) and passes it in."""
    return WorkingDayCalendar()
