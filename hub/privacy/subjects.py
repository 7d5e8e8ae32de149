"""Data subjects and sealing: who a piece of personal data belongs to, and its ciphertext.

One key per person. Subject ids are keyed hashes (HMAC-SHA-256 with the key store's secret
pepper), so a subject id in a stored event or a token reveals nothing about the person:

* an officer: ``o-`` + HMAC(agency, officer id);
* a party with an ID number: ``p-`` + HMAC(ID number), the same person across cases;
* a party without one: ``n-`` + HMAC(case, name), one subject per name per case;
* a refused record: ``r-`` + its rejection id (its key is shredded with everyone it names).

``PersonalData`` turns a command into the same command with every personal field
(``"pii": true`` in the schemas) replaced by a token, after making sure the keys exist and
noting which case or directory mentions each person, in one key-store write per batch.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from uuid import UUID

from hub.cases import commands as c
from hub.ids import normalise_case_number
from hub.privacy.keystore import KeyRequest, KeyStore, keyed_digest
from hub.privacy.tokens import seal, seal_bytes
from hub.vocabulary import CaseRef, Party

#: Where an officer's data is recorded (their OfficerRegistered event).
DIRECTORY_MENTION = "directory"
_CASE_MENTION = "case:"
_DIGEST_CHARS = 32  # 128 bits of HMAC: unique, and short enough to read aloud


def case_label(ref: CaseRef) -> str:
    return f"{ref.owning_agency}/{normalise_case_number(ref.case_number)}"


def case_mention(ref: CaseRef) -> str:
    return _CASE_MENTION + case_label(ref)


def mentioned_case(mention: str) -> CaseRef | None:
    """The case a mention names, or None for the directory."""
    if not mention.startswith(_CASE_MENTION):
        return None
    agency, _, number = mention[len(_CASE_MENTION) :].partition("/")
    return CaseRef(agency, number)


def officer_subject(pepper: bytes, agency_id: str, officer_id: str) -> str:
    return "o-" + keyed_digest(pepper, "officer", agency_id, officer_id)[:_DIGEST_CHARS]


def id_number_subject(pepper: bytes, id_number: str) -> str:
    """The subject of whoever holds this ID number, in every case."""
    return "p-" + keyed_digest(pepper, "id-number", id_number.strip().upper())[:_DIGEST_CHARS]


def party_subject(pepper: bytes, ref: CaseRef, name: str, id_number: str) -> str:
    if id_number.strip():
        return id_number_subject(pepper, id_number)
    return "n-" + keyed_digest(pepper, "party", case_label(ref), name.strip())[:_DIGEST_CHARS]


def rejection_subject(rejection_id: UUID) -> str:
    return f"r-{rejection_id.hex}"


def _present(value: str) -> bool:
    """Blank values are not personal data: they stay as they are for the rules to refuse."""
    return bool(value.strip())


@dataclass(frozen=True)
class _Mention:
    subject: str
    kind: str
    where: str


class PersonalData:
    """Seals the personal fields of commands under per-person keys (see module docstring)."""

    def __init__(self, keystore: KeyStore) -> None:
        self.keystore = keystore
        self._pepper: bytes | None = None

    @property
    def pepper(self) -> bytes:
        if self._pepper is None:
            self._pepper = self.keystore.pepper()
        return self._pepper

    def keyed_content_hash(self, content_hash: str) -> str:
        """The stored form of a record's content hash: keyed, so it cannot confirm a guess."""
        return "k1:" + keyed_digest(self.pepper, "content", content_hash)

    # -- which people a command names -----------------------------------------------------------

    def subjects_of(self, command: c.Command) -> list[str]:
        return [m.subject for m in self._mentions(command)]

    def _mentions(self, command: c.Command) -> list[_Mention]:
        if isinstance(command, c.RegisterOfficer) and _present(command.name):
            agency = command.envelope.sender_agency
            subject = officer_subject(self.pepper, agency, command.officer_id)
            return [_Mention(subject, "officer", DIRECTORY_MENTION)]
        if not isinstance(command, c.OpenDispute):  # the only command naming parties
            return []
        ref = command.case
        return [
            _Mention(
                party_subject(self.pepper, ref, p.name, p.id_number), "party", case_mention(ref)
            )
            for p in command.parties
            if _present(p.name) or _present(p.id_number)
        ]

    def prepare(self, commands: Iterable[c.Command]) -> None:
        """Make sure every person the commands name has a key: one key-store write at most."""
        requests: dict[tuple[str, str], KeyRequest] = {}
        for command in commands:
            for m in self._mentions(command):
                requests.setdefault((m.subject, m.where), KeyRequest(m.subject, m.kind, (m.where,)))
        # An erased person is left out: their command is refused on its own (SubjectErased
        # from seal_command), not the whole batch.
        wanted = [r for r in requests.values() if not self.keystore.is_destroyed(r.subject)]
        if wanted:
            self.keystore.create_many(wanted)

    # -- sealing --------------------------------------------------------------------------------

    def seal_command(self, command: c.Command) -> c.Command:
        """The command with every personal field replaced by a token (keys made if needed)."""
        if isinstance(command, c.RegisterOfficer):
            if not _present(command.name):
                return command
            subject = officer_subject(
                self.pepper, command.envelope.sender_agency, command.officer_id
            )
            key = self._key(subject, "officer", DIRECTORY_MENTION)
            return dataclasses.replace(command, name=seal(key, subject, "name", command.name))
        if isinstance(command, c.OpenDispute):
            sealed = tuple(self._seal_party(command.case, p) for p in command.parties)
            return dataclasses.replace(command, parties=sealed)
        return command

    def seal_officer_name(self, agency_id: str, officer_id: str, name: str) -> str:
        """An officer's name from the operator's directory file, sealed."""
        if not _present(name):
            return name
        subject = officer_subject(self.pepper, agency_id, officer_id)
        key = self._key(subject, "officer", DIRECTORY_MENTION)
        return seal(key, subject, "name", name)

    def seal_rejected_record(
        self, rejection_id: UUID, raw: bytes, people: Sequence[str]
    ) -> tuple[str, bytes]:
        """A refused record's bytes under a key of its own, shredded with each person named."""
        subject = rejection_subject(rejection_id)
        request = KeyRequest(subject, "rejection", (), tuple(people))
        key = self.keystore.create_many([request])[subject]
        sealed = seal_bytes(key, subject, raw)
        if any(self.keystore.is_destroyed(p) for p in people):  # names someone already erased
            self.keystore.destroy(subject)
        return subject, sealed

    def _seal_party(self, ref: CaseRef, party: Party) -> Party:
        if not (_present(party.name) or _present(party.id_number)):
            return party
        subject = party_subject(self.pepper, ref, party.name, party.id_number)
        key = self._key(subject, "party", case_mention(ref))
        name = seal(key, subject, "name", party.name) if _present(party.name) else party.name
        number = (
            seal(key, subject, "id_number", party.id_number)
            if _present(party.id_number)
            else party.id_number
        )
        return dataclasses.replace(party, name=name, id_number=number)

    def _key(self, subject: str, kind: str, where: str) -> bytes:
        return self.keystore.create_many([KeyRequest(subject, kind, (where,))])[subject]
