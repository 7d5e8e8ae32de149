"""Operations on a running hub: /metrics moves by the right amounts; `ops status` shows the work
not yet done (a whole backlog where nothing is committed, 0 where only a transaction marker is
left, which Kafka's own tool counts as 1) and the relay's committed position.

One private broker (the session broker's port + 40, so the pipeline tests' topic resets never
reach it) and one in-process ``casehub serve`` with its metrics endpoint on a free port serve
the module.
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
from prometheus_client.parser import text_string_to_metric_families

from devkit.demo.story import MARKET_REGULATION
from devkit.testing import serve as t
from hub.kafka.admin import KafkaAdmin, NewTopicSpec
from hub.kafka.clients import producer, transactional_producer
from hub.kafka.reader import read_topic
from hub.rules.clocks import TIMEZONE
from hub.settings import PROJECT_ROOT
from hub.topics import INGEST_GROUP, TIMELINE, agency_topic

pytestmark = pytest.mark.kafka

#: Offset of the private broker's port from the session broker's: below Linux's ephemeral
#: range (32768-60999), where an outgoing connection may hold any port for a while.
PORT_OFFSET = 40
POISON = 3
VIEW_GROUP = "casehub-view-opscheck"
#: A view group of a topic of our own, written in transactions: a known backlog.
BACKLOG_GROUP = "casehub-view-opsbacklog"
BACKLOG_TOPIC = "casehub.opscheck.backlog"
CLOCK = t.fixed_clock(datetime(2026, 1, 5, 9, tzinfo=TIMEZONE))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def ops_hub(hub_settings: Any, tmp_path_factory: Any) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("ops")
    metrics_port = _free_port()
    with t.private_broker(
        hub_settings, tmp / "data", hub_settings.kafka_port + PORT_OFFSET
    ) as settings:
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


def _cli(
    hub: dict[str, Any], *args: str, metrics_port: int = 0
) -> subprocess.CompletedProcess[str]:
    env = t.serve_env(hub["settings"], hub["sqlite"])
    env["CASEHUB_METRICS_PORT"] = str(metrics_port)
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
    sender = producer(settings, client_id="opscheck-poison")
    for i in range(count):
        sender.produce(agency_topic(MARKET_REGULATION), key=b"poison", value=b"junk %d" % i)
    assert sender.flush(30) == 0


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
        {"ready": True, "checks": {"broker": True, "store": True, "relay": True}},
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


def _write_backlog(settings: Any, *, partitions: int, transactions: int, size: int) -> None:
    """``transactions`` committed transactions of ``size`` records on every partition: each
    ends with a commit marker, so offsets run ahead of records by one per transaction."""
    with KafkaAdmin(settings) as admin:
        admin.create_topics([NewTopicSpec(BACKLOG_TOPIC, partitions, 1, {})])
        t.wait_until(lambda: BACKLOG_TOPIC in admin.topics(), 30, what=BACKLOG_TOPIC)
    sender = transactional_producer(
        settings, transactional_id="casehub-opscheck-backlog", client_id="opscheck-backlog"
    )
    sender.init_transactions(30)
    for n in range(transactions):
        sender.begin_transaction()
        for partition in range(partitions):
            for i in range(size):
                sender.produce(BACKLOG_TOPIC, partition=partition, value=b"%d-%d" % (n, i))
        sender.commit_transaction(30)


def test_status_shows_the_work_not_yet_done(ops_hub: dict[str, Any]) -> None:
    """A partition with nothing committed shows its whole backlog; markers are not work.

    Two partitions of 25 records each, in 5 transactions of 5: the group has read 10 records
    of partition 0 (offset 12, two markers passed) and nothing of partition 1. Kafka's tool
    says 18 for partition 0 (three markers among them) and does not list partition 1; the work
    left is 15 + 25 = 40 records.
    """
    settings = ops_hub["settings"]
    _write_backlog(settings, partitions=2, transactions=5, size=5)
    with KafkaAdmin(settings) as admin:
        admin.set_committed(BACKLOG_GROUP, {(BACKLOG_TOPIC, 0): 12})

    status = _cli(ops_hub, "ops", "status", "--json", "--sample", "0")
    assert status.returncode == 0, status.stderr
    group = {g["group"]: g for g in json.loads(status.stdout)["groups"]}[BACKLOG_GROUP]
    ours = {
        p["partition"]: (p["committed"], p["end"], p["lag"], p["exact"])
        for p in group["partitions"]
    }
    assert ours == {0: (12, 30, 15, True), 1: (None, 30, 25, True)}
    assert group["lag"] == 40

    theirs = _kafka_describe(settings, BACKLOG_GROUP)
    assert theirs[(BACKLOG_TOPIC, 0)] == (12, 30, 18)
    assert (BACKLOG_TOPIC, 1) not in theirs  # a member-less group: only what it committed


def test_a_caught_up_group_shows_no_lag_where_kafkas_tool_shows_the_marker(
    ops_hub: dict[str, Any],
) -> None:
    """A view group at the end of every timeline partition: ops status 0, Kafka's tool 1 per
    partition (the relay's commit marker after the last record); the ingest group's lag on the
    agency topics (no transactions) equals the tool's."""
    settings = ops_hub["settings"]
    server = ops_hub["server"]
    probe = t.StoreProbe(server.app)
    if not probe.accepted(t.directory_commands()[-1][1].envelope.event_id):
        t.publish_in_order(settings, t.directory_commands(), probe.outcome_known)
    t.wait_until(lambda: t.relay_caught_up(settings, server.app), 60, what="relay")

    last: dict[tuple[str, int], int] = {}
    for record in read_topic(settings, TIMELINE):
        last[(record.topic, record.partition)] = record.offset
    assert last, "the timeline should hold records"
    with KafkaAdmin(settings) as admin:
        admin.set_committed(VIEW_GROUP, {tp: offset + 1 for tp, offset in last.items()})

    status = _cli(
        ops_hub, "ops", "status", "--json", "--sample", "50", metrics_port=server_port(ops_hub)
    )
    assert status.returncode == 0, status.stderr
    doc = json.loads(status.stdout)
    groups = {g["group"]: g for g in doc["groups"]}

    view = {(p["topic"], p["partition"]): p for p in groups[VIEW_GROUP]["partitions"]}
    theirs = _kafka_describe(settings, VIEW_GROUP)
    for tp, offset in last.items():
        assert (view[tp]["committed"], view[tp]["lag"]) == (offset + 1, 0), tp
        assert theirs[tp] == (offset + 1, offset + 2, 1), tp  # the marker, counted as lag
    assert groups[VIEW_GROUP]["lag"] == 0

    ingest = {
        (p["topic"], p["partition"]): (p["committed"], p["end"], p["lag"])
        for p in groups[INGEST_GROUP]["partitions"]
        if p["committed"] is not None
    }
    theirs = {k: v for k, v in _kafka_describe(settings, INGEST_GROUP).items() if v[0] is not None}
    assert theirs, f"Kafka's tool shows no committed offsets for {INGEST_GROUP}"
    assert ingest == theirs

    relay = doc["relay"]
    assert relay["position"] >= t.last_publishing_notification(server.app)
    assert relay["store_head"] == server.app.recorder.max_notification_id()
    assert relay["lag"] == 0
    assert relay["last_commit_at"] is not None
    assert relay["ready"] is True  # the serving process answered on its metrics port
    assert relay["last_error"] is None

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
    assert "RELAY" in table.stdout


def server_port(hub: dict[str, Any]) -> int:
    return int(str(hub["metrics"]).rsplit(":", 1)[1])


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
