"""The auditor's tools over ``casehub.timeline`` entries, without a broker.

``entries_from_store`` gives the same ``TimelineEntry`` values the timeline's records decode to
(``consumers.records``), so a case rebuilt from them must give the store's history; the
verdicts against a published head name how the store's head departs from it.
"""

from __future__ import annotations

import dataclasses

import pytest

from consumers.records import entries_from_store
from hub.audit.history import AuditError, history, parse_case_ref, parse_moment
from hub.audit.rebuild import TimelineCase
from hub.audit.render import render_history
from hub.audit.verify import verify_all, verify_case

FOOD = "market-regulation/市监案〔2026〕001号"
LAND = "natural-resources/自然资案〔2026〕014号"


@pytest.fixture(scope="module")
def entries(story_app):
    return list(entries_from_store(story_app))


class TestTimelineCase:
    @pytest.mark.parametrize("ref", [FOOD, LAND])
    @pytest.mark.parametrize(
        "when",
        [{}, {"version": 1}, {"version": 5}, {"as_of": "2026-04-02"}, {"as_of": "2026-07-01"}],
    )
    def test_rebuilt_from_timeline_entries_it_is_the_stored_history(
        self, story_app, entries, ref, when
    ):
        """Events, hashes, payloads and the state at each version agree, in every format."""
        case = parse_case_ref(ref)
        kwargs = {k: parse_moment(v) if k == "as_of" else v for k, v in when.items()}
        try:
            stored = history(story_app, case, **kwargs)
        except AuditError as exc:
            with pytest.raises(AuditError, match=str(exc)[:40]):
                history(TimelineCase(case.case_id, entries), case, **kwargs)
            return
        rebuilt = history(TimelineCase(case.case_id, entries), case, **kwargs)
        assert rebuilt == stored
        for fmt in ("table", "json", "html"):
            assert render_history(rebuilt, fmt, "zh") == render_history(stored, fmt, "zh")

    def test_a_gap_in_the_timeline_is_named(self, entries, food):
        """A version missing from what the timeline carries: an AuditError saying which."""
        mine = [e for e in entries if e.case_id == str(food.case_id) and e.version != 4]
        with pytest.raises(AuditError, match="the timeline lacks version 4 of case"):
            TimelineCase(food.case_id, mine)

    def test_a_broken_link_on_the_timeline_is_named(self, entries, food):
        """An entry whose prev_hash is not its predecessor's hash: the version is named."""
        mine = [e for e in entries if e.case_id == str(food.case_id)]
        mine[6] = dataclasses.replace(mine[6], prev_hash="0" * 64)
        with pytest.raises(AuditError, match=r"chain of case .* breaks at version 7"):
            TimelineCase(food.case_id, mine)


class TestAnchoredVerdicts:
    def _head(self, story_app, food):
        report = story_app.verify_chain(food.case_id)
        return report.events, report.head

    def test_the_published_head_agrees(self, story_app, food):
        """Same version, same hash: ok."""
        published = {str(food.case_id): self._head(story_app, food)}
        verdict = verify_case(story_app, food, published, anchor="kafka")
        assert verdict.ok
        assert verdict.line().startswith(f"ok {food}: 17 event(s)")

    @pytest.mark.parametrize(
        ("shift", "digest", "words"),
        [
            (1, "f" * 64, "behind the timeline: the store ends at version 17"),
            (-1, None, "ahead of the timeline: the store ends at version 17"),
            (0, "e" * 64, "different from the timeline: the store ends at version 17"),
        ],
    )
    def test_the_store_head_behind_ahead_or_different(self, story_app, food, shift, digest, words):
        """A head the timeline does not carry: BROKEN, saying how the store departs from it."""
        version, head = self._head(story_app, food)
        published = {str(food.case_id): (version + shift, digest or head)}
        verdict = verify_case(story_app, food, published, anchor="kafka")
        assert not verdict.ok
        assert words in verdict.line()

    def test_a_case_only_the_timeline_carries_is_reported(self, story_app, food):
        """--all with the timeline as anchor also lists a case gone from the store."""
        other = "6f1c2a4e-0000-5000-8000-000000000001"
        published = {str(food.case_id): self._head(story_app, food), other: (3, "a" * 64)}
        labels = {other: "market-regulation/GONE-1"}
        verdicts = verify_all(
            story_app,
            [(food.case_id, str(food))],
            published,
            anchor="kafka",
            published_labels=labels,
        )
        assert [v.ok for v in verdicts] == [True, False]
        assert verdicts[1].line() == (
            "BROKEN market-regulation/GONE-1: the store's head is behind the timeline: "
            "the store holds no event of it but the timeline carries version 3 "
            f"(hash {'a' * 16}…)"
        )
