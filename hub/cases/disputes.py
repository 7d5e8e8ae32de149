"""Mechanism 3: mediated resolution of administrative disputes (行政争议实质性化解)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from hub.cases.casestate import CaseState, EventFacts, require_text
from hub.cases.context import Meta
from hub.errors import RuleViolation
from hub.vocabulary import Party

OPEN = "OPEN"
RESOLVED = "RESOLVED"
WITHDRAWN = "WITHDRAWN"
REFERRED = "REFERRED_TO_LITIGATION"


@dataclass
class MediationSession:
    held_on: date
    participants: list[str]
    outcome_notes: str
    recorded_by: str


@dataclass
class Dispute:
    dispute_id: str
    opened_by: str
    subject: str
    parties: list[Party]
    opened_at: datetime
    status: str = OPEN
    sessions: list[MediationSession] = field(default_factory=list)
    closing_text: str = ""  # terms, withdrawal reason or referral reason
    closed_at: datetime | None = None

    def check_open(self) -> None:
        if self.status != OPEN:
            raise RuleViolation(f"dispute {self.dispute_id} is already closed")


class DisputeCommands(CaseState):
    """Mechanism 3: any participant opens and records; nothing happens after closing."""

    if TYPE_CHECKING:  # set by Case.Registered
        disputes: dict[str, Dispute]

    def _dispute(self, dispute_id: str) -> Dispute:
        try:
            return self.disputes[dispute_id]
        except KeyError:
            raise RuleViolation(
                f"dispute {dispute_id} does not exist in {self.case_label}"
            ) from None

    def close_dispute(self, event: EventFacts, dispute_id: str, status: str, text: str) -> None:
        dispute = self.disputes[dispute_id]
        dispute.status = status
        dispute.closing_text = text
        dispute.closed_at = event.timestamp

    def open_dispute(
        self, meta: Meta, dispute_id: str, subject: str, parties: Sequence[Party]
    ) -> None:
        self.check_participant(meta)
        require_text(dispute_id, "a dispute id")
        if dispute_id in self.disputes:
            raise RuleViolation(f"dispute {dispute_id} already exists in {self.case_label}")
        require_text(subject, "the subject of a dispute")
        if not parties:
            raise RuleViolation("a dispute needs at least one party")
        for party in parties:
            require_text(party.name, "a party's name")
        self._record(
            self.DisputeOpened, meta, dispute_id=dispute_id, subject=subject, parties=list(parties)
        )

    def hold_mediation_session(
        self,
        meta: Meta,
        dispute_id: str,
        held_on: date,
        participants: Sequence[str],
        outcome_notes: str,
    ) -> None:
        self.check_participant(meta)
        self._dispute(dispute_id).check_open()
        if not participants:
            raise RuleViolation("a mediation session needs at least one participant")
        self._record(
            self.MediationSessionHeld,
            meta,
            dispute_id=dispute_id,
            held_on=held_on,
            participants=list(participants),
            outcome_notes=outcome_notes,
        )

    def resolve_dispute(self, meta: Meta, dispute_id: str, terms: str) -> None:
        self.check_participant(meta)
        self._dispute(dispute_id).check_open()
        require_text(terms, "the terms of a resolution")
        self._record(self.DisputeResolved, meta, dispute_id=dispute_id, terms=terms)

    def withdraw_dispute(self, meta: Meta, dispute_id: str, reason: str) -> None:
        self.check_participant(meta)
        self._dispute(dispute_id).check_open()
        require_text(reason, "the reason for withdrawal")
        self._record(self.DisputeWithdrawn, meta, dispute_id=dispute_id, reason=reason)

    def refer_dispute_to_litigation(self, meta: Meta, dispute_id: str, reason: str = "") -> None:
        self.check_participant(meta)
        dispute = self._dispute(dispute_id)
        dispute.check_open()
        if not dispute.sessions and not reason.strip():
            raise RuleViolation(
                f"dispute {dispute_id} may be referred to litigation only after a mediation "
                "session or with a reason"
            )
        self._record(self.DisputeReferredToLitigation, meta, dispute_id=dispute_id, reason=reason)
