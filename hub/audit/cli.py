"""``casehub audit history | verify | export | reads``: the auditors' tools."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from hub.audit.history import AuditError, history_for, parse_case_ref, parse_moment
from hub.audit.render import (
    EXPORT_FORMATS,
    HISTORY_FORMATS,
    export_pdf,
    render_export,
    render_history,
)
from hub.audit.verify import damaged_records, verify_all, verify_case
from hub.i18n import Lang, check_lang
from hub.presentation.names import Names
from hub.privacy.access import AUDITOR, Reader
from hub.privacy.reveal_views import ReadingLens
from hub.rules.calendar import WorkingDayCalendar
from hub.rules.clocks import TIMEZONE
from hub.settings import Settings
from hub.topics import TIMELINE

_REGISTERED_TOPIC = "hub.cases.domainmodel:Case.Registered"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("audit", help="auditors' tools: history, verify, export")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB")
    verbs.required = True
    ref_help = "owning-agency/case-number, e.g. market-regulation/市监案〔2026〕001号"

    hist = verbs.add_parser("history", help="a case as it stood at a time or a version")
    hist.add_argument("case_ref", metavar="CASE_REF", help=ref_help)
    hist.add_argument("--as-of", dest="as_of", help="ISO date or time (Asia/Shanghai if no offset)")
    hist.add_argument("--version", type=int, help="the case's version (1 = registration)")
    hist.add_argument("--format", default="table", help="table (default), json or html")
    hist.add_argument("--lang", default="zh", help="zh (default) or en")
    hist.add_argument("--out", type=Path, help="write here instead of standard output")
    hist.add_argument(
        "--from-kafka",
        dest="from_kafka",
        action="store_true",
        help="rebuild the history from casehub.timeline alone, not from the event store",
    )
    _as_option(hist)
    hist.set_defaults(func=_history)

    ver = verbs.add_parser("verify", help="check hash chains; name the first bad link")
    ver.add_argument("case_ref", metavar="CASE_REF", nargs="?", help=ref_help)
    ver.add_argument("--all", action="store_true", help="every case on the hub")
    ver.add_argument(
        "--anchor",
        choices=("kafka", "view"),
        help="compare each chain's head with casehub.timeline (default when Kafka answers) "
        "or with the audit view",
    )
    ver.set_defaults(func=_verify)

    exp = verbs.add_parser("export", help="write a case's full record to a self-contained file")
    exp.add_argument("case_ref", metavar="CASE_REF", help=ref_help)
    exp.add_argument(
        "--format",
        default="json",
        help="json (default), csv, html (the case file) or pdf (the case file, A4)",
    )
    exp.add_argument("--lang", default="zh", help="zh (default) or en")
    exp.add_argument("--out", type=Path, help="the file (default: ./case-<agency>-<number>.<ext>)")
    _as_option(exp)
    exp.set_defaults(func=_export)

    from hub.audit.reconcile import run as reconcile  # noqa: PLC0415 - one module per verb

    rec = verbs.add_parser("reconcile", help="compare the event store with casehub.timeline")
    rec.set_defaults(func=reconcile)

    reads = verbs.add_parser(
        "reads", help="the console's read log: who read which case, search or export; --verify"
    )
    reads.add_argument("--account", help="only this console account's reads")
    reads.add_argument("--agency", help="only reads by accounts of this agency")
    reads.add_argument("--case", dest="case_ref", metavar="CASE_REF", help=ref_help)
    reads.add_argument("--kind", help="case_page, case_as_of, search, export_xlsx, … ")
    reads.add_argument(
        "--since", help="ISO date (from its start) or time (Asia/Shanghai if no offset)"
    )
    reads.add_argument("--until", help="ISO date (to its end) or time, exclusive")
    reads.add_argument("--limit", type=int, default=200, help="at most this many (default 200)")
    reads.add_argument("--format", default="table", help="table (default) or json")
    reads.add_argument("--lang", default="zh", help="zh (default) or en")
    reads.add_argument(
        "--verify", action="store_true", help="check the log's hash chain; exit 1 if broken"
    )
    reads.add_argument(
        "--file", type=Path, help="the read log file (default: the console_reads_path setting)"
    )
    reads.set_defaults(func=_reads)


def _as_option(parser: Any) -> None:
    parser.add_argument(
        "--as",
        dest="as_agency",
        metavar="AGENCY",
        help="read as this agency would: events it may not read masked (metadata only), "
        "personal data only in cases it takes part in (default: as the hub's auditor, "
        "everything, personal data decrypted)",
    )


def _reader(settings: Settings, as_agency: str | None) -> ReadingLens:
    if as_agency is not None and not as_agency.strip():
        raise AuditError("--as needs an agency id, e.g. --as market-regulation")
    reader = AUDITOR if as_agency is None else Reader(as_agency.strip())
    return ReadingLens.for_settings(settings, reader)


def _lang(value: str) -> Lang:
    try:
        return check_lang(value)
    except ValueError as exc:
        raise AuditError(str(exc)) from None


def _format(value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise AuditError(f"unknown format {value!r}: expected {', '.join(allowed)}")
    return value


def _open_app(settings: Settings) -> AbstractContextManager[Any]:
    from hub.bootstrap import open_existing_hub  # noqa: PLC0415 - keep `casehub --help` light

    return open_existing_hub(settings)


def _names(app: Any) -> Names:
    """The directory's agency names, for the case file's words."""
    return Names.from_directory(app.directory())


def _agencies_of(entries: list[Any]) -> set[str]:
    """Every agency a case's timeline entries name: actors, recipients, addressees."""
    found: set[str] = set()
    for entry in entries:
        found.update(entry.participants)
        found.add(entry.actor_agency or "")
        for key in ("owning_agency", "addressee", "agency", "agency_id"):
            found.add(entry.text(key))
        found.update(entry.strings("participants"))
        found.update(entry.strings("notice_recipients"))
        major = entry.mapping("major") or {}
        found.update(str(a) for a in major.get("recipients") or ())
    return found - {""}


def _calendar(settings: Settings) -> WorkingDayCalendar:
    """The hub's working days (the operator's holiday files), as the hub counted lateness."""
    from hub.bootstrap import working_calendar  # noqa: PLC0415 - keep `casehub --help` light

    return working_calendar(settings)


def _write(text: str | bytes, out: Path | None) -> None:
    if out is None:
        if isinstance(text, bytes):
            raise AuditError("a PDF goes to a file: give --out FILE.pdf")
        sys.stdout.write(text)
        return
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            out.write_bytes(text)
        else:
            out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise AuditError(f"cannot write {out}: {exc.strerror or exc}") from None
    print(f"wrote {out}")


def _history(args: argparse.Namespace, settings: Settings) -> int:
    ref = parse_case_ref(args.case_ref)
    fmt = _format(args.format, HISTORY_FORMATS)
    lang = _lang(args.lang)
    as_of = parse_moment(args.as_of) if args.as_of else None
    lens = _reader(settings, args.as_agency)
    if args.from_kafka:
        from hub.audit.rebuild import TimelineCase  # noqa: PLC0415 - the broker only when asked
        from hub.audit.timeline import agency_names, case_entries  # noqa: PLC0415

        entries = case_entries(settings, ref.case_id)
        source = TimelineCase(ref.case_id, entries)
        found = history_for(source, ref, lens, as_of=as_of, version=args.version)
        named = _agencies_of(entries) | {args.as_agency or ""}
        names = Names(agency_names(settings, named - {""}))
    else:
        with _open_app(settings) as app:
            found = history_for(app, ref, lens, as_of=as_of, version=args.version)
            names = _names(app)
    calendar = _calendar(settings)
    _write(render_history(found, fmt, lang, names, calendar=calendar), args.out)
    return 0


@dataclass(frozen=True, slots=True)
class _Anchor:
    name: str  # kafka | view
    heads: dict[str, tuple[int, str]]
    labels: dict[str, str]
    note: str
    #: per case: what is wrong on the timeline itself (a version twice, or lacking)
    findings: dict[str, list[str]] = field(default_factory=dict)


def _anchor(settings: Settings, wanted: str | None) -> _Anchor:
    """The published heads: from the timeline when asked or when Kafka answers, else the view."""
    from hub.audit.timeline import TimelineUnavailable, case_heads  # noqa: PLC0415

    reason = ""
    if wanted in (None, "kafka"):
        try:
            heads = case_heads(settings)
        except TimelineUnavailable as exc:
            if wanted == "kafka":
                raise
            reason = f" ({exc})"
        else:
            return _Anchor(
                "kafka",
                {str(k): (h.version, h.event_hash) for k, h in heads.items()},
                {str(k): h.label for k, h in heads.items()},
                f"anchor: {TIMELINE} at {','.join(settings.bootstrap_servers)}",
                {str(k): h.findings() for k, h in heads.items() if h.findings()},
            )
    return _Anchor("view", _published_heads(settings), {}, f"anchor: the audit view{reason}")


def _published_heads(settings: Settings) -> dict[str, tuple[int, str]]:
    """The last (version, hash) per case the audit-trail view received from the timeline."""
    try:
        from consumers.audit_trail import VIEW  # noqa: PLC0415
        from consumers.opening import open_view_store, views_file  # noqa: PLC0415
    except ImportError:  # pragma: no cover - consumers/ is part of the same distribution
        return {}
    if settings.store == "sqlite" and not views_file(settings).exists():
        return {}
    store = open_view_store(settings)
    try:
        store.ensure(VIEW)
        heads: dict[str, tuple[int, str]] = {}
        for row in store.rows(VIEW, "events", {"aggregate": "CASE"}):
            case_id, version = str(row["case_id"]), int(row["version"] or 0)
            if version >= heads.get(case_id, (0, ""))[0]:
                heads[case_id] = (version, str(row["event_hash"] or ""))
        return heads
    finally:
        store.close()


def _all_cases(app: Any, labels: Mapping[str, str]) -> list[tuple[UUID, str]]:
    """Every registered case with its label; a registration that cannot be read is still
    checked, named by the timeline's label or its id (its verdict says what is damaged)."""
    found: list[tuple[UUID, str]] = []
    start = 1
    while True:
        batch = app.recorder.select_notifications(
            start=start, limit=500, topics=[_REGISTERED_TOPIC]
        )
        if not batch:
            return found
        for notification in batch:
            case_id = UUID(str(notification.originator_id))
            try:
                event = app.mapper.to_domain_event(notification)
            except ValueError:  # MapperDeserialisationError: the record is damaged
                found.append((case_id, labels.get(str(case_id)) or f"case {case_id}"))
                continue
            found.append((case_id, f"{event.owning_agency}/{event.case_number}"))
        start = batch[-1].id + 1


def _verify(args: argparse.Namespace, settings: Settings) -> int:
    if bool(args.case_ref) == bool(args.all):
        raise AuditError("name one CASE_REF or give --all")
    ref = None if args.all else parse_case_ref(args.case_ref)
    anchor = _anchor(settings, args.anchor)
    print(anchor.note)
    damaged: list[str] = []
    with _open_app(settings) as app:
        if ref is None:
            verdicts = verify_all(
                app,
                _all_cases(app, anchor.labels),
                anchor.heads,
                anchor=anchor.name,
                published_labels=anchor.labels,
                findings=anchor.findings,
            )
            damaged = damaged_records(app)
        else:
            verdicts = [
                verify_case(app, ref, anchor.heads, anchor=anchor.name, findings=anchor.findings)
            ]
    for verdict in verdicts:
        print(verdict.line())
    for line in damaged:
        print(line)
    broken = [v for v in verdicts if not v.ok]
    if len(verdicts) > 1:
        print(f"{len(verdicts)} case(s) checked, {len(broken)} broken")
    if damaged:
        print(f"{len(damaged)} other stored event(s) cannot be read")
    return 1 if broken or damaged else 0


def _slug(text: str) -> str:
    return re.sub(r"[^\w.-]+", "_", text, flags=re.UNICODE).strip("_") or "case"


def _export(args: argparse.Namespace, settings: Settings) -> int:
    ref = parse_case_ref(args.case_ref)
    fmt = _format(args.format, EXPORT_FORMATS)
    lang = _lang(args.lang)
    lens = _reader(settings, args.as_agency)
    with _open_app(settings) as app:
        found = history_for(app, ref, lens)
        verdict = verify_case(app, ref)
        names = _names(app)
    out = args.out or Path(f"case-{_slug(ref.owning_agency)}-{_slug(ref.case_number)}.{fmt}")
    calendar = _calendar(settings)
    if fmt == "pdf":
        _write(export_pdf(found, verdict, lang, names, calendar=calendar), out)
    else:
        _write(render_export(found, verdict, fmt, lang, names, calendar=calendar), out)
    return 0 if verdict.ok else 1


def reads_path(settings: Settings) -> Path:
    """The console's read log: ``console_reads_path``, else ``<data_dir>/console-reads.sqlite``."""
    configured = str(getattr(settings, "console_reads_path", "") or "")
    return Path(configured) if configured else Path(settings.data_dir) / "console-reads.sqlite"


def _reads_moment(text: str, option: str, *, end_of_day: bool) -> datetime:
    raw = text.strip()
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw) + timedelta(days=1 if end_of_day else 0)
            return datetime.combine(day, time.min, tzinfo=TIMEZONE)
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise AuditError(
            f"{option} {text!r} is not an ISO date or time (e.g. 2026-04-01 or "
            "2026-04-01T10:30:00+08:00)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=TIMEZONE)


def _reads(args: argparse.Namespace, settings: Settings) -> int:
    """``casehub audit reads``: list (newest first) or verify the console's read log."""
    # the console is the highest layer; only this verb reads its log (.importlinter says so)
    from console.readlog import KINDS, ReadLog  # noqa: PLC0415
    from hub.i18n import t  # noqa: PLC0415
    from hub.presentation.clock import moment, zone_note  # noqa: PLC0415
    from hub.presentation.table import text_table  # noqa: PLC0415

    lang = _lang(args.lang)
    fmt = _format(args.format, ("table", "json"))
    path = args.file or reads_path(settings)
    if not path.is_file():
        raise AuditError(f"there is no read log at {path} (the console has recorded no read)")
    if args.kind is not None and args.kind not in KINDS:
        raise AuditError(f"unknown --kind {args.kind!r}: expected one of {', '.join(KINDS)}")
    if args.limit < 1:
        raise AuditError(f"--limit must be at least 1 (got {args.limit})")
    since = _reads_moment(args.since, "--since", end_of_day=False) if args.since else None
    until = _reads_moment(args.until, "--until", end_of_day=True) if args.until else None
    if since is not None and until is not None and until <= since:
        raise AuditError(f"--until {args.until} is not after --since {args.since}")
    case_ref = str(parse_case_ref(args.case_ref)) if args.case_ref else None
    with ReadLog.open(path) as log:
        if args.verify:
            verdict = log.verify()
            if fmt == "json":
                bad = verdict.first_bad
                print(
                    json.dumps(
                        {
                            "ok": verdict.ok,
                            "entries": verdict.entries,
                            "first_bad": None
                            if bad is None
                            else {
                                "seq": bad.seq,
                                "field": bad.field,
                                "problem": bad.problem,
                                "why": bad.why,
                            },
                        },
                        ensure_ascii=False,
                    )
                )
            elif verdict.first_bad is None:
                print(t("reads.verify_ok", lang).format(entries=verdict.entries))
            else:
                bad = verdict.first_bad
                why = bad.why if lang == "en" else t(f"reads.problem.{bad.problem}", lang)
                print(
                    t("reads.verify_bad", lang).format(
                        seq=bad.seq, field=bad.field, why=why, entries=verdict.entries
                    )
                )
            return 0 if verdict.ok else 1
        filters: dict[str, Any] = {
            "account": args.account,
            "agency": args.agency,
            "case_ref": case_ref,
            "kind": args.kind,
            "since": since,
            "until": until,
        }
        found = log.entries(**filters, limit=args.limit)
        total = log.count(**filters)
    if fmt == "json":
        print(
            json.dumps(
                {"total": total, "entries": [e.as_json() for e in found]},
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    if not found:
        print(t("reads.none", lang))
        return 0
    header = [
        t(f"reads.col.{c}", lang)
        for c in ("seq", "at", "account", "agency", "kind", "case", "target", "query")
    ]
    rows = [
        [
            str(e.seq),
            moment(e.at, seconds=True),
            e.account,
            e.agency,
            t(f"reads.kind.{e.kind}", lang),
            e.case_ref or "—",
            e.target or "—",
            " ".join(f"{k}={v}" for k, v in sorted(e.query.items())) or "—",
        ]
        for e in found
    ]
    print(text_table(header, rows))
    print(t("reads.shown", lang).format(total=total, shown=len(found)))
    print(zone_note(lang))
    return 0
