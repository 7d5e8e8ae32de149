"""Reading ``casehub.timeline`` for the auditor: one case's events, or every case's head.

A ``read_committed`` consumer without a group reads every partition of the timeline from its
beginning up to the end offsets taken when it starts, so what it returns is a fixed cut of the
published record: events the relay publishes meanwhile are left for the next run. Every
partition is read (not only the one the case's key hashes to today), so a case stays whole
if the topic ever gained partitions; records of other keys are skipped before decoding.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from consumers.records import CASE, TimelineEntry, entry_from_timeline_record
from hub.audit.history import AuditError
from hub.errors import SchemaError
from hub.settings import Settings
from hub.topics import TIMELINE

#: How long reading the timeline up to its end offsets may take.
READ_TIMEOUT_S = 60.0


class TimelineUnavailable(AuditError):
    """The broker cannot be reached, or it has no ``casehub.timeline``."""

    code = "timeline_unavailable"


def _where(settings: Settings) -> str:
    return ",".join(settings.bootstrap_servers)


@contextmanager
def _quiet_client_logs() -> Iterator[None]:
    """kafka-python logs what it retries or cancels (a metadata refresh cut short by closing)
    as errors; unless asked for debugging output, the auditor sees only our own verdicts."""
    logger = logging.getLogger("kafka")
    level = logger.level
    if logging.getLogger().getEffectiveLevel() >= logging.WARNING:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def _consumer(settings: Settings) -> Any:
    from kafka import KafkaConsumer  # noqa: PLC0415 - the broker only when asked for
    from kafka.errors import KafkaError  # noqa: PLC0415

    from hub.kafka_config import kafka_config  # noqa: PLC0415

    try:
        return KafkaConsumer(
            **kafka_config(settings),
            group_id=None,
            enable_auto_commit=False,
            isolation_level="read_committed",
            client_id="casehub-audit",
            bootstrap_timeout_ms=5000,
            request_timeout_ms=15000,
        )
    except KafkaError as exc:
        raise TimelineUnavailable(f"cannot reach Kafka at {_where(settings)}: {exc}") from None


def timeline_records(
    settings: Settings, key: bytes | None = None, *, timeout_s: float = READ_TIMEOUT_S
) -> Iterator[tuple[int, int, TimelineEntry]]:
    """(partition, offset, entry) of every committed timeline record (of ``key`` if given)."""
    with _quiet_client_logs():
        yield from _read(settings, key, timeout_s)


def _read(
    settings: Settings, key: bytes | None, timeout_s: float
) -> Iterator[tuple[int, int, TimelineEntry]]:
    from kafka import TopicPartition  # noqa: PLC0415
    from kafka.errors import KafkaError  # noqa: PLC0415

    consumer = _consumer(settings)
    try:
        partitions = consumer.partitions_for_topic(TIMELINE)
        if not partitions:
            raise TimelineUnavailable(f"there is no {TIMELINE} on the broker at {_where(settings)}")
        tps = [TopicPartition(TIMELINE, p) for p in sorted(partitions)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        end = consumer.end_offsets(tps)
        deadline = time.monotonic() + timeout_s
        while any(consumer.position(tp) < end[tp] for tp in tps):
            if time.monotonic() > deadline:
                raise AuditError(f"reading {TIMELINE} did not reach its end in {timeout_s:.0f}s")
            for tp, records in consumer.poll(timeout_ms=500).items():
                for record in records:
                    if record.offset >= end[tp] or (key is not None and record.key != key):
                        continue
                    try:
                        entry = entry_from_timeline_record(bytes(record.value))
                    except SchemaError as exc:
                        raise AuditError(
                            f"{TIMELINE} partition {tp.partition} offset {record.offset} "
                            f"cannot be read: {exc}"
                        ) from None
                    yield tp.partition, record.offset, entry
    except KafkaError as exc:
        raise TimelineUnavailable(
            f"cannot read {TIMELINE} at {_where(settings)}: {type(exc).__name__}"
        ) from None
    finally:
        consumer.close(autocommit=False)


def case_entries(settings: Settings, case_id: UUID) -> list[TimelineEntry]:
    """Every event of one case the timeline carries, in the order it was published."""
    key = str(case_id).encode()
    found = [entry for _, _, entry in timeline_records(settings, key)]
    return [e for e in found if e.aggregate == CASE and e.case_id == str(case_id)]


@dataclass(frozen=True, slots=True)
class Head:
    """The last event of a case the timeline carries."""

    case_id: UUID
    version: int
    event_hash: str
    label: str  # owning-agency/case-number, from the registration ("" if never seen)


def case_heads(settings: Settings) -> dict[UUID, Head]:
    """The head of every case on the timeline."""
    heads: dict[UUID, Head] = {}
    labels: dict[UUID, str] = {}
    for _, _, entry in timeline_records(settings):
        if entry.aggregate != CASE or entry.case_id is None:
            continue
        case_id = UUID(entry.case_id)
        if entry.event_type == "Case.Registered":
            labels[case_id] = f"{entry.text('owning_agency')}/{entry.text('case_number')}"
        if case_id not in heads or entry.version >= heads[case_id].version:
            heads[case_id] = Head(case_id, entry.version, entry.event_hash, "")
    return {
        case_id: Head(case_id, h.version, h.event_hash, labels.get(case_id, ""))
        for case_id, h in heads.items()
    }
