"""The cluster profile runs three nodes that replicate every partition three ways."""

from __future__ import annotations

import uuid

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic

from devkit.broker import broker_down, broker_up, client_config

pytestmark = [pytest.mark.kafka, pytest.mark.slow]


@pytest.fixture(scope="module")
def cluster_client(hub_settings):
    started = broker_up(hub_settings, "cluster")
    yield client_config(hub_settings, "cluster")
    if started:
        broker_down(hub_settings, "cluster", wipe=True)


def test_three_replicas_in_sync_and_acks_all_round_trip(cluster_client):
    """A topic gets three in-sync replicas and an acks=all write is read back."""
    topic = f"casehub.test.cluster.{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(**cluster_client, client_id="test-cluster-admin")
    assert len(admin.describe_cluster()["brokers"]) == 3
    admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=3)])
    producer = KafkaProducer(**cluster_client, acks="all")
    for i in range(4):
        producer.send(topic, key=f"case-{i}".encode(), value=b"replicated").get(timeout=30)
    producer.close()
    [described] = admin.describe_topics([topic])
    admin.close()
    consumer = KafkaConsumer(
        topic,
        **cluster_client,
        group_id="test-cluster",
        auto_offset_reset="earliest",
        consumer_timeout_ms=20000,
    )
    values = [record.value for _, record in zip(range(4), consumer, strict=False)]
    consumer.close()

    assert values == [b"replicated"] * 4
    for partition in described["partitions"]:
        assert len(partition["replica_nodes"]) == 3
        assert len(partition["isr_nodes"]) == 3
