"""What `audit verify` finds wrong on casehub.timeline itself: a version carried twice, or
versions below the head it lacks, each with the offsets to look at."""

from __future__ import annotations

from uuid import uuid4

from hub.audit.timeline import Head
from hub.audit.verify import Verdict
from hub.cases.views import ChainReport

CASE = uuid4()


def head(positions: dict[int, tuple[tuple[int, int], ...]]) -> Head:
    return Head(CASE, max(positions), "ab" * 32, "market-regulation/1", positions)


class TestFindings:
    def test_a_whole_timeline_has_none(self):
        assert head({1: ((0, 4),), 2: ((0, 9),), 3: ((0, 12),)}).findings() == []

    def test_a_version_carried_twice_names_both_offsets(self):
        found = head({1: ((0, 4),), 2: ((0, 9), (0, 40)), 3: ((0, 12),)}).findings()
        twice = "casehub.timeline carries version 2 2 times"
        assert found == [f"{twice} (partition 0 offset 9, partition 0 offset 40)"]

    def test_lacking_versions_are_named_as_runs_with_their_neighbours(self):
        found = head({1: ((1, 4),), 4: ((1, 9),), 6: ((1, 12),)}).findings()
        at = {v: f"version {v} at partition 1 offset {o}" for v, o in ((1, 4), (4, 9), (6, 12))}
        assert found == [
            f"casehub.timeline lacks versions 2–3 (it carries {at[1]} and {at[4]})",
            f"casehub.timeline lacks version 5 (it carries {at[4]} and {at[6]})",
        ]


class TestVerdict:
    def test_a_timeline_finding_breaks_an_intact_chain(self):
        """The store's chain and head agree with the timeline, yet a version is on it twice."""
        report = ChainReport(CASE, 3, "ab" * 32, None)
        finding = "casehub.timeline carries version 2 2 times (partition 0 offset 9, …)"
        verdict = Verdict(CASE, "market-regulation/1", report, (3, "ab" * 32), "kafka", (finding,))
        assert not verdict.ok
        assert verdict.line() == f"BROKEN market-regulation/1: {finding}"
