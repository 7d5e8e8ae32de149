"""Running views: replay from the store, the Kafka consumer loop (with a fake consumer), the CLI."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest

from consumers import audit_trail, rejections
from consumers.runner import (
    ProgressBar,
    UnknownViewError,
    ViewFeed,
    catch_up,
    group_id,
    views_named,
)
from consumers.store import SQLiteViewStore
from hub.cli import main
from hub.kafka.records import Record
from hub.presentation.table import display_width
from hub.rules.clocks import local_date
from hub.topics import DEADLETTER, TIMELINE
from relay_mapping import relay_records


@pytest.fixture(scope="module")
def published(story_app):
    """The story as the relay publishes it: (topic, value) in notification order."""
    return [
        (r.topic, r.value)
        for _nid, _event, records in relay_records(story_app)
        for r in records
        if r.topic in (TIMELINE, DEADLETTER)
    ]


@pytest.fixture
def store(tmp_path):
    store = SQLiteViewStore(str(tmp_path / "views.sqlite"))
    yield store
    store.close()


class TestReplayFromTheStore:
    def test_catching_up_twice_applies_nothing_new(self, story_app, store):
        """A second catch-up starts after the stored position and applies nothing."""
        first = catch_up(story_app, store, audit_trail.VIEW)
        assert first > 40
        assert catch_up(story_app, store, audit_trail.VIEW) == 0

    def test_the_progress_bar_ends_its_line_when_done(self):
        """The progress bar rewrites one line on its stream and ends it at 100%."""
        stream = io.StringIO()
        bar = ProgressBar("rebuild audit", stream=stream)
        bar(50, 100)
        bar(100, 100)
        text = stream.getvalue()
        assert "rebuild audit [" in text
        assert "100% 100/100" in text
        assert text.endswith("\n")

    def test_an_unknown_view_is_named_in_the_error(self):
        """Asking for a view that does not exist lists the ones that do."""
        with pytest.raises(UnknownViewError, match=r"nope.*audit, timelines"):
            views_named(["nope"])
        assert group_id(audit_trail.VIEW) == "casehub-view-audit"


class TestKafkaConsumerLoop:
    def test_timeline_records_feed_the_view_and_commit_offsets(self, published, story_app, store):
        """Relay bytes become rows; the database position and then Kafka's offset advance."""
        commits = []
        feed = ViewFeed(audit_trail.VIEW, store, TIMELINE, commit=commits.append)
        store.ensure(audit_trail.VIEW)
        partition = (TIMELINE, 0)
        assert feed.starts([partition]) == {partition: None}
        values = [v for topic, v in published if topic == TIMELINE]
        records = [Record(TIMELINE, 0, offset, None, value) for offset, value in enumerate(values)]
        feed.handle(partition, records[:10])
        feed.handle(partition, records[5:])  # a redelivery overlapping the first batch
        assert store.position(f"audit:{TIMELINE}:0") == len(values) - 1
        assert commits[-1] == {partition: len(values)}
        from_kafka = store.snapshot(audit_trail.VIEW)
        other = SQLiteViewStore(str(store.path) + ".rebuilt")
        catch_up(story_app, other, audit_trail.VIEW)
        assert other.snapshot(audit_trail.VIEW) == from_kafka
        other.close()
        assert feed.starts([partition]) == {partition: len(values)}
        assert feed.lag(lambda _p: len(values) + 3, lambda _p: None) == 3
        # The consumer's position past the commit marker after the last record: caught up.
        assert feed.lag(lambda _p: len(values) + 1, lambda _p: len(values) + 1) == 0

    def test_an_undecodable_record_is_skipped_but_its_offset_kept(self, published, store):
        """Bytes that are not a dead letter are logged and passed over; the partition moves on."""
        feed = ViewFeed(rejections.VIEW, store, DEADLETTER)
        store.ensure(rejections.VIEW)
        letters = [v for topic, v in published if topic == DEADLETTER]
        records = [Record(DEADLETTER, 2, 0, None, b"garbage")]
        records += [Record(DEADLETTER, 2, i + 1, None, v) for i, v in enumerate(letters)]
        feed.handle((DEADLETTER, 2), records)
        assert len(store.rows(rejections.VIEW, "letters")) == len(letters)
        assert store.position(f"rejections:{DEADLETTER}:2") == len(letters)


class TestCommandLine:
    def test_rebuild_replays_the_store_with_a_progress_bar(self, data_dir, capsys):
        """`casehub consumers rebuild audit` drops, replays, and reports the rate and rows."""
        assert main(["consumers", "rebuild", "audit"]) == 0
        out, err = capsys.readouterr()
        assert "audit: rebuilt from store" in out
        assert "rows: events" in out
        assert "rebuild audit [" in err
        assert (data_dir / "views.sqlite").exists()
        assert main(["consumers", "status", "audit"]) == 0
        assert "audit:store=" in capsys.readouterr().out

    @pytest.mark.usefixtures("data_dir")
    def test_an_unknown_view_is_one_line_and_exit_2(self, capsys):
        """A bad view name is a one-line error, not a stack trace."""
        assert main(["consumers", "rebuild", "nope"]) == 2
        err = capsys.readouterr().err
        assert err.startswith("casehub: error: unknown view(s) nope")
        assert "Traceback" not in err

    @pytest.mark.usefixtures("data_dir")
    def test_missed_and_late_deadlines_are_listed(self, capsys):
        """`consumers deadlines` lists what is open or was late: an aligned table with the case
        as agency/number, the agency by name, the state and the working days late in words."""
        assert main(["consumers", "rebuild", "deadlines"]) == 0
        capsys.readouterr()
        assert main(["consumers", "deadlines", "--today", "2026-12-31", "--lang", "en"]) == 0
        lines = capsys.readouterr().out.splitlines()
        notice = next(line for line in lines if "TB-2026-001" in line)
        reply = next(line for line in lines if "JJ-2026-02" in line)
        for words in ("met late", "3 working day(s) late", "notice acknowledgment"):
            assert words in notice
        assert "City Natural Resources Bureau" in notice
        assert "market-regulation/市监案〔2026〕001号" in notice
        assert "natural-resources/自然资案〔2026〕014号" in reply
        assert "7 working day(s) late" in reply
        assert "miss recorded" in reply
        assert "case " not in reply
        assert lines[-1] == (
            "2 deadline(s); days counted from 2026-12-31 "
            "(given by --today, not today's date on this machine)"
        )
        assert main(["consumers", "deadlines", "--today", "soon"]) == 2

    @pytest.mark.usefixtures("data_dir")
    def test_an_unknown_agency_is_named_not_an_empty_table(self, capsys):
        """--agency with an id the directory does not know is an error naming the known ones."""
        assert main(["consumers", "rebuild", "deadlines"]) == 0
        capsys.readouterr()
        assert main(["consumers", "deadlines", "--agency", "natural-resource"]) == 2
        err = capsys.readouterr().err
        assert "--agency 'natural-resource' is not an agency of the directory" in err
        assert "natural-resources" in err
        assert main(["consumers", "deadlines", "--agency", "natural-resources"]) == 0
        assert "市自然资源局" in capsys.readouterr().out

    @pytest.mark.usefixtures("data_dir")
    def test_deadlines_read_in_chinese_aligned(self, capsys):
        """In Chinese every line is Chinese (no "case", no "deadline(s) as of"), the columns
        line up on the terminal, and the footer says the day is today's on this machine."""
        assert main(["consumers", "rebuild", "deadlines"]) == 0
        capsys.readouterr()
        assert main(["consumers", "deadlines", "--lang", "zh"]) == 0
        out = capsys.readouterr().out
        lines = out.splitlines()
        assert lines[0].split() == [
            "到期日",
            "状态",
            "工作日",
            "期限事项",
            "编号",
            "应办机关",
            "案件",
            "办理日",
            "标记",
        ]
        rows = lines[2:4]
        assert all("逾期办理" in r and "市自然资源局" in r for r in rows)
        # the case column starts at the same terminal column on the header and every row
        starts = {display_width(lines[0][: lines[0].index("案件")])}
        for row in rows:
            found = [row.index(a) for a in ("market-regulation/", "natural-resources/") if a in row]
            starts.add(display_width(row[: found[0]]))
        assert len(starts) == 1
        today = local_date(datetime.now(UTC)).isoformat()
        assert lines[-1] == f"共 2 项期限；天数按 {today} 计算（本机今日日期，Asia/Shanghai）"
        for english in ("case", "deadline", "as of", "met", "late", "*"):
            assert english not in out.replace("market-regulation", "").replace(
                "natural-resources", ""
            ), english

    @pytest.mark.usefixtures("data_dir")
    def test_a_case_timeline_reads_in_order(self, capsys):
        """`consumers timeline REF` prints the case's events as sentences, oldest first."""
        assert main(["consumers", "rebuild", "timelines"]) == 0
        capsys.readouterr()
        land = "natural-resources/自然资案〔2026〕014号"
        assert main(["consumers", "timeline", land, "--lang", "zh"]) == 0
        lines = capsys.readouterr().out.splitlines()
        assert lines[0] == f"案件 {land} 的时间线"
        assert lines[3].startswith("1 ")
        assert "市自然资源局: 登记案件" in lines[3]
        assert any("逾期" in line and "检察建议书面回复" in line for line in lines)
        assert main(["consumers", "timeline", "natural-resources/none"]) == 2

    @pytest.mark.usefixtures("data_dir")
    def test_a_case_timeline_shows_local_time_with_its_zone(self, capsys):
        """A deadline missed at 01:00 on 16 June (Asia/Shanghai) reads as 06-16 01:00 +08:00,
        not as the UTC evening of its own due day; agencies read by their names."""
        assert main(["consumers", "rebuild", "timelines"]) == 0
        capsys.readouterr()
        land = "natural-resources/自然资案〔2026〕014号"
        assert main(["consumers", "timeline", land, "--lang", "en"]) == 0
        out = capsys.readouterr().out
        missed = next(line for line in out.splitlines() if "deadline missed" in line)
        assert "2026-06-16 01:00 +08:00" in missed
        assert "agency=City Natural Resources Bureau" in missed
        assert "+00:00" not in out
        assert out.splitlines()[-1] == "Times are local time in Asia/Shanghai (UTC+08:00)"
