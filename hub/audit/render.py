"""Auditor output: a case history or a case's export in the format asked for.

What a person reads (the ``audit history`` table, the HTML and PDF case file) is laid out by
``hub.presentation`` from one ``CaseFile``; what a program reads stays data here: the JSON of
the history and the export (every event with payload and hashes, the state, each deadline's
``state``), and the CSV of the events.
"""

from __future__ import annotations

import csv
import io
import json

from hub.audit.history import History, event_data, history_data, plain
from hub.audit.verify import Verdict
from hub.cases.hashing import canonical_json
from hub.i18n import Lang
from hub.presentation.casefile import CaseFile, Chain, case_file
from hub.presentation.casefile_html import casefile_html
from hub.presentation.casefile_pdf import casefile_pdf
from hub.presentation.casefile_text import casefile_text
from hub.presentation.names import Names
from hub.rules.calendar import WorkingDayCalendar

HISTORY_FORMATS = ("table", "json", "html")
EXPORT_FORMATS = ("json", "csv", "html", "pdf")


# --- history -------------------------------------------------------------------------------------
def history_file(
    found: History,
    lang: Lang,
    names: Names | None = None,
    *,
    calendar: WorkingDayCalendar | None = None,
) -> CaseFile:
    return case_file(found, names or Names(), lang, heading="audit.history", calendar=calendar)


def render_history(
    found: History,
    fmt: str,
    lang: Lang,
    names: Names | None = None,
    *,
    calendar: WorkingDayCalendar | None = None,
) -> str:
    """``calendar``: the hub's working days (its operator's holiday files), for lateness."""
    if fmt == "json":
        return json.dumps(history_data(found), ensure_ascii=False, indent=2) + "\n"
    if fmt == "html":
        return casefile_html(history_file(found, lang, names, calendar=calendar))
    return casefile_text(history_file(found, lang, names, calendar=calendar))


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
        data["payload_json"] = canonical_json(plain(e.payload)).decode("utf-8")
        writer.writerow(["" if data.get(c) is None else data[c] for c in _CSV_COLUMNS])
    return out.getvalue()


def export_file(
    found: History,
    verdict: Verdict,
    lang: Lang,
    names: Names | None = None,
    *,
    calendar: WorkingDayCalendar | None = None,
) -> CaseFile:
    """The case file of an export: the history with the chain's check in its header."""
    chain = Chain(verdict.ok, verdict.line())
    return case_file(found, names or Names(), lang, chain=chain, calendar=calendar)


def render_export(
    found: History,
    verdict: Verdict,
    fmt: str,
    lang: Lang,
    names: Names | None = None,
    *,
    calendar: WorkingDayCalendar | None = None,
) -> str:
    """The full record of a case as text: JSON, CSV or the HTML case file (``export_pdf``: PDF)."""
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
    return casefile_html(export_file(found, verdict, lang, names, calendar=calendar))


def export_pdf(
    found: History,
    verdict: Verdict,
    lang: Lang,
    names: Names | None = None,
    *,
    calendar: WorkingDayCalendar | None = None,
) -> bytes:
    """The case file as a PDF (the same page as the HTML export)."""
    return casefile_pdf(export_file(found, verdict, lang, names, calendar=calendar))
