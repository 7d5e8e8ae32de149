"""The ingest loop: consume every agency topic, record each partition batch in one transaction.

Consumer group ``casehub-ingest`` with a pattern subscription (new agency topics are picked up
within ``metadata_max_age_ms``), auto-commit off, ``read_committed``, short session and
heartbeat timeouts so a dead instance's partitions move within seconds.

On assignment each partition is claimed (``hub.ingest.lease``) and the consumer seeks to the
stored position + 1 (``seek_to_beginning`` when none is stored): the database is the offset
store. Per poll, per partition: decode every record (never fails: undecodable records become
``Undecodable`` and then rejections), then one ``process_batch`` with the partition's lease
and a ``Tracking`` at the last offset. After the database commit the offset is committed to
Kafka too (asynchronously, for Kafka's lag tools only).

``IntegrityError`` is classified: the lease was claimed by someone else → fenced, stop writing
the partition; the stored position already covers the batch → replayed, skip; otherwise a
version conflict with a concurrent writer of the same case → reload and retry, at most
``max_conflict_retries`` times. Any other store failure (the database is down) pauses the
loop with backoff, rewinds the partition to the failed batch, and tries again: the hub stops
advancing and says so, and nothing is skipped.

A consumer that has not been a stable group member for ``rejoin_after_s`` (kafka-python 3.0.12
can leave a member out of its group after a rebalance) drops its partitions and is replaced by a
new one, which joins the group afresh.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import IntegrityError, PersistenceError

from hub.cases.commands import Inbound, Origin, Undecodable
from hub.errors import CaseHubError
from hub.ingest.lease import PartitionLease
from hub.ingest.store import IngestStore
from hub.logging import get_logger
from hub.relay.faults import fault_point
from hub.settings import Settings
from hub.topics import INBOUND_PATTERN, INGEST_GROUP, agency_of_topic, kafka_config

if TYPE_CHECKING:
    from hub.ops.metrics import PipelineMetrics

log = get_logger(__name__)

Decoder = Callable[[bytes, Origin, "str | None"], "Inbound | Undecodable"]


class IngestStalled(CaseHubError):
    """A batch kept conflicting with concurrent writers beyond the retry bound."""

    code = "ingest_stalled"


@dataclass(frozen=True)
class IngestOptions:
    poll_timeout_ms: int = 500
    max_poll_records: int = 500
    session_timeout_ms: int = 6000
    heartbeat_interval_ms: int = 1000
    max_poll_interval_ms: int = 60000
    metadata_max_age_ms: int = 3000
    max_conflict_retries: int = 8
    store_retry_max_s: float = 5.0
    client_id: str = "casehub-ingest"
    #: A consumer that has not been a stable group member for this long is closed and replaced
    #: (kafka-python 3.0.12 can leave a member out of the group after a rebalance).
    rejoin_after_s: float = 30.0
    #: Poll timeout while out of the group: long enough for a whole JoinGroup/SyncGroup round
    #: (kafka-python 3.0.12 throws away a join that completes between two polls and joins again).
    rejoin_poll_timeout_ms: int = 3000
    close_timeout_ms: int = 5000
    #: Which topics to consume; every agency's by default (a narrower one splits the work).
    pattern: str = INBOUND_PATTERN
    extra_consumer_config: dict[str, Any] = field(default_factory=dict)


@dataclass
class IngestStats:
    batches: int = 0
    records: int = 0
    replayed: int = 0
    conflicts: int = 0
    fenced: int = 0
    store_errors: int = 0


@dataclass
class _Owned:
    lease: PartitionLease
    generation: int
    member_id: str
    #: The offset the store expects next (None: from the beginning, whatever that is).
    next_offset: int | None = None
    #: A gap before ``next_offset`` was already re-sought once (a second one is real:
    #: transaction markers or aborted records of a transactional publisher).
    gap_checked: bool = False


def default_decoder(settings: Settings) -> Decoder:
    """Decode with the schema catalog, opening sealed personal data with the hub's keys from
    ``settings``; a named key file that is missing stops the hub here, before any record."""
    from hub.codec import decode_inbound, sealing_policy  # noqa: PLC0415 - loads the catalog

    sealing = sealing_policy(settings)

    def decode(raw: bytes, origin: Origin, agency: str | None) -> Inbound | Undecodable:
        return decode_inbound(raw, origin, agency, sealing=sealing)

    return decode


class Ingest:
    """One ingest consumer; ``run`` until ``stop`` is set (finishing the current batch)."""

    def __init__(
        self,
        store: IngestStore,
        settings: Settings,
        stop: threading.Event,
        *,
        options: IngestOptions | None = None,
        decoder: Decoder | None = None,
        metrics: PipelineMetrics | None = None,
    ) -> None:
        self.store = store
        self.metrics = metrics
        #: False after a failed poll, True after a good one (read by ``/readyz``).
        self.kafka_ok = False
        self.settings = settings
        self.stop = stop
        self.options = options or IngestOptions()
        self.decode = decoder or default_decoder(settings)
        self.stats = IngestStats()
        self._consumer: Any = None
        self._owned: dict[Any, _Owned] = {}
        self._unclaimed: set[Any] = set()
        self._paused: set[Any] = set()
        self._store_backoff = 0.1
        self._kafka_backoff = 0.2

    # --- the consumer -------------------------------------------------------------------------
    def _make_consumer(self) -> Any:
        from kafka import KafkaConsumer  # noqa: PLC0415

        from hub.ingest.assignor import AgencyRoundRobinAssignor  # noqa: PLC0415

        o = self.options
        return KafkaConsumer(
            **kafka_config(self.settings),
            group_id=INGEST_GROUP,
            client_id=o.client_id,
            enable_auto_commit=False,
            isolation_level="read_committed",
            auto_offset_reset="earliest",
            allow_auto_create_topics=False,
            session_timeout_ms=o.session_timeout_ms,
            heartbeat_interval_ms=o.heartbeat_interval_ms,
            max_poll_interval_ms=o.max_poll_interval_ms,
            max_poll_records=o.max_poll_records,
            metadata_max_age_ms=o.metadata_max_age_ms,
            # Many agency topics of few partitions each: round robin spreads them over the
            # instances (range would give every topic's partition 0 to the same member).
            partition_assignment_strategy=(AgencyRoundRobinAssignor,),
            **o.extra_consumer_config,
        )

    def run(self) -> None:
        from kafka import ConsumerRebalanceListener  # noqa: PLC0415
        from kafka.errors import KafkaError  # noqa: PLC0415

        ingest = self

        class Listener(ConsumerRebalanceListener):  # type: ignore[misc]
            def on_partitions_revoked(self, revoked: Any) -> None:
                ingest.on_revoked(revoked)

            def on_partitions_assigned(self, assigned: Any) -> None:
                ingest.on_assigned(assigned)

        listener = Listener()
        self._consumer = self._make_consumer()
        self._consumer.subscribe(pattern=self.options.pattern, listener=listener)
        log.info("ingest_started", group=INGEST_GROUP, pattern=self.options.pattern)
        stable_at = time.monotonic()
        try:
            while not self.stop.is_set():
                stable = self._stable()
                if stable:
                    stable_at = time.monotonic()
                elif time.monotonic() - stable_at > self.options.rejoin_after_s:
                    self._replace_consumer(listener, time.monotonic() - stable_at)
                    stable_at = time.monotonic()
                    continue
                self._claim_pending()
                try:
                    polled = self._consumer.poll(
                        timeout_ms=self.options.poll_timeout_ms
                        if stable
                        else max(self.options.poll_timeout_ms, self.options.rejoin_poll_timeout_ms),
                        max_records=self.options.max_poll_records,
                    )
                except KafkaError as exc:  # the broker is away: wait for it, keep the consumer
                    self.kafka_ok = False
                    self._kafka_failed(exc)
                    continue
                self.kafka_ok = True
                self._kafka_backoff = 0.2
                for tp, records in polled.items():
                    if self.stop.is_set():
                        break
                    if tp in self._owned and records:
                        self._handle(tp, records)
        finally:
            self._close_consumer()
            log.info("ingest_stopped", **vars(self.stats))

    def _stable(self) -> bool:
        from hub.leadership import stable_member  # noqa: PLC0415

        return stable_member(self._consumer, self.options.session_timeout_ms)

    def _replace_consumer(self, listener: Any, unstable_for_s: float) -> None:
        """Drop every partition, close the consumer and join the group with a new one."""
        from kafka.errors import KafkaError  # noqa: PLC0415

        log.warning(
            "ingest_consumer_replaced",
            group=INGEST_GROUP,
            unstable_for_s=round(unstable_for_s, 1),
            state=str(self._consumer.group_metadata().state),
        )
        self.on_revoked(set(self._owned) | self._unclaimed | self._paused)
        self._close_consumer()
        while not self.stop.is_set():
            try:
                consumer = self._make_consumer()
            except KafkaError as exc:  # no broker to bootstrap from: try again
                self._kafka_failed(exc)
                continue
            consumer.subscribe(pattern=self.options.pattern, listener=listener)
            self._consumer = consumer
            return

    def _close_consumer(self) -> None:
        try:
            self._consumer.close(autocommit=False, timeout_ms=self.options.close_timeout_ms)
        except Exception as exc:  # noqa: BLE001 - a broken consumer is dropped all the same
            log.warning("kafka_consumer_close_failed", stage="ingest", error=str(exc)[:200])

    def owned_partitions(self) -> list[tuple[str, int]]:
        """The partitions this instance holds the lease of."""
        return sorted((tp.topic, tp.partition) for tp in self._owned)

    # --- assignment ---------------------------------------------------------------------------
    def on_revoked(self, revoked: Any) -> None:
        for tp in revoked:
            self._owned.pop(tp, None)
            self._unclaimed.discard(tp)
            self._paused.discard(tp)
        if revoked:
            log.info("partitions_revoked", partitions=sorted(_name(tp) for tp in revoked))

    def on_assigned(self, assigned: Any) -> None:
        for tp in assigned:
            self._owned.pop(tp, None)
            self._paused.discard(tp)
            self._unclaimed.add(tp)
        if assigned:
            # Claims touch the database: they run in the loop, not here (a listener blocks the
            # consumer's event loop, heartbeats included). Records fetched for a partition
            # before its claim are dropped; the claim seeks it to the stored position + 1.
            log.info("partitions_assigned", partitions=sorted(_name(tp) for tp in assigned))

    def _claim_pending(self) -> None:
        """Claim every assigned partition not yet claimed; seek it to the stored position + 1."""
        if not self._unclaimed:
            return
        meta = self._consumer.group_metadata()
        for tp in sorted(self._unclaimed, key=_name):
            try:
                lease, position = self._claim(tp, meta.generation_id, meta.member_id)
            except PersistenceError as exc:
                self._store_failed("claim", tp, exc)
                return
            self._unclaimed.discard(tp)
            self._owned[tp] = _Owned(
                lease,
                meta.generation_id,
                meta.member_id,
                None if position is None else position + 1,
            )
            if position is None:
                self._consumer.seek_to_beginning(tp)
            else:
                self._consumer.seek(tp, position + 1)
            if tp in self._paused:
                self._paused.discard(tp)
                self._consumer.resume(tp)
            log.info(
                "partition_claimed",
                topic=tp.topic,
                partition=tp.partition,
                generation=meta.generation_id,
                resume_offset=0 if position is None else position + 1,
                claims=lease.claims,
            )
        self._store_backoff = 0.1

    def _claim(self, tp: Any, generation: int, member_id: str) -> tuple[PartitionLease, int | None]:
        for attempt in range(self.options.max_conflict_retries):
            try:
                lease, position = self.store.claim(tp.topic, tp.partition, generation, member_id)
            except IntegrityError:
                time.sleep(0.05 * (attempt + 1))
                continue
            else:
                previous = lease.generation
                if previous > generation:  # pragma: no cover - claim() just set it
                    log.warning("lease_claimed_over_newer_generation", topic=tp.topic)
                return lease, position
        raise IngestStalled(
            f"could not claim {tp.topic}[{tp.partition}]: other members kept writing its lease"
        )

    # --- batches ------------------------------------------------------------------------------
    def _in_order(self, tp: Any, records: Sequence[Any]) -> Sequence[Any]:
        """Only records at or after the stored position; re-seek once on a gap before them.

        kafka-python may apply the group's committed offset after our seek (its own reset
        task completing late). That offset never runs ahead of the store, so it can only
        replay: replayed records are dropped here. A gap is re-sought once in case the
        group's offset was ahead of a restored database.
        """
        owned = self._owned[tp]
        expected = owned.next_offset
        if expected is None:
            return records
        fresh = [r for r in records if r.offset >= expected]
        if fresh and fresh[0].offset > expected and not owned.gap_checked:
            owned.gap_checked = True
            self._consumer.seek(tp, expected)
            log.warning(
                "position_gap_reseek",
                topic=tp.topic,
                partition=tp.partition,
                offset=expected,
                received=fresh[0].offset,
            )
            return []
        return fresh

    def _handle(self, tp: Any, records: Sequence[Any]) -> None:
        records = self._in_order(tp, records)
        if not records:
            return
        agency = agency_of_topic(tp.topic)
        items = [
            self.decode(
                bytes(r.value) if r.value is not None else b"",
                Origin(tp.topic, tp.partition, r.offset),
                agency,
            )
            for r in records
        ]
        first, last = records[0].offset, records[-1].offset
        started = time.perf_counter()
        for attempt in range(self.options.max_conflict_retries + 1):
            owned = self._owned.get(tp)
            if owned is None:
                return
            fault_point("ingest_before_write")
            try:
                outcomes = self.store.record_batch(items, tp.topic, tp.partition, last, owned.lease)
            except IntegrityError:
                if not self._after_integrity_error(tp, owned, last, attempt):
                    return
                continue
            except PersistenceError as exc:
                self._reload_after_failure(tp)
                self._consumer.seek(tp, first)
                self._store_failed("batch", tp, exc)
                return
            owned.next_offset = last + 1
            owned.gap_checked = False
            self._committed(tp, records, outcomes, time.perf_counter() - started)
            return
        raise IngestStalled(
            f"{tp.topic}[{tp.partition}] offsets {first}..{last} kept conflicting with "
            f"concurrent writers after {self.options.max_conflict_retries} retries"
        )

    def _after_integrity_error(self, tp: Any, owned: _Owned, last: int, attempt: int) -> bool:
        """Classify; returns True when the batch should be retried."""
        try:
            lease = self.store.load_lease(tp.topic, tp.partition)
            position = self.store.position(tp.topic, tp.partition)
        except PersistenceError as exc:
            self._reload_after_failure(tp)
            self._store_failed("classify", tp, exc)
            return False
        if lease is None or not lease.held_by(owned.generation, owned.member_id):
            self.stats.fenced += 1
            self._count("fenced")
            self._owned.pop(tp, None)
            self._paused.add(tp)
            self._consumer.pause(tp)
            log.warning(
                "partition_fenced",
                topic=tp.topic,
                partition=tp.partition,
                generation=owned.generation,
                lease_generation=None if lease is None else lease.generation,
            )
            return False
        owned.lease = lease
        if position is not None and position >= last:
            self.stats.replayed += 1
            self._count("replayed")
            owned.next_offset = position + 1
            self._consumer.seek(tp, position + 1)
            log.info("batch_replayed", topic=tp.topic, partition=tp.partition, offset=last)
            return False
        self.stats.conflicts += 1
        self._count("conflict")
        log.info(
            "batch_conflict_retry",
            topic=tp.topic,
            partition=tp.partition,
            offset=last,
            attempt=attempt + 1,
        )
        time.sleep(min(0.01 * 2**attempt, 0.5))
        return True

    def _count(self, outcome: str) -> None:
        if self.metrics is not None:
            self.metrics.ingest_outcomes.labels(outcome).inc()

    def _reload_after_failure(self, tp: Any) -> None:
        """The in-memory lease may be ahead of the store: claim the partition again."""
        if self._owned.pop(tp, None) is not None:
            self._unclaimed.add(tp)

    def _kafka_failed(self, exc: Exception) -> None:
        log.warning(
            "kafka_unavailable",
            stage="ingest",
            error=str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
            retry_in_s=self._kafka_backoff,
        )
        self.stop.wait(self._kafka_backoff)
        self._kafka_backoff = min(self._kafka_backoff * 2, 5.0)

    def _store_failed(self, stage: str, tp: Any, exc: Exception) -> None:
        self.stats.store_errors += 1
        self._count("store_error")
        log.error(
            "store_unavailable",
            stage=stage,
            topic=tp.topic,
            partition=tp.partition,
            error=str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
            retry_in_s=self._store_backoff,
        )
        self.stop.wait(self._store_backoff)
        self._store_backoff = min(self._store_backoff * 2, self.options.store_retry_max_s)

    def _committed(
        self, tp: Any, records: Sequence[Any], outcomes: Sequence[Any], seconds: float = 0.0
    ) -> None:
        from kafka.structs import OffsetAndMetadata  # noqa: PLC0415

        last = records[-1].offset
        self.stats.batches += 1
        self.stats.records += len(records)
        self._store_backoff = 0.1
        if self.metrics is not None:
            self.metrics.ingest_batch(len(records), list(outcomes), seconds)
        rejected = _log_outcomes(tp, records, outcomes)
        log.info(
            "batch_recorded",
            topic=tp.topic,
            partition=tp.partition,
            first_offset=records[0].offset,
            offset=last,
            records=len(records),
            rejected=rejected,
        )
        self._consumer.commit_async(
            {tp: OffsetAndMetadata(last + 1, "", -1)}, callback=_log_commit_failure
        )


def _log_outcomes(tp: Any, records: Sequence[Any], outcomes: Sequence[Any]) -> int:
    """One line per recorded event (outcomes come back in record order); returns rejections.

    Rejections are warnings; accepted events and duplicates are debug lines, since at thousands
    of events a second a line each cost about a third of the ingest (``batch_recorded`` is the
    info line, one per batch).
    """
    rejected = 0
    detail = logging.getLogger(__name__).isEnabledFor(logging.DEBUG)
    for record, outcome in zip(records, outcomes, strict=False):
        kind = type(outcome).__name__
        if kind != "Rejected" and not detail:
            continue  # even a dropped line costs ~10 µs, per event
        fields: dict[str, Any] = {
            "topic": tp.topic,
            "partition": tp.partition,
            "offset": record.offset,
            "event_id": _text(getattr(outcome, "event_id", None)),
        }
        if kind == "Rejected":
            rejected += 1
            log.warning(
                "event_rejected",
                **fields,
                reason=outcome.reason_code,
                rejection_id=str(outcome.rejection_id),
                message=str(outcome.message)[:300],
            )
        else:
            log.debug(
                "event_accepted" if kind == "Accepted" else "event_duplicate",
                **fields,
                case_id=_text(getattr(outcome, "case_id", None)),
                version=getattr(outcome, "version", None),
            )
    return rejected


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _log_commit_failure(offsets: Any, response: Any) -> None:
    if isinstance(response, Exception):
        log.info("kafka_offset_commit_failed", error=str(response), partitions=len(offsets))


def _name(tp: Any) -> str:
    return f"{tp.topic}[{tp.partition}]"
