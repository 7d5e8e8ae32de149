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

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from datetime import date, datetime
from functools import partial
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from console import office
from console.accounts import AUDITOR, RULE_OF_LAW
from console.app import NavLink, account_of, deps_of, error_page, lang_of, record_read, render
from console.periodic import Periodic
from console.readlog import Read
from console.security import requires
from console.wiring import ConsoleDeps
from consumers import assessment as assessment_view
from consumers import deadlines as deadlines_view
from consumers.opening import open_view_store
from consumers.references import names_of
from consumers.store import ViewStore
from hub.assessment.config import AssessmentConfig, load_config
from hub.assessment.scoring import NoAssessmentDataError
from hub.bootstrap import working_calendar
from hub.i18n import Lang
from hub.logging import get_logger
from hub.rules.clocks import TIMEZONE

#: Who may open the Office's pages (docs/console.md, "Roles").
OFFICE_ROLES = (RULE_OF_LAW, AUDITOR)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"

log = get_logger(__name__)


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

#: How often (seconds) the warmer looks at the assessment view's tracking positions; when they
#: have moved it scores the current year (both languages) into the cache ahead of the reader.
#: 0 starts no warmer (the page then scores at the first request after the view moved).
WARM_EVERY_S = 5.0

LANGS: tuple[Lang, ...] = ("zh", "en")


class DashboardCache:
    """The scored dashboards of one app, at most ``size``, newest kept; one scoring at a time
    per key: a request for a key being scored waits for that scoring instead of scoring again."""

    def __init__(self, size: int = CACHED_DASHBOARDS) -> None:
        self.size = size
        self._boards: OrderedDict[Hashable, office.Dashboard] = OrderedDict()
        self._scoring: dict[Hashable, threading.Event] = {}
        self._waiting = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable, score: Callable[[], office.Dashboard]) -> office.Dashboard:
        """The dashboard of ``key``, scored by ``score`` unless cached or being scored."""
        while True:
            with self._lock:
                found = self._boards.get(key)
                if found is not None:
                    self._boards.move_to_end(key)
                    return found
                running = self._scoring.get(key)
                if running is None:
                    running = self._scoring[key] = threading.Event()
                    break
            with self._lock:
                self._waiting += 1
            running.wait()  # another thread scores it: take its result (or retry if it failed)
            with self._lock:
                self._waiting -= 1
        try:
            board = score()
            with self._lock:
                self._boards[key] = board
                while len(self._boards) > self.size:
                    self._boards.popitem(last=False)
            return board
        finally:
            with self._lock:
                del self._scoring[key]
            running.set()

    @property
    def waiting(self) -> int:
        """How many readers wait for a scoring another thread runs (for tests)."""
        with self._lock:
            return self._waiting

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._boards


class AssessmentWarmer:
    """A daemon thread that every ``every_s`` seconds reads ``position()`` (the assessment view's
    tracking positions) and, when it differs from the last one seen, calls ``warm()`` (which
    scores the current year into the cache). ``run_once`` is the thread's body, for tests."""

    def __init__(
        self,
        position: Callable[[], Hashable],
        warm: Callable[[], None],
        every_s: float = WARM_EVERY_S,
        close: Callable[[], None] | None = None,
    ) -> None:
        self.position, self.warm, self.every_s = position, warm, every_s
        self._seen: Hashable = None
        self._warmed = 0
        self._last_error: str | None = None
        self._cond = threading.Condition()
        self._thread = Periodic("assessment-warmer", self.run_once, every_s, on_exit=close)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._thread.stop(timeout)

    def run_once(self) -> bool:
        """Look once; warm when the position moved. True when it warmed; a failure is kept."""
        try:
            now = self.position()
            if now == self._seen:
                return False
            self.warm()
            error = None
        except Exception as exc:  # noqa: BLE001 - a failed warm-up is retried at the next look
            log.warning("assessment_warm_up_failed", error=f"{type(exc).__name__}: {exc}")
            error = f"{type(exc).__name__}: {exc}"
        with self._cond:
            self._last_error = error
            if error is None:
                self._seen = now
                self._warmed += 1
            self._cond.notify_all()
        return error is None

    @property
    def warmed(self) -> int:
        with self._cond:
            return self._warmed

    @property
    def last_error(self) -> str | None:
        with self._cond:
            return self._last_error

    def wait_for_warm(self, warmed: int = 1, timeout: float = 60.0) -> bool:
        """Block until ``warmed`` warm-ups have finished; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: self._warmed >= warmed, timeout)


def _key(year: int, lang: Lang, config: object, day: date, position: Hashable) -> Hashable:
    return (year, lang, config, day, position)


def _position(views: ViewStore) -> Hashable:
    return tuple(sorted(views.tracking_names(assessment_view.VIEW).items()))


def _board(request: Request, year: int) -> office.Dashboard:
    deps = deps_of(request)
    views, lang = deps.views(), lang_of(request)
    cache = _cache(request)
    try:
        views.ensure(assessment_view.VIEW)
        config = load_config()
        key = _key(year, lang, config, _now(request).date(), _position(views))
        found = cache.get(
            key,
            lambda: office.dashboard(
                views, year, working_calendar(deps.settings), lang=lang, config=config
            ),
        )
    except NoAssessmentDataError as exc:
        raise BadRequest(f"no assessment for {year}: {exc}", status=404) from exc
    except office.OfficeQueryError as exc:
        raise BadRequest(str(exc)) from exc
    return found


def _cache(request: Request) -> DashboardCache:
    """The app's dashboard cache, and its warmer started, at first use."""
    state = request.app.state
    lock: threading.Lock = state.__dict__.setdefault("_office_lock", threading.Lock())
    with lock:
        cache: DashboardCache | None = getattr(state, "office_cache", None)
        if cache is None:
            cache = DashboardCache()
            state.office_cache = cache
            if WARM_EVERY_S > 0:
                warmer = warmer_for(deps_of(request), cache, every_s=WARM_EVERY_S)
                warmer.start()
                state.office_warmer = warmer
    return cache


def warmer_for(
    deps: ConsoleDeps, cache: DashboardCache, every_s: float = WARM_EVERY_S
) -> AssessmentWarmer:
    """The warmer of ``cache``: scores the current year in both languages when the view moves.
    It reads the views through its own connection (a store is not shared across threads)."""
    own: list[ViewStore] = []

    def views() -> ViewStore:
        if not own:
            own.append(open_view_store(deps.settings))
            own[0].ensure(assessment_view.VIEW)
        return own[0]

    def score(year: int, lang: Lang, config: AssessmentConfig) -> office.Dashboard:
        calendar = working_calendar(deps.settings)
        return office.dashboard(views(), year, calendar, lang=lang, config=config)

    def warm() -> None:
        config = load_config()
        now = deps.now().astimezone(TIMEZONE)
        moved = _position(views())
        for lang in LANGS:
            key = _key(now.year, lang, config, now.date(), moved)
            try:
                cache.get(key, partial(score, now.year, lang, config))
            except NoAssessmentDataError:
                return  # nothing on the record for this year yet: nothing to warm

    def close() -> None:
        while own:
            own.pop().close()

    return AssessmentWarmer(lambda: _position(views()), warm, every_s, close=close)


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
