"""The access policy: effective levels, clearances, who reads content, the masked form."""

from __future__ import annotations

import pytest

from hub.errors import CaseHubError
from hub.outbound.recipients import event_recipients, participants_after
from hub.privacy.access import (
    AUDITOR,
    CONFIDENTIAL,
    INTERNAL,
    PUBLIC,
    AccessPolicy,
    ClassificationError,
    Clearances,
    Reader,
    clearances_from,
    effective_level,
    masked_payload,
)
from hub.settings import Settings

CASE = ["market-regulation", "procuratorate", "justice-bureau"]
POLICY = AccessPolicy(
    Clearances(INTERNAL, {"procuratorate": CONFIDENTIAL, "rule-of-law-office": CONFIDENTIAL})
)


class TestEffectiveLevel:
    def test_the_higher_of_case_and_event_wins(self):
        """An INTERNAL item in a CONFIDENTIAL case is CONFIDENTIAL, and the other way round."""
        assert effective_level(CONFIDENTIAL, INTERNAL) == CONFIDENTIAL
        assert effective_level(INTERNAL, CONFIDENTIAL) == CONFIDENTIAL
        assert effective_level(PUBLIC, PUBLIC) == PUBLIC

    def test_a_missing_level_counts_as_internal(self):
        """An event recorded before levels were kept reads as the envelope's default."""
        assert effective_level(None, None) == INTERNAL
        assert effective_level(PUBLIC, None) == PUBLIC

    def test_an_unknown_level_is_a_clear_error(self):
        """A misspelt level is refused with the levels it may be."""
        with pytest.raises(ClassificationError, match=r"SECRET.*PUBLIC, INTERNAL, CONFIDENTIAL"):
            effective_level("SECRET", INTERNAL)


class TestWhoReadsContent:
    def test_a_cleared_participant_reads_confidential_content(self):
        """The procuratorate, cleared and taking part, gets the content."""
        assert POLICY.may_read_content("procuratorate", CONFIDENTIAL, CASE)

    def test_an_uncleared_participant_gets_the_masked_form(self):
        """The justice bureau takes part but is cleared for INTERNAL only."""
        assert not POLICY.may_read_content("justice-bureau", CONFIDENTIAL, CASE)
        assert POLICY.may_read_content("justice-bureau", INTERNAL, CASE)

    def test_a_cleared_non_participant_gets_the_masked_form(self):
        """The Rule-of-Law Office is cleared but takes no part: metadata only."""
        assert not POLICY.may_read_content("rule-of-law-office", CONFIDENTIAL, CASE)

    def test_internal_content_reaches_a_notice_recipient(self):
        """Below CONFIDENTIAL, clearance alone decides (a notice must be readable)."""
        assert POLICY.may_read_content("natural-resources", INTERNAL, CASE)
        assert POLICY.may_read_content("natural-resources", PUBLIC, CASE)

    def test_the_default_clearance_denies_confidential(self):
        """An agency nobody configured is not cleared for CONFIDENTIAL, even in its own case."""
        assert not AccessPolicy().may_read_content("market-regulation", CONFIDENTIAL, CASE)

    def test_personal_data_only_for_participants_and_auditors(self):
        """A notice recipient reads INTERNAL content but not the people in it."""
        outsider = POLICY.access(Reader("natural-resources"), INTERNAL, CASE)
        assert outsider.content
        assert not outsider.personal_data
        member = POLICY.access(Reader("justice-bureau"), INTERNAL, CASE)
        assert member.content
        assert member.personal_data
        auditor = POLICY.access(AUDITOR, CONFIDENTIAL, CASE)
        assert auditor.content
        assert auditor.personal_data
        masked = POLICY.access(Reader("justice-bureau"), CONFIDENTIAL, CASE)
        assert not masked.content
        assert not masked.personal_data


class TestClearanceSettings:
    def test_string_and_file_combine_and_the_string_wins(self, tmp_path):
        """clearance_file names some agencies, agency_clearances overrides one of them."""
        path = tmp_path / "clearances.toml"
        path.write_text('procuratorate = "confidential"\njustice-bureau = "INTERNAL"\n')
        settings = Settings(
            clearance_file=str(path),
            agency_clearances="justice-bureau=CONFIDENTIAL, natural-resources=PUBLIC",
            default_clearance="PUBLIC",
        )
        clearances = clearances_from(settings)
        assert clearances.of("procuratorate") == CONFIDENTIAL
        assert clearances.of("justice-bureau") == CONFIDENTIAL
        assert clearances.of("natural-resources") == PUBLIC
        assert clearances.of("anyone-else") == PUBLIC

    @pytest.mark.parametrize(
        ("setting", "message"),
        [
            ({"agency_clearances": "procuratorate"}, "not agency-id=LEVEL"),
            ({"agency_clearances": "procuratorate=TOP"}, "'TOP' is not a classification"),
            ({"default_clearance": "HIGH"}, "default_clearance"),
            ({"clearance_file": "/nonexistent/clearances.toml"}, "does not exist"),
        ],
    )
    def test_bad_settings_are_clear_errors(self, setting, message):
        """Each bad clearance setting names what is wrong."""
        with pytest.raises(CaseHubError, match=message):
            clearances_from(Settings(**setting))

    def test_a_clearance_file_that_is_not_toml_or_not_a_level(self, tmp_path):
        """A broken file and a number in place of a level are both refused."""
        broken = tmp_path / "broken.toml"
        broken.write_text("procuratorate = \n")
        with pytest.raises(ClassificationError, match="not valid TOML"):
            clearances_from(Settings(clearance_file=str(broken)))
        numeric = tmp_path / "numeric.toml"
        numeric.write_text("procuratorate = 3\n")
        with pytest.raises(ClassificationError, match="expected a level in quotes"):
            clearances_from(Settings(clearance_file=str(numeric)))


class TestMaskedForm:
    def test_keeps_ids_agencies_dates_and_drops_content(self):
        """Title, summary, the major flag's summary, documents and parties are gone."""
        payload = {
            "owning_agency": "market-regulation",
            "case_number": "MR-1",
            "title": "secret title",
            "summary": "secret summary",
            "category": "food-safety",
            "classification": CONFIDENTIAL,
            "participants": CASE,
            "major": {"notice_id": "TB-1", "summary": "secret notice", "recipients": []},
            "notice_due_date": "2026-03-03",
            "documents": [{"document_id": "D", "sha256": "a", "title": "secret doc"}],
            "parties": [{"name": "pii:v1:p-1:name:xx", "role": "applicant"}],
            "content_hash": "f" * 64,
        }
        masked = masked_payload(payload)
        assert masked == {
            "owning_agency": "market-regulation",
            "case_number": "MR-1",
            "classification": CONFIDENTIAL,
            "participants": CASE,
            "major": {"notice_id": "TB-1", "recipients": []},
            "notice_due_date": "2026-03-03",
            "masked": True,
        }


class TestParticipants:
    def test_follow_registration_additions_and_addressees(self):
        """Registration names the first participants; an addition and an addressee join."""
        members = participants_after([], "Registered", {"participants": ["a", "p"]})
        members = participants_after(members, "ParticipantAdded", {"agency_id": "b"})
        members = participants_after(members, "RecommendationIssued", {"addressee": "c"})
        members = participants_after(members, "InformationShared", {"summary": "x"})
        assert members == ["a", "p", "b", "c"]

    def test_recipients_add_notice_recipients_and_named_agencies(self):
        """A notice reaches non-participants; the hub itself is no recipient."""
        payload = {"notice_recipients": ["n"], "agency": "d", "actor_agency": "hub"}
        assert event_recipients(["a"], payload) == ["a", "n", "d"]
