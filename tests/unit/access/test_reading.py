"""Views and histories read with a reader's eyes: masked where it may not read, personal data
revealed only where it is entitled, erased people as "[erased]"."""

from __future__ import annotations

import json

import pytest

from consumers import timelines
from consumers.runner import catch_up
from consumers.store import SQLiteViewStore
from devkit.testing.consumers import CONFIDENTIAL_STRINGS
from hub.audit.history import AuditError, CaseRef, history, read_as
from hub.audit.render import render_history
from hub.ids import case_id_for
from hub.privacy import ERASED, WITHHELD, FileKeyStore, Revealer, seal
from hub.privacy.access import AUDITOR, CONFIDENTIAL, INTERNAL, Reader
from hub.privacy.reveal_views import ReadingLens

CONF = CaseRef("market-regulation", "MR-CONF-1")


def _lens(policy, reader, keystore=None):
    def revealer():
        if keystore is None:
            raise AssertionError("no personal data here: the key store must not be opened")
        return Revealer(keystore)

    return ReadingLens(reader, policy, revealer)


# --- the timelines view ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def view_rows(classified_app, tmp_path_factory):
    store = SQLiteViewStore(str(tmp_path_factory.mktemp("views") / "views.sqlite"))
    catch_up(classified_app, store, timelines.VIEW)
    case_id = str(case_id_for(CONF.owning_agency, CONF.case_number))
    case = store.rows(timelines.VIEW, "cases", {"case_id": case_id})[0]
    rows = store.rows(timelines.VIEW, "entries", {"case_id": case_id})
    store.close()
    return case, rows


class TestTimelinesView:
    def test_the_view_stores_levels_and_no_content(self, view_rows):
        """The view keeps the case's and each event's level; none of the secret text."""
        case, rows = view_rows
        assert case["classification"] == CONFIDENTIAL
        assert [r["classification"] for r in rows] == [CONFIDENTIAL, INTERNAL]
        text = json.dumps([case, *rows], ensure_ascii=False)
        assert not any(secret in text for secret in CONFIDENTIAL_STRINGS)

    def test_a_cleared_participant_reads_every_entry(self, view_rows, policy):
        case, rows = view_rows
        shown = timelines.read_as(case, rows, _lens(policy, Reader("procuratorate")))
        assert [r["masked"] for r in shown] == [False, False]

    def test_an_uncleared_participant_reads_every_entry_masked(self, view_rows, policy):
        """Masked entries keep their dates and agencies, lose their officer and say so."""
        case, rows = view_rows
        shown = timelines.read_as(case, rows, _lens(policy, Reader("justice-bureau")))
        assert [r["masked"] for r in shown] == [True, True]
        assert shown[0]["officer_id"] is None
        assert shown[0]["recorded_at"]
        (line, _) = timelines.timeline_rows(shown, "en")
        assert line["text"].endswith("[content masked, metadata only]")

    @pytest.mark.parametrize("agency", ["rule-of-law-office", "natural-resources"])
    def test_a_notice_recipient_sees_only_the_notice_masked(self, view_rows, policy, agency):
        case, rows = view_rows
        shown = timelines.read_as(case, rows, _lens(policy, Reader(agency)))
        assert [(r["event_type"], r["masked"]) for r in shown] == [("Case.Registered", True)]

    def test_an_agency_the_case_never_reached_sees_nothing(self, view_rows, policy):
        case, rows = view_rows
        assert timelines.read_as(case, rows, _lens(policy, Reader("nobody"))) == []


# --- the auditor's history ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def conf_history(classified_app):
    participants = classified_app.get_case(CONF.case_id).participants
    return history(classified_app, CONF), participants


class TestHistory:
    def test_the_auditor_reads_everything(self, conf_history, policy):
        found, participants = conf_history
        text = render_history(read_as(found, _lens(policy, AUDITOR), participants), "json", "en")
        assert all(secret in text for secret in CONFIDENTIAL_STRINGS[:4])

    def test_a_cleared_participant_reads_the_content(self, conf_history, policy):
        found, participants = conf_history
        seen = read_as(found, _lens(policy, Reader("procuratorate")), participants)
        assert not seen.masked
        assert seen.case.title == CONFIDENTIAL_STRINGS[0]

    @pytest.mark.parametrize(
        ("agency", "versions"),
        [("justice-bureau", [1, 2]), ("rule-of-law-office", [1]), ("natural-resources", [1])],
    )
    def test_everyone_else_reads_metadata_only(self, conf_history, policy, agency, versions):
        """In every format, no secret text; the case's ids, agencies and level remain."""
        found, participants = conf_history
        seen = read_as(found, _lens(policy, Reader(agency)), participants)
        assert seen.masked
        assert seen.reader == agency
        assert [e.version for e in seen.events] == versions
        assert seen.case.case_number == "MR-CONF-1"
        assert seen.case.title == ""
        assert seen.case.participants == tuple(participants)
        for fmt in ("table", "json", "html"):
            text = render_history(seen, fmt, "en")
            assert not any(secret in text for secret in CONFIDENTIAL_STRINGS), fmt
        assert "content masked, metadata only" in render_history(seen, "table", "en")

    def test_a_case_that_never_reached_the_agency_is_refused(self, conf_history, policy):
        found, participants = conf_history
        with pytest.raises(AuditError, match="not visible to agency ecology-nobody"):
            read_as(found, _lens(policy, Reader("ecology-nobody")), participants)


# --- personal data ------------------------------------------------------------------------------
class TestPersonalData:
    @pytest.fixture
    def sealed(self, tmp_path):
        keystore = FileKeyStore(tmp_path / "keys.json")
        key = keystore.create("p-1")
        payload = {"parties": [{"name": seal(key, "p-1", "name", "张三"), "role": "applicant"}]}
        return keystore, payload

    def test_revealed_for_participants_withheld_for_others(self, sealed, policy):
        """Inside an INTERNAL case a participant reads the name, a notice recipient does not."""
        keystore, payload = sealed
        members = ["market-regulation", "justice-bureau"]
        member = _lens(policy, Reader("justice-bureau"), keystore)
        outsider = _lens(policy, Reader("natural-resources"), keystore)
        auditor = _lens(policy, AUDITOR, keystore)
        for lens, expected in ((member, "张三"), (outsider, WITHHELD), (auditor, "张三")):
            access = lens.access(INTERNAL, members)
            assert lens.payload(payload, access)["parties"][0]["name"] == expected

    def test_an_erased_person_reads_erased_at_the_next_read(self, sealed, policy):
        """No rebuild: the stored token stays, the destroyed key makes it unreadable."""
        keystore, payload = sealed
        lens = _lens(policy, AUDITOR, keystore)
        keystore.destroy("p-1")
        shown = lens.payload(payload, lens.access(INTERNAL, []))
        assert shown["parties"][0]["name"] == ERASED


def test_a_timelines_view_built_before_levels_is_refused_until_rebuilt(tmp_path):
    """An old view (no classification column) could not be read safely: rebuild it."""
    import sqlite3  # noqa: PLC0415

    from hub.errors import SetupError  # noqa: PLC0415

    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE timelines_cases (case_id TEXT PRIMARY KEY, category TEXT)")
    store = SQLiteViewStore(str(path))
    with pytest.raises(SetupError, match="consumers rebuild timelines"):
        store.ensure(timelines.VIEW)
    store.drop(timelines.VIEW)
    store.ensure(timelines.VIEW)
    store.close()
