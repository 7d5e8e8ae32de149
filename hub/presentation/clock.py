"""Moments and days as people read them: local time (Asia/Shanghai) with the zone always shown.

A moment the hub recorded is an instant; an auditor reads it on the wall clock of the city, so a
deadline missed at 01:00 on 9 October reads ``2026-10-09 01:00 +08:00``, never as the UTC
instant of the evening before. A due day is a calendar day and is shown as one.
"""

from __future__ import annotations

from datetime import date, datetime

from hub.i18n import Lang
from hub.rules.clocks import TIMEZONE

#: What stands in for a moment or day that is not on the record.
NONE = "—"

_ZONE_NOTE = {
    "zh": "时间均为北京时间（Asia/Shanghai，UTC+08:00）",
    "en": "Times are local time in Asia/Shanghai (UTC+08:00)",
}


def moment(value: datetime | None, *, seconds: bool = False) -> str:
    """``2026-10-09 01:00 +08:00``: the instant on Asia/Shanghai's clock, with its offset."""
    if value is None:
        return NONE
    if value.tzinfo is None:
        raise ValueError(f"a recorded moment must carry its zone: {value.isoformat()}")
    local = value.astimezone(TIMEZONE)
    shown = local.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    return f"{shown} {_offset(local)}"


def day(value: date | None) -> str:
    """A calendar day (a due day, a session's date): ``2026-10-08``."""
    if value is None:
        return NONE
    if isinstance(value, datetime):
        return (
            value.astimezone(TIMEZONE).date().isoformat()
            if value.tzinfo
            else value.date().isoformat()
        )
    return value.isoformat()


def zone_note(lang: Lang) -> str:
    """One line that says which clock every time on the page is read on."""
    return _ZONE_NOTE[lang]


def _offset(local: datetime) -> str:
    offset = local.utcoffset()
    assert offset is not None  # astimezone(TIMEZONE) always has one
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{rest:02d}"
