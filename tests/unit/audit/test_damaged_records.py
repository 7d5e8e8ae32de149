"""The auditor's tools on an encrypted store with a damaged record: each names the case and the
version that cannot be read, `verify --all` goes on with the other cases, and nothing ends in a
traceback."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from eventsourcing.cryptography import AESCipher

from hub.cli import main
from hub.ids import case_id_for

FOOD = "market-regulation/市监案〔2026〕001号"
FOOD_ID = case_id_for("market-regulation", "市监案〔2026〕001号")
LAND = "natural-resources/自然资案〔2026〕014号"
LAND_ID = case_id_for("natural-resources", "自然资案〔2026〕014号")
DAMAGED = "cannot be decrypted: the stored bytes are damaged"


def write_key(path: Path) -> Path:
    path.write_text(AESCipher.create_key(32) + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


@pytest.fixture
def sealed(data_dir, tmp_path, monkeypatch, capsys) -> Path:
    """The story's store encrypted with `casehub store rotate-key`, its key configured."""
    key = write_key(tmp_path / "store.key")
    monkeypatch.delenv("CASEHUB_STORE_CIPHER_KEY", raising=False)
    monkeypatch.delenv("CASEHUB_STORE_CIPHER_KEY_FILE", raising=False)
    assert main(["store", "rotate-key", "--new-key-file", str(key)]) == 0
    monkeypatch.setenv("CASEHUB_STORE_CIPHER_KEY_FILE", str(key))
    capsys.readouterr()
    return data_dir / "hub.sqlite"


def flip_byte(store: Path, case_id, version: int) -> str:
    """Flip one byte of the stored ciphertext of a case's version; return the event's type."""
    with sqlite3.connect(store) as conn:
        topic, state = conn.execute(
            "SELECT topic, state FROM stored_events WHERE originator_id = ? "
            "AND originator_version = ?",
            (case_id.hex, version),
        ).fetchone()
        damaged = bytearray(state)
        damaged[40] ^= 0x01
        conn.execute(
            "UPDATE stored_events SET state = ? WHERE originator_id = ? AND originator_version = ?",
            (bytes(damaged), case_id.hex, version),
        )
    return str(topic).rsplit(".", 1)[-1]


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


class TestVerify:
    def test_verify_all_names_the_damaged_version_and_checks_the_others(self, sealed, capsys):
        """One flipped byte: a broken link naming case and version; the other case is checked."""
        kind = flip_byte(sealed, FOOD_ID, 5)
        code, out, err = run(capsys, "audit", "verify", "--all", "--anchor", "view")
        assert code == 1, out + err
        assert f"BROKEN {FOOD}: version 5 (Case.{kind}) {DAMAGED}" in out
        assert f"ok {LAND}:" in out
        assert "2 case(s) checked, 1 broken" in out
        assert "Traceback" not in err

    def test_verify_one_case_names_the_damaged_version(self, sealed, capsys):
        kind = flip_byte(sealed, FOOD_ID, 5)
        code, out, err = run(capsys, "audit", "verify", FOOD, "--anchor", "view")
        assert code == 1, out + err
        assert f"BROKEN {FOOD}: version 5 (Case.{kind}) {DAMAGED}" in out

    def test_a_damaged_registration_is_still_checked_and_named(self, sealed, capsys):
        """The registration itself unreadable: the case is named by its id, the others checked."""
        flip_byte(sealed, LAND_ID, 1)
        code, out, err = run(capsys, "audit", "verify", "--all", "--anchor", "view")
        assert code == 1, out + err
        assert f"BROKEN case {LAND_ID}: version 1 (Case.Registered) {DAMAGED}" in out
        assert f"ok {FOOD}: 17 event(s)" in out
        assert "2 case(s) checked, 1 broken" in out


class TestReading:
    @pytest.mark.parametrize(
        "verb",
        [
            ("history",),
            ("history", "--format", "json"),
            ("export", "--format", "html"),
            ("export", "--format", "json"),
        ],
        ids=["history", "history-json", "export-html", "export-json"],
    )
    def test_a_damaged_record_is_a_clear_error_naming_case_and_version(
        self, sealed, capsys, tmp_path, verb
    ):
        """`audit history` / `audit export`: one line naming case and version, exit 2."""
        kind = flip_byte(sealed, FOOD_ID, 5)
        out_file = tmp_path / "out.file"
        args = [verb[0], FOOD, *verb[1:]]
        if verb[0] == "export":
            args += ["--out", str(out_file)]
        code, out, err = run(capsys, "audit", *args)
        assert code == 2, out + err
        assert f"case {FOOD}: version 5 (Case.{kind}) {DAMAGED}" in err
        assert "Traceback" not in err
        assert not out_file.exists()
