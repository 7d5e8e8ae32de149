"""The Rule-of-Law Office's pages: the year's assessment dashboard, each figure's evidence, the
ranking as Excel or CSV, and the deadlines board across agencies.

Metadata only (``console.office``): ids, agencies, types, dates, outcomes — never a case's
title, summary or parties. Open to the ``rule-of-law`` role and to ``auditor`` (supervisors see
everything the Office sees); officers and account administrators are refused.

Every view and export is written to the read log (kinds ``dashboard``, ``figure``,
``deadlines``, ``export_xlsx``, ``export_csv``) after its data is computed and before the
response is built; a request refused for bad input (an unknown year, organ, indicator, agency or
kind) shows a clear error page and is not a read. When the read log cannot be written the page
is refused (503).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from console import office
from console.accounts import AUDITOR, RULE_OF_LAW
from console.app import NavLink, account_of, deps_of, error_page, lang_of, record_read, render
from console.readlog import Read
from console.security import requires
from consumers import assessment as assessment_view
from consumers import deadlines as deadlines_view
from consumers.references import names_of
from hub.assessment.config import load_config
from hub.assessment.scoring import NoAssessmentDataError
from hub.bootstrap import working_calendar
from hub.rules.clocks import TIMEZONE

#: Who may open the Office's pages (docs/console.md, "Roles").
OFFICE_ROLES = (RULE_OF_LAW, AUDITOR)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"


class BadRequest(Exception):
    """A parameter the page cannot take: the message says which and why."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _target(request: Request) -> str:
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def _record(request: Request, kind: str, query: Mapping[str, str]) -> Response | None:
    account = account_of(request)
    read = Read(
        account=account.name,
        agency=account.agency,
        kind=kind,
        target=_target(request),
        query={k: v for k, v in query.items() if v},
    )
    return record_read(request, read)


def _year(request: Request) -> int:
    raw = request.query_params.get("year", "").strip()
    if not raw:
        return _now(request).year
    if not raw.isdigit() or len(raw) != 4:
        raise BadRequest(f"year must be four digits, e.g. 2026, not {raw!r}")
    year = int(raw)
    if not 1900 < year < 3000:
        raise BadRequest(f"year {year} is out of range")
    return year


def _now(request: Request) -> datetime:
    return deps_of(request).now().astimezone(TIMEZONE)


#: Dashboards kept per app: the year's scoring reads every fact of the view, seconds at 100,000
#: cases, so a dashboard is computed once per (year, language, weights, day) and view position
#: and served from here until the assessment view moves on (a new event, a rebuild).
CACHED_DASHBOARDS = 16


def _board(request: Request, year: int) -> office.Dashboard:
    deps = deps_of(request)
    views, lang = deps.views(), lang_of(request)
    try:
        views.ensure(assessment_view.VIEW)
        config = load_config()
        position = tuple(sorted(views.tracking_names(assessment_view.VIEW).items()))
        key = (year, lang, config, _now(request).date(), position)
        cache: OrderedDict[object, office.Dashboard] = _cache(request)
        found = cache.get(key)
        if found is None:
            found = office.dashboard(
                views, year, working_calendar(deps.settings), lang=lang, config=config
            )
            cache[key] = found
            while len(cache) > CACHED_DASHBOARDS:
                cache.popitem(last=False)
        else:
            cache.move_to_end(key)
    except NoAssessmentDataError as exc:
        raise BadRequest(f"no assessment for {year}: {exc}", status=404) from exc
    except office.OfficeQueryError as exc:
        raise BadRequest(str(exc)) from exc
    return found


def _cache(request: Request) -> OrderedDict[object, office.Dashboard]:
    state = request.app.state
    cache: OrderedDict[object, office.Dashboard] | None = getattr(state, "office_cache", None)
    if cache is None:
        cache = OrderedDict()
        state.office_cache = cache
    return cache


def _refused(request: Request, exc: BadRequest) -> Response:
    return error_page(request, exc.status, str(exc))


# --- the dashboard --------------------------------------------------------------------------------
@requires(*OFFICE_ROLES)
async def assessment(request: Request) -> Response:
    try:
        year = _year(request)
        board = _board(request, year)
    except BadRequest as exc:
        return _refused(request, exc)
    refused = _record(request, "dashboard", {"year": str(year)})
    if refused is not None:
        return refused
    lowest = _lowest(board)
    return render(
        request,
        "office_assessment.html",
        {"board": board, "year": year, "lowest": lowest, "quote": quote},
    )


def _lowest(board: office.Dashboard) -> tuple[str, str] | None:
    """The organ and indicator of the lowest applicable figure (marked on the page)."""
    found = [
        (f.value, r.agency_id, f.indicator)
        for r in board.ranking
        for f in r.indicators
        if f.value is not None
    ]
    if not found:
        return None
    _, organ, indicator = min(found)
    return organ, indicator


@requires(*OFFICE_ROLES)
async def figure(request: Request) -> Response:
    organ = request.path_params["organ"]
    indicator = request.path_params["indicator"]
    try:
        year = _year(request)
        board = _board(request, year)
        try:
            ranking = board.organ(organ)
            rows = office.figure_evidence(board, organ, indicator)
        except office.OfficeQueryError as exc:
            raise BadRequest(str(exc), status=404) from exc
    except BadRequest as exc:
        return _refused(request, exc)
    shown = next(f for f in ranking.indicators if f.indicator == indicator)
    refused = _record(
        request, "figure", {"year": str(year), "organ": organ, "indicator": indicator}
    )
    if refused is not None:
        return refused
    return render(
        request,
        "office_figure.html",
        {"board": board, "year": year, "organ": ranking, "figure": shown, "rows": rows},
    )


# --- exports --------------------------------------------------------------------------------------
@requires(*OFFICE_ROLES)
async def export_xlsx(request: Request) -> Response:
    return await _export(request, "xlsx")


@requires(*OFFICE_ROLES)
async def export_csv(request: Request) -> Response:
    return await _export(request, "csv")


async def _export(request: Request, fmt: str) -> Response:
    try:
        year = _year(request)
        board = _board(request, year)
    except BadRequest as exc:
        return _refused(request, exc)
    body: bytes = (
        office.ranking_xlsx(board) if fmt == "xlsx" else office.ranking_csv(board).encode("utf-8")
    )
    refused = _record(request, f"export_{fmt}", {"year": str(year)})
    if refused is not None:
        return refused
    name = f"casehub-assessment-{year}-{board.lang}.{fmt}"
    return Response(
        body,
        media_type=XLSX if fmt == "xlsx" else CSV,
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


# --- the deadlines board --------------------------------------------------------------------------
@requires(*OFFICE_ROLES)
async def deadlines(request: Request) -> Response:
    deps = deps_of(request)
    agency = request.query_params.get("agency", "").strip()
    kind = request.query_params.get("kind", "").strip()
    views = deps.views()
    try:
        try:
            board = office.deadlines_board(
                views,
                _now(request).date(),
                working_calendar(deps.settings),
                warning_days=deps.settings.console_warning_days,
                agency=agency or None,
                kind=kind or None,
                lang=lang_of(request),
            )
        except office.OfficeQueryError as exc:
            raise BadRequest(str(exc)) from exc
    except BadRequest as exc:
        return _refused(request, exc)
    names = names_of(views, deadlines_view.VIEW)
    lang = lang_of(request)
    agencies = sorted((names.agency(a, lang), a) for a in names.agencies)
    refused = _record(request, "deadlines", {"agency": agency, "kind": kind})
    if refused is not None:
        return refused
    return render(
        request,
        "office_deadlines.html",
        {
            "board": board,
            "groups": [
                (g, office.group_title(g, board.warning_days, lang), rows)
                for g, rows in office.board_groups(board)
            ],
            "agencies": agencies,
            "kinds": office.KINDS,
            "agency": agency,
            "kind": kind,
            "quote": quote,
        },
    )


ROUTES: list[BaseRoute] = [
    Route("/office/assessment", assessment, methods=["GET"]),
    Route("/office/assessment.xlsx", export_xlsx, methods=["GET"]),
    Route("/office/assessment.csv", export_csv, methods=["GET"]),
    Route("/office/assessment/{organ}/{indicator}", figure, methods=["GET"]),
    Route("/office/deadlines", deadlines, methods=["GET"]),
]
LINKS: list[NavLink] = [
    NavLink("/office/assessment", "console.nav.assessment", frozenset(OFFICE_ROLES)),
    NavLink("/office/deadlines", "console.nav.deadlines", frozenset(OFFICE_ROLES)),
]
