"""The domain's vocabulary: the values the cases, the directory and the rules all speak.

Agency roles, protection levels, deadline kinds, the answers an organ or the procuratorate
gives, and the small value objects a case is made of (its reference, documents by reference,
a major flag, a party to a dispute). These are domain terms, not wire terms: the command
contract (``hub/cases/commands.py``) and the Avro mapping use them, and so do the aggregates,
but this module imports nothing of the hub, so every domain package may stand on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Classification(StrEnum):
    """Graded protection level of a case or a shared item (Data Security Law)."""

    PUBLIC = "PUBLIC"
    INTERNAL = "INTERNAL"
    CONFIDENTIAL = "CONFIDENTIAL"


class AgencyRole(StrEnum):
    PROCURATORATE = "procuratorate"
    JUSTICE_BUREAU = "justice-bureau"
    RULE_OF_LAW_OFFICE = "rule-of-law-office"
    ENFORCEMENT_AGENCY = "enforcement-agency"


class Adoption(StrEnum):
    """An organ's answer to a procuratorial recommendation (采纳 / 部分采纳 / 未采纳)."""

    ADOPTED = "ADOPTED"
    PARTLY_ADOPTED = "PARTLY_ADOPTED"
    NOT_ADOPTED = "NOT_ADOPTED"


class ReviewOutcome(StrEnum):
    """The procuratorate's review of an objection (复核)."""

    UPHELD = "UPHELD"
    AMENDED = "AMENDED"
    WITHDRAWN = "WITHDRAWN"


class EscalationChannel(StrEnum):
    SUPERIOR_PROCURATORATE = "SUPERIOR_PROCURATORATE"  # 报告上级检察院
    ORGAN_SUPERIOR = "ORGAN_SUPERIOR"  # 通报其上级主管机关


class DeadlineKind(StrEnum):
    NOTICE_ACKNOWLEDGMENT = "NOTICE_ACKNOWLEDGMENT"
    ASSISTANCE_RESPONSE = "ASSISTANCE_RESPONSE"
    RECOMMENDATION_REPLY = "RECOMMENDATION_REPLY"


@dataclass(frozen=True, slots=True)
class CaseRef:
    """A case as its owning agency knows it: the agency and its own case number (案号)."""

    owning_agency: str
    case_number: str


@dataclass(frozen=True, slots=True)
class DocumentRef:
    """A document by reference: never embedded, identified by id and SHA-256 of its content."""

    document_id: str
    sha256: str
    title: str = ""


@dataclass(frozen=True, slots=True)
class MajorFlag:
    """Marks a case or an event as major (重大案件/重大事件): a notice (通报) goes out.

    ``recipients`` empty means every other agency in the directory.
    """

    notice_id: str
    summary: str
    recipients: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Party:
    """A party to an administrative dispute. ``name`` is personal information."""

    name: str
    role: str  # e.g. "applicant", "respondent-organ", "third-party"
    id_number: str = ""  # personal information; may be empty
