"""``GroupMember``: one consumer in a Kafka 4 consumer group (KIP-848), claims in callbacks.

The broker runs the group: it detects a dead member (``group.consumer.session.timeout.ms``),
assigns partitions (incrementally: a member keeps what it has while others come and go) and,
for a pattern subscription, resolves the pattern itself. The member learns of changes inside
``poll``, through three callbacks that run in the polling thread:

* ``claim(partitions)`` — new partitions. It returns, per partition, where to start: an
  offset, ``None`` for the beginning, or ``PAUSED`` when it could not claim now (the partition
  is assigned paused; the owner calls ``start`` once it has claimed). The member passes each
  start offset to ``incremental_assign`` (librdkafka refuses a ``seek`` right after an assign).
* ``release(partitions, lost)`` — partitions revoked (``lost=False``) or lost with the member's
  session (``lost=True``); either way the owner must stop writing for them.

librdkafka exposes no group generation: an owner identifies its claims by ids of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

from confluent_kafka import OFFSET_BEGINNING, KafkaError, KafkaException, TopicPartition

from hub.errors import SetupError
from hub.kafka.clients import group_consumer
from hub.kafka.errors import describe
from hub.kafka.reader import consume_ready
from hub.kafka.records import Record, from_message
from hub.logging import get_logger
from hub.settings import Settings

log = get_logger(__name__)

Partition = tuple[str, int]


class _Paused:
    def __repr__(self) -> str:
        return "PAUSED"


#: ``claim`` returns this for a partition it could not claim yet.
PAUSED: Final = _Paused()

Start = int | None | _Paused
Claim = Callable[[list[Partition]], Mapping[Partition, Start]]
Release = Callable[[list[Partition], bool], None]


class ConsumerFailed(Exception):
    """librdkafka reported a fatal consumer error: the member must be replaced."""


class GroupMember:
    def __init__(
        self,
        settings: Settings,
        *,
        group: str,
        client_id: str,
        claim: Claim,
        release: Release,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        self.group = group
        self._claim = claim
        self._release = release
        #: The time of the last error librdkafka reported (None: none since the last record).
        self.last_error: str | None = None
        self.consumer = group_consumer(
            settings,
            group=group,
            client_id=client_id,
            extra={"error_cb": self._on_error, **dict(extra or {})},
        )

    # --- callbacks (run inside poll) --------------------------------------------------------------
    def _on_assign(self, consumer: Any, partitions: list[TopicPartition]) -> None:
        names = [(tp.topic, tp.partition) for tp in partitions]
        starts = self._claim(names) if names else {}
        assign: list[TopicPartition] = []
        paused: list[TopicPartition] = []
        for topic, partition in names:
            start = starts.get((topic, partition))
            if isinstance(start, _Paused):
                tp = TopicPartition(topic, partition, OFFSET_BEGINNING)
                paused.append(tp)
            else:
                tp = TopicPartition(topic, partition, OFFSET_BEGINNING if start is None else start)
            assign.append(tp)
        consumer.incremental_assign(assign)
        if paused:
            consumer.pause(paused)

    def _on_revoke(self, consumer: Any, partitions: list[TopicPartition]) -> None:
        self._released(consumer, partitions, lost=False)

    def _on_lost(self, consumer: Any, partitions: list[TopicPartition]) -> None:
        self._released(consumer, partitions, lost=True)

    def _released(self, consumer: Any, partitions: list[TopicPartition], *, lost: bool) -> None:
        names = [(tp.topic, tp.partition) for tp in partitions]
        if names:
            self._release(names, lost)
        consumer.incremental_unassign(partitions)

    def _on_error(self, error: KafkaError) -> None:
        self.last_error = describe(error)
        log.warning("kafka_client_error", group=self.group, error=self.last_error)

    # --- the owner's side -------------------------------------------------------------------------
    def subscribe(self, topics: Iterable[str]) -> None:
        """Subscribe to topic names or patterns (a pattern starts with ``^``); a pattern
        librdkafka cannot compile is a ``SetupError`` that says which syntax it takes."""
        topics = list(topics)
        try:
            self.consumer.subscribe(
                topics,
                on_assign=self._on_assign,
                on_revoke=self._on_revoke,
                on_lost=self._on_lost,
            )
        except KafkaException as exc:
            raise SetupError(
                f"cannot subscribe to {', '.join(topics)}: {describe(exc)}; a pattern must be "
                "in the RE2 syntax librdkafka and the broker use (no lookahead or lookbehind, "
                "no backreferences)"
            ) from None

    def poll(self, *, max_records: int, timeout_s: float) -> dict[Partition, list[Record]]:
        """Records by partition, in offset order, as soon as any are there (not after the whole
        timeout: see ``consume_ready``); ``ConsumerFailed`` on a fatal error."""
        batch: dict[Partition, list[Record]] = {}
        for message in consume_ready(self.consumer, max_records, timeout_s):
            error = message.error()
            if error is None:
                record = from_message(message)
                batch.setdefault((record.topic, record.partition), []).append(record)
                continue
            if error.fatal():
                raise ConsumerFailed(describe(error))
            if error.code() != KafkaError._PARTITION_EOF:  # noqa: SLF001
                self.last_error = describe(error)
                log.warning(
                    "kafka_consume_error",
                    group=self.group,
                    topic=message.topic(),
                    partition=message.partition(),
                    error=self.last_error,
                )
        if batch:
            self.last_error = None
        return batch

    def start(self, partition: Partition, offset: int | None) -> None:
        """(Re)start fetching ``partition`` at ``offset`` (``None``: its beginning), resumed."""
        tp = TopicPartition(*partition, OFFSET_BEGINNING if offset is None else offset)
        self.consumer.incremental_unassign([TopicPartition(*partition)])
        self.consumer.incremental_assign([tp])
        # It was assigned paused (a claim that waited), or paused since: fetch it again.
        self.consumer.resume([TopicPartition(*partition)])

    def pause(self, partition: Partition) -> None:
        self.consumer.pause([TopicPartition(*partition)])

    def assignment(self) -> list[Partition]:
        return sorted((tp.topic, tp.partition) for tp in self.consumer.assignment())

    def member_id(self) -> str:
        return str(self.consumer.memberid() or "")

    def commit(self, offsets: Mapping[Partition, int]) -> None:
        """Commit next offsets to Kafka, asynchronously: for Kafka's lag tools only."""
        try:
            self.consumer.commit(
                offsets=[TopicPartition(t, p, o) for (t, p), o in offsets.items()],
                asynchronous=True,
            )
        except Exception as exc:  # noqa: BLE001 - Kafka's copy is informational; the DB decides
            log.info("kafka_offset_commit_failed", group=self.group, error=describe(exc))

    def high_watermark(self, partition: Partition) -> int | None:
        """The high watermark the last fetch reported (no request is made)."""
        try:
            _low, high = self.consumer.get_watermark_offsets(
                TopicPartition(*partition), cached=True
            )
        except Exception:  # noqa: BLE001 - not known yet
            return None
        return None if high is None or high < 0 else int(high)

    def position(self, partition: Partition) -> int | None:
        (tp,) = self.consumer.position([TopicPartition(*partition)])
        return None if tp.offset < 0 else int(tp.offset)

    def close(self) -> None:
        """Leave the group (its partitions move at once) and close."""
        try:
            self.consumer.close()
        except Exception as exc:  # noqa: BLE001 - a broken consumer is dropped all the same
            log.warning("kafka_consumer_close_failed", group=self.group, error=describe(exc))
