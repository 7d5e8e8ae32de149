"""The Case aggregate: one per case, holding the shared timeline and its sub-processes.

Events are past-tense nested classes; commands are imperative methods. Every command method
checks its rules first and only then triggers its event, so a refused command leaves the case
exactly as it was. The ``evolve`` methods never validate: they only change state. Each
sub-process keeps its state, rules and command methods in its own module (sharing,
assistance, disputes, recommendations, deadlines; shared state in casestate); deadlines are
computed when a command is accepted and stored on the event, so replay never consults the
calendar.

Every event is hash-chained: ``prev_hash`` is the previous event's ``event_hash`` (64 zeros
for the first) and ``event_hash`` is SHA-256 over the canonical encoding of the event as
first recorded (``hub.cases.hashing``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, cast
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

from hub.cases import assistance as asst
from hub.cases import disputes as dsp
from hub.cases import recommendations as recs
from hub.cases.assistance import AssistanceCommands, AssistanceRequest
from hub.cases.casestate import deadline_key, require_text
from hub.cases.context import Agencies, Meta, Terms
from hub.cases.deadlines import DeadlineCommands
from hub.cases.disputes import Dispute, DisputeCommands, MediationSession
from hub.cases.hashing import GENESIS_HASH, HASH_ALG, event_hash
from hub.cases.recommendations import FollowUp, Recommendation, RecommendationCommands
from hub.cases.sharing import (
    SharedInfo,
    SharingCommands,
    info_record,
    notice_fields,
)
from hub.errors import NotAuthorized, RuleViolation
from hub.ids import case_id_for, normalise_case_number
from hub.vocabulary import AgencyRole, DeadlineKind, DocumentRef, MajorFlag, Party, ReviewOutcome

#: Where erased subjects are kept in the aggregate's state (a plain attribute, so snapshots
#: carry it; aggregates recorded before hub/privacy simply lack it).
_ERASED = "erased_subjects_"


class Case(
    SharingCommands,
    AssistanceCommands,
    DisputeCommands,
    RecommendationCommands,
    DeadlineCommands,
    Aggregate,
):
    """A case shared on the hub (案件), with its notices, requests, disputes, recommendations.

    The command methods come from one mixin per sub-process (see casestate.py); the events are
    all nested here.
    """

    #: Version 2 keeps shared information as primitive ``InfoRecord`` lists (sharing.py);
    #: snapshots of version 1 hold ``SharedInfo`` values and are upcast when loaded.
    class_version = 2

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        infos: dict[str, SharedInfo] = state.get("infos", {})
        state["infos"] = {
            info_id: info_record(i.summary, i.shared_by, i.documents, i.recorded_at, i.notice_id)
            for info_id, i in infos.items()
        }

    class Event(Aggregate.Event):
        event_id: UUID
        actor_agency: str
        officer_id: str
        occurred_at: datetime
        correlation_id: UUID | None
        causation_id: UUID | None
        classification: str
        content_hash: str
        hash_alg: str
        prev_hash: str
        event_hash: str

        def apply(self, aggregate: Any) -> None:
            case = cast("Case", aggregate)
            self.evolve(case)
            case.chain_head = self.event_hash

        def evolve(self, case: Case) -> None:
            """Change the case's state; never validates (the command method did)."""

    # -- Mechanism 1 ------------------------------------------------------------------------

    class Registered(Event, Aggregate.Created):
        owning_agency: str
        case_number: str
        title: str
        category: str
        summary: str
        participants: list[str]
        major: MajorFlag | None
        notice_recipients: list[str]
        notice_due_date: date | None
        notice_provisional: bool

        def evolve(self, case: Case) -> None:
            case.owning_agency = self.owning_agency
            case.case_number = self.case_number
            case.title = self.title
            case.category = self.category
            case.summary = self.summary
            case.classification = self.classification
            case.registered_at = self.timestamp
            case.participants = list(self.participants)
            case.infos = {}
            case.notices = {}
            case.requests = {}
            case.disputes = {}
            case.recommendations = {}
            case.deadlines = {}
            case.chain_head = GENESIS_HASH
            if self.major is not None and self.notice_due_date is not None:
                case.open_notice(
                    self,
                    self.major,
                    self.notice_recipients,
                    self.notice_due_date,
                    self.notice_provisional,
                )

    class ParticipantAdded(Event):
        agency_id: str

        def evolve(self, case: Case) -> None:
            case.participants.append(self.agency_id)

    class InformationShared(Event):
        info_id: str
        summary: str
        documents: list[DocumentRef]
        major: MajorFlag | None
        notice_recipients: list[str]
        notice_due_date: date | None
        notice_provisional: bool

        def evolve(self, case: Case) -> None:
            notice_id = self.major.notice_id if self.major is not None else None
            case.infos[self.info_id] = info_record(
                self.summary, self.actor_agency, self.documents, self.timestamp, notice_id
            )
            if self.major is not None and self.notice_due_date is not None:
                case.open_notice(
                    self,
                    self.major,
                    self.notice_recipients,
                    self.notice_due_date,
                    self.notice_provisional,
                )

    class NoticeAcknowledged(Event):
        notice_id: str
        due_date: date
        working_days_late: int

        def evolve(self, case: Case) -> None:
            case.notices[self.notice_id].acknowledged[self.actor_agency] = self.working_days_late
            key = deadline_key(
                DeadlineKind.NOTICE_ACKNOWLEDGMENT, self.notice_id, self.actor_agency
            )
            case.deadlines[key].meet(self.timestamp)

    # -- Mechanism 2 ------------------------------------------------------------------------

    class AssistanceRequested(Event):
        request_id: str
        addressee: str
        subject: str
        requested_due_date: date
        due_date: date
        provisional: bool

        def evolve(self, case: Case) -> None:
            case.requests[self.request_id] = AssistanceRequest(
                self.request_id,
                self.actor_agency,
                self.addressee,
                self.subject,
                self.due_date,
                self.provisional,
                self.timestamp,
            )
            case.include(self.addressee)
            case.open_deadline(
                DeadlineKind.ASSISTANCE_RESPONSE,
                self.request_id,
                self.addressee,
                self.due_date,
                self.provisional,
            )

    class AssistanceRequestAcknowledged(Event):
        request_id: str

        def evolve(self, case: Case) -> None:
            case.requests[self.request_id].acknowledged_at = self.timestamp

    class MaterialsSupplied(Event):
        request_id: str
        documents: list[DocumentRef]
        note: str

        def evolve(self, case: Case) -> None:
            case.requests[self.request_id].materials.extend(self.documents)

    class AssistanceCompleted(Event):
        request_id: str
        summary: str
        late: bool

        def evolve(self, case: Case) -> None:
            case.finish_request(self, self.request_id, asst.COMPLETED, self.summary, late=self.late)

    class AssistanceDeclined(Event):
        request_id: str
        reason: str
        late: bool

        def evolve(self, case: Case) -> None:
            case.finish_request(self, self.request_id, asst.DECLINED, self.reason, late=self.late)

    # -- Mechanism 3 ------------------------------------------------------------------------

    class DisputeOpened(Event):
        dispute_id: str
        subject: str
        parties: list[Party]

        def evolve(self, case: Case) -> None:
            case.disputes[self.dispute_id] = Dispute(
                self.dispute_id, self.actor_agency, self.subject, list(self.parties), self.timestamp
            )

    class MediationSessionHeld(Event):
        dispute_id: str
        held_on: date
        participants: list[str]
        outcome_notes: str

        def evolve(self, case: Case) -> None:
            case.disputes[self.dispute_id].sessions.append(
                MediationSession(
                    self.held_on, list(self.participants), self.outcome_notes, self.actor_agency
                )
            )

    class DisputeResolved(Event):
        dispute_id: str
        terms: str

        def evolve(self, case: Case) -> None:
            case.close_dispute(self, self.dispute_id, dsp.RESOLVED, self.terms)

    class DisputeWithdrawn(Event):
        dispute_id: str
        reason: str

        def evolve(self, case: Case) -> None:
            case.close_dispute(self, self.dispute_id, dsp.WITHDRAWN, self.reason)

    class DisputeReferredToLitigation(Event):
        dispute_id: str
        reason: str

        def evolve(self, case: Case) -> None:
            case.close_dispute(self, self.dispute_id, dsp.REFERRED, self.reason)

    # -- Mechanism 4 ------------------------------------------------------------------------

    class RecommendationIssued(Event):
        recommendation_id: str
        addressee: str
        content: str
        legal_basis: str
        urgent_due_date: date | None

        def evolve(self, case: Case) -> None:
            case.recommendations[self.recommendation_id] = Recommendation(
                self.recommendation_id,
                self.actor_agency,
                self.addressee,
                self.content,
                self.legal_basis,
                self.urgent_due_date,
                self.timestamp,
            )
            case.include(self.addressee)

    class RecommendationServed(Event):
        recommendation_id: str

        def evolve(self, case: Case) -> None:
            rec = case.recommendations[self.recommendation_id]
            rec.status = recs.SERVED
            rec.served_at = self.timestamp

    class RecommendationReceived(Event):
        recommendation_id: str
        due_date: date
        provisional: bool

        def evolve(self, case: Case) -> None:
            rec = case.recommendations[self.recommendation_id]
            rec.status = recs.RECEIVED
            rec.received_at = self.timestamp
            rec.due_date = self.due_date
            rec.provisional = self.provisional
            case.open_deadline(
                DeadlineKind.RECOMMENDATION_REPLY,
                rec.recommendation_id,
                rec.addressee,
                self.due_date,
                self.provisional,
            )

    class ObjectionRaised(Event):
        recommendation_id: str
        grounds: str

        def evolve(self, case: Case) -> None:
            rec = case.recommendations[self.recommendation_id]
            rec.status = recs.OBJECTED
            rec.objection = self.grounds

    class ObjectionReviewed(Event):
        recommendation_id: str
        outcome: str
        notes: str
        amended_content: str
        due_date: date | None
        provisional: bool

        def evolve(self, case: Case) -> None:
            rec = case.recommendations[self.recommendation_id]
            rec.review_outcome = self.outcome
            key = deadline_key(
                DeadlineKind.RECOMMENDATION_REPLY, rec.recommendation_id, rec.addressee
            )
            if self.outcome == ReviewOutcome.WITHDRAWN:
                rec.status = recs.CLOSED
                rec.closed_at = self.timestamp
                rec.closing_notes = self.notes
                case.deadlines[key].cancel()
                return
            rec.status = recs.RECEIVED
            if self.outcome == ReviewOutcome.AMENDED and self.due_date is not None:
                rec.content = self.amended_content
                rec.due_date = self.due_date
                rec.provisional = self.provisional
                case.deadlines[key].due_date = self.due_date
                case.deadlines[key].provisional = self.provisional

    class RecommendationReplied(Event):
        recommendation_id: str
        adoption: str
        measures: str
        documents: list[DocumentRef]
        late: bool

        def evolve(self, case: Case) -> None:
            rec = case.recommendations[self.recommendation_id]
            rec.status = recs.REPLIED
            rec.adoption = self.adoption
            rec.measures = self.measures
            rec.replied_at = self.timestamp
            rec.late = self.late
            key = deadline_key(
                DeadlineKind.RECOMMENDATION_REPLY, rec.recommendation_id, rec.addressee
            )
            case.deadlines[key].meet(self.timestamp)

    class RectificationChecked(Event):
        recommendation_id: str
        rectified: bool
        notes: str

        def evolve(self, case: Case) -> None:
            case.recommendations[self.recommendation_id].follow_ups.append(
                FollowUp(
                    "RECTIFICATION_CHECK", self.notes, self.timestamp, rectified=self.rectified
                )
            )

    class ConsultationRecorded(Event):
        recommendation_id: str
        held_on: date
        summary: str
        opinions_heard: str

        def evolve(self, case: Case) -> None:
            detail = (
                self.summary
                if not self.opinions_heard
                else f"{self.summary}\n{self.opinions_heard}"
            )
            case.recommendations[self.recommendation_id].follow_ups.append(
                FollowUp("CONSULTATION", detail, self.timestamp, held_on=self.held_on)
            )

    class RecommendationEscalated(Event):
        recommendation_id: str
        channel: str
        reason: str

        def evolve(self, case: Case) -> None:
            case.recommendations[self.recommendation_id].follow_ups.append(
                FollowUp("ESCALATION", self.reason, self.timestamp, channel=self.channel)
            )

    class RecommendationClosed(Event):
        recommendation_id: str
        notes: str
        adoption: str

        def evolve(self, case: Case) -> None:
            rec = case.recommendations[self.recommendation_id]
            rec.status = recs.CLOSED
            rec.closed_at = self.timestamp
            rec.closing_notes = self.notes
            key = deadline_key(
                DeadlineKind.RECOMMENDATION_REPLY, rec.recommendation_id, rec.addressee
            )
            deadline = case.deadlines.get(key)
            if deadline is not None and deadline.is_open:
                deadline.cancel()

    # -- Deadlines --------------------------------------------------------------------------

    class DeadlineExtended(Event):
        kind: str
        target_id: str
        agency: str
        previous_due_date: date
        due_date: date
        provisional: bool
        reason: str

        def evolve(self, case: Case) -> None:
            deadline = case.deadlines[deadline_key(self.kind, self.target_id, self.agency)]
            deadline.due_date = self.due_date
            deadline.provisional = self.provisional
            if self.kind == DeadlineKind.ASSISTANCE_RESPONSE:
                case.requests[self.target_id].due_date = self.due_date
                case.requests[self.target_id].extensions += 1
            else:
                case.recommendations[self.target_id].due_date = self.due_date
                case.recommendations[self.target_id].provisional = self.provisional

    class DeadlineMissed(Event):
        kind: str
        target_id: str
        due_date: date
        agency: str

        def evolve(self, case: Case) -> None:
            case.deadlines[deadline_key(self.kind, self.target_id, self.agency)].missed.append(
                self.due_date
            )

    # -- Personal data (hub/privacy, docs/privacy.md) ---------------------------------------
    # Personal fields hold tokens (ciphertext under the person's key); these events record,
    # on the case's own chain, that a person's key was destroyed or a value corrected.

    class PersonalDataErased(Event):
        subject: str
        reason: str

        def evolve(self, case: Case) -> None:
            case.__dict__[_ERASED] = {**case.erased_subjects, self.subject: self.reason}

    class PersonalDataCorrected(Event):
        subject: str
        field_name: str
        value: str  # a token under the subject's key

        def evolve(self, case: Case) -> None:
            """The corrected value is read through the key store; the case state keeps tokens."""

    @property
    def erased_subjects(self) -> dict[str, str]:
        """Subjects erased from this case, with the reason (set by PersonalDataErased only)."""
        found: dict[str, str] = self.__dict__.get(_ERASED, {})
        return found

    def record_personal_data_erased(self, meta: Meta, subject: str, reason: str) -> bool:
        """Record the erasure once; False if this case recorded it before."""
        if subject in self.erased_subjects:
            return False
        require_text(reason, "the reason for an erasure")
        self._record(self.PersonalDataErased, meta, subject=subject, reason=reason)
        return True

    def record_personal_data_corrected(
        self, meta: Meta, subject: str, field_name: str, token: str
    ) -> bool:
        """Record the corrected value (a token); always True (one event each time)."""
        if subject in self.erased_subjects:
            raise RuleViolation(f"personal data of {subject} was erased from {self.case_label}")
        self._record(
            self.PersonalDataCorrected, meta, subject=subject, field_name=field_name, value=token
        )
        return True

    # ----------------------------------------------------------------------------------------
    # Recording: every event is triggered through here, so every event is chained.

    @classmethod
    def register(
        cls,
        meta: Meta,
        agencies: Agencies,
        terms: Terms,
        *,
        owning_agency: str,
        case_number: str,
        title: str,
        category: str,
        summary: str,
        major: MajorFlag | None = None,
    ) -> Case:
        """Register a case: only its owning agency may, and only once (the caller checks)."""
        if meta.actor_agency != owning_agency:
            raise NotAuthorized(
                f"only the owning agency {owning_agency} may register its case "
                f"(sent by {meta.actor_agency})"
            )
        number = normalise_case_number(case_number)
        require_text(number, "the case number")
        require_text(title, "the case title")
        notice = notice_fields(meta, agencies, terms, major, existing=())
        participants = [owning_agency]
        for agency in agencies.agency_ids():
            role = agencies.role_of(agency)
            if role in (AgencyRole.PROCURATORATE, AgencyRole.JUSTICE_BUREAU) and (
                agency not in participants
            ):
                participants.append(agency)
        case_id = case_id_for(owning_agency, number)
        fields: dict[str, Any] = {
            **meta.event_fields(),
            "owning_agency": owning_agency,
            "case_number": number,
            "title": title,
            "category": category,
            "summary": summary,
            "participants": participants,
            "major": major,
            **notice,
        }
        state = {
            **fields,
            "originator_id": case_id,
            "originator_version": cls.INITIAL_VERSION,
            "originator_topic": get_topic(cls),
            "timestamp": meta.recorded_at,
            "hash_alg": HASH_ALG,
            "prev_hash": GENESIS_HASH,
        }
        digest = event_hash(cls.Registered.__qualname__, state)
        return cls._create(
            cls.Registered,
            id=case_id,
            timestamp=meta.recorded_at,
            hash_alg=HASH_ALG,
            prev_hash=GENESIS_HASH,
            event_hash=digest,
            **fields,
        )

    def _record(self, event_class: type[Case.Event], meta: Meta, **fields: Any) -> None:
        kwargs = {**meta.event_fields(), **fields}
        state = {
            **kwargs,
            "originator_id": self.id,
            "originator_version": self.version + 1,
            "timestamp": meta.recorded_at,
            "hash_alg": HASH_ALG,
            "prev_hash": self.chain_head,
        }
        digest = event_hash(event_class.__qualname__, state)
        self.trigger_event(
            event_class,
            timestamp=meta.recorded_at,
            hash_alg=HASH_ALG,
            prev_hash=self.chain_head,
            event_hash=digest,
            **kwargs,
        )
