"""The file-backed key store: keys per subject, destruction, durability and clear errors."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from hub.errors import SetupError
from hub.privacy import FileKeyStore, KeyRequest, SubjectErased, UnknownSubject, open_key_store
from hub.settings import Settings


class TestKeys:
    def test_create_is_idempotent(self, tmp_path: Path) -> None:
        """Asking twice for a subject's key gives the same 32-byte key."""
        store = FileKeyStore(tmp_path / "keys.json")
        first = store.create("p-1")
        assert len(first) == 32
        assert store.create("p-1") == first
        assert FileKeyStore(tmp_path / "keys.json").key("p-1") == first

    def test_destroyed_key_is_gone_and_cannot_come_back(self, tmp_path: Path) -> None:
        """After destroy, key() is None, the file no longer holds it, and create refuses."""
        path = tmp_path / "keys.json"
        store = FileKeyStore(path)
        key = store.create("p-1")
        assert store.destroy("p-1") is True
        assert store.key("p-1") is None
        assert store.is_destroyed("p-1")
        assert json.loads(path.read_text())["subjects"]["p-1"]["key"] is None
        assert key.hex() not in path.read_text()
        with pytest.raises(SubjectErased, match="p-1"):
            store.create("p-1")
        assert store.destroy("p-1") is False  # a rerun: nothing more to do

    def test_destroying_an_unknown_subject_is_refused(self, tmp_path: Path) -> None:
        """An unknown subject is a clear error and writes nothing."""
        store = FileKeyStore(tmp_path / "keys.json")
        with pytest.raises(UnknownSubject, match="nobody"):
            store.destroy("nobody")
        assert not (tmp_path / "keys.json").exists()

    def test_keys_shredded_with_a_person_die_with_them(self, tmp_path: Path) -> None:
        """A rejected record's key goes when any person it named is erased."""
        store = FileKeyStore(tmp_path / "keys.json")
        store.create_many([KeyRequest("p-1"), KeyRequest("r-1", "rejection", (), ("p-1",))])
        store.destroy("p-1")
        assert store.key("r-1") is None

    def test_a_refused_batch_writes_nothing(self, tmp_path: Path) -> None:
        """One erased subject in a batch: no other key of the batch is created."""
        store = FileKeyStore(tmp_path / "keys.json")
        store.create("p-1")
        store.destroy("p-1")
        with pytest.raises(SubjectErased):
            store.create_many([KeyRequest("p-2"), KeyRequest("p-1")])
        assert store.info("p-2") is None

    def test_mentions_and_corrections_are_kept(self, tmp_path: Path) -> None:
        store = FileKeyStore(tmp_path / "keys.json")
        store.create_many([KeyRequest("p-1", "party", ("case:A/1",))])
        store.create_many([KeyRequest("p-1", "party", ("case:B/2",))])
        store.record_correction("p-1", "name", "pii:v1:p-1:name:xx")
        info = FileKeyStore(tmp_path / "keys.json").info("p-1")
        assert info is not None
        assert info.mentions == ("case:A/1", "case:B/2")
        assert info.corrections == {"name": "pii:v1:p-1:name:xx"}


class TestFile:
    def test_file_is_private(self, tmp_path: Path) -> None:
        """The key store file is mode 0600 in a 0700 directory."""
        store = open_key_store(Settings(data_dir=tmp_path))
        store.create("p-1")
        path = tmp_path / "keys" / "keystore.json"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700

    def test_key_store_path_setting_moves_it(self, tmp_path: Path) -> None:
        elsewhere = tmp_path / "vault" / "ks.json"
        store = open_key_store(Settings(data_dir=tmp_path, key_store_path=str(elsewhere)))
        store.create("p-1")
        assert elsewhere.exists()

    def test_two_writers_lose_nothing(self, tmp_path: Path) -> None:
        """Two store objects on one file (two processes) each see the other's keys."""
        a = FileKeyStore(tmp_path / "keys.json")
        b = FileKeyStore(tmp_path / "keys.json")
        ka = a.create("p-a")
        kb = b.create("p-b")
        assert a.key("p-b") == kb
        assert b.key("p-a") == ka
        assert a.pepper() == b.pepper()

    def test_unreadable_store_is_a_setup_error_naming_the_file(self, tmp_path: Path) -> None:
        path = tmp_path / "keys.json"
        path.write_text("{not json", encoding="utf-8")
        with pytest.raises(SetupError, match=str(path)):
            FileKeyStore(path).key("p-1")
        assert path.read_text(encoding="utf-8") == "{not json"

    def test_a_foreign_file_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "keys.json"
        path.write_text('{"hello": 1}', encoding="utf-8")
        with pytest.raises(SetupError, match="not a CaseHub key store"):
            FileKeyStore(path).create("p-1")
