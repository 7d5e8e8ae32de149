"""``casehub demo [--lang zh|en|both] [--data-dir PATH] [--secure]``: the story through Kafka."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from hub.settings import Settings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="tell the demo story end to end through Kafka on a simulated clock (演示)",
        description=(
            "Start (or reuse) the local broker, clear the hub's casehub.* topics, run the hub "
            "in-process on a simulated clock, publish the story agency by agency, feed the "
            "views, then print the timelines, the chain verification, the deadlines and the "
            "assessment ranking and write the HTML reports into a fresh run folder. Each run "
            "creates its own keys (sealing, store, per-person) and clearances there, erases one "
            "party, and shows a confidential case masked on the feeds of those not entitled."
        ),
    )
    parser.add_argument(
        "--lang", choices=("zh", "en", "both"), default="both", help="both (default), zh or en"
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="the run folder (default: <data dir>/demo/run-<UTC time>); must not hold a run",
    )
    parser.add_argument(
        "--secure",
        action="store_true",
        help="with authentication, ACLs and TLS: on the local sasl broker profile over SASL_SSL, "
        "each client as its own SCRAM principal (see docs/security.md)",
    )
    parser.add_argument(
        "--no-console",
        action="store_true",
        help="do not start the web console on the run at the end (it starts by default, in "
        "the background; stop it with `casehub console down`)",
    )
    parser.set_defaults(func=_demo)


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from devkit.demo.run import DemoOptions, run_demo  # noqa: PLC0415 - keep `casehub --help` fast

    options = DemoOptions(
        lang=args.lang, data_dir=args.data_dir, secure=args.secure, web_console=not args.no_console
    )
    return run_demo(settings, options)
