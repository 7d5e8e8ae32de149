"""Mechanism 4: the procuratorial recommendation state machine (检察建议落实反馈).

ISSUED → SERVED → RECEIVED (reply clock runs) ⇄ OBJECTED → REPLIED → CLOSED; a WITHDRAWN
review of an objection closes it, and the procuratorate may close it at any stage.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from hub.cases.casestate import (
    PROCURATORATE,
    CaseState,
    check_documents,
    check_organ,
    check_role,
    require_text,
)
from hub.cases.context import Agencies, Meta, Terms
from hub.errors import NotAuthorized, RuleViolation
from hub.rules.clocks import add_months, local_date, roll_to_working_day
from hub.vocabulary import Adoption, DocumentRef, EscalationChannel, ReviewOutcome

ISSUED = "ISSUED"
SERVED = "SERVED"
RECEIVED = "RECEIVED"
OBJECTED = "OBJECTED"
REPLIED = "REPLIED"
CLOSED = "CLOSED"


@dataclass
class FollowUp:
    """One follow-up entry: a rectification check, a consultation or an escalation."""

    kind: str  # RECTIFICATION_CHECK | CONSULTATION | ESCALATION
    detail: str
    recorded_at: datetime
    rectified: bool | None = None
    held_on: date | None = None
    channel: str = ""


@dataclass
class Recommendation:
    recommendation_id: str
    issued_by: str
    addressee: str
    content: str
    legal_basis: str
    urgent_due_date: date | None
    issued_at: datetime
    status: str = ISSUED
    served_at: datetime | None = None
    received_at: datetime | None = None
    due_date: date | None = None
    provisional: bool = False
    objection: str = ""
    review_outcome: str = ""
    adoption: str = ""
    measures: str = ""
    replied_at: datetime | None = None
    late: bool = False
    follow_ups: list[FollowUp] = field(default_factory=list)
    closed_at: datetime | None = None
    closing_notes: str = ""

    @property
    def label(self) -> str:
        return f"recommendation {self.recommendation_id}"

    def check_not_closed(self) -> None:
        if self.status == CLOSED:
            raise RuleViolation(f"{self.label} is already closed")

    def check_addressee(self, agency: str, doing: str) -> None:
        if agency != self.addressee:
            raise NotAuthorized(f"only the addressee of {self.label} may {doing}")

    def check_received(self) -> None:
        self.check_not_closed()
        if self.status in (ISSUED, SERVED):
            raise RuleViolation(f"{self.label} has not been received yet")

    def check_can_reply(self) -> None:
        self.check_received()
        if self.status == OBJECTED:
            raise RuleViolation(f"{self.label} has an objection awaiting review")
        if self.status == REPLIED:
            raise RuleViolation(f"{self.label} has already been replied to")

    def check_replied(self) -> None:
        self.check_not_closed()
        if self.status != REPLIED:
            raise RuleViolation(f"{self.label} has not been replied to yet")


class RecommendationCommands(CaseState):
    """Mechanism 4: the procuratorate issues and follows up; the addressee receives and replies."""

    if TYPE_CHECKING:  # set by Case.Registered
        recommendations: dict[str, Recommendation]

    def _recommendation(self, recommendation_id: str) -> Recommendation:
        try:
            return self.recommendations[recommendation_id]
        except KeyError:
            raise RuleViolation(
                f"recommendation {recommendation_id} does not exist in {self.case_label}"
            ) from None

    def issue_recommendation(
        self,
        meta: Meta,
        agencies: Agencies,
        *,
        recommendation_id: str,
        addressee: str,
        content: str,
        legal_basis: str,
        urgent_due_date: date | None = None,
    ) -> None:
        self.check_participant(meta)
        check_role(meta.actor_role, PROCURATORATE, "issue a recommendation")
        require_text(recommendation_id, "a recommendation id")
        if recommendation_id in self.recommendations:
            raise RuleViolation(
                f"recommendation {recommendation_id} already exists in {self.case_label}"
            )
        check_organ(agencies, addressee, meta.actor_agency)
        require_text(content, "the content of a recommendation")
        require_text(legal_basis, "the legal basis of a recommendation")
        if urgent_due_date is not None and urgent_due_date < local_date(meta.recorded_at):
            raise RuleViolation(
                f"the urgent due date {urgent_due_date.isoformat()} is already past"
            )
        self._record(
            self.RecommendationIssued,
            meta,
            recommendation_id=recommendation_id,
            addressee=addressee,
            content=content,
            legal_basis=legal_basis,
            urgent_due_date=urgent_due_date,
        )

    def serve_recommendation(self, meta: Meta, recommendation_id: str) -> None:
        rec = self._recommendation(recommendation_id)
        check_role(meta.actor_role, PROCURATORATE, "serve a recommendation")
        rec.check_not_closed()
        if rec.status != ISSUED:
            raise RuleViolation(f"{rec.label} has already been served")
        self._record(self.RecommendationServed, meta, recommendation_id=recommendation_id)

    def receive_recommendation(self, meta: Meta, terms: Terms, recommendation_id: str) -> None:
        rec = self._recommendation(recommendation_id)
        rec.check_addressee(meta.actor_agency, "receive it")
        rec.check_not_closed()
        if rec.status == ISSUED:
            raise RuleViolation(f"{rec.label} has not been served yet")
        if rec.status != SERVED:
            raise RuleViolation(f"{rec.label} has already been received")
        due = add_months(
            local_date(meta.recorded_at), terms.recommendation_reply_months, terms.calendar
        )
        day, provisional = due.day, due.provisional
        if rec.urgent_due_date is not None and rec.urgent_due_date < day:
            urgent = roll_to_working_day(rec.urgent_due_date, terms.calendar)
            day, provisional = urgent.day, urgent.provisional
        self._record(
            self.RecommendationReceived,
            meta,
            recommendation_id=recommendation_id,
            due_date=day,
            provisional=provisional,
        )

    def object_to_recommendation(self, meta: Meta, recommendation_id: str, grounds: str) -> None:
        rec = self._recommendation(recommendation_id)
        rec.check_addressee(meta.actor_agency, "object to it")
        rec.check_can_reply()
        require_text(grounds, "the grounds of an objection")
        self._record(
            self.ObjectionRaised, meta, recommendation_id=recommendation_id, grounds=grounds
        )

    def review_objection(
        self,
        meta: Meta,
        terms: Terms,
        *,
        recommendation_id: str,
        outcome: ReviewOutcome,
        notes: str,
        amended_content: str = "",
    ) -> None:
        rec = self._recommendation(recommendation_id)
        check_role(meta.actor_role, PROCURATORATE, "review an objection")
        rec.check_not_closed()
        if rec.status != OBJECTED:
            raise RuleViolation(f"{rec.label} has no objection awaiting review")
        outcome = ReviewOutcome(outcome)
        due_date: date | None = None
        provisional = False
        if outcome == ReviewOutcome.AMENDED:
            require_text(amended_content, "the amended content")
            due = add_months(
                local_date(meta.recorded_at), terms.recommendation_reply_months, terms.calendar
            )
            due_date, provisional = due.day, due.provisional
        self._record(
            self.ObjectionReviewed,
            meta,
            recommendation_id=recommendation_id,
            outcome=outcome.value,
            notes=notes,
            amended_content=amended_content,
            due_date=due_date,
            provisional=provisional,
        )

    def reply_to_recommendation(
        self,
        meta: Meta,
        recommendation_id: str,
        adoption: Adoption,
        measures: str,
        documents: Sequence[DocumentRef] = (),
    ) -> None:
        rec = self._recommendation(recommendation_id)
        rec.check_addressee(meta.actor_agency, "reply to it")
        rec.check_can_reply()
        require_text(measures, "the measures in a reply")
        check_documents(documents)
        assert rec.due_date is not None
        late = local_date(meta.recorded_at) > rec.due_date
        self._record(
            self.RecommendationReplied,
            meta,
            recommendation_id=recommendation_id,
            adoption=Adoption(adoption).value,
            measures=measures,
            documents=list(documents),
            late=late,
        )

    def record_rectification_check(
        self, meta: Meta, recommendation_id: str, rectified: bool, notes: str
    ) -> None:
        rec = self._recommendation(recommendation_id)
        check_role(meta.actor_role, PROCURATORATE, "check rectification")
        rec.check_replied()
        self._record(
            self.RectificationChecked,
            meta,
            recommendation_id=recommendation_id,
            rectified=rectified,
            notes=notes,
        )

    def record_consultation(
        self,
        meta: Meta,
        recommendation_id: str,
        held_on: date,
        summary: str,
        opinions_heard: str = "",
    ) -> None:
        rec = self._recommendation(recommendation_id)
        check_role(meta.actor_role, PROCURATORATE, "record a consultation")
        rec.check_not_closed()
        require_text(summary, "a consultation summary")
        self._record(
            self.ConsultationRecorded,
            meta,
            recommendation_id=recommendation_id,
            held_on=held_on,
            summary=summary,
            opinions_heard=opinions_heard,
        )

    def escalate_recommendation(
        self, meta: Meta, recommendation_id: str, channel: EscalationChannel, reason: str
    ) -> None:
        rec = self._recommendation(recommendation_id)
        check_role(meta.actor_role, PROCURATORATE, "escalate a recommendation")
        rec.check_not_closed()
        require_text(reason, "the reason for escalation")
        self._record(
            self.RecommendationEscalated,
            meta,
            recommendation_id=recommendation_id,
            channel=EscalationChannel(channel).value,
            reason=reason,
        )

    def close_recommendation(self, meta: Meta, recommendation_id: str, notes: str = "") -> None:
        rec = self._recommendation(recommendation_id)
        check_role(meta.actor_role, PROCURATORATE, "close a recommendation")
        rec.check_not_closed()
        self._record(
            self.RecommendationClosed,
            meta,
            recommendation_id=recommendation_id,
            notes=notes,
            adoption=rec.adoption,
        )
