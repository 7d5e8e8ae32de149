"""The relay: the stored notification log, published to Kafka exactly once.

One transactional producer (``hub.kafka.clients.transactional_producer``, librdkafka) publishes
each batch of notifications with one ``RelayPosition`` record in one Kafka transaction. The
commit rule, step by step (issue 14, point 5):

1. ``begin_transaction``; produce every record, with ``poll(0)`` every 200 records (on
   ``BufferError`` the local queue is full: poll and retry); count every delivery report.
2. **Any exception from** ``produce()`` **aborts the transaction**: librdkafka fails a
   transaction for a delivery that fails later, not for an error raised at once (e.g. a
   record over the size limit).
3. ``flush`` must leave 0 messages, and every delivery report must be a success; only then
   ``commit_transaction``.

When a step fails, what happens next depends on what the error says (``hub.kafka.errors``):

* abortable: ``abort_transaction`` (bounded), then the position is read back from Kafka;
* retriable: the same call again, within a bound; then the outcome is unknown: as fatal;
* fatal, unclassified, or an abort that fails or times out: the producer is dropped (never
  reused), a new one's ``init_transactions`` fences it and settles whatever it left open, and
  the position is read back;
* fenced: another relay took over; ``run`` raises ``Fenced`` and the caller waits for a new
  leadership term before it runs the relay again (never in a loop that fences back and forth).

Nothing can wedge the relay: a record over ``settings.outbound_max_bytes``, or one the broker
refuses (its delivery report says so), is replaced by a placeholder (``records.withheld``: a
``TimelineEvent`` keeps its case, version and hashes) and the original is parked on
``casehub.deadletter`` (``records.parked``, kind ``OUTBOUND_PARKED``); the relay logs
``relay_record_parked``, counts it, and moves on.

A batch with nothing to publish (leases, indexes) advances only the in-memory position.

Mapping is most of the relay's work, and delivering a transaction's records is librdkafka's,
on its own threads: so the next batch is read and mapped between producing a batch and
flushing it, while those records are on their way (one thread: a second Python thread fought
the producer for the GIL and gained nothing). A batch mapped ahead of a transaction that then
fails does not start at the position read back, and is mapped again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import PersistenceError

from hub.ids import DIRECTORY_ID
from hub.kafka.clients import transactional_producer
from hub.kafka.errors import KafkaUnavailable, Outcome, classify, describe, kafka_error
from hub.logging import get_logger
from hub.outbound.recipients import CaseStates
from hub.privacy.access import AccessPolicy
from hub.relay.faults import fault_point
from hub.relay.position import POSITION_KEY, read_position
from hub.relay.records import (
    HEADER_NOTIFICATION_ID,
    HEADER_RECORD_TYPE,
    REFUSED,
    RELAY_POSITION_RECORD,
    TOO_LARGE,
    Encoder,
    OutRecord,
    RecordMapper,
    default_encoder,
    parked,
    withheld,
)
from hub.settings import Settings
from hub.topics import (
    RELAY_POSITION,
    RELAY_TRANSACTIONAL_ID,
    TopicAdmin,
    agency_of_feed,
    agency_topics,
)

if TYPE_CHECKING:
    from hub.ops.metrics import PipelineMetrics

log = get_logger(__name__)

#: Delivery errors that concern the record itself: publishing it again cannot succeed.
_RECORD_REFUSED = frozenset(
    {
        "MSG_SIZE_TOO_LARGE",
        "INVALID_RECORD",
        "RECORD_LIST_TOO_LARGE",
        "INVALID_MSG_SIZE",
        "INVALID_MSG",
        "POLICY_VIOLATION",
    }
)


#: Records produced between two ``poll(0)`` calls (delivery reports, librdkafka's callbacks).
#: Each poll lets go of the GIL and waits to have it back; the flush serves what is left.
_POLL_EVERY = 200


@dataclass(frozen=True)
class RelayOptions:
    #: Notifications per Kafka transaction (a case event makes 2-4 records).
    batch_size: int = 500
    #: librdkafka sends a produce request per partition when a batch fills or lingers this
    #: long; the commit flushes the rest. A short linger keeps the last records of a
    #: transaction from waiting, a full batch is sent at once.
    linger_ms: int = 20
    producer_batch_bytes: int = 1_000_000
    #: The local queue: a whole transaction fits, so produce() rarely meets BufferError.
    queue_max_messages: int = 200_000
    queue_max_kbytes: int = 1_048_576
    #: How often an idle relay asks the store for new notifications (one indexed query).
    idle_sleep_s: float = 0.05
    #: The broker aborts a transaction open longer than this (a dead relay's, at the latest).
    transaction_timeout_ms: int = 20_000
    #: A record not delivered within this fails (and with it the transaction).
    delivery_timeout_ms: int = 15_000
    request_timeout_ms: int = 10_000
    #: How long init_transactions, flush, commit and abort may take before giving up.
    operation_timeout_s: float = 30.0
    #: Retriable errors: attempts of the same call, and the pause between them.
    retries: int = 3
    retry_backoff_s: float = 0.5
    #: Pause after a failed attempt before the next (doubling up to ``max_backoff_s``).
    backoff_s: float = 0.5
    max_backoff_s: float = 5.0
    transactional_id: str = RELAY_TRANSACTIONAL_ID
    #: librdkafka properties for tests and benchmarks.
    producer_extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class RelayStats:
    transactions: int = 0
    notifications: int = 0
    records: int = 0
    parked: int = 0
    failures: int = 0


class Fenced(Exception):
    """Another relay with the same transactional id took over: stop until leadership returns."""


class _Failed(Exception):
    """One attempt failed: what to do is ``outcome``; the records the broker refused, if any."""

    def __init__(
        self,
        stage: str,
        outcome: Outcome,
        error: str,
        refused: Sequence[tuple[OutRecord, str]] = (),
    ) -> None:
        super().__init__(f"{stage}: {error}")
        self.stage = stage
        self.outcome = outcome
        self.error = error
        self.refused = list(refused)


class _Deliveries:
    """Counts the delivery reports of one transaction; remembers the failed ones."""

    def __init__(self) -> None:
        self.sent = 0
        self.delivered = 0
        #: (topic, partition, value, error) of every failed delivery.
        self.failed: list[tuple[str, int, bytes, Any]] = []

    def report(self, error: Any, message: Any) -> None:
        if error is None:
            self.delivered += 1
        else:
            self.failed.append(
                (message.topic(), message.partition(), bytes(message.value() or b""), error)
            )


@dataclass
class _Batch:
    """Notifications read from the store after ``start - 1``, mapped to their records."""

    start: int
    #: Ids of the first and last notification read (0 when none was).
    first: int = 0
    last: int = 0
    count: int = 0
    records: list[OutRecord] = field(default_factory=list)
    #: Agencies admitted in the batch: their topics are made before it is published.
    admitted: list[str] = field(default_factory=list)
    #: (notification id, ``Rejection.Recorded``) of the batch's dead letters, for the log.
    dead: list[tuple[int, Any]] = field(default_factory=list)


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
        producer_factory: Callable[[], Any] | None = None,
        wake: threading.Event | None = None,
    ) -> None:
        self.app = app
        #: Set when something was stored (by this process's ingest): an idle relay looks at
        #: once rather than at its next ``idle_sleep_s``.
        self._wake = wake
        self.metrics = metrics
        self.settings = settings
        self.options = options or RelayOptions()
        self.encode = encode or default_encoder()
        self.stats = RelayStats()
        self._agencies: set[str] = set()
        self._topics: set[str] = set()
        #: (topic, value) of records the broker refused: withheld when the batch is retried.
        self._refused: dict[tuple[str, bytes], str] = {}
        #: The batch after the one last published, mapped while that one was in flight.
        self._ahead: _Batch | None = None
        #: The last notification id this relay has published or passed over (None: not started).
        self.position: int | None = None
        #: The text of the last failure (None after a success): for ``ops status``.
        self.last_error: str | None = None
        self._make_producer = producer_factory or self._librdkafka_producer
        self.mapper = RecordMapper(
            CaseStates(self._load_case),
            self._sender_of,
            self._is_agency,
            self.encode,
            policy=AccessPolicy.from_settings(settings),
        )

    # --- what the mapper asks of the store ------------------------------------------------------
    def _load_case(self, case_id: Any, version: int) -> Any:
        return self.app.repository.get(case_id, version=version)

    def _sender_of(self, aggregate_id: Any, version: int) -> str:
        for event in self.app.events.get(aggregate_id, gt=version - 1, lte=version):
            return str(getattr(event, "actor_agency", "") or "")
        return ""

    def _is_agency(self, agency_id: str) -> bool:
        return agency_id in self._agencies

    def _load_agencies(self) -> None:
        from eventsourcing.application import AggregateNotFoundError  # noqa: PLC0415

        try:
            directory = self.app.repository.get(DIRECTORY_ID)
        except AggregateNotFoundError:
            return
        self._agencies |= set(getattr(directory, "agencies", {}))

    # --- the producer ---------------------------------------------------------------------------
    def _librdkafka_producer(self) -> Any:
        o = self.options
        return transactional_producer(
            self.settings,
            transactional_id=o.transactional_id,
            client_id="casehub-relay",
            extra={
                "linger.ms": o.linger_ms,
                "batch.size": o.producer_batch_bytes,
                "queue.buffering.max.messages": o.queue_max_messages,
                "queue.buffering.max.kbytes": o.queue_max_kbytes,
                "transaction.timeout.ms": o.transaction_timeout_ms,
                "message.timeout.ms": o.delivery_timeout_ms,
                "request.timeout.ms": o.request_timeout_ms,
                **o.producer_extra,
            },
        )

    def _new_producer(self) -> Any:
        """A new producer, its transactions initialised: the old one (if any) is fenced and
        what it left open is settled, so a position read next is the committed one."""
        producer = self._make_producer()
        try:
            producer.init_transactions(self.options.operation_timeout_s)
        except Exception as exc:
            _drop(producer)
            if classify(exc) is Outcome.FENCED:
                raise Fenced(describe(exc)) from exc
            raise
        return producer

    # --- the loop -------------------------------------------------------------------------------
    def run(self, keep_running: Callable[[], bool]) -> None:
        """Relay until ``keep_running()`` is false. Raises ``Fenced`` when another relay took
        over; ``PersistenceError``/``KafkaUnavailable`` only while starting."""
        producer = self._new_producer()
        try:
            self.position = read_position(self.settings)
            log.info("relay_started", resume_after=self.position)
            self._load_agencies()
            with TopicAdmin(self.settings) as admin:
                self._topics = admin.existing()
                producer = self._loop(producer, admin, keep_running)
        finally:
            if producer is not None:
                _drop(producer)
            log.info("relay_stopped", position=self.position, **vars(self.stats))

    def _loop(  # noqa: C901 - the one place that says what each kind of failure means
        self, producer: Any, admin: TopicAdmin, keep_running: Callable[[], bool]
    ) -> Any:
        backoff = self.options.backoff_s
        read_back = False
        while keep_running():
            try:
                if producer is None:
                    producer = self._new_producer()
                if read_back:
                    self.position = read_position(self.settings)
                    read_back = False
                    log.info("relay_position_read_back", position=self.position)
                published = self._step(producer, admin)
            except _Failed as failure:
                producer = self._after_failure(producer, failure)
                read_back = True
            except Fenced:
                self._note_error("fenced", "another relay took over")
                log.warning("relay_fenced", position=self.position)
                raise
            except PersistenceError as exc:
                self._note_error("store", describe(exc))
                log.warning("store_unavailable", stage="relay", error=describe(exc))
            except KafkaUnavailable as exc:
                self._note_error("unavailable", describe(exc))
                log.warning("kafka_unavailable", stage="relay", error=describe(exc))
            except Exception as exc:
                outcome = classify(exc)
                if outcome is Outcome.FENCED:
                    self._note_error("fenced", describe(exc))
                    log.warning("relay_fenced", position=self.position)
                    raise Fenced(describe(exc)) from exc
                if kafka_error(exc) is None:
                    raise  # a bug of ours, not Kafka's: the thread fails, loudly
                self._note_error(outcome.value, describe(exc))
                log.warning("relay_kafka_error", error=describe(exc), outcome=outcome.value)
                _drop(producer)
                producer, read_back = None, True
            else:
                backoff = self.options.backoff_s
                if not published:
                    self._idle()
                continue
            time.sleep(backoff)
            backoff = min(backoff * 2, self.options.max_backoff_s)
        return producer

    def _idle(self) -> None:
        if self._wake is None:
            time.sleep(self.options.idle_sleep_s)
        elif self._wake.wait(self.options.idle_sleep_s):
            self._wake.clear()

    def _after_failure(self, producer: Any, failure: _Failed) -> Any:
        """Settle the failed transaction; the producer to go on with (None: make a new one)."""
        self._note_error(failure.outcome.value, failure.error)
        log.warning(
            "relay_transaction_failed",
            stage=failure.stage,
            outcome=failure.outcome.value,
            error=failure.error,
            position=self.position,
            refused=len(failure.refused),
        )
        for record, reason in failure.refused:
            self._refused[(record.topic, record.value)] = reason
        if failure.outcome is Outcome.FENCED:
            _drop(producer)
            raise Fenced(failure.error)
        if failure.outcome is Outcome.ABORTABLE:
            try:
                producer.abort_transaction(self.options.operation_timeout_s)
            except Exception as exc:
                if classify(exc) is Outcome.FENCED:
                    _drop(producer)
                    raise Fenced(describe(exc)) from exc
                log.warning("relay_abort_failed", error=describe(exc))
            else:
                return producer
        # Fatal, unclassified, retriable beyond its bound, or an abort that failed: the outcome
        # of the transaction is unknown to this producer. Its successor's init_transactions
        # settles it.
        log.info("relay_producer_replaced", outcome=failure.outcome.value)
        _drop(producer)
        return None

    def _note_error(self, kind: str, error: str) -> None:
        self.last_error = f"{kind}: {error}"
        self.stats.failures += 1
        if self.metrics is not None:
            self.metrics.relay_errors.labels(kind).inc()
            self._attempted(None)

    def _attempted(self, head: int | None) -> None:
        if self.metrics is None:
            return
        if head is None:
            try:
                head = self.app.recorder.max_notification_id()
            except Exception:  # noqa: BLE001 - the store is away: keep the last head shown
                return
        self.metrics.relay_attempted(self.position, head)

    # --- one batch ------------------------------------------------------------------------------
    def _take(self, start: int) -> _Batch:
        """The batch from ``start`` on: the one mapped ahead if it starts there."""
        batch, self._ahead = self._ahead, None
        if batch is not None and batch.start == start:
            return batch
        return self._prepare(start)

    def _map_ahead(self, start: int) -> None:
        """Map the batch after the one in flight; a failure here is met again when it is taken."""
        try:
            self._ahead = self._prepare(start)
        except Exception as exc:  # noqa: BLE001 - taken again at the next step, and raised there
            self._ahead = None
            log.debug("relay_map_ahead_failed", error=describe(exc))

    def _prepare(self, start: int) -> _Batch:
        """Read the notifications from ``start`` on and map them to their records."""
        batch = _Batch(start)
        notifications = self.app.recorder.select_notifications(
            start=start, limit=self.options.batch_size
        )
        if not notifications:
            return batch
        to_domain_event = self.app.mapper.to_domain_event
        records_of = self.mapper.records
        out = batch.records
        for n in notifications:
            event = to_domain_event(n)
            kind = type(event).__qualname__
            if kind == "Directory.AgencyAdmitted":
                # Known at once: the events after it in this batch go to its feed too.
                agency = str(event.agency_id)
                self._agencies.add(agency)
                batch.admitted.append(agency)
            elif kind == "Rejection.Recorded":
                batch.dead.append((int(n.id), event))
            out.extend(records_of(n.id, event))
        batch.first, batch.last = int(notifications[0].id), int(notifications[-1].id)
        batch.count = len(notifications)
        return batch

    def _step(self, producer: Any, admin: TopicAdmin) -> bool:
        """Relay one batch after the position; False when there was nothing to relay."""
        position = self.position
        batch = self._take(1 if position is None else position + 1)
        if not batch.count:
            self._attempted(self.position or 0)
            return False
        for agency in batch.admitted:
            self._note_admission(agency, admin)
        out, dead, last = batch.records, batch.dead, batch.last
        if not out:
            # Nothing to publish (leases, indexes): no transaction needed.
            self.position = last
            self._attempted(None)
            return True
        self._ensure_topics(admin, out)
        out, parked_records = self._fit(out)
        fault_point("relay_before_send")
        self._publish(
            producer,
            [*out, self._position_record(last)],
            meanwhile=lambda: self._map_ahead(last + 1),
        )
        self.position = last
        self.last_error = None
        self._refused.clear()  # they were withheld in this transaction
        for record, reason in parked_records:
            log.warning(
                "relay_record_parked",
                notification_id=record.notification_id,
                topic=record.topic,
                record_type=record.record_type,
                size=record.size,
                reason=reason,
            )
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
        self.stats.notifications += batch.count
        self.stats.records += len(out)
        if self.metrics is not None:
            self.metrics.relay_committed([r.topic for r in out])
            for _record, reason in parked_records:
                self.metrics.relay_parked.labels(reason).inc()
        self._attempted(None)
        log.debug(
            "relay_committed",
            first_notification_id=batch.first,
            notification_id=last,
            records=len(out),
        )
        return True

    def _fit(self, out: list[OutRecord]) -> tuple[list[OutRecord], list[tuple[OutRecord, str]]]:
        """Replace what cannot be published by placeholders, with one parked letter per value.

        Returns the records to publish and the originals parked (with their reason).
        """
        limit = self.settings.outbound_max_bytes
        refused = self._refused
        fitted: list[OutRecord] = []
        originals: dict[tuple[int, str, bytes], tuple[OutRecord, str, list[str]]] = {}
        for record in out:
            reason = TOO_LARGE if record.size > limit else None
            if reason is None and refused:
                reason = refused.get((record.topic, record.value))
            if reason is None:
                fitted.append(record)
                continue
            fitted.append(withheld(record, reason, self.encode))
            group = (record.notification_id, record.record_type, record.value)
            if group in originals:
                originals[group][2].append(record.topic)
            else:
                originals[group] = (record, reason, [record.topic])
        parked_records: list[tuple[OutRecord, str]] = []
        for record, reason, topics in originals.values():
            message = (
                f"the {record.record_type} record of notification {record.notification_id} "
                f"is {record.size} bytes, over the outbound limit of {limit}"
                if reason == TOO_LARGE
                else f"the broker refused the {record.record_type} record of notification "
                f"{record.notification_id} ({record.size} bytes)"
            )
            fitted.append(parked(record, topics, reason, message, limit=limit, encode=self.encode))
            parked_records.append((record, reason))
        return fitted, parked_records

    def _publish(
        self,
        producer: Any,
        records: list[OutRecord],
        *,
        meanwhile: Callable[[], None] | None = None,
    ) -> None:
        """One transaction: every record delivered and committed, or ``_Failed``.

        ``meanwhile`` runs after the last record is produced and before the flush.
        """
        deliveries = _Deliveries()
        report = deliveries.report
        try:
            producer.begin_transaction()
        except Exception as exc:
            raise _Failed("begin", classify(exc), describe(exc)) from exc
        produce, poll = producer.produce, producer.poll
        for record in records:
            while True:
                try:
                    produce(
                        record.topic,
                        value=record.value,
                        key=record.key,
                        headers=record.headers,
                        on_delivery=report,
                    )
                except BufferError:
                    poll(0.05)  # the local queue is full: serve delivery reports, then retry
                    continue
                except Exception as exc:
                    error = kafka_error(exc)
                    refused = (
                        [(record, TOO_LARGE if error.name() == "MSG_SIZE_TOO_LARGE" else REFUSED)]
                        if error is not None and error.name() in _RECORD_REFUSED
                        else []
                    )
                    # Raised at once: librdkafka does not fail the transaction for it, so it is
                    # aborted here (unless the producer itself is fenced or broken).
                    outcome = classify(exc)
                    if outcome is not Outcome.FENCED and not (error is not None and error.fatal()):
                        outcome = Outcome.ABORTABLE
                    raise _Failed("produce", outcome, describe(exc), refused) from exc
                break
            deliveries.sent += 1
            if deliveries.sent % _POLL_EVERY == 0:
                poll(0)
        if meanwhile is not None:
            meanwhile()
        fault_point("relay_after_send")
        remaining = producer.flush(self.options.operation_timeout_s)
        if remaining or deliveries.failed or deliveries.delivered != deliveries.sent:
            raise self._undelivered(records, deliveries, remaining)
        self._commit(producer)
        fault_point("relay_after_commit")

    def _undelivered(
        self, records: list[OutRecord], deliveries: _Deliveries, remaining: int
    ) -> _Failed:
        if remaining:
            return _Failed(
                "flush", Outcome.ABORTABLE, f"{remaining} record(s) not delivered in time"
            )
        # The broker refuses a whole produce batch for one bad record, and librdkafka fails every
        # record of that batch: only the largest refused record of each partition is withheld.
        # Should it not have been the culprit, the next attempt fails again and withholds the
        # next one: every attempt withholds one more record, so the relay cannot loop.
        by_value = {(r.topic, r.value): r for r in records}
        suspects: dict[tuple[str, int], OutRecord] = {}
        errors: list[str] = []
        for topic, partition, value, error in deliveries.failed:
            errors.append(describe(error))
            record = by_value.get((topic, value))
            if record is None or topic == RELAY_POSITION or error.name() not in _RECORD_REFUSED:
                continue
            if (topic, value) in self._refused:
                continue  # withheld already (a placeholder has the same topic, not the value)
            best = suspects.get((topic, partition))
            if best is None or record.size > best.size:
                suspects[(topic, partition)] = record
        refused = [(record, REFUSED) for record in suspects.values()]
        first = errors[0] if errors else "a delivery report is missing"
        outcome = Outcome.ABORTABLE
        if deliveries.failed and deliveries.failed[0][3].fatal():
            outcome = Outcome.FATAL
        return _Failed(
            "delivery",
            outcome,
            f"{len(deliveries.failed)} of {deliveries.sent} record(s) failed: {first}",
            refused,
        )

    def _commit(self, producer: Any) -> None:
        """``commit_transaction``; a retriable error is retried, within a bound."""
        o = self.options
        for attempt in range(1, o.retries + 1):
            try:
                producer.commit_transaction(o.operation_timeout_s)
            except Exception as exc:
                outcome = classify(exc)
                if outcome is Outcome.RETRIABLE and attempt < o.retries:
                    log.info("relay_commit_retried", attempt=attempt, error=describe(exc))
                    time.sleep(o.retry_backoff_s)
                    continue
                if outcome is Outcome.RETRIABLE:
                    outcome = Outcome.FATAL  # still unknown: settle it with a new producer
                raise _Failed("commit", outcome, describe(exc)) from exc
            return

    def _position_record(self, notification_id: int) -> OutRecord:
        value = self.encode(
            RELAY_POSITION_RECORD,
            {
                "notification_id": notification_id,
                "written_at": datetime.now(UTC),
                "relay_id": self.options.transactional_id,
            },
        )
        headers = [
            (HEADER_NOTIFICATION_ID, str(notification_id).encode()),
            (HEADER_RECORD_TYPE, RELAY_POSITION_RECORD.encode()),
        ]
        return OutRecord(
            RELAY_POSITION, POSITION_KEY, value, headers, RELAY_POSITION_RECORD, None, 0
        )

    # --- topics ---------------------------------------------------------------------------------
    def _note_admission(self, agency: str, admin: TopicAdmin) -> None:
        """A newly admitted agency gets its inbound topic and its feed before anything else."""
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


def _drop(producer: Any) -> None:
    """Let go of a producer without waiting on it: what it holds is aborted or fenced."""
    try:
        producer.purge()
        producer.flush(0)
    except Exception as exc:  # noqa: BLE001 - a broken producer is dropped all the same
        log.info("relay_producer_drop_failed", error=describe(exc))
