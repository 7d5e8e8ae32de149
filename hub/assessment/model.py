"""The annual assessment's data: facts read from the record, and the scorecard made of them.

A ``Fact`` is one event's contribution to the assessment, metadata only: which event (its id
or ``<case>@v<version>``, type, acting agency, date), which sub-process (``case_id`` +
``subject``), which organ it concerns (empty when the organ is found through the subject,
e.g. a rectification check names only the recommendation) and one value (lateness, adoption,
outcome). The Rule-of-Law Office never sees case contents: no fact carries any.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from hub.rules.clocks import local_date

# Fact kinds (``Fact.kind``).
CASE = "case"  # a case registered: organ = owning agency
NOTICE = "notice"  # a major notice to organ, day = acknowledgment due day
NOTICE_ACK = "notice_ack"  # organ acknowledged; value = working days late
ASSISTANCE = "assistance"  # a request to organ; day = due day
ASSISTANCE_COMPLETED = "assistance_completed"  # value = on_time | late
ASSISTANCE_DECLINED = "assistance_declined"  # value = on_time | late
RECOMMENDATION = "recommendation"  # received by organ; day = reply due day
OBJECTION_REVIEW = "objection_review"  # value = UPHELD | AMENDED | WITHDRAWN; day = new due
REPLY = "reply"  # value = on_time | late
ADOPTION = "adoption"  # value = ADOPTED | PARTLY_ADOPTED | NOT_ADOPTED
RECTIFICATION = "rectification"  # value = 1 | 0
EXTENDED = "extended"  # value = deadline kind; day = new due
MISSED = "missed"  # value = deadline kind; day = the due day missed
DISPUTE_OPENED = "dispute_opened"
MEDIATION = "mediation"
DISPUTE_CLOSED = "dispute_closed"  # value = RESOLVED | WITHDRAWN | REFERRED
AGENCY = "agency"  # admitted; value = role
LIAISON = "liaison"  # designated; day = effective from

ON_TIME, LATE = "on_time", "late"


@dataclass(frozen=True, slots=True)
class Fact:
    notification_id: int
    kind: str
    event_ref: str
    event_type: str
    actor_agency: str
    case_id: str  # "" for directory facts
    subject: str  # the sub-process id ("" when none)
    organ: str  # the organ concerned ("" when found through the subject)
    recorded_at: datetime
    day: date | None = None
    value: str = ""

    @property
    def recorded_on(self) -> date:
        """The local date (Asia/Shanghai) the hub recorded the event."""
        return local_date(self.recorded_at)


@dataclass(frozen=True, slots=True)
class Organ:
    """An agency as the directory admitted it (names from the directory, not free text)."""

    agency_id: str
    name_zh: str
    name_en: str
    role: str
    admitted_at: datetime


@dataclass(frozen=True, slots=True)
class Evidence:
    """One event behind a figure: metadata only."""

    event_ref: str
    event_type: str
    agency: str
    day: date
    role: str  # why it counts: due, met, late, missed, counted, ...


@dataclass(frozen=True, slots=True)
class Figure:
    """One indicator of one organ: value = numerator / denominator (None when not applicable)."""

    indicator: str
    weight: float
    numerator: float
    denominator: int
    value: float | None
    evidence: tuple[Evidence, ...]

    @property
    def applicable(self) -> bool:
        return self.value is not None


@dataclass(frozen=True, slots=True)
class OrganScore:
    organ: Organ
    rank: int
    score: float | None  # 0..100; None when no indicator applies
    applicable_weight: float
    figures: tuple[Figure, ...]


@dataclass(frozen=True, slots=True)
class Scorecard:
    year: int
    generated_at: datetime
    weights: tuple[tuple[str, float], ...]
    organs: tuple[OrganScore, ...]  # ranked
    #: Every admitted agency's names (id -> (中文名, English)), assessed or not: the evidence
    #: names the agencies that acted (the procuratorate too) by these.
    agency_names: Mapping[str, tuple[str, str]] = field(default_factory=dict)
