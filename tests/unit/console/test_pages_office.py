"""The Rule-of-Law Office's pages through Starlette's TestClient, over the demo story's views:
the dashboard, a figure's evidence, the exports, the deadlines board — each route for each
role, the read log, filters and bad input."""

from __future__ import annotations

import csv
import html
import io
import shutil
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from starlette.testclient import TestClient

from console import office as office_data
from console.pages import console_app
from console.pages import office as office_pages
from console.readlog import Read, ReadLogUnavailable
from console.security import declared_roles
from console.wiring import ConsoleDeps
from console_testing import MemoryReadLog, login
from consumers import assessment
from consumers.store import Positioned
from devkit.testing.consumers import story_data_dir
from hub.cli import main
from hub.settings import load_settings

OFFICE_PATHS = (
    "/office/assessment?year=2026",
    "/office/assessment/natural-resources/reply_on_time?year=2026",
    "/office/assessment.xlsx?year=2026",
    "/office/assessment.csv?year=2026",
    "/office/deadlines",
)
#: Words only a case's content carries in the demo story: never on an Office page.
CONTENT = (
    "某食品公司销售过期冷链食品案",
    "cold-chain food",
    "某村民占用耕地建房案",
    "farmland occupied",
)


@pytest.fixture(scope="module")
def story_settings(tmp_path_factory):
    data = story_data_dir(tmp_path_factory.mktemp("office-pages"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CASEHUB_DATA_DIR", str(data))
        mp.setenv("CASEHUB_STORE", "sqlite")
        mp.delenv("CASEHUB_SQLITE_PATH", raising=False)
        mp.delenv("CASEHUB_CONFIG", raising=False)
        assert main(["consumers", "rebuild", "assessment"]) == 0
        assert main(["consumers", "rebuild", "deadlines"]) == 0
        settings = load_settings()
    yield settings
    shutil.rmtree(data, ignore_errors=True)


@pytest.fixture
def reads() -> MemoryReadLog:
    return MemoryReadLog()


@pytest.fixture
def deps(story_settings, tmp_path, clock, reads):
    settings = replace(
        story_settings,
        console_store_path=str(tmp_path / "console.sqlite"),
        console_reads_path=str(tmp_path / "reads.sqlite"),
    )
    clock.now = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    found = ConsoleDeps.open(settings, now=clock, read_log=reads)
    yield found
    found.close()


@pytest.fixture(autouse=True)
def no_warmer(monkeypatch):
    """No background warmer unless a test starts one: the tests count the scorings."""
    monkeypatch.setattr(office_pages, "WARM_EVERY_S", 0)


@pytest.fixture
def app(deps):
    return console_app(deps)


@pytest.fixture
def as_role(app, make_user, clock):
    """A client logged in with one role (its agency the Office's or the regulator's)."""
    opened: list[TestClient] = []

    def make(role: str) -> TestClient:
        client = TestClient(app, follow_redirects=False)
        opened.append(client)
        agency = "market-regulation" if role == "officer" else "rule-of-law-office"
        user = make_user(f"u-{role}", role, agency=agency)
        assert login(client, user, clock).status_code == 303
        return client

    yield make
    for client in opened:
        client.close()


@pytest.fixture
def office(as_role):
    return as_role("rule-of-law")


# --- who may open them ------------------------------------------------------------------------
@pytest.mark.parametrize("path", OFFICE_PATHS)
@pytest.mark.parametrize("role", ["rule-of-law", "auditor"])
def test_the_office_and_auditors_open_every_office_page(as_role, role, path, reads):
    response = as_role(role).get(path)
    assert response.status_code == 200, response.text
    assert len(reads.reads) == 1


@pytest.mark.parametrize("path", OFFICE_PATHS)
@pytest.mark.parametrize("role", ["officer", "admin"])
def test_officers_and_administrators_are_refused_and_nothing_is_read(as_role, role, path, reads):
    response = as_role(role).get(path)
    assert response.status_code == 403
    assert "您的账户无权访问此页面。" in response.text
    assert "natural-resources" not in response.text
    assert reads.reads == []


@pytest.mark.parametrize("path", OFFICE_PATHS)
def test_logged_out_goes_to_the_login_page(app, path, reads):
    with TestClient(app, follow_redirects=False) as client:
        response = client.get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=%2Foffice%2F")
    assert reads.reads == []


def test_every_office_route_declares_its_roles():
    for route in office_pages.ROUTES:
        assert declared_roles(route.endpoint) == frozenset({"rule-of-law", "auditor"})  # type: ignore[attr-defined]


def test_the_navigation_offers_the_office_pages_to_the_office_only(as_role):
    assert 'href="/office/assessment"' in as_role("rule-of-law").get("/").text
    assert 'href="/office/deadlines"' in as_role("auditor").get("/").text
    assert 'href="/office/assessment"' not in as_role("officer").get("/").text


# --- the dashboard ----------------------------------------------------------------------------
def test_the_dashboard_ranks_the_organs_with_charts_and_links_every_figure(office, reads):
    page = office.get("/office/assessment?year=2026")
    assert page.status_code == 200
    text = page.text
    assert "2026 年度法治考核" in text
    assert 'id="score-chart"' in text  # the ranking's SVG
    assert 'id="chart-natural-resources"' in text  # an organ's indicators
    ranking = text[text.index('id="ranking"') : text.index("</table>", text.index('id="ranking"'))]
    assert ranking.index("market-regulation") < ranking.index("natural-resources")
    assert "34.4" in ranking
    assert 'href="/office/assessment/natural-resources/reply_on_time?year=2026"' in text
    assert text.count('class="figure"') == 3 * 8  # every figure of every organ is a link
    assert 'id="lowest"' in text
    assert 'data-organ="natural-resources" data-indicator="notice_ack_on_time"' in text
    assert 'href="/office/assessment.xlsx?year=2026"' in text
    for word in CONTENT:
        assert word not in text
    [read] = reads.reads
    assert isinstance(read, Read)
    assert (read.account, read.agency, read.kind) == (
        "u-rule-of-law",
        "rule-of-law-office",
        "dashboard",
    )
    assert read.target == "/office/assessment?year=2026"
    assert dict(read.query) == {"year": "2026"}
    assert read.case_ref == ""


def test_the_dashboard_in_english_and_the_current_year_by_default(office):
    page = office.get("/office/assessment?lang=en")
    assert page.status_code == 200
    assert "Rule-of-law assessment 2026" in page.text
    assert "Not applicable" in page.text or "n/a" in page.text.lower()


@pytest.mark.parametrize(
    ("query", "status", "says"),
    [
        ("year=20x6", 400, "year must be four digits"),
        ("year=26", 400, "year must be four digits"),
        ("year=1800", 400, "year 1800 is out of range"),
        ("year=2031", 404, "no assessment for 2031"),
    ],
)
def test_a_bad_or_unknown_year_is_a_clear_error_and_not_a_read(office, reads, query, status, says):
    for path in ("/office/assessment", "/office/assessment.xlsx", "/office/assessment.csv"):
        response = office.get(f"{path}?{query}")
        assert response.status_code == status
        assert says in html.unescape(response.text)
    assert reads.reads == []


# --- a figure's evidence ----------------------------------------------------------------------
def test_a_figure_drills_down_to_the_events_that_decided_it(office, reads):
    page = office.get("/office/assessment/natural-resources/reply_on_time?year=2026")
    assert page.status_code == 200
    text = page.text
    assert "0.0%" in text
    assert text.count('class="event"') == 3
    assert "书面回复" in text or "回复" in text  # the type in words
    assert "2026-" in text  # the day
    assert "Case." not in text  # never the raw event type
    for word in CONTENT:
        assert word not in text
    [read] = reads.reads
    assert read.kind == "figure"
    assert dict(read.query) == {
        "year": "2026",
        "organ": "natural-resources",
        "indicator": "reply_on_time",
    }


def test_a_figure_not_applicable_says_no_event_decided_it(office):
    page = office.get("/office/assessment/ecology-environment/adoption?year=2026&lang=en")
    assert page.status_code == 200
    assert "No event decided this figure." in page.text


@pytest.mark.parametrize(
    ("path", "says"),
    [
        (
            "/office/assessment/no-such-organ/reply_on_time?year=2026",
            "no assessed organ 'no-such-organ'",
        ),
        ("/office/assessment/natural-resources/no_such?year=2026", "no indicator 'no_such'"),
        ("/office/assessment/natural-resources/reply_on_time?year=2031", "no assessment for 2031"),
    ],
)
def test_an_unknown_organ_or_indicator_is_a_clear_404(office, reads, path, says):
    response = office.get(path)
    assert response.status_code == 404
    assert says in html.unescape(response.text)
    assert reads.reads == []


# --- exports ----------------------------------------------------------------------------------
def test_the_ranking_exports_to_excel_with_its_file_name(office, reads):
    response = office.get("/office/assessment.xlsx?year=2026")
    assert response.status_code == 200
    assert response.headers["content-type"] == office_pages.XLSX
    assert response.headers["content-disposition"] == (
        'attachment; filename="casehub-assessment-2026-zh.xlsx"'
    )
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["排名", "指标", "依据事件"]
    ranking = list(book["排名"].iter_rows(values_only=True))
    assert ranking[1][:2] == (1, "market-regulation")
    assert [row[1] for row in ranking[1:]][-1] == "natural-resources"
    assert [r.kind for r in reads.reads] == ["export_xlsx"]


def test_the_ranking_exports_to_csv_in_english(office, reads):
    response = office.get("/office/assessment.csv?year=2026&lang=en")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        'attachment; filename="casehub-assessment-2026-en.csv"'
    )
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["Rank", "Agency id", "Administrative organ"]
    assert len(rows) == 1 + 3 * 8
    assert [r.kind for r in reads.reads] == ["export_csv"]
    assert dict(reads.reads[0].query) == {"year": "2026"}


# --- the deadlines board ----------------------------------------------------------------------
def test_the_deadlines_board_groups_and_links_each_case(office, reads):
    page = office.get("/office/deadlines")
    assert page.status_code == 200
    text = page.text
    for heading in ("已逾期", "预警（3 个工作日内到期）", "逾期办结"):
        assert heading in text
    met_late = text[text.index('id="group-met_late"') :]
    assert met_late.count('class="deadline"') == 2
    assert 'href="/cases/natural-resources/%E8%87%AA' in met_late  # the case page, quoted
    assert "截至 2026-12-01" in text
    [read] = reads.reads
    assert (read.kind, dict(read.query)) == ("deadlines", {})


def test_the_deadlines_board_filters_by_agency_and_kind(office, reads):
    mine = office.get("/office/deadlines?agency=market-regulation")
    assert mine.text.count('class="deadline"') == 0
    assert '<option value="market-regulation" selected>' in mine.text
    replies = office.get("/office/deadlines?kind=RECOMMENDATION_REPLY")
    assert replies.text.count('class="deadline"') == 1
    both = office.get("/office/deadlines?agency=natural-resources&kind=NOTICE_ACKNOWLEDGMENT")
    assert both.text.count('class="deadline"') == 1
    assert [dict(r.query) for r in reads.reads] == [
        {"agency": "market-regulation"},
        {"kind": "RECOMMENDATION_REPLY"},
        {"agency": "natural-resources", "kind": "NOTICE_ACKNOWLEDGMENT"},
    ]


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("agency=no-such-agency", "unknown agency 'no-such-agency'"),
        ("kind=LUNCH", "unknown deadline kind 'LUNCH'"),
    ],
)
def test_an_unknown_agency_or_kind_is_a_clear_error(office, reads, query, says):
    response = office.get(f"/office/deadlines?{query}")
    assert response.status_code == 400
    assert says in html.unescape(response.text)
    assert "请求有误" in response.text
    assert reads.reads == []


# --- the read log ---------------------------------------------------------------------------------
class _BrokenReadLog(MemoryReadLog):
    def record(self, read: object, *, at: datetime | None = None) -> object:  # noqa: ARG002
        raise ReadLogUnavailable("disk full")


@pytest.mark.parametrize("path", OFFICE_PATHS)
def test_no_page_or_export_when_the_read_log_cannot_be_written(as_role, deps, path):
    client = as_role("rule-of-law")
    deps.read_log = _BrokenReadLog()
    response = client.get(path)
    assert response.status_code == 503
    assert "阅览记录无法写入" in response.text
    assert "natural-resources" not in response.text
    assert "attachment" not in response.headers.get("content-disposition", "")


# --- the dashboard cache ----------------------------------------------------------------------
def test_the_year_is_scored_once_until_the_view_moves_on(office, deps, monkeypatch):
    """The scoring reads every fact (seconds at 100,000 cases): a second view of the same year
    and language is served from the cache; when the assessment view records anything new, the
    year is scored again."""
    calls: list[int] = []
    real = office_data.dashboard

    def counted(*args, **kwargs):
        calls.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(office_data, "dashboard", counted)
    office.get("/office/assessment?year=2026")
    office.get("/office/assessment?year=2026")
    office.get("/office/assessment.csv?year=2026")
    assert calls == [2026]
    office.get("/office/assessment?year=2026&lang=en")
    assert calls == [2026, 2026]
    views = deps.views()
    position = max(views.tracking_names(assessment.VIEW).values())
    views.record(assessment.VIEW, "store", [Positioned(position + 1, None)])
    office.get("/office/assessment?year=2026&lang=en")
    assert calls == [2026, 2026, 2026]


# --- the warmer: scoring ahead of the reader ------------------------------------------------------
def _counted(monkeypatch) -> list[str]:
    calls: list[str] = []
    real = office_data.dashboard

    def counted(*args, **kwargs):
        calls.append(kwargs.get("lang", "zh"))
        return real(*args, **kwargs)

    monkeypatch.setattr(office_data, "dashboard", counted)
    return calls


def _move(deps) -> None:
    views = deps.views()
    position = max(views.tracking_names(assessment.VIEW).values())
    views.record(assessment.VIEW, "store", [Positioned(position + 1, None)])


def test_the_warmer_scores_when_the_view_moves_and_not_otherwise(deps, monkeypatch):
    calls = _counted(monkeypatch)
    cache = office_pages.DashboardCache()
    warmer = office_pages.warmer_for(deps, cache)
    assert warmer.run_once() is True
    assert sorted(calls) == ["en", "zh"]  # the current year (2026), both languages
    assert warmer.run_once() is False
    assert warmer.run_once() is False
    assert len(calls) == 2
    _move(deps)
    assert warmer.run_once() is True
    assert len(calls) == 4
    assert warmer.warmed == 2


def test_the_warmer_thread_warms_and_stops(deps, monkeypatch):
    calls = _counted(monkeypatch)
    warmer = office_pages.warmer_for(deps, office_pages.DashboardCache(), every_s=3600)
    warmer.start()
    try:
        assert warmer.wait_for_warm(1, timeout=60)
    finally:
        warmer.stop()
    assert sorted(calls) == ["en", "zh"]
    assert warmer.last_error is None


def test_a_request_after_the_warm_up_does_not_score(app, office, deps, monkeypatch):
    calls = _counted(monkeypatch)
    cache = office_pages.DashboardCache()
    app.state.office_cache = cache
    warmer = office_pages.warmer_for(deps, cache)
    assert warmer.run_once()
    scored = len(calls)
    for lang in ("zh", "en"):
        reply = office.get(f"/office/assessment?year=2026&lang={lang}")
        assert reply.status_code == 200
    assert len(calls) == scored  # both languages served warm
    _move(deps)
    assert warmer.run_once()
    assert office.get("/office/assessment?year=2026").status_code == 200
    assert len(calls) == scored + 2  # the warmer's, not the reader's


def test_two_concurrent_requests_for_a_cold_key_score_once():
    cache = office_pages.DashboardCache()
    started, release = threading.Event(), threading.Event()
    scorings: list[int] = []
    board = object()

    def score():
        scorings.append(1)
        started.set()
        assert release.wait(30)
        return board

    got: list[object] = []
    first = threading.Thread(target=lambda: got.append(cache.get("k", score)))
    second = threading.Thread(target=lambda: got.append(cache.get("k", score)))
    first.start()
    assert started.wait(30)
    second.start()
    deadline = time.monotonic() + 30
    while cache.waiting < 1:  # the second reader waits for the first's scoring
        assert time.monotonic() < deadline, "the second reader never waited"
        threading.Event().wait(0.001)
    release.set()
    first.join(30)
    second.join(30)
    assert scorings == [1]
    assert got == [board, board]
    assert "k" in cache


def test_a_failed_scoring_lets_the_next_reader_score():
    cache = office_pages.DashboardCache()

    def fails():
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        cache.get("k", fails)
    assert cache.get("k", lambda: "board") == "board"


def test_the_warmer_refuses_a_bad_interval():
    with pytest.raises(ValueError, match="every_s must be positive"):
        office_pages.AssessmentWarmer(lambda: 1, lambda: None, every_s=0)
