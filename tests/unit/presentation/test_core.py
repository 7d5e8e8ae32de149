"""The presentation layer's core: local time with its zone, names, words, aligned tables."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from hub.presentation import clock, words
from hub.presentation.names import Names
from hub.presentation.table import display_width, text_table


class TestClock:
    def test_a_utc_instant_reads_on_shanghais_clock_with_its_offset(self) -> None:
        """A deadline missed at 01:00 on 9 October in Shanghai does not read as 8 October."""
        missed = datetime(2026, 10, 8, 17, 0, tzinfo=UTC)
        assert clock.moment(missed) == "2026-10-09 01:00 +08:00"
        assert clock.moment(missed, seconds=True) == "2026-10-09 01:00:00 +08:00"

    def test_a_moment_without_a_zone_is_refused(self) -> None:
        """A naive time would be read on whatever clock the machine has: refused."""
        with pytest.raises(ValueError, match="must carry its zone"):
            clock.moment(datetime(2026, 10, 8, 17, 0))  # noqa: DTZ001 - the point of the test

    def test_a_missing_moment_or_day_is_a_dash(self) -> None:
        """Nothing on the record shows as a dash, not as "None"."""
        assert clock.moment(None) == clock.NONE
        assert clock.day(None) == clock.NONE

    def test_a_day_is_a_calendar_day(self) -> None:
        """A due day shows as the day; a moment given as a day is that moment's local day."""
        assert clock.day(date(2026, 10, 8)) == "2026-10-08"
        assert clock.day(datetime(2026, 10, 8, 17, 0, tzinfo=UTC)) == "2026-10-09"

    def test_the_zone_note_names_the_zone_in_both_languages(self) -> None:
        """Every page says which clock its times are on."""
        assert "Asia/Shanghai" in clock.zone_note("zh")
        assert "北京时间" in clock.zone_note("zh")
        assert "UTC+08:00" in clock.zone_note("en")


class TestNames:
    def test_agencies_are_named_from_the_directory_and_fall_back_on_their_id(self) -> None:
        """A named agency reads by its name; an unknown one by its id, not an error."""
        names = Names({"market-regulation": ("市市场监督管理局", "Market Regulation Bureau")})
        assert names.agency("market-regulation", "zh") == "市市场监督管理局"
        assert names.agency("market-regulation", "en") == "Market Regulation Bureau"
        assert names.agency("unknown-bureau", "zh") == "unknown-bureau"
        assert names.agency("hub", "zh") == "平台"

    def test_several_agencies_use_each_languages_separator(self) -> None:
        """Chinese lists use 、 between names."""
        names = Names({"a": ("甲局", "Bureau A"), "b": ("乙局", "Bureau B")})
        assert names.agencies_of(["a", "b"], "zh") == "甲局、乙局"
        assert names.agencies_of(["a", "b"], "en") == "Bureau A, Bureau B"

    def test_cases_read_as_their_reference(self) -> None:
        """A case in view reads as agency/number, by UUID or its text; others as their id."""
        case_id, other = uuid4(), uuid4()
        names = Names(cases={case_id: "ecology-environment/C1"})
        assert names.case(case_id) == "ecology-environment/C1"
        assert names.case(str(case_id)) == "ecology-environment/C1"
        assert names.case(other) == str(other)
        assert names.case("not-a-uuid") == "not-a-uuid"


class TestWords:
    @pytest.mark.parametrize(
        ("process", "value"),
        [
            ("recommendation", s)
            for s in ("ISSUED", "SERVED", "RECEIVED", "OBJECTED", "REPLIED", "CLOSED")
        ]
        + [("assistance", s) for s in ("OPEN", "COMPLETED", "DECLINED")]
        + [("dispute", s) for s in ("OPEN", "RESOLVED", "WITHDRAWN", "REFERRED_TO_LITIGATION")]
        + [("deadline", s) for s in ("OPEN", "OVERDUE", "MET", "MET_LATE", "CANCELLED")],
    )
    def test_every_status_has_words_in_both_languages(
        self, process: words.Process, value: str
    ) -> None:
        """No status reaches a reader as its code."""
        zh, en = words.status(process, value, "zh"), words.status(process, value, "en")
        assert value not in (zh, en)
        assert zh != en

    def test_an_unknown_status_shows_as_itself(self) -> None:
        """A status this layer has no words for is shown, not lost."""
        assert words.status("recommendation", "NEW_STATE", "en") == "NEW_STATE"

    def test_review_outcomes_classifications_and_counts_read_as_words(self) -> None:
        """An AMENDED review says what it did; counts read as sentences."""
        assert "amended" in words.review_outcome("AMENDED", "en")
        assert words.classification("CONFIDENTIAL", "zh").startswith("机密")
        assert words.working_days_late(3, "zh") == "逾期 3 个工作日"
        assert words.working_days_left(0, "en") == "due today"
        assert "holiday" in words.provisional_note("en")


class TestTable:
    def test_chinese_cells_count_two_columns(self) -> None:
        """市场 takes four terminal columns."""
        assert display_width("市场") == 4
        assert display_width("ab") == 2

    def test_columns_align_with_mixed_chinese_and_latin(self) -> None:
        """The second column starts at the same terminal column on every line."""
        out = text_table(["单位", "n"], [["市市场监督管理局", "1"], ["ab", "22"]])
        lines = out.splitlines()
        starts = {display_width(line[: line.rindex(" ") + 1]) for line in lines if line[-1] != "-"}
        assert len(starts) == 1

    def test_a_ragged_row_is_refused(self) -> None:
        with pytest.raises(ValueError, match="one cell per column"):
            text_table(["a", "b"], [["1"]])
