"""The demo story is a valid history: each step ends as the story says, as the article tells."""

from __future__ import annotations

import io
import json
from datetime import timedelta

from devkit.demo import protection
from devkit.demo.clock import StoryClock
from devkit.demo.console import Console
from devkit.demo.directory import operator_directory_toml
from devkit.demo.protection import ERASED_BY, ERASURE_REASON, land_history, parties_line
from devkit.demo.replay import run_story
from devkit.demo.story import (
    APPLICANT,
    CONFIDENTIAL_CASE,
    CONFIDENTIAL_MARKER,
    CONFIDENTIAL_TITLE,
    DEMO_CLEARANCES,
    FOOD_CASE,
    JUSTICE_BUREAU,
    LAND_CASE,
    OFFICERS,
    PERSONAL_DATA,
    PROCURATORATE,
    RULE_OF_LAW_OFFICE,
    THIRD_PARTY,
    Step,
    demo_story,
    story,
)
from devkit.testing.consumers import memory_store
from hub.audit.history import CaseRef as AuditCaseRef
from hub.audit.history import History, history_for
from hub.cases.application import CaseHub
from hub.cases.views import Accepted, Rejected
from hub.privacy import ERASED
from hub.privacy.access import Reader
from hub.privacy.reveal_views import ReadingLens
from hub.privacy.subjects import id_number_subject
from hub.settings import Settings


def _hub(tmp_path) -> tuple[CaseHub, StoryClock]:
    steps = demo_story()
    clock = StoryClock(steps[0].at - timedelta(days=1))
    hub = CaseHub(memory_store(), clock=clock, settings=Settings(data_dir=tmp_path))
    directory_file = tmp_path / "directory.toml"
    directory_file.write_text(operator_directory_toml(), encoding="utf-8")
    hub.apply_directory_file(directory_file)
    return hub, clock


def _missed(hub: CaseHub) -> set[tuple[str, str]]:
    return {
        (case.case_number, e.payload["target_id"])
        for case in (FOOD_CASE, LAND_CASE, CONFIDENTIAL_CASE)
        for e in hub.case_events(CaseHub.case_id(case.owning_agency, case.case_number))
        if e.type.endswith("DeadlineMissed")
    }


def test_the_story_is_told_in_time_order() -> None:
    """The story's steps are in time order, so a publisher can send them as they stand."""
    for steps in (story(), demo_story()):
        moments = [step.at for step in steps]
        assert moments == sorted(moments)


def test_the_demo_story_adds_the_confidential_case_and_keeps_the_years_event_ids() -> None:
    """``casehub demo`` tells the year plus the confidential case; the year's steps carry the
    same event ids as ``story()`` (what the pipeline's tests replay)."""
    year = {s.command.envelope.event_id: s.en for s in story() if isinstance(s, Step)}
    told = {s.command.envelope.event_id: s.en for s in demo_story() if isinstance(s, Step)}
    added = [en for event_id, en in told.items() if event_id not in year]
    assert year.items() <= told.items()
    assert len(added) == 3
    confidential = [
        s
        for s in demo_story()
        if isinstance(s, Step) and s.command.envelope.classification == "CONFIDENTIAL"
    ]
    assert [s.command.case for s in confidential] == [CONFIDENTIAL_CASE]


def test_every_step_ends_as_the_story_says(tmp_path) -> None:
    """Every step is accepted but the one bad event, refused as the story expects."""
    hub, clock = _hub(tmp_path)
    outcomes = run_story(hub, clock, demo_story(), strict=True)  # raises if unexpected
    published = [s for s in demo_story() if isinstance(s, Step)]
    refused = [o for o in outcomes if isinstance(o, Rejected)]
    assert [(r.reason_code, r.event_id) for r in refused] == [
        (s.refused, s.command.envelope.event_id) for s in published if s.refused
    ]
    assert sum(isinstance(o, Accepted) for o in outcomes) >= len(published) - len(refused)


def test_only_the_land_recommendation_misses_its_reply_deadline(tmp_path) -> None:
    """The Natural Resources Bureau's reply (due 15 June 2026) is missed; the other is on time."""
    hub, clock = _hub(tmp_path)
    run_story(hub, clock, demo_story(), strict=True)
    missed = _missed(hub)
    assert (LAND_CASE.case_number, "JJ-2026-02") in missed
    assert all(target != "JJ-2026-01" for _, target in missed)


# --- data protection (issue #10): what the demo shows, proved in memory -------------------------
def _protected_hub(tmp_path) -> tuple[CaseHub, Settings]:
    clearances = ",".join(f"{agency}={level}" for agency, level in DEMO_CLEARANCES)
    settings = Settings(data_dir=tmp_path, agency_clearances=clearances)
    steps = demo_story()
    clock = StoryClock(steps[0].at - timedelta(days=1))
    hub = CaseHub(memory_store(), clock=clock, settings=settings)
    directory_file = tmp_path / "directory.toml"
    directory_file.write_text(operator_directory_toml(), encoding="utf-8")
    hub.apply_directory_file(directory_file)
    run_story(hub, clock, steps, strict=True)
    return hub, settings


def _read_as(hub: CaseHub, settings: Settings, ref, reader: Reader) -> History:
    case = AuditCaseRef(ref.owning_agency, ref.case_number)
    return history_for(hub, case, ReadingLens.for_settings(settings, reader))


def test_the_confidential_case_reads_whole_only_for_its_cleared_participants(tmp_path) -> None:
    """The trade-secrets case is CONFIDENTIAL: the procuratorate (participant, cleared) reads
    its content; the Justice Bureau (participant, not cleared) and the Rule-of-Law Office
    (notified, not a participant) its masked form only."""
    hub, settings = _protected_hub(tmp_path)
    cleared = _read_as(hub, settings, CONFIDENTIAL_CASE, Reader(PROCURATORATE))
    assert not cleared.masked
    assert cleared.case.title == CONFIDENTIAL_TITLE
    assert cleared.case.classification == "CONFIDENTIAL"
    for agency in (JUSTICE_BUREAU, RULE_OF_LAW_OFFICE):
        masked = _read_as(hub, settings, CONFIDENTIAL_CASE, Reader(agency))
        assert masked.masked, agency
        assert masked.case.title == ""
        assert CONFIDENTIAL_MARKER not in repr(masked), agency


def test_erasing_the_applicant_leaves_erased_and_every_chain_verifying(tmp_path) -> None:
    """After the demo's erasure the auditor reads [erased] for the applicant (name and ID
    number) while the third party still reads, and every case's chain still verifies."""
    hub, settings = _protected_hub(tmp_path)
    before = parties_line(land_history(hub, settings))
    assert APPLICANT.name in before
    assert APPLICANT.id_number in before
    subject = id_number_subject(hub.keystore.pepper(), APPLICANT.id_number)
    change = hub.erase_personal_data(subject, ERASURE_REASON, by=ERASED_BY)
    assert change.key_destroyed
    after = parties_line(land_history(hub, settings))
    assert APPLICANT.name not in after
    assert APPLICANT.id_number not in after
    assert f"{ERASED} (applicant, {ERASED})" in after
    assert THIRD_PARTY.name in after
    for ref in (FOOD_CASE, LAND_CASE, CONFIDENTIAL_CASE):
        assert hub.verify_chain(CaseHub.case_id(ref.owning_agency, ref.case_number)).ok


def test_personal_data_lists_every_fictional_name_and_id_number() -> None:
    """What the demo searches the store and Kafka for covers every officer and party."""
    for _, _, name, _ in OFFICERS:
        assert name.partition(" (")[0] in PERSONAL_DATA
    for party in (APPLICANT, THIRD_PARTY):
        assert party.name.partition(" (")[0] in PERSONAL_DATA
        assert party.id_number in PERSONAL_DATA
        assert party.id_number.endswith("X")
        assert set(party.id_number[:-2]) == {"0"}


def test_the_plaintext_check_finds_a_name_left_in_a_file(tmp_path, monkeypatch) -> None:
    """The check the demo prints is not vacuous: a fictional name in the views file (as the
    JSON escape of its Chinese part, too) is reported, and the run fails."""
    monkeypatch.setattr(protection, "read_raw", lambda *_a, **_k: [_record(b"nothing here")])
    (tmp_path / "hub.sqlite").write_bytes(b"ciphertext only")
    out = io.StringIO()
    clean = protection.ProtectionReport([])
    protection.plaintext_check(tmp_path, {}, Console("en", out), clean)
    assert clean.ok
    assert "store file ✓, views file ✓, 1 Kafka records ✓" in out.getvalue()
    (tmp_path / "views.sqlite").write_bytes(json.dumps({"n": "吴十"}).encode())
    found = protection.ProtectionReport([])
    protection.plaintext_check(tmp_path, {}, Console("en", out), found)
    assert not found.ok
    assert "personal data FOUND in plaintext: views.sqlite" in out.getvalue()


def _record(value: bytes) -> protection.RawRecord:
    return protection.RawRecord("casehub.timeline", b"k", value, b"")
