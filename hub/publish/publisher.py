"""``AgencyPublisher``: the SDK an agency system uses to publish its events to the hub.

Each command is validated against the schema catalog and encoded (single-object encoding)
before it is sent; an invalid one is refused without touching Kafka. Records go to
``casehub.agency.<agency-id>.events`` through kafka-python's idempotent producer
(``enable_idempotence=True``, ``acks="all"``), keyed by the case reference
(``owning_agency/case_number``) or, for directory events, by the agency id. The publisher never
creates topics (``allow_auto_create_topics=False``): the hub does.

Personal data (``"pii": true`` fields) is sealed for the hub (``hub.privacy.sealing``) with the
hub's public key (``sealer``, or the file in ``settings.hub_public_key_file``) before encoding,
so the agency topic never carries it in plaintext; without a key it goes out unsealed, and the
publisher says so in its log (``publisher_sends_unsealed_personal_data``, with the event type
and the field paths, never the values) the first time it sends an event that holds any.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self
from uuid import UUID

from kafka import KafkaProducer
from kafka.errors import KafkaError

from hub.cases.commands import Command
from hub.codec import (
    Catalog,
    case_of,
    command_to_record,
    default_catalog,
    encode_command,
    event_type_of,
    fingerprint_of,
    kafka_headers,
)
from hub.codec.sealed import has_personal_fields, personal_values, publisher_key
from hub.errors import CaseHubError, SetupError
from hub.logging import get_logger
from hub.privacy.sealing import HubPublicKey
from hub.publish.connection import kafka_config
from hub.publish.naming import agency_topic
from hub.settings import Settings

log = get_logger(__name__)


def record_key(command: Command) -> str:
    """The Kafka key: ``owning_agency/case_number``, or the sender's id for directory events."""
    case = case_of(command)
    if case is None:
        return command.envelope.sender_agency
    return f"{case.owning_agency}/{case.case_number}"


def producer_config(settings: Settings) -> dict[str, Any]:
    """kafka-python connection settings from the hub's settings (``hub.publish.connection``: the
    agency's SASL user, its password masked as ``********`` in any log or repr, the TLS CA)."""
    return kafka_config(settings)


@dataclass(frozen=True)
class PublishResult:
    """What became of one record: sent (with its partition and offset) or refused (why)."""

    ref: str
    event_type: str
    event_id: UUID | None
    ok: bool
    partition: int | None = None
    offset: int | None = None
    error: str = ""


class Delivery:
    """A record handed to the producer (or refused before it); ``result()`` waits for it."""

    def __init__(
        self, ref: str, event_type: str, event_id: UUID | None, future: Any = None, error: str = ""
    ) -> None:
        self._ref, self._type, self._id = ref, event_type, event_id
        self._future = future
        self._error = error

    def result(self, timeout: float | None = None) -> PublishResult:
        if self._future is None:
            return PublishResult(self._ref, self._type, self._id, ok=False, error=self._error)
        try:
            meta = self._future.get(timeout=timeout)
        except KafkaError as exc:
            return PublishResult(self._ref, self._type, self._id, ok=False, error=repr(exc))
        return PublishResult(
            self._ref, self._type, self._id, ok=True, partition=meta.partition, offset=meta.offset
        )


class AgencyPublisher:
    """Publishes one agency's events; use as a context manager or call ``close()``."""

    def __init__(
        self,
        agency_id: str,
        *,
        bootstrap_servers: str | list[str] | None = None,
        settings: Settings | None = None,
        catalog: Catalog | None = None,
        sealer: HubPublicKey | None = None,
        producer: Any = None,
        max_block_ms: int = 15_000,
        **producer_options: Any,
    ) -> None:
        self.agency_id = agency_id
        self.topic = agency_topic(agency_id)
        self.catalog = catalog or default_catalog()
        #: The hub's public key personal data is sealed with; None: it goes out unsealed.
        self.sealer = sealer if sealer is not None else publisher_key(settings or Settings())
        #: Whether the log has said that personal data goes out unsealed (once per publisher).
        self._warned_unsealed = False
        if producer is None:
            config = producer_config(settings or Settings())
            if bootstrap_servers:
                config["bootstrap_servers"] = bootstrap_servers
            config |= {
                "enable_idempotence": True,
                "acks": "all",
                "allow_auto_create_topics": False,
                "max_block_ms": max_block_ms,
                "bootstrap_timeout_ms": max_block_ms,
                "linger_ms": 5,
                "client_id": f"casehub-publisher-{agency_id}",
                **producer_options,
            }
            try:
                producer = KafkaProducer(**config)
            except KafkaError as exc:
                raise SetupError(
                    f"cannot reach Kafka at {config['bootstrap_servers']}: {exc!r}"
                ) from exc
        self._producer = producer
        self._topic_checked = False

    def _check_topic(self) -> None:
        if self._topic_checked:
            return
        try:
            partitions = self._producer.partitions_for(self.topic)
        except KafkaError as exc:
            raise SetupError(
                f"topic {self.topic} is not available ({exc!r}); the hub creates agency topics "
                "when it admits the agency"
            ) from exc
        if not partitions:
            raise SetupError(f"topic {self.topic} does not exist; the hub creates it")
        self._topic_checked = True

    def send(self, command: Command, ref: str = "") -> Delivery:
        """Validate, encode and hand one command to the producer; never raises per record."""
        event_type = "?"
        event_id: UUID | None = None
        try:
            event_type = event_type_of(command)
            event_id = command.envelope.event_id
            sender = command.envelope.sender_agency
            if sender != self.agency_id:
                log.info("event_refused", topic=self.topic, ref=ref, reason="sender_mismatch")
                return Delivery(
                    ref,
                    event_type,
                    event_id,
                    error=f"header.sender_agency: {sender!r} is not the publishing agency "
                    f"{self.agency_id!r}",
                )
            value = encode_command(command, catalog=self.catalog, sealer=self.sealer)
            if self.sealer is None and not self._warned_unsealed:
                self._warn_if_personal(event_type, command)
        except (CaseHubError, TypeError) as exc:
            log.info(
                "event_refused", topic=self.topic, ref=ref, event_type=event_type, reason=str(exc)
            )
            return Delivery(ref, event_type, event_id, error=str(exc))
        self._check_topic()
        fingerprint = fingerprint_of(value)
        assert fingerprint is not None
        schema = self.catalog.by_fingerprint(fingerprint)
        assert schema is not None
        try:
            future = self._producer.send(
                self.topic,
                value=value,
                key=record_key(command).encode(),
                headers=kafka_headers(schema),
            )
        except KafkaError as exc:
            return Delivery(ref, event_type, event_id, error=repr(exc))
        return Delivery(ref, event_type, event_id, future=future)

    def _warn_if_personal(self, event_type: str, command: Command) -> None:
        """Log ``publisher_sends_unsealed_personal_data`` if this command carries any (once)."""
        schema = self.catalog.current(event_type)
        if not has_personal_fields(schema.shape):
            return
        paths = list(personal_values(schema, command_to_record(command)[1]))
        if paths:
            self._warned_unsealed = True
            log.warning(
                "publisher_sends_unsealed_personal_data",
                topic=self.topic,
                event_type=event_type,
                fields=paths,
                hint="configure hub_public_key_file (or --hub-public-key) to seal it",
            )

    def publish(self, command: Command, ref: str = "") -> PublishResult:
        """Send one command and wait for the broker's acknowledgment."""
        return self.send(command, ref).result()

    def publish_many(
        self, commands: Iterable[tuple[str, Command]], *, window: int = 1000
    ) -> Iterator[PublishResult]:
        """Send ``(ref, command)`` pairs pipelined, yielding each result in order."""
        pending: deque[Delivery] = deque()
        for ref, command in commands:
            pending.append(self.send(command, ref))
            if len(pending) >= window:
                yield pending.popleft().result()
        self.flush()
        while pending:
            yield pending.popleft().result()

    def flush(self, timeout: float | None = None) -> None:
        self._producer.flush(timeout=timeout)

    def close(self) -> None:
        self._producer.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
