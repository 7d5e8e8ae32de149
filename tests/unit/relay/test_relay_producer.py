"""The relay producer: keys partitioned as by Java's client, records linger after a commit."""

from __future__ import annotations

import random
from typing import Any

from kafka.partitioner.default import DefaultPartitioner
from kafka.producer.record_accumulator import RecordAccumulator

from hub.relay.relay import KeyHashCache, Relay
from hub.settings import Settings


class Cluster:
    def __init__(self, partitions: dict[str, set[int]]) -> None:
        self._partitions = partitions

    def topics(self) -> set[str]:
        return set(self._partitions)

    def partitions_for_topic(self, topic: str) -> set[int] | None:
        return self._partitions.get(topic)

    def available_partitions_for_topic(self, topic: str) -> set[int]:
        return self._partitions[topic]


def test_a_key_goes_to_the_partition_the_default_partitioner_picks() -> None:
    rng = random.Random(7)
    cluster = Cluster({"casehub.timeline": {0, 1, 2}, "casehub.feed.x": set(range(12))})
    cached, stock = KeyHashCache(capacity=50), DefaultPartitioner()
    keys = [rng.randbytes(rng.randint(1, 40)) for _ in range(200)]
    for key in keys * 2:  # the second round is answered from the cache
        for topic in ("casehub.timeline", "casehub.feed.x"):
            assert cached.partition(topic, None, key, None, None, cluster) == stock.partition(
                topic, None, key, None, None, cluster
            )


def test_a_topic_that_grew_partitions_spreads_keys_over_all_of_them() -> None:
    cached = KeyHashCache()
    key = b"6f1c2d9e-case"
    before = cached.partition("t", None, key, None, None, Cluster({"t": {0, 1, 2}}))
    after = cached.partition("t", None, key, None, None, Cluster({"t": set(range(7))}))
    stock = DefaultPartitioner()
    assert before == stock.partition("t", None, key, None, None, Cluster({"t": {0, 1, 2}}))
    assert after == stock.partition("t", None, key, None, None, Cluster({"t": set(range(7))}))


class _Done:
    def __init__(self, on_wait: Any) -> None:
        self._on_wait = on_wait

    def wait(self, timeout_ms: int) -> bool:  # noqa: ARG002
        self._on_wait()
        return True


class _Producer:
    """kafka-python's parts that ``_end_transaction`` uses; the sender flushes as 3.0.12 does."""

    def __init__(self) -> None:
        self._accumulator = RecordAccumulator()
        self._transaction_manager = self
        self._sender = self

    def begin_commit(self) -> _Done:
        # kafka-python's sender begins a flush to end the transaction and never ends it.
        return _Done(self._accumulator.begin_flush)

    def wakeup(self) -> None:
        return None


def test_records_linger_again_after_a_commit() -> None:
    relay = Relay(None, Settings(), encode=lambda _t, _r: b"")
    producer = _Producer()
    relay._end_transaction(producer, commit=True)
    relay._end_transaction(producer, commit=True)
    assert not producer._accumulator.flush_in_progress()
