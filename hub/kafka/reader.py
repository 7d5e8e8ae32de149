"""Reading topics with ``read_committed`` up to their current end.

``read_partitions`` assigns the partitions at the offsets asked for and returns every
committed record up to the end of each (see its docstring for how the end is known), or raises
``KafkaUnavailable`` when the reader cannot get there in time (a broker away).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, TopicPartition

from hub.kafka.clients import reader
from hub.kafka.errors import UNREACHABLE, KafkaUnavailable, TopicMissing, describe
from hub.kafka.records import Record, from_message
from hub.settings import Settings

#: A partition with no leader the client knows of yet (just created, or its leader moved).
_NO_LEADER_YET = frozenset(
    {
        KafkaError.NOT_LEADER_FOR_PARTITION,
        KafkaError.LEADER_NOT_AVAILABLE,
        KafkaError.UNKNOWN_TOPIC_OR_PART,
    }
)

#: Start a partition at its beginning.
BEGINNING = OFFSET_BEGINNING


#: id(consumer) -> the last such error, for the readers ``open_reader`` made.
_unreachable: dict[int, str] = {}


@contextmanager
def open_reader(
    settings: Settings, *, client_id: str, extra: Mapping[str, Any] | None = None
) -> Iterator[Consumer]:
    """A reader that also notes when no broker can be reached, so that ``partitions_of`` says
    so within a second instead of waiting out its whole timeout (a CLI tool pointed at a
    broker that is down answers at once)."""
    key: list[int] = []

    def on_error(error: KafkaError) -> None:
        if key and error.code() in UNREACHABLE:
            _unreachable[key[0]] = describe(error)

    consumer = reader(settings, client_id=client_id, extra={"error_cb": on_error, **(extra or {})})
    key.append(id(consumer))
    _unreachable[key[0]] = ""
    try:
        yield consumer
    finally:
        _unreachable.pop(key[0], None)
        consumer.close()


def partitions_of(consumer: Consumer, topic: str, *, timeout_s: float = 15.0) -> list[int]:
    """The topic's partition numbers; ``TopicMissing`` when it does not exist."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            metadata = consumer.list_topics(
                topic, timeout=max(0.1, min(1.0, deadline - time.monotonic()))
            )
            break
        except Exception as exc:
            consumer.poll(0)  # serve error_cb: librdkafka may know no broker answers
            unreachable = _unreachable.get(id(consumer))
            if unreachable or time.monotonic() >= deadline:
                raise KafkaUnavailable(
                    f"no metadata for {topic}: {unreachable or describe(exc)}"
                ) from exc
    found = metadata.topics.get(topic)
    if found is None or (
        found.error is not None
        and found.error.code()
        in (
            KafkaError.UNKNOWN_TOPIC_OR_PART,
            KafkaError._UNKNOWN_TOPIC,  # noqa: SLF001 - librdkafka's local code
        )
    ):
        raise TopicMissing(f"topic {topic} does not exist: run `casehub topics ensure` first")
    return sorted(found.partitions)


def watermarks(
    consumer: Consumer, topic: str, partition: int, *, timeout_s: float = 15.0
) -> tuple[int, int]:
    """(low, high) offsets of one partition, asked of its leader.

    A retriable answer (a topic created a moment ago has no leader yet, a leader moved:
    ``NOT_LEADER_FOR_PARTITION``, ``LEADER_NOT_AVAILABLE``) is asked again until ``timeout_s``.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            low, high = consumer.get_watermark_offsets(
                TopicPartition(topic, partition),
                timeout=max(0.1, deadline - time.monotonic()),
                cached=False,
            )
        except KafkaException as exc:
            error = exc.args[0] if exc.args else None
            if (
                isinstance(error, KafkaError)
                and (error.retriable() or error.code() in _NO_LEADER_YET)
                and time.monotonic() + 0.2 < deadline
            ):
                time.sleep(0.2)
                continue
            raise KafkaUnavailable(f"no offsets for {topic}[{partition}]: {describe(exc)}") from exc
        except Exception as exc:
            raise KafkaUnavailable(f"no offsets for {topic}[{partition}]: {describe(exc)}") from exc
        return int(low), int(high)


def consume_ready(consumer: Consumer, max_messages: int, timeout_s: float) -> list[Any]:
    """Up to ``max_messages`` messages (or events), returned as soon as any is there.

    ``Consumer.consume(n, timeout)`` waits the whole timeout unless ``n`` messages arrive (one
    record waits 0.5 s with ``consume(500, 0.5)``, measured on 2.16.1): so wait for the first
    one, then take what is already queued without waiting.
    """
    first = consumer.consume(num_messages=1, timeout=timeout_s)
    if not first or max_messages <= 1:
        return list(first)
    return [*first, *consumer.consume(num_messages=max_messages - 1, timeout=0)]


def read_partitions(
    consumer: Consumer,
    starts: Mapping[tuple[str, int], int],
    *,
    timeout_s: float = 30.0,
    keep: Callable[[Record], bool] | None = None,
) -> list[Record]:
    """Every committed record from each partition's start offset up to its end, in order per
    partition (``BEGINNING`` for a partition's first offset).

    A partition is read to its end when the reader's position reaches the end asked of the
    leader at the start: for this ``read_committed`` reader, the last stable offset (librdkafka's
    ListOffsets uses the reader's isolation level, so an open transaction's records are not
    waited for), and librdkafka moves the position past transaction markers and aborted
    records. ``_PARTITION_EOF`` alone is not enough: it is not reported when the last batch
    before the end holds only markers or aborted records, nor while other transactions keep
    committing (measured on librdkafka 2.16).
    """
    if not starts:
        return []
    ends = _ends_to_reach(consumer, starts)
    consumer.assign([TopicPartition(t, p, o) for (t, p), o in starts.items()])
    open_parts = set(ends)
    out: list[Record] = []
    deadline = time.monotonic() + timeout_s
    try:
        while open_parts:
            if time.monotonic() > deadline:
                raise KafkaUnavailable(
                    f"reading {sorted(open_parts)} did not reach the end within {timeout_s:.0f}s"
                )
            messages = consume_ready(consumer, 1000, 0.2)
            for message in messages:
                if _take(message, out, keep):
                    open_parts.discard((message.topic(), message.partition()))
            # Asked every round, records or not: the position also moves past transaction
            # markers and aborted records, which deliver nothing (it is local, no request).
            positions = consumer.position([TopicPartition(t, p) for t, p in open_parts])
            open_parts -= {
                (tp.topic, tp.partition)
                for tp in positions
                if tp.offset >= ends[(tp.topic, tp.partition)]
            }
    finally:
        consumer.unassign()
    return out


def _ends_to_reach(
    consumer: Consumer, starts: Mapping[tuple[str, int], int]
) -> dict[tuple[str, int], int]:
    """The end (last stable offset) of each partition that has anything after its start."""
    ends: dict[tuple[str, int], int] = {}
    for (topic, partition), start in starts.items():
        low, high = watermarks(consumer, topic, partition)
        if high > (low if start < 0 else start):
            ends[(topic, partition)] = high
    return ends


def _take(message: Any, out: list[Record], keep: Callable[[Record], bool] | None) -> bool:
    """Add a record to ``out`` (if kept); True when the message says its partition's end."""
    error = message.error()
    if error is None:
        record = from_message(message)
        if keep is None or keep(record):
            out.append(record)
        return False
    if error.code() == KafkaError._PARTITION_EOF:  # noqa: SLF001
        return True
    if error.fatal() or error.code() in (
        KafkaError.TOPIC_AUTHORIZATION_FAILED,
        KafkaError.UNKNOWN_TOPIC_OR_PART,
    ):
        raise KafkaUnavailable(f"reading {message.topic()}: {describe(error)}")
    return False


def read_topic(
    settings: Settings,
    topic: str,
    *,
    client_id: str = "casehub-reader",
    timeout_s: float = 30.0,
    keep: Callable[[Record], bool] | None = None,
) -> list[Record]:
    """Every committed record of ``topic``, partition by partition."""
    with open_reader(settings, client_id=client_id) as consumer:
        parts = partitions_of(consumer, topic)
        return read_partitions(
            consumer, {(topic, p): BEGINNING for p in parts}, timeout_s=timeout_s, keep=keep
        )


def assign(consumer: Consumer, starts: Mapping[tuple[str, int], int]) -> None:
    """Assign ``consumer`` the partitions at the offsets given (``BEGINNING`` for the first):
    for callers that poll a reader themselves (the bench's raw baselines)."""
    consumer.assign([TopicPartition(t, p, o) for (t, p), o in starts.items()])


def topic_refusal(consumer: Consumer, topic: str, *, timeout_s: float = 15.0) -> str | None:
    """The name of the error the broker answers for ``topic``'s metadata (e.g.
    ``TOPIC_AUTHORIZATION_FAILED``: the principal may not see it), or None when it describes it."""
    try:
        metadata = consumer.list_topics(topic, timeout=timeout_s)
    except Exception as exc:
        raise KafkaUnavailable(f"no metadata for {topic}: {describe(exc)}") from exc
    found = metadata.topics.get(topic)
    if found is None or found.error is None:
        return None
    return str(found.error.name())
