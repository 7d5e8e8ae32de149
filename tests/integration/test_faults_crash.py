"""Crash faults: ``kill -9`` of ``casehub serve`` and relay crashes at each step of a transaction.

``casehub serve`` runs as a subprocess over a SQLite file while ten thousand events flow; it is
killed at random moments and restarted. Afterwards the store and ``casehub.timeline`` (read
with ``read_committed``) must hold exactly the expected events: none lost, none doubled. (A
commit that never finishes, and the other error paths of the commit rule, are driven in
tests/unit/relay/test_commit_rule.py.)
"""

from __future__ import annotations

import random
import signal
import threading
import time
from collections import defaultdict
from datetime import datetime

import pytest

from devkit.testing import serve as t
from hub.bootstrap import open_pipeline as open_hub
from hub.ids import DIRECTORY_ID
from hub.relay.faults import FAULT_EXIT_CODE
from hub.rules.clocks import TIMEZONE
from hub.topics import TIMELINE, agency_topic

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

CASES, SHARES = 2000, 4  # 10 000 events on the market regulator's topic


@pytest.fixture
def fault_env(hub_settings, kafka_bootstrap, tmp_path):
    settings = hub_settings.with_overrides(
        kafka_bootstrap=kafka_bootstrap, store="sqlite", sqlite_path=str(tmp_path / "hub.sqlite")
    )
    t.reset_kafka(settings)
    directory_file = t.write_directory_file(tmp_path / "directory.toml")
    return settings, directory_file, tmp_path


class Hub:
    """A ``casehub serve`` subprocess that can be killed and started again."""

    def __init__(self, settings, directory_file, tmp_path, **env):
        self.env = t.serve_env(settings, settings.sqlite_file, **env)
        self.directory_file = directory_file
        self.log = tmp_path / "serve.log"
        self.proc = None
        self.kills = 0

    def start(self, **env):
        self._serving_before = self._serving()
        self.proc = t.start_serve(self.env | env, self.log, directory_file=self.directory_file)
        return self.proc

    def _serving(self):
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        return text.count('"serve_started"')

    def wait_serving(self, timeout=60):
        """Until the process started last is serving (SIGTERM before that kills it outright)."""
        t.wait_until(
            lambda: self.check_alive() or self._serving() > self._serving_before,
            timeout,
            what="casehub serve to start",
        )

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.kills += 1

    def check_alive(self):
        """Fail at once, with the log's tail, if the hub died on its own."""
        if self.proc is not None and self.proc.poll() is not None:
            tail = self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-30:]
            pytest.fail(f"casehub serve exited with {self.proc.returncode}:\n" + "\n".join(tail))

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            return self.proc.wait(timeout=60)
        return self.proc.returncode if self.proc is not None else None


def _bootstrap(settings, hub):
    """Start the hub and admit the story's agencies (they publish nothing until admitted)."""
    hub.start()
    with open_hub(settings) as app:
        probe = t.StoreProbe(app)
        t.wait_until(probe.app.agency_ids, 60, what="the operator's directory")
        t.publish_in_order(settings, t.directory_commands(), probe.outcome_known)


def _wait_done(settings, app, last_offsets, hub, timeout=300):
    topic = agency_topic("market-regulation")

    def ingested():
        hub.check_alive()
        return all(
            (app.max_tracking_id(f"ingest:{topic}:{p}") or -1) >= o for p, o in last_offsets.items()
        )

    t.wait_until(ingested, timeout, interval=1, what="the ingest to reach the last offsets")
    t.wait_until(
        lambda: hub.check_alive() or t.relay_caught_up(settings, app),
        timeout,
        interval=1,
        what="relay",
    )


def _check_exactly_once(settings, app, directory_file, commands):
    expected = t.expected_outcomes(commands, _now, directory_file)
    stored = t.streams_of(app, expected.streams)
    assert stored == expected.streams
    timeline = defaultdict(list)
    seen = set()
    for record in t.read_topic(settings, TIMELINE, timeout=120):
        value = t.decode_values([record])[0]
        assert value["notification_id"] not in seen, "a notification was published twice"
        seen.add(value["notification_id"])
        timeline[value["aggregate_id"]].append((record.offset, value))
    for aggregate_id, stream in expected.streams.items():
        published = sorted(timeline[aggregate_id], key=lambda x: x[1]["notification_id"])
        if aggregate_id != DIRECTORY_ID:
            assert [o for o, _ in published] == sorted(o for o, _ in published)
        assert [v["version"] for _, v in published] == list(range(1, len(stream) + 1)), (
            f"timeline of {aggregate_id}"
        )
    assert len(seen) == sum(len(s) for s in expected.streams.values())


def _now():
    return datetime.now(TIMEZONE)


def test_kill_9_at_random_moments_loses_and_doubles_nothing(fault_env):
    """Four SIGKILLs of `casehub serve` while 10 000 events flow: exactly once, in order."""
    settings, directory_file, tmp_path = fault_env
    hub = Hub(settings, directory_file, tmp_path)
    try:
        _bootstrap(settings, hub)
        load = t.load_commands(CASES, SHARES, tag="k9")
        offsets: dict[int, int] = {}
        publisher = threading.Thread(
            target=lambda: offsets.update(t.publish_fast(settings, load)), daemon=True
        )
        publisher.start()
        rng = random.Random(9)
        for _ in range(4):
            time.sleep(rng.uniform(1.5, 4.0))
            hub.kill()
            hub.start()
        publisher.join(timeout=300)
        assert offsets, "the publisher did not finish"
        with open_hub(settings) as app:
            _wait_done(settings, app, offsets, hub)
            assert hub.stop() == 0, "SIGTERM stops serve cleanly"
            _check_exactly_once(settings, app, directory_file, t.directory_commands() + load)
    finally:
        hub.stop()


@pytest.mark.parametrize(
    "fault", ["relay_before_send@2", "relay_after_send@2", "relay_after_commit@2"]
)
def test_relay_crash_inside_a_transaction_publishes_exactly_once(fault_env, fault):
    """The relay dies after reading the store, after sending, or after committing: once."""
    settings, directory_file, tmp_path = fault_env
    hub = Hub(settings, directory_file, tmp_path)
    try:
        _bootstrap(settings, hub)
        load = t.load_commands(150, 2, tag=fault.split("@", maxsplit=1)[0])
        hub.kill()
        offsets = t.publish_fast(settings, load)
        hub.start(CASEHUB_FAULT=fault)
        assert hub.proc.wait(timeout=120) == FAULT_EXIT_CODE
        hub.start()
        hub.wait_serving()  # the crashed relay may have published everything already
        with open_hub(settings) as app:
            _wait_done(settings, app, offsets, hub, timeout=120)
            assert hub.stop() == 0
            _check_exactly_once(settings, app, directory_file, t.directory_commands() + load)
    finally:
        hub.stop()
