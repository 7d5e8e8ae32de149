"""Mechanism 2: investigation and verification assistance (调查核实协助)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from hub.cases.casestate import (
    PROCURATORATE,
    CaseState,
    EventFacts,
    check_documents,
    check_organ,
    check_role,
    deadline_key,
    require_text,
)
from hub.cases.context import Agencies, Meta, Terms
from hub.errors import NotAuthorized, RuleViolation
from hub.rules.clocks import local_date, roll_to_working_day
from hub.vocabulary import DeadlineKind, DocumentRef

OPEN = "OPEN"
COMPLETED = "COMPLETED"
DECLINED = "DECLINED"


@dataclass
class AssistanceRequest:
    request_id: str
    requested_by: str
    addressee: str
    subject: str
    due_date: date
    provisional: bool
    requested_at: datetime
    status: str = OPEN
    acknowledged_at: datetime | None = None
    materials: list[DocumentRef] = field(default_factory=list)
    outcome: str = ""  # completion summary or decline reason
    finished_at: datetime | None = None
    late: bool = False
    extensions: int = 0

    def check_addressee(self, agency: str, doing: str) -> None:
        if agency != self.addressee:
            raise NotAuthorized(
                f"only the addressee of assistance request {self.request_id} may {doing}"
            )

    def check_open(self) -> None:
        if self.status != OPEN:
            raise RuleViolation(
                f"assistance request {self.request_id} is already {self.status.lower()}"
            )


class AssistanceCommands(CaseState):
    """Mechanism 2: the procuratorate asks an organ; only the addressee answers."""

    if TYPE_CHECKING:  # set by Case.Registered
        requests: dict[str, AssistanceRequest]

    def _request(self, request_id: str) -> AssistanceRequest:
        try:
            return self.requests[request_id]
        except KeyError:
            raise RuleViolation(
                f"assistance request {request_id} does not exist in {self.case_label}"
            ) from None

    def finish_request(
        self, event: EventFacts, request_id: str, status: str, text: str, *, late: bool
    ) -> None:
        request = self.requests[request_id]
        request.status = status
        request.outcome = text
        request.finished_at = event.timestamp
        request.late = late
        key = deadline_key(DeadlineKind.ASSISTANCE_RESPONSE, request_id, request.addressee)
        self.deadlines[key].meet(event.timestamp)

    def request_assistance(
        self,
        meta: Meta,
        agencies: Agencies,
        terms: Terms,
        *,
        request_id: str,
        addressee: str,
        subject: str,
        due_date: date,
    ) -> None:
        self.check_participant(meta)
        check_role(meta.actor_role, PROCURATORATE, "request assistance")
        require_text(request_id, "a request id")
        if request_id in self.requests:
            raise RuleViolation(
                f"assistance request {request_id} already exists in {self.case_label}"
            )
        check_organ(agencies, addressee, meta.actor_agency)
        require_text(subject, "the subject of an assistance request")
        due = roll_to_working_day(due_date, terms.calendar)
        if due.day < local_date(meta.recorded_at):
            raise RuleViolation(f"the due date {due_date.isoformat()} is already past")
        self._record(
            self.AssistanceRequested,
            meta,
            request_id=request_id,
            addressee=addressee,
            subject=subject,
            requested_due_date=due_date,
            due_date=due.day,
            provisional=due.provisional,
        )

    def acknowledge_assistance_request(self, meta: Meta, request_id: str) -> None:
        request = self._request(request_id)
        request.check_addressee(meta.actor_agency, "acknowledge it")
        request.check_open()
        if request.acknowledged_at is not None:
            raise RuleViolation(f"assistance request {request_id} was already acknowledged")
        self._record(self.AssistanceRequestAcknowledged, meta, request_id=request_id)

    def supply_materials(
        self, meta: Meta, request_id: str, documents: Sequence[DocumentRef], note: str = ""
    ) -> None:
        request = self._request(request_id)
        request.check_addressee(meta.actor_agency, "supply materials")
        request.check_open()
        check_documents(documents, required=True)
        self._record(
            self.MaterialsSupplied,
            meta,
            request_id=request_id,
            documents=list(documents),
            note=note,
        )

    def complete_assistance(self, meta: Meta, request_id: str, summary: str) -> None:
        request = self._request(request_id)
        request.check_addressee(meta.actor_agency, "complete it")
        request.check_open()
        require_text(summary, "a completion summary")
        late = local_date(meta.recorded_at) > request.due_date
        self._record(
            self.AssistanceCompleted, meta, request_id=request_id, summary=summary, late=late
        )

    def decline_assistance(self, meta: Meta, request_id: str, reason: str) -> None:
        request = self._request(request_id)
        request.check_addressee(meta.actor_agency, "decline it")
        request.check_open()
        require_text(reason, "the reason for declining")
        late = local_date(meta.recorded_at) > request.due_date
        self._record(self.AssistanceDeclined, meta, request_id=request_id, reason=reason, late=late)
