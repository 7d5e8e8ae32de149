"""The sasl profile authenticates clients with SCRAM-SHA-512 and serves the super user."""

from __future__ import annotations

import logging
import time
import uuid

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import KafkaError

from devkit.broker import broker_down, broker_up, client_config

pytestmark = pytest.mark.kafka


@pytest.fixture(scope="module")
def sasl_client(hub_settings):
    started = broker_up(hub_settings, "sasl")
    yield client_config(hub_settings, "sasl")
    if started:
        broker_down(hub_settings, "sasl", wipe=True)


def test_authenticated_super_user_produces_and_consumes(sasl_client):
    """admin (SCRAM-SHA-512, super user) creates a topic, writes to it and reads it back."""
    topic = f"casehub.test.sasl.{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(**sasl_client, client_id="test-sasl-admin")
    admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
    admin.close()
    producer = KafkaProducer(**sasl_client, acks="all")
    producer.send(topic, key=b"case", value=b"authenticated").get(timeout=30)
    producer.close()
    consumer = KafkaConsumer(
        topic,
        **sasl_client,
        group_id="test-sasl",
        auto_offset_reset="earliest",
        consumer_timeout_ms=20000,
    )
    values = [record.value for _, record in zip(range(1), consumer, strict=False)]
    consumer.close()

    assert values == [b"authenticated"]


def test_wrong_password_is_refused(sasl_client, caplog):
    """A client with a wrong password fails SCRAM authentication and never connects."""
    caplog.set_level(logging.WARNING, logger="kafka")
    config = {**sasl_client, "sasl_plain_password": "not-the-password"}
    deadline = time.monotonic() + 20  # on a loaded machine one short attempt may not get that far
    while "SaslAuthenticationFailed" not in caplog.text and time.monotonic() < deadline:
        with pytest.raises(KafkaError):
            KafkaAdminClient(**config, client_id="test-sasl-intruder", bootstrap_timeout_ms=2000)
    assert "SaslAuthenticationFailed" in caplog.text
