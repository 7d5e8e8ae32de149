"""Per-person keys, held apart from the event store.

Every data subject (an officer, a party) gets one AES-256 key. Personal data is stored only
as ciphertext under that key (see ``tokens.py``); destroying the key erases the person's
data everywhere it was copied (crypto-shredding) while every hash, which covers the
ciphertext, still verifies.

``KeyStore`` is the interface a real KMS would implement. ``FileKeyStore`` is the default:
one JSON file (mode 0600), rewritten atomically (temp file, fsync, rename) under an
exclusive ``flock`` on a sibling lock file, so two processes (``casehub serve`` and a CLI
command) never lose each other's writes. Each read checks the file's identity and reloads
when another process replaced it.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import hmac
import json
import os
import secrets
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable
from uuid import uuid4

from hub.errors import RuleViolation, SetupError
from hub.settings import Settings

FORMAT = 1
KEY_BYTES = 32


class UnknownSubject(RuleViolation):
    """No personal data is held for this subject id."""

    code = "unknown_subject"


class SubjectErased(RuleViolation):
    """The subject's key was destroyed; nothing new can be recorded under it."""

    code = "subject_erased"


@dataclass(frozen=True)
class KeyRequest:
    """Ask for a subject's key and note what it is for, in one store write per batch.

    ``mentions`` are where the subject's data is recorded (``"case:AGENCY/NUMBER"``,
    ``"directory"``); ``shred_with`` names subjects whose erasure must destroy this key too
    (a rejected record's key is shredded with every person the record mentions).
    """

    subject: str
    kind: str = "person"
    mentions: tuple[str, ...] = ()
    shred_with: tuple[str, ...] = ()


@dataclass(frozen=True)
class SubjectInfo:
    """What the key store knows about one subject (never the key itself)."""

    subject: str
    kind: str
    created_at: str
    destroyed_at: str | None
    mentions: tuple[str, ...]
    corrections: Mapping[str, str] = field(default_factory=dict)


@runtime_checkable
class KeyStore(Protocol):
    """Keys per data subject; an interface a real KMS can implement."""

    def key(self, subject: str) -> bytes | None:
        """The subject's key; None if it never existed or was destroyed."""

    def create(self, subject: str) -> bytes:
        """The subject's key, made on first use (idempotent); SubjectErased if destroyed."""

    def create_many(self, requests: Sequence[KeyRequest]) -> dict[str, bytes]:
        """Keys for many subjects with their mentions noted, in one durable write."""

    def destroy(self, subject: str) -> bool:
        """Destroy the key (and keys shredded with it); False if it was destroyed before."""

    def is_destroyed(self, subject: str) -> bool: ...

    def info(self, subject: str) -> SubjectInfo | None: ...

    def subjects(self) -> list[SubjectInfo]: ...

    def pepper(self) -> bytes:
        """A secret for keyed hashes (subject ids, content hashes); made once, never changes."""

    def store_id(self) -> str:
        """This key store's identity, made with the pepper; the event store records it."""

    def record_correction(self, subject: str, field_name: str, token: str) -> None:
        """Remember the latest corrected value (a token under the subject's key)."""

    def correction(self, subject: str, field_name: str) -> str | None: ...

    def exists(self) -> bool:
        """Whether the store holds anything yet (a missing store is created on first write)."""

    @property
    def location(self) -> str:
        """Where the keys live, for error messages (a path or a KMS name)."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


class FileKeyStore:
    """The default key store: one JSON file beside (not inside) the event store."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock_path = self.path.with_name(self.path.name + ".lock")
        self._data: dict[str, Any] | None = None
        self._stamp: tuple[int, int, int] | None = None

    @property
    def location(self) -> str:
        return str(self.path)

    # -- reading ----------------------------------------------------------------------------------

    def exists(self) -> bool:
        return self.path.exists()

    def key(self, subject: str) -> bytes | None:
        entry = self._read()["subjects"].get(subject)
        if entry is None or entry.get("key") is None:
            return None
        return base64.b64decode(entry["key"])

    def is_destroyed(self, subject: str) -> bool:
        entry = self._read()["subjects"].get(subject)
        return entry is not None and entry.get("destroyed_at") is not None

    def info(self, subject: str) -> SubjectInfo | None:
        entry = self._read()["subjects"].get(subject)
        return None if entry is None else _info(subject, entry)

    def subjects(self) -> list[SubjectInfo]:
        return [_info(s, e) for s, e in sorted(self._read()["subjects"].items())]

    def correction(self, subject: str, field_name: str) -> str | None:
        entry = self._read()["subjects"].get(subject)
        if entry is None:
            return None
        found = entry.get("corrections", {}).get(field_name)
        return str(found) if found is not None else None

    def pepper(self) -> bytes:
        return base64.b64decode(self._identity()["pepper"])

    def store_id(self) -> str:
        return str(self._identity()["store_id"])

    def _identity(self) -> dict[str, Any]:
        data = self._read()
        if data.get("pepper") and data.get("store_id"):
            return data
        with self._writing() as fresh:
            if not fresh.get("pepper"):
                fresh["pepper"] = _b64(secrets.token_bytes(KEY_BYTES))
            if not fresh.get("store_id"):
                fresh["store_id"] = str(uuid4())
            return fresh

    # -- writing ----------------------------------------------------------------------------------

    def create(self, subject: str) -> bytes:
        return self.create_many([KeyRequest(subject)])[subject]

    def create_many(self, requests: Sequence[KeyRequest]) -> dict[str, bytes]:
        keys = self._known_keys(requests)
        if keys is not None:  # the usual case: nothing new, no write
            return keys
        keys = {}
        with self._writing() as data:
            subjects = data["subjects"]
            for request in requests:
                entry = subjects.get(request.subject)
                if entry is None:
                    entry = subjects[request.subject] = {
                        "kind": request.kind,
                        "key": _b64(secrets.token_bytes(KEY_BYTES)),
                        "created_at": _now(),
                        "destroyed_at": None,
                        "mentions": [],
                        "shred_with": [],
                    }
                if entry.get("destroyed_at") is not None:
                    raise SubjectErased(
                        f"personal data of subject {request.subject} was erased on "
                        f"{entry['destroyed_at']}; nothing new can be recorded under that key"
                    )
                _merge(entry, "mentions", request.mentions)
                _merge(entry, "shred_with", request.shred_with)
                keys[request.subject] = base64.b64decode(entry["key"])
        return keys

    def destroy(self, subject: str) -> bool:
        with self._writing() as data:
            subjects = data["subjects"]
            entry = subjects.get(subject)
            if entry is None:
                raise UnknownSubject(f"the key store {self.path} holds no subject {subject}")
            destroyed = _shred(entry)
            for other in subjects.values():  # keys that must not outlive this person
                if subject in other.get("shred_with", []):
                    _shred(other)
            return destroyed

    def record_correction(self, subject: str, field_name: str, token: str) -> None:
        with self._writing() as data:
            entry = data["subjects"].get(subject)
            if entry is None:
                raise UnknownSubject(f"the key store {self.path} holds no subject {subject}")
            if entry.get("destroyed_at") is not None:
                raise SubjectErased(f"personal data of subject {subject} was erased")
            entry.setdefault("corrections", {})[field_name] = token

    # -- internals --------------------------------------------------------------------------------

    def _known_keys(self, requests: Sequence[KeyRequest]) -> dict[str, bytes] | None:
        subjects = self._read()["subjects"]
        keys: dict[str, bytes] = {}
        for request in requests:
            entry = subjects.get(request.subject)
            if entry is None or entry.get("key") is None:
                return None
            if not set(request.mentions) <= set(entry.get("mentions", [])):
                return None
            if not set(request.shred_with) <= set(entry.get("shred_with", [])):
                return None
            keys[request.subject] = base64.b64decode(entry["key"])
        return keys

    def _file_stamp(self) -> tuple[int, int, int] | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def _read(self) -> dict[str, Any]:
        stamp = self._file_stamp()
        if self._data is not None and stamp == self._stamp:
            return self._data
        self._data = self._load() if stamp is not None else _empty()
        self._stamp = stamp
        return self._data

    def _load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except PermissionError as exc:
            raise SetupError(
                f"cannot read the key store {self.path}: permission denied; run as the user "
                "who owns it (it must stay mode 0600)"
            ) from exc
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SetupError(
                f"the key store {self.path} is unreadable ({exc}); restore it from its backup. "
                "Do not delete it: without it no personal data in the event store can be read"
            ) from exc
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise SetupError(
                f"the key store {self.path} is not a CaseHub key store (format {FORMAT}); "
                "restore it from its backup or set key_store_path to the right file"
            )
        data.setdefault("subjects", {})
        return data

    @contextmanager
    def _writing(self) -> Iterator[dict[str, Any]]:
        """Hold the lock, re-read the newest file, let the caller change it, write it atomically.

        If the caller raises, nothing is written.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with self._lock_path.open("a+b") as lock:
            self._lock_path.chmod(0o600)
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                self._data = None
                data = self._read()
                data = json.loads(json.dumps(data))  # a copy: a failed change leaves no trace
                yield data
                self._write(data)
                self._data = data
                self._stamp = self._file_stamp()
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    def _write(self, data: dict[str, Any]) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=self.path.name + ".", suffix=".tmp")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(data, out, indent=1, sort_keys=True)
                out.flush()
                os.fsync(out.fileno())
            Path(tmp).replace(self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        dir_fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _empty() -> dict[str, Any]:
    return {"format": FORMAT, "pepper": None, "store_id": None, "subjects": {}}


def _merge(entry: dict[str, Any], name: str, values: Iterable[str]) -> None:
    current: list[str] = entry.setdefault(name, [])
    for value in values:
        if value not in current:
            current.append(value)


def _shred(entry: dict[str, Any]) -> bool:
    if entry.get("destroyed_at") is not None:
        return False
    entry["key"] = None
    entry["corrections"] = {}
    entry["destroyed_at"] = _now()
    return True


def _info(subject: str, entry: Mapping[str, Any]) -> SubjectInfo:
    return SubjectInfo(
        subject=subject,
        kind=str(entry.get("kind", "person")),
        created_at=str(entry.get("created_at", "")),
        destroyed_at=entry.get("destroyed_at"),
        mentions=tuple(entry.get("mentions", ())),
        corrections=dict(entry.get("corrections", {})),
    )


def key_store_file(settings: Settings) -> Path:
    configured = settings.key_store_path
    return Path(configured) if configured else settings.data_dir / "keys" / "keystore.json"


def open_key_store(settings: Settings) -> KeyStore:
    """The key store the settings name (a missing file is created on first write)."""
    return FileKeyStore(key_store_file(settings))


def keyed_digest(pepper: bytes, *parts: str) -> str:
    """HMAC-SHA-256 over the parts (NUL-separated): reveals nothing without the pepper."""
    message = "\x00".join(parts).encode("utf-8")
    return hmac.new(pepper, message, hashlib.sha256).hexdigest()


__all__ = [
    "FileKeyStore",
    "KeyRequest",
    "KeyStore",
    "SubjectErased",
    "SubjectInfo",
    "UnknownSubject",
    "key_store_file",
    "keyed_digest",
    "open_key_store",
]
