"""``casehub publish --agency ID FILE.jsonl``: send a file of events in the JSON form.

Each line is one event (``docs/events.md``). A line that does not parse, does not fit its
schema, names an unknown event type or claims another sender is reported with its line number
and field path and is not sent; the rest continue unless ``--stop-on-error``. The exit code is
0 when every line was sent, 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from hub.cases.commands import Command
from hub.codec import FieldError, command_from_json_text, default_catalog
from hub.errors import SetupError
from hub.publish.publisher import AgencyPublisher
from hub.settings import Settings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "publish", help="publish a JSON Lines file of events as an agency"
    )
    parser.add_argument("--agency", required=True, help="the publishing agency's id")
    parser.add_argument("file", type=Path, help="events in the JSON form, one per line")
    parser.add_argument(
        "--stop-on-error", action="store_true", help="stop at the first refused line"
    )
    parser.add_argument(
        "--bootstrap", help="bootstrap servers host:port[,...] (default: from settings)"
    )
    parser.add_argument(
        "--hub-public-key",
        type=Path,
        help="seal personal data with the hub's public key in this file "
        "(default: setting hub_public_key_file; none: sent unsealed)",
    )
    parser.set_defaults(func=cmd_publish)


class _Progress:
    """A one-line counter on stderr when it is a terminal (and for long files)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.live = stream.isatty()
        self.last = 0.0

    def show(self, sent: int, refused: int, *, final: bool = False) -> None:
        now = time.monotonic()
        if self.live and (final or now - self.last > 0.2):
            self.last = now
            end = "\n" if final else ""
            print(f"\rsent {sent}, refused {refused}", end=end, file=self.stream, flush=True)


def cmd_publish(args: argparse.Namespace, settings: Settings) -> int:  # noqa: C901 - one loop
    path: Path = args.file
    if not path.is_file():
        raise SetupError(f"{path} is not a file")
    catalog = default_catalog()
    refused = 0
    sent = 0
    progress = _Progress(sys.stderr)
    stop = False

    def refuse(line_no: int, message: str) -> None:
        nonlocal refused, stop
        refused += 1
        progress.show(sent, refused)
        print(f"{path}:{line_no}: refused: {message}", file=sys.stderr)
        if args.stop_on_error:
            stop = True

    def lines() -> Iterator[tuple[str, Command]]:
        with path.open(encoding="utf-8", errors="strict", newline="") as stream:
            for line_no, line in enumerate(stream, start=1):
                if stop:
                    return
                if not line.strip():
                    continue
                try:
                    command = command_from_json_text(line, catalog=catalog)
                except FieldError as exc:
                    refuse(line_no, str(exc))
                    continue
                sender = command.envelope.sender_agency
                if sender != args.agency:
                    refuse(
                        line_no,
                        f"header.sender_agency: {sender!r} is not the publishing agency "
                        f"{args.agency!r}",
                    )
                    continue
                yield str(line_no), command

    bootstrap = args.bootstrap.split(",") if args.bootstrap else None
    if getattr(args, "hub_public_key", None) is not None:
        settings = settings.with_overrides(hub_public_key_file=str(args.hub_public_key))
    try:
        with AgencyPublisher(args.agency, bootstrap_servers=bootstrap, settings=settings) as pub:
            for result in pub.publish_many(lines()):
                if result.ok:
                    sent += 1
                    progress.show(sent, refused)
                else:
                    refuse(int(result.ref), result.error)
    except UnicodeDecodeError as exc:
        raise SetupError(f"{path} is not UTF-8 text: {exc}") from exc
    progress.show(sent, refused, final=True)
    print(f"{path}: sent {sent}, refused {refused} (topic {pub.topic})")
    return 0 if refused == 0 else 1
