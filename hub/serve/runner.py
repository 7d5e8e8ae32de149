"""``casehub serve``: ingest, leadership, relay and scheduler, one thread each.

Ingest runs in every instance; the relay and the scheduler only on the leader
(``hub.leadership``). SIGTERM and SIGINT set the stop event: the ingest finishes the batch in
hand, the relay its transaction, and the process exits 0. A thread that fails stops the
others and the process exits 1, so a supervisor restarts it (everything resumes from the
store and the relay position).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from eventsourcing.persistence import PersistenceError

from hub.bootstrap import open_pipeline
from hub.cases.application import CaseHub
from hub.ingest.loop import Ingest, IngestOptions
from hub.ingest.store import IngestStore
from hub.leadership import Leadership, LeadershipOptions
from hub.logging import get_logger
from hub.ops.metrics import (
    BrokerProbe,
    Check,
    PipelineMetrics,
    relay_probe,
    start_metrics_server,
    store_probe,
)
from hub.relay.relay import Fenced, Relay, RelayOptions
from hub.runtime import tune_garbage_collector
from hub.scheduler import Scheduler
from hub.settings import Settings
from hub.topics import ensure_topics

log = get_logger(__name__)


@dataclass(frozen=True)
class ServeOptions:
    ingest: IngestOptions = field(default_factory=IngestOptions)
    relay: RelayOptions = field(default_factory=RelayOptions)
    leadership: LeadershipOptions = field(default_factory=LeadershipOptions)
    scheduler_interval_s: float = 30.0
    run_ingest: bool = True
    run_relay: bool = True
    run_scheduler: bool = True
    #: Port of /metrics, /healthz, /readyz: None takes ``settings.metrics_port`` (0: off).
    metrics_port: int | None = None
    metrics_host: str = "127.0.0.1"


class Server:
    """Runs the pipeline threads over one application until ``stop`` is set."""

    def __init__(
        self,
        app: CaseHub,
        settings: Settings,
        options: ServeOptions | None = None,
        *,
        stop: threading.Event | None = None,
    ) -> None:
        self.app = app
        self.settings = settings
        self.options = options or ServeOptions()
        self.stop = stop if stop is not None else threading.Event()
        self.failed: list[str] = []
        self.leadership = Leadership(settings, self.stop, self.options.leadership)
        self.ingest: Ingest | None = None
        self.metrics = PipelineMetrics()
        self.metrics_server: Any = None
        #: Set by the ingest after each batch it stores: the relay here publishes it at once
        #: instead of at its next look at the store.
        self.stored = threading.Event()

    def _guard(self, name: str, target: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                target()
            except Exception:
                log.exception("thread_failed", thread=name)
                self.failed.append(name)
                self.stop.set()

        return run

    def _while_leader(self, name: str, duty: Callable[[Callable[[], bool]], None]) -> None:
        """Run ``duty`` while this instance leads, within one leadership term at a time.

        A duty runs until leadership is lost or a new term begins (then it starts afresh: the
        relay's new producer fences whatever ran meanwhile and reads the position back). A
        relay fenced within its own term means another instance publishes: it is not run
        again before this instance gains leadership anew, so two instances never fence each
        other back and forth.
        """
        fenced_in: int | None = None
        while not self.stop.is_set():
            if not self.leadership.wait(0.5):
                continue
            term = self.leadership.term()
            if term == fenced_in:
                self.stop.wait(0.5)
                continue

            def keep_running(term: int = term) -> bool:
                return self.leadership.is_leader() and self.leadership.term() == term

            log.info("duty_started", duty=name, term=term)
            try:
                duty(keep_running)
            except Fenced:
                fenced_in = term
                log.warning("duty_fenced", duty=name, term=term)
            except PersistenceError as exc:  # the store is down: wait, then start again
                log.warning("store_unavailable", stage=name, error=str(exc)[:200])
                self.stop.wait(2.0)
            except Exception:
                # Kafka away while starting, a timeout: the duty restarts from scratch (the
                # relay re-reads its position from Kafka), so retrying is safe.
                log.exception("duty_failed", duty=name)
                self.stop.wait(2.0)
            log.info("duty_paused", duty=name, term=term)

    def _relay(self) -> None:
        relay = Relay(
            self.app,
            self.settings,
            options=self.options.relay,
            metrics=self.metrics,
            wake=self.stored,
        )
        self._while_leader("relay", relay.run)

    def _scheduler(self) -> None:
        scheduler = Scheduler(
            self.app,
            self.stop,
            clock=self.app.clock,
            interval_s=self.options.scheduler_interval_s,
            metrics=self.metrics,
        )
        self._while_leader("scheduler", scheduler.run)

    def threads(self) -> list[threading.Thread]:
        o = self.options
        targets: dict[str, Callable[[], None]] = {}
        if o.run_ingest:
            self.ingest = Ingest(
                IngestStore(self.app),
                self.settings,
                self.stop,
                options=o.ingest,
                metrics=self.metrics,
                on_recorded=self.stored.set,
            )
            targets["ingest"] = self.ingest.run
        if o.run_relay or o.run_scheduler:
            targets["leadership"] = self.leadership.run
        if o.run_relay:
            targets["relay"] = self._relay
        if o.run_scheduler:
            targets["scheduler"] = self._scheduler
        return [
            threading.Thread(target=self._guard(n, t), name=f"casehub-{n}", daemon=True)
            for n, t in targets.items()
        ]

    def serve(self) -> int:
        """Run until stopped; 0 after a clean stop, 1 when a thread failed."""
        if self.stop.is_set():  # stopped while starting up
            return 0
        ensure_topics(self.settings, self.app.agency_ids())
        threads = self.threads()
        self._start_metrics()
        for t in threads:
            t.start()
        log.info("serve_started", threads=[t.name for t in threads], store=self.settings.store)
        try:
            while not self.stop.wait(0.5):
                pass
        finally:
            if self.metrics_server is not None:
                self.metrics_server.close()
        for t in threads:
            t.join(timeout=30)
        alive = [t.name for t in threads if t.is_alive()]
        if alive:
            log.error("serve_threads_did_not_stop", threads=alive)
        log.info("serve_stopped", failed=self.failed)
        return 1 if self.failed or alive else 0

    def _start_metrics(self) -> None:
        o = self.options
        port = self.settings.metrics_port if o.metrics_port is None else o.metrics_port
        checks: dict[str, Check] = {
            "broker": BrokerProbe(self.settings),
            "store": store_probe(self.app),
        }
        # Every instance, leader or not, says when the relay has stalled: it judges the hub's
        # facts (Kafka's committed position, the store's head), not its own threads.
        checks["relay"] = relay_probe(self.settings, self.app)
        self.metrics_server = start_metrics_server(
            self.metrics, checks, port=port, host=o.metrics_host
        )

    def install_signal_handlers(self) -> None:
        install_signal_handlers(self.stop)


def install_signal_handlers(stop: threading.Event) -> None:
    """SIGTERM and SIGINT set ``stop``: the current batch finishes and serve exits 0."""

    def handle(signum: int, _frame: FrameType | None) -> None:
        log.info("serve_stopping", signal=signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)


def serve(settings: Settings, options: ServeOptions | None = None, **app_kwargs: Any) -> int:
    with open_pipeline(settings, **app_kwargs) as app:
        server = Server(app, settings, options)
        server.install_signal_handlers()
        tune_garbage_collector()
        return server.serve()
