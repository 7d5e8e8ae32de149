"""Small aggregates the application keeps beside the cases: the event-id index and rejections.

``InboundEvent`` (id ``uuid5(NS, "event/<event_id>")``) is created, in the same transaction as
the events it caused, for every accepted inbound event: a resend with the same content hash is
a duplicate (the stored outcome is returned), with a different hash a ConflictingDuplicate.
Creating it twice fails on the store's unique (id, version) key, so even two hub instances
cannot both accept one event id. Since version 2, ``Accepted`` keeps the record's origin (Kafka
topic, partition, offset) and the sender, for the ACCEPTED receipt; an entry stored before
reads as ``NO_ORIGIN``. Each exact resend from another origin appends ``Resent`` (the relay's
DUPLICATE receipt), in the same transaction as the resend's tracking position.

``Rejection`` (id ``uuid5(NS, "rejection/<source>/<partition>/<offset>")``) records an inbound
record the hub refused or could not decode, with its raw bytes, for the dead-letter relay.
The bytes can name people, so since version 2 they are sealed under a key of their own
(``raw_key`` names it in the key store, see hub/privacy), shredded with every person the
record names; ``raw_key`` empty means the bytes were stored as received (version 1).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

from eventsourcing.domain import Aggregate

#: The origin of a record that did not come from Kafka (or whose origin was not kept):
#: the receipt schema's "unknown" values.
NO_ORIGIN: tuple[str, int, int] = ("", -1, -1)


class InboundEvent(Aggregate):
    """The outcome of one accepted inbound event id, and every exact resend of it since."""

    class Accepted(Aggregate.Created):
        class_version = 2

        event_id: UUID
        content_hash: str
        command_type: str
        aggregate_id: UUID
        case_id: UUID | None
        aggregate_version: int
        event_hash: str
        #: Where the accepted record came from (``NO_ORIGIN`` when it was not a Kafka record,
        #: or was recorded before version 2 kept it).
        source: str
        partition: int
        offset: int
        sender_agency: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # recorded before the origin was kept: the receipt says "unknown" ("" and -1)
            state["source"], state["partition"], state["offset"] = NO_ORIGIN
            state["sender_agency"] = ""

        def apply(self, aggregate: Any) -> None:
            index = cast("InboundEvent", aggregate)
            index.event_id = self.event_id
            index.content_hash = self.content_hash
            index.command_type = self.command_type
            index.aggregate_id = self.aggregate_id
            index.case_id = self.case_id
            index.aggregate_version = self.aggregate_version
            index.event_hash = self.event_hash
            index.source = self.source
            index.partition = self.partition
            index.offset = self.offset
            index.sender_agency = self.sender_agency
            index.origins = [(self.source, self.partition, self.offset)]

    class Resent(Aggregate.Event):
        """The same event id arrived again with the same content: nothing changed, but the
        sender gets a DUPLICATE receipt. Self-contained, so the relay maps it on its own: the
        original outcome (case, version, hash, origin) and this resend's origin."""

        event_id: UUID
        aggregate_id: UUID
        case_id: UUID | None
        aggregate_version: int
        event_hash: str
        original_source: str
        original_partition: int
        original_offset: int
        source: str
        partition: int
        offset: int
        sender_agency: str

        def apply(self, aggregate: Any) -> None:
            index = cast("InboundEvent", aggregate)
            index.origins.append((self.source, self.partition, self.offset))

    @classmethod
    def accept(
        cls,
        index_id: UUID,
        *,
        recorded_at: datetime,
        event_id: UUID,
        content_hash: str,
        command_type: str,
        aggregate_id: UUID,
        case_id: UUID | None,
        aggregate_version: int,
        event_hash: str,
        origin: tuple[str, int, int],
        sender_agency: str,
    ) -> InboundEvent:
        """The index entry of an event accepted at ``recorded_at`` (id: ``event_index_id``),
        that came from ``origin`` (source, partition, offset)."""
        source, partition, offset = origin
        return cls._create(
            cls.Accepted,
            id=index_id,
            timestamp=recorded_at,
            event_id=event_id,
            content_hash=content_hash,
            command_type=command_type,
            aggregate_id=aggregate_id,
            case_id=case_id,
            aggregate_version=aggregate_version,
            event_hash=event_hash,
            source=source,
            partition=partition,
            offset=offset,
            sender_agency=sender_agency,
        )

    def resent(
        self, *, recorded_at: datetime, origin: tuple[str, int, int], sender_agency: str
    ) -> bool:
        """Record an exact resend that came from ``origin``; False (nothing recorded) when a
        record from that origin was seen before (the same record delivered again)."""
        if origin in self.origins:
            return False
        source, partition, offset = origin
        self.trigger_event(
            self.Resent,
            timestamp=recorded_at,
            event_id=self.event_id,
            aggregate_id=self.aggregate_id,
            case_id=self.case_id,
            aggregate_version=self.aggregate_version,
            event_hash=self.event_hash,
            original_source=self.source,
            original_partition=self.partition,
            original_offset=self.offset,
            source=source,
            partition=partition,
            offset=offset,
            sender_agency=sender_agency or self.sender_agency,
        )
        return True

    if TYPE_CHECKING:
        event_id: UUID
        content_hash: str
        command_type: str
        aggregate_id: UUID
        case_id: UUID | None
        aggregate_version: int
        event_hash: str
        source: str
        partition: int
        offset: int
        sender_agency: str
        #: (source, partition, offset) of the accepted record and of every resend recorded.
        origins: list[tuple[str, int, int]]


class Rejection(Aggregate):
    """An inbound record the hub refused (a rule) or could not decode, kept for the dead letter."""

    class Recorded(Aggregate.Created):
        class_version = 2

        source: str
        partition: int
        offset: int
        reason_code: str
        message: str
        raw: bytes
        sender_agency: str
        event_id: UUID | None
        command_type: str
        raw_key: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["raw_key"] = ""  # recorded before sealing: the bytes are as received

        def apply(self, aggregate: Any) -> None:
            rejection = cast("Rejection", aggregate)
            for name in (
                "source",
                "partition",
                "offset",
                "reason_code",
                "message",
                "raw",
                "sender_agency",
                "event_id",
                "command_type",
                "raw_key",
            ):
                setattr(rejection, name, getattr(self, name))
            rejection.recorded_at = self.timestamp

    @classmethod
    def record(
        cls,
        rejection_id: UUID,
        *,
        recorded_at: datetime,
        source: str,
        partition: int,
        offset: int,
        reason_code: str,
        message: str,
        raw: bytes,
        raw_key: str,
        sender_agency: str,
        event_id: UUID | None,
        command_type: str,
    ) -> Rejection:
        """The record of a refused inbound record (id: ``rejection_id``)."""
        return cls._create(
            cls.Recorded,
            id=rejection_id,
            timestamp=recorded_at,
            source=source,
            partition=partition,
            offset=offset,
            reason_code=reason_code,
            message=message,
            raw=raw,
            raw_key=raw_key,
            sender_agency=sender_agency,
            event_id=event_id,
            command_type=command_type,
        )

    if TYPE_CHECKING:
        source: str
        partition: int
        offset: int
        reason_code: str
        message: str
        raw: bytes
        sender_agency: str
        event_id: UUID | None
        command_type: str
        raw_key: str
        recorded_at: datetime
