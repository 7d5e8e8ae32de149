"""The ``casehub`` command: one root parser; each bounded context registers its own group.

A group is a module with ``register(subparsers)`` that adds its sub-commands and sets
``func`` on each parser to a callable taking the parsed arguments and the settings and
returning an exit code. Errors the hub raises on purpose (``CaseHubError``) are printed as
one clear line with a non-zero exit, never as a stack trace.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from hub.errors import CaseHubError
from hub.logging import configure_logging, get_logger
from hub.settings import load_settings

#: Modules that contribute command groups, in the order ``--help`` lists them.
COMMAND_GROUPS: tuple[str, ...] = (
    "hub.broker.cli",
    "hub.codec.cli",
    "hub.publish.cli",
    "hub.directory.cli",
    "hub.topics",
    "hub.serve",
    "consumers.cli",
    "hub.ops.cli",
    "hub.store.cli",
    "hub.audit.cli",
    "hub.assessment.cli",
    "hub.security.cli",
    "hub.demo.cli",
    # Personal data: subjects, erase, correct (hub/privacy); before sealing_cli, which joins it.
    "hub.privacy.cli",
    # After any other `privacy` group: hub-keygen joins it (or makes a minimal one).
    "hub.privacy.sealing_cli",
)

log = get_logger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="casehub",
        description="CaseHub: the case-information sharing hub (案件信息共享平台).",
    )
    parser.add_argument("--log-level", default="WARNING", help="log level (default WARNING)")
    parser.add_argument(
        "--log-json", action="store_true", default=None, help="force JSON log lines"
    )
    subparsers = parser.add_subparsers(dest="group", metavar="COMMAND")
    subparsers.required = True
    for module_name in COMMAND_GROUPS:
        module = importlib.import_module(module_name)
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(args.log_level, json=args.log_json)
    try:
        settings = load_settings()
        code: int = args.func(args, settings)
    except CaseHubError as exc:
        print(f"casehub: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("casehub: interrupted", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
