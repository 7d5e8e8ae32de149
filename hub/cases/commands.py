"""What agency systems ask of the hub: one frozen dataclass per inbound event type.

This module is the contract between the wire (``hub/codec`` maps each Avro record to exactly
one of these) and the domain (``hub/cases/application.py`` executes them). It imports neither
Kafka nor Avro. Field names here are the field names in ``schemas/``.

Every command carries an ``Envelope``: the publisher's event id (a UUID, unique across the
hub), who sent it, and when it happened at the agency. Sub-process ids (notice, request,
recommendation, dispute) are chosen by the agency that opens the sub-process, like a case
number, and are unique within their case.

The values the fields carry (roles, classifications, case references, documents, parties) are
the domain's vocabulary, ``hub/vocabulary.py``: imported here because the dataclasses name
them (``typing.get_type_hints``, which the codec's mapping calls, resolves them in this
module), not re-exported; import them from ``hub.vocabulary``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeAlias
from uuid import UUID

from hub.vocabulary import (
    Adoption,
    AgencyRole,
    CaseRef,
    Classification,
    DeadlineKind,
    DocumentRef,
    EscalationChannel,
    MajorFlag,
    Party,
    ReviewOutcome,
)


@dataclass(frozen=True, slots=True)
class Envelope:
    """What every inbound event carries, whatever its type."""

    event_id: UUID
    sender_agency: str
    officer_id: str
    occurred_at: datetime  # timezone-aware, the agency's clock
    correlation_id: UUID | None = None
    causation_id: UUID | None = None
    classification: Classification = Classification.INTERNAL


# ---------------------------------------------------------------------------------------------
# Mechanism 5: the directory and its liaison officers (not tied to a case).


@dataclass(frozen=True, slots=True)
class AdmitAgency:
    """The Rule-of-Law Office admits an agency to the hub."""

    envelope: Envelope
    agency_id: str
    name_zh: str
    name_en: str
    role: AgencyRole


@dataclass(frozen=True, slots=True)
class RegisterOfficer:
    """An agency registers one of its own officers. ``name`` is personal information."""

    envelope: Envelope
    officer_id: str
    name: str
    title: str = ""


@dataclass(frozen=True, slots=True)
class DesignateLiaison:
    """An agency designates its own liaison officer (联络员) from a date; replaces the previous."""

    envelope: Envelope
    officer_id: str
    effective_from: date


# ---------------------------------------------------------------------------------------------
# Mechanism 1: information sharing and mutual notice of major cases.


@dataclass(frozen=True, slots=True)
class RegisterCase:
    envelope: Envelope
    case: CaseRef
    title: str
    category: str
    summary: str
    major: MajorFlag | None = None


@dataclass(frozen=True, slots=True)
class AddParticipant:
    """The owner or the procuratorate brings another agency into the case."""

    envelope: Envelope
    case: CaseRef
    agency_id: str


@dataclass(frozen=True, slots=True)
class ShareInformation:
    envelope: Envelope
    case: CaseRef
    info_id: str
    summary: str
    documents: tuple[DocumentRef, ...] = ()
    major: MajorFlag | None = None


@dataclass(frozen=True, slots=True)
class AcknowledgeNotice:
    """A recipient signs for a major notice (签收)."""

    envelope: Envelope
    case: CaseRef
    notice_id: str


# ---------------------------------------------------------------------------------------------
# Mechanism 2: investigation and verification assistance (调查核实协助).


@dataclass(frozen=True, slots=True)
class RequestAssistance:
    envelope: Envelope
    case: CaseRef
    request_id: str
    addressee: str
    subject: str
    due_date: date


@dataclass(frozen=True, slots=True)
class AcknowledgeAssistanceRequest:
    envelope: Envelope
    case: CaseRef
    request_id: str


@dataclass(frozen=True, slots=True)
class SupplyMaterials:
    envelope: Envelope
    case: CaseRef
    request_id: str
    documents: tuple[DocumentRef, ...]
    note: str = ""


@dataclass(frozen=True, slots=True)
class CompleteAssistance:
    envelope: Envelope
    case: CaseRef
    request_id: str
    summary: str


@dataclass(frozen=True, slots=True)
class DeclineAssistance:
    envelope: Envelope
    case: CaseRef
    request_id: str
    reason: str


# ---------------------------------------------------------------------------------------------
# Mechanism 3: mediated resolution of administrative disputes (行政争议实质性化解).


@dataclass(frozen=True, slots=True)
class OpenDispute:
    envelope: Envelope
    case: CaseRef
    dispute_id: str
    subject: str
    parties: tuple[Party, ...]


@dataclass(frozen=True, slots=True)
class HoldMediationSession:
    envelope: Envelope
    case: CaseRef
    dispute_id: str
    held_on: date
    participants: tuple[str, ...]
    outcome_notes: str


@dataclass(frozen=True, slots=True)
class ResolveDispute:
    envelope: Envelope
    case: CaseRef
    dispute_id: str
    terms: str


@dataclass(frozen=True, slots=True)
class WithdrawDispute:
    envelope: Envelope
    case: CaseRef
    dispute_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class ReferDisputeToLitigation:
    """Only after a mediation session, or with an explicit reason (the mediation principle)."""

    envelope: Envelope
    case: CaseRef
    dispute_id: str
    reason: str = ""


# ---------------------------------------------------------------------------------------------
# Mechanism 4: procuratorial recommendations and their feedback (检察建议落实反馈).


@dataclass(frozen=True, slots=True)
class IssueRecommendation:
    envelope: Envelope
    case: CaseRef
    recommendation_id: str
    addressee: str
    content: str
    legal_basis: str
    urgent_due_date: date | None = None  # earlier than the default two months when urgent


@dataclass(frozen=True, slots=True)
class ServeRecommendation:
    """The procuratorate serves the recommendation document (送达)."""

    envelope: Envelope
    case: CaseRef
    recommendation_id: str


@dataclass(frozen=True, slots=True)
class ReceiveRecommendation:
    """The addressee signs for it (签收); the reply period starts here."""

    envelope: Envelope
    case: CaseRef
    recommendation_id: str


@dataclass(frozen=True, slots=True)
class ObjectToRecommendation:
    envelope: Envelope
    case: CaseRef
    recommendation_id: str
    grounds: str


@dataclass(frozen=True, slots=True)
class ReviewObjection:
    envelope: Envelope
    case: CaseRef
    recommendation_id: str
    outcome: ReviewOutcome
    notes: str
    amended_content: str = ""  # required when outcome is AMENDED


@dataclass(frozen=True, slots=True)
class ReplyToRecommendation:
    """The organ's written reply (书面回复): measures taken and whether it adopts."""

    envelope: Envelope
    case: CaseRef
    recommendation_id: str
    adoption: Adoption
    measures: str
    documents: tuple[DocumentRef, ...] = ()


@dataclass(frozen=True, slots=True)
class RecordRectificationCheck:
    """Follow-up (跟踪监督): did the organ rectify (已整改 / 未整改)?"""

    envelope: Envelope
    case: CaseRef
    recommendation_id: str
    rectified: bool
    notes: str


@dataclass(frozen=True, slots=True)
class RecordConsultation:
    """Consultation held and opinions heard (沟通协商，听取意见)."""

    envelope: Envelope
    case: CaseRef
    recommendation_id: str
    held_on: date
    summary: str
    opinions_heard: str = ""


@dataclass(frozen=True, slots=True)
class EscalateRecommendation:
    envelope: Envelope
    case: CaseRef
    recommendation_id: str
    channel: EscalationChannel
    reason: str


@dataclass(frozen=True, slots=True)
class CloseRecommendation:
    envelope: Envelope
    case: CaseRef
    recommendation_id: str
    notes: str = ""


@dataclass(frozen=True, slots=True)
class ExtendDeadline:
    """The issuing side grants an extension (延期): moves an assistance or reply due date."""

    envelope: Envelope
    case: CaseRef
    kind: DeadlineKind
    target_id: str  # request_id or recommendation_id
    new_due_date: date
    reason: str


DirectoryCommand: TypeAlias = AdmitAgency | RegisterOfficer | DesignateLiaison

CaseCommand: TypeAlias = (
    RegisterCase
    | AddParticipant
    | ShareInformation
    | AcknowledgeNotice
    | RequestAssistance
    | AcknowledgeAssistanceRequest
    | SupplyMaterials
    | CompleteAssistance
    | DeclineAssistance
    | OpenDispute
    | HoldMediationSession
    | ResolveDispute
    | WithdrawDispute
    | ReferDisputeToLitigation
    | IssueRecommendation
    | ServeRecommendation
    | ReceiveRecommendation
    | ObjectToRecommendation
    | ReviewObjection
    | ReplyToRecommendation
    | RecordRectificationCheck
    | RecordConsultation
    | EscalateRecommendation
    | CloseRecommendation
    | ExtendDeadline
)

Command: TypeAlias = DirectoryCommand | CaseCommand


@dataclass(frozen=True, slots=True)
class Origin:
    """Where an inbound record came from (a Kafka topic/partition/offset, or a file line)."""

    source: str
    partition: int = 0
    offset: int = 0


@dataclass(frozen=True, slots=True)
class Undecodable:
    """An inbound record that never became a command: its bytes and why (for the dead letter)."""

    origin: Origin
    reason_code: str  # e.g. "bad_avro", "unknown_schema", "sender_mismatch"
    message: str
    raw: bytes
    sender_agency: str = ""  # the topic's agency, when known
    #: The event's id when the record decoded but was refused at the edge (too large to relay).
    event_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class Inbound:
    """A decoded command with its origin and the SHA-256 of its canonical record."""

    command: Command
    origin: Origin
    content_hash: str
    raw: bytes = field(default=b"", repr=False)
