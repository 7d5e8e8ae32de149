"""Backup, restore and key rotation of the SQLite event store, through SQLite's backup API.

The backup API copies a consistent snapshot of a database that other connections may be
writing (``casehub serve`` keeps running during a backup), and writing *into* a live
database with it replaces that database's content in one transaction, so a restore or the
swap at the end of a rotation never leaves a half-copied store (nor a stale ``-wal`` file
that a renamed file would pick up).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from hub.errors import SetupError
from hub.store.keys import SQLITE_EVENTS, StoreKey, fit, sqlite_held, write_sqlite_key_check
from hub.store.reseal import reseal

#: Tables of the hub's store (eventsourcing's SQLite process recorder and snapshots).
SNAPSHOTS = "stored_snapshots"
TRACKING = "tracking"


@dataclass(frozen=True)
class Counts:
    """What a store holds: stored events (and the last notification id), snapshots, tracking."""

    events: int
    last_notification: int
    snapshots: int
    tracking: int

    def line(self) -> str:
        return (
            f"{self.events} event(s) (last notification {self.last_notification}), "
            f"{self.snapshots} snapshot(s), {self.tracking} tracking row(s)"
        )


def _connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    try:
        if readonly:
            return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
        return sqlite3.connect(path, timeout=30)
    except sqlite3.Error as exc:
        raise SetupError(f"cannot open {path}: {exc}") from None


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _count(conn: sqlite3.Connection, table: str, upto: int | None = None) -> int:
    if table not in _tables(conn):
        return 0
    where = f" WHERE rowid <= {int(upto)}" if upto is not None else ""
    row = conn.execute(f"SELECT count(*) FROM {table}{where}").fetchone()  # noqa: S608
    return int(row[0])


def counts(conn: sqlite3.Connection, upto: int | None = None) -> Counts:
    """The store's counts (events only up to notification ``upto`` when given)."""
    last = 0
    if SQLITE_EVENTS in _tables(conn):
        row = conn.execute(f"SELECT max(rowid) FROM {SQLITE_EVENTS}").fetchone()  # noqa: S608
        last = int(row[0] or 0)
    if upto is not None:
        last = min(last, upto)
    return Counts(
        _count(conn, SQLITE_EVENTS, upto), last, _count(conn, SNAPSHOTS), _count(conn, TRACKING)
    )


def _check_readable(path: Path, what: str) -> Counts:
    """A SQLite file that passes its integrity check and holds the hub's events table."""
    if not path.is_file():
        raise SetupError(f"{what} {path} does not exist")
    with closing(_connect(path, readonly=True)) as conn:
        try:
            verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise SetupError(f"{what} {path} is not a SQLite database: {exc}") from None
        if verdict != "ok":
            raise SetupError(f"{what} {path} fails SQLite's integrity check: {verdict}")
        if SQLITE_EVENTS not in _tables(conn):
            raise SetupError(f"{what} {path} holds no CaseHub event store ({SQLITE_EVENTS})")
        return counts(conn)


def backup(store: Path, target: Path, key: StoreKey | None) -> Counts:
    """Copy the store (possibly in use) to ``target``; verify the copy; return its counts."""
    if not store.is_file():
        raise SetupError(f"there is no event store at {store}")
    if target.exists():
        raise SetupError(f"{target} exists; name a new file for the backup")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        with closing(_connect(store)) as source, closing(_connect(partial)) as copy:
            source.backup(copy)
        partial.chmod(0o600)  # the backup holds what the store holds
        made = _check_readable(partial, "the backup")
        with closing(_connect(store, readonly=True)) as source:
            live = counts(source, upto=made.last_notification)
        # events are append-only: the store's events up to the copy's last one are the copy's
        if live.events != made.events:
            raise SetupError(
                f"the backup holds {made.events} event(s) up to notification "
                f"{made.last_notification}, the store {live.events}: the copy is incomplete"
            )
        with closing(_connect(partial, readonly=True)) as copy:
            fit(sqlite_held(copy), key, f"backed up to {target}")
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return made


def restore(source: Path, store: Path, key: StoreKey | None, *, force: bool) -> Counts:
    """Replace the store's content with the backup's, in one transaction; return the counts."""
    wanted = _check_readable(source, "the backup")
    with closing(_connect(source, readonly=True)) as backup_conn:
        fit(sqlite_held(backup_conn), key, f"in the backup {source}")
    if store.exists():
        with closing(_connect(store)) as live:
            held = counts(live)
        if held.events and not force:
            raise SetupError(
                f"the event store at {store} holds {held.events} event(s); restoring would "
                "replace them: pass --force to do so"
            )
    store.parent.mkdir(parents=True, exist_ok=True)
    with closing(_connect(source, readonly=True)) as backup_conn, closing(_connect(store)) as live:
        backup_conn.backup(live)
        with live:  # the backup's key check, or one for the key just proven to open it
            write_sqlite_key_check(live, key)
        got = counts(live)
    if got != wanted:
        raise SetupError(f"the restored store holds {got.line()}, the backup {wanted.line()}")
    return got


def _state_tables(conn: sqlite3.Connection) -> list[str]:
    found = []
    for table in sorted(_tables(conn)):
        columns = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
        if "state" in columns:
            found.append(table)
    return found


#: Every table with a ``state`` column is keyed by the aggregate's id and version.
_ORDER = "ORDER BY originator_id, originator_version"


def _rows(conn: sqlite3.Connection, table: str) -> Iterator[tuple[str, int, bytes]]:
    query = f"SELECT originator_id, originator_version, state FROM {table} {_ORDER}"  # noqa: S608
    yield from conn.execute(query)


def rotate(
    store: Path,
    old: StoreKey | None,
    new: StoreKey | None,
    *,
    keep: Path,
    progress: Callable[[str], None] = print,
) -> Counts:
    """Re-seal every stored event and snapshot under ``new``; keep the old store at ``keep``.

    Steps: check ``old`` opens the store; back it up to ``keep`` (still under ``old``); copy it
    to a work file and re-seal each state there; verify every row of the work file opens with
    ``new`` to the plaintext ``old`` opens in the store, and every other column is unchanged;
    replace the store's content with the work file's in one transaction; verify once more.
    """
    with closing(_connect(store, readonly=True)) as conn:
        fit(sqlite_held(conn), old, f"at {store}")
    before = backup(store, keep, old)
    progress(f"kept the store as it was (old key) at {keep}: {before.line()}")
    work = store.with_name(store.name + ".rotating")
    work.unlink(missing_ok=True)
    try:
        with closing(_connect(store)) as source, closing(_connect(work)) as copy:
            source.backup(copy)
            tables = _state_tables(copy)
            with copy:  # one transaction
                for table in tables:
                    sealed = [(reseal(s, old, new), i, v) for i, v, s in _rows(copy, table)]
                    copy.executemany(
                        f"UPDATE {table} SET state = ? "  # noqa: S608 - our table names
                        "WHERE originator_id = ? AND originator_version = ?",
                        sealed,
                    )
                write_sqlite_key_check(copy, new)  # the new key's check, none for plaintext
            _verify_resealed(source, copy, tables, old, new)
            progress(f"re-sealed and verified {', '.join(tables)} in {work}")
            if counts(source) != before:
                raise SetupError(
                    f"the store at {store} changed during the rotation: stop `casehub serve` "
                    "and the consumers, then run it again"
                )
            copy.backup(source)  # the swap: one transaction on the live store
            _verify_resealed(copy, source, tables, new, new)
            after = counts(source)
    finally:
        work.unlink(missing_ok=True)
    return after


def _verify_resealed(
    before: sqlite3.Connection,
    after: sqlite3.Connection,
    tables: list[str],
    old: StoreKey | None,
    new: StoreKey | None,
) -> None:
    from hub.store.reseal import unseal  # noqa: PLC0415

    for table in tables:
        if _count(before, table) != _count(after, table):
            raise SetupError(f"re-sealing changed the number of rows in {table}; nothing swapped")
        query = f"SELECT * FROM {table} {_ORDER}"  # noqa: S608
        names = [d[1] for d in before.execute(f"PRAGMA table_info({table})")]
        at = names.index("state")
        for mine, theirs in zip(before.execute(query), after.execute(query), strict=True):
            same_rest = mine[:at] + mine[at + 1 :] == theirs[:at] + theirs[at + 1 :]
            if not same_rest or unseal(mine[at], old) != unseal(theirs[at], new):
                raise SetupError(f"re-sealing changed a row of {table}; nothing swapped")
