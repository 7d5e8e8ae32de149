"""``casehub privacy``: as an operator runs it, on the hub's SQLite store in a data dir."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from case_builders import MARKET, World
from hub.cli import main
from hub.privacy import ERASED, Revealer
from privacy_people import APPLICANT, APPLICANT_ID, NAMELESS_PARTY


@pytest.fixture
def hub(disputed: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    """The disputed case's hub, with the environment pointing the CLI at its data dir."""
    for name in ("CASEHUB_CONFIG", "CASEHUB_KEY_STORE_PATH", "CASEHUB_SQLITE_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CASEHUB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CASEHUB_STORE", "sqlite")
    # no broker here: `audit verify` checks the chains alone (the Kafka anchor is covered by
    # tests/integration/test_privacy_pipeline.py)
    monkeypatch.setenv("CASEHUB_KAFKA_BOOTSTRAP", "127.0.0.1:9")
    return disputed


def case_ref(world: World) -> str:
    return f"{MARKET}/{world.case_ref.case_number}"


def subjects(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, object]]:
    assert main(["privacy", "subjects", "--json", *args]) == 0
    found: list[dict[str, object]] = json.loads(capsys.readouterr().out)
    return found


def test_subjects_are_found_by_id_number_name_and_officer(
    hub: World, capsys: pytest.CaptureFixture[str]
):
    """Each lookup names the subject and the case or directory that mentions it."""
    by_id = subjects(capsys, "--id-number", APPLICANT_ID)
    assert [s["mentions"] for s in by_id] == [[f"case:{case_ref(hub)}"]]
    by_name = subjects(capsys, "--name", NAMELESS_PARTY, "--case", case_ref(hub))
    assert len(by_name) == 1
    assert by_name[0]["subject"] != by_id[0]["subject"]
    officer = subjects(capsys, "--officer", f"{MARKET}/{MARKET}-1")
    assert officer[0]["mentions"] == ["directory"]
    assert officer[0]["kind"] == "officer"


def test_erase_from_the_command_line(hub: World, capsys: pytest.CaptureFixture[str]):
    subject = str(subjects(capsys, "--id-number", APPLICANT_ID)[0]["subject"])
    assert main(["privacy", "erase", subject, "--reason", "PIPL art. 47", "--by", "dpo"]) == 0
    out = capsys.readouterr().out
    assert "recorded PersonalDataErased in case:" in out
    assert "destroyed the key" in out
    dispute = hub.hub.get_case(hub.case_id).disputes[0]
    assert Revealer(hub.hub.keystore).reveal(dispute.parties[0].name) == ERASED
    assert main(["audit", "verify", "--all"]) == 0
    assert main(["privacy", "erase", subject, "--reason", "PIPL art. 47"]) == 0
    assert "destroyed before" in capsys.readouterr().out


@pytest.mark.usefixtures("hub")
def test_erase_of_an_unknown_subject_is_a_clear_error(capsys: pytest.CaptureFixture[str]):
    assert main(["privacy", "erase", "p-unknown", "--reason", "x"]) == 2
    assert "no personal data is held for subject p-unknown" in capsys.readouterr().err


def test_correct_from_the_command_line(hub: World, capsys: pytest.CaptureFixture[str]):
    subject = str(subjects(capsys, "--name", APPLICANT, "--case", case_ref(hub))[0]["subject"])
    args = ["privacy", "correct", subject, "--field", "id_number", "--value", "110101199003071235"]
    assert main(args) == 0
    assert "PersonalDataCorrected (id_number)" in capsys.readouterr().out
    dispute = hub.hub.get_case(hub.case_id).disputes[0]
    assert Revealer(hub.hub.keystore).reveal(dispute.parties[0].id_number) == ("110101199003071235")


def test_a_missing_key_store_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    monkeypatch.setenv("CASEHUB_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CASEHUB_KEY_STORE_PATH", raising=False)
    assert main(["privacy", "subjects"]) == 2
    assert f"no key store at {tmp_path / 'keys' / 'keystore.json'}" in capsys.readouterr().err
