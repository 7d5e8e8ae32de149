"""CaseHub, the application service: the only door to the domain.

It takes commands (``hub.cases.commands``) and primitives, and returns plain frozen data
(``hub.cases.views``), never live aggregates. Everything one call changes (case events, the
directory, the event-id index, the deadline index, rejection records and the Kafka tracking
position) is recorded in one transaction through a process recorder.

``CaseHub`` runs the commands and answers the queries; each other concern lives in a module of
its own, behind these same public methods:

* ``hub.cases.transaction``: the lock, the unit of work, commit or evict (every write);
* ``hub.cases.event_index``: the event-id index (duplicates and conflicting resends);
* ``hub.cases.deadline_tracking``: the deadline index and the scheduler's missed deadlines;
* ``hub.cases.personal_data``: erasure, correction, erasures reapplied;
* ``hub.cases.chain``: hash-chain verification from the stored records;
* ``hub.cases.rejections``: refused and undecodable records, kept for the dead letter.

``hub.bootstrap`` opens it over the configured store, with its components from the settings.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, ClassVar
from uuid import UUID, uuid4

from eventsourcing.application import Application, ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import (
    IntegrityError,
    InternalError,
    JSONTranscoder,
    ProcessRecorder,
    Tracking,
)

from hub.cases import commands as c
from hub.cases import deadline_tracking, viewing
from hub.cases.casestate import Deadline
from hub.cases.chain import ChainVerifier
from hub.cases.context import Meta, Terms
from hub.cases.deadline_index import DeadlineCalendar, DeadlineDay
from hub.cases.domainmodel import Case
from hub.cases.event_index import EventIndex
from hub.cases.handlers import apply_to_case, register_case
from hub.cases.personal_data import PersonalDataChange, PersonalDataOperations
from hub.cases.prefetch import latest_versions
from hub.cases.rejections import Rejections
from hub.cases.transaction import Transactions
from hub.cases.transcodings import register_all
from hub.cases.unitofwork import UnitOfWork, load_or_none
from hub.cases.views import (
    Accepted,
    CaseMetadata,
    CaseView,
    ChainHead,
    ChainReport,
    DeadlineView,
    DirectoryView,
    LiaisonView,
    Outcome,
    RecordedEvent,
    Rejected,
)
from hub.directory import bootstrap
from hub.directory.domainmodel import OPERATOR, Author, Directory
from hub.errors import CaseHubError, RuleViolation, UnknownAgency, UnknownCase
from hub.ids import DEADLINE_INDEX_ID, DIRECTORY_ID, case_id_for, event_index_id
from hub.logging import get_logger
from hub.outbound.envelope import history_payload
from hub.privacy.binding import check_binding
from hub.privacy.keystore import KeyStore, open_key_store
from hub.privacy.subjects import PersonalData
from hub.privacy.tokens import ERASED, Revealer, is_token
from hub.rules.calendar import WorkingDayCalendar, calendar_for
from hub.rules.clocks import TIMEZONE
from hub.settings import Settings
from hub.vocabulary import CaseRef, Classification

Clock = Callable[[], datetime]

#: Tries at applying the directory file when other instances write the directory at once.
DIRECTORY_APPLY_ATTEMPTS = 5
#: Tries at creating the store's tables when other instances create them at the same moment.
STORE_CREATE_ATTEMPTS = 5
log = get_logger(__name__)


def system_clock() -> datetime:
    return datetime.now(TIMEZONE)


class CaseHub(Application[UUID]):
    """The hub's application service (see module docstring)."""

    name = "CaseHub"
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {
        Case: 100,
        Directory: 100,
        DeadlineCalendar: 100,
        DeadlineDay: 100,
    }

    def __init__(
        self,
        env: Mapping[str, str],
        *,
        settings: Settings,
        clock: Clock | None = None,
        keystore: KeyStore | None = None,
        calendar: WorkingDayCalendar | None = None,
    ) -> None:
        """The application over the eventsourcing environment ``env`` (``hub.bootstrap`` opens
        it over the configured store); ``calendar`` defaults to the one ``settings`` name."""
        self.settings = settings
        #: Per-person keys (hub/privacy): personal fields are sealed before any event is made.
        self.keystore = keystore if keystore is not None else open_key_store(self.settings)
        self.personal_data = PersonalData(self.keystore)
        self._key_store_checked = False
        self.clock: Clock = clock if clock is not None else system_clock
        self.terms = Terms(
            notice_ack_working_days=self.settings.notice_ack_working_days,
            recommendation_reply_months=self.settings.recommendation_reply_months,
            calendar=calendar if calendar is not None else calendar_for(settings),
        )
        super().__init__(dict(env))
        self.recorder: ProcessRecorder
        self.transactions = Transactions(self)
        self.event_index = EventIndex(self.events)
        self.rejections = Rejections(self.personal_data, self.clock)
        self.chain = ChainVerifier(self.recorder, self.mapper)
        self.personal_data_operations = PersonalDataOperations(
            keystore=self.keystore,
            personal_data=self.personal_data,
            clock=self.clock,
            transactions=self.transactions,
            check_key_store=self._check_key_store,
            recorder=self.recorder,
            mapper=self.mapper,
        )

    # -- eventsourcing wiring -------------------------------------------------------------------

    def construct_recorder(self) -> ProcessRecorder:
        """The recorder, its tables created if missing.

        Several instances starting at once on a new PostgreSQL database race on eventsourcing's
        ``CREATE TABLE IF NOT EXISTS``: PostgreSQL answers the losers "tuple concurrently
        updated" (``InternalError``) or a duplicate key in its catalogue (``IntegrityError``).
        A loser tries again and finds the tables there.
        """
        for attempt in range(1, STORE_CREATE_ATTEMPTS):
            try:
                return self.factory.process_recorder()
            except (InternalError, IntegrityError) as exc:
                log.info("store_tables_raced", attempt=attempt, error=str(exc).splitlines()[0])
                time.sleep(0.2 * attempt)
        return self.factory.process_recorder()

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_all(transcoder)

    # -- commands ---------------------------------------------------------------------------------

    def execute(self, inbound: c.Inbound) -> Outcome:
        """Run one command in its own transaction."""
        return self.process_batch([inbound])[0]

    def process_batch(
        self,
        items: Sequence[c.Inbound | c.Undecodable],
        tracking: Tracking | None = None,
        *,
        extra: Sequence[Aggregate] = (),
    ) -> list[Outcome]:
        """Run commands in order; record all their effects and ``tracking`` in one transaction.

        A command refused by a rule, and an undecodable record, becomes a Rejection record; the
        batch goes on. Any other error aborts the whole batch and nothing is recorded. The new
        events of ``extra`` aggregates (the ingest's partition lease, ``hub.ingest.lease``) are
        recorded in the same transaction when ``tracking`` is given.
        """
        outcomes: list[Outcome] = []
        with self.transactions.unit_of_work(tracking) as uow:
            if extra and tracking is not None:
                uow.collect(*extra)
            self._prefetch(uow, items)
            self._check_key_store(uow)
            self.personal_data.prepare(
                item.command for item in items if isinstance(item, c.Inbound)
            )
            for item in items:
                if isinstance(item, c.Undecodable):
                    outcomes.append(self.rejections.undecodable(uow, item))
                    continue
                try:
                    outcomes.append(self._handle(uow, item))
                except CaseHubError as exc:
                    outcomes.append(self.rejections.refused(uow, item, exc))
        return outcomes

    def record_missed_deadlines(self, now: datetime) -> list[Outcome]:
        """Record DeadlineMissed once for every open deadline whose due day ended before ``now``."""
        with self.transactions.unit_of_work() as uow:
            return deadline_tracking.record_missed(uow, now)

    def apply_directory_file(self, path: Path | str) -> tuple[str, ...]:
        """Apply the operator's directory file (TOML or JSON); idempotent. Returns the changes.

        Several hub instances may start with the same file at once: the one whose write loses
        the race (the store's unique key on the directory's version) reads the directory again
        and applies the file to it, which then changes nothing it need not.
        """
        wanted = bootstrap.load_directory_file(Path(path))
        for _attempt in range(DIRECTORY_APPLY_ATTEMPTS - 1):
            try:
                return self._apply_directory(wanted)
            except IntegrityError:
                log.info("directory_file_raced", path=str(path))
        return self._apply_directory(wanted)

    def _apply_directory(self, wanted: bootstrap.DirectoryFile) -> tuple[str, ...]:
        with self.transactions.unit_of_work() as uow:
            self._check_key_store(uow)
            now = self.clock()
            directory = uow.directory()
            wanted = self._sealed_directory_file(wanted, directory)

            def author() -> Author:
                return Author(uuid4(), OPERATOR, OPERATOR, now, now)

            if directory is None:
                directory = Directory.open(author())
            changes = bootstrap.apply(directory, wanted, author)
            uow.collect(directory)
        return changes

    def _sealed_directory_file(
        self, wanted: bootstrap.DirectoryFile, directory: Directory | None
    ) -> bootstrap.DirectoryFile:
        """The file with officers' names as tokens: a known officer keeps the stored token.

        A name the file repeats unchanged (or an erased officer's) matches the stored token, so
        applying the file again changes nothing; a new officer's name is sealed.
        """
        revealer = Revealer(self.keystore)
        officers: list[bootstrap.OfficerSpec] = []
        for o in wanted.officers:
            known = directory.officers.get(o.agency_id, {}).get(o.officer_id) if directory else None
            if known is None:
                name = self.personal_data.seal_officer_name(o.agency_id, o.officer_id, o.name)
            elif is_token(known.name) and revealer.reveal(known.name) in (o.name, ERASED):
                name = known.name
            else:
                name = o.name  # a different name: bootstrap refuses it, naming the officer
            officers.append(dataclasses.replace(o, name=name))
        return dataclasses.replace(wanted, officers=tuple(officers))

    # -- personal data (hub/cases/personal_data.py, docs/privacy.md) ----------------------------

    def erase_personal_data(self, subject: str, reason: str, *, by: str) -> PersonalDataChange:
        """Record PersonalDataErased wherever the person is mentioned, then destroy their key."""
        return self.personal_data_operations.erase(subject, reason, by=by)

    def correct_personal_data(
        self, subject: str, field_name: str, value: str, *, by: str
    ) -> PersonalDataChange:
        """Record PersonalDataCorrected (the new value sealed) wherever the person is mentioned."""
        return self.personal_data_operations.correct(subject, field_name, value, by=by)

    def reveal(self, value: str) -> str:
        """A stored value as an entitled reader sees it: tokens opened, erased people marked."""
        return Revealer(self.keystore).reveal(value)

    def reapply_erasures(self) -> list[str]:
        """Destroy again every key a PersonalDataErased event names (after a key-store restore)."""
        return self.personal_data_operations.reapply_erasures()

    # -- queries ----------------------------------------------------------------------------------

    @staticmethod
    def case_id(owning_agency: str, case_number: str) -> UUID:
        return case_id_for(owning_agency, case_number)

    def get_case(self, case_id: UUID, *, version: int | None = None) -> CaseView:
        return viewing.case_view(self._case(case_id, version))

    def case_metadata(self, case_id: UUID) -> CaseMetadata:
        """What the Rule-of-Law Office sees: ids, types, agencies and dates, no content."""
        return viewing.case_metadata(self._case(case_id, None), self.case_events(case_id))

    def case_events(self, case_id: UUID) -> list[RecordedEvent]:
        events = list(self.events.get(case_id))
        if not events:
            raise UnknownCase(f"no case with id {case_id}")
        return [_recorded(e) for e in events]

    def verify_chain(self, case_id: UUID) -> ChainReport:
        """Recompute every hash from the stored records; name the first bad link."""
        return self.chain.verify(case_id)

    def chain_head(self, case_id: UUID) -> ChainHead:
        return self.chain.head(case_id)

    def directory(self) -> DirectoryView:
        return viewing.directory_view(self._directory())

    def agency_ids(self) -> list[str]:
        """The ids of the agencies admitted to the directory."""
        return [a.agency_id for a in self.directory().agencies]

    def liaison_at(self, agency_id: str, moment: datetime | date) -> LiaisonView | None:
        directory = self._directory()
        if directory is None:
            raise UnknownAgency(f"agency {agency_id} is not admitted to the directory")
        entry = directory.liaison_at(agency_id, moment)
        if entry is None:
            return None
        officer = directory.officers[agency_id][entry.officer_id]
        return LiaisonView(
            entry.agency_id,
            entry.officer_id,
            officer.name,
            entry.effective_from,
            entry.designated_at,
            entry.designated_by,
        )

    def open_deadlines(self) -> list[DeadlineView]:
        """Every unmet deadline, from the index (no case is loaded), by due date."""
        return deadline_tracking.open_deadlines(self.repository.get)

    def rejection(self, rejection_id: UUID) -> Rejected | None:
        return self.rejections.get(self.repository.get, rejection_id)

    def max_tracking_id(self, application_name: str) -> int | None:
        return self.recorder.max_tracking_id(application_name)

    # -- internals: one command -------------------------------------------------------------------

    def _handle(self, uow: UnitOfWork, inbound: c.Inbound) -> Outcome:
        cmd = inbound.command
        envelope = cmd.envelope
        # Stored and compared keyed: an unkeyed hash of a record naming a person would let
        # anyone holding a guess confirm it.
        digest = self.personal_data.keyed_content_hash(inbound.content_hash)
        duplicate = self.event_index.duplicate(uow, inbound, digest, self.clock)
        if duplicate is not None:
            return duplicate
        if envelope.occurred_at.tzinfo is None:
            raise RuleViolation("occurred_at must carry a time zone")
        recorded_at = self.clock()
        touched: list[Aggregate] = []
        cmd = self.personal_data.seal_command(cmd)  # from here on, personal data is ciphertext
        if isinstance(cmd, c.AdmitAgency | c.RegisterOfficer | c.DesignateLiaison):
            directory = self._directory_command(uow, cmd, recorded_at)
            aggregate: Aggregate = directory
            outcome = Accepted(envelope.event_id, None, directory.version, "")
        else:
            case = self._case_command(uow, cmd, recorded_at, digest, touched)
            aggregate = case
            outcome = Accepted(envelope.event_id, case.id, case.version, case.chain_head)
        index = self.event_index.entry(
            inbound,
            digest=digest,
            command=cmd,
            aggregate_id=aggregate.id,
            outcome=outcome,
            recorded_at=recorded_at,
        )
        uow.collect(aggregate, index, *touched)
        return outcome

    def _case_command(
        self,
        uow: UnitOfWork,
        cmd: c.CaseCommand,
        recorded_at: datetime,
        digest: str,
        touched: list[Aggregate],
    ) -> Case:
        envelope = cmd.envelope
        directory = uow.directory()
        if directory is None:
            raise UnknownAgency(f"agency {envelope.sender_agency} is not admitted to the directory")
        role = directory.check_sender(envelope.sender_agency, envelope.officer_id)
        meta = Meta(
            event_id=envelope.event_id,
            actor_agency=envelope.sender_agency,
            actor_role=role.value,
            officer_id=envelope.officer_id,
            occurred_at=envelope.occurred_at,
            recorded_at=recorded_at,
            content_hash=digest,
            correlation_id=envelope.correlation_id,
            causation_id=envelope.causation_id,
            classification=Classification(envelope.classification).value,
        )
        case_id = case_id_for(cmd.case.owning_agency, cmd.case.case_number)
        case = uow.get(case_id, Case)
        before: dict[str, Deadline] = {}
        if isinstance(cmd, c.RegisterCase):
            if case is not None:
                raise RuleViolation(f"{case.case_label} is already registered")
            case = register_case(cmd, meta, directory, self.terms)
        else:
            if case is None:
                raise UnknownCase(
                    f"case {cmd.case.owning_agency}/{cmd.case.case_number} is not registered"
                )
            before = deadline_tracking.open_deadlines_of(case)
            apply_to_case(case, cmd, meta, directory, self.terms)
        touched.extend(deadline_tracking.sync(uow, case, before))
        return case

    def _directory_command(
        self, uow: UnitOfWork, cmd: c.DirectoryCommand, recorded_at: datetime
    ) -> Directory:
        envelope = cmd.envelope
        directory = uow.directory()
        if directory is None:
            raise UnknownAgency(f"agency {envelope.sender_agency} is not admitted to the directory")
        first_officer = (
            isinstance(cmd, c.RegisterOfficer)
            and directory.role_of(envelope.sender_agency) is not None
            and not directory.officers[envelope.sender_agency]
            and envelope.officer_id == cmd.officer_id
        )
        if not first_officer:  # an agency's first officer may register themself
            directory.check_sender(envelope.sender_agency, envelope.officer_id)
        author = Author(
            envelope.event_id,
            envelope.sender_agency,
            envelope.officer_id,
            envelope.occurred_at,
            recorded_at,
        )
        match cmd:
            case c.AdmitAgency():
                directory.admit_agency(author, cmd.agency_id, cmd.name_zh, cmd.name_en, cmd.role)
            case c.RegisterOfficer():
                directory.register_officer(
                    author, envelope.sender_agency, cmd.officer_id, cmd.name, cmd.title
                )
            case c.DesignateLiaison():
                directory.designate_liaison(
                    author, envelope.sender_agency, cmd.officer_id, cmd.effective_from
                )
        return directory

    # -- internals: loading and recording ---------------------------------------------------------

    def _check_key_store(self, uow: UnitOfWork) -> None:
        """Refuse a missing or foreign key store before anything is sealed or written."""
        if self._key_store_checked:
            return
        binding = check_binding(
            self.keystore, lambda i: load_or_none(self.repository.get, i), self._store_name()
        )
        if binding is None:
            self._key_store_checked = True
        else:  # the first write: recorded with this transaction, checked again next time
            uow.collect(binding)

    def _store_name(self) -> str:
        if self.settings.store == "sqlite":
            return str(self.settings.sqlite_file)
        s = self.settings
        return f"postgresql://{s.postgres_host}:{s.postgres_port}/{s.postgres_dbname}"

    def _prefetch(self, uow: UnitOfWork, items: Sequence[c.Inbound | c.Undecodable]) -> None:
        """Ask the store once which of the batch's aggregates exist (see prefetch.py)."""
        ids = {DIRECTORY_ID, DEADLINE_INDEX_ID}
        for item in items:  # rejection ids are looked up only when a rejection happens
            if isinstance(item, c.Inbound):
                ids.add(event_index_id(item.command.envelope.event_id))
                ref = getattr(item.command, "case", None)
                if isinstance(ref, CaseRef):
                    ids.add(case_id_for(ref.owning_agency, ref.case_number))
        uow.prefetch(ids, latest_versions(self.recorder, ids))

    def _take_snapshots(self, processing_event: ProcessingEvent[UUID]) -> None:
        """eventsourcing's hook, called by ``save()`` too: the transaction helper's snapshots."""
        self.transactions.take_snapshots(processing_event)

    def _case(self, case_id: UUID, version: int | None) -> Case:
        found = load_or_none(lambda i: self.repository.get(i, version=version), case_id)
        if not isinstance(found, Case):
            raise UnknownCase(f"no case with id {case_id}")
        return found

    def _directory(self) -> Directory | None:
        found = load_or_none(self.repository.get, DIRECTORY_ID)
        return found if isinstance(found, Directory) else None


def _recorded(event: Any) -> RecordedEvent:
    state = vars(event)
    payload = history_payload(state)
    return RecordedEvent(
        type=type(event).__qualname__,
        version=event.originator_version,
        recorded_at=event.timestamp,
        occurred_at=event.occurred_at,
        actor_agency=event.actor_agency,
        officer_id=event.officer_id,
        event_id=event.event_id,
        correlation_id=event.correlation_id,
        causation_id=event.causation_id,
        classification=event.classification,
        content_hash=event.content_hash,
        hash_alg=event.hash_alg,
        prev_hash=event.prev_hash,
        event_hash=event.event_hash,
        payload=payload,
    )
