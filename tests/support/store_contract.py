"""The store contract: written once, run on the in-memory, SQLite and PostgreSQL stores.

A subclass provides ``env`` (eventsourcing settings for a fresh, empty store); the stores that
outlive the application object (SQLite, PostgreSQL) run ``PersistentStoreContract``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from uuid import uuid4

import pytest
from eventsourcing.persistence import IntegrityError, Tracking

from case_builders import MARKET, PROC, SHA, World, at
from hub.cases import commands as c
from hub.cases.application import CaseHub
from hub.cases.indexes import InboundEvent
from hub.cases.prefetch import latest_versions
from hub.cases.sharing import shared_info
from hub.cases.views import Accepted, Duplicate, Rejected
from hub.ids import event_index_id
from hub.vocabulary import CaseRef, DocumentRef, MajorFlag


class StoreContract:
    @pytest.fixture
    def env(self, tmp_path: Path) -> dict[str, str]:
        raise NotImplementedError

    @pytest.fixture
    def w(self, env: dict[str, str], tmp_path: Path) -> World:
        world = World(env, tmp_path)
        yield world
        world.hub.close()

    def share(self, w: World, info_id: str, **kw: object) -> c.Inbound:
        return w.inbound(w.build(c.ShareInformation, MARKET, info_id=info_id, summary="s", **kw))

    # -- idempotency --------------------------------------------------------------------------

    def test_duplicate_is_a_no_op(self, w: World):
        """The same event id with the same content returns the original outcome, adds nothing."""
        w.register()
        inbound = self.share(w, "I-1")
        first = w.hub.execute(inbound)
        again = w.hub.execute(inbound)
        assert isinstance(first, Accepted)
        assert again == Duplicate(first.event_id, first.case_id, first.version)
        assert w.hub.get_case(w.case_id).version == first.version

    def test_conflicting_duplicate(self, w: World):
        """The same event id with different content is rejected as conflicting_duplicate."""
        w.register()
        inbound = self.share(w, "I-1")
        w.hub.execute(inbound)
        changed = c.Inbound(inbound.command, c.Origin("test", 0, 999), "f" * 64, b"other")
        outcome = w.hub.execute(changed)
        assert isinstance(outcome, Rejected)
        assert outcome.reason_code == "conflicting_duplicate"

    def test_duplicate_within_one_batch(self, w: World):
        """A resend inside the same batch is a duplicate of the first."""
        w.register()
        inbound = self.share(w, "I-1")
        first, second = w.hub.process_batch([inbound, inbound])
        assert isinstance(first, Accepted)
        assert isinstance(second, Duplicate)

    # -- batches ------------------------------------------------------------------------------

    def test_batch_same_case_twice_and_tracking(self, w: World):
        """Later commands see earlier ones; events and tracking are recorded together."""
        w.case_ref = CaseRef(MARKET, "B-1")
        register = w.inbound(w.build(c.RegisterCase, MARKET, title="t", category="x", summary="s"))
        outcomes = w.hub.process_batch(
            [register, self.share(w, "I-1"), self.share(w, "I-2")], Tracking("topic-0", 41)
        )
        assert [type(o) for o in outcomes] == [Accepted, Accepted, Accepted]
        assert [o.version for o in outcomes if isinstance(o, Accepted)] == [1, 2, 3]
        assert w.hub.max_tracking_id("topic-0") == 41

    def test_rejections_recorded_and_batch_goes_on(self, w: World):
        """Refused and undecodable records become rejections; the rest of the batch commits."""
        w.register()
        bad = w.inbound(w.build(c.AcknowledgeNotice, MARKET, notice_id="nope"))
        undecodable = c.Undecodable(
            c.Origin("topic", 1, 7), "bad_avro", "truncated", b"\x00\x01", MARKET
        )
        outcomes = w.hub.process_batch([bad, undecodable, self.share(w, "I-1")], Tracking("t", 3))
        assert [type(o) for o in outcomes] == [Rejected, Rejected, Accepted]
        rejected = outcomes[1]
        assert isinstance(rejected, Rejected)
        assert rejected.reason_code == "bad_avro"
        assert w.hub.rejection(rejected.rejection_id) == rejected
        assert w.hub.get_case(w.case_id).version == 2

    def test_replayed_tracking_records_nothing(self, w: World):
        """A batch whose tracking position was already recorded fails and records nothing."""
        w.register()
        w.hub.process_batch([self.share(w, "I-1")], Tracking("t", 5))
        with pytest.raises(IntegrityError):
            w.hub.process_batch([self.share(w, "I-2")], Tracking("t", 5))
        assert w.hub.get_case(w.case_id).version == 2
        outcome = w.hub.process_batch([self.share(w, "I-2")], Tracking("t", 6))[0]
        assert isinstance(outcome, Accepted)
        assert outcome.version == 3

    def test_tracking_without_events(self, w: World):
        """A batch of duplicates still records its tracking position."""
        w.register()
        inbound = self.share(w, "I-1")
        w.hub.execute(inbound)
        w.hub.process_batch([inbound], Tracking("t", 9))
        assert w.hub.max_tracking_id("t") == 9

    def test_snapshots_load_the_same_state(self, w: World):
        """A case past the snapshot interval loads the same from a snapshot as from events."""
        w.register()
        for start in range(0, 250, 50):  # versions 2-51, 52-101, ...: snapshots at 101 and 201
            w.hub.process_batch([self.share(w, f"I-{i}") for i in range(start, start + 50)])
        with_snapshot = w.hub.get_case(w.case_id)
        assert with_snapshot.version == 251
        assert w.hub.snapshots is not None
        snapshots = [s.originator_version for s in w.hub.snapshots.get(w.case_id)]
        assert snapshots == [101, 201]
        replayed = w.hub.get_case(w.case_id, version=251)
        assert replayed == with_snapshot
        assert len(w.hub.get_case(w.case_id, version=150).infos) == 149
        assert w.hub.verify_chain(w.case_id).ok

    def test_snapshot_of_class_version_1_still_loads(self, w: World):
        """A snapshot recorded before Case version 2 (SharedInfo values) loads the same case."""
        w.register()
        documents = (DocumentRef("D-1", SHA, "inspection record"),)
        w.hub.process_batch([self.share(w, f"I-{i}", documents=documents) for i in range(10)])
        expected = w.hub.get_case(w.case_id)
        assert w.hub.snapshots is not None
        current = w.hub.repository.get(w.case_id)
        taken = type(current).Snapshot.take(current)
        old_state = {k: v for k, v in taken.state.items() if k != "class_version"}
        old_state["infos"] = {k: shared_info(k, r) for k, r in current.infos.items()}
        old = type(taken)(  # type: ignore[call-arg]
            originator_id=taken.originator_id,
            originator_version=taken.originator_version,
            timestamp=taken.timestamp,
            topic=taken.topic,
            state=old_state,
        )
        w.hub.snapshots.put([old])
        stored = next(iter(w.hub.snapshots.recorder.select_events(w.case_id, desc=True, limit=1)))
        state, mapper = stored.state, w.hub.snapshots.mapper
        if mapper.cipher is not None:  # the store may be encrypted at rest
            state = mapper.cipher.decrypt(state)
        if mapper.compressor is not None:
            state = mapper.compressor.decompress(state)
        assert b'"SharedInfo"' in state
        assert b'"class_version"' not in state
        assert w.hub.get_case(w.case_id) == expected
        assert w.hub.get_case(w.case_id).infos[3].documents == documents

    def test_latest_versions(self, w: World):
        """The batch prefetch reports stored versions and leaves out absent ids."""
        w.register()
        w.send(c.ShareInformation, MARKET, info_id="I-1", summary="s")
        missing = uuid4()
        assert latest_versions(w.hub.recorder, {w.case_id, missing}) == {w.case_id: 2}

    def test_missed_deadlines(self, w: World):
        """The scheduler records a missed deadline once, from the index."""
        w.register()
        w.send(
            c.RequestAssistance,
            PROC,
            request_id="A-1",
            addressee=MARKET,
            subject="s",
            due_date=date(2026, 8, 10),
        )
        assert len(w.hub.record_missed_deadlines(at("2026-08-11"))) == 1
        assert w.hub.record_missed_deadlines(at("2026-08-12")) == []
        assert [d.missed for d in w.hub.open_deadlines()] == [True]

    def test_large_batches_apply_in_full(self, w: World):
        """Five batches of 500 commands on one case all apply, each with its position."""
        w.register()
        batches = [[self.share(w, f"I-{b}-{i}") for i in range(500)] for b in range(5)]
        for number, batch in enumerate(batches, start=1):
            w.hub.process_batch(batch, Tracking("perf", number))
        assert w.hub.get_case(w.case_id).version == 2501
        assert w.hub.max_tracking_id("perf") == 5


class PersistentStoreContract(StoreContract):
    """The contract of a store that outlives the application object."""

    def test_a_resend_is_stored_once_per_origin_and_read_back_by_another_instance(
        self, w: World, env: dict[str, str]
    ):
        """An exact resend's trace (the DUPLICATE receipt) is stored with the origins of the
        original and the resend; another instance given the same record adds none, given a
        new resend one, each read back from the store."""
        w.register()
        inbound = self.share(w, "I-1")
        w.hub.execute(inbound)
        resend = replace(inbound, origin=c.Origin("topic", 3, 70))
        assert isinstance(w.hub.execute(resend), Duplicate)
        other = CaseHub(env, clock=w.clock, settings=w.settings)
        try:
            assert isinstance(other.execute(resend), Duplicate)
            assert isinstance(
                other.execute(replace(resend, origin=c.Origin("topic", 3, 71))), Duplicate
            )
            entry = other.repository.get(event_index_id(inbound.command.envelope.event_id))
            assert isinstance(entry, InboundEvent)
            assert entry.origins == [
                (inbound.origin.source, inbound.origin.partition, inbound.origin.offset),
                ("topic", 3, 70),
                ("topic", 3, 71),
            ]
            assert entry.version == 3
        finally:
            other.close()

    def test_reopened_store_has_everything(self, w: World, env: dict[str, str]):
        """A new application on the same store sees the cases, directory, index and chain."""
        w.register(major=MajorFlag("N-1", "major"))
        w.send(
            c.RequestAssistance,
            PROC,
            request_id="A-1",
            addressee=MARKET,
            subject="s",
            due_date=date(2026, 8, 20),
        )
        inbound = self.share(w, "I-1", documents=(DocumentRef("d", SHA),))
        w.hub.execute(inbound)
        before = w.hub.get_case(w.case_id)
        other = CaseHub(env, clock=w.clock, settings=w.settings)
        try:
            assert other.get_case(w.case_id) == before
            assert other.verify_chain(w.case_id).ok
            assert other.directory() == w.hub.directory()
            assert isinstance(other.execute(inbound), Duplicate)
            assert len(other.open_deadlines()) == len(w.hub.open_deadlines()) == 5
        finally:
            other.close()
