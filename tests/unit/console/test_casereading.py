"""Reading a case in the console (console/casereading): the case as of a moment or a version,
what changed between two points, one event on demand, and the watermarked PDF."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from case_builders import MARKET, NATURAL, PROC, World, at, sqlite_env
from case_file_case import REFERENCE, Facts, build
from console.casereading import ReadingError, case_view, changes, event_detail, picker_value
from hub.audit.history import AuditError
from hub.cases import commands as c
from hub.presentation.casefile import CaseFile
from hub.presentation.names import Names
from hub.privacy.access import AUDITOR, Reader
from hub.privacy.reveal_views import ReadingLens
from hub.rules.clocks import TIMEZONE
from hub.settings import Settings
from hub.vocabulary import MajorFlag


@pytest.fixture(scope="module")
def facts(tmp_path_factory) -> Facts:
    return build(tmp_path_factory.mktemp("casereading"))


@pytest.fixture(scope="module")
def names(facts) -> Names:
    return Names.from_directory(facts.world.hub.directory())


@pytest.fixture(scope="module")
def auditor(facts) -> ReadingLens:
    return ReadingLens.for_settings(facts.world.settings, AUDITOR)


def _item(cf: CaseFile, starts: str):
    return next(i for s in cf.sections for i in s.items if i.name.startswith(starts))


def _missed_at(facts: Facts) -> datetime:
    day = facts.missed_due + timedelta(days=1)
    return datetime(day.year, day.month, day.day, 1, 0, tzinfo=TIMEZONE)


class TestAsOf:
    def test_before_the_missed_deadline_the_recommendation_is_still_in_time(
        self, facts, names, auditor
    ):
        """A minute before the miss was recorded: R-2 waits for its reply, nothing is late."""
        before = picker_value(_missed_at(facts) - timedelta(minutes=1))
        reading = case_view(facts.world.hub, REFERENCE, auditor, names, as_of=before, lang="zh")
        rec = _item(reading.file, "检察建议 R-2")
        assert rec.state == f"已签收，书面回复期限进行中 · 期限 {facts.missed_due}"
        deadline = _item(reading.file, "检察建议书面回复 R-2")
        assert deadline.state.startswith("期限未届满")
        page = " ".join(
            [i.state for s in reading.file.sections for i in s.items]
            + [e.said for e in reading.file.timeline]
        )
        assert "逾期" not in page
        assert reading.version < reading.latest_version
        assert reading.picker == before

    def test_at_the_missed_moment_the_deadline_reads_overdue(self, facts, names, auditor):
        """The picker's minute includes the event recorded in it."""
        at_miss = picker_value(_missed_at(facts))
        reading = case_view(facts.world.hub, REFERENCE, auditor, names, as_of=at_miss)
        assert _item(reading.file, "检察建议书面回复 R-2").state.startswith("已逾期，尚未办理")
        assert reading.versions[reading.version - 1].event == "逾期"

    def test_a_moment_before_registration_is_refused_in_words(self, facts, names, auditor):
        with pytest.raises(ReadingError) as zh:
            case_view(facts.world.hub, REFERENCE, auditor, names, as_of="2026-08-02T10:00")
        assert str(zh.value) == (
            f"案件 {REFERENCE} 在 2026-08-02 10:00 +08:00 尚未登记："
            "登记时间为 2026-08-03 09:00 +08:00"
        )
        with pytest.raises(ReadingError, match="did not exist yet"):
            case_view(facts.world.hub, REFERENCE, auditor, names, as_of="2026-08-02", lang="en")

    def test_a_future_moment_is_the_latest_version(self, facts, names, auditor):
        reading = case_view(facts.world.hub, REFERENCE, auditor, names, as_of="2099-01-01T00:00")
        assert reading.version == reading.latest_version
        assert reading.next is None

    def test_a_malformed_moment_says_what_to_type(self, facts, names, auditor):
        with pytest.raises(ReadingError, match="2026-10-15T16:00"):
            case_view(facts.world.hub, REFERENCE, auditor, names, as_of="yesterday", lang="en")

    def test_moment_and_version_together_are_refused(self, facts, names, auditor):
        with pytest.raises(ReadingError, match="not both"):
            case_view(
                facts.world.hub, REFERENCE, auditor, names, as_of="2026-09-01", version=2, lang="en"
            )


class TestVersionStepping:
    def test_the_stepper_walks_from_the_first_to_the_latest(self, facts, names, auditor):
        hub = facts.world.hub
        first = case_view(hub, REFERENCE, auditor, names, version=1)
        assert (first.previous, first.next) == (None, 2)
        assert first.file.timeline[-1].event == first.versions[0].event
        assert [v.version for v in first.versions] == list(range(1, first.latest_version + 1))
        assert first.picker == picker_value(datetime(2026, 8, 3, 9, tzinfo=TIMEZONE))
        last = case_view(hub, REFERENCE, auditor, names, version=first.latest_version)
        assert (last.previous, last.next) == (first.latest_version - 1, None)
        middle = case_view(hub, REFERENCE, auditor, names, version=3)
        assert (middle.previous, middle.next) == (2, 4)
        assert len(middle.file.timeline) == 3

    @pytest.mark.parametrize("version", [0, -1, 99])
    def test_a_version_the_case_never_had_is_refused(self, facts, names, auditor, version):
        with pytest.raises(ReadingError) as err:
            case_view(facts.world.hub, REFERENCE, auditor, names, version=version)
        assert str(err.value) == f"案件 {REFERENCE} 的版本为 1 至 12，没有版本 {version}"


class TestChanges:
    def test_the_late_reply_and_the_state_change_are_listed(self, facts, names, auditor):
        """From just after the miss to after the reply: the reply in words, R-2's state then and
        now, and the deadline met."""
        hub = facts.world.hub
        found = changes(
            hub,
            REFERENCE,
            auditor,
            names,
            from_point=picker_value(_missed_at(facts)),
            to_point="2026-10-15T16:00",
            lang="zh",
        )
        assert [e.event for e in found.events] == ["书面回复"]
        rec = next(c for c in found.items if c.name.startswith("检察建议 R-2"))
        assert rec.before == f"已签收，书面回复期限进行中 · 期限 {facts.missed_due}"
        assert rec.after == "已书面回复"
        assert any(n.startswith("书面回复逾期") for n in rec.notes_added)
        assert [(d.what, d.name.split(" ")[1]) for d in found.deadlines] == [("期限已履行", "R-2")]
        # in either order, the same changes
        swapped = changes(
            hub,
            REFERENCE,
            auditor,
            names,
            from_point="2026-10-15T16:00",
            to_point=picker_value(_missed_at(facts)),
        )
        assert swapped == found

    def test_the_miss_is_a_missed_deadline(self, facts, names, auditor):
        hub = facts.world.hub
        at_miss = case_view(hub, REFERENCE, auditor, names, as_of=picker_value(_missed_at(facts)))
        found = changes(
            hub,
            REFERENCE,
            auditor,
            names,
            from_point=at_miss.version - 1,
            to_point=at_miss.version,
            lang="en",
        )
        assert [d.what for d in found.deadlines] == ["deadline missed"]
        assert found.from_version == at_miss.version - 1

    def test_nothing_changed_between_a_point_and_itself(self, facts, names, auditor):
        found = changes(facts.world.hub, REFERENCE, auditor, names, from_point=4, to_point=4)
        assert (found.events, found.items, found.deadlines) == ((), (), ())


class TestEventDetail:
    def test_the_auditor_sees_the_fields_hashes_and_times(self, facts, names, auditor):
        hub = facts.world.hub
        detail = event_detail(hub, REFERENCE, 1, auditor, names, lang="zh")
        raw = hub.case_events(facts.world.case_id)[0]
        assert detail.event == "登记案件"
        assert detail.agency == "市市场监管局"
        assert (detail.content_hash, detail.prev_hash, detail.event_hash) == (
            raw.content_hash,
            raw.prev_hash,
            raw.event_hash,
        )
        assert detail.recorded == "2026-08-03 09:00:00 +08:00"
        assert detail.occurred.endswith("+08:00")
        assert not detail.masked
        assert {f.label: f.value for f in detail.fields}["title"] == "无证生产食品案"

    def test_a_version_out_of_range_is_refused(self, facts, names, auditor):
        with pytest.raises(ReadingError, match="no version 13"):
            event_detail(facts.world.hub, REFERENCE, 13, auditor, names, lang="en")


@pytest.fixture(scope="module")
def notified(tmp_path_factory) -> World:
    """A case whose information sharing (version 2) notifies natural resources, which takes no
    part in it."""
    tmp: Path = tmp_path_factory.mktemp("notified")
    w = World(sqlite_env(tmp), tmp)
    w.clock.set(at("2026-08-03", 9))
    w.register()
    w.clock.set(at("2026-08-03", 10))
    w.send(
        c.ShareInformation,
        MARKET,
        info_id="I-1",
        summary="Licence records of the workshop.",
        major=MajorFlag("N-1", "major", (PROC, NATURAL)),
    )
    return w


class TestNonParticipant:
    def test_an_officer_of_a_non_participant_agency_reads_the_event_masked(self, notified):
        """Natural resources, cleared only for PUBLIC, sees the notice that reached it: metadata,
        no content, no officer, no content hash."""
        settings = Settings(
            data_dir=notified.settings.data_dir, agency_clearances=f"{NATURAL}=PUBLIC"
        )
        lens = ReadingLens.for_settings(settings, Reader(NATURAL))
        names = Names.from_directory(notified.hub.directory())
        ref = f"{MARKET}/{notified.case_ref.case_number}"
        detail = event_detail(notified.hub, ref, 2, lens, names, lang="en")
        assert detail.masked
        shown = {f.label: f.value for f in detail.fields}
        assert shown["content"] == "content masked, metadata only"
        assert "summary" not in shown
        assert shown["info_id"] == "I-1"
        assert detail.content_hash == "—"
        assert detail.officer == "—"
        assert detail.event_hash  # the chain's hashes stay: anyone may check the chain
        # the auditor reads the same event whole
        whole = event_detail(
            notified.hub, ref, 2, ReadingLens.for_settings(settings, AUDITOR), names, lang="en"
        )
        assert not whole.masked
        assert "summary" in {f.label for f in whole.fields}

    def test_the_non_participant_steps_only_through_what_reached_it(self, notified):
        """Registration did not reach natural resources: no version 1 for it, and before the
        notice reached it the case had nothing for it, said in words."""
        lens = ReadingLens.for_settings(notified.settings, Reader(NATURAL))
        names = Names.from_directory(notified.hub.directory())
        ref = f"{MARKET}/{notified.case_ref.case_number}"
        reading = case_view(notified.hub, ref, lens, names, lang="en")
        assert [v.version for v in reading.versions] == [2]
        assert (reading.previous, reading.next) == (None, None)
        with pytest.raises(ReadingError, match=r"version 1 of case .* is not one you may read"):
            event_detail(notified.hub, ref, 1, lens, names, lang="en")
        with pytest.raises(ReadingError, match=r"nothing of case .* had reached you yet"):
            case_view(notified.hub, ref, lens, names, as_of="2026-08-03T09:30", lang="en")

    def test_an_agency_no_event_reached_cannot_read_the_case(self, notified):
        lens = ReadingLens.for_settings(notified.settings, Reader("rule-of-law-office"))
        names = Names.from_directory(notified.hub.directory())
        with pytest.raises(AuditError, match="not visible"):
            case_view(notified.hub, f"{MARKET}/{notified.case_ref.case_number}", lens, names)
