"""The ``casehub`` command: one root parser; each bounded context registers its own group.

A group is a module with ``register(subparsers)`` that adds its sub-commands and sets
``func`` on each parser to a callable taking the parsed arguments and the settings and
returning an exit code. Errors the hub raises on purpose (``CaseHubError``) are printed as
one clear line with a non-zero exit, never as a stack trace.

Verbs are loaded lazily: ``casehub publish ...`` imports only the publisher's module, so the
publisher SDK's machines (``pip install casehub``, without the ``server`` extra) run it
without the hub's packages. A verb whose module needs a package that is not installed is
still listed, and says which extra to install instead of failing with a traceback.

The development verbs (``casehub demo``, ``casehub broker``) are not the product's: the dev kit
(``devkit/``, installed by ``make venv``) adds them through the ``casehub.commands`` entry-point
group (``hub.extensions``), read from the installed metadata without importing the dev kit.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import sys
from collections.abc import Iterable, Sequence

from hub import extensions
from hub.errors import CaseHubError, SetupError
from hub.logging import configure_logging, get_logger
from hub.settings import Settings, load_settings

#: Each verb of the product and the modules that register it, in the order ``--help`` lists
#: them; an installed dev kit's verbs follow (``command_groups``).
COMMAND_GROUPS: dict[str, tuple[str, ...]] = {
    "schemas": ("hub.codec.cli",),
    "publish": ("hub.publish.cli",),
    "directory": ("hub.directory.cli",),
    "topics": ("hub.topics",),
    "serve": ("hub.serve",),
    "consumers": ("consumers.cli",),
    "ops": ("hub.ops.cli",),
    "store": ("hub.store.cli",),
    "audit": ("hub.audit.cli", "console.reads_cli"),
    "assessment": ("consumers.assessment_cli",),
    "security": ("hub.security.cli",),
    # Personal data: subjects, erase, correct (hub/privacy); then hub-keygen joins that group,
    # or makes a minimal one of its own where the hub's packages are missing (an agency's
    # machine needs only the sealing key).
    "privacy": ("hub.privacy.cli", "hub.privacy.sealing_cli"),
    # The web console (console/): serve, up/down, accounts.
    "console": ("console.cli",),
}

#: What a machine with the SDK alone installs to run the hub's own verbs.
SERVER_EXTRA = "casehub[server]"
_OWN_PACKAGES = frozenset({"hub", "consumers", "console", "devkit"})

log = get_logger(__name__)


def command_groups() -> dict[str, tuple[str, ...]]:
    """The product's verbs, then those an installed dev kit adds (none of them imported)."""
    groups = dict(COMMAND_GROUPS)
    for verb, module_name in extensions.command_modules().items():
        groups[verb] = (*groups.get(verb, ()), module_name)
    return groups


def build_parser(verbs: Iterable[str] | None = None) -> argparse.ArgumentParser:
    """The root parser with ``verbs`` (default: every verb) and their sub-commands."""
    parser = _root_parser(add_help=True)
    subparsers = parser.add_subparsers(dest="group", metavar="COMMAND")
    subparsers.required = True
    groups = command_groups()
    for verb in groups if verbs is None else verbs:
        missing: str | None = None
        for module_name in groups[verb]:
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as exc:
                missing = _missing_package(exc)
                continue
            module.register(subparsers)
        if missing is not None and verb not in subparsers.choices:
            _add_needs_server(subparsers, verb, missing)
    return parser


def _root_parser(*, add_help: bool) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="casehub",
        description="CaseHub: the case-information sharing hub (案件信息共享平台).",
        add_help=add_help,
    )
    parser.add_argument("--log-level", default="WARNING", help="log level (default WARNING)")
    parser.add_argument(
        "--log-json", action="store_true", default=None, help="force JSON log lines"
    )
    return parser


def _add_needs_server(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser], verb: str, missing: str
) -> None:
    parser = subparsers.add_parser(verb, help=f"(not installed here: pip install '{SERVER_EXTRA}')")
    parser.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    parser.set_defaults(func=functools.partial(_needs_server, verb, missing))


def _needs_server(verb: str, missing: str, _args: argparse.Namespace, _settings: Settings) -> int:
    raise _server_missing(verb, missing)


def _missing_package(exc: ModuleNotFoundError) -> str:
    """The third-party module ``exc`` says is missing; re-raises when it is one of ours (a bug,
    not an extra left out)."""
    top = (exc.name or "").partition(".")[0]
    if not top or top in _OWN_PACKAGES:
        raise exc
    return exc.name or top


def _server_missing(verb: str, missing: str) -> SetupError:
    return SetupError(
        f"`casehub {verb}` runs the hub, whose packages are not installed here "
        f"(no module {missing}): pip install '{SERVER_EXTRA}'"
    )


def _chosen_verb(argv: Sequence[str]) -> str | None:
    """The verb on the command line, if it is one we know (else the full parser explains)."""
    pre = _root_parser(add_help=False)
    pre.add_argument("verb", nargs="?")
    known, _rest = pre.parse_known_args(argv)
    verb: str | None = known.verb
    return verb if verb in command_groups() else None


def _call(args: argparse.Namespace, settings: Settings) -> int:
    """Run the verb; most verbs import their machinery when they run, so a package of the
    ``server`` extra that is missing shows here, and is named as such."""
    try:
        code: int = args.func(args, settings)
    except ModuleNotFoundError as exc:
        raise _server_missing(args.group, _missing_package(exc)) from exc
    return code


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    verb = _chosen_verb(argv)
    parser = build_parser(None if verb is None else [verb])
    args = parser.parse_args(argv)
    configure_logging(args.log_level, json=args.log_json)
    try:
        settings = load_settings()
        code: int = _call(args, settings)
    except CaseHubError as exc:
        print(f"casehub: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("casehub: interrupted", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
