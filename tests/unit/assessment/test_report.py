"""The scorecard as JSON, CSV and self-contained HTML, in Chinese and English."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime

import pytest

from hub.assessment import model as m
from hub.assessment.config import INDICATORS, load_config
from hub.assessment.scoring import score_year
from hub.errors import SetupError
from hub.presentation.assessment_report import render


class TestJson:
    def test_every_figure_lists_its_event_ids(self, card):
        """JSON: each indicator carries its formula, weight, ratio and the ids of its events."""
        data = json.loads(render(card, "json", "en"))
        assert data["year"] == 2026
        first = data["ranking"][0]
        assert first["agency_id"] == "market-regulation"
        reply = next(i for i in first["indicators"] if i["indicator"] == "reply_on_time")
        assert reply["value"] == 1.0
        assert reply["weight"] == 20
        assert reply["formula"].startswith("written replies recorded by the due date")
        assert len(reply["event_ids"]) == 2
        assert {e["event_type"] for e in reply["events"]} == {
            "Case.RecommendationReceived",
            "Case.RecommendationReplied",
        }

    def test_no_case_content_reaches_the_report(self, card):
        """The Rule-of-Law Office sees metadata only: no titles, summaries or measures."""
        text = render(card, "json", "zh") + render(card, "html", "zh") + render(card, "csv", "zh")
        for content in ("冷链", "Traceability checks", "staffing", "吴十", "demolition"):
            assert content not in text


class TestCsv:
    def test_one_row_per_organ_and_indicator(self, card):
        """CSV: a row per organ and indicator, with the score and the event ids."""
        rows = list(csv.DictReader(io.StringIO(render(card, "csv", "zh"))))
        assert len(rows) == len(card.organs) * len(INDICATORS)
        nr = [r for r in rows if r["agency_id"] == "natural-resources"]
        assert {r["name"] for r in nr} == {"市自然资源局"}
        adoption = next(r for r in nr if r["indicator"] == "adoption")
        assert (adoption["value"], adoption["label"]) == ("0.5000", "检察建议采纳率")
        assert adoption["event_ids"]


class TestHtml:
    @pytest.mark.parametrize(
        ("lang", "title", "organ"),
        [
            ("zh", "2026 年度考核", "市市场监督管理局"),
            ("en", "2026 Annual assessment", "City Market"),
        ],
    )
    def test_labels_follow_the_language(self, card, lang, title, organ):
        """The page is labelled in the language asked for, from the glossary."""
        page = render(card, "html", lang)
        assert f"<title>{title}</title>" in page
        assert organ in page
        assert f'<html lang="{"zh-CN" if lang == "zh" else "en"}">' in page

    def test_charts_and_drill_downs_are_inline(self, card):
        """SVG charts and <details> drill-downs; no script, stylesheet, font or URL from outside."""
        page = render(card, "html", "en")
        assert page.count("<svg") == 1 + len(card.organs)
        assert 'id="score-chart"' in page
        assert page.count('<details class="figure"') >= 10
        assert "<script" not in page
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", page, re.IGNORECASE)
        assert "@import" not in page
        assert "url(" not in page

    def test_an_organ_with_no_indicator_is_shown_as_na(self, card):
        """A figure with nothing to count reads n/a, never 0%."""
        page = render(card, "html", "en")
        ee = page[page.index('id="organ-ecology-environment"') :]
        assert "n/a" in ee


class TestWeightsFile:
    def test_the_shipped_weights_cover_every_indicator(self):
        """config/assessment.toml names every indicator with a positive weight."""
        config = load_config()
        assert [name for name, _ in config.weights] == list(INDICATORS)
        assert all(weight > 0 for _, weight in config.weights)
        assert config.roles == ("enforcement-agency",)

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("[weights]\nspeed = 3\n", "unknown indicator"),
            ("[weights]\nadoption = -1\n", "zero or more"),
            ("[weights]\nadoption = 'high'\n", "must be a number"),
            ("[weights]\nadoption = 0\n", "every weight is zero"),
            ("weights = [", "not valid TOML"),
        ],
    )
    def test_a_bad_weights_file_names_the_problem(self, tmp_path, text, message):
        """A mistake in the weights file is a setup error saying what to fix."""
        path = tmp_path / "w.toml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(SetupError, match=message):
            load_config(path)


class TestEvidenceReadsAsEverywhere:
    """The drill-down names the agencies, shows days as days, the generated time in local time,
    and the fact that reset a due day in words."""

    def test_a_due_day_set_by_the_review_reads_in_words(self):
        organs = [
            m.Organ(
                "market-regulation",
                "市市场监督管理局",
                "City Market Regulation Bureau",
                "enforcement-agency",
                datetime(2026, 1, 2, tzinfo=UTC),
            ),
            m.Organ(
                "procuratorate",
                "市人民检察院",
                "City People's Procuratorate",
                "procuratorate",
                datetime(2026, 1, 2, tzinfo=UTC),
            ),
        ]

        def fact(n, kind, **kw):
            at = datetime(2026, 5, n, 2, 0, tzinfo=UTC)
            return m.Fact(
                n,
                kind,
                f"ev-{n}",
                f"Case.{kw.pop('event')}",
                kw.pop("actor"),
                "c1",
                "R1",
                kw.pop("organ", ""),
                at,
                **kw,
            )

        facts = [
            fact(
                1,
                m.RECOMMENDATION,
                event="RecommendationReceived",
                actor="market-regulation",
                organ="market-regulation",
                day=date(2026, 5, 10),
            ),
            fact(
                2,
                m.OBJECTION_REVIEW,
                event="ObjectionReviewed",
                actor="procuratorate",
                day=date(2026, 6, 30),
                value="AMENDED",
            ),
            fact(
                3,
                m.REPLY,
                event="RecommendationReplied",
                actor="market-regulation",
                organ="market-regulation",
                value=m.ON_TIME,
            ),
        ]
        generated = datetime(2027, 1, 4, 17, 30, tzinfo=UTC)
        card = score_year(2026, organs, facts, load_config(), now=lambda: generated)
        zh, en = render(card, "html", "zh"), render(card, "html", "en")
        assert "复核后重新确定期限" in zh
        assert "due day set by the review" in en
        assert "<td>市人民检察院</td>" in zh
        assert "<td>City People&#x27;s Procuratorate</td>" in en
        assert "2027-01-05 01:30 +08:00" in zh
        assert (
            json.loads(render(card, "json", "en"))["ranking"][0]["indicators"][0]["events"][1][
                "role"
            ]
            == "due_reset"
        )
