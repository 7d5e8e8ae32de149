"""What a case command needs besides its own arguments: who acts, when, and the directory."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from hub.rules.calendar import WorkingDayCalendar
from hub.vocabulary import AgencyRole

#: The author of facts the hub records itself (e.g. DeadlineMissed).
HUB_AGENCY = "hub"


class Agencies(Protocol):
    """The read-only part of the directory a case rule needs."""

    def role_of(self, agency_id: str) -> AgencyRole | None: ...

    def agency_ids(self) -> Iterable[str]: ...


@dataclass(frozen=True, slots=True)
class Meta:
    """Who records an event and when: the envelope's fields plus the hub's recorded_at."""

    event_id: UUID
    actor_agency: str
    actor_role: str  # an AgencyRole value, or "hub" for the hub's own facts
    officer_id: str
    occurred_at: datetime
    recorded_at: datetime
    content_hash: str
    correlation_id: UUID | None = None
    causation_id: UUID | None = None
    classification: str = "INTERNAL"

    def event_fields(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "actor_agency": self.actor_agency,
            "officer_id": self.officer_id,
            "occurred_at": self.occurred_at,
            "correlation_id": self.correlation_id,
            "causation_id": self.causation_id,
            "classification": self.classification,
            "content_hash": self.content_hash,
        }


@dataclass(frozen=True, slots=True)
class Terms:
    """The legal periods in force (from Settings)."""

    notice_ack_working_days: int = 1
    recommendation_reply_months: int = 2
    calendar: WorkingDayCalendar | None = None  # None: the process-wide default calendar
