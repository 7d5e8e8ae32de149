"""``casehub broker up|down|status [--profile single|sasl|cluster] [--node N]``."""

from __future__ import annotations

import argparse
from typing import Any, cast

from devkit.broker.config import PROFILES, Profile
from devkit.broker.local import broker_down, broker_status, broker_up
from hub.settings import Settings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "broker", help="run the local Kafka broker (development and tests)"
    )
    verbs = parser.add_subparsers(dest="verb", metavar="VERB")
    verbs.required = True

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        verb: argparse.ArgumentParser = verbs.add_parser(name, help=help_text)
        verb.add_argument(
            "--profile",
            choices=PROFILES,
            default="single",
            help="single (default): one node; sasl: SCRAM-SHA-512 + ACLs; cluster: three nodes",
        )
        return verb

    up = add("up", "start the broker's stopped nodes and wait until they serve clients")
    _node_option(up, "start only this node, leaving the running ones alone")
    up.set_defaults(func=_up)
    down = add("down", "stop the broker (SIGTERM, then SIGKILL after a timeout)")
    _node_option(down, "stop only this node, leaving the others running")
    down.add_argument("--wipe", action="store_true", help="also delete the profile's data")
    down.set_defaults(func=_down)
    add("status", "say whether the broker runs; exit 1 if it does not").set_defaults(func=_status)


def _node_option(verb: argparse.ArgumentParser, help_text: str) -> None:
    verb.add_argument("--node", type=int, metavar="N", help=f"{help_text} (cluster: 1, 2 or 3)")


def _up(args: argparse.Namespace, settings: Settings) -> int:
    broker_up(settings, cast("Profile", args.profile), node=args.node, say=print)
    return 0


def _down(args: argparse.Namespace, settings: Settings) -> int:
    broker_down(settings, cast("Profile", args.profile), node=args.node, wipe=args.wipe, say=print)
    return 0


def _status(args: argparse.Namespace, settings: Settings) -> int:
    status = broker_status(settings, cast("Profile", args.profile))
    for node in status.nodes:
        state = f"running (pid {node.pid})" if node.running else "not running"
        label = f"broker {status.profile}" + (
            f" node {node.node.node_id}" if len(status.nodes) > 1 else ""
        )
        tls = f", SASL_SSL {node.node.tls_bootstrap}" if node.node.tls_bootstrap else ""
        print(f"{label}: {state}, bootstrap {node.node.bootstrap}{tls}, logs {node.node.log_dir}")
    if len(status.nodes) > 1:
        running = len(status.nodes) - len(status.stopped_nodes)
        stopped = ", ".join(str(n) for n in status.stopped_nodes)
        hint = (
            f"; `casehub broker up --profile {status.profile}` starts node {stopped} again"
            if status.any_running and stopped
            else ""
        )
        print(f"{running} of {len(status.nodes)} nodes running{hint}")
        print(f"bootstrap servers: {status.bootstrap}")
    return 0 if status.running else 1
