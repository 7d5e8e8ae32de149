"""The ingest loop: consume every agency topic, record each partition batch in one transaction.

One ``hub.kafka.group.GroupMember`` in group ``casehub-ingest`` (Kafka 4's broker-side
protocol, KIP-848) with a pattern subscription: the broker resolves the pattern and refreshes it
about every 10 s, so a new agency's topic is consumed within seconds; it also detects a dead
member (``group.consumer.session.timeout.ms``, 6 s on the project's brokers) and assigns
partitions incrementally. Offsets are never committed automatically; reads are
``read_committed``.

The database is the offset store. When the group assigns partitions, the member's ``claim``
callback claims each one (``hub.ingest.lease``) and returns its start offset, the stored
position + 1 (None: the beginning), which the member passes to ``incremental_assign``. A claim
that fails because the store is down returns ``PAUSED``: the partition is assigned paused, and
the loop claims it again with backoff, then starts it (``GroupMember.start``). Revoked and lost
partitions are both released: nothing more is written for them.

Per poll, per partition: decode every record (never fails: undecodable and oversized records
become ``Undecodable`` and then rejections), then one ``process_batch`` with the partition's
lease and a ``Tracking`` at the last offset. After the database commit the offset is committed
to Kafka too (asynchronously, for Kafka's lag tools only).

``IntegrityError`` is classified: the lease was claimed by someone else → fenced, stop writing
the partition; the stored position already covers the batch → replayed, skip; otherwise a
version conflict with a concurrent writer of the same case → reload and retry, at most
``max_conflict_retries`` times. Any other store failure (the database is down) pauses the
partition with backoff and claims it again once the store answers, restarting it at the stored
position + 1: the hub stops advancing and says so, and nothing is skipped.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from uuid import uuid4

from eventsourcing.persistence import IntegrityError, PersistenceError

from hub.cases.commands import Inbound, Origin, Undecodable
from hub.errors import CaseHubError
from hub.ingest.lease import PartitionLease
from hub.ingest.store import IngestStore
from hub.kafka.group import PAUSED, GroupMember, Partition, Start
from hub.kafka.records import Record
from hub.logging import get_logger
from hub.relay.faults import fault_point
from hub.settings import Settings
from hub.topics import INBOUND_PATTERN, INGEST_GROUP, agency_of_topic

if TYPE_CHECKING:
    from hub.ops.metrics import PipelineMetrics

log = get_logger(__name__)

Decoder = Callable[[bytes, Origin, "str | None"], "Inbound | Undecodable"]
#: Makes the loop's group member from its two callbacks (tests pass a fake).
MemberFactory = Callable[
    [
        Callable[[list[Partition]], Mapping[Partition, Start]],
        Callable[[list[Partition], bool], None],
    ],
    GroupMember,
]


class IngestStalled(CaseHubError):
    """A batch kept conflicting with concurrent writers beyond the retry bound."""

    code = "ingest_stalled"


@dataclass(frozen=True)
class IngestOptions:
    poll_timeout_ms: int = 500
    max_poll_records: int = 500
    max_conflict_retries: int = 8
    store_retry_max_s: float = 5.0
    #: A fenced partition the group still assigns to this instance after this long is claimed
    #: again: the claim that fenced it came from an instance that has since lost it (one that
    #: was paused inside its own assignment), and nobody else may write it meanwhile.
    fenced_reclaim_after_s: float = 30.0
    client_id: str = "casehub-ingest"
    #: Which topics to consume; every agency's by default (a narrower one splits the work).
    pattern: str = INBOUND_PATTERN
    #: librdkafka consumer properties on top of the group member's (e.g. ``fetch.wait.max.ms``).
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
    claim_id: str
    #: The offset the store expects next (None: from the beginning, whatever that is).
    next_offset: int | None = None


def default_decoder(settings: Settings) -> Decoder:
    """Decode with the schema catalog, opening sealed personal data with the hub's keys from
    ``settings`` and refusing records over the size limits (``hub.codec.limits``); a named
    key file that is missing stops the hub here, before any record."""
    from hub.codec import decode_inbound, sealing_policy  # noqa: PLC0415 - loads the catalog
    from hub.codec.limits import SizeLimits, oversized_event, oversized_record  # noqa: PLC0415

    sealing = sealing_policy(settings)
    limits = SizeLimits.from_settings(settings)

    def decode(raw: bytes, origin: Origin, agency: str | None) -> Inbound | Undecodable:
        too_large = oversized_record(raw, origin, agency or "", limits)
        if too_large is not None:
            return too_large
        decoded = decode_inbound(raw, origin, agency, sealing=sealing)
        if isinstance(decoded, Inbound):
            return oversized_event(decoded, limits) or decoded
        return decoded

    return decode


class Ingest:
    """One ingest group member; ``run`` until ``stop`` is set (finishing the current batch)."""

    def __init__(
        self,
        store: IngestStore,
        settings: Settings,
        stop: threading.Event,
        *,
        options: IngestOptions | None = None,
        decoder: Decoder | None = None,
        metrics: PipelineMetrics | None = None,
        member_factory: MemberFactory | None = None,
        on_recorded: Callable[[], None] | None = None,
    ) -> None:
        self.store = store
        self.metrics = metrics
        #: Called after each batch is in the store (``casehub serve`` wakes its relay with it).
        self.on_recorded = on_recorded
        #: False while the Kafka client reports an error, True after a good poll (``/readyz``).
        self.kafka_ok = False
        self.settings = settings
        self.stop = stop
        self.options = options or IngestOptions()
        self.decode = decoder or default_decoder(settings)
        self.stats = IngestStats()
        self._member_factory = member_factory or self._group_member
        self.member: GroupMember | None = None
        self._owned: dict[Partition, _Owned] = {}
        #: Assigned but not claimed yet (the store was down): paused, claimed from the loop.
        self._unclaimed: set[Partition] = set()
        #: Fenced partitions, paused, with the time they were fenced.
        self._fenced: dict[Partition, float] = {}
        self._store_backoff = 0.1
        self._claim_retry_at = 0.0

    # --- the group member ---------------------------------------------------------------------
    def _group_member(
        self,
        claim: Callable[[list[Partition]], Mapping[Partition, Start]],
        release: Callable[[list[Partition], bool], None],
    ) -> GroupMember:
        return GroupMember(
            self.settings,
            group=INGEST_GROUP,
            client_id=self.options.client_id,
            claim=claim,
            release=release,
            extra=self.options.extra_consumer_config,
        )

    def _member(self) -> GroupMember:
        if self.member is None:  # pragma: no cover - run() makes it first
            msg = "the ingest has no group member: call run()"
            raise RuntimeError(msg)
        return self.member

    def run(self) -> None:
        self.member = self._member_factory(self.on_claim, self.on_release)
        self.member.subscribe([self.options.pattern])
        log.info("ingest_started", group=INGEST_GROUP, pattern=self.options.pattern)
        timeout_s = self.options.poll_timeout_ms / 1000
        try:
            while not self.stop.is_set():
                self._claim_pending()
                polled = self.member.poll(
                    max_records=self.options.max_poll_records, timeout_s=timeout_s
                )
                self.kafka_ok = self.member.last_error is None
                for partition, records in polled.items():
                    if self.stop.is_set():
                        break
                    if partition in self._owned and records:
                        self._handle(partition, records)
        finally:
            self.member.close()
            log.info("ingest_stopped", **vars(self.stats))

    def owned_partitions(self) -> list[tuple[str, int]]:
        """The partitions this instance holds the lease of."""
        return sorted(self._owned)

    # --- assignment (the member's callbacks, inside poll) -------------------------------------
    def on_claim(self, partitions: list[Partition]) -> dict[Partition, Start]:
        """Claim each assigned partition; its start offset, or ``PAUSED`` if the store is down."""
        log.info("partitions_assigned", partitions=[_name(p) for p in sorted(partitions)])
        starts: dict[Partition, Start] = {}
        store_down = False
        for partition in sorted(partitions):
            self._owned.pop(partition, None)
            self._fenced.pop(partition, None)
            if store_down:
                self._unclaimed.add(partition)
                starts[partition] = PAUSED
                continue
            try:
                starts[partition] = self._claim(partition)
            except PersistenceError as exc:
                # Claimed from the loop, with backoff: a callback should not sleep.
                store_down = True
                self._unclaimed.add(partition)
                starts[partition] = PAUSED
                self._store_failed("claim", partition, exc, wait=False)
        return starts

    def on_release(self, partitions: list[Partition], lost: bool) -> None:
        for partition in partitions:
            self._owned.pop(partition, None)
            self._unclaimed.discard(partition)
            self._fenced.pop(partition, None)
        if self.metrics is not None:
            self.metrics.ingest_released(partitions)
        log.info(
            "partitions_lost" if lost else "partitions_revoked",
            partitions=[_name(p) for p in sorted(partitions)],
        )

    def _claim_pending(self) -> None:
        """Claim the partitions a store outage left unclaimed (and fenced ones long held),
        then start each at the stored position + 1."""
        now = time.monotonic()
        for partition, fenced_at in list(self._fenced.items()):
            if now - fenced_at >= self.options.fenced_reclaim_after_s:
                log.warning(
                    "fenced_partition_reclaimed", topic=partition[0], partition=partition[1]
                )
                del self._fenced[partition]
                self._unclaimed.add(partition)
        if not self._unclaimed or now < self._claim_retry_at:
            return
        for partition in sorted(self._unclaimed):
            try:
                start = self._claim(partition)
            except PersistenceError as exc:
                self._store_failed("claim", partition, exc, wait=False)
                self._claim_retry_at = time.monotonic() + self._store_backoff / 2
                return
            self._unclaimed.discard(partition)
            self._member().start(partition, start)
        self._store_backoff = 0.1

    def _claim(self, partition: Partition) -> int | None:
        """Claim the lease under a new claim id; returns the offset to start at (None: the
        beginning). ``PersistenceError`` when the store is down."""
        topic, number = partition
        member_id = self._member().member_id()
        claim_id = str(uuid4())
        for attempt in range(self.options.max_conflict_retries):
            try:
                lease, position = self.store.claim(topic, number, claim_id, member_id)
            except IntegrityError:
                time.sleep(0.05 * (attempt + 1))
                continue
            start = None if position is None else position + 1
            self._owned[partition] = _Owned(lease, claim_id, start)
            log.info(
                "partition_claimed",
                topic=topic,
                partition=number,
                claim_id=claim_id,
                member_id=member_id,
                resume_offset=0 if start is None else start,
                claims=lease.claims,
            )
            return start
        raise IngestStalled(
            f"could not claim {topic}[{number}]: other members kept writing its lease"
        )

    # --- batches ------------------------------------------------------------------------------
    def _handle(self, partition: Partition, records: Sequence[Record]) -> None:
        owned = self._owned[partition]
        if owned.next_offset is not None:
            # Fetched before a restart at the stored position: already recorded.
            records = [r for r in records if r.offset >= owned.next_offset]
        if not records:
            return
        topic, number = partition
        agency = agency_of_topic(topic)
        items = [
            self.decode(r.value or b"", Origin(topic, number, r.offset), agency) for r in records
        ]
        first, last = records[0].offset, records[-1].offset
        started = time.perf_counter()
        for attempt in range(self.options.max_conflict_retries + 1):
            current = self._owned.get(partition)
            if current is None:
                return
            fault_point("ingest_before_write")
            try:
                outcomes = self.store.record_batch(items, topic, number, last, current.lease)
            except IntegrityError:
                if not self._after_integrity_error(partition, current, last, attempt):
                    return
                continue
            except PersistenceError as exc:
                self._reload_after_failure(partition)
                self._store_failed("batch", partition, exc)
                return
            current.next_offset = last + 1
            self._committed(partition, records, outcomes, time.perf_counter() - started)
            return
        raise IngestStalled(
            f"{topic}[{number}] offsets {first}..{last} kept conflicting with "
            f"concurrent writers after {self.options.max_conflict_retries} retries"
        )

    def _after_integrity_error(
        self, partition: Partition, owned: _Owned, last: int, attempt: int
    ) -> bool:
        """Classify; returns True when the batch should be retried."""
        topic, number = partition
        try:
            lease = self.store.load_lease(topic, number)
            position = self.store.position(topic, number)
        except PersistenceError as exc:
            self._reload_after_failure(partition)
            self._store_failed("classify", partition, exc)
            return False
        if lease is None or not lease.held_by(owned.claim_id):
            self.stats.fenced += 1
            self._count("fenced")
            self._owned.pop(partition, None)
            self._fenced[partition] = time.monotonic()
            self._member().pause(partition)
            log.warning(
                "partition_fenced",
                topic=topic,
                partition=number,
                claim_id=owned.claim_id,
                lease_claim_id=None if lease is None else lease.claim_id,
                lease_member_id=None if lease is None else lease.member_id,
            )
            return False
        owned.lease = lease
        if position is not None and position >= last:
            self.stats.replayed += 1
            self._count("replayed")
            owned.next_offset = position + 1
            log.info("batch_replayed", topic=topic, partition=number, offset=last)
            return False
        self.stats.conflicts += 1
        self._count("conflict")
        log.info(
            "batch_conflict_retry", topic=topic, partition=number, offset=last, attempt=attempt + 1
        )
        time.sleep(min(0.01 * 2**attempt, 0.5))
        return True

    def _count(self, outcome: str) -> None:
        if self.metrics is not None:
            self.metrics.ingest_outcomes.labels(outcome).inc()

    def _reload_after_failure(self, partition: Partition) -> None:
        """The in-memory lease may be ahead of the store: pause, claim the partition again."""
        if self._owned.pop(partition, None) is not None:
            self._unclaimed.add(partition)
            self._member().pause(partition)

    def _store_failed(
        self, stage: str, partition: Partition, exc: Exception, *, wait: bool = True
    ) -> None:
        self.stats.store_errors += 1
        self._count("store_error")
        log.error(
            "store_unavailable",
            stage=stage,
            topic=partition[0],
            partition=partition[1],
            error=str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
            retry_in_s=self._store_backoff,
        )
        if wait:
            self.stop.wait(self._store_backoff)
        self._store_backoff = min(self._store_backoff * 2, self.options.store_retry_max_s)

    def _committed(
        self,
        partition: Partition,
        records: Sequence[Record],
        outcomes: Sequence[Any],
        seconds: float = 0.0,
    ) -> None:
        last = records[-1].offset
        self.stats.batches += 1
        self.stats.records += len(records)
        self._store_backoff = 0.1
        if self.metrics is not None:
            self.metrics.ingest_batch(len(records), list(outcomes), seconds)
            self.metrics.ingest_position(
                partition, last + 1, self._member().high_watermark(partition)
            )
        rejected = _log_outcomes(partition, records, outcomes)
        log.info(
            "batch_recorded",
            topic=partition[0],
            partition=partition[1],
            first_offset=records[0].offset,
            offset=last,
            records=len(records),
            rejected=rejected,
        )
        self._member().commit({partition: last + 1})
        if self.on_recorded is not None:
            self.on_recorded()


def _log_outcomes(partition: Partition, records: Sequence[Record], outcomes: Sequence[Any]) -> int:
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
            "topic": partition[0],
            "partition": partition[1],
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


def _name(partition: Partition) -> str:
    return f"{partition[0]}[{partition[1]}]"
