"""The metrics registry, its HTTP endpoints, and the status table, without a broker."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from uuid import uuid4

from prometheus_client.parser import text_string_to_metric_families

from hub.cases.views import Accepted, Duplicate, Rejected
from hub.codec.sealed import count_plaintext
from hub.ops.metrics import MetricsServer, PipelineMetrics, start_metrics_server
from hub.ops.status import (
    AgencyStatus,
    GroupStatus,
    PartitionLag,
    PartitionOffsets,
    Status,
    TopicStatus,
    render_status,
)


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _samples(body: bytes) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
    }


class TestPipelineMetrics:
    def test_a_batch_counts_each_outcome_once(self) -> None:
        """Accepted → ingested, duplicate → duplicate, rejected → rejected{reason}."""
        metrics = PipelineMetrics()
        outcomes = [
            Accepted(uuid4(), uuid4(), 1, "h"),
            Duplicate(uuid4(), uuid4(), 1),
            Rejected(None, "bad_magic", "m", uuid4()),
            Rejected(None, "bad_magic", "m", uuid4()),
        ]
        metrics.ingest_batch(4, outcomes, 0.01)
        metrics.relay_committed(["casehub.timeline", "casehub.feed.a", "casehub.deadletter"])

        samples = _samples(metrics.render())

        assert samples[("casehub_events_ingested_total", ())] == 1
        assert samples[("casehub_events_duplicate_total", ())] == 1
        assert samples[("casehub_events_rejected_total", (("reason", "bad_magic"),))] == 2
        assert samples[("casehub_ingest_records_total", ())] == 4
        assert samples[("casehub_ingest_batch_size_sum", ())] == 4
        assert samples[("casehub_relay_records_total", (("kind", "feed"),))] == 1
        assert samples[("casehub_relay_records_total", (("kind", "deadletter"),))] == 1

    def test_plaintext_personal_data_is_exported_per_topic(self) -> None:
        """Records an agency sent without sealing its personal data show up on /metrics."""
        topic = f"casehub.agency.unsealed-{uuid4().hex[:6]}.events"
        metrics = PipelineMetrics()
        assert ("casehub_plaintext_personal_data_total", (("topic", topic),)) not in _samples(
            metrics.render()
        )
        count_plaintext(topic)
        count_plaintext(topic)
        samples = _samples(metrics.render())
        assert samples[("casehub_plaintext_personal_data_total", (("topic", topic),))] == 2

    def test_two_instances_never_share_counters(self) -> None:
        """Each process part builds its own registry."""
        a, b = PipelineMetrics(), PipelineMetrics()
        a.scheduler_runs.inc()
        assert _samples(b.render())[("casehub_scheduler_runs_total", ())] == 0


class TestMetricsServer:
    def test_endpoints(self) -> None:
        """/metrics in Prometheus text, /healthz 200, /readyz 503 naming the failing check."""
        metrics = PipelineMetrics()
        metrics.scheduler_runs.inc(3)
        state = {"broker": False}
        server = MetricsServer(
            metrics, {"broker": lambda: state["broker"], "store": lambda: True}, port=0
        ).start()
        base = f"http://127.0.0.1:{server.port}"
        try:
            status, body = _get(f"{base}/metrics")
            assert status == 200
            assert _samples(body)[("casehub_scheduler_runs_total", ())] == 3
            assert _get(f"{base}/healthz") == (200, b"ok\n")
            status, body = _get(f"{base}/readyz")
            assert status == 503
            assert json.loads(body) == {"ready": False, "checks": {"broker": False, "store": True}}
            state["broker"] = True
            assert _get(f"{base}/readyz")[0] == 200
            assert _get(f"{base}/nothing")[0] == 404
        finally:
            server.close()

    def test_a_taken_port_is_logged_not_fatal(self) -> None:
        """Several instances on one host: the second runs without its metrics server."""
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            assert start_metrics_server(PipelineMetrics(), {}, port=port) is None
        assert start_metrics_server(PipelineMetrics(), {}, port=0) is None


class TestStatusTable:
    def test_lag_and_rejections_render(self) -> None:
        """The table shows each group's lag and '-' for partitions with nothing committed."""
        status = Status(
            topics=[TopicStatus("casehub.timeline", [PartitionOffsets(0, 0, 10)])],
            groups=[
                GroupStatus(
                    "casehub-view-x",
                    "Empty",
                    0,
                    [
                        PartitionLag("casehub.timeline", 0, 4, 10),
                        PartitionLag("casehub.timeline", 1, None, 3),
                    ],
                )
            ],
            agencies=[AgencyStatus("market-regulation", None, 2, {"bad_magic": 3})],
            schemas=[],
            sampled_per_partition=10,
        )
        text = render_status(status)
        doc = status.to_json()

        assert doc["groups"][0]["lag"] == 6
        assert [p["lag"] for p in doc["groups"][0]["partitions"]] == [6, None]
        assert doc["agencies"][0]["rejected"] == 3
        assert "casehub-view-x" in text
        assert "bad_magic=3" in text
