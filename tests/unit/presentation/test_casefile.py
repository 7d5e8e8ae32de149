"""The case file's model: every state, clock, outcome and lateness in words, times on the local
clock with the zone, agencies by name, the hashes in the appendix (hub/presentation/casefile)."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest

from case_file_case import REFERENCE, TITLE, Facts, build
from hub.audit.history import history, parse_case_ref
from hub.audit.render import render_history
from hub.presentation.casefile import CaseFile, Chain, case_file, shorten
from hub.presentation.casefile_html import casefile_html
from hub.presentation.casefile_text import casefile_text
from hub.presentation.names import Names
from hub.rules.calendar import WorkingDayCalendar


@pytest.fixture(scope="module")
def facts(tmp_path_factory) -> Facts:
    return build(tmp_path_factory.mktemp("casefile"))


@pytest.fixture(scope="module")
def found(facts):
    return history(facts.world.hub, parse_case_ref(REFERENCE))


@pytest.fixture(scope="module")
def names(facts) -> Names:
    return Names.from_directory(facts.world.hub.directory())


def _item(cf: CaseFile, starts: str):
    return next(i for s in cf.sections for i in s.items if i.name.startswith(starts))


class TestHeader:
    def test_the_case_its_agencies_and_level_read_in_words(self, found, names):
        """Agencies by their directory names, the classification in words, the version."""
        cf = case_file(found, names, "zh", chain=Chain(ok=True, line="ok"))
        header = {f.label: f.value for f in cf.header}
        assert header["案件"] == REFERENCE
        assert header["标题"] == TITLE
        assert header["主办单位"] == "市市场监管局"
        assert "市自然资源局" in header["参与单位"]
        assert header["密级"] == "内部"
        assert header["防篡改哈希链"] == "哈希链完整"
        assert header["版本"] == "12 / 12"

    def test_the_notes_name_the_clock_and_explain_provisional(self, found, names):
        """The zone is said once; a provisional due day on the page brings its explanation."""
        cf = case_file(found, names, "en")
        assert cf.notes[0] == "Times are local time in Asia/Shanghai (UTC+08:00)"
        assert any(n.startswith("provisional: the year's official holiday") for n in cf.notes)


class TestProceedings:
    def test_an_amended_review_shows_its_outcome_and_the_provisional_due_day(
        self, facts, found, names
    ):
        """After AMENDED: the state and the new due day with its flag, and the outcome."""
        rec = _item(case_file(found, names, "zh"), "检察建议 R-1")
        assert rec.name == "检察建议 R-1 → 市市场监管局"
        assert rec.state == f"已签收，书面回复期限进行中 · 期限 {facts.amended_due}（暂定）"
        assert "异议复核结果: 变更检察建议，重新确定回复期限" in rec.notes
        en = _item(case_file(found, names, "en"), "recommendation R-1")
        assert f"reply due {facts.amended_due} (provisional)" in en.state
        assert "objection reviewed: recommendation amended, reply due day reset" in en.notes

    def test_a_late_reply_says_how_many_working_days_late(self, facts, found, names):
        """A reply after its due day reads as N working days late, with its local time."""
        rec = _item(case_file(found, names, "en"), "recommendation R-2")
        assert rec.state == "written reply received"
        late = next(n for n in rec.notes if n.startswith("replied "))
        assert late == f"replied 6 working day(s) late ({facts.replied_at})"
        zh = _item(case_file(found, names, "zh"), "检察建议 R-2")
        assert f"书面回复逾期 6 个工作日（{facts.replied_at}）" in zh.notes

    def test_lateness_is_counted_on_the_hubs_own_calendar(self, facts, found, names):
        """The operator's calendar decides the working days: on one where every day works,
        the same late reply is late by every calendar day after its due day."""

        class EveryDayWorks(WorkingDayCalendar):
            def is_working_day(self, day: date) -> bool:  # noqa: ARG002 - every day
                return True

        replied = date.fromisoformat(facts.replied_at[:10])
        calendar_days = (replied - facts.missed_due).days
        assert calendar_days != 6  # the default calendar's count, above
        rec = _item(case_file(found, names, "en", calendar=EveryDayWorks()), "recommendation R-2")
        late = next(n for n in rec.notes if n.startswith("replied "))
        assert late == f"replied {calendar_days} working day(s) late ({facts.replied_at})"

    def test_each_deadline_says_whether_it_is_still_open(self, facts, found, names):
        """Open (provisional) and met late, in words, with the due day."""
        cf = case_file(found, names, "zh")
        section = next(s for s in cf.sections if s.title == "期限")
        deadlines = {i.name: i.state for i in section.items}
        assert deadlines["检察建议书面回复 R-1 · 市市场监管局"] == (
            f"期限未届满 · 期限 {facts.amended_due}（暂定）"
        )
        assert deadlines["检察建议书面回复 R-2 · 市自然资源局"] == (
            f"逾期办理 · 期限 {facts.missed_due}"
        )


class TestTimeline:
    def test_a_miss_recorded_at_one_in_the_morning_reads_on_the_local_clock(
        self, facts, found, names
    ):
        """The miss shows at 01:00 +08:00 the next day, by 平台, with the due day it missed."""
        missed = next(e for e in case_file(found, names, "zh").timeline if e.event == "逾期")
        assert missed.recorded == facts.missed_at
        assert missed.agency == "平台"
        assert f"期限 {facts.missed_due}" in missed.said

    def test_the_review_says_its_outcome_and_the_reply_its_lateness(self, found, names):
        """The event line carries what decided the state, not only the event's name."""
        timeline = case_file(found, names, "en").timeline
        review = next(e for e in timeline if e.event == "objection reviewed")
        assert "recommendation amended, reply due day reset" in review.said
        reply = next(e for e in timeline if e.event == "written reply")
        assert reply.said.startswith("R-2 · partly adopted · late")
        assert reply.agency == "Natural Resources Bureau"

    def test_long_lines_are_cut_by_display_width(self):
        """Chinese counts two columns; a cut line ends with an ellipsis."""
        assert shorten("短", 10) == "短"
        cut = shorten("检察建议" * 10, 9)
        assert cut == "检察建议…"


class TestAppendix:
    def test_hashes_and_raw_fields_are_in_the_appendix_only(self, found, names):
        """The appendix holds each event's links and payload; the timeline shows none of it."""
        cf = case_file(found, names, "en")
        first = cf.appendix[0]
        assert first.prev_hash == "0" * 64
        assert cf.appendix[1].prev_hash == first.event_hash
        assert json.loads(first.payload)["title"] == TITLE
        text = casefile_text(cf)
        assert first.event_hash not in text


class TestOutputs:
    def test_the_history_table_says_what_the_json_only_said(self, facts, found, names):
        """The `audit history` table: outcome, lateness, the provisional flag, local times."""
        table = render_history(found, "table", "en", names)
        assert "objection reviewed: recommendation amended, reply due day reset" in table
        assert "replied 6 working day(s) late" in table
        assert f"reply due {facts.amended_due} (provisional)" in table
        assert f"{facts.missed_at}  the hub" in table
        assert re.search(r"the hub +scheduler +deadline missed \(overdue\)", table)  # officer
        assert "Times are local time in Asia/Shanghai (UTC+08:00)" in table

    def test_the_json_says_which_deadlines_are_open(self, found):
        """`case.deadlines[].state`: open, overdue, met, met_late or cancelled, as data."""
        data = json.loads(render_history(found, "json", "en"))
        states = {d["target_id"]: d["state"] for d in data["case"]["deadlines"]}
        assert states == {"R-1": "open", "R-2": "met_late"}
        r1 = next(d for d in data["case"]["deadlines"] if d["target_id"] == "R-1")
        assert r1["provisional"] is True
        assert r1["missed"] is False  # the existing fields stay

    def test_the_html_case_file_is_printable_and_keeps_hashes_apart(self, found, names):
        """A4 with the classification in the page margins; hashes wrap in the appendix."""
        page = casefile_html(case_file(found, names, "zh"))
        assert "size:A4" in page
        assert '@top-center{content:"密级: 内部 · market-regulation/市监罚〔2026〕1号"' in page
        assert "@bottom-center" in page
        assert '<section class="appendix">' in page
        timeline = page.split('<table class="timeline">')[1].split("</table>")[0]
        assert found.events[0].event_hash not in timeline
        assert "案件状态" not in page  # no raw JSON dump of the aggregate
        assert "<script" not in page

    def test_a_case_number_cannot_break_out_of_the_page_style(self, found, names):
        """The banner in CSS escapes quotes and angle brackets."""
        cf = case_file(found, names, "en")
        hostile = cf.__class__(**{**_fields(cf), "reference": 'x"</style><script>'})
        page = casefile_html(hostile)
        assert "</style><script>" not in page


def _fields(cf: CaseFile) -> dict[str, object]:
    return {name: getattr(cf, name) for name in cf.__dataclass_fields__}
