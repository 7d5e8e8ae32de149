"""Backup, restore and key rotation of the PostgreSQL event store.

Backups are ``pg_dump -Fc`` archives of the hub's three tables (events, snapshots, tracking),
taken in one snapshot while the hub runs, with the client tools of the installed PostgreSQL
that ``deploy/postgres/pg.sh`` uses (``PG_BIN``, else the newest ``/usr/lib/postgresql/*/bin``).
A backup is verified by reading it back with ``pg_restore``; a restore runs in one transaction.
Rotation re-seals every state in place in one transaction that locks out writers.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hub.errors import SetupError
from hub.settings import Settings
from hub.store.keys import (
    KEY_CHECK_TABLE,
    POSTGRES_EVENTS,
    SAMPLES,
    Held,
    StoreKey,
    fit,
    postgres_held,
    write_postgres_key_check,
)
from hub.store.reseal import reseal, unseal
from hub.store.sqlite_store import Counts

SCHEMA = "public"
SNAPSHOTS = "casehub_snapshots"
TRACKING = "casehub_tracking"
TABLES = (POSTGRES_EVENTS, SNAPSHOTS, TRACKING)
#: What a backup holds: the tables above and the key check (absent from a plaintext store).
DUMPED = (*TABLES, KEY_CHECK_TABLE)
STATE_TABLES = (POSTGRES_EVENTS, SNAPSHOTS)


def pg_bin() -> Path:
    """The PostgreSQL client tools, found as ``deploy/postgres/pg.sh`` finds them."""
    if os.environ.get("PG_BIN"):
        found = Path(os.environ["PG_BIN"])
        if not (found / "pg_dump").exists():
            raise SetupError(f"PG_BIN={found} has no pg_dump")
        return found
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_dump"),
        key=lambda p: [int(x) for x in p.parent.parent.name.split(".") if x.isdigit()],
    )
    if not candidates:
        raise SetupError(
            "pg_dump is not installed (no /usr/lib/postgresql/*/bin/pg_dump); "
            "install it with: apt-get install -y postgresql-client, or set PG_BIN"
        )
    return candidates[-1].parent


def _conn_args(settings: Settings) -> list[str]:
    return [
        "-h",
        settings.postgres_host,
        "-p",
        str(settings.postgres_port),
        "-U",
        settings.postgres_user,
        "--no-password",
    ]


def _run(settings: Settings, tool: str, *args: str) -> str:
    env = dict(os.environ, PGPASSWORD=settings.postgres_password, PGCONNECT_TIMEOUT="5")
    command = [str(pg_bin() / tool), *args]
    try:
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, check=False, timeout=3600
        )
    except OSError as exc:
        raise SetupError(f"cannot run {tool}: {exc}") from None
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise SetupError(f"{tool} failed: {detail[-1] if detail else f'exit {done.returncode}'}")
    return done.stdout


@contextmanager
def _connect(settings: Settings) -> Iterator[Any]:
    import psycopg  # noqa: PLC0415 - the postgres extra

    try:
        conn = psycopg.connect(
            host=settings.postgres_host,
            port=settings.postgres_port,
            dbname=settings.postgres_dbname,
            user=settings.postgres_user,
            password=settings.postgres_password,
            connect_timeout=5,
        )
    except psycopg.OperationalError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
        raise SetupError(
            f"cannot reach PostgreSQL at {settings.postgres_host}:{settings.postgres_port}: {first}"
        ) from None
    try:
        yield conn
    finally:
        conn.close()


def _exists(conn: Any, table: str) -> bool:
    row = conn.execute("SELECT to_regclass(%s)", [f"{SCHEMA}.{table}"]).fetchone()
    return bool(row and row[0] is not None)


def live_counts(conn: Any, upto: int | None = None) -> Counts:
    from psycopg import sql  # noqa: PLC0415

    def count(table: str, where: str = "", args: tuple[Any, ...] = ()) -> int:
        if not _exists(conn, table):
            return 0
        statement = sql.SQL("SELECT count(*) FROM {} ").format(sql.Identifier(SCHEMA, table))
        query = statement + sql.SQL(where)  # where: one of our literal clauses
        return int(conn.execute(query, args).fetchone()[0])

    last = 0
    if _exists(conn, POSTGRES_EVENTS):
        query = sql.SQL("SELECT max(notification_id) FROM {}").format(
            sql.Identifier(SCHEMA, POSTGRES_EVENTS)
        )
        last = int(conn.execute(query).fetchone()[0] or 0)
    if upto is not None:
        last = min(last, upto)
        events = count(POSTGRES_EVENTS, "WHERE notification_id <= %s", (upto,))
    else:
        events = count(POSTGRES_EVENTS)
    return Counts(events, last, count(SNAPSHOTS), count(TRACKING))


@dataclass(frozen=True)
class Archive:
    """What a ``pg_dump`` archive holds, read back with ``pg_restore``."""

    counts: Counts
    held: Held  # its key check and first events' states


def _bytea(text: str) -> bytes:
    # COPY text format: bytea as \\x<hex> (the backslash itself escaped)
    value = text.replace("\\\\", "\\")
    if not value.startswith("\\x"):
        raise SetupError("the backup's events are not in the expected format")
    return bytes.fromhex(value[2:])


def _copy_rows(script: str) -> Iterator[tuple[str, dict[str, str]]]:
    """(table, {column: text}) of every row of the dumped tables in a ``pg_restore`` script."""
    table: str | None = None
    columns: list[str] = []
    for line in script.splitlines():
        if table is None:
            if line.startswith("COPY "):
                table = line.split()[1].rsplit(".", 1)[-1]
                columns = [c.strip() for c in line.split("(", 1)[1].split(")", 1)[0].split(",")]
            continue
        if line == "\\.":
            table = None
            continue
        if table in DUMPED:
            yield table, dict(zip(columns, line.split("\t"), strict=False))


def read_archive(settings: Settings, path: Path) -> Archive:
    """Counts, the key check and the first events' states of a backup, from its COPY data."""
    if not path.is_file():
        raise SetupError(f"the backup {path} does not exist")
    listing = _run(settings, "pg_restore", "--list", str(path))
    if f"TABLE {SCHEMA} {POSTGRES_EVENTS} " not in listing:
        raise SetupError(f"the backup {path} holds no CaseHub event store ({POSTGRES_EVENTS})")
    script = _run(settings, "pg_restore", "--data-only", "-f", "-", str(path))
    rows: dict[str, int] = dict.fromkeys(TABLES, 0)
    first: list[tuple[int, bytes]] = []  # the lowest notification ids seen, at most SAMPLES
    check: bytes | None = None
    last = 0
    for table, fields in _copy_rows(script):
        if table == KEY_CHECK_TABLE:
            check = _bytea(fields["key_check"])
            continue
        rows[table] += 1
        if table == POSTGRES_EVENTS:
            nid = int(fields["notification_id"])
            last = max(last, nid)
            if len(first) < SAMPLES or nid < first[-1][0]:
                first = sorted([*first, (nid, _bytea(fields["state"]))])[:SAMPLES]
    counts = Counts(rows[POSTGRES_EVENTS], last, rows[SNAPSHOTS], rows[TRACKING])
    return Archive(counts, Held(check, tuple(state for _, state in first)))


def backup(settings: Settings, target: Path, key: StoreKey | None) -> Counts:
    """``pg_dump -Fc`` of the hub's tables to ``target``; verified against the live store."""
    if target.exists():
        raise SetupError(f"{target} exists; name a new file for the backup")
    target.parent.mkdir(parents=True, exist_ok=True)
    with _connect(settings) as conn:
        if not _exists(conn, POSTGRES_EVENTS):
            raise SetupError(f"there is no event store ({POSTGRES_EVENTS}) in PostgreSQL")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        tables = [a for t in DUMPED for a in ("-t", f"{SCHEMA}.{t}")]
        _run(
            settings,
            "pg_dump",
            *_conn_args(settings),
            "-d",
            settings.postgres_dbname,
            "-Fc",
            "--no-owner",
            *tables,
            "-f",
            str(partial),
        )
        partial.chmod(0o600)
        made = read_archive(settings, partial)
        with _connect(settings) as conn:
            live = live_counts(conn, upto=made.counts.last_notification)
        if live.events != made.counts.events:
            raise SetupError(
                f"the backup holds {made.counts.events} event(s) up to notification "
                f"{made.counts.last_notification}, the store {live.events}: the copy is incomplete"
            )
        fit(made.held, key, f"backed up to {target}")
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return made.counts


def restore(settings: Settings, source: Path, key: StoreKey | None, *, force: bool) -> Counts:
    """Replace the hub's tables with the backup's in one transaction; verify the counts."""
    archive = read_archive(settings, source)
    fit(archive.held, key, f"in the backup {source}")
    with _connect(settings) as conn:
        held = live_counts(conn)
    if held.events and not force:
        raise SetupError(
            f"the event store in PostgreSQL database {settings.postgres_dbname} holds "
            f"{held.events} event(s); restoring would replace them: pass --force to do so"
        )
    _run(
        settings,
        "pg_restore",
        *_conn_args(settings),
        "-d",
        settings.postgres_dbname,
        "--clean",
        "--if-exists",
        "--no-owner",
        "--single-transaction",
        str(source),
    )
    with _connect(settings) as conn:
        with conn.transaction():  # the backup's key check, or one for the key proven to open it
            write_postgres_key_check(conn, key, SCHEMA)
        got = live_counts(conn)
    if got != archive.counts:
        raise SetupError(
            f"the restored store holds {got.line()}, the backup {archive.counts.line()}"
        )
    return got


def rotate(
    settings: Settings,
    old: StoreKey | None,
    new: StoreKey | None,
    *,
    keep: Path,
    progress: Callable[[str], None] = print,
) -> Counts:
    """Back up to ``keep`` (old key), then re-seal every state in one locked transaction."""
    from psycopg import sql  # noqa: PLC0415

    with _connect(settings) as conn:
        fit(postgres_held(conn, SCHEMA), old, f"in PostgreSQL database {settings.postgres_dbname}")
    before = backup(settings, keep, old)
    progress(f"kept the store as it was (old key) at {keep}: {before.line()}")
    with _connect(settings) as conn, conn.transaction():
        tables = [t for t in STATE_TABLES if _exists(conn, t)]
        names = [sql.Identifier(SCHEMA, t) for t in tables]
        # writers wait (readers do not) until the new states are committed
        conn.execute(sql.SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(sql.SQL(", ").join(names)))
        if live_counts(conn) != before:
            raise SetupError(
                "the store changed since the backup: stop `casehub serve` and the consumers, "
                "then run it again"
            )
        order = sql.SQL(" ORDER BY originator_id, originator_version")
        for name in names:
            select = sql.SQL("SELECT originator_id, originator_version, state FROM {}").format(name)
            rows = conn.execute(select + order).fetchall()
            plain = {(i, v): unseal(bytes(s), old) for i, v, s in rows}
            with conn.cursor() as cur:
                cur.executemany(
                    sql.SQL(
                        "UPDATE {} SET state = %s "
                        "WHERE originator_id = %s AND originator_version = %s"
                    ).format(name),
                    [(reseal(bytes(s), old, new), i, v) for i, v, s in rows],
                )
            for i, v, s in conn.execute(select + order).fetchall():
                if unseal(bytes(s), new) != plain.pop((i, v), None):
                    raise SetupError("re-sealing changed a stored state; rolled back")
            if plain:
                raise SetupError("re-sealing lost stored states; rolled back")
        write_postgres_key_check(conn, new, SCHEMA)  # the new key's check, none for plaintext
        progress(f"re-sealed and verified {', '.join(tables)}")
        return live_counts(conn)
