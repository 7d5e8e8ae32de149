"""Operator-supplied holiday arrangements: one file per year in ``Settings.calendar_dir``.

When the State Council publishes a year's arrangement (usually in November) before the
``holidays`` package has a release carrying it, an operator drops a file into the calendar
directory instead of waiting for a code change. The file is named after the year,
``2027.toml`` or ``2027.json``, and holds the year's complete arrangement::

    # 2027.toml: the days off and the weekend days worked (调休), as in the notice
    holidays = [2027-01-01, 2027-02-05, 2027-02-06]  # TOML dates or "YYYY-MM-DD" strings
    workdays = [2027-02-14]                          # optional; Saturdays/Sundays only

    {"holidays": ["2027-01-01", "2027-02-05"], "workdays": ["2027-02-14"]}   # 2027.json

A file replaces the package's data for its year (it is not merged), and the year then
counts as published. Every date must fall in the file's own year: a weekend worked in late
December under the next year's notice goes into that December's file. Other files in the
directory (a README, say) are ignored.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from hub.errors import SetupError

_SUFFIXES = (".toml", ".json")
_KEYS = frozenset({"holidays", "workdays"})
_SATURDAY = 5
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True, slots=True)
class Arrangement:
    """One year's days off and weekend days worked."""

    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]
    published: bool


def load_arrangements(directory: Path) -> dict[int, Arrangement]:
    """Read and validate every year file in ``directory``; raise SetupError on the first fault."""
    if not directory.is_dir():
        raise SetupError(f"calendar directory {directory} does not exist or is not a directory")
    found: dict[int, Arrangement] = {}
    for path in sorted(directory.iterdir()):
        if path.suffix not in _SUFFIXES or path.name.startswith("."):
            continue
        arrangement = load_arrangement(path)
        if arrangement.year in found:
            raise SetupError(f"calendar file {path}: a second file for {arrangement.year}")
        found[arrangement.year] = arrangement
    return found


def load_arrangement(path: Path) -> Arrangement:
    """Read one year file (``YYYY.toml`` or ``YYYY.json``)."""
    if not (path.stem.isdigit() and len(path.stem) == 4):
        raise SetupError(f"calendar file {path}: name it after its year, e.g. 2027{path.suffix}")
    year = int(path.stem)
    content = _parse(path)
    unknown = sorted(set(content) - _KEYS)
    if unknown:
        raise SetupError(
            f"calendar file {path}: unknown key(s) {', '.join(unknown)}; "
            "expected holidays and workdays"
        )
    if "holidays" not in content:
        raise SetupError(f"calendar file {path}: the holidays list is missing")
    holidays = _dates(path, "holidays", content["holidays"], year)
    workdays = _dates(path, "workdays", content.get("workdays", []), year)
    for day in sorted(workdays):
        if day.weekday() < _SATURDAY:
            raise SetupError(
                f"calendar file {path}: workdays entry {day} is a weekday; "
                "list only the Saturdays and Sundays that are worked"
            )
    both = sorted(holidays & workdays)
    if both:
        raise SetupError(f"calendar file {path}: {both[0]} is both a holiday and a workday")
    return Arrangement(year, frozenset(holidays), frozenset(workdays), published=True)


def _parse(path: Path) -> dict[str, object]:
    try:
        text = path.read_text(encoding="utf-8")
        parsed: object = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise SetupError(f"calendar file {path} cannot be read: {exc}") from exc
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise SetupError(f"calendar file {path} is not valid {path.suffix[1:]}: {exc}") from exc
    if not isinstance(parsed, dict):
        raise SetupError(f"calendar file {path}: expected a table/object with holidays, workdays")
    return parsed


def _dates(path: Path, key: str, entries: object, year: int) -> set[date]:
    if not isinstance(entries, list):
        raise SetupError(f"calendar file {path}: {key} must be a list of dates")
    days: set[date] = set()
    for entry in entries:
        day = _date(path, key, entry)
        if day.year != year:
            raise SetupError(
                f"calendar file {path}: {key} entry {day} is not in {year}; "
                "each date goes into the file of its own year"
            )
        days.add(day)
    return days


def _date(path: Path, key: str, entry: object) -> date:
    # tomllib gives datetime for "2027-01-01T00:00"; a datetime is a date subclass, so refuse it
    # explicitly rather than silently dropping a time of day the operator wrote.
    if isinstance(entry, date) and type(entry) is date:
        return entry
    # fromisoformat alone would also take "20270101" or "2027-W01-1"; insist on one spelling.
    if isinstance(entry, str) and _ISO_DATE.fullmatch(entry):
        try:
            return date.fromisoformat(entry)
        except ValueError:
            pass
    shown = repr(entry) if isinstance(entry, str) else str(entry)
    raise SetupError(f"calendar file {path}: {key} entry {shown} is not a date (YYYY-MM-DD)")
