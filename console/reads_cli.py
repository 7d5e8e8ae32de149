"""``casehub audit reads``: list and verify the console's read log.

The verb belongs to the auditors' ``audit`` group, but the read log is the console's, the
highest layer, which the hub may not import: this module adds ``reads`` to the group that
``hub/audit/cli.py`` created (hub/cli.py lists both modules for ``audit``).
"""

from __future__ import annotations

import argparse
import json
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from console.readlog import KINDS, ReadLog
from hub.audit.history import AuditError, parse_case_ref
from hub.i18n import Lang, check_lang, t
from hub.presentation.clock import moment, zone_note
from hub.presentation.table import text_table
from hub.rules.clocks import TIMEZONE
from hub.settings import Settings

_REF_HELP = "owning-agency/case-number, e.g. market-regulation/市监案〔2026〕001号"


def register(subparsers: Any) -> None:
    group = subparsers.choices.get("audit")
    if group is None:  # hub.audit.cli is missing (it never is in this distribution)
        group = subparsers.add_parser("audit", help="auditors' tools")
        group.add_subparsers(dest="verb", metavar="VERB").required = True
    verbs = next(a for a in group._actions if isinstance(a, argparse._SubParsersAction))  # noqa: SLF001 - argparse exposes no getter
    reads = verbs.add_parser(
        "reads", help="the console's read log: who read which case, search or export; --verify"
    )
    reads.add_argument("--account", help="only this console account's reads")
    reads.add_argument("--agency", help="only reads by accounts of this agency")
    reads.add_argument("--case", dest="case_ref", metavar="CASE_REF", help=_REF_HELP)
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
    lang = _lang(args.lang)
    fmt = _format(args.format, ("table", "json"))
    path = args.file or settings.console_reads_file
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


def _lang(value: str) -> Lang:
    try:
        return check_lang(value)
    except ValueError as exc:
        raise AuditError(str(exc)) from None


def _format(value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise AuditError(f"unknown format {value!r}: expected {', '.join(allowed)}")
    return value
