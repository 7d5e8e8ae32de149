"""``casehub ops``: status, dead letters, redrive."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any
from uuid import UUID

from hub.errors import CaseHubError
from hub.settings import Settings


class BadDeadLetterId(CaseHubError):
    code = "bad_dead_letter_id"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "ops", help="operations: topics and lag, dead letters, redrive (see docs/operations.md)"
    )
    verbs = parser.add_subparsers(dest="verb", metavar="VERB")
    verbs.required = True

    status = verbs.add_parser(
        "status",
        help="topics and record counts, consumer-group lag, agencies' activity, schemas in use",
    )
    _store_option(status)
    status.add_argument("--json", action="store_true", help="one JSON document for scripts")
    status.add_argument(
        "--sample",
        type=int,
        default=200,
        help="records read from the end of each agency partition for schema use (0: skip)",
    )
    status.set_defaults(func=_status_command)

    letters = verbs.add_parser("deadletters", help="list dead letters (the store's rejections)")
    _store_option(letters)
    letters.add_argument("--agency", help="only this agency's")
    letters.add_argument("--reason", help="only this reason code (e.g. bad_magic)")
    letters.add_argument(
        "--open", action="store_true", help="leave out those a redrive has since accepted"
    )
    letters.add_argument("--json", action="store_true", help="JSON lines for scripts")
    letters.set_defaults(func=_deadletters_command)

    again = verbs.add_parser(
        "redrive", help="apply chosen dead letters again after their cause is fixed"
    )
    _store_option(again)
    again.add_argument("ids", nargs="+", metavar="ID", help="rejection ids (from deadletters)")
    again.add_argument("--json", action="store_true", help="JSON lines for scripts")
    again.set_defaults(func=_redrive_command)


def _store_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", choices=("sqlite", "postgres"), help="event store to read")


def _settings(args: argparse.Namespace, settings: Settings) -> Settings:
    return settings.with_overrides(store=args.store) if args.store else settings


def _status_command(args: argparse.Namespace, settings: Settings) -> int:
    from hub.bootstrap import open_probe_hub  # noqa: PLC0415
    from hub.ops.status import collect_status, render_status  # noqa: PLC0415

    settings = _settings(args, settings)
    with open_probe_hub(settings) as app:
        status = collect_status(settings, app, sample=max(0, args.sample))
    if args.json:
        json.dump(status.to_json(), sys.stdout, indent=2, ensure_ascii=False)
        print()
    else:
        print(render_status(status))
    return 0


def _deadletters_command(args: argparse.Namespace, settings: Settings) -> int:
    from hub.bootstrap import open_probe_hub  # noqa: PLC0415
    from hub.ops.deadletters import dead_letters  # noqa: PLC0415

    settings = _settings(args, settings)
    with open_probe_hub(settings) as app:
        letters = list(
            dead_letters(app, agency=args.agency, reason=args.reason, open_only=args.open)
        )
    if args.json:
        for letter in letters:
            print(json.dumps(letter.to_json(), ensure_ascii=False))
        return 0
    for letter in letters:
        redriven = f"  redriven x{letter.redrives}: {letter.redriven}" if letter.redriven else ""
        print(
            f"{letter.rejection_id}  {letter.recorded_at.isoformat(timespec='seconds')}  "
            f"{letter.reason_code:<18} {letter.agency or '-':<22} "
            f"{letter.source}[{letter.partition}]@{letter.offset}{redriven}"
        )
        print(f"    {letter.message}")
    print(f"{len(letters)} dead letter(s)")
    return 0


def _redrive_command(args: argparse.Namespace, settings: Settings) -> int:
    from hub.bootstrap import inbound_decoder, open_pipeline  # noqa: PLC0415
    from hub.ops.deadletters import redrive, require_dead_letters  # noqa: PLC0415

    ids = [_uuid(raw) for raw in args.ids]
    settings = _settings(args, settings)
    failed = 0
    decode = inbound_decoder(settings)
    with open_pipeline(settings) as app:
        require_dead_letters(app, ids)  # all or none: an unknown id redrives nothing
        for rejection_id in ids:
            result = redrive(app, rejection_id, decode=decode)
            if result.outcome == "rejected":
                failed += 1
            if args.json:
                print(json.dumps(result.to_json(), ensure_ascii=False))
            elif result.outcome == "rejected":
                print(
                    f"{rejection_id}: still rejected ({result.reason_code}): {result.message}; "
                    f"new dead letter {result.new_rejection_id}"
                )
            else:
                where = (
                    f"case {result.case_id} v{result.version}" if result.case_id else "directory"
                )
                print(f"{rejection_id}: {result.outcome} ({where})")
    # 0: every one accepted now; 1: some still fail (each recorded with its reason).
    return 1 if failed else 0


def _uuid(raw: str) -> UUID:
    try:
        return UUID(raw)
    except ValueError:
        raise BadDeadLetterId(
            f"{raw!r} is not a dead-letter id (a UUID; `casehub ops deadletters` lists them)"
        ) from None
