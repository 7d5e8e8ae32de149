"""The event-id index: every accepted inbound event id, with its content hash and outcome.

Each accepted event id gets an ``InboundEvent`` (``hub.cases.indexes``, id
``event_index_id(event_id)``), written in the same transaction as the events it caused, with
the origin of the record (Kafka topic, partition, offset) for the ACCEPTED receipt. A resend
of the id with the same content is a ``Duplicate``: the stored outcome, and an
``InboundEvent.Resent`` appended to the entry (the DUPLICATE receipt) unless a record from the
same origin was seen before; with different content a ``ConflictingDuplicate``. The store's
unique key on the entry's versions keeps two hub instances from both accepting one event id,
or both recording one resend.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from eventsourcing.persistence import EventStore

from hub.cases.commands import Command, Inbound, Origin
from hub.cases.indexes import NO_ORIGIN, InboundEvent
from hub.cases.unitofwork import UnitOfWork
from hub.cases.views import Accepted, Duplicate
from hub.errors import ConflictingDuplicate
from hub.ids import event_index_id


class EventIndex:
    """Looks event ids up in the index (a unit of work's view first) and makes new entries."""

    def __init__(self, events: EventStore[UUID]) -> None:
        self._events = events

    def duplicate(
        self,
        uow: UnitOfWork,
        inbound: Inbound,
        digest: str,
        clock: Callable[[], datetime],
    ) -> Duplicate | None:
        """The outcome of ``inbound``'s event id if it was accepted before with this content
        (its resend recorded in ``uow``), None if it was not; ``ConflictingDuplicate`` if it
        was, with other content.

        ``digest`` is the keyed content hash stored since personal data is sealed,
        ``inbound.content_hash`` the unkeyed one stored before.
        """
        envelope = inbound.command.envelope
        index_id = event_index_id(envelope.event_id)
        prior = self.prior(uow, index_id)
        if prior is None:
            return None
        if prior.content_hash not in (digest, inbound.content_hash):
            raise ConflictingDuplicate(
                f"event {envelope.event_id} was accepted before with different content"
            )
        if prior.resent(
            recorded_at=clock(),
            origin=origin_of(inbound.origin),
            sender_agency=envelope.sender_agency,
        ):
            uow.collect(prior)
        return Duplicate(envelope.event_id, prior.case_id, prior.aggregate_version)

    def prior(self, uow: UnitOfWork, index_id: UUID) -> InboundEvent | None:
        """The index entry, from the unit of work if it holds it, else from the store (skipped
        when the batch's prefetch knows it is not there); one read from the store puts it in
        the unit of work, whole, so a resend can be recorded on it."""
        if index_id in uow.loaded:
            return uow.get(index_id, InboundEvent)
        if uow.exists(index_id) is False:
            return None
        found = self.read(index_id)
        if found is not None:
            uow.add(found)
        return found

    def read(self, index_id: UUID) -> InboundEvent | None:
        """The entry and its resends: a few events, read without the repository's snapshot
        lookup (the entry is never snapshotted)."""
        found: InboundEvent | None = None
        for event in self._events.get(index_id):
            found = event.mutate(found)  # type: ignore[attr-defined]
        assert found is None or isinstance(found, InboundEvent)
        return found

    @staticmethod
    def entry(
        inbound: Inbound,
        *,
        digest: str,
        command: Command,
        aggregate_id: UUID,
        outcome: Accepted,
        recorded_at: datetime,
    ) -> InboundEvent:
        """The new entry of ``inbound`` accepted with ``outcome`` (``command``: as recorded)."""
        envelope = inbound.command.envelope
        return InboundEvent.accept(
            event_index_id(envelope.event_id),
            recorded_at=recorded_at,
            event_id=envelope.event_id,
            content_hash=digest,
            command_type=type(command).__name__,
            aggregate_id=aggregate_id,
            case_id=outcome.case_id,
            aggregate_version=outcome.version,
            event_hash=outcome.event_hash,
            origin=origin_of(inbound.origin),
            sender_agency=envelope.sender_agency,
        )


def origin_of(origin: Origin) -> tuple[str, int, int]:
    """(source, partition, offset) as stored: ``NO_ORIGIN`` when the record names no source."""
    if not origin.source:
        return NO_ORIGIN
    return (origin.source, origin.partition, origin.offset)
