"""Every status and flag of the record in words, in Chinese and English.

The labels live in ``hub.i18n`` (the glossary of DOMAIN.md); this module picks the right one for a
value, so that a table, the case file and the console never show ``RECEIVED`` or a bare ``*``.
"""

from __future__ import annotations

from typing import Literal

from hub.i18n import Lang, t

Process = Literal["recommendation", "assistance", "dispute", "deadline"]


def status(process: Process, value: str, lang: Lang) -> str:
    """A sub-process's state in words: ``status("recommendation", "RECEIVED", "en")``."""
    key = f"status.{process}.{value}"
    label = t(key, lang)
    return value if label == key else label


def review_outcome(value: str, lang: Lang) -> str:
    """An objection's review outcome (UPHELD, AMENDED, WITHDRAWN) in words."""
    label = t(f"review.{value}", lang)
    return value if label.startswith("review.") else label


def classification(value: str, lang: Lang) -> str:
    label = t(f"classification.{value}", lang)
    return value if label.startswith("classification.") else label


def adoption(value: str, lang: Lang) -> str:
    """ADOPTED, PARTLY_ADOPTED, NOT_ADOPTED in words ("" stays "")."""
    return t(value, lang) if value else ""


def deadline_kind(value: str, lang: Lang) -> str:
    return t(value, lang)


def flag(name: str, lang: Lang) -> str:
    """A flag's short word: ``provisional``, ``late``, ``on_time``, ``masked``, ``major``."""
    return t(f"flag.{name}", lang)


def provisional_note(lang: Lang) -> str:
    """What a provisional due day means, said once per page or table that shows the flag."""
    return t("flag.provisional.why", lang)


def working_days_late(n: int, lang: Lang) -> str:
    return t("unit.working_days_late", lang).format(n=n)


def working_days_left(n: int, lang: Lang) -> str:
    if n == 0:
        return t("unit.due_today", lang)
    return t("unit.working_days_left", lang).format(n=n)


def yes_no(value: bool, lang: Lang) -> str:
    return t("yes" if value else "no", lang)


def lateness(late: bool, lang: Lang) -> str:
    return flag("late" if late else "on_time", lang)
