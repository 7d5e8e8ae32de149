"""Leadership on the real broker: one leader at a time, and a dead leader replaced within 12 s.

The broker's group session is 6 s (``deploy/kafka/config/base.properties``): a leader killed
without leaving its group is declared dead after that, and partition 0 of ``casehub.leader``
moves to the next member.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from devkit.testing import serve as t
from hub.leadership import Leadership
from hub.topics import ensure_topics

pytestmark = pytest.mark.kafka

#: The bound the issue sets for the project's brokers (6 s session + assignment).
FAILOVER_BOUND_S = 12.0

#: A leader in a process of its own, which says when it leads and then waits to be killed.
LEADER_SCRIPT = """
import sys, threading
from hub.leadership import Leadership
from hub.settings import load_settings
stop = threading.Event()
election = Leadership(load_settings(), stop)
threading.Thread(target=election.run, daemon=True).start()
if election.wait(90):
    print("LEADING", election.term(), flush=True)
stop.wait()
"""


@pytest.fixture
def settings(hub_settings, kafka_bootstrap):
    settings = hub_settings.with_overrides(kafka_bootstrap=kafka_bootstrap)
    t.reset_kafka(settings)
    ensure_topics(settings, [])
    return settings


def _in_thread(election: Leadership) -> threading.Thread:
    thread = threading.Thread(target=election.run, daemon=True)
    thread.start()
    return thread


def _leading(proc: subprocess.Popen[str], log: Path) -> bool:
    if proc.poll() is not None:
        pytest.fail(f"the leader process exited with {proc.returncode}:\n{log.read_text()}")
    return "LEADING" in log.read_text(encoding="utf-8")


def test_a_killed_leader_is_replaced_within_the_bound(settings, tmp_path):
    """The leader dies without leaving its group (SIGKILL): the other instance leads in < 12 s."""
    log = tmp_path / "leader.log"
    env = t.serve_env(settings, tmp_path / "unused.sqlite")
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", LEADER_SCRIPT], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    stop = threading.Event()
    follower = Leadership(settings, stop)
    thread = None
    try:
        t.wait_until(lambda: _leading(proc, log), 90, what="the first instance to lead")
        thread = _in_thread(follower)
        # Joined and settled: with the leader alive, the follower does not lead.
        t.wait_until(lambda: follower.member is not None, 30, what="the follower to join")
        assert not follower.wait(8.0), "two leaders while the first is alive"
        assert follower.term() == 0
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        killed_at = time.monotonic()
        assert follower.wait(30.0), "the follower never took over"
        took = time.monotonic() - killed_at
        print(f"leadership moved {took:.1f}s after the leader was killed")
        assert took < FAILOVER_BOUND_S
        assert follower.term() == 1
    finally:
        stop.set()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if thread is not None:
            thread.join(timeout=30)
    assert not follower.is_leader()


def test_a_leader_that_stops_hands_over_at_once(settings):
    """A leader that closes leaves its group: the other instance leads at once (its first term)."""
    first_stop, second_stop = threading.Event(), threading.Event()
    first, second = Leadership(settings, first_stop), Leadership(settings, second_stop)
    first_thread = _in_thread(first)
    assert first.wait(60), "no leadership at first"
    second_thread = _in_thread(second)
    try:
        t.wait_until(lambda: second.member is not None, 30, what="the second to join")
        assert not second.wait(5.0)
        first_stop.set()
        first_thread.join(timeout=30)
        started = time.monotonic()
        assert second.wait(FAILOVER_BOUND_S), "a clean leave did not hand over leadership"
        print(f"leadership moved {time.monotonic() - started:.1f}s after a clean stop")
        assert (first.term(), second.term()) == (1, 1)
        assert not first.is_leader()
    finally:
        first_stop.set()
        second_stop.set()
        first_thread.join(timeout=30)
        second_thread.join(timeout=30)
