"""The single-node broker serves producers and consumers, transactions included."""

from __future__ import annotations

import contextlib
import uuid

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import KafkaError

pytestmark = pytest.mark.kafka


@pytest.fixture
def topic(kafka_bootstrap):
    name = f"casehub.test.smoke.{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap, client_id="test-admin")
    admin.create_topics([NewTopic(name, num_partitions=3, replication_factor=1)])
    yield name
    with contextlib.suppress(KafkaError):  # cleanup only; a slow delete must not fail the test
        admin.delete_topics([name])
    admin.close()


def _consume(bootstrap, topic, *, expected, **config):
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"test-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=3000,
        **config,
    )
    seen = []
    try:
        for _ in range(10):  # the first polls may only join the group
            seen.extend(consumer)
            if len(seen) >= expected:
                break
    finally:
        consumer.close()
    return seen


def test_produced_records_are_consumed_in_order_per_key(kafka_bootstrap, topic):
    """Records keyed by case arrive complete and in order within their partition."""
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    for i in range(6):
        producer.send(topic, key=f"case-{i % 2}".encode(), value=f"event-{i}".encode())
    producer.flush()
    producer.close()

    records = _consume(kafka_bootstrap, topic, expected=6)

    assert len(records) == 6
    for key in (b"case-0", b"case-1"):
        values = [r.value for r in sorted(records, key=lambda r: r.offset) if r.key == key]
        assert values == sorted(values)
        assert len(values) == 3


def test_read_committed_consumer_sees_committed_transactions_only(kafka_bootstrap, topic):
    """A transactional producer's committed records are visible, its aborted ones are not."""
    producer = KafkaProducer(
        bootstrap_servers=kafka_bootstrap,
        transactional_id=f"test-tx-{uuid.uuid4().hex[:8]}",
        enable_idempotence=True,
    )
    producer.init_transactions()
    producer.begin_transaction()
    for i in range(3):
        producer.send(topic, key=b"case", value=f"committed-{i}".encode())
    producer.commit_transaction()
    producer.begin_transaction()
    producer.send(topic, key=b"case", value=b"aborted")
    producer.flush()
    producer.abort_transaction()
    producer.begin_transaction()
    producer.send(topic, key=b"case", value=b"committed-last")
    producer.commit_transaction()
    producer.close()

    records = _consume(kafka_bootstrap, topic, expected=4, isolation_level="read_committed")

    assert [r.value for r in records] == [
        b"committed-0",
        b"committed-1",
        b"committed-2",
        b"committed-last",
    ]
