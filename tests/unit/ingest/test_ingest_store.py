"""The ingest's store contract, in memory: batches, positions, leases and fencing."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from eventsourcing.persistence import IntegrityError

from devkit.testing import serve as t
from hub.cases.application import CaseHub
from hub.cases.commands import Inbound, Origin, Undecodable
from hub.codec import command_content_hash
from hub.ingest.lease import PartitionLease, lease_id
from hub.ingest.store import IngestStore, tracking_name
from hub.rules.clocks import TIMEZONE
from hub.settings import Settings

TOPIC = "casehub.agency.rule-of-law-office.events"
CLOCK = t.fixed_clock(datetime(2026, 1, 5, 9, tzinfo=TIMEZONE))


@pytest.fixture
def app(tmp_path: Path):
    hub = CaseHub({"PERSISTENCE_MODULE": "eventsourcing.popo"}, clock=CLOCK, settings=Settings())
    hub.apply_directory_file(t.write_directory_file(tmp_path / "directory.toml"))
    yield hub
    hub.close()


def _items(first_offset: int = 0):
    commands = [(a, c) for a, c in t.directory_commands() if a == "rule-of-law-office"]
    return [
        Inbound(c, Origin(TOPIC, 0, first_offset + i), command_content_hash(c))
        for i, (_, c) in enumerate(commands)
    ]


class TestBatches:
    def test_a_batch_records_outcomes_lease_and_position_together(self, app):
        """One batch: its case events, the lease's Advanced event and the tracking row."""
        store = IngestStore(app)
        lease, position = store.claim(TOPIC, 0, claim_id="c3", member_id="m1")
        assert position is None
        items = _items()
        outcomes = store.record_batch(items, TOPIC, 0, len(items) - 1, lease)
        assert [type(o).__name__ for o in outcomes] == ["Accepted"] * len(items)
        assert store.position(TOPIC, 0) == len(items) - 1
        stored = store.load_lease(TOPIC, 0)
        assert stored is not None
        assert stored.offset == len(items) - 1
        assert stored.held_by("c3")

    def test_a_replayed_batch_fails_and_records_nothing(self, app):
        """The same offsets again: IntegrityError, and the store is unchanged."""
        store = IngestStore(app)
        lease, _ = store.claim(TOPIC, 0, "c1", "m1")
        items = _items()
        store.record_batch(items, TOPIC, 0, len(items) - 1, lease)
        before = app.recorder.max_notification_id()
        lease = store.load_lease(TOPIC, 0)
        with pytest.raises(IntegrityError):
            store.record_batch(items, TOPIC, 0, len(items) - 1, lease)
        assert app.recorder.max_notification_id() == before

    def test_undecodable_records_become_rejections_in_the_batch(self, app):
        """A poison record is a rejection recorded with the batch; the batch goes on."""
        store = IngestStore(app)
        lease, _ = store.claim(TOPIC, 1, "c1", "m1")
        poison = Undecodable(Origin(TOPIC, 1, 0), "bad_magic", "not Avro", b"\x00\x01")
        items = [poison, *_items(first_offset=1)]
        outcomes = store.record_batch(items, TOPIC, 1, len(items) - 1, lease)
        assert type(outcomes[0]).__name__ == "Rejected"
        assert {type(o).__name__ for o in outcomes[1:]} == {"Accepted"}


class TestFencing:
    def test_a_newer_claim_fences_the_older_holder(self, app):
        """A paused holder's batch is refused once another member claimed the partition."""
        store = IngestStore(app)
        stale, _ = store.claim(TOPIC, 0, claim_id="old", member_id="paused")
        _, resume_after = store.claim(TOPIC, 0, claim_id="new", member_id="new")
        assert resume_after is None
        items = _items()
        with pytest.raises(IntegrityError):
            store.record_batch(items, TOPIC, 0, len(items) - 1, stale)
        assert store.position(TOPIC, 0) is None
        lease = store.load_lease(TOPIC, 0)
        assert lease is not None
        assert lease.held_by("new")
        assert not lease.held_by("old")

    def test_the_new_holder_resumes_after_the_old_holders_last_batch(self, app):
        """A claim reads the position and writes the lease in one compare-and-set."""
        store = IngestStore(app)
        first, _ = store.claim(TOPIC, 0, "c1", "a")
        items = _items()
        store.record_batch(items, TOPIC, 0, len(items) - 1, first)
        lease, resume_after = store.claim(TOPIC, 0, "c2", "b")
        assert resume_after == len(items) - 1
        assert lease.offset == len(items) - 1
        assert lease.claims == 2

    def test_a_concurrent_claim_is_a_conflict_not_a_silent_overwrite(self, app):
        """Two members that loaded the same lease version cannot both claim."""
        store = IngestStore(app)
        store.claim(TOPIC, 0, "c1", "a")
        one = store.load_lease(TOPIC, 0)
        two = store.load_lease(TOPIC, 0)
        assert one is not None
        assert two is not None
        one.claim("c2", "b", -1)
        two.claim("c3", "c", -1)
        app.save(one)
        with pytest.raises(IntegrityError):
            app.save(two)

    def test_a_claim_recorded_with_a_group_generation_reads_as_a_claim_of_its_own(self, app):
        """A version-1 ``Claimed`` (generation, member id) is upcast; a new claim fences it."""
        lease = PartitionLease(TOPIC, 0)
        lease.claim("c1", "m1", 41)
        current = app.mapper.to_stored_event(lease.collect_events()[-1])
        state = app.mapper.transcoder.decode(current.state)
        del state["claim_id"]
        state |= {"generation": 7, "class_version": 1}
        old = type(current)(
            originator_id=current.originator_id,
            originator_version=current.originator_version,
            topic=current.topic,
            state=app.mapper.transcoder.encode(state),
        )
        claimed = app.mapper.to_domain_event(old)
        assert claimed.claim_id == "generation-7"
        assert claimed.member_id == "m1"
        assert claimed.resume_after == 41


def test_names_of_positions_and_leases_are_stable():
    """Tracking rows and lease ids are derived from the topic and partition alone."""
    assert tracking_name(TOPIC, 2) == f"ingest:{TOPIC}:2"
    assert lease_id(TOPIC, 2) == lease_id(TOPIC, 2) != lease_id(TOPIC, 1)
    assert PartitionLease.create_id(TOPIC, 2) == lease_id(TOPIC, 2)
