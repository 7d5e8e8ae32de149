"""``casehub audit history | verify | export``: the auditors' tools (``reads``, the console's
read log, is added to the group by ``console/reads_cli.py``)."""

from __future__ import annotations

import argparse
import re
import sys
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from hub.audit.anchor import published_anchor, registered_cases
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
from hub.settings import Settings


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


def _verify(args: argparse.Namespace, settings: Settings) -> int:
    if bool(args.case_ref) == bool(args.all):
        raise AuditError("name one CASE_REF or give --all")
    ref = None if args.all else parse_case_ref(args.case_ref)
    anchor = published_anchor(settings, args.anchor)
    print(anchor.note)
    damaged: list[str] = []
    with _open_app(settings) as app:
        if ref is None:
            verdicts = verify_all(
                app,
                registered_cases(app, anchor.labels),
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
