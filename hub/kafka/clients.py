"""Factories for every client role the hub runs; each adds only its role's properties.

Callers never build a librdkafka configuration themselves: they name the role and pass the
few options it has (``extra`` for a test's or a benchmark's overrides).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient

from hub.kafka.config import PARTITIONER, ClientConfig, client_config
from hub.settings import Settings

#: Group members speak Kafka 4's broker-side protocol (KIP-848): session and heartbeat
#: timeouts are the broker's (``group.consumer.*``), assignment is the broker's too.
GROUP_PROTOCOL = "consumer"


def group_consumer_config(
    settings: Settings, *, group: str, client_id: str, extra: Mapping[str, Any] | None = None
) -> ClientConfig:
    config = client_config(settings, client_id=client_id)
    config |= {
        "group.id": group,
        "group.protocol": GROUP_PROTOCOL,
        # The database is the offset store: nothing is committed or stored behind our back.
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "isolation.level": "read_committed",
        "auto.offset.reset": "earliest",
        "allow.auto.create.topics": False,
        # A member that stops polling for this long leaves the group (a hung thread).
        "max.poll.interval.ms": 60000,
        # Pattern subscriptions are resolved by the broker; this is only for our own metadata.
        "topic.metadata.refresh.interval.ms": 5000,
        # A read_committed fetch at the end waits this long on the broker, and a commit marker
        # arriving meanwhile does not end the wait: at librdkafka's 500 ms default, an event
        # the relay commits reaches a view half a second late. 50 ms costs a small fetch
        # request per partition leader twenty times a second while idle.
        "fetch.wait.max.ms": 50,
    }
    config |= dict(extra or {})
    return config


def group_consumer(
    settings: Settings, *, group: str, client_id: str, extra: Mapping[str, Any] | None = None
) -> Consumer:
    return Consumer(group_consumer_config(settings, group=group, client_id=client_id, extra=extra))


def reader(
    settings: Settings, *, client_id: str, extra: Mapping[str, Any] | None = None
) -> Consumer:
    """An assign-only consumer: ``read_committed``, never commits, reports partition ends.

    librdkafka insists on a ``group.id``; this one is never joined nor committed to.
    """
    config = client_config(settings, client_id=client_id)
    config |= {
        "group.id": f"casehub-reader-{client_id}",
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "isolation.level": "read_committed",
        "auto.offset.reset": "earliest",
        "enable.partition.eof": True,
        # A fetch at the end answers within 100 ms: the reader knows it is there sooner.
        "fetch.wait.max.ms": 100,
        "allow.auto.create.topics": False,
    }
    config |= dict(extra or {})
    return Consumer(config)


def transactional_producer(
    settings: Settings,
    *,
    transactional_id: str,
    client_id: str,
    extra: Mapping[str, Any] | None = None,
) -> Producer:
    """A transactional, idempotent producer (``acks=all``); ``init_transactions`` is the
    caller's, so that it can bound the wait and handle the error."""
    config = client_config(settings, client_id=client_id)
    config |= {
        "transactional.id": transactional_id,
        "enable.idempotence": True,
        "acks": "all",
        "partitioner": PARTITIONER,
    }
    config |= dict(extra or {})
    return Producer(config)


def producer(
    settings: Settings, *, client_id: str, extra: Mapping[str, Any] | None = None
) -> Producer:
    """An idempotent producer (``acks=all``, the shared partitioner): tools and benchmarks."""
    config = client_config(settings, client_id=client_id)
    config |= {"enable.idempotence": True, "acks": "all", "partitioner": PARTITIONER}
    config |= dict(extra or {})
    return Producer(config)


def admin_client(
    settings: Settings, *, client_id: str = "casehub-admin", extra: Mapping[str, Any] | None = None
) -> AdminClient:
    config = client_config(settings, client_id=client_id)
    config |= dict(extra or {})
    return AdminClient(config)
