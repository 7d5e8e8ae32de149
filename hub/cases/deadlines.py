"""Deadline commands: extensions granted by the procuratorate and misses the hub records."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from hub.cases.assistance import AssistanceRequest
from hub.cases.casestate import PROCURATORATE, CaseState, check_role, deadline_key, require_text
from hub.cases.context import Meta, Terms
from hub.cases.recommendations import Recommendation
from hub.errors import RuleViolation
from hub.rules.clocks import local_date, roll_to_working_day
from hub.vocabulary import DeadlineKind


class DeadlineCommands(CaseState):
    """Extensions move a due date; a miss is recorded once per deadline and due day."""

    if TYPE_CHECKING:  # the lookups AssistanceCommands and RecommendationCommands provide

        def _request(self, request_id: str) -> AssistanceRequest: ...
        def _recommendation(self, recommendation_id: str) -> Recommendation: ...

    def extend_deadline(
        self,
        meta: Meta,
        terms: Terms,
        *,
        kind: DeadlineKind,
        target_id: str,
        new_due: date,
        reason: str,
    ) -> None:
        kind = DeadlineKind(kind)
        if kind == DeadlineKind.NOTICE_ACKNOWLEDGMENT:
            raise RuleViolation("a notice acknowledgment deadline cannot be extended")
        check_role(meta.actor_role, PROCURATORATE, "extend a deadline")
        require_text(reason, "the reason for an extension")
        if kind == DeadlineKind.ASSISTANCE_RESPONSE:
            request = self._request(target_id)
            request.check_open()
            agency = request.addressee
        else:
            rec = self._recommendation(target_id)
            rec.check_can_reply()
            agency = rec.addressee
        deadline = self.deadlines[deadline_key(kind, target_id, agency)]
        due = roll_to_working_day(new_due, terms.calendar)
        if due.day <= deadline.due_date:
            raise RuleViolation(
                f"an extension must move the due date {deadline.due_date.isoformat()} later"
            )
        self._record(
            self.DeadlineExtended,
            meta,
            kind=kind.value,
            target_id=target_id,
            agency=agency,
            previous_due_date=deadline.due_date,
            due_date=due.day,
            provisional=due.provisional,
            reason=reason,
        )

    def record_deadline_missed(self, meta: Meta, kind: str, target_id: str, agency: str) -> None:
        """Record that an open deadline's due day has ended unmet (once per due day)."""
        deadline = self.deadlines.get(deadline_key(kind, target_id, agency))
        if deadline is None or not deadline.is_open:
            raise RuleViolation(f"no open {kind} deadline for {target_id} owed by {agency}")
        if deadline.is_late:
            raise RuleViolation(
                f"the miss of {kind} {target_id} due {deadline.due_date.isoformat()} "
                "is already recorded"
            )
        if local_date(meta.recorded_at) <= deadline.due_date:
            raise RuleViolation(
                f"{kind} {target_id} is not due until {deadline.due_date.isoformat()}"
            )
        self._record(
            self.DeadlineMissed,
            meta,
            kind=kind,
            target_id=target_id,
            due_date=deadline.due_date,
            agency=agency,
        )
