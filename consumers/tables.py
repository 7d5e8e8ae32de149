"""The views as tables people read: the deadlines board and a case's timeline.

Shared by ``casehub consumers deadlines | timeline`` and the demo, so both say the same words;
every time, name, state and flag goes through ``hub.presentation``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from consumers import deadlines, timelines
from hub.i18n import Lang, t
from hub.presentation import clock, words
from hub.presentation.names import Names
from hub.presentation.table import text_table


def deadlines_table(
    found: list[deadlines.DeadlineStatus], names: Names, lang: Lang, today: date, *, given: bool
) -> str:
    """The deadlines as an aligned table in ``lang``, the provisional flag's meaning said once
    below it, and a footer that says which day the days are counted from."""
    header = [
        t(f"deadlines.col.{c}", lang)
        for c in ("due", "state", "days", "kind", "item", "owed_by", "case", "done", "flags")
    ]
    rows = []
    for s in found:
        state = s.state
        if state == deadlines.OPEN:
            days = words.working_days_left(s.working_days_left or 0, lang)
        else:
            days = words.working_days_late(s.working_days_late, lang) if s.working_days_late else ""
        flags = [words.flag("provisional", lang)] if s.provisional else []
        if s.missed:
            flags.append(t("deadlines.missed_on_record", lang))
        rows.append(
            [
                clock.day(s.due_date),
                words.status("deadline", state, lang),
                days,
                words.deadline_kind(s.kind, lang),
                s.target_id,
                names.agency(s.agency, lang),
                names.case(s.case_id),
                clock.day(s.closed_on) if s.closed_on else "",
                ("、" if lang == "zh" else ", ").join(flags),
            ]
        )
    lines = [text_table(header, rows)] if rows else [t("deadlines.none", lang) + "\n"]
    if any(s.provisional for s in found):
        lines.append(words.provisional_note(lang) + "\n")
    counted = t("deadlines.counted_given" if given else "deadlines.counted_today", lang)
    separator = "；" if lang == "zh" else "; "
    footer = t("deadlines.count", lang).format(n=len(found)) + separator
    lines.append(footer + counted.format(day=clock.day(today)) + "\n")
    return "".join(lines)


def timeline_table(shown: list[dict[str, Any]], names: Names, lang: Lang, reference: str) -> str:
    """A case's timeline: each entry's version, its moment in local time, what happened (with
    agencies by name), and the zone every time is read in."""
    rows = [
        [
            str(row["version"]),
            clock.moment(datetime.fromisoformat(str(row["recorded_at"]))),
            str(row["text"]),
        ]
        for row in timelines.timeline_rows(shown, lang, names)
    ]
    header = [t(f"timeline.col.{c}", lang) for c in ("version", "recorded", "event")]
    title = t("timeline.title", lang).format(case=reference)
    return f"{title}\n{text_table(header, rows)}{clock.zone_note(lang)}\n"
