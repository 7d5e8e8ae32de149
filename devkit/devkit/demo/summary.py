"""The end of the demo: the views fed from Kafka, then what the record shows.

``feed_views`` runs every projection (``consumers.runner.KafkaViewRunner``, as the settings'
principal: ``casehub-views`` in a secure run) from ``casehub.timeline`` and
``casehub.deadletter`` until each view's stored position reaches the last record of every
partition. ``summarize`` prints the case timelines, the chain verification (against the heads
the auditor reads on ``casehub.timeline``), the open and missed deadlines on the legal clock at
the story's end and the assessment ranking, and writes the HTML reports into the run folder;
the case exports are read as the hub's auditor reads them (``history_for`` with the auditor's
``ReadingLens``: personal data revealed, ``[erased]`` for an erased person).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Mapping
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import Any
from uuid import UUID

from consumers import audit_trail, deadlines, timelines
from consumers.assessment import organs_and_facts
from consumers.references import names_of
from consumers.runner import TOPICS, VIEWS, KafkaViewRunner
from consumers.store import SQLiteViewStore, ViewStore
from consumers.tables import deadlines_table, timeline_table
from devkit.demo.console import Console
from devkit.demo.errors import DemoError
from devkit.demo.labels import sentence
from devkit.demo.story import CONFIDENTIAL_CASE, FOOD_CASE, LAND_CASE
from hub.assessment.config import load_config
from hub.assessment.model import OrganScore
from hub.assessment.scoring import score_year
from hub.audit.history import CaseRef, history_for
from hub.audit.render import export_pdf, render_export
from hub.audit.verify import Verdict, verify_all, verify_case
from hub.i18n import Lang
from hub.kafka.records import Record
from hub.logging import get_logger
from hub.presentation.assessment_report import render
from hub.presentation.names import Names
from hub.privacy.access import AUDITOR
from hub.privacy.reveal_views import ReadingLens
from hub.rules.clocks import local_date
from hub.settings import Settings

VIEWS_FILE = "views.sqlite"
VIEWS_TIMEOUT_S = 90.0
_REGISTERED_TOPIC = "hub.cases.domainmodel:Case.Registered"
#: The story's cases, in the order the summary shows them.
CASES = (FOOD_CASE, LAND_CASE, CONFIDENTIAL_CASE)

log = get_logger(__name__)


# --- the projections ----------------------------------------------------------------------------
def last_offsets(settings: Settings, topic: str, timeout_s: float = 30.0) -> dict[int, int]:
    """The offset of the last committed record in each partition of ``topic`` that has one."""
    from hub.kafka.errors import KafkaUnavailable  # noqa: PLC0415
    from hub.kafka.reader import BEGINNING, open_reader, partitions_of, read_partitions  # noqa: PLC0415

    last: dict[int, int] = {}

    def note(record: Record) -> bool:
        last[record.partition] = max(last.get(record.partition, -1), record.offset)
        return False  # only the offsets are wanted, not the records

    try:
        with open_reader(settings, client_id="casehub-demo-offsets") as consumer:
            starts = {(topic, p): BEGINNING for p in partitions_of(consumer, topic)}
            read_partitions(consumer, starts, timeout_s=timeout_s, keep=note)
    except KafkaUnavailable as exc:
        raise DemoError(f"reading {topic} did not reach its end: {exc}") from None
    return last


def _progress(store: ViewStore, ends: Mapping[str, Mapping[int, int]]) -> tuple[int, bool]:
    """(a figure that grows as the views advance, whether every view has read every record)."""
    advanced, done = 0, True
    for view in VIEWS.values():
        topic = TOPICS[view.source]
        for partition, last in ends[topic].items():
            position = store.position(view.tracking_name(f"{topic}:{partition}"))
            advanced += 0 if position is None else position + 1
            done = done and position is not None and position >= last
    return advanced, done


class _ViewThread:
    """``KafkaViewRunner`` over every view, in a thread of its own until stopped."""

    def __init__(self, settings: Settings, store: ViewStore) -> None:
        self.runner = KafkaViewRunner(settings, store, list(VIEWS.values()), poll_timeout_ms=300)
        self.stop = threading.Event()
        self.applied: dict[str, int] = {}
        self.failure: list[BaseException] = []
        self.thread = threading.Thread(target=self._run, name="casehub-demo-views", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.applied.update(self.runner.run(self.stop))
        except Exception as exc:  # noqa: BLE001 - reported by the demo as one line
            self.failure.append(exc)

    def halt(self) -> None:
        self.stop.set()
        self.thread.join(timeout=30)


def feed_views(settings: Settings, run_dir: Path, console: Console) -> None:
    """Run every view from its outbound topic until it has read the topic's last record."""
    ends = {topic: last_offsets(settings, topic) for topic in set(TOPICS.values())}
    store = SQLiteViewStore(str(run_dir / VIEWS_FILE))
    worker = _ViewThread(settings, store)
    deadline = time.monotonic() + VIEWS_TIMEOUT_S
    try:
        while not _progress(store, ends)[1]:
            if worker.failure or not worker.thread.is_alive():
                failure = worker.failure[0] if worker.failure else "?"
                raise DemoError(f"the projections stopped: {failure}")
            if time.monotonic() > deadline:
                raise DemoError(f"the projections did not catch up in {VIEWS_TIMEOUT_S:.0f}s")
            time.sleep(0.1)
    finally:
        worker.halt()
        store.close()
    counts = ", ".join(f"{name} {count}" for name, count in worker.applied.items())
    console.say("views_caught_up", views=counts)


# --- what the record shows ----------------------------------------------------------------------
def _case_ref(owning_agency: str, case_number: str) -> CaseRef:
    return CaseRef(owning_agency, case_number)


def _all_cases(app: Any) -> list[tuple[UUID, str]]:
    found: list[tuple[UUID, str]] = []
    for n in app.recorder.select_notifications(start=1, limit=10**9, topics=[_REGISTERED_TOPIC]):
        event = app.mapper.to_domain_event(n)
        found.append((event.originator_id, f"{event.owning_agency}/{event.case_number}"))
    return found


def _published_heads(store: ViewStore) -> dict[str, tuple[int, str]]:
    """The last (version, hash) per case the audit-trail view received from the timeline."""
    heads: dict[str, tuple[int, str]] = {}
    for row in store.rows(audit_trail.VIEW, "events", {"aggregate": "CASE"}):
        case_id, version = str(row["case_id"]), int(row["version"] or 0)
        if version >= heads.get(case_id, (0, ""))[0]:
            heads[case_id] = (version, str(row["event_hash"] or ""))
    return heads


def print_timelines(store: ViewStore, console: Console) -> None:
    """Each case's timeline as ``casehub consumers timeline`` prints it, in each language."""
    console.heading("timelines")
    for ref in CASES:
        case = _case_ref(ref.owning_agency, ref.case_number)
        rows = store.rows(timelines.VIEW, "entries", {"case_id": str(case.case_id)})
        names = names_of(store, timelines.VIEW, [str(case.case_id)])
        for lang in console.langs:
            console.line()
            console.line(timeline_table(rows, names, lang, names.case(case.case_id)).rstrip())


def timeline_heads(auditor: Settings) -> tuple[dict[str, tuple[int, str]], dict[str, str]]:
    """(version, hash) and label of every case's head on ``casehub.timeline``, read as the
    auditor reads it (``casehub audit verify --all``'s anchor)."""
    from hub.audit.history import AuditError  # noqa: PLC0415
    from hub.audit.timeline import case_heads  # noqa: PLC0415

    try:
        heads = case_heads(auditor)
    except AuditError as exc:
        raise DemoError(f"the auditor could not read the timeline: {exc}") from None
    return (
        {str(k): (h.version, h.event_hash) for k, h in heads.items()},
        {str(k): h.label for k, h in heads.items()},
    )


def print_verification(
    app: Any, store: ViewStore, console: Console, auditor: Settings | None = None
) -> list[Verdict]:
    """Every case's hash chain, against the timeline's heads (read as ``auditor``) or, without
    an auditor, the heads the audit-trail view received."""
    console.heading("verify")
    if auditor is None:
        verdicts = verify_all(app, _all_cases(app), _published_heads(store))
    else:
        heads, labels = timeline_heads(auditor)
        verdicts = verify_all(app, _all_cases(app), heads, anchor="kafka", published_labels=labels)
    for verdict in verdicts:
        console.line(verdict.line())
    broken = sum(1 for v in verdicts if not v.ok)
    console.say(
        "verify_passed" if not broken else "verify_failed", cases=len(verdicts), broken=broken
    )
    return verdicts


def print_deadlines(store: ViewStore, console: Console, today: date) -> None:
    """The deadlines board as ``casehub consumers deadlines --today`` prints it."""
    console.heading("deadlines", today=today)
    found = deadlines.read(store, today)
    names = names_of(store, deadlines.VIEW)
    for lang in console.langs:
        console.line()
        console.line(deadlines_table(found, names, lang, today, given=True).rstrip())


def print_ranking(store: ViewStore, console: Console, year: int, run_dir: Path) -> list[Path]:
    console.heading("ranking", year=year)
    organs, facts = organs_and_facts(store)
    card = score_year(year, organs, facts, load_config(None), now=lambda: datetime.now(UTC))
    for score in card.organs:
        console.each(partial(_ranking_line, score), prefix=f"  {score.rank}. ")
    written = []
    for lang in ("zh", "en"):
        path = run_dir / f"assessment-{year}.{lang}.html"
        path.write_text(render(card, "html", lang), encoding="utf-8")
        written.append(path)
    return written


def _ranking_line(score: OrganScore, lang: Lang) -> str:
    organ = score.organ
    name = (organ.name_zh if lang == "zh" else organ.name_en) or organ.agency_id
    shown = "—" if score.score is None else f"{score.score:.1f}"
    return f"{name} ({organ.agency_id})  {sentence('score', lang)} {shown}"


def _slug(text: str) -> str:
    return re.sub(r"[^\w.-]+", "_", text, flags=re.UNICODE).strip("_") or "case"


def write_case_exports(app: Any, store: ViewStore, run_dir: Path, settings: Settings) -> list[Path]:
    """Each case's export (zh, en) as the hub's auditor reads it: everything, personal data
    revealed (``[erased]`` for an erased person); ``settings`` name the key store and the
    clearances."""
    published = _published_heads(store)
    lens = ReadingLens.for_settings(settings, AUDITOR)
    names = Names.from_directory(app.directory())
    written = []
    for ref in CASES:
        case = _case_ref(ref.owning_agency, ref.case_number)
        found = history_for(app, case, lens)
        verdict = verify_case(app, case, published)
        for lang in ("zh", "en"):
            name = f"case-{_slug(ref.owning_agency)}-{_slug(ref.case_number)}.{lang}.html"
            path = run_dir / name
            page = render_export(found, verdict, "html", lang, names)
            path.write_text(page, encoding="utf-8")
            written.append(path)
        if ref == LAND_CASE:  # one printable case file, as `casehub audit export --format pdf`
            path = run_dir / f"case-{_slug(ref.owning_agency)}-{_slug(ref.case_number)}.zh.pdf"
            path.write_bytes(export_pdf(found, verdict, "zh", names))
            written.append(path)
    return written


def summarize(
    app: Any,
    run_dir: Path,
    console: Console,
    *,
    today: datetime,
    auditor: Settings | None = None,
    reader: Settings | None = None,
) -> list[Verdict]:
    """Print and write the end of the story; returns every case's chain verdict.

    ``auditor``: the settings the chain verification reads ``casehub.timeline`` with (the
    ``casehub-audit`` principal in a secure run). ``reader``: the settings naming the key
    store and clearances the case exports are read with (default: the auditor's)."""
    store = SQLiteViewStore(str(run_dir / VIEWS_FILE))
    try:
        print_timelines(store, console)
        verdicts = print_verification(app, store, console, auditor)
        print_deadlines(store, console, local_date(today))
        reports = print_ranking(store, console, today.year, run_dir)
        exports = write_case_exports(app, store, run_dir, reader or auditor or app.settings)
    finally:
        store.close()
    console.heading("reports")
    for key, paths in (("assessment_report", reports), ("case_export", exports)):
        what = " / ".join(sentence(key, lang) for lang in console.langs)
        for path in paths:
            console.line(f"  {what}: {path}")
    return verdicts
