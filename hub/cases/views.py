"""Plain frozen data the application returns: outcomes and read views (never live aggregates)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeAlias
from uuid import UUID

from hub.vocabulary import DocumentRef, Party

# --- outcomes of a command ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Accepted:
    event_id: UUID
    case_id: UUID | None  # None for directory changes
    version: int
    event_hash: str  # "" for directory changes (the directory is not hash-chained)


@dataclass(frozen=True, slots=True)
class Duplicate:
    """The same event id with the same content was accepted before: nothing changed."""

    event_id: UUID
    case_id: UUID | None
    version: int


@dataclass(frozen=True, slots=True)
class Rejected:
    event_id: UUID | None
    reason_code: str
    message: str
    rejection_id: UUID


Outcome: TypeAlias = Accepted | Duplicate | Rejected


# --- the case -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InfoView:
    info_id: str
    summary: str
    shared_by: str
    documents: tuple[DocumentRef, ...]
    recorded_at: datetime
    notice_id: str | None


@dataclass(frozen=True, slots=True)
class NoticeView:
    notice_id: str
    summary: str
    sender: str
    recipients: tuple[str, ...]
    recorded_at: datetime
    due_date: date
    provisional: bool
    acknowledged: tuple[tuple[str, int], ...]  # (agency, working days late)


@dataclass(frozen=True, slots=True)
class AssistanceView:
    request_id: str
    requested_by: str
    addressee: str
    subject: str
    due_date: date
    provisional: bool
    requested_at: datetime
    status: str
    acknowledged_at: datetime | None
    materials: tuple[DocumentRef, ...]
    outcome: str
    finished_at: datetime | None
    late: bool
    extensions: int


@dataclass(frozen=True, slots=True)
class SessionView:
    held_on: date
    participants: tuple[str, ...]
    outcome_notes: str
    recorded_by: str


@dataclass(frozen=True, slots=True)
class DisputeView:
    dispute_id: str
    opened_by: str
    subject: str
    parties: tuple[Party, ...]
    opened_at: datetime
    status: str
    sessions: tuple[SessionView, ...]
    closing_text: str
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class FollowUpView:
    kind: str
    detail: str
    recorded_at: datetime
    rectified: bool | None
    held_on: date | None
    channel: str


@dataclass(frozen=True, slots=True)
class RecommendationView:
    recommendation_id: str
    issued_by: str
    addressee: str
    content: str
    legal_basis: str
    urgent_due_date: date | None
    issued_at: datetime
    status: str
    served_at: datetime | None
    received_at: datetime | None
    due_date: date | None
    provisional: bool
    objection: str
    review_outcome: str
    adoption: str
    measures: str
    replied_at: datetime | None
    late: bool
    follow_ups: tuple[FollowUpView, ...]
    closed_at: datetime | None
    closing_notes: str


@dataclass(frozen=True, slots=True)
class DeadlineView:
    case_id: UUID
    kind: str
    target_id: str
    agency: str
    due_date: date
    missed: bool  # a DeadlineMissed for this due date is on the record
    provisional: bool = False
    #: Where the obligation stands: open, overdue (a miss is on the record and it is not yet
    #: done), met, met_late (done after its due day), cancelled (withdrawn or closed undone).
    state: str = "open"
    met_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class CaseView:
    case_id: UUID
    version: int
    owning_agency: str
    case_number: str
    title: str
    category: str
    summary: str
    classification: str
    registered_at: datetime
    modified_at: datetime
    chain_head: str
    participants: tuple[str, ...]
    infos: tuple[InfoView, ...]
    notices: tuple[NoticeView, ...]
    requests: tuple[AssistanceView, ...]
    disputes: tuple[DisputeView, ...]
    recommendations: tuple[RecommendationView, ...]
    deadlines: tuple[DeadlineView, ...]  # open and closed, with their current due dates


@dataclass(frozen=True, slots=True)
class EventSummary:
    """One event without its content: what the Rule-of-Law Office may see."""

    version: int
    type: str
    recorded_at: datetime
    occurred_at: datetime
    actor_agency: str


@dataclass(frozen=True, slots=True)
class CaseMetadata:
    """Ids, types, agencies and dates only: no titles, summaries, documents or parties."""

    case_id: UUID
    owning_agency: str
    case_number: str
    classification: str
    registered_at: datetime
    version: int
    participants: tuple[str, ...]
    notice_ids: tuple[str, ...]
    request_ids: tuple[str, ...]
    dispute_ids: tuple[str, ...]
    recommendation_ids: tuple[str, ...]
    events: tuple[EventSummary, ...]


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    type: str
    version: int
    recorded_at: datetime
    occurred_at: datetime
    actor_agency: str
    officer_id: str
    event_id: UUID
    correlation_id: UUID | None
    causation_id: UUID | None
    classification: str
    content_hash: str
    hash_alg: str
    prev_hash: str
    event_hash: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class BadLink:
    version: int
    event_type: str
    field: str  # "prev_hash", "event_hash", or "state" (the record cannot be read at all)
    expected: str
    found: str  # for "state": why the record cannot be read, in words


@dataclass(frozen=True, slots=True)
class ChainReport:
    case_id: UUID
    events: int
    head: str
    first_bad: BadLink | None

    @property
    def ok(self) -> bool:
        return self.first_bad is None


@dataclass(frozen=True, slots=True)
class ChainHead:
    case_id: UUID
    version: int
    event_hash: str


# --- the directory --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OfficerView:
    officer_id: str
    name: str
    title: str
    registered_at: datetime


@dataclass(frozen=True, slots=True)
class LiaisonView:
    agency_id: str
    officer_id: str
    officer_name: str
    effective_from: date
    designated_at: datetime
    designated_by: str


@dataclass(frozen=True, slots=True)
class AgencyView:
    agency_id: str
    name_zh: str
    name_en: str
    role: str
    admitted_at: datetime
    admitted_by: str
    officers: tuple[OfficerView, ...]
    liaison_history: tuple[LiaisonView, ...]  # by effective date


@dataclass(frozen=True, slots=True)
class DirectoryView:
    version: int
    agencies: tuple[AgencyView, ...]

    def agency(self, agency_id: str) -> AgencyView | None:
        return next((a for a in self.agencies if a.agency_id == agency_id), None)
