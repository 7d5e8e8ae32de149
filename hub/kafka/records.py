"""``Record``: one consumed Kafka record as plain data, whatever client read it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...] = ()
    #: Milliseconds since the epoch (create or log-append time, as the topic says), or -1.
    timestamp_ms: int = -1

    def header(self, name: str) -> bytes | None:
        for key, value in self.headers:
            if key == name:
                return value
        return None


def from_message(message: Any) -> Record:
    """A ``Record`` from a confluent-kafka ``Message`` that carries no error."""
    headers = message.headers()
    _kind, timestamp = message.timestamp()
    return Record(
        topic=message.topic(),
        partition=message.partition(),
        offset=message.offset(),
        key=message.key(),
        value=message.value(),
        headers=tuple((k, v if v is not None else b"") for k, v in headers) if headers else (),
        timestamp_ms=timestamp,
    )
