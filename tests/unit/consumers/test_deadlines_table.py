"""`consumers deadlines` as a person reads it: states and flags in words, names, the footer; and
a view store that notices a view built before a table was added to it."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest

from consumers import deadlines
from consumers.store import SQLiteViewStore, Table, View
from consumers.tables import deadlines_table
from hub.errors import SetupError
from hub.presentation.names import Names
from hub.presentation.table import display_width

CASE = UUID("612dd198-0000-4000-8000-000000000001")
NAMES = Names(
    agencies={"ecology-environment": ("市生态环境局", "City Ecology and Environment Bureau")},
    cases={CASE: "ecology-environment/C1"},
)


def status(**kw):
    base = {
        "case_id": str(CASE),
        "kind": "ASSISTANCE_RESPONSE",
        "target_id": "XZ-1",
        "agency": "ecology-environment",
        "due_date": date(2027, 1, 15),
        "provisional": False,
        "status": deadlines.OPEN,
        "closed_on": None,
        "missed": False,
        "days_remaining": 5,
        "working_days_late": 0,
        "working_days_left": 4,
    }
    return deadlines.DeadlineStatus(**{**base, **kw})


class TestDeadlinesTable:
    def test_a_provisional_due_day_is_a_word_explained_once_below(self):
        """No bare `*`: the flag is a word in its own column and its meaning is said once."""
        found = [status(provisional=True), status(target_id="XZ-2", provisional=True)]
        out = deadlines_table(found, NAMES, "en", date(2027, 1, 8), given=True)
        assert "*" not in out
        assert out.count("provisional") == 3  # two flags, one note
        assert "may move once it is" in out.splitlines()[-2]
        zh = deadlines_table(found, NAMES, "zh", date(2027, 1, 8), given=True)
        assert zh.count("暂定") == 3
        assert zh.splitlines()[-2].startswith("暂定：所涉年份的节假日安排尚未公布")

    def test_open_and_overdue_deadlines_in_words_with_working_days(self):
        """An open deadline says the working days left; an overdue one how many late."""
        found = [
            status(),
            status(target_id="XZ-0", working_days_late=2, working_days_left=0, missed=True),
        ]
        out = deadlines_table(found, NAMES, "en", date(2027, 1, 8), given=False)
        open_line = next(line for line in out.splitlines() if "XZ-1" in line)
        late_line = next(line for line in out.splitlines() if "XZ-0" in line)
        assert "open" in open_line
        assert "4 working day(s) left" in open_line
        assert "overdue, not yet done" in late_line
        assert "2 working day(s) late" in late_line
        assert "miss recorded" in late_line
        for line in (open_line, late_line):
            assert "ecology-environment/C1" in line
            assert "City Ecology and Environment Bureau" in line
            assert "612dd198" not in line
        assert out.splitlines()[-1] == (
            "2 deadline(s); days counted from 2027-01-08 "
            "(today's date on this machine, Asia/Shanghai)"
        )

    def test_chinese_columns_stay_aligned(self):
        """Every row's cells start at the header's columns, counted in terminal columns."""
        found = [status(), status(target_id="XZ-0", working_days_late=12, working_days_left=0)]
        lines = deadlines_table(found, NAMES, "zh", date(2027, 1, 8), given=False).splitlines()
        column = {
            display_width(line[: line.index(word)])
            for line, word in [(lines[0], "案件"), (lines[2], "ecology"), (lines[3], "ecology")]
        }
        assert len(column) == 1

    def test_nothing_to_show_says_so_in_the_language(self):
        out = deadlines_table([], NAMES, "zh", date(2027, 1, 8), given=True)
        assert out.splitlines() == [
            "没有未届满、已逾期或逾期办理的期限",
            "共 0 项期限；天数按 2027-01-08 计算（由 --today 指定，非本机今日日期）",
        ]


class TestAViewBuiltByAnOlderVersion:
    OLD = View("probe", (Table("items", ("k", "v"), key=("k",)),), lambda _: [])
    NEW = View(
        "probe",
        (Table("items", ("k", "v"), key=("k",)), Table("names", ("k", "n"), key=("k",))),
        lambda _: [],
    )

    def test_a_table_added_since_the_view_was_built_asks_for_a_rebuild(self, tmp_path):
        """A view built before a table was added cannot fill it: say so, and how to fix it."""
        store = SQLiteViewStore(str(tmp_path / "views.sqlite"))
        try:
            store.ensure(self.OLD)
            with pytest.raises(SetupError, match=r"has no table probe_names.*rebuild probe"):
                store.ensure(self.NEW)
            store.drop(self.NEW)
            store.ensure(self.NEW)  # what a rebuild does: drop, then create every table
            assert store.count(self.NEW, "names") == 0
        finally:
            store.close()

    def test_the_deadlines_view_of_the_previous_version_asks_for_a_rebuild(self, tmp_path):
        """The deadlines view before it kept case references and agency names: rebuild it."""
        store = SQLiteViewStore(str(tmp_path / "views.sqlite"))
        try:
            old = View("deadlines", (deadlines.ITEMS,), deadlines.changes)
            store.ensure(old)
            with pytest.raises(SetupError, match="consumers rebuild deadlines"):
                store.ensure(deadlines.VIEW)
        finally:
            store.close()
