"""Prometheus metrics and health endpoints for ``casehub serve`` and ``casehub consumers run``.

Each process builds one ``PipelineMetrics`` (its own ``CollectorRegistry``, so two servers in
one test process never share counters) and hands it to the threads it runs; ``MetricsServer``
serves, on ``settings.metrics_port`` (0: off):

* ``/metrics``: the registry in the Prometheus text format;
* ``/healthz``: 200 while the process runs;
* ``/readyz``: 200 only when every readiness check passes (the broker answers a metadata
  request, the store answers a query, and on ``casehub serve`` the relay has not stalled),
  else 503 with the failing checks named and, where a check gives one, its reason.

Names follow Prometheus conventions: ``_total`` for counters, base units (seconds) in the name.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

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


@dataclass(frozen=True)
class Verdict:
    """A readiness check's answer with its reason (a plain ``bool`` is an answer too)."""

    ok: bool
    reason: str | None = None

    def __bool__(self) -> bool:
        return self.ok


Check = Callable[[], "bool | Verdict"]


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
        self.ingest_lag = Gauge(
            "casehub_ingest_lag_records",
            "Records of an inbound partition this instance owns not yet recorded (high "
            "watermark of the last fetch - next offset), by topic and partition.",
            ["topic", "partition"],
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
        # The relay's own health, set on every attempt (not only on success), so a relay that
        # loops on an error shows its lag growing and its errors counted.
        self.relay_position = Gauge(
            "casehub_relay_position",
            "The last notification id the relay committed to Kafka (or passed over).",
            registry=r,
        )
        self.relay_store_head = Gauge(
            "casehub_relay_store_head",
            "The store's last notification id, as the relay last read it.",
            registry=r,
        )
        self.relay_last_commit = Gauge(
            "casehub_relay_last_commit_timestamp_seconds",
            "When the relay last committed a Kafka transaction (Unix time).",
            registry=r,
        )
        self.relay_errors = Counter(
            "casehub_relay_errors",
            "Failed relay attempts, by kind: fenced, abortable, retriable, fatal, store.",
            ["kind"],
            registry=r,
        )
        self.relay_parked = Counter(
            "casehub_relay_parked_records",
            "Records the relay could not publish and parked on casehub.deadletter (a "
            "placeholder took their place), by reason.",
            ["reason"],
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

    def ingest_position(
        self, partition: tuple[str, int], next_offset: int, high_watermark: int | None
    ) -> None:
        """After a recorded batch: how far the partition's end is ahead (agency topics carry
        no transaction markers, so offsets count records)."""
        if high_watermark is not None:
            topic, number = partition
            self.ingest_lag.labels(topic, str(number)).set(max(0, high_watermark - next_offset))

    def ingest_released(self, partitions: list[tuple[str, int]]) -> None:
        """Partitions gone to another instance: their lag is that instance's to report now."""
        for topic, number in partitions:
            with contextlib.suppress(KeyError):  # never reported here
                self.ingest_lag.remove(topic, str(number))

    def relay_committed(self, topics: list[str]) -> None:
        self.relay_transactions.inc()
        self.relay_last_commit.set_to_current_time()
        kinds: dict[str, int] = {}
        for topic in topics:
            kind = _relay_kind(topic)
            kinds[kind] = kinds.get(kind, 0) + 1
        for kind, count in kinds.items():
            self.relay_records.labels(kind).inc(count)

    def relay_attempted(self, position: int | None, head: int | None) -> None:
        """After every relay attempt, whatever its outcome: where it is, how far behind."""
        self.relay_position.set(position or 0)
        self.relay_store_head.set(head or 0)
        self.relay_lag.set(max(0, (head or 0) - (position or 0)))


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
        from hub.kafka.admin import KafkaAdmin  # noqa: PLC0415 - librdkafka loads on first use

        try:
            if self._admin is None:
                self._admin = KafkaAdmin(self.settings, client_id="casehub-readyz", timeout_s=3.0)
            self._admin.brokers()  # one metadata request
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


class PositionRecordLike(Protocol):
    """What ``hub.relay.position.read_position_record`` returns."""

    @property
    def notification_id(self) -> int: ...
    @property
    def written_at(self) -> datetime: ...


class RelayProbe:
    """Has the relay stalled? Judged from what Kafka committed, not from the relay's memory.

    Unready when stored notifications that publish something wait after the relay's committed
    position (``casehub.relay.position``) and that position has not moved for ``stall_s``: the
    time since the later of the position record's ``written_at`` and the moment this probe
    first saw work waiting behind that position (so a relay idle for an hour is not "stalled"
    the instant new work arrives). Every instance judges the same facts, leader or not. The
    answer is cached for ``cache_s``: a probe reads Kafka and the store.
    """

    def __init__(
        self,
        position: Callable[[], PositionRecordLike | None],
        waiting: Callable[[int | None], int],
        *,
        stall_s: float,
        cache_s: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._position = position
        self._waiting = waiting
        self.stall_s = stall_s
        self.cache_s = cache_s
        self._clock = clock
        self._lock = threading.Lock()
        self._at = float("-inf")
        self._verdict = Verdict(ok=True)
        #: (position, when this probe first saw work waiting behind it)
        self._behind: tuple[int | None, float] | None = None

    def __call__(self) -> Verdict:
        with self._lock:
            now = self._clock()
            if now - self._at < self.cache_s:
                return self._verdict
            self._verdict = self._judge(now)
            self._at = now
            return self._verdict

    def _judge(self, now: float) -> Verdict:
        try:
            record = self._position()
            position = None if record is None else record.notification_id
            waiting = self._waiting(position)
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready", with its reason
            return Verdict(ok=False, reason=f"relay position unknown: {exc}")
        if waiting == 0:
            self._behind = None
            return Verdict(ok=True)
        if self._behind is None or self._behind[0] != position:
            self._behind = (position, now)
        progress = self._behind[1]
        if record is not None:
            progress = max(progress, record.written_at.timestamp())
        stalled_for = now - progress
        if stalled_for < self.stall_s:
            return Verdict(ok=True)
        reason = (
            f"relay stalled: {waiting} notification(s) to publish after position "
            f"{'none' if position is None else position}, no commit for {stalled_for:.0f}s "
            f"(relay_stall_seconds={self.stall_s:g})"
        )
        log.warning("relay_stalled", position=position, waiting=waiting, seconds=stalled_for)
        return Verdict(ok=False, reason=reason)


def relay_probe(settings: Settings, app: Any, *, cache_s: float = 5.0) -> RelayProbe:
    """The relay check of ``casehub serve``: Kafka's committed position against the store."""
    from hub.ops.status import unrelayed  # noqa: PLC0415 - status loads the Kafka layer
    from hub.relay.position import read_position_record  # noqa: PLC0415

    def waiting(position: int | None) -> int:
        # Enough to say "behind" and give an idea how far, without reading a long backlog.
        return unrelayed(app, position, limit=1000)

    return RelayProbe(
        lambda: read_position_record(settings, timeout_s=5.0),
        waiting,
        stall_s=float(settings.relay_stall_seconds),
        cache_s=cache_s,
    )


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
        return {name: bool(verdict) for name, verdict in self.verdicts().items()}

    def verdicts(self) -> dict[str, bool | Verdict]:
        return {name: check() for name, check in self.checks.items()}

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
                verdicts = server.verdicts()
                checks = {name: bool(v) for name, v in verdicts.items()}
                ready = all(checks.values())
                answer: dict[str, Any] = {"ready": ready, "checks": checks}
                reasons = {
                    name: v.reason
                    for name, v in verdicts.items()
                    if isinstance(v, Verdict) and not v.ok and v.reason
                }
                if reasons:
                    answer["reasons"] = reasons
                body = json.dumps(answer, ensure_ascii=False).encode() + b"\n"
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
