"""The Rule-of-Law Office's data for the console: the year's ranking, each figure's evidence,
the ranking as Excel or CSV, and the deadlines board across agencies.

Pure functions over the views store (the ``assessment`` and ``deadlines`` views): metadata only
— ids, agencies, types, dates, outcomes. Nothing here reads or carries a case's title, summary
or parties. The figures are ``casehub assessment report``'s: the same view rows
(``consumers.assessment.organs_and_facts``), the same scoring (``hub.assessment.scoring``), the
same words and charts (``hub.presentation.assessment_report``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.styles import Font  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

from consumers import assessment as assessment_view
from consumers import deadlines as deadlines_view
from consumers.references import names_of
from consumers.store import ViewStore
from hub.assessment.config import AssessmentConfig, load_config
from hub.assessment.model import Figure, OrganScore, Scorecard
from hub.assessment.scoring import score_year
from hub.errors import CaseHubError
from hub.i18n import Lang, event_label, t
from hub.presentation import clock, words
from hub.presentation.assessment_report import (
    organ_chart,
    organ_name,
    percent_text,
    ranking_chart,
    role_text,
    score_text,
)
from hub.presentation.names import Names
from hub.rules.calendar import WorkingDayCalendar


class OfficeQueryError(CaseHubError):
    """A figure, agency, kind or count the Office asked about does not exist or is out of range."""

    code = "office_query_error"


# --- the dashboard --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class IndicatorFigure:
    """One organ's indicator as the report shows it."""

    indicator: str
    label: str
    formula: str  # in words
    weight: float
    value: float | None  # 0..1; None: not applicable
    shown: str  # e.g. "66.7%" or "不适用"
    numerator: float
    denominator: int
    events: int  # how many events decided it

    @property
    def applicable(self) -> bool:
        return self.value is not None


@dataclass(frozen=True, slots=True)
class OrganRanking:
    rank: int
    agency_id: str
    name: str
    score: float | None  # 0..100; None: no indicator applies
    shown: str
    applicable_weight: float
    indicators: tuple[IndicatorFigure, ...]
    chart: str  # inline SVG: the organ's indicators as bars


@dataclass(frozen=True, slots=True)
class Dashboard:
    year: int
    lang: Lang
    generated_at: datetime
    method: str  # how the score is computed, in words
    ranking: tuple[OrganRanking, ...]
    chart: str  # inline SVG: the ranking as bars
    card: Scorecard  # the scoring's own result, for evidence and exports

    def organ(self, agency_id: str) -> OrganRanking:
        for row in self.ranking:
            if row.agency_id == agency_id:
                return row
        known = ", ".join(r.agency_id for r in self.ranking) or "none"
        raise OfficeQueryError(
            f"no assessed organ {agency_id!r} in {self.year} (assessed: {known})"
        )


def _indicator(figure_: Figure, lang: Lang) -> IndicatorFigure:
    return IndicatorFigure(
        indicator=figure_.indicator,
        label=t(f"indicator.{figure_.indicator}", lang),
        formula=t(f"formula.{figure_.indicator}", lang),
        weight=figure_.weight,
        value=figure_.value,
        shown=percent_text(figure_.value, lang),
        numerator=figure_.numerator,
        denominator=figure_.denominator,
        events=len(dict.fromkeys(e.event_ref for e in figure_.evidence)),
    )


def _organ(score: OrganScore, lang: Lang) -> OrganRanking:
    return OrganRanking(
        rank=score.rank,
        agency_id=score.organ.agency_id,
        name=organ_name(score, lang),
        score=score.score,
        shown=score_text(score.score, lang),
        applicable_weight=score.applicable_weight,
        indicators=tuple(_indicator(f, lang) for f in score.figures),
        chart=organ_chart(score, lang),
    )


def dashboard(
    store: ViewStore,
    year: int,
    calendar: WorkingDayCalendar | None,
    *,
    lang: Lang = "zh",
    config: AssessmentConfig | None = None,
    now: Callable[[], datetime] | None = None,
) -> Dashboard:
    """The ranked scorecard of ``year`` from the assessment view, as ``casehub assessment report``
    computes it (``calendar``: the hub's, ``hub.bootstrap.working_calendar``). Raises
    ``NoAssessmentDataError`` when the year has nothing on the record."""
    if not 1900 < year < 3000:
        raise OfficeQueryError(f"year {year} is out of range")
    store.ensure(assessment_view.VIEW)
    organs, facts = assessment_view.organs_and_facts(store)
    card = score_year(
        year,
        organs,
        facts,
        config or load_config(),
        now=now or (lambda: datetime.now(UTC)),
        calendar=calendar,
    )
    return Dashboard(
        year=year,
        lang=lang,
        generated_at=card.generated_at,
        method=t("assessment.method", lang),
        ranking=tuple(_organ(s, lang) for s in card.organs),
        chart=ranking_chart(card, lang),
        card=card,
    )


# --- a figure's evidence --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class EvidenceRow:
    """One event behind a figure, in words."""

    event_id: str
    event_type: str
    type_text: str  # the type in words, e.g. 书面回复
    agency_id: str
    agency: str  # by its directory name
    day: date  # local date
    day_text: str
    role: str
    role_text: str  # why it counts, e.g. 按期


def figure_evidence(board: Dashboard, organ: str, indicator: str) -> list[EvidenceRow]:
    """The events that decided ``organ``'s ``indicator`` in ``board``'s year, in record order."""
    score = next((s for s in board.card.organs if s.organ.agency_id == organ), None)
    if score is None:
        board.organ(organ)  # raises, naming the organs assessed
        raise AssertionError  # pragma: no cover
    figure = next((f for f in score.figures if f.indicator == indicator), None)
    if figure is None:
        known = ", ".join(f.indicator for f in score.figures)
        raise OfficeQueryError(f"no indicator {indicator!r} (indicators: {known})")
    names = Names(agencies=board.card.agency_names)
    lang = board.lang
    return [
        EvidenceRow(
            event_id=e.event_ref,
            event_type=e.event_type,
            type_text=event_label(e.event_type, lang),
            agency_id=e.agency,
            agency=names.agency(e.agency, lang),
            day=e.day,
            day_text=clock.day(e.day),
            role=e.role,
            role_text=role_text(e.role, lang),
        )
        for e in figure.evidence
    ]


# --- Excel and CSV --------------------------------------------------------------------------------
def _ranking_table(board: Dashboard) -> tuple[list[str], list[list[object]]]:
    lang = board.lang
    head = [
        t(k, lang)
        for k in (
            "assessment.rank",
            "office.agency_id",
            "assessment.organ",
            "assessment.score",
            "assessment.coverage",
        )
    ]
    rows: list[list[object]] = [
        [r.rank, r.agency_id, r.name, r.score, r.applicable_weight] for r in board.ranking
    ]
    return head, rows


def _indicator_table(board: Dashboard) -> tuple[list[str], list[list[object]]]:
    lang = board.lang
    head = [
        t(k, lang)
        for k in (
            "assessment.rank",
            "office.agency_id",
            "assessment.organ",
            "assessment.indicator",
            "office.indicator_id",
            "assessment.weight",
            "assessment.value",
            "office.numerator",
            "office.denominator",
            "office.applicable",
            "assessment.formula",
        )
    ]
    rows: list[list[object]] = [
        [
            r.rank,
            r.agency_id,
            r.name,
            f.label,
            f.indicator,
            f.weight,
            f.value,
            f.numerator,
            f.denominator,
            words.yes_no(f.applicable, lang),
            f.formula,
        ]
        for r in board.ranking
        for f in r.indicators
    ]
    return head, rows


def _evidence_table(board: Dashboard) -> tuple[list[str], list[list[object]]]:
    lang = board.lang
    head = [
        t(k, lang)
        for k in (
            "office.agency_id",
            "assessment.organ",
            "assessment.indicator",
            "assessment.event_id",
            "assessment.event_type",
            "assessment.agency",
            "assessment.date",
            "assessment.role",
        )
    ]
    rows: list[list[object]] = [
        [r.agency_id, r.name, f.label, e.event_id, e.type_text, e.agency, e.day, e.role_text]
        for r in board.ranking
        for f in r.indicators
        for e in figure_evidence(board, r.agency_id, f.indicator)
    ]
    return head, rows


def _sheet(book: Workbook, title: str, head: list[str], rows: list[list[object]]) -> None:
    sheet = book.create_sheet(title)
    sheet.append(head)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    sheet.freeze_panes = "A2"
    for i, column in enumerate(zip(head, *rows, strict=False), start=1):
        width = max(_width(v) for v in column)
        sheet.column_dimensions[get_column_letter(i)].width = min(max(width + 2, 8), 60)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if cell.data_type == "f":  # text starting with "=" is data here, never a formula
                cell.data_type = "s"
            if isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(cell.value, float):
                cell.number_format = "0.00##"


def _width(value: object) -> int:
    """Display width: a Chinese character takes two columns."""
    text = "" if value is None else str(value)
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def ranking_xlsx(board: Dashboard) -> bytes:
    """The ranking as an Excel workbook: sheets 排名/Ranking, 指标/Indicators (one row per organ and
    indicator) and 依据事件/Evidence; headers in the board's language, numbers as numbers (an
    indicator not applicable is an empty cell), dates as dates, the header row frozen."""
    book = Workbook()
    book.remove(book.active)
    lang = board.lang
    _sheet(book, t("office.sheet.ranking", lang), *_ranking_table(board))
    _sheet(book, t("office.sheet.indicators", lang), *_indicator_table(board))
    _sheet(book, t("office.sheet.evidence", lang), *_evidence_table(board))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def ranking_csv(board: Dashboard) -> str:
    """The Indicators sheet as CSV: one row per organ and indicator, headers in the board's
    language. It starts with a byte-order mark (U+FEFF): without it Excel reads a UTF-8 file
    as the local code page and garbles the Chinese."""
    head, rows = _indicator_table(board)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(head)
    for row in rows:
        writer.writerow(["" if v is None else _csv_value(v) for v in row])
    return "\ufeff" + out.getvalue()


#: What makes a spreadsheet read a cell as a formula (CSV injection): such text gets a quote.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_value(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return f"{value:.4f}" if isinstance(value, float) and not value.is_integer() else value


# --- the deadlines board --------------------------------------------------------------------------
OVERDUE, WARNING, MET_LATE = "overdue", "warning", "met_late"
GROUPS = (OVERDUE, WARNING, MET_LATE)
KINDS = (deadlines_view.NOTICE, deadlines_view.ASSISTANCE, deadlines_view.REPLY)


@dataclass(frozen=True, slots=True)
class BoardRow:
    group: str  # overdue | warning | met_late
    due_day: date
    due_text: str
    state: str  # the glossary's state: OPEN, OVERDUE, MET_LATE
    state_text: str
    working_days: int  # left (warning) or late (overdue, met late)
    days_text: str
    kind: str
    kind_text: str
    item: str
    agency_id: str
    agency: str  # by its directory name
    case_id: str
    case_ref: str  # owning-agency/case-number, for a link
    provisional: bool  # the due day may move: the year's holidays are not yet published
    missed: bool  # a miss is on the record


@dataclass(frozen=True, slots=True)
class DeadlinesBoard:
    today: date
    warning_days: int
    overdue: tuple[BoardRow, ...]
    warning: tuple[BoardRow, ...]  # 预警: open, due within warning_days working days
    met_late: tuple[BoardRow, ...]

    def group(self, name: str) -> tuple[BoardRow, ...]:
        return {OVERDUE: self.overdue, WARNING: self.warning, MET_LATE: self.met_late}[name]


def _group(s: deadlines_view.DeadlineStatus, warning_days: int) -> str | None:
    state = s.state
    if state == "OVERDUE":
        return OVERDUE
    if state == deadlines_view.OPEN and (s.working_days_left or 0) <= warning_days:
        return WARNING
    if state == "MET_LATE":
        return MET_LATE
    return None


def deadlines_board(
    store: ViewStore,
    today: date,
    calendar: WorkingDayCalendar | None,
    *,
    warning_days: int,
    agency: str | None = None,
    kind: str | None = None,
    lang: Lang = "zh",
) -> DeadlinesBoard:
    """Every agency's deadlines as of ``today``, grouped: overdue (open past the due day), 预警
    (open and due within ``warning_days`` working days, counted on ``calendar``), met late.
    ``agency`` and ``kind`` narrow it."""
    if warning_days < 0:
        raise OfficeQueryError(f"warning days must be 0 or more, not {warning_days}")
    if kind and kind not in KINDS:
        raise OfficeQueryError(f"unknown deadline kind {kind!r}: expected {', '.join(KINDS)}")
    store.ensure(deadlines_view.VIEW)
    names = names_of(store, deadlines_view.VIEW)
    if agency and agency not in names.agencies:
        raise OfficeQueryError(f"unknown agency {agency!r}: not in the directory")
    found = deadlines_view.read(store, today, agency=agency or None, calendar=calendar)
    grouped: dict[str, list[BoardRow]] = {g: [] for g in GROUPS}
    for s in found:
        group = _group(s, warning_days)
        if group is None or (kind and s.kind != kind):
            continue
        grouped[group].append(_row(s, group, names, lang))
    return DeadlinesBoard(
        today=today,
        warning_days=warning_days,
        overdue=tuple(grouped[OVERDUE]),
        warning=tuple(grouped[WARNING]),
        met_late=tuple(grouped[MET_LATE]),
    )


def _row(s: deadlines_view.DeadlineStatus, group: str, names: Names, lang: Lang) -> BoardRow:
    if group == WARNING:
        days = s.working_days_left or 0
        days_text = words.working_days_left(days, lang)
    else:
        days = s.working_days_late
        days_text = words.working_days_late(days, lang)
    return BoardRow(
        group=group,
        due_day=s.due_date,
        due_text=clock.day(s.due_date),
        state=s.state,
        state_text=words.status("deadline", s.state, lang),
        working_days=days,
        days_text=days_text,
        kind=s.kind,
        kind_text=words.deadline_kind(s.kind, lang),
        item=s.target_id,
        agency_id=s.agency,
        agency=names.agency(s.agency, lang),
        case_id=s.case_id,
        case_ref=names.case(s.case_id),
        provisional=s.provisional,
        missed=s.missed,
    )


def board_groups(board: DeadlinesBoard) -> Sequence[tuple[str, tuple[BoardRow, ...]]]:
    """The three groups in the order a page shows them."""
    return [(g, board.group(g)) for g in GROUPS]


def group_title(group: str, warning_days: int, lang: Lang) -> str:
    """A group's heading, e.g. 预警（3 个工作日内到期）."""
    if group not in GROUPS:
        raise OfficeQueryError(f"unknown group {group!r}: expected {', '.join(GROUPS)}")
    return t(f"office.board.{group}", lang).format(n=warning_days)
