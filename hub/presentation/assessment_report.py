"""The scorecard as JSON, CSV or a self-contained HTML page (zh or en).

Every figure carries the events behind it: JSON lists their ids (and metadata), CSV their ids,
HTML a ``<details>`` drill-down per figure (event id, type, the agency by its directory name,
date, why it counts: e.g. "due", "due day set by the review", "met"). Times and names go through
``hub.presentation`` (the generated time in local time with its zone). The
HTML draws its own charts (inline SVG), with no script, font, stylesheet or URL from outside:
it opens the same on an air-gapped machine.
"""

from __future__ import annotations

import csv
import io
import json
from html import escape
from typing import Any

from hub.assessment.model import Figure, OrganScore, Scorecard
from hub.i18n import Lang, event_label, t
from hub.presentation import clock
from hub.presentation.names import Names

FORMATS = ("html", "csv", "json")


def organ_name(score: OrganScore, lang: Lang) -> str:
    organ = score.organ
    if lang == "zh":
        return organ.name_zh or organ.name_en or organ.agency_id
    return organ.name_en or organ.name_zh or organ.agency_id


def role_text(role: str, lang: Lang) -> str:
    label = t(f"role.{role}", lang)
    return t(role, lang) if label == f"role.{role}" else label


def percent_text(value: float | None, lang: Lang) -> str:
    return t("assessment.not_applicable", lang) if value is None else f"{value * 100:.1f}%"


def score_text(value: float | None, lang: Lang) -> str:
    return t("assessment.not_applicable", lang) if value is None else f"{value:.1f}"


# --- JSON -----------------------------------------------------------------------------------------
def _figure_json(figure: Figure, lang: Lang) -> dict[str, Any]:
    return {
        "indicator": figure.indicator,
        "label": t(f"indicator.{figure.indicator}", lang),
        "formula": t(f"formula.{figure.indicator}", lang),
        "weight": figure.weight,
        "value": figure.value,
        "numerator": figure.numerator,
        "denominator": figure.denominator,
        "event_ids": list(dict.fromkeys(e.event_ref for e in figure.evidence)),
        "events": [
            {
                "event_id": e.event_ref,
                "event_type": e.event_type,
                "agency": e.agency,
                "date": e.day.isoformat(),
                "role": e.role,
            }
            for e in figure.evidence
        ],
    }


def to_json_data(card: Scorecard, lang: Lang) -> dict[str, Any]:
    return {
        "year": card.year,
        "generated_at": card.generated_at.isoformat(),
        "lang": lang,
        "method": t("assessment.method", lang),
        "weights": dict(card.weights),
        "ranking": [
            {
                "rank": s.rank,
                "agency_id": s.organ.agency_id,
                "name": organ_name(s, lang),
                "name_zh": s.organ.name_zh,
                "name_en": s.organ.name_en,
                "score": s.score,
                "applicable_weight": s.applicable_weight,
                "indicators": [_figure_json(f, lang) for f in s.figures],
            }
            for s in card.organs
        ],
    }


def to_json(card: Scorecard, lang: Lang) -> str:
    return json.dumps(to_json_data(card, lang), ensure_ascii=False, indent=2) + "\n"


# --- CSV ------------------------------------------------------------------------------------------
def to_csv(card: Scorecard, lang: Lang) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "year",
            "rank",
            "agency_id",
            "name",
            "score",
            "indicator",
            "label",
            "weight",
            "value",
            "numerator",
            "denominator",
            "event_ids",
        ]
    )
    for s in card.organs:
        for f in s.figures:
            writer.writerow(
                [
                    card.year,
                    s.rank,
                    s.organ.agency_id,
                    organ_name(s, lang),
                    "" if s.score is None else f"{s.score:.2f}",
                    f.indicator,
                    t(f"indicator.{f.indicator}", lang),
                    f"{f.weight:g}",
                    "" if f.value is None else f"{f.value:.4f}",
                    f"{f.numerator:g}",
                    f.denominator,
                    " ".join(dict.fromkeys(e.event_ref for e in f.evidence)),
                ]
            )
    return out.getvalue()


# --- HTML -----------------------------------------------------------------------------------------
_CSS = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",
sans-serif;margin:2rem;color:#1d2433;max-width:70rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;
border-bottom:1px solid #c8cfdc;padding-bottom:.2rem}
table{border-collapse:collapse;margin:.5rem 0;width:100%}
th,td{border:1px solid #c8cfdc;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#eef1f6}td.num{text-align:right;font-variant-numeric:tabular-nums}
details summary{cursor:pointer}details table{font-size:.85rem}
.note{color:#4b5567;font-size:.9rem}svg text{font-size:12px;fill:#1d2433}
"""


def bar_chart(
    bars: list[tuple[str, float | None, str]],
    *,
    chart_id: str,
    title: str,
    width: int = 640,
    label_w: int = 220,
) -> str:
    """A horizontal bar chart (values 0..100), drawn as inline SVG: ``bars`` are (label, value or
    None for not applicable, the value as shown). The report and the console both draw with it."""
    row_h, pad = 26, 8
    plot_w = width - label_w - 60
    height = pad * 2 + row_h * len(bars)
    parts = [
        (
            f'<svg class="chart" id="{escape(chart_id)}" role="img" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}">'
        ),
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, value, shown) in enumerate(bars):
        y = pad + i * row_h
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 17}" text-anchor="end">{escape(label)}</text>'
        )
        parts.append(
            f'<rect x="{label_w}" y="{y + 4}" width="{plot_w}" height="{row_h - 8}" '
            'fill="#eef1f6"/>'
        )
        if value is not None:
            bar_w = max(0.0, min(value, 100.0)) / 100 * plot_w
            parts.append(
                f'<rect class="bar" x="{label_w}" y="{y + 4}" width="{bar_w:.1f}" '
                f'height="{row_h - 8}" fill="#2f6fb3" data-value="{value:.2f}"/>'
            )
        parts.append(f'<text x="{label_w + plot_w + 6}" y="{y + 17}">{escape(shown)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def ranking_chart(card: Scorecard, lang: Lang) -> str:
    """The year's ranking: each organ's score as a bar (SVG ``id="score-chart"``)."""
    return bar_chart(
        [(organ_name(s, lang), s.score, score_text(s.score, lang)) for s in card.organs],
        chart_id="score-chart",
        title=t("assessment.chart", lang),
    )


def organ_chart(score: OrganScore, lang: Lang) -> str:
    """One organ's indicators as bars, in percent (SVG ``id="chart-<agency>"``); a figure not
    applicable has no bar and says so."""
    return bar_chart(
        [
            (
                t(f"indicator.{f.indicator}", lang),
                None if f.value is None else f.value * 100,
                percent_text(f.value, lang),
            )
            for f in score.figures
        ],
        chart_id=f"chart-{score.organ.agency_id}",
        title=f"{organ_name(score, lang)} — {t('assessment.indicators', lang)}",
        width=860,
        label_w=320,
    )


def _evidence_table(figure: Figure, lang: Lang, names: Names) -> str:
    head = "".join(
        f"<th>{escape(t(k, lang))}</th>"
        for k in (
            "assessment.event_id",
            "assessment.event_type",
            "assessment.agency",
            "assessment.date",
            "assessment.role",
        )
    )
    rows = "".join(
        "<tr>"
        f"<td><code>{escape(e.event_ref)}</code></td>"
        f"<td>{escape(event_label(e.event_type, lang))}</td>"
        f"<td>{escape(names.agency(e.agency, lang))}</td>"
        f"<td>{escape(clock.day(e.day))}</td>"
        f"<td>{escape(role_text(e.role, lang))}</td>"
        "</tr>"
        for e in figure.evidence
    )
    return f"<table><tr>{head}</tr>{rows}</table>"


def _figure_cell(figure: Figure, lang: Lang, names: Names) -> str:
    shown = percent_text(figure.value, lang)
    if not figure.evidence:
        return f'<td class="num">{escape(shown)}</td>'
    ratio = f"{figure.numerator:g} / {figure.denominator}"
    return (
        f'<td class="num"><details class="figure" data-indicator="{figure.indicator}">'
        f"<summary>{escape(shown)} ({ratio})</summary>{_evidence_table(figure, lang, names)}"
        "</details></td>"
    )


def to_html(card: Scorecard, lang: Lang) -> str:
    title = f"{card.year} {t('assessment.title', lang)}"
    names = Names(agencies=card.agency_names)
    html_lang = "zh-CN" if lang == "zh" else "en"
    chart = ranking_chart(card, lang)
    ranking_rows = "".join(
        f'<tr class="organ-row" data-agency="{escape(s.organ.agency_id)}">'
        f'<td class="num">{s.rank}</td><td>{escape(organ_name(s, lang))}<br>'
        f"<code>{escape(s.organ.agency_id)}</code></td>"
        f'<td class="num score">{escape(score_text(s.score, lang))}</td>'
        f'<td class="num">{s.applicable_weight:g}</td></tr>'
        for s in card.organs
    )
    weights = dict(card.weights)
    indicator_rows = "".join(
        f"<tr><td>{escape(t(f'indicator.{name}', lang))}<br><code>{name}</code></td>"
        f'<td class="num">{weights[name]:g}</td>'
        f"<td>{escape(t(f'formula.{name}', lang))}</td></tr>"
        for name in weights
    )
    sections = []
    for s in card.organs:
        chart_of_organ = organ_chart(s, lang)
        figure_rows = "".join(
            f"<tr><td>{escape(t(f'indicator.{f.indicator}', lang))}</td>"
            f'<td class="num">{f.weight:g}</td>{_figure_cell(f, lang, names)}</tr>'
            for f in s.figures
        )
        sections.append(
            f'<section class="organ" id="organ-{escape(s.organ.agency_id)}">'
            f"<h3>{s.rank}. {escape(organ_name(s, lang))} — {escape(t('assessment.score', lang))} "
            f"{escape(score_text(s.score, lang))}</h3>{chart_of_organ}"
            f"<table><tr><th>{escape(t('assessment.indicator', lang))}</th>"
            f"<th>{escape(t('assessment.weight', lang))}</th>"
            f"<th>{escape(t('assessment.value', lang))}</th></tr>{figure_rows}</table>"
            "</section>"
        )
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{html_lang}"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{escape(title)}</h1><p>{escape(t('assessment.subtitle', lang))}</p>"
        f'<p class="note">{escape(t("assessment.generated", lang))}: '
        f"{escape(clock.moment(card.generated_at))} · "
        f"{escape(t('assessment.metadata_only', lang))}</p>"
        f"<h2>{escape(t('assessment.scorecard', lang))}</h2>{chart}"
        f'<table id="scorecard"><tr><th>{escape(t("assessment.rank", lang))}</th>'
        f"<th>{escape(t('assessment.organ', lang))}</th>"
        f"<th>{escape(t('assessment.score', lang))}</th>"
        f"<th>{escape(t('assessment.coverage', lang))}</th></tr>{ranking_rows}</table>"
        f'<p class="note">{escape(t("assessment.method", lang))}</p>'
        f"<h2>{escape(t('assessment.indicators', lang))}</h2>"
        f"<table><tr><th>{escape(t('assessment.indicator', lang))}</th>"
        f"<th>{escape(t('assessment.weight', lang))}</th>"
        f"<th>{escape(t('assessment.formula', lang))}</th></tr>{indicator_rows}</table>"
        f"<h2>{escape(t('assessment.details', lang))}</h2>{''.join(sections)}"
        "</body></html>\n"
    )


def render(card: Scorecard, fmt: str, lang: Lang) -> str:
    if fmt == "json":
        return to_json(card, lang)
    if fmt == "csv":
        return to_csv(card, lang)
    return to_html(card, lang)
