"""The outbox relay: the stored notification log, in order, to Kafka, exactly once.

One transactional producer with the stable ``transactional_id`` ``casehub-relay``:
``init_transactions`` aborts whatever a crashed or deposed relay left open and fences it (its
next send or commit fails with ``ProducerFencedError``). The relay then reads its position
back from ``casehub.relay.position`` (``hub.relay.position``) and loops: select the next
notifications after the position, map each to its records (``hub.relay.records``), send them
and one position record in one Kafka transaction, commit. A crash anywhere in between leaves
an open transaction that the next relay aborts, and the position it reads back is the last
committed one, so every notification reaches Kafka once.

It runs only while ``keep_running()`` holds (the serve loop passes "this instance is the
leader and not stopping").

Every wait is bounded. kafka-python's ``commit_transaction``/``abort_transaction`` wait for ever
(after a broker restart, until the records' delivery timeout and the broker's transaction
timeout have run out): the relay waits at most ``end_transaction_timeout_ms`` for either, then
drops the producer. The next producer's ``init_transactions`` lets the broker finish or abort
what the old one left (a short ``transaction_timeout_ms`` bounds that too), and the relay reads
its position back, so a commit that did land is not published again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import PersistenceError
from kafka.errors import KafkaTimeoutError
from kafka.partitioner.default import DefaultPartitioner, murmur2

from hub.logging import get_logger
from hub.privacy.access import AccessPolicy
from hub.relay.faults import fault_point
from hub.relay.position import POSITION_KEY, read_position
from hub.relay.records import (
    HEADER_NOTIFICATION_ID,
    RELAY_POSITION_RECORD,
    CaseStates,
    Encoder,
    OutRecord,
    RecordMapper,
    default_encoder,
)
from hub.settings import Settings
from hub.topics import (
    RELAY_POSITION,
    RELAY_TRANSACTIONAL_ID,
    TopicAdmin,
    agency_of_feed,
    agency_topics,
    kafka_config,
)

if TYPE_CHECKING:
    from hub.ops.metrics import PipelineMetrics

log = get_logger(__name__)


@dataclass(frozen=True)
class RelayOptions:
    #: Notifications per Kafka transaction.
    batch_size: int = 500
    #: The producer holds records until the commit flushes them (a commit always flushes), so
    #: one transaction makes about one produce request per broker instead of one per 20 ms.
    #: A full batch (``producer_batch_bytes``) is still sent at once.
    linger_ms: int = 5000
    producer_batch_bytes: int = 1024 * 1024
    idle_sleep_s: float = 0.2
    #: The broker aborts a transaction open longer than this (a dead relay's, at the latest).
    transaction_timeout_ms: int = 15000
    #: Bounds on the producer's waits: a request, a record's delivery, metadata/init.
    request_timeout_ms: int = 10000
    delivery_timeout_ms: int = 20000
    max_block_ms: int = 30000
    #: How long to wait for a commit or abort before replacing the producer.
    end_transaction_timeout_ms: int = 30000
    transactional_id: str = RELAY_TRANSACTIONAL_ID


@dataclass
class RelayStats:
    transactions: int = 0
    notifications: int = 0
    records: int = 0


class KeyHashCache(DefaultPartitioner):  # type: ignore[misc]
    """kafka-python's default partitioner (Java's murmur2), remembering each key's hash.

    murmur2 is pure Python in kafka-python and a case's key recurs on the timeline and on every
    participant's feed; the partition is still taken modulo the topic's current partitions.
    """

    def __init__(self, capacity: int = 50_000) -> None:
        self._capacity = capacity
        self._hashes: dict[bytes, int] = {}

    def partition(  # noqa: PLR0917 - the signature kafka-python calls
        self,
        topic: str,
        key: Any,
        serialized_key: bytes | None,
        value: Any,
        serialized_value: Any,
        cluster: Any,
    ) -> int:
        if serialized_key is None:
            return int(
                super().partition(topic, key, serialized_key, value, serialized_value, cluster)
            )
        partitions = cluster.partitions_for_topic(topic)
        if partitions is None:
            raise ValueError(f"Topic {topic} not found in ClusterMetadata")
        found = self._hashes.get(serialized_key)
        if found is None:
            if len(self._hashes) >= self._capacity:
                self._hashes.clear()
            found = self._hashes[serialized_key] = murmur2(serialized_key) & 0x7FFFFFFF
        ordered = sorted(partitions)
        return int(ordered[found % len(ordered)])


class Fenced(Exception):
    """Another relay with the same transactional id took over."""


class TransactionStuck(KafkaTimeoutError):  # type: ignore[misc]
    """A commit or abort did not finish in time: the producer must be replaced."""


class Relay:
    """Publishes the notification log of ``app`` (a ``CaseHub``) while ``keep_running()``."""

    def __init__(
        self,
        app: Any,
        settings: Settings,
        *,
        options: RelayOptions | None = None,
        encode: Encoder | None = None,
        metrics: PipelineMetrics | None = None,
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.settings = settings
        self.options = options or RelayOptions()
        self.encode = encode or default_encoder()
        self.stats = RelayStats()
        self._agencies: set[str] = set()
        self._topics: set[str] = set()
        #: The last notification id this relay has published or passed over (None: not started).
        self.position: int | None = None
        self.mapper = RecordMapper(
            CaseStates(self._load_case),
            self._sender_of,
            self._is_agency,
            self.encode,
            policy=AccessPolicy.from_settings(settings),
        )

    # --- what the mapper asks of the store ------------------------------------------------------
    def _load_case(self, case_id: UUID, version: int) -> Any:
        return self.app.repository.get(case_id, version=version)

    def _sender_of(self, aggregate_id: UUID, version: int) -> str:
        for event in self.app.events.get(aggregate_id, gt=version - 1, lte=version):
            return str(getattr(event, "actor_agency", "") or "")
        return ""

    def _is_agency(self, agency_id: str) -> bool:
        return agency_id in self._agencies

    def _load_agencies(self) -> None:
        from eventsourcing.application import AggregateNotFoundError  # noqa: PLC0415

        from hub.cases.ids import DIRECTORY_ID  # noqa: PLC0415

        try:
            directory = self.app.repository.get(DIRECTORY_ID)
        except AggregateNotFoundError:
            return
        self._agencies |= set(getattr(directory, "agencies", {}))

    # --- the loop ---------------------------------------------------------------------------------
    def _producer(self) -> Any:
        from kafka import KafkaProducer  # noqa: PLC0415

        o = self.options
        producer = KafkaProducer(
            **kafka_config(self.settings),
            client_id="casehub-relay",
            transactional_id=o.transactional_id,
            transaction_timeout_ms=o.transaction_timeout_ms,
            request_timeout_ms=o.request_timeout_ms,
            delivery_timeout_ms=o.delivery_timeout_ms,
            max_block_ms=o.max_block_ms,
            acks="all",
            linger_ms=o.linger_ms,
            batch_size=o.producer_batch_bytes,
            partitioner=KeyHashCache(),
            allow_auto_create_topics=False,
        )
        try:
            producer.init_transactions()  # bounded by max_block_ms
        except BaseException:
            producer.close(timeout=1)
            raise
        return producer

    def _end_transaction(self, producer: Any, *, commit: bool) -> None:
        """``commit_transaction``/``abort_transaction`` with a bounded wait."""
        manager = getattr(producer, "_transaction_manager", None)
        sender = getattr(producer, "_sender", None)
        if manager is None or sender is None:  # pragma: no cover - another kafka-python
            if commit:
                producer.commit_transaction()
            else:
                producer.abort_transaction()
            return
        flushes = getattr(getattr(producer, "_accumulator", None), "_flushes_in_progress", None)
        flushing_before = flushes.get() if flushes is not None else 0
        result = manager.begin_commit() if commit else manager.begin_abort()
        sender.wakeup()
        timeout_ms = self.options.end_transaction_timeout_ms
        if not result.wait(timeout_ms=timeout_ms):  # raises the transaction's error, if any
            what = "commit" if commit else "abort"
            raise TransactionStuck(f"transaction {what} did not finish within {timeout_ms} ms")
        # kafka-python's sender starts a flush to end a transaction and never ends it, so from
        # the first commit on every record would be sent at once, one tiny produce request and
        # one sender wake-up after another (linger_ms ignored; about 3x slower). Only this
        # thread uses the producer, so any flush still counted is that one: end it.
        while flushes is not None and flushes.get() > flushing_before:
            flushes.decrement()

    def run(self, keep_running: Callable[[], bool]) -> None:
        """Relay until ``keep_running()`` is false or another relay fences this one."""
        from kafka.errors import KafkaError, ProducerFencedError  # noqa: PLC0415

        producer = self._producer()
        try:
            position = self.position = read_position(self.settings)
            log.info("relay_started", resume_after=position)
            self._load_agencies()
            with TopicAdmin(self.settings) as admin:
                self._topics = admin.existing()
                while keep_running():
                    try:
                        done = self._step(producer, admin, position)
                    except ProducerFencedError:
                        log.warning("relay_fenced", position=position)
                        return
                    except KafkaError as exc:
                        log.warning("relay_kafka_error", error=str(exc), position=position)
                        producer = self._recover(producer)
                        position = self.position = read_position(self.settings)
                        continue
                    except PersistenceError as exc:
                        log.warning(
                            "store_unavailable",
                            stage="relay",
                            error=str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
                            position=position,
                        )
                        producer = self._recover(producer)
                        position = self.position = read_position(self.settings)
                        time.sleep(1.0)
                        continue
                    if done is None:
                        self._measure_lag(position)
                        time.sleep(self.options.idle_sleep_s)
                    else:
                        position = self.position = done
                        self._measure_lag(position)
        finally:
            producer.close(timeout=5)
            log.info("relay_stopped", **vars(self.stats))

    def _measure_lag(self, position: int | None) -> None:
        if self.metrics is None:
            return
        head = self.app.recorder.max_notification_id() or 0
        self.metrics.relay_lag.set(max(0, head - (position or 0)))

    def _recover(self, producer: Any) -> Any:
        """Abort the transaction in hand (bounded); replace the producer if that fails.

        A new producer's ``init_transactions`` fences the old one and waits for the broker to
        finish or abort whatever it left open, so the position read next is the committed one.
        """
        try:
            self._end_transaction(producer, commit=False)
        except Exception as exc:  # noqa: BLE001 - a broken producer is replaced below
            log.info("relay_producer_replaced", error=str(exc)[:200])
            producer.close(timeout=1)
            time.sleep(1)
            return self._producer()
        time.sleep(0.5)
        return producer

    def _step(self, producer: Any, admin: TopicAdmin, position: int | None) -> int | None:
        """Relay one batch after ``position``; the new position, or None when idle."""
        start = 1 if position is None else position + 1
        notifications = self.app.recorder.select_notifications(
            start=start, limit=self.options.batch_size
        )
        if not notifications:
            return None
        out: list[OutRecord] = []
        dead: list[tuple[int, Any]] = []
        for n in notifications:
            event = self.app.mapper.to_domain_event(n)
            self._note_admission(event, admin)
            out.extend(self.mapper.records(n.id, event))
            if type(event).__qualname__ == "Rejection.Recorded":
                dead.append((int(n.id), event))
        last = int(notifications[-1].id)
        if not out:
            return last  # nothing to publish (leases, indexes): no transaction needed
        self._ensure_topics(admin, out)
        fault_point("relay_before_send")
        producer.begin_transaction()
        for r in out:
            producer.send(r.topic, key=r.key, value=r.value, headers=r.headers)
        producer.send(
            RELAY_POSITION,
            key=POSITION_KEY,
            value=self._position_value(last),
            headers=[(HEADER_NOTIFICATION_ID, str(last).encode())],
        )
        fault_point("relay_after_send")
        self._end_transaction(producer, commit=True)
        fault_point("relay_after_commit")
        for notification_id, event in dead:
            log.info(
                "event_dead_lettered",
                notification_id=notification_id,
                rejection_id=str(event.originator_id),
                topic=event.source,
                partition=event.partition,
                offset=event.offset,
                event_id=None if event.event_id is None else str(event.event_id),
                reason=event.reason_code,
            )
        self.stats.transactions += 1
        self.stats.notifications += len(notifications)
        self.stats.records += len(out)
        if self.metrics is not None:
            self.metrics.relay_committed([r.topic for r in out])
        log.debug(
            "relay_committed",
            first_notification_id=notifications[0].id,
            notification_id=last,
            records=len(out),
        )
        return last

    def _position_value(self, notification_id: int) -> bytes:
        return self.encode(
            RELAY_POSITION_RECORD,
            {
                "notification_id": notification_id,
                "written_at": datetime.now(UTC),
                "relay_id": self.options.transactional_id,
            },
        )

    def _note_admission(self, event: Any, admin: TopicAdmin) -> None:
        """A newly admitted agency gets its inbound topic and its feed before anything else."""
        if type(event).__qualname__ != "Directory.AgencyAdmitted":
            return
        agency = str(event.agency_id)
        self._agencies.add(agency)
        specs = [s for s in agency_topics(self.settings, agency) if s.name not in self._topics]
        if specs:
            admin.ensure(specs)
            self._topics |= {s.name for s in specs}
            log.info("agency_topics_created", agency_id=agency)

    def _ensure_topics(self, admin: TopicAdmin, out: Sequence[OutRecord]) -> None:
        missing = {r.topic for r in out} - self._topics
        if not missing:
            return
        self._topics = admin.existing()
        for topic in missing - self._topics:
            agency = agency_of_feed(topic)
            if agency is not None:
                admin.ensure(agency_topics(self.settings, agency))
        self._topics = admin.existing()
