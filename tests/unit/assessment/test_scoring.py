"""The annual assessment of the demo year: indicators, evidence, ranking, weights."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from hub.assessment import model as m
from hub.assessment.config import load_config
from hub.assessment.scoring import NoAssessmentDataError, score_year

GENERATED = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)


def figures(card, agency):
    organ = next(o for o in card.organs if o.organ.agency_id == agency)
    return organ, {f.indicator: f for f in organ.figures}


class TestDemoRanking:
    def test_market_regulation_ranks_above_natural_resources(self, card):
        """The organ that replied on time, adopted and rectified ranks above the one that didn't."""
        order = [o.organ.agency_id for o in card.organs]
        assert order.index("market-regulation") < order.index("natural-resources")
        assert order[0] == "market-regulation"
        assert [o.rank for o in card.organs] == list(range(1, len(order) + 1))

    def test_only_administrative_organs_are_assessed(self, card):
        """The procuratorate, Justice Bureau and Rule-of-Law Office are not scored."""
        assert {o.organ.agency_id for o in card.organs} == {
            "market-regulation",
            "natural-resources",
            "ecology-environment",
        }

    def test_market_regulation_figures(self, card):
        """Replied on time, adopted, rectified, assistance answered on time: full marks."""
        organ, f = figures(card, "market-regulation")
        for name in ("reply_on_time", "adoption", "rectification", "assistance_on_time"):
            assert f[name].value == 1.0, name
        assert f["declines"].value == 1.0
        assert f["notice_ack_on_time"].value is None  # it sent the notice
        assert organ.score == 100.0

    def test_natural_resources_figures(self, card):
        """Missed the reply deadline, partly adopted, not rectified, acknowledged 3 days late."""
        organ, f = figures(card, "natural-resources")
        assert (f["reply_on_time"].numerator, f["reply_on_time"].denominator) == (0.0, 1)
        assert f["adoption"].value == 0.5
        assert f["rectification"].value == 0.0
        assert f["notice_ack_on_time"].value == 0.0
        assert f["disputes_mediated"].value == 1.0
        assert f["assistance_on_time"].value is None
        assert f["liaison_designated"].value == 1.0
        # 100 × (20·0 + 15·0.5 + 15·0 + 10·0 + 10·1 + 10·1) ÷ (20 + 15 + 15 + 10 + 10 + 10)
        assert organ.score == pytest.approx(100 * 27.5 / 80, abs=0.01)

    def test_every_figure_names_the_events_behind_it(self, card):
        """A figure lists its events: the missed reply shows the receipt, the miss, the reply."""
        _, f = figures(card, "natural-resources")
        roles = [(e.event_type, e.role) for e in f["reply_on_time"].evidence]
        assert roles == [
            ("Case.RecommendationReceived", "due"),
            ("Case.DeadlineMissed", "missed"),
            ("Case.RecommendationReplied", "late"),
        ]
        assert all(e.event_ref for e in f["reply_on_time"].evidence)
        ack = f["notice_ack_on_time"].evidence[-1]
        assert (ack.event_type, ack.agency, ack.day.isoformat()) == (
            "Case.NoticeAcknowledged",
            "natural-resources",
            "2026-03-06",
        )


class TestYearsAndWeights:
    def test_a_year_with_no_data_is_a_clear_error(self, story_facts):
        """A year with nothing on the record raises an error naming the year."""
        organs, facts = story_facts
        with pytest.raises(NoAssessmentDataError, match="no assessment data for 2025"):
            score_year(2025, organs, facts, load_config(), now=lambda: GENERATED)

    def test_weights_change_scores_not_the_figures(self, story_facts, tmp_path):
        """A weight of 0 leaves its indicator out of the score; the figure is still shown."""
        path = tmp_path / "w.toml"
        path.write_text("[weights]\nreply_on_time = 0\nadoption = 1\n", encoding="utf-8")
        organs, facts = story_facts
        card = score_year(2026, organs, facts, load_config(path), now=lambda: GENERATED)
        organ, f = figures(card, "natural-resources")
        assert organ.score == 50.0
        assert f["reply_on_time"].value == 0.0

    def test_ties_go_to_the_organ_with_more_evidence(self, card):
        """Two organs at 100: the one with more applicable weight ranks first."""
        ee = next(o for o in card.organs if o.organ.agency_id == "ecology-environment")
        mr = next(o for o in card.organs if o.organ.agency_id == "market-regulation")
        assert ee.score == mr.score == 100.0
        assert mr.rank < ee.rank

    def test_a_liaison_designated_late_scores_zero(self, story_facts):
        """A liaison designated after the grace period is not 'kept all year'."""
        organs, facts = story_facts
        moved = [
            replace(f, day=f.day.replace(month=3))
            if f.kind == m.LIAISON and f.organ == "market-regulation"
            else f
            for f in facts
        ]
        card = score_year(2026, organs, moved, load_config(), now=lambda: GENERATED)
        _, f = figures(card, "market-regulation")
        assert f["liaison_designated"].value == 0.0


def _fact(n, kind, subject, *, organ="", day=None, value="", actor="", on="2026-05-04"):
    recorded = datetime.fromisoformat(f"{on}T02:00:00+00:00")
    return m.Fact(
        n, kind, f"ev-{n}", f"Case.{kind}", actor, "case-1", subject, organ, recorded, day, value
    )


class TestEvidenceOfTheDueDay:
    """The evidence of an on-time figure names the fact that set the due day in force."""

    ORGAN = m.Organ(
        "market-regulation",
        "市市场监督管理局",
        "Market",
        "enforcement-agency",
        datetime(2026, 1, 2, tzinfo=UTC),
    )

    def card(self, facts):
        return score_year(2026, [self.ORGAN], facts, load_config(), now=lambda: GENERATED)

    def test_an_amended_review_that_reset_the_due_day_is_evidence(self):
        """Received (due 05-10), reviewed AMENDED (due 06-30), replied 06-20: on time because of
        the review, so the review is listed with its own role."""
        facts = [
            _fact(1, m.RECOMMENDATION, "R1", organ=self.ORGAN.agency_id, day=date(2026, 5, 10)),
            _fact(2, m.OBJECTION_REVIEW, "R1", day=date(2026, 6, 30), value="AMENDED"),
            _fact(3, m.REPLY, "R1", organ=self.ORGAN.agency_id, value=m.ON_TIME, on="2026-06-20"),
        ]
        _, f = figures(self.card(facts), self.ORGAN.agency_id)
        assert f["reply_on_time"].value == 1.0
        assert [(e.event_ref, e.role) for e in f["reply_on_time"].evidence] == [
            ("ev-1", "due"),
            ("ev-2", "due_reset"),
            ("ev-3", "met"),
        ]

    def test_an_extension_of_another_deadline_is_not_evidence(self):
        """An assistance answer lists its own extension, not one of a different deadline kind."""
        org = self.ORGAN.agency_id
        facts = [
            _fact(1, m.ASSISTANCE, "Q1", organ=org, day=date(2026, 5, 10)),
            _fact(
                2, m.EXTENDED, "Q1", organ=org, day=date(2026, 5, 20), value="ASSISTANCE_RESPONSE"
            ),
            _fact(3, m.ASSISTANCE_COMPLETED, "Q1", organ=org, value=m.ON_TIME, on="2026-05-18"),
        ]
        _, f = figures(self.card(facts), org)
        assert [(e.event_ref, e.role) for e in f["assistance_on_time"].evidence] == [
            ("ev-1", "due"),
            ("ev-2", "extended"),
            ("ev-3", "met"),
        ]
