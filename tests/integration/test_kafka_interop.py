"""The two Kafka clients on one broker: the agencies' SDK (kafka-python) and the hub (librdkafka).

Records the SDK writes are read whole by the hub's reader; records the hub writes in a
transaction are read by a kafka-python ``read_committed`` consumer exactly when committed; and
a key lands on the same partition whichever client wrote it, so a case keeps its partition
across the upgrade and between the agencies and the hub.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

import pytest
from kafka import KafkaConsumer, TopicPartition

from hub.cases.commands import Envelope, Origin, RegisterCase
from hub.codec import decode_inbound, read_kafka_headers
from hub.errors import SetupError
from hub.kafka import reader as reader_module
from hub.kafka.admin import KafkaAdmin, NewTopicSpec
from hub.kafka.clients import producer, transactional_producer
from hub.kafka.reader import read_topic
from hub.publish import AgencyPublisher, record_key
from hub.topics import agency_topic
from hub.vocabulary import CaseRef

pytestmark = pytest.mark.kafka

#: Keys and the partition kafka-python's (and the Java client's) murmur2 partitioner gives each,
#: with 3 and 6 partitions; computed once with kafka.partitioner.default.murmur2. librdkafka's
#: own default (CRC32) would put most of them elsewhere, e.g. the first on 1 of 3 and 4 of 6.
PINNED: dict[bytes, tuple[int, int]] = {
    b"market-regulation/2026-001": (0, 0),
    b"market-regulation/2026-003": (2, 5),
    b"market-regulation/2026-004": (0, 3),
    b"market-regulation/2026-006": (1, 1),
    b"procuratorate/2026-004": (2, 2),
    b"procuratorate/2026-007": (1, 4),
    b"justice-bureau/2026-002": (0, 0),
    # Directory events are keyed by the agency's id alone.
    b"market-regulation": (1, 1),
}


@pytest.fixture
def settings(hub_settings, kafka_bootstrap):
    return hub_settings.with_overrides(kafka_bootstrap=kafka_bootstrap)


@pytest.fixture
def topics(settings):
    """Makes fresh topics (an agency's, with its partition count); deletes them afterwards."""
    made: list[str] = []

    def make(partitions: int, *, agency: str | None = None) -> str:
        name = agency_topic(agency) if agency else f"itest.interop.{uuid.uuid4().hex[:8]}"
        with KafkaAdmin(settings, client_id="itest-interop") as admin:
            admin.create_topics([NewTopicSpec(name, partitions, 1, {})])
            deadline = time.monotonic() + 15
            while len(_leaders(admin, name)) < partitions:
                assert time.monotonic() < deadline, f"{name} has no leaders"
                time.sleep(0.1)
        made.append(name)
        return name

    yield make
    with KafkaAdmin(settings, client_id="itest-interop") as admin:
        admin.delete_topics(made)


def _leaders(admin, topic):
    try:
        return {p: b for p, b in admin.partition_leaders(topic).items() if b >= 0}
    except SetupError:  # not in the broker's metadata yet
        return {}


def _register(agency: str, key: bytes) -> RegisterCase:
    """A case registration the SDK keys with ``key`` (``owning_agency/case_number``)."""
    owner, _, number = key.decode().partition("/")
    envelope = Envelope(uuid.uuid4(), agency, "officer-1", datetime(2026, 3, 2, 1, 30, tzinfo=UTC))
    return RegisterCase(envelope, CaseRef(owner, number), "title", "category", "summary")


def _delivered(client, topic: str, keys) -> dict[bytes, int]:
    """Produce each key with a librdkafka producer; the partition its delivery report names."""
    partitions: dict[bytes, int] = {}
    errors: list[object] = []

    def report(err, msg):
        if err is not None:
            errors.append(err)
        else:
            partitions[msg.key()] = msg.partition()

    for key in keys:
        client.produce(topic, key=key, value=b"x", on_delivery=report)
    assert client.flush(15) == 0
    assert errors == []
    return partitions


def _aborted_transaction(settings, topic: str):
    """A transactional producer of the hub's that has sent 20 records to ``topic`` and aborted
    them (records and abort markers on the broker, none of them committed); returned for more."""
    tx = transactional_producer(
        settings, transactional_id=f"itest-{uuid.uuid4().hex[:8]}", client_id="itest-interop-tx"
    )
    tx.init_transactions(15)
    tx.begin_transaction()
    for i in range(20):
        tx.produce(topic, key=f"aborted-{i}".encode(), value=b"aborted")
    assert tx.flush(15) == 0
    tx.abort_transaction(15)
    return tx


@pytest.mark.parametrize("partitions", [3, 6])
def test_a_key_lands_on_the_same_partition_from_the_sdk_and_from_the_hub(
    settings, topics, partitions
):
    """murmur2 on both sides: the SDK, the hub's producer and its transactional producer agree
    with the pinned partition of every key."""
    agency = f"itest-{uuid.uuid4().hex[:8]}"
    topic = topics(partitions, agency=agency)
    column = 0 if partitions == 3 else 1
    expected = {key: pins[column] for key, pins in PINNED.items()}
    case_keys = [k for k in PINNED if b"/" in k]

    with AgencyPublisher(agency, bootstrap_servers=settings.kafka_bootstrap) as sdk:
        results = {key: sdk.publish(_register(agency, key)) for key in case_keys}
        # A directory event's key is the agency's id: send that one as a raw record.
        directory = sdk._producer.send(topic, key=b"market-regulation", value=b"x").get(15)
    from_sdk = {key: r.partition for key, r in results.items() if r.ok}
    assert len(from_sdk) == len(case_keys), results
    from_sdk[b"market-regulation"] = directory.partition

    from_hub = _delivered(producer(settings, client_id="itest-interop"), topic, PINNED)
    tx = transactional_producer(
        settings, transactional_id=f"itest-{uuid.uuid4().hex[:8]}", client_id="itest-interop-tx"
    )
    tx.init_transactions(15)
    tx.begin_transaction()
    from_hub_tx = _delivered(tx, topic, PINNED)
    tx.commit_transaction(15)

    assert from_sdk == expected
    assert from_hub == expected
    assert from_hub_tx == expected


def test_the_hub_reads_what_the_sdk_wrote(settings, topics):
    """Records the SDK sends come back through the hub's reader with their key, headers and
    value, and decode to the very commands sent."""
    agency = f"itest-{uuid.uuid4().hex[:8]}"
    topic = topics(3, agency=agency)
    commands = [_register(agency, key) for key in PINNED if b"/" in key]
    with AgencyPublisher(agency, bootstrap_servers=settings.kafka_bootstrap) as sdk:
        results = list(sdk.publish_many((str(i), c) for i, c in enumerate(commands)))
    assert all(r.ok for r in results), results

    records = read_topic(settings, topic, client_id="itest-interop-reader")

    assert len(records) == len(commands)
    sent = {c.envelope.event_id: c for c in commands}
    for record in records:
        inbound = decode_inbound(
            record.value, Origin(record.topic, record.partition, record.offset), agency
        )
        command = inbound.command
        assert sent.pop(command.envelope.event_id) == command
        assert record.key == record_key(command).encode()
        assert read_kafka_headers(record.headers)["event_type"] == "casehub.events.CaseRegistered"
    assert sent == {}


def test_a_kafka_python_read_committed_consumer_sees_only_the_hubs_committed_records(
    settings, topics
):
    """The hub's transactional producer aborts one transaction and commits the next; an
    agency's kafka-python ``read_committed`` consumer reads exactly the committed records."""
    topic = topics(3)
    tx = _aborted_transaction(settings, topic)
    tx.begin_transaction()
    committed = {f"case-{i}".encode(): f"value-{i}".encode() for i in range(30)}
    for key, value in committed.items():
        tx.produce(topic, key=key, value=value, headers=[("casehub.kind", b"test")])
    tx.commit_transaction(15)

    consumer = KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap,
        isolation_level="read_committed",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    parts = [TopicPartition(topic, p) for p in range(3)]
    consumer.assign(parts)
    consumer.seek_to_beginning(*parts)
    ends = consumer.end_offsets(parts)  # the last stable offsets: after the commit marker
    seen: dict[bytes, bytes] = {}
    headers: set[tuple] = set()
    deadline = time.monotonic() + 30
    try:
        while any(consumer.position(tp) < ends[tp] for tp in parts):
            assert time.monotonic() < deadline, "the consumer did not reach the end in time"
            for batch in consumer.poll(timeout_ms=500).values():
                for record in batch:
                    seen[record.key] = record.value
                    headers.add(tuple(record.headers))
    finally:
        consumer.close()

    assert seen == committed
    assert headers == {(("casehub.kind", b"test"),)}


def test_the_hubs_reader_ends_on_a_topic_holding_only_an_aborted_transaction(
    settings, topics, monkeypatch
):
    """Records and markers the broker holds but a ``read_committed`` reader never receives:
    the reader's position moves past them, and it ends with nothing to return. Its first poll
    here comes back empty, as it does when the fetch takes longer than the poll on a loaded
    machine: the reader crashed on that (an unbound variable) before it asked the position
    every round."""
    real = reader_module.consume_ready
    polls: list[int] = []

    def first_one_empty(consumer, count, timeout):
        polls.append(1)
        return [] if len(polls) == 1 else real(consumer, count, timeout)

    monkeypatch.setattr(reader_module, "consume_ready", first_one_empty)
    topic = topics(3)
    _aborted_transaction(settings, topic)
    with KafkaAdmin(settings, client_id="itest-interop") as admin:
        ends = admin.end_offsets([(topic, p) for p in range(3)])
    assert sum(ends.values()) >= 20, f"the aborted records are not there: {ends}"
    assert read_topic(settings, topic, timeout_s=20) == []
    assert len(polls) >= 2, "the reader did not poll past its empty first poll"
