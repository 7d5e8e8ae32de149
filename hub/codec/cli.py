"""``casehub schemas``: list, check, example, docs and export of the event schemas."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from hub.codec import docs, export
from hub.codec.catalog import SCHEMA_DIR, Catalog
from hub.codec.compat import check_catalog
from hub.codec.examples import example_json
from hub.settings import Settings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("schemas", help="the Avro event schemas (list, check, example)")
    parser.add_argument(
        "--schema-dir",
        type=Path,
        action="append",
        help=f"schema root (repeatable; default {SCHEMA_DIR})",
    )
    sub = parser.add_subparsers(dest="schemas_command", metavar="SUBCOMMAND")
    sub.required = True
    sub.add_parser("list", help="records, versions, fingerprints; * marks current").set_defaults(
        func=cmd_list
    )
    sub.add_parser(
        "check", help="prove every version reads every earlier one (backward-transitive)"
    ).set_defaults(func=cmd_check)
    example = sub.add_parser("example", help="a valid JSON example of an event type")
    example.add_argument("type", help="event type, e.g. CaseRegistered")
    example.set_defaults(func=cmd_example)
    gen = sub.add_parser("docs", help="generate docs/events.md from the schemas")
    gen.add_argument("--write", action="store_true", help=f"write {docs.EVENTS_MD}")
    gen.set_defaults(func=cmd_docs)
    out = sub.add_parser(
        "export",
        help="write standalone schemas (shared records inlined), fingerprints and docs to DIR",
    )
    out.add_argument("directory", type=Path, metavar="DIR", help="created if missing")
    out.set_defaults(func=cmd_export)


def _catalog(args: argparse.Namespace) -> Catalog:
    roots: list[Path] = args.schema_dir or [SCHEMA_DIR]
    return Catalog.load(*roots)


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:  # noqa: ARG001
    catalog = _catalog(args)
    for name in catalog.records():
        current = catalog.current(name)
        for sv in catalog.versions(name):
            mark = "*" if sv is current else " "
            print(f"{mark} {sv.fullname:<50} v{sv.version:<3} {sv.fingerprint_hex}  {sv.kind}")
    return 0


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:  # noqa: ARG001
    catalog = _catalog(args)
    problems = check_catalog(catalog)
    for problem in problems:
        print(f"INCOMPATIBLE: {problem}")
    records = len(catalog.records())
    versions = sum(1 for _ in catalog)
    if problems:
        print(
            f"{len(problems)} break(s) in {records} records, {versions} versions", file=sys.stderr
        )
        return 1
    print(f"ok: {records} records, {versions} versions, backward-transitive compatible")
    return 0


def cmd_example(args: argparse.Namespace, settings: Settings) -> int:  # noqa: ARG001
    print(json.dumps(example_json(args.type, catalog=_catalog(args)), ensure_ascii=False))
    return 0


def cmd_docs(args: argparse.Namespace, settings: Settings) -> int:  # noqa: ARG001
    catalog = _catalog(args)
    if args.write:
        print(f"wrote {docs.write(catalog=catalog)}")
    else:
        sys.stdout.write(docs.render(catalog))
    return 0


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:  # noqa: ARG001
    catalog = _catalog(args)
    written = export.export(args.directory, catalog)
    for path in written.schemas:
        sv = catalog.version(path.parent.name, int(path.stem[1:]))
        print(f"{path}  {sv.fingerprint_hex}  {sv.kind}")
    for path in written.others:
        print(path)
    print(
        f"wrote {len(written.schemas)} schemas ({written.records} records, every version, "
        f"named types inlined) and {len(written.others)} other files to {written.directory}; "
        f"fingerprints in {written.directory / export.INDEX}"
    )
    return 0
