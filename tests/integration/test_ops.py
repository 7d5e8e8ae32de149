"""Operations on a running hub: /metrics moves by the right amounts, lag agrees with Kafka's tool.

One private broker (port 39472, so the pipeline tests' topic resets never reach it) and one
in-process ``casehub serve`` with its metrics endpoint on a free port serve the module.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.structs import OffsetAndMetadata
from prometheus_client.parser import text_string_to_metric_families

from hub.demo.story import MARKET_REGULATION
from hub.rules.clocks import TIMEZONE
from hub.serve import testing as t
from hub.settings import PROJECT_ROOT
from hub.topics import INGEST_GROUP, TIMELINE, agency_topic, kafka_config

pytestmark = pytest.mark.kafka

PORT = 39472
POISON = 3
VIEW_GROUP = "casehub-view-opscheck"
CLOCK = t.fixed_clock(datetime(2026, 1, 5, 9, tzinfo=TIMEZONE))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def ops_hub(hub_settings: Any, tmp_path_factory: Any) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("ops")
    metrics_port = _free_port()
    with t.private_broker(hub_settings, tmp / "data", PORT) as settings:
        directory_file = t.write_directory_file(tmp / "directory.toml")
        sqlite = tmp / "hub.sqlite"
        with t.running_server(
            settings, sqlite, directory_file, clock=CLOCK, metrics_port=metrics_port
        ) as server:
            yield {
                "server": server,
                "settings": server.settings,
                "sqlite": sqlite,
                "metrics": f"http://127.0.0.1:{metrics_port}",
                "tmp": tmp,
            }


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except urllib.error.URLError:  # not listening (yet)
        return 0, b""


def _scrape(base: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    status, body = _get(f"{base}/metrics")
    assert status == 200
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
    }


def _value(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def _cli(hub: dict[str, Any], *args: str) -> subprocess.CompletedProcess[str]:
    env = t.serve_env(hub["settings"], hub["sqlite"])
    env["CASEHUB_METRICS_PORT"] = "0"
    return subprocess.run(
        [sys.executable, "-m", "hub.cli", *args],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _publish_poison(settings: Any, count: int) -> None:
    producer = KafkaProducer(**kafka_config(settings), acks="all")
    try:
        for i in range(count):
            producer.send(agency_topic(MARKET_REGULATION), key=b"poison", value=b"junk %d" % i)
        producer.flush()
    finally:
        producer.close()


def test_metrics_count_accepted_and_rejected_events_exactly(ops_hub: dict[str, Any]) -> None:
    """N good + M poison records: ingested += N, rejected{bad_magic} += M, dead letters += M."""
    server, settings, base = ops_hub["server"], ops_hub["settings"], ops_hub["metrics"]
    t.wait_until(lambda: _get(f"{base}/healthz")[0] == 200, 30, what="/healthz")
    ready = t.wait_until(lambda: _get(f"{base}/readyz")[0] == 200, 30, what="/readyz")
    assert ready
    before = _scrape(base)

    probe = t.StoreProbe(server.app)
    good = t.directory_commands()
    t.publish_in_order(settings, good, probe.outcome_known)
    assert all(probe.accepted(c.envelope.event_id) for _, c in good)
    _publish_poison(settings, POISON)
    t.wait_until(
        lambda: sum(r.reason_code == "bad_magic" for r in probe.rejections()) == POISON,
        60,
        what="poison rejected",
    )
    t.wait_until(lambda: t.relay_caught_up(settings, server.app), 60, what="relay")

    def moved() -> dict[Any, float] | None:
        after = _scrape(base)
        relayed = _value(after, "casehub_relay_records_total", kind="deadletter")
        return (
            after
            if relayed - _value(before, "casehub_relay_records_total", kind="deadletter") >= POISON
            else None
        )

    after = t.wait_until(moved, 30, what="relay metrics")

    def delta(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert delta("casehub_events_ingested_total") == len(good)
    assert delta("casehub_events_rejected_total", reason="bad_magic") == POISON
    assert delta("casehub_ingest_records_total") == len(good) + POISON
    assert delta("casehub_relay_records_total", kind="deadletter") == POISON
    # The operator's directory file is relayed too, maybe after ``before``: at least ``good``.
    assert delta("casehub_relay_records_total", kind="timeline") >= len(good)
    assert delta("casehub_ingest_batch_size_sum") == len(good) + POISON
    assert delta("casehub_ingest_processing_seconds_count") == delta(
        "casehub_ingest_batch_size_count"
    )
    assert _value(after, "casehub_scheduler_runs_total") >= 1
    t.wait_until(
        lambda: _value(_scrape(base), "casehub_relay_lag_notifications") == 0, 30, what="lag 0"
    )
    status, body = _get(f"{base}/readyz")
    assert (status, json.loads(body)) == (
        200,
        {"ready": True, "checks": {"broker": True, "store": True}},
    )


def test_deadletters_and_redrive_from_the_command_line(ops_hub: dict[str, Any]) -> None:
    """`ops deadletters` lists the poison; redrive says it still fails; an unknown id exits 2."""
    listed = _cli(ops_hub, "ops", "deadletters", "--reason", "bad_magic", "--json")
    assert listed.returncode == 0, listed.stderr
    letters = [json.loads(line) for line in listed.stdout.splitlines()]
    assert len(letters) >= POISON
    first = letters[0]
    assert first["origin"]["topic"] == agency_topic(MARKET_REGULATION)
    assert first["agency"] == MARKET_REGULATION

    again = _cli(ops_hub, "ops", "redrive", first["rejection_id"], "--json")
    assert again.returncode == 1, again.stderr
    result = json.loads(again.stdout)
    assert (result["outcome"], result["reason"]) == ("rejected", "bad_magic")

    unknown = _cli(ops_hub, "ops", "redrive", "00000000-0000-0000-0000-00000000beef")
    assert unknown.returncode == 2
    assert "no dead letter 00000000-0000-0000-0000-00000000beef" in unknown.stderr


def _kafka_tools_classpath() -> str:
    """deploy/kafka/lib holds Kafka's tools too (deploy/kafka/pom.xml, fetched by `make jars`)."""
    lib = PROJECT_ROOT / "deploy" / "kafka" / "lib"
    tools = [p for p in lib.glob("kafka-tools-*.jar") if "api" not in p.name]
    assert tools, f"Kafka's tools jar is missing from {lib}: run `make jars`"
    return f"{lib}/*"


def _kafka_describe(
    settings: Any, group: str
) -> dict[tuple[str, int], tuple[int | None, int, int | None]]:
    """Kafka's own ConsumerGroupCommand: (topic, partition) → (current offset, log end, lag)."""
    classpath = _kafka_tools_classpath()
    out = subprocess.run(
        [
            "java",
            "-cp",
            classpath,
            "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",
            "--bootstrap-server",
            ",".join(settings.bootstrap_servers),
            "--describe",
            "--group",
            group,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    rows: dict[tuple[str, int], tuple[int | None, int, int | None]] = {}
    header: list[str] | None = None
    for line in out.splitlines():
        cells = line.split()
        if cells[:1] == ["GROUP"]:
            header = cells
        elif header and cells[:1] == [group]:
            row = dict(zip(header, cells, strict=False))
            rows[(row["TOPIC"], int(row["PARTITION"]))] = (
                _num(row["CURRENT-OFFSET"]),
                int(row["LOG-END-OFFSET"]),
                _num(row["LAG"]),
            )
    return rows


def _num(cell: str) -> int | None:
    return None if cell == "-" else int(cell)


def test_status_lag_equals_what_kafkas_own_tool_reports(ops_hub: dict[str, Any]) -> None:
    """A view group that consumed part of the timeline: ops status lag = ConsumerGroupCommand's."""
    settings = ops_hub["settings"]
    server = ops_hub["server"]
    probe = t.StoreProbe(server.app)
    if not probe.accepted(t.directory_commands()[-1][1].envelope.event_id):
        t.publish_in_order(settings, t.directory_commands(), probe.outcome_known)
    t.wait_until(lambda: t.relay_caught_up(settings, server.app), 60, what="relay")

    consumer = KafkaConsumer(
        **kafka_config(settings), group_id=VIEW_GROUP, enable_auto_commit=False
    )
    try:
        tps = [TopicPartition(TIMELINE, p) for p in sorted(consumer.partitions_for_topic(TIMELINE))]
        end = consumer.end_offsets(tps)
        busy = [tp for tp in tps if end[tp] >= 2]
        assert busy, "the timeline should hold records"
        consumer.commit({tp: OffsetAndMetadata(end[tp] // 2, "", -1) for tp in busy})
    finally:
        consumer.close(autocommit=False)

    status = _cli(ops_hub, "ops", "status", "--json", "--sample", "50")
    assert status.returncode == 0, status.stderr
    doc = json.loads(status.stdout)
    groups = {g["group"]: g for g in doc["groups"]}
    for group in (VIEW_GROUP, INGEST_GROUP):
        ours = {
            (p["topic"], p["partition"]): (p["committed"], p["end"], p["lag"])
            for p in groups[group]["partitions"]
            if p["committed"] is not None
        }
        theirs = {k: v for k, v in _kafka_describe(settings, group).items() if v[0] is not None}
        assert theirs, f"Kafka's tool shows no committed offsets for {group}"
        assert ours == theirs, group
        assert groups[group]["lag"] == sum(v[2] or 0 for v in theirs.values())
    assert groups[VIEW_GROUP]["lag"] > 0

    topics = {x["topic"]: x for x in doc["topics"]}
    assert topics[TIMELINE]["records"] > 0
    agencies = {a["agency"]: a for a in doc["agencies"]}
    assert agencies[MARKET_REGULATION]["rejections"].get("bad_magic", 0) >= POISON
    in_use = doc["schemas"]["in_use"]
    assert any(s["record"].startswith("casehub.events.AgencyAdmitted v") for s in in_use)
    table = _cli(ops_hub, "ops", "status")
    assert table.returncode == 0, table.stderr
    assert "CONSUMER GROUPS" in table.stdout
    assert VIEW_GROUP in table.stdout


def test_views_export_events_applied_and_lag(ops_hub: dict[str, Any]) -> None:
    """The views' runner counts what it applied per view; lag is 0 once it has caught up."""
    from consumers import audit_trail, rejections  # noqa: PLC0415
    from consumers.runner import KafkaViewRunner  # noqa: PLC0415
    from consumers.store import SQLiteViewStore  # noqa: PLC0415
    from hub.ops.metrics import PipelineMetrics  # noqa: PLC0415

    settings, server = ops_hub["settings"], ops_hub["server"]
    probe = t.StoreProbe(server.app)
    if not probe.accepted(t.directory_commands()[-1][1].envelope.event_id):
        t.publish_in_order(settings, t.directory_commands(), probe.outcome_known)
    t.wait_until(lambda: t.relay_caught_up(settings, server.app), 60, what="relay")
    metrics = PipelineMetrics()
    store = SQLiteViewStore(str(ops_hub["tmp"] / "views.sqlite"))
    try:
        runner = KafkaViewRunner(
            settings, store, [audit_trail.VIEW, rejections.VIEW], metrics=metrics
        )
        applied = runner.run(threading.Event(), idle_s=4.0)
    finally:
        store.close()
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(metrics.render().decode())
        for s in family.samples
    }

    assert applied["audit"] > 0
    assert applied["rejections"] >= POISON
    for view in ("audit", "rejections"):
        labels = (("view", view),)
        assert samples[("casehub_view_events_applied_total", labels)] == applied[view]
        assert samples[("casehub_view_lag_records", labels)] == 0
