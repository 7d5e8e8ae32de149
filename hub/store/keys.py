"""The event store's key: read from the settings, handed to eventsourcing, checked at start.

Every stored event's ``state`` (and every snapshot's) is sealed with AES-GCM by eventsourcing's
``AESCipher`` when a key is set; the other columns (ids, versions, topics, notification ids)
stay readable, which is what the hub's own SQL reads. A store is either all plaintext or all
under one key, so reading its first event tells whether the configured key fits it: a store
written without a key, a key on a plaintext store and a wrong key are all refused before the
application writes anything.
"""

from __future__ import annotations

import binascii
import hashlib
import json
import sqlite3
from base64 import b64decode
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from hub.errors import SetupError
from hub.settings import Settings

if TYPE_CHECKING:
    from eventsourcing.cryptography import AESCipher

#: eventsourcing's AES-GCM cipher (the ``cryptography`` package).
CIPHER_TOPIC = "eventsourcing.cryptography:AESCipher"
KEY_SIZES = (16, 24, 32)
#: eventsourcing's prefix for the hub application's settings (``CaseHub.name``, upper case).
APPLICATION_NAME = "CASEHUB"
#: The events table of the hub's application (``CaseHub``) on each backend.
SQLITE_EVENTS = "stored_events"
POSTGRES_EVENTS = "casehub_events"


class StoreKeyError(SetupError):
    """The configured key does not fit the stored events (or is not a key at all)."""

    code = "store_key_error"


@dataclass(frozen=True)
class StoreKey:
    """An AES key and where it came from (the setting or file an error should name)."""

    encoded: str = field(repr=False)
    source: str

    @property
    def raw(self) -> bytes:
        return b64decode(self.encoded)

    @property
    def key_id(self) -> str:
        """A short fingerprint to tell keys apart in output; reveals nothing of the key."""
        return hashlib.sha256(b"casehub-store-key:" + self.raw).hexdigest()[:12]

    def seal(self, plaintext: bytes) -> bytes:
        return self._cipher().encrypt(plaintext)

    def open(self, ciphertext: bytes) -> bytes:
        """The plaintext; ``ValueError`` when this key did not seal it."""
        return self._cipher().decrypt(ciphertext)

    def _cipher(self) -> AESCipher:
        from eventsourcing.cryptography import AESCipher  # noqa: PLC0415 - only with a key
        from eventsourcing.utils import Environment  # noqa: PLC0415

        return AESCipher(Environment(env={"CIPHER_KEY": self.encoded}))


def parse_key(text: str, source: str) -> StoreKey:
    """A key from its base64 text; a clear error naming ``source`` when it is not one."""
    encoded = text.strip()
    try:
        raw = b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise StoreKeyError(
            f"{source} is not base64; make a key with `casehub store keygen`"
        ) from None
    if len(raw) not in KEY_SIZES:
        raise StoreKeyError(
            f"{source} holds {len(raw)} bytes; an AES key has 16, 24 or 32 "
            "(make one with `casehub store keygen`)"
        )
    return StoreKey(encoded, source)


def read_key_file(path: Path, setting: str = "store_cipher_key_file") -> StoreKey:
    """The key in ``path`` (base64 on one line), refused if others may read the file."""
    from hub.security.credentials import require_private  # noqa: PLC0415

    source = f"{setting} ({path})"
    if not path.exists():
        raise StoreKeyError(f"{source} does not exist")
    require_private(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise StoreKeyError(f"cannot read {source}: {exc}") from None
    return parse_key(text, source)


def store_key(settings: Settings) -> StoreKey | None:
    """The configured key, or None when the store is not encrypted."""
    if settings.store_cipher_key:
        return parse_key(settings.store_cipher_key, "store_cipher_key (CASEHUB_STORE_CIPHER_KEY)")
    if settings.store_cipher_key_file:
        return read_key_file(Path(settings.store_cipher_key_file))
    return None


def cipher_env(key: StoreKey | None) -> dict[str, str]:
    """eventsourcing's settings that seal stored events with ``key`` (no cipher without one).

    eventsourcing also reads the process environment, the application's name first
    (``CASEHUB_CIPHER_KEY`` before ``CIPHER_KEY``): both are pinned, empty when there is no
    key, so the hub's settings alone decide whether and how the store is sealed.
    """
    topic, encoded = (CIPHER_TOPIC, key.encoded) if key is not None else ("", "")
    pinned = {"CIPHER_TOPIC": topic, "CIPHER_KEY": encoded}
    return pinned | {f"{APPLICATION_NAME}_{name}": value for name, value in pinned.items()}


# --- does the key fit the store? ------------------------------------------------------------------
def looks_plain(state: bytes) -> bool:
    """Whether a stored state is the transcoder's JSON as it is (not sealed by any key)."""
    try:
        json.loads(state.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return False
    return True


def check_sample(state: bytes | None, key: StoreKey | None, where: str) -> None:
    """Raise ``StoreKeyError`` unless ``key`` (or no key) reads ``state``, a stored event's."""
    if state is None:
        return  # an empty store takes whatever key is configured
    if key is None:
        if looks_plain(state):
            return
        raise StoreKeyError(
            f"the event store {where} is encrypted: set store_cipher_key_file "
            "(CASEHUB_STORE_CIPHER_KEY_FILE) or store_cipher_key to the key it was written with"
        )
    try:
        key.open(state)
    except ValueError:
        if looks_plain(state):
            raise StoreKeyError(
                f"the event store {where} was written without encryption, but {key.source} "
                "is set: unset it, or encrypt the store with `casehub store rotate-key` "
                "(docs/operations.md)"
            ) from None
        raise StoreKeyError(
            f"{key.source} does not open the event store {where}: its events were sealed "
            f"with another key (this key's id is {key.key_id}); set the key it was written with"
        ) from None


def where(settings: Settings) -> str:
    if settings.store == "sqlite":
        return f"at {settings.sqlite_file}"
    return (
        f"in PostgreSQL database {settings.postgres_dbname} at "
        f"{settings.postgres_host}:{settings.postgres_port}"
    )


def first_sqlite_state(path: Path) -> bytes | None:
    """The state of the first stored event in a SQLite store (None: no file, table or event)."""
    if not path.exists():
        return None
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
    except sqlite3.Error:
        return None
    try:
        row = conn.execute(
            f"SELECT state FROM {SQLITE_EVENTS} ORDER BY rowid LIMIT 1"  # noqa: S608 - our table
        ).fetchone()
    except sqlite3.Error:
        return None  # no events table yet: the application creates it
    finally:
        conn.close()
    return bytes(row[0]) if row else None


def first_postgres_state(env: Mapping[str, str]) -> bytes | None:
    """The state of the first stored event in the PostgreSQL store (None if it cannot say).

    An unreachable server is left for the application to report (and the pipeline to retry).
    """
    try:
        import psycopg  # noqa: PLC0415
        from psycopg import sql  # noqa: PLC0415
    except ImportError:
        return None
    try:
        with psycopg.connect(
            host=env["POSTGRES_HOST"],
            port=int(env["POSTGRES_PORT"]),
            dbname=env["POSTGRES_DBNAME"],
            user=env["POSTGRES_USER"],
            password=env["POSTGRES_PASSWORD"],
            connect_timeout=3,
        ) as conn:
            table = sql.Identifier(env.get("POSTGRES_SCHEMA") or "public", POSTGRES_EVENTS)
            exists = conn.execute(
                "SELECT to_regclass(%s)",
                [f"{env.get('POSTGRES_SCHEMA') or 'public'}.{POSTGRES_EVENTS}"],
            ).fetchone()
            if not exists or exists[0] is None:
                return None
            row = conn.execute(
                sql.SQL("SELECT state FROM {} ORDER BY notification_id LIMIT 1").format(table)
            ).fetchone()
    except psycopg.Error:
        return None
    return bytes(row[0]) if row else None


def check_store_key(settings: Settings, env: Mapping[str, str], key: StoreKey | None) -> None:
    """Refuse to start over a store the configured key (or lack of one) cannot read."""
    if settings.store == "sqlite":
        sample = first_sqlite_state(settings.sqlite_file)
    else:
        sample = first_postgres_state(env)
    check_sample(sample, key, where(settings))
