"""The ingest loop's decisions, with a hand-written fake consumer and the in-memory store."""

from __future__ import annotations

import threading
import time
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

import pytest
from eventsourcing.persistence import OperationalError

from hub.codec import encode_command
from hub.ingest.loop import Ingest, IngestOptions
from hub.ingest.store import IngestStore
from hub.rules.clocks import TIMEZONE
from hub.serve import testing as t
from hub.serve.wiring import PipelineHub
from hub.settings import Settings

TOPIC = "casehub.agency.rule-of-law-office.events"


class TP(NamedTuple):
    topic: str
    partition: int


class Record(NamedTuple):
    offset: int
    value: bytes


class Meta(NamedTuple):
    generation_id: int
    member_id: str


CLOCK = t.fixed_clock(datetime(2026, 1, 5, 9, tzinfo=TIMEZONE))


class FakeConsumer:
    """Records what the loop asks of Kafka; the group generation is settable."""

    def __init__(self, generation=1, member="m1"):
        self.meta = Meta(generation, member)
        self.paused, self.seeks, self.commits = set(), {}, []

    def group_metadata(self):
        return self.meta

    def pause(self, *tps):
        self.paused.update(tps)

    def resume(self, *tps):
        self.paused.difference_update(tps)

    def seek(self, tp, offset):
        self.seeks[tp] = offset

    def seek_to_beginning(self, *tps):
        for tp in tps:
            self.seeks[tp] = 0

    def commit_async(self, offsets, callback=None):  # noqa: ARG002 - kafka-python's signature
        self.commits.append(offsets)


@pytest.fixture
def app(tmp_path: Path):
    hub = PipelineHub(
        {"PERSISTENCE_MODULE": "eventsourcing.popo"}, clock=CLOCK, settings=Settings()
    )
    hub.apply_directory_file(t.write_directory_file(tmp_path / "directory.toml"))
    yield hub
    hub.close()


def _ingest(app, consumer):
    ingest = Ingest(IngestStore(app), Settings(), threading.Event(), options=IngestOptions())
    ingest._consumer = consumer
    return ingest


def _assign(ingest, tp):
    """What one poll does on a rebalance: the listener pauses, the loop claims and seeks."""
    ingest.on_assigned([tp])
    assert tp in ingest._unclaimed
    ingest._claim_pending()


def _records(first=0):
    commands = [c for a, c in t.directory_commands() if a == "rule-of-law-office"]
    return [Record(first + i, encode_command(c)) for i, c in enumerate(commands)]


def test_assignment_claims_and_seeks_to_the_stored_position_plus_one(app):
    """A fresh partition starts at the beginning; a known one right after its stored offset."""
    tp = TP(TOPIC, 0)
    consumer = FakeConsumer()
    ingest = _ingest(app, consumer)
    _assign(ingest, tp)
    assert consumer.seeks[tp] == 0
    assert tp not in consumer.paused
    records = _records()
    ingest._handle(tp, records)
    assert app.max_tracking_id(f"ingest:{TOPIC}:0") == records[-1].offset
    assert consumer.commits[-1][tp].offset == records[-1].offset + 1
    again = _ingest(app, FakeConsumer(generation=2, member="m2"))
    _assign(again, tp)
    assert again._consumer.seeks[tp] == records[-1].offset + 1


def test_a_fenced_instance_stops_writing_its_partition(app):
    """Another member claimed the partition: the stale batch is refused and the partition paused."""
    tp = TP(TOPIC, 0)
    stale = _ingest(app, FakeConsumer(generation=1, member="paused"))
    _assign(stale, tp)
    fresh = _ingest(app, FakeConsumer(generation=2, member="new"))
    _assign(fresh, tp)
    stale._handle(tp, _records())
    assert stale.stats.fenced == 1
    assert tp in stale._consumer.paused
    assert app.max_tracking_id(f"ingest:{TOPIC}:0") is None
    fresh._handle(tp, _records())
    assert app.max_tracking_id(f"ingest:{TOPIC}:0") == len(_records()) - 1


def test_a_redelivered_batch_is_dropped_before_it_reaches_the_store(app):
    """Records below the stored position (a late offset reset) are dropped, not rewritten."""
    tp = TP(TOPIC, 0)
    ingest = _ingest(app, FakeConsumer())
    _assign(ingest, tp)
    records = _records()
    ingest._handle(tp, records)
    before = app.recorder.max_notification_id()
    ingest._handle(tp, records)
    assert app.recorder.max_notification_id() == before
    assert ingest.stats.batches == 1


def test_a_replay_the_loop_did_not_expect_is_classified_and_skipped(app):
    """If a replay reaches the store, IntegrityError is classified as replayed and skipped."""
    tp = TP(TOPIC, 0)
    ingest = _ingest(app, FakeConsumer())
    _assign(ingest, tp)
    records = _records()
    ingest._handle(tp, records)
    before = app.recorder.max_notification_id()
    ingest._owned[tp].next_offset = None  # as if the loop had lost track
    ingest._handle(tp, records)
    assert ingest.stats.replayed == 1
    assert ingest._consumer.seeks[tp] == records[-1].offset + 1
    assert app.recorder.max_notification_id() == before


def test_a_gap_after_the_stored_position_is_sought_back_once(app):
    """Records beyond the expected offset: seek back to it once, then accept (markers)."""
    tp = TP(TOPIC, 0)
    ingest = _ingest(app, FakeConsumer())
    _assign(ingest, tp)
    ingest._owned[tp].next_offset = 0
    ingest._consumer.seeks.clear()
    later = _records(first=5)
    ingest._handle(tp, later)
    assert ingest._consumer.seeks[tp] == 0
    assert app.max_tracking_id(f"ingest:{TOPIC}:0") is None
    ingest._handle(tp, later)
    assert app.max_tracking_id(f"ingest:{TOPIC}:0") == later[-1].offset


def test_a_store_outage_rewinds_and_reclaims_without_losing_the_batch(app, monkeypatch):
    """The database fails: nothing is skipped; after it returns the batch is recorded."""
    tp = TP(TOPIC, 0)
    ingest = _ingest(app, FakeConsumer())
    _assign(ingest, tp)
    records = _records()
    real = app.process_batch

    def down(*_args, **_kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(app, "process_batch", down)
    monkeypatch.setattr(ingest.stop, "wait", lambda _s: False)
    ingest._handle(tp, records)
    assert ingest.stats.store_errors == 1
    assert tp in ingest._unclaimed
    monkeypatch.setattr(app, "process_batch", real)
    ingest._claim_pending()
    assert ingest._consumer.seeks[tp] == 0
    ingest._handle(tp, records)
    assert app.max_tracking_id(f"ingest:{TOPIC}:0") == records[-1].offset


class Membership(NamedTuple):
    generation_id: int
    member_id: str
    state: str


class StuckConsumer(FakeConsumer):
    """Joins the group once, then stays out of it for good (as kafka-python 3.0.12 can)."""

    def __init__(self, assign=()):
        super().__init__()
        self.meta = Membership(1, "m1", "<rebalancing>")
        self.assign, self.closed = list(assign), False

    def subscribe(self, pattern=None, listener=None):  # noqa: ARG002 - kafka-python's signature
        if self.assign:
            listener.on_partitions_assigned(self.assign)

    def poll(self, timeout_ms=0, max_records=None):  # noqa: ARG002 - kafka-python's signature
        time.sleep(timeout_ms / 1000)
        return {}

    def close(self, autocommit=True, timeout_ms=None):  # noqa: ARG002 - kafka-python's signature
        self.closed = True


def test_a_consumer_left_out_of_its_group_is_replaced_and_its_partitions_dropped(app, monkeypatch):
    """No stable membership for ``rejoin_after_s``: drop every partition, join with a new one."""
    tp = TP(TOPIC, 0)
    stop = threading.Event()
    consumers: list[StuckConsumer] = []

    def make():
        if len(consumers) == 2:
            stop.set()
        consumers.append(StuckConsumer([tp] if not consumers else []))
        return consumers[-1]

    options = IngestOptions(rejoin_after_s=0.3, poll_timeout_ms=20, rejoin_poll_timeout_ms=20)
    ingest = Ingest(IngestStore(app), Settings(), stop, options=options)
    monkeypatch.setattr(ingest, "_make_consumer", make)
    ingest.run()
    assert len(consumers) == 3
    assert all(c.closed for c in consumers)
    assert consumers[0].seeks == {tp: 0}, "the first consumer claimed its partition"
    assert ingest.owned_partitions() == []
    assert not ingest._unclaimed
