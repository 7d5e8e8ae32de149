"""Tokens: AES-256-GCM per subject and field; revealing, correcting, erasing, withholding."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.errors import SetupError
from hub.privacy import (
    ERASED,
    WITHHELD,
    FileKeyStore,
    Revealer,
    is_token,
    parse_token,
    seal,
    withhold_payload,
)


@pytest.fixture
def store(tmp_path: Path) -> FileKeyStore:
    return FileKeyStore(tmp_path / "keys.json")


def test_a_token_hides_the_value_and_reveals_it(store: FileKeyStore) -> None:
    """The token names subject and field, never the value; the revealer gives it back."""
    token = seal(store.create("p-1"), "p-1", "name", "张三")
    assert is_token(token)
    assert token.startswith("pii:v1:p-1:name:")
    assert "张三" not in token
    assert seal(store.create("p-1"), "p-1", "name", "张三") != token  # a fresh nonce each time
    assert Revealer(store).reveal(token) == "张三"


def test_a_token_moved_to_another_field_does_not_open(store: FileKeyStore) -> None:
    """Subject and field are authenticated: a token pasted elsewhere is detected."""
    token = seal(store.create("p-1"), "p-1", "name", "张三")
    moved = token.replace(":name:", ":id_number:")
    with pytest.raises(SetupError, match="does not decrypt"):
        Revealer(store).reveal(moved)


def test_erased_subject_reads_as_erased(store: FileKeyStore) -> None:
    token = seal(store.create("p-1"), "p-1", "name", "张三")
    store.destroy("p-1")
    assert Revealer(store).reveal(token) == ERASED


def test_the_latest_correction_wins(store: FileKeyStore) -> None:
    """Every token of the subject's field reads as the corrected value."""
    key = store.create("p-1")
    old = seal(key, "p-1", "name", "张三")
    store.record_correction("p-1", "name", seal(key, "p-1", "name", "张珊"))
    assert Revealer(store).reveal(old) == "张珊"
    store.record_correction("p-1", "name", seal(key, "p-1", "name", "张姗"))
    assert Revealer(store).reveal(old) == "张姗"


def test_a_missing_key_is_a_setup_error_not_erased(tmp_path: Path) -> None:
    """A token whose key is unknown (not destroyed) points at the wrong or missing key store."""
    token = seal(FileKeyStore(tmp_path / "a.json").create("p-1"), "p-1", "name", "张三")
    other = FileKeyStore(tmp_path / "b.json")
    with pytest.raises(SetupError, match=r"b\.json"):
        Revealer(other).reveal(token)


def test_payloads_are_walked_deeply(store: FileKeyStore) -> None:
    token = seal(store.create("p-1"), "p-1", "name", "张三")
    payload = {"parties": [{"name": token, "role": "applicant"}], "n": 1, "t": (token,)}
    assert Revealer(store).reveal_payload(payload) == {
        "parties": [{"name": "张三", "role": "applicant"}],
        "n": 1,
        "t": ("张三",),
    }
    assert withhold_payload(payload)["parties"][0]["name"] == WITHHELD
    assert Revealer(store).withhold_payload(payload)["t"] == (WITHHELD,)
    assert Revealer(store).reveal("plain text") == "plain text"


def test_parse_token_rejects_garbage() -> None:
    with pytest.raises(SetupError, match="malformed"):
        parse_token("pii:v1:only-subject")
