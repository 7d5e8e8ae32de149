"""Auditor output: a case history as a text table, JSON or a self-contained HTML page; the
export of a case's full record as JSON, CSV or HTML. Labels in Chinese or English."""

from __future__ import annotations

import csv
import io
import json
from html import escape
from typing import Any

from hub.audit.history import History, event_data, history_data, plain
from hub.audit.verify import Verdict
from hub.cases.hashing import canonical_json
from hub.cases.views import RecordedEvent
from hub.i18n import Lang, event_label, t
from hub.privacy.access import is_masked
from hub.rules.clocks import TIMEZONE

HISTORY_FORMATS = ("table", "json", "html")
EXPORT_FORMATS = ("json", "csv", "html")

_CSS = """
body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;margin:2rem;
color:#1d2433}table{border-collapse:collapse;margin:.5rem 0}th,td{border:1px solid #c8cfdc;
padding:.25rem .5rem;text-align:left;vertical-align:top;font-size:.9rem}th{background:#eef1f6}
code{font-size:.8rem}pre{white-space:pre-wrap;font-size:.8rem;margin:0}
"""


def _local(moment: Any) -> str:
    return moment.astimezone(TIMEZONE).isoformat(timespec="seconds") if moment else ""


#: Labels of the reader's view (zh, en).
_READER_LABELS = {
    "reader": ("读者", "read as"),
    "masked": ("密级内容已屏蔽，仅显示元数据", "content masked, metadata only"),
    "classification": ("密级", "classification"),
}


def _label(key: str, lang: Lang) -> str:
    zh, en = _READER_LABELS[key]
    return zh if lang == "zh" else en


def _reader_lines(found: History, lang: Lang) -> list[str]:
    lines = [f"{_label('classification', lang)}: {found.case.classification}"]
    if found.reader != "auditor":
        lines.append(f"{_label('reader', lang)}: {found.reader}")
    if found.masked:
        lines.append(f"[{_label('masked', lang)}]")
    return lines


def _event_name(event: RecordedEvent, lang: Lang) -> str:
    name = event_label(event.type, lang)
    return f"{name} [{_label('masked', lang)}]" if is_masked(event.payload) else name


def _payload_text(event: RecordedEvent) -> str:
    return canonical_json(plain(event.payload)).decode("utf-8")


# --- history -------------------------------------------------------------------------------------
def history_table(found: History, lang: Lang) -> str:
    case = found.case
    lines = [
        f"{t('audit.history', lang)}: {found.ref}  ({t('case', lang)} id {found.ref.case_id})",
        f"{t('audit.version', lang)} {case.version} / {found.latest_version}"
        + (f"  {t('audit.as_of', lang)} {_local(found.as_of)}" if found.as_of else ""),
        f"{t('title', lang)}: {case.title}",
        f"{t('category', lang)}: {case.category}",
        f"{t('owning_agency', lang)}: {case.owning_agency}",
        f"{t('participants', lang)}: {', '.join(case.participants)}",
        f"{t('audit.hash', lang)}: {case.chain_head}",
        *_reader_lines(found, lang),
    ]
    lines.extend(
        f"  {t('recommendations', lang)} {rec.recommendation_id} → {rec.addressee}: "
        f"{rec.status}"
        + (f", {t('due_date', lang)} {rec.due_date}" if rec.due_date else "")
        + (f", {t(rec.adoption, lang)}" if rec.adoption else "")
        for rec in case.recommendations
    )
    lines.extend(
        f"  {t('requests', lang)} {req.request_id} → {req.addressee}: {req.status}, "
        f"{t('due_date', lang)} {req.due_date}"
        for req in case.requests
    )
    lines.extend(
        f"  {t('notices', lang)} {notice.notice_id}: "
        + (", ".join(f"{a}(+{n})" for a, n in notice.acknowledged) or "-")
        for notice in case.notices
    )
    lines.extend(
        f"  {t('disputes', lang)} {dispute.dispute_id}: {dispute.status}"
        for dispute in case.disputes
    )
    header = ("v", t("audit.recorded_at", lang), t("audit.actor", lang), t("audit.event", lang))
    rows = [
        (str(e.version), _local(e.recorded_at), e.actor_agency, _event_name(e, lang))
        for e in found.events
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
    lines.append("")
    lines.extend(
        "  ".join(c.ljust(widths[i]) for i, c in enumerate(row[:3])) + "  " + row[3]
        for row in [header, *rows]
    )
    return "\n".join(lines) + "\n"


def _events_html(events: tuple[RecordedEvent, ...] | list[RecordedEvent], lang: Lang) -> str:
    head = "".join(
        f"<th>{escape(h)}</th>"
        for h in (
            "v",
            t("audit.recorded_at", lang),
            t("audit.occurred_at", lang),
            t("audit.actor", lang),
            t("audit.officer", lang),
            t("audit.event", lang),
            "event_id",
            "prev_hash / event_hash",
            "payload",
        )
    )
    rows = "".join(
        "<tr>"
        f"<td>{e.version}</td><td>{escape(_local(e.recorded_at))}</td>"
        f"<td>{escape(_local(e.occurred_at))}</td><td>{escape(e.actor_agency)}</td>"
        f"<td>{escape(e.officer_id)}</td><td>{escape(_event_name(e, lang))}"
        f"<br><code>{escape(e.type)}</code></td><td><code>{e.event_id}</code></td>"
        f"<td><code>{escape(e.prev_hash)}</code><br><code>{escape(e.event_hash)}</code></td>"
        f"<td><pre>{escape(_payload_text(e))}</pre></td></tr>"
        for e in events
    )
    return f'<table class="events"><tr>{head}</tr>{rows}</table>'


def _page(title: str, body: str, lang: Lang) -> str:
    html_lang = "zh-CN" if lang == "zh" else "en"
    return (
        f'<!DOCTYPE html>\n<html lang="{html_lang}"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>{body}</body></html>\n"
    )


def history_html(found: History, lang: Lang) -> str:
    title = f"{t('audit.history', lang)} {found.ref}"
    state = json.dumps(plain(found.case), ensure_ascii=False, indent=2)
    body = (
        f"<h1>{escape(title)}</h1><p>{escape(t('audit.version', lang))} {found.case.version}"
        f" / {found.latest_version}"
        + (
            f" · {escape(t('audit.as_of', lang))} {escape(_local(found.as_of))}"
            if found.as_of
            else ""
        )
        + "</p>"
        + "".join(f"<p>{escape(line)}</p>" for line in _reader_lines(found, lang))
        + f"<h2>{escape(t('audit.state', lang))}</h2><pre>{escape(state)}</pre>"
        f"<h2>{escape(t('audit.timeline', lang))}</h2>{_events_html(found.events, lang)}"
    )
    return _page(title, body, lang)


def render_history(found: History, fmt: str, lang: Lang) -> str:
    if fmt == "json":
        return json.dumps(history_data(found), ensure_ascii=False, indent=2) + "\n"
    if fmt == "html":
        return history_html(found, lang)
    return history_table(found, lang)


# --- export --------------------------------------------------------------------------------------
_CSV_COLUMNS = (
    "version",
    "type",
    "recorded_at",
    "occurred_at",
    "actor_agency",
    "officer_id",
    "event_id",
    "correlation_id",
    "causation_id",
    "classification",
    "content_hash",
    "hash_alg",
    "prev_hash",
    "event_hash",
    "payload_json",
)


def export_csv(found: History) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_CSV_COLUMNS)
    for e in found.events:
        data = event_data(e)
        data["payload_json"] = _payload_text(e)
        writer.writerow(["" if data.get(c) is None else data[c] for c in _CSV_COLUMNS])
    return out.getvalue()


def render_export(found: History, verdict: Verdict, fmt: str, lang: Lang) -> str:
    """The full record of a case: every event (payload and hashes), its state, the chain check."""
    if fmt == "csv":
        return export_csv(found)
    if fmt == "json":
        data = history_data(found)
        data["chain"] = {
            "ok": verdict.ok,
            "events": verdict.report.events,
            "head": verdict.report.head,
            "first_bad": plain(verdict.report.first_bad),
        }
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    title = f"{t('audit.export', lang)} {found.ref}"
    chain = t("audit.chain_ok", lang) if verdict.ok else t("audit.chain_bad", lang)
    state = json.dumps(plain(found.case), ensure_ascii=False, indent=2)
    body = (
        f"<h1>{escape(title)}</h1>"
        f"<p>{escape(t('audit.hash', lang))}: <strong>{escape(chain)}</strong> — "
        f"{escape(verdict.line())}</p>"
        + "".join(f"<p>{escape(line)}</p>" for line in _reader_lines(found, lang))
        + f"<h2>{escape(t('audit.state', lang))}</h2><pre>{escape(state)}</pre>"
        f"<h2>{escape(t('audit.timeline', lang))}</h2>{_events_html(found.events, lang)}"
    )
    return _page(title, body, lang)
