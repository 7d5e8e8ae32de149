"""The Rule-of-Law Office's data as the console shows it: the demo story's ranking, a figure's
evidence, the Excel and CSV exports, and the deadlines board — metadata only."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import shutil
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from console import office
from consumers import deadlines
from consumers.opening import open_view_store
from consumers.references import AGENCIES, CASE_REFS
from consumers.store import Positioned, Put, SQLiteViewStore, View
from devkit.testing.consumers import story_data_dir
from hub.assessment.scoring import NoAssessmentDataError
from hub.bootstrap import working_calendar
from hub.cli import main
from hub.rules.calendar import WorkingDayCalendar
from hub.settings import load_settings

GENERATED = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)
#: What a case's content is made of: none of it may reach the Office's data.
CONTENT_WORDS = ("title", "summary", "party", "parties", "name_of", "description")


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    """The demo story's data directory with its assessment and deadlines views rebuilt, and
    `casehub assessment report --format json` of 2026 as a user runs it."""
    data = story_data_dir(tmp_path_factory.mktemp("office"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CASEHUB_DATA_DIR", str(data))
        mp.setenv("CASEHUB_STORE", "sqlite")
        mp.delenv("CASEHUB_SQLITE_PATH", raising=False)
        mp.delenv("CASEHUB_CONFIG", raising=False)
        assert main(["consumers", "rebuild", "assessment"]) == 0
        assert main(["consumers", "rebuild", "deadlines"]) == 0
        out = tmp_path_factory.mktemp("report") / "report.json"
        args = ["assessment", "report", "--year", "2026", "--format", "json", "--out", str(out)]
        assert main(args) == 0
        settings = load_settings()
    yield settings, json.loads(out.read_text(encoding="utf-8"))
    shutil.rmtree(data, ignore_errors=True)


@pytest.fixture(scope="module")
def views(story):
    settings, _ = story
    store = open_view_store(settings)
    yield store
    store.close()


@pytest.fixture(scope="module")
def calendar(story):
    return working_calendar(story[0])


@pytest.fixture(scope="module")
def board_zh(views, calendar):
    return office.dashboard(views, 2026, calendar, lang="zh", now=lambda: GENERATED)


@pytest.fixture(scope="module")
def board_en(views, calendar):
    return office.dashboard(views, 2026, calendar, lang="en", now=lambda: GENERATED)


def _strings(value):
    """Every string a value carries, through dataclasses, tuples and lists."""
    if isinstance(value, str):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield f.name
            yield from _strings(getattr(value, f.name))
    elif isinstance(value, (tuple, list)):
        for v in value:
            yield from _strings(v)


class TestDashboard:
    def test_the_ranking_is_the_reports(self, board_zh, story):
        """Rank, organ, score and every indicator's value, weight and n/a equal the report's."""
        _, report = story
        assert [(r.rank, r.agency_id, r.score) for r in board_zh.ranking] == [
            (r["rank"], r["agency_id"], r["score"]) for r in report["ranking"]
        ]
        assert board_zh.ranking[0].agency_id == "market-regulation"
        for row, reported in zip(board_zh.ranking, report["ranking"], strict=True):
            assert row.name == reported["name"]
            assert row.applicable_weight == reported["applicable_weight"]
            assert [(f.indicator, f.weight, f.value, f.numerator, f.denominator)
                    for f in row.indicators] == [
                (i["indicator"], i["weight"], i["value"], i["numerator"], i["denominator"])
                for i in reported["indicators"]
            ]  # fmt: skip
            assert [f.formula for f in row.indicators] == [
                i["formula"] for i in reported["indicators"]
            ]

    def test_not_applicable_reads_as_such_and_scores_as_a_number(self, board_zh, board_en):
        """A figure with nothing to count is n/a in words (不适用), never 0%."""
        shown = {(f.value is None, f.shown) for r in board_zh.ranking for f in r.indicators}
        assert (True, "不适用") in shown
        assert all(s != "不适用" for none, s in shown if not none)
        en = {f.shown for r in board_en.ranking for f in r.indicators if f.value is None}
        assert en == {"n/a"}
        top = board_zh.ranking[0]
        assert top.shown == f"{top.score:.1f}"

    def test_charts_are_inline_svg_with_a_bar_per_organ(self, board_zh):
        assert board_zh.chart.startswith('<svg class="chart" id="score-chart"')
        assert board_zh.chart.count('class="bar"') == sum(
            1 for r in board_zh.ranking if r.score is not None
        )
        for row in board_zh.ranking:
            assert f'id="chart-{row.agency_id}"' in row.chart
            assert row.chart.count("<text") == 2 * len(row.indicators)
        assert "http" not in board_zh.chart.replace("http://www.w3.org", "")

    def test_a_year_with_nothing_recorded_is_a_clear_error(self, views, calendar):
        with pytest.raises(NoAssessmentDataError, match="no assessment data for 2019"):
            office.dashboard(views, 2019, calendar)
        with pytest.raises(office.OfficeQueryError, match="year 20260 is out of range"):
            office.dashboard(views, 20260, calendar)


class TestEvidence:
    def test_the_lowest_figure_lists_the_events_the_report_lists(self, board_zh, story):
        """The lowest applicable figure's drill-down: the report's events, in its order, with
        the type, agency, date and why it counts in words."""
        _, report = story
        lowest = min(
            ((r, i) for r in report["ranking"] for i in r["indicators"] if i["value"] is not None),
            key=lambda p: p[1]["value"],
        )
        organ, figure = lowest[0]["agency_id"], lowest[1]["indicator"]
        rows = office.figure_evidence(board_zh, organ, figure)
        assert rows, "the lowest figure has events behind it"
        assert [(e.event_id, e.event_type, e.agency_id, e.day.isoformat(), e.role)
                for e in rows] == [
            (e["event_id"], e["event_type"], e["agency"], e["date"], e["role"])
            for e in lowest[1]["events"]
        ]  # fmt: skip
        first = rows[0]
        assert first.type_text != first.event_type  # in words, not the type's id
        assert first.agency != first.agency_id  # by the directory's name
        assert first.role_text
        assert first.role_text != f"role.{first.role}"
        assert first.day_text == first.day.isoformat()

    def test_in_english_the_words_follow(self, board_en):
        organ = board_en.ranking[0]
        rows = office.figure_evidence(board_en, organ.agency_id, "reply_on_time")
        assert any(e.role_text in ("on time", "due") for e in rows)
        assert all(e.agency.isascii() for e in rows)

    def test_an_unknown_organ_or_indicator_is_named(self, board_zh):
        with pytest.raises(office.OfficeQueryError, match="no assessed organ 'nobody' in 2026"):
            office.figure_evidence(board_zh, "nobody", "reply_on_time")
        with pytest.raises(office.OfficeQueryError, match="no indicator 'speed'"):
            office.figure_evidence(board_zh, board_zh.ranking[0].agency_id, "speed")


class TestExports:
    def test_the_workbook_holds_the_ranking_as_numbers(self, board_zh, story):
        _, report = story
        book = load_workbook(io.BytesIO(office.ranking_xlsx(board_zh)))
        assert book.sheetnames == ["排名", "指标", "依据事件"]
        ranking = book["排名"]
        assert ranking.freeze_panes == "A2"
        assert [c.value for c in ranking[1]] == [
            "排名",
            "单位代码",
            "行政执法机关",
            "得分",
            "适用权重",
        ]
        rows = list(ranking.iter_rows(min_row=2, values_only=True))
        assert [(r[0], r[1], r[3]) for r in rows] == [
            (r["rank"], r["agency_id"], r["score"]) for r in report["ranking"]
        ]
        assert all(isinstance(r[3], (int, float)) for r in rows if r[3] is not None)
        assert ranking.column_dimensions["C"].width > 10

    def test_one_indicator_row_per_organ_and_indicator_and_evidence_rows(self, board_zh, story):
        _, report = story
        book = load_workbook(io.BytesIO(office.ranking_xlsx(board_zh)))
        indicators = list(book["指标"].iter_rows(min_row=2, values_only=True))
        assert len(indicators) == sum(len(r["indicators"]) for r in report["ranking"])
        na = [r for r in indicators if r[6] is None]
        assert na
        assert all(r[9] == "否" for r in na)
        assert all(isinstance(r[6], float | int) for r in indicators if r[6] is not None)
        evidence = list(book["依据事件"].iter_rows(min_row=2, values_only=True))
        assert len(evidence) == sum(
            len(i["events"]) for r in report["ranking"] for i in r["indicators"]
        )
        assert all(isinstance(r[6], datetime) for r in evidence)  # dates as dates
        assert book["依据事件"].freeze_panes == "A2"

    def test_english_headers_and_sheet_names(self, board_en):
        book = load_workbook(io.BytesIO(office.ranking_xlsx(board_en)))
        assert book.sheetnames == ["Ranking", "Indicators", "Evidence"]
        assert book["Ranking"]["A1"].value == "Rank"

    def test_the_csv_opens_in_excel_with_a_bom(self, board_zh, story):
        _, report = story
        text = office.ranking_csv(board_zh)
        assert text.startswith("\ufeff排名,")
        rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
        assert rows[0][3] == "指标"
        assert len(rows) - 1 == sum(len(r["indicators"]) for r in report["ranking"])
        top = report["ranking"][0]
        first = top["indicators"][0]
        assert rows[1][:2] == [str(top["rank"]), top["agency_id"]]
        assert float(rows[1][6]) == pytest.approx(first["value"], abs=1e-4)
        assert text.encode("utf-8").startswith(b"\xef\xbb\xbf")

    def test_a_name_that_looks_like_a_formula_stays_text(self, board_zh):
        """A directory name starting with "=" is shown as written, never run as a formula."""
        evil = '=HYPERLINK("http://example.invalid","x")'
        first = dataclasses.replace(board_zh.ranking[0], name=evil)
        board = dataclasses.replace(board_zh, ranking=(first, *board_zh.ranking[1:]))
        cell = load_workbook(io.BytesIO(office.ranking_xlsx(board)))["排名"]["C2"]
        assert (cell.value, cell.data_type) == (evil, "s")
        rows = list(csv.reader(io.StringIO(office.ranking_csv(board).removeprefix("\ufeff"))))
        assert rows[1][2] == "'" + evil


# --- the deadlines board on hand-placed rows --------------------------------------------------
CASE_A = "612dd198-0000-4000-8000-00000000000a"
CASE_B = "612dd198-0000-4000-8000-00000000000b"
_FEED = View("deadlines", deadlines.VIEW.tables, lambda change: [change])


def _item(target, kind, agency, due, *, status="OPEN", closed_at=None, case=CASE_A, missed=False):
    return Put(
        deadlines.ITEMS.name,
        {
            "case_id": case,
            "kind": kind,
            "target_id": target,
            "agency": agency,
            "opened_ref": f"ev-{target}",
            "opened_at": "2026-09-01T01:00:00+00:00",
            "due_date": due,
            "provisional": 0,
            "status": status,
            "closed_ref": None if closed_at is None else f"ev-{target}-closed",
            "closed_at": closed_at,
            "missed_due_date": due if missed else None,
            "missed_ref": f"ev-{target}-missed" if missed else None,
            "missed_at": "2026-09-28T16:00:00+00:00" if missed else None,
        },
    )


@pytest.fixture
def deadline_store(tmp_path):
    store = SQLiteViewStore(str(tmp_path / "views.sqlite"))
    store.ensure(deadlines.VIEW)
    changes = [
        Put(AGENCIES.name, {"agency_id": "market-regulation", "name_zh": "市市场监管局",
                            "name_en": "City Market Regulation Bureau"}),
        Put(AGENCIES.name, {"agency_id": "natural-resources", "name_zh": "市自然资源局",
                            "name_en": "City Natural Resources Bureau"}),
        Put(CASE_REFS.name, {"case_id": CASE_A, "owning_agency": "market-regulation",
                             "case_number": "市监案〔2026〕001号"}),
        Put(CASE_REFS.name, {"case_id": CASE_B, "owning_agency": "natural-resources",
                             "case_number": "自然资案〔2026〕014号"}),
        # due on the Friday after National Day (1-7 October 2026 off): 2 working days from 30 Sept
        _item("XZ-1", deadlines.ASSISTANCE, "market-regulation", "2026-10-09"),
        # overdue: due 25 Sept, still open
        _item("JY-1", deadlines.REPLY, "natural-resources", "2026-09-25", case=CASE_B, missed=True),
        # far off: not on the board yet
        _item("XZ-2", deadlines.ASSISTANCE, "natural-resources", "2026-11-30", case=CASE_B),
        # met late (answered 28 Sept, due 24 Sept) and met on time (not on the board)
        _item("XZ-3", deadlines.ASSISTANCE, "market-regulation", "2026-09-24", status="MET",
              closed_at="2026-09-28T02:00:00+00:00"),
        _item("TB-1", deadlines.NOTICE, "market-regulation", "2026-09-24", status="MET",
              closed_at="2026-09-23T02:00:00+00:00"),
    ]  # fmt: skip
    store.record(_FEED, "test", [Positioned(i, c) for i, c in enumerate(changes, start=1)])
    yield store
    store.close()


TODAY = date(2026, 9, 30)


class _WeekdaysOnly(WorkingDayCalendar):
    """Monday to Friday, no holiday: what the board would count without the hub's calendar."""

    def is_working_day(self, day):
        return day.weekday() < 5


class TestDeadlinesBoard:
    def test_three_groups_counted_on_the_hubs_calendar(self, deadline_store, calendar):
        board = office.deadlines_board(deadline_store, TODAY, calendar, warning_days=3)
        assert [r.item for r in board.overdue] == ["JY-1"]
        assert [r.item for r in board.warning] == ["XZ-1"]
        assert [r.item for r in board.met_late] == ["XZ-3"]
        warn = board.warning[0]
        # 9 calendar days away, but the National Day holiday leaves 2 working days (8 and 9 Oct)
        assert warn.working_days == 2
        assert (warn.due_text, warn.state_text, warn.days_text) == (
            "2026-10-09",
            "期限未届满",
            "剩余 2 个工作日",
        )
        assert warn.kind_text == "协助答复"
        assert (warn.agency, warn.case_ref) == (
            "市市场监管局",
            "market-regulation/市监案〔2026〕001号",
        )
        late = board.overdue[0]
        assert (late.state, late.working_days, late.agency) == ("OVERDUE", 3, "市自然资源局")
        assert (late.missed, warn.missed) == (True, False)
        # answered Monday 28 Sept, due Thursday 24: Friday 25 is the Mid-Autumn Festival (off)
        assert board.met_late[0].working_days == 1
        assert board.met_late[0].days_text == "逾期 1 个工作日"

    def test_without_the_holiday_the_same_row_is_not_yet_due_soon(self, deadline_store):
        """On a plain Monday-to-Friday count the row is 7 working days off: the holiday matters."""
        board = office.deadlines_board(deadline_store, TODAY, _WeekdaysOnly(), warning_days=3)
        assert board.warning == ()
        wide = office.deadlines_board(deadline_store, TODAY, _WeekdaysOnly(), warning_days=7)
        assert [r.working_days for r in wide.warning] == [7]

    def test_the_warning_window_is_the_number_given(self, deadline_store, calendar):
        board = office.deadlines_board(deadline_store, TODAY, calendar, warning_days=1)
        assert board.warning == ()
        wide = office.deadlines_board(deadline_store, TODAY, calendar, warning_days=60)
        assert [r.item for r in wide.warning] == ["XZ-1", "XZ-2"]

    def test_filters_by_agency_and_kind(self, deadline_store, calendar):
        mine = office.deadlines_board(
            deadline_store, TODAY, calendar, warning_days=3, agency="market-regulation"
        )
        assert (mine.overdue, [r.item for r in mine.warning]) == ((), ["XZ-1"])
        replies = office.deadlines_board(
            deadline_store, TODAY, calendar, warning_days=3, kind=deadlines.REPLY
        )
        assert [r.item for g, rows in office.board_groups(replies) for r in rows] == ["JY-1"]

    def test_in_english(self, deadline_store, calendar):
        board = office.deadlines_board(deadline_store, TODAY, calendar, warning_days=3, lang="en")
        assert board.warning[0].agency == "City Market Regulation Bureau"
        assert board.warning[0].days_text == "2 working day(s) left"
        assert office.group_title(office.WARNING, 3, "en") == "Due within 3 working days"
        assert office.group_title(office.WARNING, 3, "zh") == "预警（3 个工作日内到期）"

    @pytest.mark.parametrize(
        ("kw", "message"),
        [
            ({"warning_days": -1}, "warning days must be 0 or more, not -1"),
            ({"warning_days": 3, "kind": "LUNCH"}, "unknown deadline kind 'LUNCH'"),
            ({"warning_days": 3, "agency": "nobody"}, "unknown agency 'nobody'"),
        ],
    )
    def test_bad_filters_are_named(self, deadline_store, calendar, kw, message):
        with pytest.raises(office.OfficeQueryError, match=message):
            office.deadlines_board(deadline_store, TODAY, calendar, **kw)


class TestMetadataOnly:
    def test_no_content_field_anywhere(self, board_zh, views, calendar):
        """No title, summary or party reaches the dashboard, the evidence, the exports or the
        board of the demo story (whose cases have all three)."""
        board = office.deadlines_board(views, date(2026, 12, 31), calendar, warning_days=3)
        evidence = [
            office.figure_evidence(board_zh, r.agency_id, f.indicator)
            for r in board_zh.ranking
            for f in r.indicators
        ]
        carried = " ".join(_strings([board_zh.ranking, evidence, board])).lower()
        fields = {f.name for cls in (office.OrganRanking, office.IndicatorFigure,
                                     office.EvidenceRow, office.BoardRow)
                  for f in dataclasses.fields(cls)}  # fmt: skip
        assert not {w for w in CONTENT_WORDS if w in fields}
        assert sum(len(rows) for _, rows in office.board_groups(board)) > 0
        book = load_workbook(io.BytesIO(office.ranking_xlsx(board_zh)))
        cells = " ".join(
            str(v) for ws in book for row in ws.iter_rows(values_only=True) for v in row if v
        )
        exported = (cells + office.ranking_csv(board_zh)).lower()
        for text in _story_content():
            assert text.lower() not in carried
            assert text.lower() not in exported


def _story_content():
    """The demo story's case titles and summaries, and every person's name and ID number."""
    from devkit.demo import story as demo  # noqa: PLC0415

    found = [*demo.PERSONAL_DATA]
    for step in demo.story():
        command = getattr(step, "command", None)
        for name in ("title", "summary"):
            value = getattr(command, name, None)
            if isinstance(value, str) and len(value) > 3:
                found.append(value)
    assert len(found) > len(demo.PERSONAL_DATA), "the story's titles were found to compare"
    return found
