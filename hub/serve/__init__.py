"""``casehub serve``: run the pipeline (ingest, relay, scheduler) until SIGTERM or SIGINT."""

from __future__ import annotations

import argparse
import threading
from typing import Any

from hub.settings import Settings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve", help="run the hub: ingest agency topics, relay outcomes, record missed deadlines"
    )
    parser.add_argument(
        "--store", choices=("sqlite", "postgres"), help="event store (default: settings)"
    )
    parser.add_argument(
        "--directory-file",
        help="apply this operator directory file (TOML/JSON) before serving (idempotent)",
    )
    parser.add_argument(
        "--scheduler-interval",
        type=float,
        default=30.0,
        help="seconds between deadline scheduler ticks (default 30)",
    )
    parser.add_argument(
        "--ingest-pattern",
        help=(
            "consume only the agency topics matching this regex, in RE2 syntax (no "
            "lookahead; the broker resolves it); default: every agency's"
        ),
    )
    parser.add_argument(
        "--metrics-port",
        type=int,
        help="port of /metrics, /healthz, /readyz (default: setting metrics_port; 0: off)",
    )
    parser.add_argument(
        "--metrics-host",
        default="127.0.0.1",
        help="address the metrics port listens on (default 127.0.0.1; 0.0.0.0 for a scraper)",
    )
    parser.add_argument("--no-relay", action="store_true", help="ingest only")
    parser.add_argument("--no-ingest", action="store_true", help="relay and scheduler only")
    parser.set_defaults(func=_serve_command)


def _serve_command(args: argparse.Namespace, settings: Settings) -> int:
    from hub.bootstrap import open_pipeline  # noqa: PLC0415
    from hub.ingest.loop import IngestOptions  # noqa: PLC0415
    from hub.serve.runner import ServeOptions, Server, install_signal_handlers  # noqa: PLC0415

    stop = threading.Event()
    install_signal_handlers(stop)  # first: a SIGTERM during start-up is a clean stop too

    if args.store:
        settings = settings.with_overrides(store=args.store)
    ingest = IngestOptions(pattern=args.ingest_pattern) if args.ingest_pattern else IngestOptions()
    options = ServeOptions(
        ingest=ingest,
        scheduler_interval_s=args.scheduler_interval,
        run_ingest=not args.no_ingest,
        run_relay=not args.no_relay,
        run_scheduler=not args.no_relay,
        metrics_port=args.metrics_port,
        metrics_host=args.metrics_host,
    )
    with open_pipeline(settings) as app:
        if args.directory_file:
            app.apply_directory_file(args.directory_file)
        server = Server(app, settings, options, stop=stop)
        return server.serve()
