"""Mechanism 1: participants, shared information and major notices (信息共享 / 重大事项通报)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from hub.cases.casestate import (
    PROCURATORATE,
    CaseState,
    EventFacts,
    check_documents,
    deadline_key,
    require_text,
)
from hub.cases.context import Agencies, Meta, Terms
from hub.errors import NotAuthorized, RuleViolation, UnknownAgency
from hub.rules.clocks import add_working_days, local_date, working_days_late
from hub.vocabulary import DeadlineKind, DocumentRef, MajorFlag


@dataclass
class SharedInfo:
    """One piece of shared information, as views read it (rebuilt from an ``InfoRecord``).

    Snapshots taken before the case state held ``InfoRecord`` lists carry these; the
    transcoder still decodes them and ``Case.upcast_v1_v2`` converts them.
    """

    info_id: str
    summary: str
    shared_by: str
    documents: list[DocumentRef]
    recorded_at: datetime
    notice_id: str | None = None


#: One piece of shared information as the case's state keeps it, in primitives only:
#: ``[summary, shared_by, [[document_id, sha256, title], ...], recorded_at ISO, notice_id]``.
#: A case may hold thousands; as nested dataclasses its snapshot needed a transcoder hook per
#: value (five per item) and decoding dominated loading the case (issue #9, BENCHMARKS.md).
InfoRecord = list[Any]


def info_record(
    summary: str,
    shared_by: str,
    documents: Iterable[DocumentRef],
    recorded_at: datetime,
    notice_id: str | None,
) -> InfoRecord:
    return [
        summary,
        shared_by,
        [[d.document_id, d.sha256, d.title] for d in documents],
        recorded_at.isoformat(),
        notice_id,
    ]


def shared_info(info_id: str, record: InfoRecord) -> SharedInfo:
    """The item a record holds; the time decodes as the transcoder decodes any datetime."""
    summary, shared_by, documents, recorded_at, notice_id = record
    return SharedInfo(
        info_id,
        summary,
        shared_by,
        [DocumentRef(*d) for d in documents],
        datetime.fromisoformat(recorded_at),
        notice_id,
    )


@dataclass
class Notice:
    """A major notice (通报) and who has signed for it, with lateness in working days."""

    notice_id: str
    summary: str
    sender: str
    recipients: list[str]
    recorded_at: datetime
    due_date: date
    provisional: bool
    acknowledged: dict[str, int] = field(default_factory=dict)  # agency -> working days late


def notice_recipients(
    major: MajorFlag,
    sender: str,
    admitted: Iterable[str],
    existing_notices: Iterable[str],
) -> list[str]:
    """Validate a major flag and return who the notice goes to (listed, or everyone else)."""
    require_text(major.notice_id, "a notice id")
    require_text(major.summary, "a major notice's summary")
    if major.notice_id in set(existing_notices):
        raise RuleViolation(f"notice {major.notice_id} already exists on this case")
    known = list(admitted)
    if not major.recipients:
        recipients = [a for a in known if a != sender]
    else:
        recipients = []
        for agency in major.recipients:
            if agency not in known:
                raise UnknownAgency(f"notice recipient {agency} is not an admitted agency")
            if agency == sender:
                raise RuleViolation("a notice is not addressed to its own sender")
            if agency not in recipients:
                recipients.append(agency)
    if not recipients:
        raise RuleViolation(f"notice {major.notice_id} would have no recipients")
    return recipients


def notice_fields(
    meta: Meta,
    agencies: Agencies,
    terms: Terms,
    major: MajorFlag | None,
    existing: Iterable[str],
) -> dict[str, Any]:
    """The notice fields of a Registered/InformationShared event (recipients, due day)."""
    if major is None:
        return {
            "notice_recipients": [],
            "notice_due_date": None,
            "notice_provisional": False,
        }
    recipients = notice_recipients(major, meta.actor_agency, agencies.agency_ids(), existing)
    due = add_working_days(
        local_date(meta.recorded_at), terms.notice_ack_working_days, terms.calendar
    )
    return {
        "notice_recipients": recipients,
        "notice_due_date": due.day,
        "notice_provisional": due.provisional,
    }


class SharingCommands(CaseState):
    """Mechanism 1: participants, shared information, major notices and their acknowledgment."""

    if TYPE_CHECKING:  # set by Case.Registered
        infos: dict[str, InfoRecord]  # info_id -> record
        notices: dict[str, Notice]

    def open_notice(
        self,
        event: EventFacts,
        major: MajorFlag,
        recipients: Sequence[str],
        due: date,
        provisional: bool,
    ) -> None:
        self.notices[major.notice_id] = Notice(
            major.notice_id,
            major.summary,
            event.actor_agency,
            list(recipients),
            event.timestamp,
            due,
            provisional,
        )
        for agency in recipients:
            self.open_deadline(
                DeadlineKind.NOTICE_ACKNOWLEDGMENT, major.notice_id, agency, due, provisional
            )

    def add_participant(self, meta: Meta, agencies: Agencies, agency_id: str) -> None:
        self.check_participant(meta)
        if meta.actor_agency != self.owning_agency and meta.actor_role != PROCURATORATE:
            raise NotAuthorized("only the case owner or the procuratorate may add a participant")
        if agencies.role_of(agency_id) is None:
            raise UnknownAgency(f"agency {agency_id} is not admitted to the directory")
        if agency_id in self.participants:
            raise RuleViolation(f"agency {agency_id} is already a participant in {self.case_label}")
        self._record(self.ParticipantAdded, meta, agency_id=agency_id)

    def share_information(
        self,
        meta: Meta,
        agencies: Agencies,
        terms: Terms,
        *,
        info_id: str,
        summary: str,
        documents: Sequence[DocumentRef] = (),
        major: MajorFlag | None = None,
    ) -> None:
        self.check_participant(meta)
        require_text(info_id, "an info id")
        if info_id in self.infos:
            raise RuleViolation(f"information {info_id} was already shared in {self.case_label}")
        check_documents(documents)
        notice = notice_fields(meta, agencies, terms, major, existing=self.notices)
        self._record(
            self.InformationShared,
            meta,
            info_id=info_id,
            summary=summary,
            documents=list(documents),
            major=major,
            **notice,
        )

    def acknowledge_notice(self, meta: Meta, terms: Terms, notice_id: str) -> None:
        notice = self.notices.get(notice_id)
        if notice is None:
            raise RuleViolation(f"notice {notice_id} does not exist in {self.case_label}")
        if meta.actor_agency not in notice.recipients:
            raise NotAuthorized(
                f"agency {meta.actor_agency} is not a recipient of notice {notice_id}"
            )
        if meta.actor_agency in notice.acknowledged:
            raise RuleViolation(
                f"notice {notice_id} was already acknowledged by {meta.actor_agency}"
            )
        key = deadline_key(DeadlineKind.NOTICE_ACKNOWLEDGMENT, notice_id, meta.actor_agency)
        due = self.deadlines[key].due_date
        late = working_days_late(due, local_date(meta.recorded_at), terms.calendar)
        self._record(
            self.NoticeAcknowledged, meta, notice_id=notice_id, due_date=due, working_days_late=late
        )
