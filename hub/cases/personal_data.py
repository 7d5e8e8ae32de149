"""Personal-data operations (docs/privacy.md): erasure, correction, and erasures reapplied.

An erasure records ``PersonalDataErased`` wherever the person is mentioned (their cases, the
directory), then destroys their key in the key store; a correction records
``PersonalDataCorrected`` with the new value sealed. Each runs in one transaction of the
application, after the key store is checked to belong to this event store.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from eventsourcing.persistence import Mapper, ProcessRecorder
from eventsourcing.utils import get_topic

from hub.cases.context import HUB_AGENCY, Meta
from hub.cases.domainmodel import Case
from hub.cases.hashing import content_hash
from hub.cases.transaction import Transactions
from hub.cases.unitofwork import UnitOfWork
from hub.directory.domainmodel import OPERATOR, Author, Directory
from hub.errors import RuleViolation
from hub.ids import case_id_for
from hub.privacy.keystore import KeyStore, SubjectErased, UnknownSubject
from hub.privacy.subjects import PersonalData, mentioned_case, officer_subject
from hub.privacy.tokens import seal

#: Which personal fields of each kind of subject ``correct`` accepts.
CORRECTABLE: dict[str, tuple[str, ...]] = {"officer": ("name",), "party": ("name", "id_number")}


@dataclass(frozen=True)
class PersonalDataChange:
    """What an erasure or correction did: where it was recorded, whether a key was destroyed."""

    subject: str
    recorded_in: tuple[str, ...]
    key_destroyed: bool


class PersonalDataOperations:
    """Erasure and correction of a person's data, over the application's transactions."""

    def __init__(
        self,
        *,
        keystore: KeyStore,
        personal_data: PersonalData,
        clock: Callable[[], datetime],
        transactions: Transactions,
        check_key_store: Callable[[UnitOfWork], None],
        recorder: ProcessRecorder,
        mapper: Mapper[UUID],
    ) -> None:
        self._keystore = keystore
        self._personal_data = personal_data
        self._clock = clock
        self._transactions = transactions
        self._check_key_store = check_key_store
        self._recorder = recorder
        self._mapper = mapper

    def erase(self, subject: str, reason: str, *, by: str) -> PersonalDataChange:
        """Record PersonalDataErased wherever the person is mentioned, then destroy their key.

        Idempotent: places that recorded the erasure before are skipped, so a rerun after a
        crash between the two steps records nothing twice and destroys the key. An unknown
        subject or a blank reason writes nothing.
        """
        info = self._keystore.info(subject)
        if info is None:
            raise UnknownSubject(
                f"no personal data is held for subject {subject} (key store "
                f"{self._keystore.location}); `casehub privacy subjects` finds subject ids"
            )
        if not reason.strip():
            raise RuleViolation("the reason for an erasure must not be blank")
        recorded = self._record_wherever_mentioned(
            info.mentions,
            by=by,
            subject=subject,
            on_case=lambda case, meta: case.record_personal_data_erased(meta, subject, reason),
            on_directory=lambda directory, author, agency: directory.record_personal_data_erased(
                author, agency, subject, reason
            ),
        )
        destroyed = self._keystore.destroy(subject)
        return PersonalDataChange(subject, tuple(recorded), key_destroyed=destroyed)

    def correct(self, subject: str, field_name: str, value: str, *, by: str) -> PersonalDataChange:
        """Record PersonalDataCorrected (the new value sealed) wherever the person is mentioned.

        From then on readers get the new value (the key store holds the latest correction).
        """
        info = self._keystore.info(subject)
        if info is None:
            raise UnknownSubject(
                f"no personal data is held for subject {subject}; `casehub privacy subjects` "
                "finds subject ids"
            )
        allowed = CORRECTABLE.get(info.kind, ())
        if field_name not in allowed:
            raise RuleViolation(
                f"a {info.kind}'s {field_name!r} cannot be corrected "
                f"(correctable: {', '.join(allowed) or 'nothing'})"
            )
        if not value.strip():
            raise RuleViolation("a corrected value must not be blank")
        key = self._keystore.key(subject)
        if key is None:
            raise SubjectErased(f"personal data of subject {subject} was erased")
        token = seal(key, subject, field_name, value)
        recorded = self._record_wherever_mentioned(
            info.mentions,
            by=by,
            subject=subject,
            on_case=lambda case, meta: case.record_personal_data_corrected(
                meta, subject, field_name, token
            ),
            on_directory=lambda directory, author, agency: directory.record_personal_data_corrected(
                author, agency, subject, field_name, token
            ),
        )
        self._keystore.record_correction(subject, field_name, token)
        return PersonalDataChange(subject, tuple(recorded), key_destroyed=False)

    def reapply_erasures(self) -> list[str]:
        """Destroy again every key a PersonalDataErased event names (after a key-store restore)."""
        topics = (get_topic(Case.PersonalDataErased), get_topic(Directory.PersonalDataErased))
        destroyed: list[str] = []
        start = 1
        while True:
            batch = self._recorder.select_notifications(start=start, limit=500, topics=topics)
            if not batch:
                break
            for notification in batch:
                subject = str(self._mapper.to_domain_event(notification).subject)  # type: ignore[attr-defined]
                if self._keystore.info(subject) is None or self._keystore.is_destroyed(subject):
                    continue
                self._keystore.destroy(subject)
                destroyed.append(subject)
            start = int(batch[-1].id) + 1
        return destroyed

    def _record_wherever_mentioned(
        self,
        mentions: Sequence[str],
        *,
        by: str,
        subject: str,
        on_case: Callable[[Case, Meta], bool],
        on_directory: Callable[[Directory, Author, str], bool],
    ) -> list[str]:
        """One transaction: ``on_case``/``on_directory`` on every existing place that mentions
        the subject (after checking the key store); returns the places that recorded."""
        with self._transactions.unit_of_work() as uow:
            self._check_key_store(uow)
            return self._record_personal_data(
                uow,
                mentions,
                by=by,
                subject=subject,
                on_case=on_case,
                on_directory=on_directory,
            )

    def _record_personal_data(
        self,
        uow: UnitOfWork,
        mentions: Sequence[str],
        *,
        by: str,
        subject: str,
        on_case: Callable[[Case, Meta], bool],
        on_directory: Callable[[Directory, Author, str], bool],
    ) -> list[str]:
        """Run ``on_case``/``on_directory`` on every place a subject is mentioned that exists."""
        now = self._clock()
        recorded: list[str] = []
        for mention in mentions:
            ref = mentioned_case(mention)
            if ref is None:
                directory = uow.directory()
                agency = self._officer_agency(directory, subject) if directory else None
                if directory is None or agency is None:
                    continue
                author = Author(uuid4(), OPERATOR, by, now, now)
                if on_directory(directory, author, agency):
                    uow.collect(directory)
                    recorded.append(mention)
                continue
            case = uow.get(case_id_for(ref.owning_agency, ref.case_number), Case)
            if case is None:  # the command naming them was refused: nothing recorded there
                continue
            meta = Meta(
                event_id=uuid4(),
                actor_agency=HUB_AGENCY,
                actor_role=HUB_AGENCY,
                officer_id=by,
                occurred_at=now,
                recorded_at=now,
                content_hash=content_hash({"subject": subject, "place": mention}),
                classification=case.classification,
            )
            if on_case(case, meta):
                uow.collect(case)
                recorded.append(mention)
        return recorded

    def _officer_agency(self, directory: Directory, subject: str) -> str | None:
        pepper = self._personal_data.pepper
        for agency, officers in directory.officers.items():
            for officer_id in officers:
                if officer_subject(pepper, agency, officer_id) == subject:
                    return agency
        return None
