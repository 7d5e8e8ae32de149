"""Exactly once on the three-node cluster, while brokers and a hub instance are killed.

The cluster profile (RF 3, ``min.insync.replicas=2``) with two ``casehub serve`` instances over
one PostgreSQL database; 20,000 events published through the agency SDK per scenario. Like
Kafka's own exactly-once system tests, the input set must equal the output set: counted with
SQL in the store and with a ``read_committed`` reader on the timeline and every feed, each
accepted event exactly once, per-case order kept, and ``casehub audit reconcile`` clean.
"""

from __future__ import annotations

import subprocess
import threading
import time
from uuid import uuid4

import pytest

from devkit.broker import broker_down, broker_status, broker_up, kill_node, profile_settings
from devkit.broker.config import PROJECT_ROOT
from devkit.testing import cluster as c
from devkit.testing import serve as t
from hub.bootstrap import open_pipeline as open_hub
from hub.kafka.errors import KafkaUnavailable
from hub.relay.position import read_position
from hub.topics import RELAY_TRANSACTIONAL_ID, TIMELINE, agency_topic

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.slow]

CASES, SHARES = 4000, 4  # 20,000 events on the market regulator's topic
#: Issue 14: a dead instance's leadership moves within 12 s on the project's brokers.
TAKEOVER_BOUND_S = 12.0
PG_SH = PROJECT_ROOT / "deploy" / "postgres" / "pg.sh"


@pytest.fixture(scope="module")
def cluster(hub_settings):
    """The cluster profile, started for this module unless it already ran (then left running)."""
    settings = profile_settings(hub_settings, "cluster")
    started = broker_up(settings, "cluster")
    yield settings.with_overrides(topic_replication=3)
    if started:
        broker_down(settings, "cluster", wipe=True)


@pytest.fixture
def run(cluster, tmp_path):
    """A fresh database and clean topics; two hub instances serving; stopped at the end."""
    dbname = f"cluster_{uuid4().hex[:10]}"
    env = {"CASEHUB_DATA_DIR": str(cluster.data_dir), "CASEHUB_POSTGRES_DBNAME": dbname}
    env["CASEHUB_POSTGRES_PORT"] = str(cluster.postgres_port)
    subprocess.run(["bash", str(PG_SH), "up"], env=env, check=True, capture_output=True)
    settings = cluster.with_overrides(store="postgres", postgres_dbname=dbname)
    t.reset_kafka(settings)
    with open_hub(settings) as app:  # tables and the operator's directory, applied once
        app.apply_directory_file(t.write_directory_file(tmp_path / "directory.toml"))
    hubs = c.hub_instances(settings, tmp_path)
    scenario = Scenario(settings, hubs)
    try:
        for hub in hubs:
            hub.start()
        with open_hub(settings) as app:
            scenario.app = app
            t.wait_until(app.agency_ids, 90, what="the operator's directory")
            probe = t.StoreProbe(app)
            t.publish_in_order(settings, t.directory_commands(), probe.outcome_known, timeout=120)
            yield scenario
    finally:
        codes = [hub.stop() for hub in hubs]
        assert all(code in (None, 0) for code in codes), f"serve exit codes {codes}"


class Scenario:
    """The load of one test, published in the background while the test breaks things."""

    def __init__(self, settings, hubs):
        self.settings = settings
        self.hubs = hubs
        self.app = None
        self.load = t.load_commands(CASES, SHARES, tag=uuid4().hex[:6])
        self.offsets: dict[int, int] = {}
        self.error: BaseException | None = None
        self.publishers: list[threading.Thread] = []
        self.clock = c.Stopwatch()
        self.figures: dict[str, object] = {}
        #: The highest relay position read so far (a read may fail while a leader moves).
        self.last_relayed = 0

    def _publish(self, commands):
        try:
            # In slices, so that the load is still flowing when a fault strikes.
            for n in range(0, len(commands), 2000):
                for p, o in t.publish_fast(self.settings, commands[n : n + 2000]).items():
                    self.offsets[p] = max(self.offsets.get(p, -1), o)
        except BaseException as exc:  # noqa: BLE001 - reported by finish()
            self.error = exc

    def publish(self, commands) -> threading.Thread:
        """Publish ``commands`` (in the load's order) in the background."""
        thread = threading.Thread(target=self._publish, args=(commands,), daemon=True)
        self.publishers.append(thread)
        thread.start()
        return thread

    def publish_until(self, done: threading.Event) -> threading.Thread:
        """Publish the load in slices and, while ``done`` is not set, more load after it (added
        to ``self.load``): events flow for as long as the test needs them to."""

        def flow():
            sent = 0
            while sent < len(self.load) or not done.is_set():
                if sent == len(self.load):
                    # The load is in; keep a trickle (~100 events/s) going until told to stop.
                    self.load += t.load_commands(20, SHARES, tag=uuid4().hex[:6])
                    done.wait(1.0)
                self._publish(self.load[sent : sent + 500])
                sent = min(sent + 500, len(self.load))
                if self.error is not None:
                    return

        thread = threading.Thread(target=flow, daemon=True)
        self.publishers.append(thread)
        thread.start()
        return thread

    def start_load(self):
        self.clock = c.Stopwatch()
        self.publish(self.load)

    def relayed(self) -> int:
        """The relay's committed position (0 before its first commit)."""
        try:
            now = read_position(self.settings, timeout_s=10) or 0
        except KafkaUnavailable:  # a partition between leaders: no progress seen this time
            now = 0
        self.last_relayed = max(self.last_relayed, now)
        return self.last_relayed

    def wait_relay_beyond(self, position: int, timeout: float = 180):
        t.wait_until(
            lambda: all(h.check() for h in self.hubs) and self.relayed() > position,
            timeout,
            interval=0.5,
            what=f"the relay to commit beyond {position}",
        )

    def finish(self):
        """Publishing done, everything ingested and relayed; then count both sides."""
        for thread in self.publishers:
            thread.join(timeout=600)
        assert self.error is None, f"publishing through the SDK failed: {self.error!r}"
        self.figures["published_s"] = self.clock()
        topic = agency_topic("market-regulation")

        def ingested():
            assert all(h.check() for h in self.hubs)
            return all(
                (self.app.max_tracking_id(f"ingest:{topic}:{p}") or -1) >= o
                for p, o in self.offsets.items()
            )

        t.wait_until(ingested, 600, interval=1, what="the ingest to reach the last offsets")
        self.figures["ingested_s"] = self.clock()
        t.wait_until(
            lambda: (
                all(h.check() for h in self.hubs) and t.relay_caught_up(self.settings, self.app)
            ),
            600,
            interval=1,
            what="the relay to catch up",
        )
        self.figures["relayed_s"] = self.clock()
        ids = [command.envelope.event_id for _, command in self.load]
        verdict = c.verify_exactly_once(self.settings, ids)
        self.figures |= verdict.counts
        reconcile = c.audit_reconcile(self.hubs[0].env)
        self.figures["reconcile_rc"] = reconcile.returncode
        print(f"\nscenario figures: {self.figures}")
        assert verdict.problems == [], "\n".join(verdict.problems)
        assert verdict.counts["input_events"] >= CASES * (1 + SHARES)
        assert reconcile.returncode == 0, reconcile.stdout[-2000:] + reconcile.stderr[-2000:]


def _kill_and_restart_alone(scenario, node: int) -> None:
    """kill -9 ``node``, keep it down longer than the relay producer's timeouts while the hub
    commits on without it, then start it alone; the other nodes are never restarted."""
    settings = scenario.settings
    others = {n.node.node_id: n.pid for n in broker_status(settings, "cluster").nodes}
    del others[node]
    down_for = c.relay_timeouts_s() + 5
    position = scenario.relayed()
    kill_node(settings, "cluster", node)
    killed_at = time.monotonic()
    scenario.figures |= {"killed_node": node, "killed_at_position": position}
    t.wait_until(
        lambda: time.monotonic() - killed_at >= down_for and scenario.relayed() > position,
        down_for + 180,
        interval=0.5,
        what=f"the relay to commit past {position} with node {node} down for {down_for:.0f}s",
    )
    scenario.figures["down_s"] = round(time.monotonic() - killed_at, 1)
    assert broker_up(settings, "cluster", node=node)
    after = {n.node.node_id: n.pid for n in broker_status(settings, "cluster").nodes}
    assert {n: after[n] for n in others} == others, "the healthy nodes kept running"


def test_killing_the_relay_transaction_coordinator_loses_and_doubles_nothing(run):
    """kill -9 of the broker coordinating casehub-relay's transactions, down longer than the
    delivery timeout, then restarted alone: every event exactly once, in order."""
    run.start_load()
    run.wait_relay_beyond(0)
    coordinator = c.transaction_coordinator(run.settings, RELAY_TRANSACTIONAL_ID)
    _kill_and_restart_alone(run, coordinator)
    run.finish()


def test_killing_a_timeline_partition_leader_loses_and_doubles_nothing(run):
    """kill -9 of the leader of casehub.timeline partition 0, down longer than the delivery
    timeout, then restarted alone: every event exactly once, in order."""
    run.start_load()
    run.wait_relay_beyond(0)
    leader = c.partition_leader(run.settings, TIMELINE, 0)
    _kill_and_restart_alone(run, leader)
    run.finish()


def test_killing_the_leader_instance_moves_the_relay_to_the_other(run):
    """kill -9 of the leading hub instance, never restarted: the other leads within 12 s and
    every event still arrives exactly once."""
    run.start_load()
    run.wait_relay_beyond(0)
    leader = c.the_leader(run.hubs)
    [survivor] = [h for h in run.hubs if h is not leader]
    gained = survivor.events("leadership_gained")
    leader.kill()
    killed_at = time.monotonic()
    t.wait_until(
        lambda: survivor.check() and survivor.events("leadership_gained") > gained,
        60,
        interval=0.1,
        what="the surviving instance to take over",
    )
    takeover = round(time.monotonic() - killed_at, 1)
    run.figures["takeover_s"] = takeover
    position = run.relayed()
    run.wait_relay_beyond(position)
    run.finish()
    assert takeover <= TAKEOVER_BOUND_S


def test_rolling_restart_of_every_broker_loses_and_doubles_nothing(run):
    """Each broker stopped and started in turn while events flow (its replicas back in sync
    before the next): every event exactly once, in order."""
    rolled = threading.Event()
    run.clock = c.Stopwatch()
    publishing = run.publish_until(rolled)
    topics = [TIMELINE, agency_topic("market-regulation")]
    for node in (1, 2, 3):
        run.wait_relay_beyond(run.relayed())
        assert publishing.is_alive(), "events flow while the broker stops"
        assert broker_down(run.settings, "cluster", node=node)
        assert broker_up(run.settings, "cluster", node=node)
        t.wait_until(lambda: c.fully_replicated(run.settings, topics), 180, what="replicas in sync")
        run.figures[f"node_{node}_back_s"] = run.clock()
    rolled.set()
    run.finish()
