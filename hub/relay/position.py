"""The relay's position: the last notification id published, kept in Kafka itself.

Every relay transaction ends with one ``RelayPosition`` record on the compacted
``casehub.relay.position`` topic (key ``relay``), so the position is committed exactly when the
records it covers are. On start, after ``init_transactions`` has aborted whatever a previous
relay left open, the last position record is read back with ``read_committed``: the relay
resumes after that notification id and never publishes a notification twice, nor skips one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from hub.settings import Settings
from hub.topics import RELAY_POSITION, kafka_config

POSITION_KEY = b"relay"

Decoder = Callable[[bytes], dict[str, Any]]


def default_decoder() -> Decoder:
    from hub.codec import decode_record  # noqa: PLC0415

    def decode(raw: bytes) -> dict[str, Any]:
        record: dict[str, Any] = decode_record(raw, agency_events_only=False).record
        return record

    return decode


def read_position(
    settings: Settings, *, decode: Decoder | None = None, timeout_s: float = 30.0
) -> int | None:
    """The notification id in the last committed position record, or None if there is none."""
    from kafka import KafkaConsumer, TopicPartition  # noqa: PLC0415

    decode = decode or default_decoder()
    tp = TopicPartition(RELAY_POSITION, 0)
    consumer: Any = KafkaConsumer(
        **kafka_config(settings),
        group_id=None,
        enable_auto_commit=False,
        isolation_level="read_committed",
        client_id="casehub-relay-position",
    )
    try:
        consumer.assign([tp])
        end = consumer.end_offsets([tp], timeout_ms=int(timeout_s * 1000))[tp]
        begin = consumer.beginning_offsets([tp], timeout_ms=int(timeout_s * 1000))[tp]
        window = 64
        while True:
            start = max(begin, end - window)
            found = _last_in(consumer, tp, start, end, decode=decode, timeout_s=timeout_s)
            if found is not None or start == begin:
                return found
            window *= 8
    finally:
        consumer.close(autocommit=False)


def _last_in(
    consumer: Any, tp: Any, start: int, end: int, *, decode: Decoder, timeout_s: float
) -> int | None:
    consumer.seek(tp, start)
    last: int | None = None
    deadline = time.monotonic() + timeout_s
    while consumer.position(tp) < end:
        if time.monotonic() > deadline:
            raise TimeoutError(f"reading {RELAY_POSITION} did not reach offset {end}")
        for records in consumer.poll(timeout_ms=500).values():
            for r in records:
                if r.key == POSITION_KEY and r.value is not None:
                    last = int(decode(bytes(r.value))["notification_id"])
    return last
