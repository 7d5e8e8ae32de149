"""``casehub directory apply FILE`` and ``casehub directory show [--at DATE]``."""

from __future__ import annotations

import argparse
from datetime import date, datetime
from typing import Any

from hub.settings import Settings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "directory", help="the directory of agencies, officers and liaison officers (联络员)"
    )
    verbs = parser.add_subparsers(dest="verb", metavar="VERB")
    verbs.required = True
    apply = verbs.add_parser(
        "apply", help="apply an operator's directory file (TOML or JSON); idempotent"
    )
    apply.add_argument("file", help="the directory file")
    apply.set_defaults(func=_apply)
    show = verbs.add_parser("show", help="list agencies, officers and current liaisons")
    show.add_argument(
        "--at", type=date.fromisoformat, default=None, help="liaisons as of this date (YYYY-MM-DD)"
    )
    show.set_defaults(func=_show)


def _apply(args: argparse.Namespace, settings: Settings) -> int:
    from hub.bootstrap import open_hub  # noqa: PLC0415 - keep `casehub --help` fast

    with open_hub(settings) as hub:
        changes = hub.apply_directory_file(args.file)
    for line in changes:
        print(line)
    print(f"{len(changes)} change(s) applied" if changes else "directory already up to date")
    return 0


def _show(args: argparse.Namespace, settings: Settings) -> int:
    from hub.bootstrap import open_existing_hub  # noqa: PLC0415
    from hub.rules.clocks import TIMEZONE, local_date  # noqa: PLC0415

    with open_existing_hub(settings) as hub:
        view = hub.directory()
        day = args.at or local_date(datetime.now(TIMEZONE))
        if not view.agencies:
            print("the directory is empty")
            return 0
        for agency in view.agencies:
            print(f"{agency.agency_id}  [{agency.role}]  {agency.name_zh} / {agency.name_en}")
            liaison = hub.liaison_at(agency.agency_id, day)
            for officer in agency.officers:
                mark = (
                    "  (liaison 联络员)"
                    if liaison and liaison.officer_id == officer.officer_id
                    else ""
                )
                title = f", {officer.title}" if officer.title else ""
                name = hub.reveal(officer.name)  # stored sealed (hub/privacy), shown opened
                print(f"    {officer.officer_id}: {name}{title}{mark}")
    return 0
