"""Personal data through the application: sealed before storing, erased, corrected.

The hub runs on SQLite in a temporary directory (key store beside it, as configured by
default), so the tests can search the database file itself for the people's data.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from case_builders import JUSTICE, MARKET, World, sqlite_env
from hub.cases import commands as c
from hub.cases.application import CaseHub
from hub.cases.views import Accepted, Duplicate, Rejected
from hub.errors import RuleViolation, SetupError
from hub.ops.deadletters import DeadLetterErased, received_bytes
from hub.privacy import ERASED, Revealer, UnknownSubject, is_token
from hub.privacy.subjects import officer_subject, party_subject
from hub.vocabulary import CaseRef, Party
from privacy_people import APPLICANT, APPLICANT_ID, NAMELESS_PARTY, OFFICER_NAME

PEOPLE = (APPLICANT, APPLICANT_ID, NAMELESS_PARTY, OFFICER_NAME)


def stored_bytes(tmp_path: Path) -> bytes:
    """Every byte of the SQLite event store (main file, journal and WAL)."""
    return b"".join(p.read_bytes() for p in sorted(tmp_path.glob("hub.sqlite*")))


def applicant(world: World) -> str:
    return party_subject(world.hub.personal_data.pepper, world.case_ref, APPLICANT, APPLICANT_ID)


def nameless(world: World) -> str:
    return party_subject(world.hub.personal_data.pepper, world.case_ref, NAMELESS_PARTY, "")


def parties(world: World) -> list[Party]:
    dispute = world.hub.get_case(world.case_id).disputes[0]
    return list(Revealer(world.hub.keystore).reveal_payload(dispute.parties))


def notifications(world: World) -> int:
    return int(world.hub.recorder.max_notification_id() or 0)


class TestSealedBeforeStoring:
    def test_the_event_store_holds_no_personal_data(self, disputed: World, tmp_path: Path):
        """Names and ID numbers (officers and parties) never reach the database file."""
        stored = stored_bytes(tmp_path)
        for value in PEOPLE:
            assert value.encode() not in stored, value
        assert b"pii:v1:" in stored
        assert [p.name for p in parties(disputed)] == [APPLICANT, NAMELESS_PARTY]

    def test_no_unkeyed_hash_of_a_record_is_stored(self, world: World, tmp_path: Path):
        """The record's bare SHA-256 (which could confirm a guessed name) is stored keyed."""
        world.register()
        inbound = world.inbound(
            world.build(
                c.OpenDispute,
                JUSTICE,
                dispute_id="D-1",
                subject="s",
                parties=(Party(APPLICANT, "applicant"),),
            ),
            content=hashlib.sha256(APPLICANT.encode()).hexdigest(),
        )
        assert isinstance(world.hub.execute(inbound), Accepted)
        assert inbound.content_hash.encode() not in stored_bytes(tmp_path)

    def test_a_resend_is_still_a_duplicate_and_changed_content_a_conflict(self, world: World):
        world.register()
        inbound = world.inbound(
            world.build(
                c.OpenDispute,
                JUSTICE,
                dispute_id="D-1",
                subject="s",
                parties=(Party(APPLICANT, "applicant"),),
            )
        )
        first = world.hub.execute(inbound)
        assert isinstance(first, Accepted)
        again = world.hub.execute(replace(inbound, origin=c.Origin("test", 0, 999)))
        assert again == Duplicate(inbound.command.envelope.event_id, first.case_id, first.version)
        changed = world.hub.execute(
            replace(inbound, origin=c.Origin("test", 0, 1000), content_hash="0" * 64)
        )
        assert isinstance(changed, Rejected)
        assert changed.reason_code == "conflicting_duplicate"

    def test_the_directory_file_applies_again_unchanged(self, world: World):
        """Officers' names are sealed, yet reapplying the same file changes nothing."""
        assert world.hub.apply_directory_file(world.directory_file) == ()
        officer = world.hub.directory()
        names = [o.name for a in officer.agencies for o in a.officers]
        assert names
        assert all(is_token(n) for n in names)


class TestErasure:
    def test_erase_records_the_event_then_destroys_the_key(self, disputed: World):
        """PersonalDataErased joins the case's chain; the person reads as erased, not others."""
        subject = applicant(disputed)
        change = disputed.hub.erase_personal_data(subject, "request under PIPL art. 47", by="dpo")
        assert change.recorded_in == (f"case:{MARKET}/{disputed.case_ref.case_number}",)
        assert change.key_destroyed
        last = disputed.hub.case_events(disputed.case_id)[-1]
        assert last.type == "Case.PersonalDataErased"
        assert last.payload["subject"] == subject
        assert last.payload["reason"] == "request under PIPL art. 47"
        assert last.officer_id == "dpo"
        assert disputed.hub.verify_chain(disputed.case_id).first_bad is None
        revealed = parties(disputed)
        assert (revealed[0].name, revealed[0].id_number) == (ERASED, ERASED)
        assert revealed[1].name == NAMELESS_PARTY

    def test_rerun_records_nothing_twice(self, disputed: World):
        subject = applicant(disputed)
        disputed.hub.erase_personal_data(subject, "request", by="dpo")
        before = notifications(disputed)
        change = disputed.hub.erase_personal_data(subject, "request", by="dpo")
        assert change.recorded_in == ()
        assert not change.key_destroyed
        assert notifications(disputed) == before

    def test_a_crash_before_the_key_is_destroyed_is_finished_by_a_rerun(
        self, disputed: World, monkeypatch: pytest.MonkeyPatch
    ):
        """Events recorded, key not yet destroyed: the rerun destroys it, records nothing."""
        subject = applicant(disputed)
        keystore = disputed.hub.keystore
        destroy = keystore.destroy

        def crash(_subject: str) -> bool:
            raise OSError("power cut")

        monkeypatch.setattr(keystore, "destroy", crash)
        with pytest.raises(OSError, match="power cut"):
            disputed.hub.erase_personal_data(subject, "request", by="dpo")
        assert parties(disputed)[0].name == APPLICANT  # not yet erased
        monkeypatch.setattr(keystore, "destroy", destroy)
        events = notifications(disputed)
        change = disputed.hub.erase_personal_data(subject, "request", by="dpo")
        assert (change.recorded_in, change.key_destroyed) == ((), True)
        assert notifications(disputed) == events
        assert parties(disputed)[0].name == ERASED

    def test_an_unknown_subject_writes_nothing(self, disputed: World):
        before = notifications(disputed)
        with pytest.raises(UnknownSubject, match="p-nobody"):
            disputed.hub.erase_personal_data("p-nobody", "request", by="dpo")
        assert notifications(disputed) == before

    def test_a_blank_reason_is_refused(self, disputed: World):
        before = notifications(disputed)
        with pytest.raises(RuleViolation, match="reason"):
            disputed.hub.erase_personal_data(applicant(disputed), "  ", by="dpo")
        assert notifications(disputed) == before
        assert parties(disputed)[0].name == APPLICANT

    def test_one_person_across_cases_is_erased_everywhere(self, disputed: World):
        """The ID number makes one subject in every case naming the person."""
        other = CaseRef(MARKET, "市监罚〔2026〕2号")
        disputed.send(c.RegisterCase, MARKET, case=other, title="t", category="x", summary="s")
        disputed.send(
            c.OpenDispute,
            JUSTICE,
            case=other,
            dispute_id="D-9",
            subject="s",
            parties=(Party("Wang X.", "applicant", APPLICANT_ID),),
        )
        change = disputed.hub.erase_personal_data(applicant(disputed), "request", by="dpo")
        assert len(change.recorded_in) == 2
        dispute = disputed.hub.get_case(CaseHub.case_id(MARKET, other.case_number)).disputes[0]
        assert Revealer(disputed.hub.keystore).reveal(dispute.parties[0].name) == ERASED

    def test_an_officer_is_erased_from_the_directory(self, world: World):
        subject = officer_subject(world.hub.personal_data.pepper, MARKET, "market-regulation-1")
        change = world.hub.erase_personal_data(subject, "left the service", by="dpo")
        assert change.recorded_in == ("directory",)
        liaison = world.hub.liaison_at(MARKET, world.clock.now)
        assert liaison is not None
        assert Revealer(world.hub.keystore).reveal(liaison.officer_name) == ERASED
        assert world.hub.apply_directory_file(world.directory_file) == ()  # still up to date

    def test_a_refused_record_is_sealed_and_shredded_with_the_person(self, disputed: World):
        """Its bytes are stored sealed; redrive opens them until the person is erased."""
        raw = f"OpenDispute naming {APPLICANT} {APPLICANT_ID}".encode()
        command = disputed.build(
            c.OpenDispute,
            JUSTICE,
            case=CaseRef(MARKET, "no-such-case"),
            dispute_id="D-2",
            subject="s",
            parties=(Party(APPLICANT, "applicant", APPLICANT_ID),),
        )
        refused = disputed.hub.execute(replace(disputed.inbound(command), raw=raw))
        assert isinstance(refused, Rejected)
        rejection = disputed.hub.repository.get(refused.rejection_id)
        assert APPLICANT.encode() not in bytes(rejection.raw)
        assert received_bytes(disputed.hub, rejection) == raw
        disputed.hub.erase_personal_data(applicant(disputed), "request", by="dpo")
        with pytest.raises(DeadLetterErased, match="erased"):
            received_bytes(disputed.hub, rejection)

    def test_a_new_record_naming_an_erased_person_is_refused_alone(self, disputed: World):
        """Its batch goes on; its bytes are sealed under a key shredded at once."""
        disputed.hub.erase_personal_data(applicant(disputed), "request", by="dpo")
        naming = disputed.inbound(
            disputed.build(
                c.OpenDispute,
                JUSTICE,
                dispute_id="D-3",
                subject="s",
                parties=(Party(APPLICANT, "applicant", APPLICANT_ID),),
            )
        )
        other = disputed.inbound(
            disputed.build(c.ShareInformation, MARKET, info_id="I-9", summary="s", documents=())
        )
        refused, accepted = disputed.hub.process_batch([naming, other])
        assert isinstance(refused, Rejected)
        assert refused.reason_code == "subject_erased"
        assert isinstance(accepted, Accepted)
        rejection = disputed.hub.repository.get(refused.rejection_id)
        with pytest.raises(DeadLetterErased):
            received_bytes(disputed.hub, rejection)

    def test_reapply_erasures_undoes_a_restored_old_key_store(self, disputed: World):
        """A key-store backup from before the erasure resurrects the key; reapply kills it."""
        path = Path(disputed.hub.keystore.location)
        backup = path.with_name("backup.json")
        shutil.copy(path, backup)
        subject = applicant(disputed)
        disputed.hub.erase_personal_data(subject, "request", by="dpo")
        shutil.copy(backup, path)
        assert parties(disputed)[0].name == APPLICANT  # resurrected by the restore
        assert disputed.hub.reapply_erasures() == [subject]
        assert parties(disputed)[0].name == ERASED
        assert disputed.hub.reapply_erasures() == []


class TestCorrection:
    def test_readers_get_the_corrected_value(self, disputed: World):
        subject = nameless(disputed)
        change = disputed.hub.correct_personal_data(
            subject, "name", "Li Sijia (corrected)", by="dpo"
        )
        assert len(change.recorded_in) == 1
        last = disputed.hub.case_events(disputed.case_id)[-1]
        assert last.type == "Case.PersonalDataCorrected"
        assert is_token(last.payload["value"])
        assert parties(disputed)[1].name == "Li Sijia (corrected)"
        assert disputed.hub.verify_chain(disputed.case_id).first_bad is None

    def test_an_officer_has_no_id_number_to_correct(self, world: World):
        subject = officer_subject(world.hub.personal_data.pepper, MARKET, "market-regulation-1")
        with pytest.raises(RuleViolation, match="id_number"):
            world.hub.correct_personal_data(subject, "id_number", "x", by="dpo")

    def test_an_erased_person_cannot_be_corrected(self, disputed: World):
        subject = applicant(disputed)
        disputed.hub.erase_personal_data(subject, "request", by="dpo")
        with pytest.raises(RuleViolation, match="erased"):
            disputed.hub.correct_personal_data(subject, "name", "x", by="dpo")


class TestKeyStoreBinding:
    def test_a_missing_key_store_stops_the_hub_before_it_writes(
        self, disputed: World, tmp_path: Path
    ):
        Path(disputed.hub.keystore.location).unlink()
        hub = CaseHub(sqlite_env(tmp_path), clock=disputed.clock, settings=disputed.settings)
        before = int(hub.recorder.max_notification_id() or 0)
        with pytest.raises(SetupError, match=r"key store .* is missing"):
            hub.execute(disputed.inbound(disputed.build(c.AddParticipant, MARKET, agency_id="x")))
        assert int(hub.recorder.max_notification_id() or 0) == before
        assert not Path(hub.keystore.location).exists()

    def test_another_key_store_is_refused(self, disputed: World, tmp_path: Path):
        other = tmp_path / "other-keys.json"
        settings = replace(disputed.settings, key_store_path=str(other))
        hub = CaseHub(sqlite_env(tmp_path), clock=disputed.clock, settings=settings)
        hub.keystore.pepper()  # a fresh key store of its own
        with pytest.raises(SetupError, match="not the one"):
            hub.execute(disputed.inbound(disputed.build(c.AddParticipant, MARKET, agency_id="x")))

    def test_a_fresh_hub_binds_its_key_store_once(self, tmp_path: Path):
        world = World(sqlite_env(tmp_path), tmp_path)
        world.register()
        assert Path(world.hub.keystore.location).exists()
