"""The relay's position: the last notification id published, kept in Kafka itself.

Every relay transaction ends with one ``RelayPosition`` record on the compacted
``casehub.relay.position`` topic (key ``relay``), so the position is committed exactly when the
records it covers are. On start, and after any transaction whose outcome is not known, the
relay reads the last position record back with ``read_committed`` (after ``init_transactions``
or an abort has settled what was open): it resumes after that notification id and never
publishes a notification twice, nor skips one.

``read_position_record`` also serves ``casehub ops status`` and ``/readyz``: the record says
when the relay last committed (``written_at``) and which relay did (``relay_id``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hub.kafka.reader import open_reader, partitions_of, read_partitions, watermarks
from hub.kafka.records import Record
from hub.settings import Settings
from hub.topics import RELAY_POSITION

POSITION_KEY = b"relay"

Decoder = Callable[[bytes], dict[str, Any]]


@dataclass(frozen=True)
class PositionRecord:
    """The relay's last committed position."""

    notification_id: int
    #: When the relay wrote it (its own clock, UTC): the time of its last commit.
    written_at: datetime
    #: The transactional id of the relay that wrote it.
    relay_id: str


def default_decoder() -> Decoder:
    from hub.codec import decode_record  # noqa: PLC0415 - the codec loads the whole catalog

    def decode(raw: bytes) -> dict[str, Any]:
        record: dict[str, Any] = decode_record(raw, agency_events_only=False).record
        return record

    return decode


def read_position_record(
    settings: Settings, *, decode: Decoder | None = None, timeout_s: float = 30.0
) -> PositionRecord | None:
    """The last committed position record, or None when the relay never committed one.

    Reads backwards from the partition's end in growing windows, so a long-compacted topic
    costs a few records, not its whole history. ``KafkaUnavailable`` when the end cannot be
    reached within ``timeout_s`` (no broker, or a transaction still open past its timeout).
    """
    decode = decode or default_decoder()
    with open_reader(settings, client_id="casehub-relay-position") as consumer:
        (partition,) = partitions_of(consumer, RELAY_POSITION, timeout_s=timeout_s)
        begin, end = watermarks(consumer, RELAY_POSITION, partition, timeout_s=timeout_s)
        window = 64
        while True:
            start = max(begin, end - window)
            records = read_partitions(
                consumer,
                {(RELAY_POSITION, partition): start},
                timeout_s=timeout_s,
                keep=_is_position,
            )
            if records:
                value = decode(bytes(records[-1].value or b""))
                return PositionRecord(
                    notification_id=int(value["notification_id"]),
                    written_at=value["written_at"],
                    relay_id=str(value.get("relay_id") or ""),
                )
            if start <= begin:
                return None
            window *= 8


def read_position(
    settings: Settings, *, decode: Decoder | None = None, timeout_s: float = 30.0
) -> int | None:
    """The notification id in the last committed position record, or None if there is none."""
    record = read_position_record(settings, decode=decode, timeout_s=timeout_s)
    return None if record is None else record.notification_id


def _is_position(record: Record) -> bool:
    return record.key == POSITION_KEY and record.value is not None
