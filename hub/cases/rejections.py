"""Rejections: an inbound record refused by a rule, or undecodable, recorded for the dead letter.

A refused command, and a record the codec could not decode, becomes a ``Rejection`` aggregate
(``hub.cases.indexes``) in the batch's transaction; the batch goes on. The id is the record's
position (source, partition, offset), so a redelivered record finds its first rejection. The
raw bytes may name people: they are sealed under a key of the rejection's own, which erasing
any of those people destroys too (docs/privacy.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from hub.cases import commands as c
from hub.cases.indexes import Rejection
from hub.cases.unitofwork import UnitOfWork, load_or_none
from hub.cases.views import Rejected
from hub.errors import CaseHubError
from hub.ids import rejection_id
from hub.privacy.subjects import PersonalData


class Rejections:
    """Records rejections in a unit of work, and reads them back."""

    def __init__(self, personal_data: PersonalData, clock: Callable[[], datetime]) -> None:
        self._personal_data = personal_data
        self._clock = clock

    def refused(self, uow: UnitOfWork, inbound: c.Inbound, exc: CaseHubError) -> Rejected:
        """Record a decoded command a rule refused."""
        envelope = inbound.command.envelope
        return self._record(
            uow,
            origin=inbound.origin,
            code=exc.code,
            message=str(exc),
            raw=inbound.raw,
            sender=envelope.sender_agency,
            event_id=envelope.event_id,
            command_type=type(inbound.command).__name__,
            people=self._personal_data.subjects_of(inbound.command),
        )

    def undecodable(self, uow: UnitOfWork, item: c.Undecodable) -> Rejected:
        """Record a record the codec could not decode."""
        return self._record(
            uow,
            origin=item.origin,
            code=item.reason_code,
            message=item.message,
            raw=item.raw,
            sender=item.sender_agency,
            event_id=item.event_id,
            command_type="",
            people=(),  # undecoded: whom it names is unknown (docs/privacy.md)
        )

    @staticmethod
    def get(load: Callable[[UUID], Any], rid: UUID) -> Rejected | None:
        """The stored rejection ``rid`` (``load``: the repository's ``get``), or None."""
        found = load_or_none(load, rid)
        if not isinstance(found, Rejection):
            return None
        return Rejected(found.event_id, found.reason_code, found.message, found.id)

    def _record(
        self,
        uow: UnitOfWork,
        *,
        origin: c.Origin,
        code: str,
        message: str,
        raw: bytes,
        sender: str,
        event_id: UUID | None,
        command_type: str,
        people: Sequence[str],
    ) -> Rejected:
        rid = rejection_id(origin.source, origin.partition, origin.offset)
        existing = uow.get(rid, Rejection)
        if existing is not None:  # the same record refused before (a redelivery)
            return Rejected(existing.event_id, existing.reason_code, existing.message, rid)
        # The bytes may name people: sealed under a key of the rejection's own, which erasing
        # any of those people destroys too.
        raw_key, sealed = self._personal_data.seal_rejected_record(rid, raw, people)
        rejection = Rejection.record(
            rid,
            recorded_at=self._clock(),
            source=origin.source,
            partition=origin.partition,
            offset=origin.offset,
            reason_code=code,
            message=message,
            raw=sealed,
            raw_key=raw_key,
            sender_agency=sender,
            event_id=event_id,
            command_type=command_type,
        )
        uow.collect(rejection)
        return Rejected(event_id, code, message, rid)
