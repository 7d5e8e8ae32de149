"""Encryption at rest: the store contract with eventsourcing's AES cipher on SQLite and
PostgreSQL, no plaintext in the stored rows, a key that does not fit refused before anything
is written, and ``casehub store rotate-key`` re-sealing a store under a new key."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.cryptography import AESCipher

from case_builders import MARKET, World, sqlite_env
from hub.cases import commands as c
from hub.cases.store import store_env
from hub.cli import main
from hub.ids import case_id_for
from hub.settings import Settings
from hub.store.keys import StoreKeyError, cipher_env, parse_key
from hub.vocabulary import CaseRef
from store_contract import PersistentStoreContract

KEY_A = AESCipher.create_key(32)
KEY_B = AESCipher.create_key(32)
TITLE = "无证食品作坊 Unlicensed workshop Zhang-Sanfeng"


def sealed(env: dict[str, str], key: str = KEY_A) -> dict[str, str]:
    return env | cipher_env(parse_key(key, "test key"))


@pytest.fixture
def pg_schema_env(postgres_env: dict[str, str]) -> Iterator[dict[str, str]]:
    import psycopg  # noqa: PLC0415

    schema = f"test_{uuid4().hex[:12]}"
    params = _pg_params(postgres_env)
    with psycopg.connect(**params, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    yield {**postgres_env, "POSTGRES_SCHEMA": schema, "POSTGRES_ENABLE_DB_FUNCTIONS": "n"}
    with psycopg.connect(**params, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _pg_params(env: dict[str, str]) -> dict[str, Any]:
    return {
        "host": env["POSTGRES_HOST"],
        "port": env["POSTGRES_PORT"],
        "dbname": env["POSTGRES_DBNAME"],
        "user": env["POSTGRES_USER"],
        "password": env["POSTGRES_PASSWORD"],
    }


class TestSQLiteStoreSealed(PersistentStoreContract):
    @pytest.fixture
    def env(self, tmp_path: Path) -> dict[str, str]:
        return sealed(sqlite_env(tmp_path))


@pytest.mark.postgres
class TestPostgresStoreSealed(PersistentStoreContract):
    @pytest.fixture
    def env(self, pg_schema_env: dict[str, str]) -> dict[str, str]:
        return sealed(pg_schema_env)


# --- through the settings, as every entry point opens the store --------------------------------
def sqlite_settings(tmp_path: Path, key: str = "") -> Settings:
    return Settings(data_dir=tmp_path, store="sqlite", store_cipher_key=key)


def fill(settings: Settings, tmp_path: Path, cases: int = 3) -> list[tuple[Any, ...]]:
    """Register cases (and share on one) through ``store_env``; return what the store holds."""
    world = World(store_env(settings), tmp_path)
    try:
        for n in range(cases):
            world.case_ref = CaseRef(MARKET, f"市监罚〔2026〕{n + 1}号")
            world.register(title=f"{TITLE} {n}")
        world.send(c.ShareInformation, MARKET, info_id="I-1", summary="s")
        return held(world.hub)
    finally:
        world.hub.close()


def held(app: Any) -> list[tuple[Any, ...]]:
    """Every stored event, decoded, with its notification id; and the tracking positions."""
    events = [
        (n.id, n.originator_id, n.originator_version, n.topic, app.mapper.to_domain_event(n))
        for n in app.recorder.select_notifications(start=1, limit=10**6)
    ]
    return [*events, ("tracking", app.max_tracking_id("test"))]


def reopen(settings: Settings) -> list[tuple[Any, ...]]:
    from hub.cases.application import CaseHub  # noqa: PLC0415

    app = CaseHub(store_env(settings), settings=settings)
    try:
        return held(app)
    finally:
        app.close()


def file_bytes(path: Path) -> bytes:
    """The database and its write-ahead log (not the -shm index, which readers touch)."""
    files = [path, path.with_name(path.name + "-wal")]
    return b"".join(p.read_bytes() for p in files if p.exists())


def test_sealed_sqlite_file_holds_no_plaintext(tmp_path):
    """With a key the title is nowhere in the database file; without one it is (the control)."""
    plain_dir, sealed_dir = tmp_path / "plain", tmp_path / "sealed"
    plain_dir.mkdir()
    sealed_dir.mkdir()
    fill(sqlite_settings(plain_dir), plain_dir)
    fill(sqlite_settings(sealed_dir, KEY_A), sealed_dir)
    needle = TITLE.encode("utf-8")
    assert needle in file_bytes(plain_dir / "hub.sqlite")
    assert needle not in file_bytes(sealed_dir / "hub.sqlite")
    assert b"Unlicensed" not in file_bytes(sealed_dir / "hub.sqlite")


def test_sealed_store_reads_back_with_its_key(tmp_path):
    """A reopened sealed store holds every event, decoded, with its notification id."""
    settings = sqlite_settings(tmp_path, KEY_A)
    before = fill(settings, tmp_path)
    assert len(before) > 4
    assert reopen(settings) == before


@pytest.mark.parametrize(
    ("written_with", "opened_with", "message"),
    [
        (KEY_A, KEY_B, "store_cipher_key (CASEHUB_STORE_CIPHER_KEY) does not open"),
        (KEY_A, "", "is encrypted: set store_cipher_key_file"),
        ("", KEY_A, "was written without encryption, but store_cipher_key"),
    ],
    ids=["wrong-key", "no-key", "key-on-plaintext"],
)
def test_a_key_that_does_not_fit_is_refused_before_anything_is_written(
    tmp_path, written_with, opened_with, message
):
    """The error names the setting; the database file is byte for byte what it was."""
    fill(sqlite_settings(tmp_path, written_with), tmp_path)
    before = hashlib.sha256(file_bytes(tmp_path / "hub.sqlite")).hexdigest()
    with pytest.raises(StoreKeyError, match=re.escape(message)):
        store_env(sqlite_settings(tmp_path, opened_with))
    assert hashlib.sha256(file_bytes(tmp_path / "hub.sqlite")).hexdigest() == before


def test_a_key_file_names_itself_in_the_error(tmp_path):
    """A key file anyone may read is refused; a wrong one is named by its path."""
    fill(sqlite_settings(tmp_path, KEY_A), tmp_path)
    key_file = tmp_path / "store.key"
    key_file.write_text(KEY_B + "\n", encoding="utf-8")
    key_file.chmod(0o644)
    settings = Settings(data_dir=tmp_path, store_cipher_key_file=str(key_file))
    with pytest.raises(Exception, match="readable or writable by others"):
        store_env(settings)
    key_file.chmod(0o600)
    with pytest.raises(StoreKeyError, match=f"store_cipher_key_file \\({key_file}\\) does not"):
        store_env(settings)


def test_not_a_key_is_refused(tmp_path):
    with pytest.raises(StoreKeyError, match="holds 5 bytes; an AES key has 16, 24 or 32"):
        store_env(sqlite_settings(tmp_path, "aGVsbG8="))
    with pytest.raises(StoreKeyError, match="is not base64"):
        store_env(sqlite_settings(tmp_path, "not a key!"))


@pytest.mark.postgres
@pytest.mark.usefixtures("pg_public")
def test_postgres_wrong_key_refused_before_anything_is_written(hub_settings):
    settings = hub_settings.with_overrides(store="postgres", store_cipher_key=KEY_A)
    before = pg_fill(settings)
    with pytest.raises(StoreKeyError, match="does not open the event store in PostgreSQL"):
        store_env(settings.with_overrides(store_cipher_key=KEY_B))
    with pytest.raises(StoreKeyError, match="is encrypted"):
        store_env(settings.with_overrides(store_cipher_key=""))
    assert reopen(settings) == before


# --- rotation ------------------------------------------------------------------------------------
def write_key(path: Path, key: str) -> Path:
    path.write_text(key + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


def cli(monkeypatch, capsys, settings: Settings, *args: str, key_file: Path | None = None):
    monkeypatch.setenv("CASEHUB_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("CASEHUB_STORE", settings.store)
    monkeypatch.delenv("CASEHUB_STORE_CIPHER_KEY", raising=False)
    monkeypatch.delenv("CASEHUB_CONFIG", raising=False)
    if key_file is None:
        monkeypatch.delenv("CASEHUB_STORE_CIPHER_KEY_FILE", raising=False)
    else:
        monkeypatch.setenv("CASEHUB_STORE_CIPHER_KEY_FILE", str(key_file))
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out + err


def test_rotation_on_sqlite_plaintext_to_a_to_b(tmp_path, monkeypatch, capsys):
    """Every event, notification id and tracking row survives; only the new key opens it."""
    a, b = write_key(tmp_path / "a.key", KEY_A), write_key(tmp_path / "b.key", KEY_B)
    plain = sqlite_settings(tmp_path)
    before = fill(plain, tmp_path)

    code, out = cli(monkeypatch, capsys, plain, "store", "rotate-key", "--new-key-file", str(a))
    assert code == 0, out
    assert "now under key id" in out
    with_a = Settings(data_dir=tmp_path, store_cipher_key_file=str(a))
    assert reopen(with_a) == before
    assert TITLE.encode() not in file_bytes(tmp_path / "hub.sqlite")
    with pytest.raises(StoreKeyError, match="is encrypted"):
        store_env(plain)

    keep = tmp_path / "kept.sqlite"
    code, out = cli(
        monkeypatch,
        capsys,
        plain,
        "store",
        "rotate-key",
        "--new-key-file",
        str(b),
        "--keep",
        str(keep),
        key_file=a,
    )
    assert code == 0, out
    with_b = Settings(data_dir=tmp_path, store_cipher_key_file=str(b))
    assert reopen(with_b) == before
    with pytest.raises(StoreKeyError, match="does not open"):
        store_env(with_a)
    # the store as it was, under the old key, is kept until the operator destroys it
    assert reopen(with_a.with_overrides(sqlite_path=str(keep))) == before


def test_rotation_with_the_wrong_old_key_changes_nothing(tmp_path, monkeypatch, capsys):
    a, b = write_key(tmp_path / "a.key", KEY_A), write_key(tmp_path / "b.key", KEY_B)
    fill(sqlite_settings(tmp_path, KEY_A), tmp_path)
    before = file_bytes(tmp_path / "hub.sqlite")
    code, out = cli(
        monkeypatch,
        capsys,
        sqlite_settings(tmp_path),
        "store",
        "rotate-key",
        "--new-key-file",
        str(a),
        key_file=b,
    )
    assert code == 2
    assert "does not open the event store" in out
    assert file_bytes(tmp_path / "hub.sqlite") == before
    assert not (tmp_path / "backups").exists()


# --- PostgreSQL: the hub's own tables in the public schema ----------------------------------------
@pytest.fixture
def pg_public(postgres_env):
    """The hub's tables in PostgreSQL, dropped before and after (store_env uses ``public``)."""
    import psycopg  # noqa: PLC0415

    def drop() -> None:
        with psycopg.connect(**_pg_params(postgres_env), autocommit=True) as conn:
            for table in (
                "casehub_events",
                "casehub_snapshots",
                "casehub_tracking",
                "casehub_store_key",
            ):
                conn.execute(f"DROP TABLE IF EXISTS public.{table} CASCADE")

    drop()
    yield
    drop()


def pg_fill(settings: Settings) -> list[tuple[Any, ...]]:
    import tempfile  # noqa: PLC0415

    with tempfile.TemporaryDirectory() as tmp:
        return fill(settings, Path(tmp))


@pytest.mark.postgres
@pytest.mark.usefixtures("pg_public")
def test_rotation_on_postgres(hub_settings, tmp_path, monkeypatch, capsys):
    a, b = write_key(tmp_path / "a.key", KEY_A), write_key(tmp_path / "b.key", KEY_B)
    settings = hub_settings.with_overrides(
        store="postgres", data_dir=tmp_path, store_cipher_key_file=str(a)
    )
    before = pg_fill(settings)
    monkeypatch.setenv("CASEHUB_POSTGRES_PORT", str(settings.postgres_port))
    code, out = cli(
        monkeypatch, capsys, settings, "store", "rotate-key", "--new-key-file", str(b), key_file=a
    )
    assert code == 0, out
    assert reopen(settings.with_overrides(store_cipher_key_file=str(b))) == before
    with pytest.raises(StoreKeyError, match="does not open"):
        store_env(settings)


def test_keygen_then_decrypt_back_to_plaintext(tmp_path, monkeypatch, capsys):
    """`store keygen --out` makes a private key file; `rotate-key --decrypt` turns sealing off."""
    settings = sqlite_settings(tmp_path)
    key_file = tmp_path / "new.key"
    code, out = cli(monkeypatch, capsys, settings, "store", "keygen", "--out", str(key_file))
    assert code == 0, out
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert key_file.read_text(encoding="utf-8").strip() not in out
    code, out = cli(monkeypatch, capsys, settings, "store", "keygen", "--out", str(key_file))
    assert code == 2
    assert "never overwritten" in out

    with_key = Settings(data_dir=tmp_path, store_cipher_key_file=str(key_file))
    before = fill(with_key, tmp_path)
    code, out = cli(monkeypatch, capsys, settings, "store", "status", key_file=key_file)
    assert code == 0, out
    assert "encryption at rest: on (AES-GCM" in out
    code, out = cli(
        monkeypatch, capsys, settings, "store", "rotate-key", "--decrypt", key_file=key_file
    )
    assert code == 0, out
    assert reopen(settings) == before
    assert TITLE.encode() in file_bytes(tmp_path / "hub.sqlite")
    code, out = cli(monkeypatch, capsys, settings, "store", "status")
    assert code == 0, out
    assert "encryption at rest: off" in out
    code, out = cli(monkeypatch, capsys, settings, "store", "status", key_file=key_file)
    assert code == 1
    assert "PROBLEM: the event store at" in out


def test_only_the_settings_decide_the_cipher(tmp_path, monkeypatch):
    """eventsourcing's own CIPHER_* variables in the environment neither seal nor unseal."""
    monkeypatch.setenv("CASEHUB_CIPHER_TOPIC", "eventsourcing.cryptography:AESCipher")
    monkeypatch.setenv("CASEHUB_CIPHER_KEY", KEY_B)
    monkeypatch.setenv("CIPHER_KEY", KEY_B)
    fill(sqlite_settings(tmp_path), tmp_path)
    assert TITLE.encode() in file_bytes(tmp_path / "hub.sqlite")


# --- the key check: a wrong key told apart from a damaged event ---------------------------------
@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def plain_store(request, tmp_path, hub_settings) -> Settings:
    """A plaintext store holding three cases and the directory, on each backend."""
    if request.param == "sqlite":
        settings = sqlite_settings(tmp_path)
        fill(settings, tmp_path)
        return settings
    request.getfixturevalue("pg_public")
    settings = hub_settings.with_overrides(
        store="postgres", data_dir=tmp_path, store_cipher_key="", store_cipher_key_file=""
    )
    pg_fill(settings)
    return settings


def sealed_with(monkeypatch, capsys, settings: Settings, key_file: Path) -> None:
    """`casehub store rotate-key`: the plaintext store encrypted under ``key_file``."""
    monkeypatch.setenv("CASEHUB_POSTGRES_PORT", str(settings.postgres_port))
    code, out = cli(
        monkeypatch, capsys, settings, "store", "rotate-key", "--new-key-file", str(key_file)
    )
    assert code == 0, out


def _store_sql(settings: Settings, query: str, args: tuple[Any, ...] = ()) -> list[Any]:
    """Run one statement on the store (either backend); its rows."""
    if settings.store == "sqlite":
        import sqlite3  # noqa: PLC0415

        with sqlite3.connect(settings.sqlite_file) as conn:
            return conn.execute(query.replace("%s", "?"), args).fetchall()
    import psycopg  # noqa: PLC0415

    params = {
        "host": settings.postgres_host,
        "port": settings.postgres_port,
        "dbname": settings.postgres_dbname,
        "user": settings.postgres_user,
        "password": settings.postgres_password,
    }
    with psycopg.connect(**params, autocommit=True) as conn:
        cur = conn.execute(query, args)
        return cur.fetchall() if cur.description else []


def damage_first_event(settings: Settings) -> None:
    """Flip one byte of the ciphertext of the store's first stored event."""
    table, order = (
        ("stored_events", "rowid")
        if settings.store == "sqlite"
        else ("casehub_events", "notification_id")
    )
    ((nid, state),) = _store_sql(
        settings,
        f"SELECT {order}, state FROM {table} ORDER BY {order} LIMIT 1",
    )
    damaged = bytearray(bytes(state))
    damaged[40] ^= 0x01
    _store_sql(settings, f"UPDATE {table} SET state = %s WHERE {order} = %s", (bytes(damaged), nid))


def has_key_check(settings: Settings) -> bool:
    if settings.store == "sqlite":
        query = "SELECT count(*) FROM sqlite_master WHERE name = 'casehub_store_key'"
    else:
        query = "SELECT count(*) FROM pg_tables WHERE tablename = 'casehub_store_key'"
    return bool(_store_sql(settings, query)[0][0])


DAMAGED_FIRST = re.compile(
    r"BROKEN stored event \d+ \(KeyStoreBinding\.Bound, aggregate [0-9a-f-]+ version 1\) "
    r"cannot be decrypted: the stored bytes are damaged"
)


def test_a_damaged_first_event_is_not_taken_for_a_wrong_key(
    plain_store, tmp_path, monkeypatch, capsys
):
    """The key is checked against the store's key check: with the right key every command
    works and verify names the damaged record; a wrong key is named a wrong key."""
    a, b = write_key(tmp_path / "a.key", KEY_A), write_key(tmp_path / "b.key", KEY_B)
    sealed_with(monkeypatch, capsys, plain_store, a)
    damage_first_event(plain_store)

    code, out = cli(monkeypatch, capsys, plain_store, "store", "status", key_file=a)
    assert code == 0, out
    assert "another key" not in out
    code, out = cli(
        monkeypatch, capsys, plain_store, "audit", "verify", "--all", "--anchor", "view", key_file=a
    )
    assert code == 1, out
    assert DAMAGED_FIRST.search(out), out
    assert "3 case(s) checked, 0 broken" in out
    assert "1 other stored event(s) cannot be read" in out

    code, out = cli(
        monkeypatch, capsys, plain_store, "audit", "verify", "--all", "--anchor", "view", key_file=b
    )
    assert code == 2, out
    assert "the key file does not match this store (key check failed)" in out
    code, out = cli(monkeypatch, capsys, plain_store, "store", "status", key_file=b)
    assert code == 1, out
    assert "PROBLEM:" in out
    assert "(key check failed)" in out
    assert has_key_check(plain_store)  # written by rotate-key


def test_a_store_sealed_before_key_checks_gets_one_with_the_right_key(
    plain_store, tmp_path, monkeypatch, capsys
):
    """No key check yet (a store encrypted before them): the first events are tried, so a
    damaged first one is still not a wrong key; the next open with the right key writes it."""
    a, b = write_key(tmp_path / "a.key", KEY_A), write_key(tmp_path / "b.key", KEY_B)
    sealed_with(monkeypatch, capsys, plain_store, a)
    _store_sql(plain_store, "DROP TABLE IF EXISTS casehub_store_key")
    damage_first_event(plain_store)

    code, out = cli(monkeypatch, capsys, plain_store, "store", "status", key_file=a)
    assert code == 0, out
    assert "key check: none stored yet" in out
    code, out = cli(
        monkeypatch, capsys, plain_store, "audit", "verify", "--all", "--anchor", "view", key_file=a
    )
    assert code == 1, out
    assert DAMAGED_FIRST.search(out), out
    assert has_key_check(plain_store)
    code, out = cli(monkeypatch, capsys, plain_store, "store", "status", key_file=b)
    assert code == 1, out
    assert "(key check failed)" in out


def test_rotate_key_on_a_plaintext_store_says_how_to_encrypt_it(
    plain_store, tmp_path, monkeypatch, capsys
):
    """The store's key configured before the store was encrypted: rotate-key says the store
    is plaintext and gives the command that encrypts it; nothing changes."""
    a = write_key(tmp_path / "a.key", KEY_A)
    monkeypatch.setenv("CASEHUB_POSTGRES_PORT", str(plain_store.postgres_port))
    code, out = cli(
        monkeypatch,
        capsys,
        plain_store,
        "store",
        "rotate-key",
        "--new-key-file",
        str(a),
        key_file=a,
    )
    assert code == 2, out
    assert "is not encrypted (its events are plaintext)" in out
    assert f"run `casehub store rotate-key --new-key-file {a}`" in out
    assert "holds the key the store already uses" not in out
    assert not has_key_check(plain_store)
    code, out = cli(monkeypatch, capsys, plain_store, "store", "status")
    assert code == 0, out
    assert "encryption at rest: off" in out


def test_a_damaged_case_event_is_a_broken_link_on_each_backend(
    plain_store, tmp_path, monkeypatch, capsys
):
    """One flipped ciphertext byte in a case's event: verify names case and version and checks
    the other cases; history ends in one line naming them (exit 2), no traceback."""
    a = write_key(tmp_path / "a.key", KEY_A)
    sealed_with(monkeypatch, capsys, plain_store, a)
    case = CaseRef(MARKET, "市监罚〔2026〕3号")
    table = "stored_events" if plain_store.store == "sqlite" else "casehub_events"
    oid = case_id_for(case.owning_agency, case.case_number)
    ((state,),) = _store_sql(
        plain_store,
        f"SELECT state FROM {table} WHERE originator_id = %s AND originator_version = 2",
        (oid.hex if plain_store.store == "sqlite" else oid,),
    )
    flipped = bytearray(bytes(state))
    flipped[40] ^= 0x01
    _store_sql(
        plain_store,
        f"UPDATE {table} SET state = %s WHERE originator_id = %s AND originator_version = 2",
        (bytes(flipped), oid.hex if plain_store.store == "sqlite" else oid),
    )
    label = f"{case.owning_agency}/{case.case_number}"
    damaged = "version 2 (Case.InformationShared) cannot be decrypted: the stored bytes are damaged"

    code, out = cli(
        monkeypatch, capsys, plain_store, "audit", "verify", "--all", "--anchor", "view", key_file=a
    )
    assert code == 1, out
    assert f"BROKEN {label}: {damaged}" in out
    assert f"ok {MARKET}/市监罚〔2026〕1号: 1 event(s)" in out
    assert "3 case(s) checked, 1 broken" in out
    code, out = cli(monkeypatch, capsys, plain_store, "audit", "history", label, key_file=a)
    assert code == 2, out
    assert f"case {label}: {damaged}" in out
    assert "Traceback" not in out
