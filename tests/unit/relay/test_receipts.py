"""Receipts that say everything: where the event came from, and an answer to every resend.

The hub runs in memory; the records are what the relay would publish for the stored log
(``tests/support/relay_mapping.py``), decoded as a peer decodes them.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import fastavro
import pytest

from case_builders import MARKET, World
from hub.cases import commands as c
from hub.cases.indexes import InboundEvent
from hub.cases.views import Accepted, Duplicate, Rejected
from hub.codec import decode_record, default_catalog, encode_record
from hub.codec.codec import MAGIC
from hub.errors import SchemaError
from hub.ids import event_index_id
from hub.outbound.receipt import RECEIPT, receipt_entry
from hub.outbound.wire import receipt_from_record
from hub.relay.records import CaseStates, RecordMapper
from hub.topics import feed_topic
from relay_mapping import relay_records

TOPIC = "casehub.agency.market-regulation.events"
AT = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def _receipts(world: World) -> list[dict[str, Any]]:
    """Every receipt the relay would publish for the store, decoded, in notification order."""
    out = []
    for _nid, _event, records in relay_records(world.hub):
        for record in records:
            if record.record_type == RECEIPT:
                assert record.topic == feed_topic(MARKET)
                out.append(decode_record(record.value, agency_events_only=False).record)
    return out


def _register(world: World, origin: c.Origin) -> c.Inbound:
    command = world.build(
        c.RegisterCase, MARKET, title="t", category="food-safety", summary="a summary"
    )
    digest = hashlib.sha256(repr(command).encode()).hexdigest()
    return c.Inbound(command, origin, digest, b"raw")


class TestAcceptedReceipts:
    def test_an_accepted_receipt_names_the_topic_partition_and_offset_of_the_event(self, world):
        """The ACCEPTED receipt says where the event sat on Kafka, not "" and -1."""
        inbound = _register(world, c.Origin(TOPIC, 2, 41))
        outcome = world.hub.execute(inbound)
        assert isinstance(outcome, Accepted)
        [receipt] = _receipts(world)
        assert receipt["status"] == "ACCEPTED"
        assert (receipt["source_topic"], receipt["source_partition"], receipt["source_offset"]) == (
            TOPIC,
            2,
            41,
        )
        assert (receipt["case_id"], receipt["version"]) == (outcome.case_id, 1)
        assert receipt["event_hash"] == outcome.event_hash

    def test_an_event_that_did_not_come_from_kafka_says_so(self, world):
        """No source: the receipt carries the schema's "unknown" values, "" and -1."""
        world.hub.execute(_register(world, c.Origin("")))
        [receipt] = _receipts(world)
        assert (receipt["source_topic"], receipt["source_partition"], receipt["source_offset"]) == (
            "",
            -1,
            -1,
        )

    def test_an_entry_stored_before_the_origin_was_kept_still_reads_and_maps(self, world):
        """A version-1 ``Accepted`` (no origin, no sender) upcasts; its receipt says "unknown"
        and names the sender from the recorded event."""
        inbound = _register(world, c.Origin(TOPIC, 0, 5))
        outcome = world.hub.execute(inbound)
        app = world.hub
        index_id = event_index_id(inbound.command.envelope.event_id)
        stored = next(iter(app.events.get(index_id, limit=1)))
        current = app.mapper.to_stored_event(stored)
        state = app.mapper.transcoder.decode(current.state)
        for name in ("source", "partition", "offset", "sender_agency", "class_version"):
            del state[name]
        old = replace(current, state=app.mapper.transcoder.encode(state))
        upcast = app.mapper.to_domain_event(old)
        assert (upcast.source, upcast.partition, upcast.offset, upcast.sender_agency) == (
            "",
            -1,
            -1,
            "",
        )
        entry = upcast.mutate(None)
        assert isinstance(entry, InboundEvent)
        assert entry.case_id == outcome.case_id
        mapper = RecordMapper(
            CaseStates(lambda i, v: app.repository.get(i, version=v)),
            sender_of=lambda i, v: next(iter(app.events.get(i, gt=v - 1, lte=v))).actor_agency,
            is_agency=lambda a: a == MARKET,
        )
        [record] = mapper.records(7, upcast)
        receipt = decode_record(record.value, agency_events_only=False).record
        assert receipt["status"] == "ACCEPTED"
        assert receipt["sender_agency"] == MARKET
        assert (receipt["source_topic"], receipt["source_partition"], receipt["source_offset"]) == (
            "",
            -1,
            -1,
        )
        assert (receipt["case_id"], receipt["version"]) == (outcome.case_id, 1)


class TestDuplicateReceipts:
    def test_an_exact_resend_gets_a_duplicate_receipt_naming_the_original(self, world):
        """The resend changes nothing, and its DUPLICATE receipt names the original case
        version, hash and origin, and the resend's own origin."""
        first = _register(world, c.Origin(TOPIC, 1, 10))
        accepted = world.hub.execute(first)
        assert isinstance(accepted, Accepted)
        case_events = len(world.hub.case_events(world.case_id))
        again = world.hub.execute(replace(first, origin=c.Origin(TOPIC, 1, 11)))
        assert again == Duplicate(first.command.envelope.event_id, accepted.case_id, 1)
        assert len(world.hub.case_events(world.case_id)) == case_events
        accepted_receipt, duplicate = _receipts(world)
        assert accepted_receipt["status"] == "ACCEPTED"
        assert duplicate["status"] == "DUPLICATE"
        assert duplicate["event_id"] == first.command.envelope.event_id
        assert duplicate["sender_agency"] == MARKET
        assert (duplicate["case_id"], duplicate["version"]) == (accepted.case_id, 1)
        assert duplicate["event_hash"] == accepted.event_hash
        assert (
            duplicate["source_topic"],
            duplicate["source_partition"],
            duplicate["source_offset"],
        ) == (TOPIC, 1, 11)
        assert (
            duplicate["original_source_topic"],
            duplicate["original_source_partition"],
            duplicate["original_source_offset"],
        ) == (TOPIC, 1, 10)
        assert duplicate["notification_id"] > accepted_receipt["notification_id"]

    def test_every_resend_gets_its_own_receipt_but_a_redelivered_record_none(self, world):
        """Two resends from two offsets: two receipts; the same record again: no third."""
        first = _register(world, c.Origin(TOPIC, 0, 1))
        world.hub.execute(first)
        for offset in (2, 3, 3, 1):
            outcome = world.hub.execute(replace(first, origin=c.Origin(TOPIC, 0, offset)))
            assert isinstance(outcome, Duplicate)
        offsets = [(r["status"], r["source_offset"]) for r in _receipts(world)]
        assert offsets == [("ACCEPTED", 1), ("DUPLICATE", 2), ("DUPLICATE", 3)]

    def test_a_resend_in_the_same_batch_as_the_original_gets_a_duplicate_receipt(self, world):
        """Original and resend in one transaction: one case event, two receipts."""
        first = _register(world, c.Origin(TOPIC, 0, 1))
        outcomes = world.hub.process_batch([first, replace(first, origin=c.Origin(TOPIC, 0, 2))])
        assert [type(o) for o in outcomes] == [Accepted, Duplicate]
        assert [r["status"] for r in _receipts(world)] == ["ACCEPTED", "DUPLICATE"]
        assert len(world.hub.case_events(world.case_id)) == 1

    def test_a_resend_with_other_content_is_still_a_rejection(self, world):
        """Same event id, other content: REJECTED as conflicting_duplicate, no DUPLICATE."""
        first = _register(world, c.Origin(TOPIC, 0, 1))
        world.hub.execute(first)
        other = replace(first, origin=c.Origin(TOPIC, 0, 2), content_hash="f" * 64)
        outcome = world.hub.execute(other)
        assert isinstance(outcome, Rejected)
        assert outcome.reason_code == "conflicting_duplicate"
        assert [r["status"] for r in _receipts(world)] == ["ACCEPTED", "REJECTED"]


class TestReadingReceiptsBack:
    def test_each_status_reads_back_into_an_entry_with_its_origins(self, world):
        """ACCEPTED, DUPLICATE and REJECTED receipts, decoded from the relay's bytes."""
        first = _register(world, c.Origin(TOPIC, 0, 1))
        accepted = world.hub.execute(first)
        assert isinstance(accepted, Accepted)
        world.hub.execute(replace(first, origin=c.Origin(TOPIC, 0, 2)))
        world.hub.execute(replace(first, origin=c.Origin(TOPIC, 0, 3), content_hash="f" * 64))
        values = [
            r.value
            for _, _, records in relay_records(world.hub)
            for r in records
            if r.record_type == RECEIPT
        ]
        entries = [receipt_from_record(v) for v in values]
        assert [(e.status, e.source, e.original_source) for e in entries] == [
            ("ACCEPTED", (TOPIC, 0, 1), ("", -1, -1)),
            ("DUPLICATE", (TOPIC, 0, 2), (TOPIC, 0, 1)),
            ("REJECTED", (TOPIC, 0, 3), ("", -1, -1)),
        ]
        event_id = str(first.command.envelope.event_id)
        assert {e.event_id for e in entries} == {event_id}
        assert [(e.case_id, e.version) for e in entries[:2]] == [(str(accepted.case_id), 1)] * 2
        assert entries[1].message
        assert entries[2].reason_code == "conflicting_duplicate"
        assert entries[2].rejection_id is not None

    def test_a_v1_receipt_reads_back_with_no_original(self):
        """A receipt written with v1 (before DUPLICATE) reads back; its original is unknown."""
        raw = encode_record(
            RECEIPT,
            {
                "notification_id": 4,
                "status": "ACCEPTED",
                "sender_agency": MARKET,
                "recorded_at": AT,
            },
            version=1,
        )
        entry = receipt_from_record(raw)
        assert (entry.status, entry.source, entry.original_source) == (
            "ACCEPTED",
            ("", -1, -1),
            ("", -1, -1),
        )

    def test_another_record_is_not_taken_for_a_receipt(self):
        """A dead letter given as a receipt: SchemaError naming both record types."""
        raw = encode_record(
            "casehub.hub.DeadLetter",
            {
                "notification_id": 1,
                "rejection_id": UUID(int=1),
                "reason_code": "bad_avro",
                "message": "m",
                "source_topic": TOPIC,
                "source_partition": 0,
                "source_offset": 1,
                "sender_agency": MARKET,
                "raw_base64": "",
                "recorded_at": AT,
            },
        )
        with pytest.raises(SchemaError, match=r"expected a casehub\.hub\.Receipt record, got "):
            receipt_from_record(raw)

    def test_a_receipt_entry_needs_its_fields(self):
        """A record without its status is refused with the missing field named."""
        with pytest.raises(KeyError, match="status"):
            receipt_entry({"notification_id": 1, "sender_agency": MARKET, "recorded_at": 0})


class TestReceiptSchema:
    def test_a_v2_reader_reads_a_status_a_later_version_adds_as_unknown(self):
        """The status enum's default: a later symbol degrades to UNKNOWN, not an error."""
        v2 = default_catalog().version("casehub.hub.Receipt", 2)
        later = json.loads(json.dumps(v2.plain))
        status = next(f for f in later["fields"] if f["name"] == "status")
        status["type"]["symbols"].append("LATER")
        record = {
            "notification_id": 1,
            "status": "LATER",
            "sender_agency": MARKET,
            "recorded_at": 0,
        }
        buf = io.BytesIO()
        fastavro.schemaless_writer(buf, fastavro.parse_schema(later), record)
        buf.seek(0)
        read = fastavro.schemaless_reader(buf, fastavro.parse_schema(later), v2.plain)
        assert read["status"] == "UNKNOWN"

    @pytest.mark.parametrize("status", ["ACCEPTED", "REJECTED"])
    def test_a_v1_reader_still_reads_the_statuses_it_knows_from_v2_records(self, status):
        """A peer still reading with v1 reads v2 ACCEPTED and REJECTED receipts (the new
        fields are skipped); only DUPLICATE needs v2, as docs/events.md says."""
        catalog = default_catalog()
        v1 = catalog.version("casehub.hub.Receipt", 1)
        v2 = catalog.version("casehub.hub.Receipt", 2)
        record = {
            "notification_id": 3,
            "status": status,
            "sender_agency": MARKET,
            "source_topic": TOPIC,
            "source_partition": 1,
            "source_offset": 9,
            "recorded_at": 0,
        }
        buf = io.BytesIO()
        fastavro.schemaless_writer(buf, v2.plain, record)
        buf.seek(0)
        read = fastavro.schemaless_reader(buf, v2.plain, v1.plain)
        assert (read["status"], read["source_topic"], read["source_offset"]) == (status, TOPIC, 9)

    def test_receipts_are_written_with_the_current_version(self, world):
        """The relay encodes receipts with v2 (the fingerprint after the magic bytes)."""
        world.hub.execute(_register(world, c.Origin(TOPIC, 0, 1)))
        [record] = [
            r
            for _, _, records in relay_records(world.hub)
            for r in records
            if r.record_type == RECEIPT
        ]
        v2 = default_catalog().version("casehub.hub.Receipt", 2)
        assert record.value[:2] == MAGIC
        assert record.value[2:10] == v2.fingerprint


@pytest.fixture
def world(tmp_path):
    return World({"PERSISTENCE_MODULE": "eventsourcing.popo"}, tmp_path)
