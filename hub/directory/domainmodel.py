"""The Directory aggregate: agencies, their roles and officers, and liaison officers (联络员).

One aggregate for the whole hub (id in docs/design.md). Every change is an event naming its
author. Only the Rule-of-Law Office admits agencies (the operator's bootstrap file aside);
each agency registers its own officers and designates its own liaison, effective from a date.
A designation replaces the previous one; the history is kept, so ``liaison_at`` answers for
any moment.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

from eventsourcing.domain import Aggregate

from hub.errors import NotAuthorized, RuleViolation, UnknownAgency, UnknownOfficer
from hub.ids import DIRECTORY_ID
from hub.rules.clocks import local_date
from hub.vocabulary import AgencyRole

#: Where erased subjects are kept in the aggregate's state (a plain attribute, so snapshots
#: carry it; aggregates recorded before hub/privacy simply lack it).
_ERASED = "erased_subjects_"


#: The author of changes made from the operator's bootstrap file.
OPERATOR = "operator"


@dataclass
class AgencyEntry:
    agency_id: str
    name_zh: str
    name_en: str
    role: str
    admitted_at: datetime
    admitted_by: str


@dataclass
class OfficerEntry:
    agency_id: str
    officer_id: str
    name: str
    title: str
    registered_at: datetime


@dataclass
class LiaisonEntry:
    agency_id: str
    officer_id: str
    effective_from: date
    designated_at: datetime
    designated_by: str


@dataclass(frozen=True, slots=True)
class Author:
    """Who makes a change to the directory and when (an agency's officer, or the operator)."""

    event_id: UUID
    agency_id: str
    officer_id: str
    occurred_at: datetime
    recorded_at: datetime


class Directory(Aggregate):
    """The hub's directory of agencies (one aggregate)."""

    class Event(Aggregate.Event):
        event_id: UUID
        actor_agency: str
        officer_id: str
        occurred_at: datetime

        def apply(self, aggregate: Any) -> None:
            self.evolve(cast("Directory", aggregate))

        def evolve(self, directory: Directory) -> None:
            """Change the directory's state; never validates."""

    class Opened(Event, Aggregate.Created):
        def evolve(self, directory: Directory) -> None:
            directory.agencies = {}
            directory.officers = {}
            directory.liaisons = {}

    class AgencyAdmitted(Event):
        agency_id: str
        name_zh: str
        name_en: str
        role: str

        def evolve(self, directory: Directory) -> None:
            directory.agencies[self.agency_id] = AgencyEntry(
                self.agency_id,
                self.name_zh,
                self.name_en,
                self.role,
                self.timestamp,
                self.actor_agency,
            )
            directory.officers[self.agency_id] = {}
            directory.liaisons[self.agency_id] = []

    class OfficerRegistered(Event):
        agency_id: str
        registered_officer: str
        name: str
        title: str

        def evolve(self, directory: Directory) -> None:
            directory.officers[self.agency_id][self.registered_officer] = OfficerEntry(
                self.agency_id, self.registered_officer, self.name, self.title, self.timestamp
            )

    class LiaisonDesignated(Event):
        agency_id: str
        liaison_officer: str
        effective_from: date

        def evolve(self, directory: Directory) -> None:
            history = directory.liaisons[self.agency_id]
            history.append(
                LiaisonEntry(
                    self.agency_id,
                    self.liaison_officer,
                    self.effective_from,
                    self.timestamp,
                    self.actor_agency,
                )
            )
            history.sort(key=lambda e: e.effective_from)  # stable: same day keeps record order

    class PersonalDataErased(Event):
        """An officer's key was destroyed (hub/privacy); their name reads as erased."""

        agency_id: str
        subject: str
        reason: str

        def evolve(self, directory: Directory) -> None:
            directory.__dict__[_ERASED] = {**directory.erased_subjects, self.subject: self.reason}

    class PersonalDataCorrected(Event):
        """An officer's name was corrected; ``value`` is a token under their key."""

        agency_id: str
        subject: str
        field_name: str
        value: str

    @property
    def erased_subjects(self) -> dict[str, str]:
        """Officers erased (subject → reason), set by PersonalDataErased only."""
        found: dict[str, str] = self.__dict__.get(_ERASED, {})
        return found

    if TYPE_CHECKING:  # set by Opened; class annotations would make Directory a dataclass
        agencies: dict[str, AgencyEntry]
        officers: dict[str, dict[str, OfficerEntry]]
        liaisons: dict[str, list[LiaisonEntry]]

    @classmethod
    def open(cls, author: Author) -> Directory:
        return cls._create(cls.Opened, id=DIRECTORY_ID, **_author_fields(author))

    # -- queries (the Agencies protocol the case rules use) -----------------------------------

    def role_of(self, agency_id: str) -> AgencyRole | None:
        entry = self.agencies.get(agency_id)
        return AgencyRole(entry.role) if entry is not None else None

    def agency_ids(self) -> Iterable[str]:
        return self.agencies.keys()

    def is_officer(self, agency_id: str, officer_id: str) -> bool:
        return officer_id in self.officers.get(agency_id, {})

    def check_sender(self, agency_id: str, officer_id: str) -> AgencyRole:
        """The sender must be an admitted agency and the officer registered for it."""
        role = self.role_of(agency_id)
        if role is None:
            raise UnknownAgency(f"agency {agency_id} is not admitted to the directory")
        if not self.is_officer(agency_id, officer_id):
            raise UnknownOfficer(f"officer {officer_id} is not registered for agency {agency_id}")
        return role

    def liaison_at(self, agency_id: str, moment: datetime | date) -> LiaisonEntry | None:
        """The liaison in effect on the day of ``moment`` (Asia/Shanghai), if any."""
        if agency_id not in self.agencies:
            raise UnknownAgency(f"agency {agency_id} is not admitted to the directory")
        day = local_date(moment) if isinstance(moment, datetime) else moment
        current = None
        for entry in self.liaisons[agency_id]:
            if entry.effective_from <= day:
                current = entry
        return current

    # -- commands -----------------------------------------------------------------------------

    def admit_agency(
        self, author: Author, agency_id: str, name_zh: str, name_en: str, role: AgencyRole
    ) -> None:
        if author.agency_id != OPERATOR and self.role_of(author.agency_id) != (
            AgencyRole.RULE_OF_LAW_OFFICE
        ):
            raise NotAuthorized("only the Rule-of-Law Office may admit an agency")
        if not agency_id.strip():
            raise RuleViolation("an agency id must not be blank")
        if agency_id in (OPERATOR, "hub"):
            raise RuleViolation(f"agency id {agency_id} is reserved")
        if agency_id in self.agencies:
            raise RuleViolation(f"agency {agency_id} is already admitted")
        if not name_zh.strip() and not name_en.strip():
            raise RuleViolation(f"agency {agency_id} needs a name")
        self.trigger_event(
            Directory.AgencyAdmitted,
            agency_id=agency_id,
            name_zh=name_zh,
            name_en=name_en,
            role=AgencyRole(role).value,
            **_author_fields(author),
        )

    def register_officer(
        self, author: Author, agency_id: str, officer_id: str, name: str, title: str = ""
    ) -> None:
        if agency_id not in self.agencies:
            raise UnknownAgency(f"agency {agency_id} is not admitted to the directory")
        if author.agency_id not in (OPERATOR, agency_id):
            raise NotAuthorized("an agency registers only its own officers")
        if not officer_id.strip():
            raise RuleViolation("an officer id must not be blank")
        if officer_id in self.officers[agency_id]:
            raise RuleViolation(f"officer {officer_id} is already registered for {agency_id}")
        self.trigger_event(
            Directory.OfficerRegistered,
            agency_id=agency_id,
            registered_officer=officer_id,
            name=name,
            title=title,
            **_author_fields(author),
        )

    def designate_liaison(
        self, author: Author, agency_id: str, officer_id: str, effective_from: date
    ) -> None:
        if agency_id not in self.agencies:
            raise UnknownAgency(f"agency {agency_id} is not admitted to the directory")
        if author.agency_id not in (OPERATOR, agency_id):
            raise NotAuthorized("an agency designates only its own liaison officer")
        if not self.is_officer(agency_id, officer_id):
            raise UnknownOfficer(f"officer {officer_id} is not registered for agency {agency_id}")
        if any(
            e.officer_id == officer_id and e.effective_from == effective_from
            for e in self.liaisons[agency_id]
        ):
            raise RuleViolation(
                f"officer {officer_id} is already liaison of {agency_id} "
                f"from {effective_from.isoformat()}"
            )
        self.trigger_event(
            Directory.LiaisonDesignated,
            agency_id=agency_id,
            liaison_officer=officer_id,
            effective_from=effective_from,
            **_author_fields(author),
        )

    def record_personal_data_erased(
        self, author: Author, agency_id: str, subject: str, reason: str
    ) -> bool:
        """Record an officer's erasure once; False if recorded before."""
        if subject in self.erased_subjects:
            return False
        if not reason.strip():
            raise RuleViolation("the reason for an erasure must not be blank")
        self.trigger_event(
            Directory.PersonalDataErased,
            agency_id=agency_id,
            subject=subject,
            reason=reason,
            **_author_fields(author),
        )
        return True

    def record_personal_data_corrected(
        self, author: Author, agency_id: str, subject: str, field_name: str, token: str
    ) -> bool:
        """Record the corrected value (a token); always True (one event each time)."""
        if subject in self.erased_subjects:
            raise RuleViolation(f"personal data of {subject} was erased from the directory")
        self.trigger_event(
            Directory.PersonalDataCorrected,
            agency_id=agency_id,
            subject=subject,
            field_name=field_name,
            value=token,
            **_author_fields(author),
        )
        return True


def _author_fields(author: Author) -> dict[str, Any]:
    return {
        "timestamp": author.recorded_at,
        "event_id": author.event_id,
        "actor_agency": author.agency_id,
        "officer_id": author.officer_id,
        "occurred_at": author.occurred_at,
    }
