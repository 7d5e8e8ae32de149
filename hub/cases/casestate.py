"""What every part of the Case aggregate shares: its state, deadlines and participant rules.

``Case`` (domainmodel.py) is assembled from one command mixin per sub-process (sharing,
assistance, disputes, recommendations, deadlines), each a subclass of ``CaseState``. The state
attributes are set by ``Case.Registered``; the event classes named here are the nested
classes on ``Case``, declared for the type checker only. Each mixin declares the state of its
own sub-process (``requests`` in assistance.py, ...), so this module imports none of them: it
sits below every mixin, with the checks they all apply to what an agency sends.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol

from hub.cases.context import Agencies, Meta
from hub.errors import NotAuthorized, RuleViolation, UnknownAgency
from hub.rules.clocks import local_date
from hub.vocabulary import AgencyRole, DocumentRef

PROCURATORATE = AgencyRole.PROCURATORATE
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")


def deadline_key(kind: str, target_id: str, agency: str) -> str:
    return f"{kind}:{target_id}:{agency}"


@dataclass
class Deadline:
    """One obligation with a due day; ``missed`` lists the due days recorded as missed."""

    kind: str
    target_id: str
    agency: str
    due_date: date
    provisional: bool
    closed: bool = False
    met_at: datetime | None = None
    missed: list[date] = field(default_factory=list)

    @property
    def key(self) -> str:
        return deadline_key(self.kind, self.target_id, self.agency)

    @property
    def is_open(self) -> bool:
        return not self.closed

    @property
    def is_late(self) -> bool:
        """True once a miss of the current due day is on the record."""
        return self.due_date in self.missed

    @property
    def state(self) -> str:
        """open, overdue, met, met_late or cancelled (see ``DeadlineView.state``)."""
        if self.met_at is not None:
            late = self.is_late or local_date(self.met_at) > self.due_date
            return "met_late" if late else "met"
        if self.closed:
            return "cancelled"
        return "overdue" if self.is_late else "open"

    def meet(self, at: datetime) -> None:
        self.closed = True
        self.met_at = at

    def cancel(self) -> None:
        self.closed = True


class EventFacts(Protocol):
    """What a state helper reads from the event that calls it."""

    @property
    def actor_agency(self) -> str: ...

    @property
    def timestamp(self) -> datetime: ...


class CaseState:
    """State, shared queries and the recording hook of a case (mixed into ``Case``)."""

    if TYPE_CHECKING:  # set by Case.Registered; class annotations would make Case a dataclass
        owning_agency: str
        case_number: str
        title: str
        category: str
        summary: str
        classification: str
        registered_at: datetime
        participants: list[str]
        deadlines: dict[str, Deadline]
        chain_head: str

        # The nested event classes of Case, as the mixins name them.
        ParticipantAdded: type[Any]
        InformationShared: type[Any]
        NoticeAcknowledged: type[Any]
        AssistanceRequested: type[Any]
        AssistanceRequestAcknowledged: type[Any]
        MaterialsSupplied: type[Any]
        AssistanceCompleted: type[Any]
        AssistanceDeclined: type[Any]
        DisputeOpened: type[Any]
        MediationSessionHeld: type[Any]
        DisputeResolved: type[Any]
        DisputeWithdrawn: type[Any]
        DisputeReferredToLitigation: type[Any]
        RecommendationIssued: type[Any]
        RecommendationServed: type[Any]
        RecommendationReceived: type[Any]
        ObjectionRaised: type[Any]
        ObjectionReviewed: type[Any]
        RecommendationReplied: type[Any]
        RectificationChecked: type[Any]
        ConsultationRecorded: type[Any]
        RecommendationEscalated: type[Any]
        RecommendationClosed: type[Any]
        DeadlineExtended: type[Any]
        DeadlineMissed: type[Any]

    def _record(self, event_class: type[Any], meta: Meta, **fields: Any) -> None:
        """Trigger a hash-chained event (implemented by Case)."""
        raise NotImplementedError

    def include(self, agency: str) -> None:
        if agency not in self.participants:
            self.participants.append(agency)

    def open_deadline(
        self, kind: str, target_id: str, agency: str, due: date, provisional: bool
    ) -> None:
        deadline = Deadline(kind, target_id, agency, due, provisional)
        self.deadlines[deadline.key] = deadline

    @property
    def case_label(self) -> str:
        return f"case {self.owning_agency}/{self.case_number}"

    def is_participant(self, agency: str) -> bool:
        return agency in self.participants

    def check_participant(self, meta: Meta) -> None:
        if meta.actor_agency not in self.participants:
            raise NotAuthorized(
                f"agency {meta.actor_agency} is not a participant in {self.case_label}"
            )

    def open_deadlines(self) -> list[Deadline]:
        return [d for d in self.deadlines.values() if d.is_open]


# The checks every sub-process applies to what an agency sends.


def require_text(value: str, what: str) -> None:
    if not value.strip():
        raise RuleViolation(f"{what} must not be blank")


def check_documents(documents: Sequence[DocumentRef], *, required: bool = False) -> None:
    if required and not documents:
        raise RuleViolation("at least one document is required")
    seen: set[str] = set()
    for doc in documents:
        if not doc.document_id.strip():
            raise RuleViolation("a document reference needs a non-blank document_id")
        if not _SHA256.fullmatch(doc.sha256):
            raise RuleViolation(
                f"document {doc.document_id}: sha256 must be 64 hexadecimal characters"
            )
        if doc.document_id in seen:
            raise RuleViolation(f"document {doc.document_id} is listed twice")
        seen.add(doc.document_id)


def check_role(actor_role: str, role: AgencyRole, doing: str) -> None:
    if actor_role != role.value:
        raise NotAuthorized(f"only the {_ROLE_NAMES[role]} may {doing}")


_ROLE_NAMES = {
    AgencyRole.PROCURATORATE: "procuratorate",
    AgencyRole.JUSTICE_BUREAU: "justice bureau",
    AgencyRole.RULE_OF_LAW_OFFICE: "Rule-of-Law Office",
    AgencyRole.ENFORCEMENT_AGENCY: "enforcement agency",
}


def check_organ(agencies: Agencies, addressee: str, sender: str) -> None:
    if agencies.role_of(addressee) is None:
        raise UnknownAgency(f"addressee {addressee} is not an admitted agency")
    if addressee == sender:
        raise RuleViolation("the addressee must be an organ other than the sender")
