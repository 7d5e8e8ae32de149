"""The event store's key: read from the settings, handed to eventsourcing, checked at start.

Every stored event's ``state`` (and every snapshot's) is sealed with AES-GCM by eventsourcing's
``AESCipher`` when a key is set; the other columns (ids, versions, topics, notification ids)
stay readable, which is what the hub's own SQL reads. A store is either all plaintext or all
under one key. An encrypted store also holds a key check (``casehub_store_key``: a fixed text
sealed with its key), which only its key opens: a store written without a key, a key on a
plaintext store and a wrong key are all refused before the application writes anything, and a
damaged event is not taken for a wrong key (the audit tools name it). A store encrypted before
key checks existed is judged by its first events and given its key check on its next open with
the right key.
"""

from __future__ import annotations

import binascii
import hashlib
import json
import sqlite3
from base64 import b64decode
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hub.errors import SetupError
from hub.logging import get_logger
from hub.settings import Settings

if TYPE_CHECKING:
    from eventsourcing.cryptography import AESCipher

log = get_logger(__name__)

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
#: The table beside the events that holds the store's key check (one row; none in a plaintext
#: store). Its value is ``KEY_CHECK_TEXT`` sealed with the store's key: AES-GCM opens it with
#: that key only, so a wrong key is told apart from a damaged event.
KEY_CHECK_TABLE = "casehub_store_key"
KEY_CHECK_TEXT = b"CaseHub event store key check, version 1"
#: How many of the first stored events a store without a key check is tried with: one that
#: opens proves the key right (a damaged first event is not taken for a wrong key).
SAMPLES = 20


@dataclass(frozen=True)
class Held:
    """What tells whether a key fits a store: its key check (None: none written yet) and the
    states of its first stored events (none: an empty store)."""

    key_check: bytes | None = None
    samples: tuple[bytes, ...] = ()


def key_check_for(key: StoreKey) -> bytes:
    """The key check a store sealed with ``key`` holds."""
    return key.seal(KEY_CHECK_TEXT)


def _opens(key: StoreKey, sealed: bytes) -> bool:
    try:
        key.open(sealed)
    except ValueError:
        return False
    return True


def looks_plain(state: bytes) -> bool:
    """Whether a stored state is the transcoder's JSON as it is (not sealed by any key)."""
    try:
        json.loads(state.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return False
    return True


def fit(held: Held, key: StoreKey | None, where: str) -> bool:
    """Raise ``StoreKeyError`` unless ``key`` (or no key) is the one the store is sealed with.

    With a key check, the key is checked against it alone (a damaged event is then the audit
    tools' to report). Without one (an empty store, or one encrypted before key checks), the
    first stored events are tried. True when the store's key check should be made the one for
    ``key`` (none without a key): it has none yet and ``key`` is proven right, or the store is
    empty (a key check left behind by dropped tables is replaced, or dropped without a key).
    """
    if held.key_check is not None and held.samples:
        if key is None:
            raise StoreKeyError(
                f"the event store {where} is encrypted: set store_cipher_key_file "
                "(CASEHUB_STORE_CIPHER_KEY_FILE) or store_cipher_key to the key it was written "
                "with (the store holds its key check)"
            )
        try:
            opened = key.open(held.key_check)
        except ValueError:
            opened = b""
        if opened != KEY_CHECK_TEXT:
            what = "the key file" if "file" in key.source else "the key"
            raise StoreKeyError(
                f"{key.source} does not open the event store {where}: {what} does not match "
                f"this store (key check failed); the store was sealed with another key (this "
                f"key's id is {key.key_id}): set the key it was written with"
            )
        return False
    if not held.samples:  # an empty store takes whatever key is configured
        return key is not None or held.key_check is not None
    # one readable event decides (a damaged first event is not taken for a wrong key)
    plain = any(looks_plain(state) for state in held.samples)
    if key is None:
        if plain:
            return False
        raise StoreKeyError(
            f"the event store {where} is encrypted: set store_cipher_key_file "
            "(CASEHUB_STORE_CIPHER_KEY_FILE) or store_cipher_key to the key it was written with"
        )
    if any(_opens(key, state) for state in held.samples):
        return True
    if plain:
        raise StoreKeyError(
            f"the event store {where} was written without encryption, but {key.source} "
            "is set: unset it; or, to encrypt the store, unset it, run `casehub store "
            "rotate-key --new-key-file KEY_FILE` and then set it to KEY_FILE "
            "(docs/operations.md)"
        )
    raise StoreKeyError(
        f"{key.source} does not open the event store {where}: its events were sealed "
        f"with another key (this key's id is {key.key_id}; the store holds no key check yet, "
        f"so its first {len(held.samples)} event(s) were tried); set the key it was written with"
    )


def check_sample(state: bytes | None, key: StoreKey | None, where: str) -> None:
    """Raise ``StoreKeyError`` unless ``key`` (or no key) reads ``state``, a stored event's."""
    fit(Held(None, () if state is None else (state,)), key, where)


# --- the key check and the first events, per backend ---------------------------------------
def sqlite_held(conn: sqlite3.Connection) -> Held:
    """The key check and first stored states of an open SQLite store."""
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    check = None
    if KEY_CHECK_TABLE in tables:
        row = conn.execute(f"SELECT key_check FROM {KEY_CHECK_TABLE} WHERE id = 1").fetchone()  # noqa: S608
        check = bytes(row[0]) if row else None
    samples: tuple[bytes, ...] = ()
    if SQLITE_EVENTS in tables:
        rows = conn.execute(
            f"SELECT state FROM {SQLITE_EVENTS} ORDER BY rowid LIMIT ?",  # noqa: S608
            (SAMPLES,),
        ).fetchall()
        samples = tuple(bytes(r[0]) for r in rows)
    return Held(check, samples)


def write_sqlite_key_check(conn: sqlite3.Connection, key: StoreKey | None) -> None:
    """Give an SQLite store the key check for ``key`` (none for a plaintext store)."""
    if key is None:
        conn.execute(f"DROP TABLE IF EXISTS {KEY_CHECK_TABLE}")
        return
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {KEY_CHECK_TABLE} "
        "(id INTEGER PRIMARY KEY CHECK (id = 1), key_check BLOB NOT NULL)"
    )
    conn.execute(
        f"INSERT OR REPLACE INTO {KEY_CHECK_TABLE} (id, key_check) VALUES (1, ?)",  # noqa: S608
        (key_check_for(key),),
    )


def first_sqlite_held(path: Path) -> Held:
    """What an SQLite store file holds to check a key with (nothing: no file, table or event)."""
    if not path.exists():
        return Held()
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
    except sqlite3.Error:
        return Held()
    try:
        return sqlite_held(conn)
    except sqlite3.Error:
        return Held()
    finally:
        conn.close()


def first_sqlite_state(path: Path) -> bytes | None:
    """The state of the first stored event in a SQLite store (None: no file, table or event)."""
    samples = first_sqlite_held(path).samples
    return samples[0] if samples else None


def _pg_schema(env: Mapping[str, str]) -> str:
    return env.get("POSTGRES_SCHEMA") or "public"


def postgres_held(conn: Any, schema: str = "public") -> Held:
    """The key check and first stored states of a PostgreSQL store (an open connection)."""
    from psycopg import sql  # noqa: PLC0415

    def exists(table: str) -> bool:
        row = conn.execute("SELECT to_regclass(%s)", [f"{schema}.{table}"]).fetchone()
        return bool(row and row[0] is not None)

    check = None
    if exists(KEY_CHECK_TABLE):
        row = conn.execute(
            sql.SQL("SELECT key_check FROM {} WHERE id = 1").format(
                sql.Identifier(schema, KEY_CHECK_TABLE)
            )
        ).fetchone()
        check = bytes(row[0]) if row else None
    samples: tuple[bytes, ...] = ()
    if exists(POSTGRES_EVENTS):
        rows = conn.execute(
            sql.SQL("SELECT state FROM {} ORDER BY notification_id LIMIT %s").format(
                sql.Identifier(schema, POSTGRES_EVENTS)
            ),
            [SAMPLES],
        ).fetchall()
        samples = tuple(bytes(r[0]) for r in rows)
    return Held(check, samples)


def write_postgres_key_check(conn: Any, key: StoreKey | None, schema: str = "public") -> None:
    """Give a PostgreSQL store the key check for ``key`` (none for a plaintext store)."""
    from psycopg import sql  # noqa: PLC0415

    table = sql.Identifier(schema, KEY_CHECK_TABLE)
    if key is None:
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(table))
        return
    conn.execute(
        sql.SQL(
            "CREATE TABLE IF NOT EXISTS {} "
            "(id integer PRIMARY KEY CHECK (id = 1), key_check bytea NOT NULL)"
        ).format(table)
    )
    conn.execute(
        sql.SQL(
            "INSERT INTO {} (id, key_check) VALUES (1, %s) "
            "ON CONFLICT (id) DO UPDATE SET key_check = EXCLUDED.key_check"
        ).format(table),
        [key_check_for(key)],
    )


@contextmanager
def _postgres(env: Mapping[str, str]) -> Iterator[Any]:
    import psycopg  # noqa: PLC0415

    with psycopg.connect(
        host=env["POSTGRES_HOST"],
        port=int(env["POSTGRES_PORT"]),
        dbname=env["POSTGRES_DBNAME"],
        user=env["POSTGRES_USER"],
        password=env["POSTGRES_PASSWORD"],
        connect_timeout=3,
    ) as conn:
        yield conn


def first_postgres_held(env: Mapping[str, str]) -> Held:
    """What the PostgreSQL store holds to check a key with (nothing if it cannot say).

    An unreachable server is left for the application to report (and the pipeline to retry).
    """
    try:
        import psycopg  # noqa: PLC0415
    except ImportError:
        return Held()
    try:
        with _postgres(env) as conn:
            return postgres_held(conn, _pg_schema(env))
    except psycopg.Error:
        return Held()


def first_postgres_state(env: Mapping[str, str]) -> bytes | None:
    """The state of the first stored event in the PostgreSQL store (None if it cannot say)."""
    samples = first_postgres_held(env).samples
    return samples[0] if samples else None


def check_store_key(settings: Settings, env: Mapping[str, str], key: StoreKey | None) -> None:
    """Refuse to start over a store the configured key (or lack of one) cannot read.

    A store sealed before key checks existed, opened with its right key, is given its key
    check here (as is an empty store opened with a key); failing to write it (a read-only
    file, a busy database) is left for the next open.
    """
    if settings.store == "sqlite":
        held = first_sqlite_held(settings.sqlite_file)
    else:
        held = first_postgres_held(env)
    if fit(held, key, where(settings)):
        _give_key_check(settings, env, key)


def _give_key_check(settings: Settings, env: Mapping[str, str], key: StoreKey | None) -> None:
    if settings.store == "sqlite":
        try:
            conn = sqlite3.connect(settings.sqlite_file, timeout=10)
            try:
                with conn:
                    write_sqlite_key_check(conn, key)
            finally:
                conn.close()
        except sqlite3.Error as exc:
            log.warning("store_key_check_not_written", where=where(settings), error=str(exc))
            return
    else:
        import psycopg  # noqa: PLC0415

        try:
            with _postgres(env) as conn, conn.transaction():
                write_postgres_key_check(conn, key, _pg_schema(env))
        except psycopg.Error as exc:
            log.warning("store_key_check_not_written", where=where(settings), error=str(exc))
            return
    log.info("store_key_check_written", where=where(settings), key_id=key and key.key_id)


def where(settings: Settings) -> str:
    if settings.store == "sqlite":
        return f"at {settings.sqlite_file}"
    return (
        f"in PostgreSQL database {settings.postgres_dbname} at "
        f"{settings.postgres_host}:{settings.postgres_port}"
    )
