"""Mechanism 1: registration, participants, information sharing and major notices."""

from __future__ import annotations

from case_builders import JUSTICE, MARKET, NATURAL, PROC, ROL, SHA, World, at, refused
from hub.cases import commands as c
from hub.cases.application import CaseHub
from hub.cases.views import Accepted, Rejected
from hub.vocabulary import CaseRef, DocumentRef, MajorFlag


class TestRegistration:
    def test_owner_registers_with_default_participants(self, world: World):
        """The owning agency registers; participants are owner, procuratorate, justice bureau."""
        outcome = world.register()
        assert isinstance(outcome, Accepted)
        assert outcome.case_id == world.case_id
        view = world.hub.get_case(world.case_id)
        assert view.participants == (MARKET, PROC, JUSTICE)
        assert view.version == 1
        assert ROL not in view.participants

    def test_only_owner_registers(self, world: World):
        """A case is registered only by the agency named as its owner."""
        refused(
            world,
            c.RegisterCase,
            NATURAL,
            "not_authorized",
            "only the owning agency market-regulation may register",
            title="t",
            category="x",
            summary="s",
        )

    def test_registered_once(self, registered: World):
        """Registering the same case twice is refused."""
        refused(
            registered,
            c.RegisterCase,
            MARKET,
            "rule_violation",
            "is already registered",
            title="t",
            category="x",
            summary="s",
        )

    def test_title_required(self, world: World):
        """A case needs a non-blank title."""
        refused(
            world,
            c.RegisterCase,
            MARKET,
            "rule_violation",
            "the case title must not be blank",
            title="  ",
            category="x",
            summary="s",
        )

    def test_case_number_normalised(self, world: World):
        """The case id uses the NFKC-normalised, trimmed case number."""
        assert CaseHub.case_id(MARKET, " ＡＢ-1 ") == CaseHub.case_id(MARKET, "AB-1")
        world.case_ref = CaseRef(MARKET, " ＡＢ-1 ")
        world.register()
        assert world.hub.get_case(CaseHub.case_id(MARKET, "AB-1")).case_number == "AB-1"

    def test_unknown_agency(self, world: World):
        """A sender that is not admitted is refused as unknown_agency."""
        world.case_ref = CaseRef("nobody", "N-1")
        refused(
            world,
            c.RegisterCase,
            "nobody",
            "unknown_agency",
            "nobody is not admitted",
            title="t",
            category="x",
            summary="s",
        )

    def test_unknown_officer(self, world: World):
        """An officer not registered for the sending agency is refused as unknown_officer."""
        refused(
            world,
            c.RegisterCase,
            MARKET,
            "unknown_officer",
            "officer procuratorate-1 is not registered for agency market-regulation",
            officer="procuratorate-1",
            title="t",
            category="x",
            summary="s",
        )

    def test_unknown_case(self, world: World):
        """A command on a case never registered is refused as unknown_case."""
        refused(
            world,
            c.ShareInformation,
            MARKET,
            "unknown_case",
            "is not registered",
            info_id="I",
            summary="s",
        )


class TestParticipants:
    def test_owner_adds_participant(self, registered: World):
        """The owner brings another agency into the case."""
        registered.send(c.AddParticipant, MARKET, agency_id=NATURAL)
        assert NATURAL in registered.hub.get_case(registered.case_id).participants

    def test_procuratorate_adds_participant(self, registered: World):
        """The procuratorate may add a participant too."""
        registered.send(c.AddParticipant, PROC, agency_id=ROL)
        assert ROL in registered.hub.get_case(registered.case_id).participants

    def test_justice_bureau_may_not_add(self, registered: World):
        """Only the owner or the procuratorate adds participants."""
        refused(
            registered,
            c.AddParticipant,
            JUSTICE,
            "not_authorized",
            "only the case owner or the procuratorate may add a participant",
            agency_id=NATURAL,
        )

    def test_added_agency_must_be_admitted(self, registered: World):
        """An agency outside the directory cannot be added."""
        refused(registered, c.AddParticipant, MARKET, "unknown_agency", "ghost", agency_id="ghost")

    def test_no_double_participant(self, registered: World):
        """Adding an existing participant is refused."""
        refused(
            registered,
            c.AddParticipant,
            MARKET,
            "rule_violation",
            "already a participant",
            agency_id=PROC,
        )


class TestSharing:
    def test_participant_shares_documents(self, registered: World):
        """A participant shares information with documents referenced by id and SHA-256."""
        registered.send(
            c.ShareInformation,
            JUSTICE,
            info_id="I-1",
            summary="review opinion",
            documents=(DocumentRef("doc-1", SHA, "opinion"),),
        )
        info = registered.hub.get_case(registered.case_id).infos[0]
        assert info.shared_by == JUSTICE
        assert info.documents == (DocumentRef("doc-1", SHA, "opinion"),)

    def test_non_participant_may_not_share(self, registered: World):
        """An agency that is not a participant may not share on the case."""
        refused(
            registered,
            c.ShareInformation,
            NATURAL,
            "not_authorized",
            "natural-resources is not a participant",
            info_id="I-1",
            summary="s",
        )

    def test_bad_hash_refused(self, registered: World):
        """A document hash must be 64 hexadecimal characters."""
        refused(
            registered,
            c.ShareInformation,
            MARKET,
            "rule_violation",
            "sha256 must be 64 hexadecimal characters",
            info_id="I-1",
            summary="s",
            documents=(DocumentRef("doc-1", "abc"),),
        )

    def test_info_id_unique(self, registered: World):
        """An info id is used once per case."""
        registered.send(c.ShareInformation, MARKET, info_id="I-1", summary="s")
        refused(
            registered,
            c.ShareInformation,
            MARKET,
            "rule_violation",
            "information I-1 was already shared",
            info_id="I-1",
            summary="again",
        )


class TestMajorNotices:
    def test_notice_goes_to_everyone_else(self, world: World):
        """A major flag without recipients notifies every other agency in the directory."""
        world.register(major=MajorFlag("N-1", "major food-safety case"))
        notice = world.hub.get_case(world.case_id).notices[0]
        assert set(notice.recipients) == {PROC, JUSTICE, ROL, NATURAL}

    def test_listed_recipients(self, registered: World):
        """A major flag with recipients notifies exactly those."""
        registered.send(
            c.ShareInformation,
            MARKET,
            info_id="I-1",
            summary="s",
            major=MajorFlag("N-2", "escalating", (PROC,)),
        )
        assert registered.hub.get_case(registered.case_id).notices[0].recipients == (PROC,)

    def test_unknown_recipient_refused(self, registered: World):
        """A notice recipient must be admitted."""
        refused(
            registered,
            c.ShareInformation,
            MARKET,
            "unknown_agency",
            "ghost",
            info_id="I-1",
            summary="s",
            major=MajorFlag("N-2", "x", ("ghost",)),
        )

    def test_acknowledged_once_on_time(self, world: World):
        """Each recipient acknowledges once; on the next working day it is on time."""
        world.register(major=MajorFlag("N-1", "major"))  # Monday 2026-08-03
        world.clock.set(at("2026-08-04", 16))
        world.send(c.AcknowledgeNotice, PROC, notice_id="N-1")
        notice = world.hub.get_case(world.case_id).notices[0]
        assert notice.due_date.isoformat() == "2026-08-04"
        assert dict(notice.acknowledged) == {PROC: 0}
        refused(
            world,
            c.AcknowledgeNotice,
            PROC,
            "rule_violation",
            "notice N-1 was already acknowledged by procuratorate",
            notice_id="N-1",
        )

    def test_late_acknowledgment_counts_working_days(self, world: World):
        """Acknowledged the next Monday, a notice due Friday is one working day late."""
        world.clock.set(at("2026-08-06"))  # Thursday
        world.register(major=MajorFlag("N-1", "major"))  # due Friday 2026-08-07
        world.clock.set(at("2026-08-10"))  # Monday
        world.send(c.AcknowledgeNotice, JUSTICE, notice_id="N-1")
        assert dict(world.hub.get_case(world.case_id).notices[0].acknowledged) == {JUSTICE: 1}

    def test_non_recipient_may_not_acknowledge(self, registered: World):
        """Only a recipient of the notice acknowledges it."""
        registered.send(
            c.ShareInformation,
            MARKET,
            info_id="I-1",
            summary="s",
            major=MajorFlag("N-2", "x", (PROC,)),
        )
        refused(
            registered,
            c.AcknowledgeNotice,
            JUSTICE,
            "not_authorized",
            "not a recipient of notice N-2",
            notice_id="N-2",
        )

    def test_outside_recipient_acknowledges_but_cannot_act(self, world: World):
        """A recipient that is not a participant may acknowledge, but not share on the case."""
        world.register(major=MajorFlag("N-1", "major"))
        outcome = world.send(c.AcknowledgeNotice, NATURAL, notice_id="N-1")
        assert isinstance(outcome, Accepted)
        rejected = world.send(c.ShareInformation, NATURAL, info_id="I-9", summary="s")
        assert isinstance(rejected, Rejected)
        assert rejected.reason_code == "not_authorized"
