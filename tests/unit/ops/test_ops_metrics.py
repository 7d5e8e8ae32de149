"""The metrics registry, its HTTP endpoints, and the status table, without a broker."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import uuid4

from prometheus_client.parser import text_string_to_metric_families

from hub.cases.views import Accepted, Duplicate, Rejected
from hub.codec.sealed import count_plaintext
from hub.ops.metrics import (
    MetricsServer,
    PipelineMetrics,
    RelayProbe,
    Verdict,
    start_metrics_server,
)
from hub.ops.status import (
    AgencyStatus,
    GroupStatus,
    PartitionLag,
    PartitionOffsets,
    RelayStatus,
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

    def test_readyz_names_the_reason_a_check_gives(self) -> None:
        """A check answering with a Verdict: 503, and its reason in the body."""
        verdict = {"relay": Verdict(ok=False, reason="relay stalled: 3 waiting")}
        server = MetricsServer(
            PipelineMetrics(), {"store": lambda: True, "relay": lambda: verdict["relay"]}, port=0
        ).start()
        base = f"http://127.0.0.1:{server.port}"
        try:
            status, body = _get(f"{base}/readyz")
            assert (status, json.loads(body)) == (
                503,
                {
                    "ready": False,
                    "checks": {"store": True, "relay": False},
                    "reasons": {"relay": "relay stalled: 3 waiting"},
                },
            )
            verdict["relay"] = Verdict(ok=True)
            status, body = _get(f"{base}/readyz")
            assert (status, json.loads(body)) == (
                200,
                {"ready": True, "checks": {"store": True, "relay": True}},
            )
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
        """The table shows each group's lag, a partition with nothing committed shows its whole
        backlog (with '-' for the offset), and the relay section its position and lag."""
        status = Status(
            topics=[TopicStatus("casehub.timeline", [PartitionOffsets(0, 0, 10)])],
            groups=[
                GroupStatus(
                    "casehub-view-x",
                    "Empty",
                    0,
                    [
                        PartitionLag("casehub.timeline", 0, 4, 10, 5),
                        PartitionLag("casehub.timeline", 1, None, 3, 2),
                    ],
                )
            ],
            agencies=[
                AgencyStatus("market-regulation", None, 2, {"bad_magic": 3}),
                AgencyStatus(
                    "natural-resources",
                    datetime(2026, 10, 8, 17, 0, 5, tzinfo=UTC),
                    1,
                    {},
                    ("市自然资源局", "City Natural Resources Bureau"),
                ),
            ],
            schemas=[],
            sampled_per_partition=10,
            relay=RelayStatus(
                position=40,
                last_commit_at=datetime(2026, 1, 5, 9, tzinfo=UTC),
                relay_id="casehub-relay",
                store_head=47,
                lag=5,
                last_error=None,
            ),
        )
        text = render_status(status)
        doc = status.to_json()

        assert doc["groups"][0]["lag"] == 7
        assert [(p["committed"], p["lag"]) for p in doc["groups"][0]["partitions"]] == [
            (4, 5),
            (None, 2),
        ]
        assert doc["relay"]["position"] == 40
        assert doc["relay"]["lag"] == 5
        assert doc["relay"]["last_commit_at"] == "2026-01-05T09:00:00+00:00"
        last_commit = next(line for line in text.splitlines() if "last commit" in line)
        assert last_commit.endswith("2026-01-05 17:00:00 +08:00")
        assert "unknown (nothing answers" in text
        assert doc["agencies"][0]["rejected"] == 3
        assert "casehub-view-x" in text
        assert "bad_magic=3" in text

    def test_moments_read_in_local_time_and_agencies_by_name(self) -> None:
        """An event recorded at 01:00 on 9 October in Asia/Shanghai reads as such, with its
        zone, beside the agency's name; the JSON keeps the instant."""
        event = datetime(2026, 10, 8, 17, 0, 5, tzinfo=UTC)
        agency = AgencyStatus("natural-resources", event, 1, {}, ("市自然资源局", "City NR"))
        status = Status([], [], [agency], [], 0, None)
        lines = render_status(status).splitlines()
        row = next(line for line in lines if "natural-resources" in line)
        cells = [c.strip() for c in row.strip().split("  ") if c.strip()]
        assert cells[:3] == ["natural-resources", "City NR", "2026-10-09 01:00:05 +08:00"]
        assert lines[-1] == "Times are local time in Asia/Shanghai (UTC+08:00)"
        assert status.to_json()["agencies"][0]["last_event_at"] == "2026-10-08T17:00:05+00:00"
        assert status.to_json()["agencies"][0]["name_zh"] == "市自然资源局"


@dataclass(frozen=True)
class _Position:
    notification_id: int
    written_at: datetime


class _Relay:
    """What the probe reads: Kafka's committed position and the work waiting behind it."""

    def __init__(self) -> None:
        self.now = 1_000_000.0
        self.position: _Position | None = None
        self.head = 0
        self.fail: Exception | None = None

    def commit(self, notification_id: int) -> None:
        self.position = _Position(notification_id, datetime.fromtimestamp(self.now, UTC))

    def read(self) -> _Position | None:
        if self.fail is not None:
            raise self.fail
        return self.position

    def waiting(self, position: int | None) -> int:
        return max(0, self.head - (position or 0))

    def probe(self, stall_s: float = 60, cache_s: float = 0) -> RelayProbe:
        return RelayProbe(
            self.read, self.waiting, stall_s=stall_s, cache_s=cache_s, clock=lambda: self.now
        )


class TestRelayProbe:
    def test_a_caught_up_relay_is_ready_however_long_it_was_idle(self) -> None:
        """No work waiting: ready, even when the last commit is hours old."""
        relay = _Relay()
        relay.head = 10
        relay.commit(10)
        relay.now += 7200
        assert relay.probe()() == Verdict(ok=True)

    def test_new_work_after_a_long_idle_is_not_a_stall_at_once(self) -> None:
        """The clock starts when the probe first sees work waiting, not at the old commit."""
        relay = _Relay()
        relay.head = 10
        relay.commit(10)
        probe = relay.probe(stall_s=60)
        relay.now += 7200
        relay.head = 12
        assert probe().ok
        relay.now += 59
        assert probe().ok
        relay.now += 2
        verdict = probe()
        assert not verdict.ok
        assert verdict.reason is not None
        assert "2 notification(s) to publish after position 10" in verdict.reason

    def test_a_relay_that_commits_is_not_stalled_while_behind(self) -> None:
        """Behind but advancing: each commit restarts the clock."""
        relay = _Relay()
        relay.head = 1000
        probe = relay.probe(stall_s=60)
        for position in range(100, 1000, 100):
            relay.now += 50
            relay.commit(position)
            assert probe().ok, position

    def test_a_stalled_relay_turns_ready_again_once_it_catches_up(self) -> None:
        """503 while stuck; 200 as soon as the committed position covers the store."""
        relay = _Relay()
        relay.head = 5
        probe = relay.probe(stall_s=10)
        assert probe().ok
        relay.now += 11
        assert not probe().ok
        relay.commit(5)
        assert probe() == Verdict(ok=True)

    def test_an_unreadable_position_is_not_ready_with_the_reason(self) -> None:
        """Kafka does not answer: unready, saying why."""
        relay = _Relay()
        relay.fail = TimeoutError("no broker")
        verdict = relay.probe()()
        assert not verdict.ok
        assert verdict.reason == "relay position unknown: no broker"

    def test_the_answer_is_cached(self) -> None:
        """Within cache_s the probe answers from memory (it reads Kafka and the store)."""
        relay = _Relay()
        relay.head = 5
        probe = relay.probe(stall_s=10, cache_s=5)
        probe()
        relay.now += 11
        relay.fail = TimeoutError("not read")
        assert not probe().ok  # stale: read again, and the read fails
        relay.fail = None
        relay.commit(5)
        relay.now += 1
        assert not probe().ok  # cached for 5 s
        relay.now += 5
        assert probe().ok
