"""Dead letters (the store's rejections) and their redrive once the cause is fixed.

A dead letter is a ``Rejection`` in the event store (``hub.cases.indexes``): its reason, its
origin (topic/partition/offset) and the record's bytes exactly as received. The relay also
publishes it to ``casehub.deadletter``; the store is read here because it holds the bytes and
every outcome, whatever the topic's retention.

**Redrive** runs the stored bytes through the same path as the ingest: ``decode_inbound`` with
the agency of the original topic, then ``process_batch``. Its origin is the original one with
``#redrive-<n>`` appended to the source, so the attempt is a record of its own:

* the event is now accepted → a normal accepted event (timeline, feeds, an ACCEPTED receipt);
* it was accepted since (a resend) → ``duplicate``: nothing changes but a DUPLICATE receipt;
* it still fails → a new rejection (its own dead letter and REJECTED receipt) saying why now.

The stored bytes are sealed under the rejection's own key (hub/privacy): redrive opens them
first. If a person the record named was erased since, that key is destroyed with theirs and
the dead letter cannot be redriven (``DeadLetterErased`` says so; nothing is written).

Each attempt is then recorded on a ``Redrive`` aggregate (one per dead letter, id
``uuid5(REDRIVE_NAMESPACE, "redrive/<rejection id>")``) as ``Redrive.Attempted`` with the
outcome. The attempt and its record are two transactions: if the process dies between them the
attempt's effect is stored and the next redrive of the same dead letter reports ``duplicate``
(for an accepted event) or a new rejection, so nothing is lost or applied twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from hub.cases.commands import Inbound, Origin, Undecodable
from hub.cases.indexes import Rejection
from hub.cases.unitofwork import load_or_none
from hub.errors import CaseHubError
from hub.logging import get_logger
from hub.ops.status import REJECTION_TOPIC, notifications
from hub.topics import agency_of_topic

log = get_logger(__name__)

REDRIVE_NAMESPACE = UUID("0b7f6f0e-3f5e-5c55-8d0f-6a7b3c9d2e41")
REDRIVE_MARK = "#redrive-"
#: A sealed record is its bytes plus a 12-byte nonce and a 16-byte GCM tag.
_SEAL_OVERHEAD = 28

Decode = Callable[[bytes, Origin, "str | None"], "Inbound | Undecodable"]


class UnknownDeadLetter(CaseHubError):
    """No rejection with that id is stored."""

    code = "unknown_dead_letter"


class DeadLetterErased(CaseHubError):
    """The dead letter's bytes were crypto-shredded with a person they named."""

    code = "dead_letter_erased"


def received_bytes(app: Any, rejection: Rejection) -> bytes:
    """A rejection's bytes as received: opened with its own key when they were sealed."""
    from hub.privacy.tokens import open_bytes  # noqa: PLC0415 - keeps ops import-light

    raw = bytes(rejection.raw)
    raw_key = getattr(rejection, "raw_key", "")
    if not raw_key:  # recorded before personal data was sealed
        return raw
    key = app.keystore.key(raw_key)
    if key is None:
        if app.keystore.is_destroyed(raw_key):
            raise DeadLetterErased(
                f"dead letter {rejection.id} cannot be redriven: its raw data was erased "
                "together with the personal data of someone it named (`casehub privacy erase`)"
            )
        raise CaseHubError(
            f"dead letter {rejection.id} is sealed under {raw_key}, which the key store "
            f"{app.keystore.location} does not hold: is this the key store of this event store?"
        )
    return open_bytes(key, raw_key, raw)


def redrive_id(rejection_id: UUID) -> UUID:
    return uuid5(REDRIVE_NAMESPACE, f"redrive/{rejection_id}")


class Redrive(Aggregate):
    """The redrive attempts of one dead letter and what became of each."""

    @event("Opened")
    def __init__(self, rejection_id: UUID) -> None:
        self.rejection_id = rejection_id
        self.attempts: list[dict[str, Any]] = []

    @staticmethod
    def create_id(rejection_id: UUID) -> UUID:
        return redrive_id(rejection_id)

    @event("Attempted")
    def attempted(
        self,
        *,
        attempt: int,
        outcome: str,
        reason_code: str,
        message: str,
        case_id: UUID | None,
        version: int | None,
        new_rejection_id: UUID | None,
    ) -> None:
        self.attempts.append(
            {
                "attempt": attempt,
                "outcome": outcome,
                "reason_code": reason_code,
                "message": message,
                "case_id": case_id,
                "version": version,
                "new_rejection_id": new_rejection_id,
            }
        )


@dataclass(frozen=True)
class DeadLetter:
    rejection_id: UUID
    notification_id: int
    recorded_at: datetime
    reason_code: str
    message: str
    source: str
    partition: int
    offset: int
    sender_agency: str
    event_id: UUID | None
    command_type: str
    size: int
    #: The last redrive's outcome (accepted, duplicate, rejected) or None when never redriven.
    redriven: str | None = None
    redrives: int = 0

    @property
    def agency(self) -> str:
        return self.sender_agency or agency_of_topic(base_source(self.source)) or ""

    def to_json(self) -> dict[str, Any]:
        return {
            "rejection_id": str(self.rejection_id),
            "notification_id": self.notification_id,
            "recorded_at": self.recorded_at.isoformat(),
            "reason": self.reason_code,
            "message": self.message,
            "origin": {"topic": self.source, "partition": self.partition, "offset": self.offset},
            "agency": self.agency,
            "event_id": None if self.event_id is None else str(self.event_id),
            "command_type": self.command_type,
            "size": self.size,
            "redrives": self.redrives,
            "redriven": self.redriven,
        }


def base_source(source: str) -> str:
    """The original topic of a (possibly redriven) origin: ``…events#redrive-1`` → ``…events``."""
    return source.split(REDRIVE_MARK, 1)[0]


def dead_letters(
    app: Any, *, agency: str | None = None, reason: str | None = None, open_only: bool = False
) -> Iterator[DeadLetter]:
    """Every stored rejection in log order, filtered; with the outcome of its last redrive."""
    for n in notifications(app, topics=(REJECTION_TOPIC,)):
        recorded = cast("Rejection.Recorded", app.mapper.to_domain_event(n))
        letter = DeadLetter(
            rejection_id=recorded.originator_id,
            notification_id=int(n.id),
            recorded_at=recorded.timestamp,
            reason_code=recorded.reason_code,
            message=recorded.message,
            source=recorded.source,
            partition=recorded.partition,
            offset=recorded.offset,
            sender_agency=recorded.sender_agency,
            event_id=recorded.event_id,
            command_type=recorded.command_type,
            size=len(recorded.raw) - (_SEAL_OVERHEAD if getattr(recorded, "raw_key", "") else 0),
        )
        if agency is not None and letter.agency != agency:
            continue
        if reason is not None and letter.reason_code != reason:
            continue
        found = load_or_none(app.repository.get, redrive_id(letter.rejection_id))
        if isinstance(found, Redrive) and found.attempts:
            last = found.attempts[-1]["outcome"]
            if open_only and last in ("accepted", "duplicate"):
                continue
            letter = _with(letter, redriven=str(last), redrives=len(found.attempts))
        yield letter


def _with(letter: DeadLetter, **changes: Any) -> DeadLetter:
    from dataclasses import replace  # noqa: PLC0415

    return replace(letter, **changes)


@dataclass(frozen=True)
class RedriveResult:
    rejection_id: UUID
    attempt: int
    outcome: str  # accepted | duplicate | rejected
    reason_code: str
    message: str
    case_id: UUID | None
    version: int | None
    new_rejection_id: UUID | None

    def to_json(self) -> dict[str, Any]:
        return {
            "rejection_id": str(self.rejection_id),
            "attempt": self.attempt,
            "outcome": self.outcome,
            "reason": self.reason_code or None,
            "message": self.message or None,
            "case_id": None if self.case_id is None else str(self.case_id),
            "version": self.version,
            "new_rejection_id": None
            if self.new_rejection_id is None
            else str(self.new_rejection_id),
        }


def _default_decode() -> Decode:
    from hub.codec import decode_inbound  # noqa: PLC0415 - the codec loads the catalog

    def decode(raw: bytes, origin: Origin, agency: str | None) -> Inbound | Undecodable:
        return decode_inbound(raw, origin, agency)

    return decode


def require_dead_letters(app: Any, rejection_ids: list[UUID]) -> None:
    """Raise ``UnknownDeadLetter`` naming every id that is not a stored rejection."""
    missing = [
        str(rid)
        for rid in rejection_ids
        if not isinstance(load_or_none(app.repository.get, rid), Rejection)
    ]
    if missing:
        raise UnknownDeadLetter(
            f"no dead letter {', '.join(missing)}: `casehub ops deadletters` lists the stored ones"
        )


def redrive(app: Any, rejection_id: UUID, *, decode: Decode | None = None) -> RedriveResult:
    """Apply a dead letter's stored bytes again, through decode and ``process_batch``."""
    from hub.cases.views import Accepted, Duplicate, Rejected  # noqa: PLC0415

    rejection = load_or_none(app.repository.get, rejection_id)
    if not isinstance(rejection, Rejection):
        raise UnknownDeadLetter(
            f"no dead letter {rejection_id}: `casehub ops deadletters` lists the stored ones"
        )
    found = load_or_none(app.repository.get, redrive_id(rejection_id))
    record = found if isinstance(found, Redrive) else Redrive(rejection_id)
    attempt = len(record.attempts) + 1
    origin = Origin(
        f"{rejection.source}{REDRIVE_MARK}{attempt}", rejection.partition, rejection.offset
    )
    agency = agency_of_topic(base_source(rejection.source))
    item = (decode or _default_decode())(received_bytes(app, rejection), origin, agency)
    outcome = app.process_batch([item])[0]
    if isinstance(outcome, Accepted):
        result = RedriveResult(
            rejection_id, attempt, "accepted", "", "", outcome.case_id, outcome.version, None
        )
    elif isinstance(outcome, Duplicate):
        result = RedriveResult(
            rejection_id,
            attempt,
            "duplicate",
            "",
            "accepted before with the same content",
            outcome.case_id,
            outcome.version,
            None,
        )
    else:
        assert isinstance(outcome, Rejected)
        result = RedriveResult(
            rejection_id,
            attempt,
            "rejected",
            outcome.reason_code,
            outcome.message,
            None,
            None,
            outcome.rejection_id,
        )
    record.attempted(
        attempt=attempt,
        outcome=result.outcome,
        reason_code=result.reason_code,
        message=result.message,
        case_id=result.case_id,
        version=result.version,
        new_rejection_id=result.new_rejection_id,
    )
    app.save(record)
    log.info(
        "dead_letter_redriven",
        rejection_id=str(rejection_id),
        attempt=attempt,
        outcome=result.outcome,
        reason=result.reason_code or None,
        topic=base_source(rejection.source),
        partition=rejection.partition,
        offset=rejection.offset,
        event_id=None if rejection.event_id is None else str(rejection.event_id),
        case_id=None if result.case_id is None else str(result.case_id),
        new_rejection_id=None if result.new_rejection_id is None else str(result.new_rejection_id),
    )
    return result
