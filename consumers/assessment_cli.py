"""``casehub assessment report --year YYYY [--lang zh|en] [--format html|csv|json] [--out PATH]``.

The figures come from the ``assessment`` view (``casehub consumers run assessment`` keeps it
current; ``casehub consumers rebuild assessment`` fills it from the event store), or, with
``--source store``, straight from the event store. Weights: ``config/assessment.toml`` or
``--config PATH``.

The verb lives beside the view it reads (consumers may import the hub, never the reverse);
``hub/assessment`` holds the model, the scoring and the report, and imports no view.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hub.assessment.config import load_config
from hub.assessment.model import Fact, Organ
from hub.assessment.scoring import NoAssessmentDataError, score_year
from hub.bootstrap import working_calendar
from hub.errors import CaseHubError
from hub.i18n import check_lang
from hub.presentation.assessment_report import FORMATS, render
from hub.settings import Settings


class ReportError(CaseHubError):
    code = "report_error"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "assessment", help="the annual assessment of the administrative organs (年度考核)"
    )
    verbs = parser.add_subparsers(dest="verb", metavar="VERB")
    verbs.required = True
    report = verbs.add_parser("report", help="the ranked scorecard of a year")
    report.add_argument("--year", type=int, required=True, help="the year assessed, e.g. 2026")
    report.add_argument("--lang", default="zh", help="zh (default) or en")
    report.add_argument("--format", default="html", help="html (default), csv or json")
    report.add_argument("--out", type=Path, help="write here instead of standard output")
    report.add_argument("--config", type=Path, help="weights file (default config/assessment.toml)")
    report.add_argument(
        "--source",
        choices=("view", "store"),
        default="view",
        help="view (default): the assessment view; store: replay the event store",
    )
    report.set_defaults(func=_report)


def _facts(settings: Settings, source: str) -> tuple[list[Organ], list[Fact]]:
    # Imported when the verb runs, so `casehub --help` (which loads every verb module) stays light.
    from consumers.assessment import VIEW, organs_and_facts, organs_and_facts_of  # noqa: PLC0415
    from consumers.opening import open_view_store, views_file  # noqa: PLC0415
    from hub.bootstrap import open_existing_hub  # noqa: PLC0415
    from hub.outbound.store import entries_from_store  # noqa: PLC0415

    if source == "store":
        with open_existing_hub(settings) as app:
            return organs_and_facts_of(list(entries_from_store(app)))
    if settings.store == "sqlite" and not views_file(settings).exists():
        return [], []  # no view yet: reported as an empty view, no file created
    store = open_view_store(settings)
    try:
        store.ensure(VIEW)
        return organs_and_facts(store)
    finally:
        store.close()


def _report(args: argparse.Namespace, settings: Settings) -> int:
    try:
        lang = check_lang(args.lang)
    except ValueError as exc:
        raise ReportError(str(exc)) from None
    if args.format not in FORMATS:
        raise ReportError(f"unknown format {args.format!r}: expected {', '.join(FORMATS)}")
    if not 1900 < args.year < 3000:
        raise ReportError(f"year {args.year} is out of range")
    config = load_config(args.config)
    organs, facts = _facts(settings, args.source)
    try:
        card = score_year(
            args.year,
            organs,
            facts,
            config,
            now=lambda: datetime.now(UTC),
            calendar=working_calendar(settings),
        )
    except NoAssessmentDataError as exc:
        hint = (
            " (the assessment view is empty: run `casehub consumers rebuild assessment`)"
            if args.source == "view" and not facts
            else ""
        )
        raise NoAssessmentDataError(f"{exc}{hint}") from None
    text = render(card, args.format, lang)
    if args.out is None:
        sys.stdout.write(text)
    else:
        try:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise ReportError(f"cannot write {args.out}: {exc.strerror or exc}") from None
        print(f"wrote {args.out} ({len(card.organs)} organs, {args.year}, {lang})")
    return 0
