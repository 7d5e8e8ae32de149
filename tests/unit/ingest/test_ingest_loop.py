"""The ingest loop's decisions, with a hand-written fake group member and the in-memory store."""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path

import pytest
from eventsourcing.persistence import OperationalError

from devkit.testing import serve as t
from hub.cases.application import CaseHub
from hub.codec import encode_command
from hub.ingest.loop import Ingest, IngestOptions
from hub.ingest.store import IngestStore
from hub.kafka.group import PAUSED
from hub.kafka.records import Record
from hub.rules.clocks import TIMEZONE
from hub.settings import Settings

TOPIC = "casehub.agency.rule-of-law-office.events"
PARTITION = (TOPIC, 0)

CLOCK = t.fixed_clock(datetime(2026, 1, 5, 9, tzinfo=TIMEZONE))


class FakeMember:
    """Records what the loop asks of its group member (GroupMember's interface)."""

    def __init__(self, member="m1"):
        self.member, self.last_error = member, None
        self.paused, self.starts, self.commits = set(), {}, []

    def member_id(self):
        return self.member

    def pause(self, partition):
        self.paused.add(partition)

    def start(self, partition, offset):
        self.paused.discard(partition)
        self.starts[partition] = offset

    def commit(self, offsets):
        self.commits.append(dict(offsets))


@pytest.fixture
def app(tmp_path: Path):
    hub = CaseHub({"PERSISTENCE_MODULE": "eventsourcing.popo"}, clock=CLOCK, settings=Settings())
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


def _ingest(app, member=None):
    ingest = Ingest(IngestStore(app), Settings(), threading.Event(), options=IngestOptions())
    ingest.member = member or FakeMember()
    return ingest


def _records(first=0):
    commands = [c for a, c in t.directory_commands() if a == "rule-of-law-office"]
    return [Record(TOPIC, 0, first + i, None, encode_command(c)) for i, c in enumerate(commands)]


def test_a_claim_starts_a_partition_after_its_stored_position(app):
    """A fresh partition starts at the beginning; a known one right after its stored offset."""
    ingest = _ingest(app)
    assert ingest.on_claim([PARTITION]) == {PARTITION: None}
    records = _records()
    ingest._handle(PARTITION, records)
    assert app.max_tracking_id(f"ingest:{TOPIC}:0") == records[-1].offset
    assert ingest.member.commits[-1] == {PARTITION: records[-1].offset + 1}
    again = _ingest(app, FakeMember("m2"))
    assert again.on_claim([PARTITION]) == {PARTITION: records[-1].offset + 1}


def test_every_claim_has_an_id_of_its_own(app):
    """The same member claiming the same partition twice holds two different claims."""
    ingest = _ingest(app)
    ingest.on_claim([PARTITION])
    first = ingest._owned[PARTITION].claim_id
    ingest.on_release([PARTITION], lost=False)
    ingest.on_claim([PARTITION])
    second = ingest._owned[PARTITION].claim_id
    assert first != second
    lease = IngestStore(app).load_lease(TOPIC, 0)
    assert lease.held_by(second)
    assert not lease.held_by(first)
    assert lease.member_id == "m1"


def test_a_fenced_instance_stops_writing_its_partition(app):
    """Another member claimed the partition: the stale batch is refused and the partition paused."""
    stale = _ingest(app, FakeMember("paused"))
    stale.on_claim([PARTITION])
    fresh = _ingest(app, FakeMember("new"))
    fresh.on_claim([PARTITION])
    stale._handle(PARTITION, _records())
    assert stale.stats.fenced == 1
    assert PARTITION in stale.member.paused
    assert stale.owned_partitions() == []
    assert app.max_tracking_id(f"ingest:{TOPIC}:0") is None
    fresh._handle(PARTITION, _records())
    assert app.max_tracking_id(f"ingest:{TOPIC}:0") == len(_records()) - 1


def test_a_fenced_partition_still_assigned_is_claimed_again_later(app):
    """The claim that fenced it was stale: after the bound the holder claims it back and goes on."""
    holder = _ingest(app, FakeMember("holder"))
    holder.options = IngestOptions(fenced_reclaim_after_s=0.0)
    holder.on_claim([PARTITION])
    IngestStore(app).claim(TOPIC, 0, "stale-claim", "woken")
    holder._handle(PARTITION, _records())
    assert holder.stats.fenced == 1
    holder._claim_pending()
    assert holder.member.starts == {PARTITION: None}
    assert PARTITION not in holder.member.paused
    holder._handle(PARTITION, _records())
    assert app.max_tracking_id(f"ingest:{TOPIC}:0") == len(_records()) - 1


def test_released_partitions_are_not_written(app):
    """Revoked or lost, a partition's records are no longer recorded by this instance."""
    ingest = _ingest(app)
    ingest.on_claim([PARTITION])
    ingest.on_release([PARTITION], lost=True)
    assert ingest.owned_partitions() == []
    assert not ingest._unclaimed


def test_a_redelivered_batch_is_dropped_before_it_reaches_the_store(app):
    """Records below the stored position (fetched before a restart) are dropped, not rewritten."""
    ingest = _ingest(app)
    ingest.on_claim([PARTITION])
    records = _records()
    ingest._handle(PARTITION, records)
    before = app.recorder.max_notification_id()
    ingest._handle(PARTITION, records)
    assert app.recorder.max_notification_id() == before
    assert ingest.stats.batches == 1


def test_a_replay_the_loop_did_not_expect_is_classified_and_skipped(app):
    """If a replay reaches the store, IntegrityError is classified as replayed and skipped."""
    ingest = _ingest(app)
    ingest.on_claim([PARTITION])
    records = _records()
    ingest._handle(PARTITION, records)
    before = app.recorder.max_notification_id()
    ingest._owned[PARTITION].next_offset = None  # as if the loop had lost track
    ingest._handle(PARTITION, records)
    assert ingest.stats.replayed == 1
    assert ingest._owned[PARTITION].next_offset == records[-1].offset + 1
    assert app.recorder.max_notification_id() == before


def test_a_store_outage_pauses_and_reclaims_without_losing_the_batch(app, monkeypatch):
    """The database fails: nothing is skipped; after it returns the batch is recorded."""
    ingest = _ingest(app)
    ingest.on_claim([PARTITION])
    records = _records()
    real = app.process_batch

    def down(*_args, **_kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(app, "process_batch", down)
    monkeypatch.setattr(ingest.stop, "wait", lambda _s: False)
    ingest._handle(PARTITION, records)
    assert ingest.stats.store_errors == 1
    assert PARTITION in ingest._unclaimed
    assert PARTITION in ingest.member.paused
    monkeypatch.setattr(app, "process_batch", real)
    ingest._claim_pending()
    assert ingest.member.starts == {PARTITION: None}
    assert PARTITION not in ingest.member.paused
    ingest._handle(PARTITION, records)
    assert app.max_tracking_id(f"ingest:{TOPIC}:0") == records[-1].offset


def test_a_claim_while_the_store_is_down_pauses_the_partition_until_it_returns(app, monkeypatch):
    """Assigned during an outage: PAUSED to the member, claimed from the loop once it answers."""
    ingest = _ingest(app)
    store = ingest.store
    real = store.claim

    def down(*_args, **_kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(store, "claim", down)
    other = (TOPIC, 1)
    assert ingest.on_claim([PARTITION, other]) == {PARTITION: PAUSED, other: PAUSED}
    assert ingest.stats.store_errors == 1, "one failed claim pauses the rest without trying"
    monkeypatch.setattr(store, "claim", real)
    ingest._claim_retry_at = 0.0
    ingest._claim_pending()
    assert ingest.member.starts == {PARTITION: None, other: None}
    assert sorted(ingest.owned_partitions()) == [PARTITION, other]
