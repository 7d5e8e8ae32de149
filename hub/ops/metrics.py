"""Prometheus metrics and health endpoints for ``casehub serve`` and ``casehub consumers run``.

Each process builds one ``PipelineMetrics`` (its own ``CollectorRegistry``, so two servers in
one test process never share counters) and hands it to the threads it runs; ``MetricsServer``
serves, on ``settings.metrics_port`` (0: off):

* ``/metrics``: the registry in the Prometheus text format;
* ``/healthz``: 200 while the process runs;
* ``/readyz``: 200 only when every readiness check passes (the broker answers a metadata
  request, the store answers a query), else 503 with the failing checks named.

Names follow Prometheus conventions: ``_total`` for counters, base units (seconds) in the name.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector

from hub.codec.sealed import plaintext_counts
from hub.logging import get_logger
from hub.settings import Settings

log = get_logger(__name__)

#: Records per ingest batch (one poll's records of one partition; at most max_poll_records).
BATCH_BUCKETS = (1, 2, 5, 10, 25, 50, 100, 250, 500, 1000)
#: Seconds one batch's transaction takes (decode excluded).
PROCESSING_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

Check = Callable[[], bool]


class PlaintextPersonalData(Collector):
    """Records accepted with personal data in plaintext, per agency topic.

    The codec counts them process-wide as it decodes (an agency that does not seal yet); read at
    scrape time so operations see which agency still sends names and ID numbers in the clear.
    """

    def collect(self) -> Iterator[CounterMetricFamily]:
        family = CounterMetricFamily(
            "casehub_plaintext_personal_data",
            "Inbound records accepted with personal data not sealed for the hub, by topic.",
            labels=["topic"],
        )
        for topic, count in sorted(plaintext_counts().items()):
            family.add_metric([topic], count)
        yield family


class PipelineMetrics:
    """Every metric the hub exports, registered in one registry of its own."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        r.register(PlaintextPersonalData())
        self.records_consumed = Counter(
            "casehub_ingest_records",
            "Inbound records recorded by the ingest (accepted, duplicate or rejected).",
            registry=r,
        )
        self.events_ingested = Counter(
            "casehub_events_ingested",
            "Inbound events accepted as new events on a case or the directory.",
            registry=r,
        )
        self.events_duplicate = Counter(
            "casehub_events_duplicate",
            "Inbound events accepted before with the same content (no-op resends).",
            registry=r,
        )
        self.events_rejected = Counter(
            "casehub_events_rejected",
            "Inbound records rejected, by reason code (each goes to casehub.deadletter).",
            ["reason"],
            registry=r,
        )
        self.batch_size = Histogram(
            "casehub_ingest_batch_size",
            "Records per ingest batch (one partition, one transaction).",
            buckets=BATCH_BUCKETS,
            registry=r,
        )
        self.processing_seconds = Histogram(
            "casehub_ingest_processing_seconds",
            "Seconds to record one ingest batch in the store (one transaction).",
            buckets=PROCESSING_BUCKETS,
            registry=r,
        )
        self.ingest_outcomes = Counter(
            "casehub_ingest_batches",
            "Ingest batches by outcome: recorded, replayed, conflict, fenced, store_error.",
            ["outcome"],
            registry=r,
        )
        self.relay_lag = Gauge(
            "casehub_relay_lag_notifications",
            "Stored notifications not yet relayed (max notification id - relay position).",
            registry=r,
        )
        self.relay_records = Counter(
            "casehub_relay_records",
            "Records the relay committed to Kafka, by kind: timeline, feed, deadletter.",
            ["kind"],
            registry=r,
        )
        self.relay_transactions = Counter(
            "casehub_relay_transactions",
            "Kafka transactions the relay committed.",
            registry=r,
        )
        self.scheduler_runs = Counter(
            "casehub_scheduler_runs",
            "Deadline scheduler ticks completed.",
            registry=r,
        )
        self.deadlines_missed = Counter(
            "casehub_deadlines_missed_recorded",
            "DeadlineMissed events the scheduler recorded.",
            registry=r,
        )
        self.view_events_applied = Counter(
            "casehub_view_events_applied",
            "Records applied to a view (consumers), by view.",
            ["view"],
            registry=r,
        )
        self.view_lag = Gauge(
            "casehub_view_lag_records",
            "Records of the view's topic not yet applied (end offset - next offset), by view.",
            ["view"],
            registry=r,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)

    # --- hooks the pipeline calls -------------------------------------------------------------
    def ingest_batch(self, records: int, outcomes: list[Any], seconds: float) -> None:
        self.records_consumed.inc(records)
        self.batch_size.observe(records)
        self.processing_seconds.observe(seconds)
        self.ingest_outcomes.labels("recorded").inc()
        for outcome in outcomes:
            kind = type(outcome).__name__
            if kind == "Accepted":
                self.events_ingested.inc()
            elif kind == "Duplicate":
                self.events_duplicate.inc()
            elif kind == "Rejected":
                self.events_rejected.labels(outcome.reason_code).inc()

    def relay_committed(self, topics: list[str]) -> None:
        self.relay_transactions.inc()
        for topic in topics:
            self.relay_records.labels(_relay_kind(topic)).inc()


def _relay_kind(topic: str) -> str:
    if topic.startswith("casehub.feed."):
        return "feed"
    return topic.removeprefix("casehub.")


# --- readiness ------------------------------------------------------------------------------------
class BrokerProbe:
    """Is the broker answering? One admin client, re-created after a failure; cached briefly."""

    def __init__(self, settings: Settings, *, cache_s: float = 2.0) -> None:
        self.settings = settings
        self.cache_s = cache_s
        self._admin: Any = None
        self._lock = threading.Lock()
        self._at = 0.0
        self._ok = False

    def __call__(self) -> bool:
        with self._lock:
            if time.monotonic() - self._at < self.cache_s:
                return self._ok
            self._ok = self._probe()
            self._at = time.monotonic()
            return self._ok

    def _probe(self) -> bool:
        from kafka import KafkaAdminClient  # noqa: PLC0415

        from hub.kafka_config import kafka_config  # noqa: PLC0415

        try:
            if self._admin is None:
                self._admin = KafkaAdminClient(
                    **kafka_config(self.settings),
                    client_id="casehub-readyz",
                    request_timeout_ms=3000,
                )
            self._admin.list_topics()
        except Exception:  # noqa: BLE001 - any failure means "not ready"
            self.close()
            return False
        return True

    def close(self) -> None:
        if self._admin is not None:
            with contextlib.suppress(Exception):  # closing a broken client
                self._admin.close()
            self._admin = None


def store_probe(app: Any) -> Check:
    """The store answers a query (the notification log's head)."""

    def check() -> bool:
        try:
            app.recorder.max_notification_id()
        except Exception:  # noqa: BLE001 - any failure means "not ready"
            return False
        return True

    return check


# --- the HTTP server ------------------------------------------------------------------------------
class MetricsServer:
    """``/metrics``, ``/healthz`` and ``/readyz`` on a thread of their own."""

    def __init__(
        self,
        metrics: PipelineMetrics,
        checks: Mapping[str, Check],
        *,
        port: int,
        host: str = "127.0.0.1",
    ) -> None:
        self.metrics = metrics
        self.checks = dict(checks)
        self._httpd = ThreadingHTTPServer((host, port), _handler(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="casehub-metrics", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    def start(self) -> MetricsServer:
        self._thread.start()
        host, port = self._httpd.server_address[:2]
        log.info("metrics_server_started", host=str(host), port=int(port))
        return self

    def readiness(self) -> dict[str, bool]:
        return {name: bool(check()) for name, check in self.checks.items()}

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        for check in self.checks.values():
            close = getattr(check, "close", None)
            if close is not None:
                close()


def _handler(server: MetricsServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/metrics":
                self._send(200, server.metrics.render(), CONTENT_TYPE_LATEST)
            elif path == "/healthz":
                self._send(200, b"ok\n", "text/plain; charset=utf-8")
            elif path == "/readyz":
                checks = server.readiness()
                ready = all(checks.values())
                body = json.dumps({"ready": ready, "checks": checks}).encode() + b"\n"
                self._send(200 if ready else 503, body, "application/json")
            else:
                self._send(404, b"not found\n", "text/plain; charset=utf-8")

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib's name
            """Scrapes are not worth a log line."""

    return Handler


def start_metrics_server(
    metrics: PipelineMetrics,
    checks: Mapping[str, Check],
    *,
    port: int,
    host: str = "127.0.0.1",
) -> MetricsServer | None:
    """Start serving on ``port``; None when 0 (off) or when the port is taken (logged)."""
    if port <= 0:
        return None
    try:
        return MetricsServer(metrics, checks, port=port, host=host).start()
    except OSError as exc:
        # Several instances on one host (tests, a dedicated ingest instance): the pipeline
        # matters more than its metrics, so say so and go on.
        log.warning("metrics_unavailable", host=host, port=port, error=str(exc))
        return None
