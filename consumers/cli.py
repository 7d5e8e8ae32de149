"""``casehub consumers run [VIEW…] | rebuild VIEW | status | deadlines | timeline CASE_REF``."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

from consumers import deadlines, timelines
from consumers.opening import open_view_store
from consumers.references import names_of
from consumers.runner import (
    STORE_SOURCE,
    VIEWS,
    KafkaViewRunner,
    ProgressBar,
    open_event_store,
    rebuild,
    views_named,
)
from consumers.store import ViewStore
from consumers.tables import deadlines_table, timeline_table
from hub.bootstrap import working_calendar
from hub.errors import CaseHubError
from hub.i18n import Lang, check_lang
from hub.privacy.access import AUDITOR, Reader
from hub.privacy.reveal_views import ReadingLens
from hub.rules.clocks import local_date
from hub.runtime import tune_garbage_collector
from hub.settings import Settings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "consumers", help="the views of the outbound topics (audit trail, deadlines, …)"
    )
    verbs = parser.add_subparsers(dest="verb", metavar="VERB")
    verbs.required = True
    names = ", ".join(VIEWS)
    run = verbs.add_parser("run", help=f"feed views from Kafka (default: all of {names})")
    run.add_argument("views", nargs="*", metavar="VIEW")
    run.add_argument(
        "--idle", type=float, help="stop after this many seconds with nothing new (default: never)"
    )
    run.add_argument(
        "--metrics-port",
        type=int,
        help="port of /metrics, /healthz, /readyz (default: setting metrics_port + 1; 0: off)",
    )
    run.add_argument(
        "--metrics-host", default="127.0.0.1", help="address it listens on (default 127.0.0.1)"
    )
    run.set_defaults(func=_run)
    again = verbs.add_parser("rebuild", help="drop a view and replay it from the beginning")
    again.add_argument("view", metavar="VIEW", help=names)
    again.add_argument(
        "--from",
        dest="source",
        choices=("store", "kafka"),
        default="store",
        help="store (default): the hub's event store; kafka: the outbound topic",
    )
    again.add_argument(
        "--idle", type=float, default=5.0, help="with --from kafka: stop after this idle time"
    )
    again.set_defaults(func=_rebuild)
    status = verbs.add_parser("status", help="each view's rows and stored positions")
    status.add_argument("views", nargs="*", metavar="VIEW")
    status.set_defaults(func=_status)
    due = verbs.add_parser(
        "deadlines", help="open, overdue and late deadlines, days counted from today (or --today)"
    )
    due.add_argument("--today", help="count days as of this date (default: today, Asia/Shanghai)")
    due.add_argument("--agency", help="only the deadlines this agency owes")
    due.add_argument("--lang", default="zh", help="zh (default) or en")
    due.set_defaults(func=_deadlines)
    line = verbs.add_parser("timeline", help="a case's timeline from the timelines view")
    line.add_argument("case_ref", metavar="CASE_REF", help="owning-agency/case-number")
    line.add_argument("--lang", default="zh", help="zh (default) or en")
    line.add_argument(
        "--as",
        dest="as_agency",
        metavar="AGENCY",
        help="read as this agency would: only the entries that reached it, masked where it "
        "may not read them (default: as the hub's auditor)",
    )
    line.set_defaults(func=_timeline)


@contextmanager
def _view_store(settings: Settings) -> Iterator[ViewStore]:
    store = open_view_store(settings)
    try:
        yield store
    finally:
        store.close()


@contextmanager
def _stop_on_signals() -> Iterator[threading.Event]:
    stop = threading.Event()
    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}

    def handler(_signum: int, _frame: object) -> None:
        stop.set()

    for sig in previous:
        signal.signal(sig, handler)
    try:
        yield stop
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from hub.ops.metrics import (  # noqa: PLC0415
        BrokerProbe,
        PipelineMetrics,
        start_metrics_server,
    )

    views = views_named(args.views)
    port = args.metrics_port
    if port is None:  # beside `casehub serve` on the same host: the next port
        port = settings.metrics_port + 1 if settings.metrics_port > 0 else 0
    metrics = PipelineMetrics()
    with _view_store(settings) as store, _stop_on_signals() as stop:
        server = start_metrics_server(
            metrics,
            {"broker": BrokerProbe(settings), "store": _store_probe(store, views)},
            port=port,
            host=args.metrics_host,
        )
        try:
            runner = KafkaViewRunner(settings, store, views, metrics=metrics)
            tune_garbage_collector()
            applied = runner.run(stop, idle_s=args.idle)
        finally:
            if server is not None:
                server.close()
    for name, count in applied.items():
        print(f"{name}: {count} event(s) applied")
    return 0


def _store_probe(store: ViewStore, views: list[Any]) -> Any:
    def check() -> bool:
        try:
            store.position(views[0].tracking_name(STORE_SOURCE)) if views else None
        except Exception:  # noqa: BLE001 - any failure means "not ready"
            return False
        return True

    return check


def _rebuild(args: argparse.Namespace, settings: Settings) -> int:
    (view,) = views_named([args.view])
    started = time.monotonic()
    if args.source == "kafka":
        with _view_store(settings) as store:
            store.drop(view)
            with _stop_on_signals() as stop:
                applied = KafkaViewRunner(settings, store, [view]).run(stop, idle_s=args.idle)
            count = applied.get(view.name, 0)
            rows = {t.name: store.count(view, t.name) for t in view.tables}
    else:
        with open_event_store(settings) as app, _view_store(settings) as store:
            count = rebuild(app, store, view, progress=ProgressBar(f"rebuild {view.name}"))
            rows = {t.name: store.count(view, t.name) for t in view.tables}
    elapsed = time.monotonic() - started
    rate = count / elapsed if elapsed > 0 else 0.0
    tables = ", ".join(f"{n} {c}" for n, c in rows.items())
    print(
        f"{view.name}: rebuilt from {args.source}: {count} event(s) in {elapsed:.2f}s "
        f"({rate:.0f}/s); rows: {tables}"
    )
    return 0


def _status(args: argparse.Namespace, settings: Settings) -> int:
    views = views_named(args.views)
    with _view_store(settings) as store:
        for view in views:
            store.ensure(view)
            rows = ", ".join(f"{t.name} {store.count(view, t.name)}" for t in view.tables)
            positions = store.tracking_names(view)
            shown = ", ".join(f"{k}={v}" for k, v in sorted(positions.items())) or "none"
            print(f"{view.name}: rows: {rows}; positions: {shown}")
            if f"{view.name}:{STORE_SOURCE}" in positions and len(positions) > 1:
                print(f"  warning: {view.name} was fed from both the store and Kafka")
    return 0


def _lang(value: str) -> Lang:
    try:
        return check_lang(value)
    except ValueError as exc:
        raise ViewQueryError(str(exc)) from None


class ViewQueryError(CaseHubError):
    code = "view_query_error"


def _lens(settings: Settings, as_agency: str | None) -> ReadingLens:
    """Who reads: the hub's auditor, or (``--as``) one agency."""
    if as_agency is not None and not as_agency.strip():
        raise ViewQueryError("--as needs an agency id, e.g. --as market-regulation")
    reader = AUDITOR if as_agency is None else Reader(as_agency.strip())
    return ReadingLens.for_settings(settings, reader)


def _deadlines(args: argparse.Namespace, settings: Settings) -> int:
    lang = _lang(args.lang)
    machine_today = local_date(datetime.now(UTC))
    try:
        today = date.fromisoformat(args.today) if args.today else machine_today
    except ValueError:
        raise ViewQueryError(f"--today {args.today!r} is not a date (YYYY-MM-DD)") from None
    with _view_store(settings) as store:
        store.ensure(deadlines.VIEW)
        found = deadlines.read(
            store, today, agency=args.agency, calendar=working_calendar(settings)
        )
        names = names_of(store, deadlines.VIEW)
    if args.agency and names.agencies and args.agency not in names.agencies:
        known = ", ".join(sorted(names.agencies))
        raise ViewQueryError(
            f"--agency {args.agency!r} is not an agency of the directory (known: {known})"
        )
    sys.stdout.write(deadlines_table(found, names, lang, today, given=bool(args.today)))
    return 0


def _timeline(args: argparse.Namespace, settings: Settings) -> int:
    from hub.audit.history import parse_case_ref  # noqa: PLC0415

    lang = _lang(args.lang)
    ref = parse_case_ref(args.case_ref)
    lens = _lens(settings, args.as_agency)
    with _view_store(settings) as store:
        store.ensure(timelines.VIEW)
        rows = store.rows(timelines.VIEW, "entries", {"case_id": str(ref.case_id)})
        cases = store.rows(timelines.VIEW, "cases", {"case_id": str(ref.case_id)})
        names = names_of(store, timelines.VIEW, [str(ref.case_id)])
    if not rows or not cases:
        raise ViewQueryError(
            f"the timelines view has no case {ref} (unknown case, or the view is not built: "
            "`casehub consumers rebuild timelines`)"
        )
    shown = timelines.read_as(cases[0], rows, lens)
    if not shown:
        raise ViewQueryError(
            f"case {ref} is not visible to agency {lens.reader}: it takes no part in the case "
            "and no event of the case reached it"
        )
    sys.stdout.write(timeline_table(shown, names, lang, names.case(ref.case_id)))
    return 0
