"""The console's read log: who read which case, page or export, and when (issue #17).

Every page the console serves with case content, every search and every export is recorded
here *before* the page is sent; when the log cannot be written the page is refused
(:class:`ReadLogUnavailable`, HTTP 503), so no read goes unrecorded.

Its own SQLite file (``console_reads_path``, default ``<data_dir>/console-reads.sqlite``), in
WAL mode with ``synchronous=FULL``: :meth:`ReadLog.record` returns only once the entry is
committed and synced. The log is append-only twice over:

* triggers refuse ``UPDATE`` and ``DELETE`` on the table (someone with the file can still drop
  them, hence the second guard);
* a hash chain like the cases' one (``hub.cases.hashing``: canonical JSON, SHA-256): each entry's
  ``entry_hash`` covers its sequence number, time, fields and the previous entry's hash
  (``prev_hash``; the first entry's is the all-zero genesis hash). :meth:`ReadLog.verify`
  recomputes the chain and names the first bad entry: a changed field, a missing sequence
  number (a deleted row), a link that does not follow (a reordered or re-inserted row).

A per-field digest is kept beside the hash so that ``verify`` can say *which* field was changed.
Removing the newest entries leaves a shorter chain that is still whole: the count printed by
``casehub audit reads --verify`` is the figure to compare with an earlier run.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any, Self

import orjson

from hub.cases.hashing import GENESIS_HASH, canonical_json, sha256_hex
from hub.errors import CaseHubError

#: What a read can be (design.md, "Read log").
KINDS: tuple[str, ...] = (
    "case_page",
    "case_as_of",
    "case_diff",
    "case_event",
    "case_pdf",
    "search",
    "dashboard",
    "figure",
    "deadlines",
    "export_xlsx",
    "export_csv",
    "reads",
)

#: The console's roles (design.md, "Roles and what each sees").
ROLES: tuple[str, ...] = ("auditor", "rule-of-law", "officer", "admin")

#: The fields an entry's hash covers, in the order ``verify`` reports them.
HASHED_FIELDS: tuple[str, ...] = (
    "seq",
    "at",
    "account",
    "agency",
    "kind",
    "case_ref",
    "target",
    "query",
    "prev_hash",
)

#: A person searched for is recorded by its keyed subject id, never by an ID number.
_SUBJECT = re.compile(r"^p-[0-9A-Za-z_-]+$")
_DEFAULT_TIMEOUT_S = 5.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS reads (
    seq        INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    account    TEXT NOT NULL,
    agency     TEXT NOT NULL,
    kind       TEXT NOT NULL,
    case_ref   TEXT NOT NULL,
    target     TEXT NOT NULL,
    query      TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    entry_hash TEXT NOT NULL,
    digests    TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS reads_account ON reads (account, seq);
CREATE INDEX IF NOT EXISTS reads_agency ON reads (agency, seq);
CREATE INDEX IF NOT EXISTS reads_case ON reads (case_ref, seq);
CREATE INDEX IF NOT EXISTS reads_at ON reads (at);
CREATE TRIGGER IF NOT EXISTS reads_no_update BEFORE UPDATE ON reads
BEGIN SELECT RAISE(ABORT, 'the read log is append-only: UPDATE refused'); END;
CREATE TRIGGER IF NOT EXISTS reads_no_delete BEFORE DELETE ON reads
BEGIN SELECT RAISE(ABORT, 'the read log is append-only: DELETE refused'); END;
"""


class ReadLogUnavailable(CaseHubError):
    """The read log cannot be written (or opened): the page must be refused (503)."""

    code = "read_log_unavailable"


@dataclass(frozen=True)
class Read:
    """One read, as the console reports it (design.md, "Read log")."""

    account: str
    agency: str
    kind: str
    case_ref: str = ""
    target: str = ""
    query: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        if not self.account.strip():
            raise ValueError("a read needs the account that made it (account is empty)")
        if not self.agency.strip():
            raise ValueError(
                f"a read needs the account's agency (agency is empty for {self.account!r})"
            )
        if self.kind not in KINDS:
            msg = f"unknown read kind {self.kind!r}; one of: {', '.join(KINDS)}"
            raise ValueError(msg)
        person = self.query.get("person")
        if person is not None and person and not _SUBJECT.match(person):
            msg = (
                "the 'person' query term must be a keyed subject id (p-…), "
                "never an ID number: hash it with console.search.person_subject first"
            )
            raise ValueError(msg)
        object.__setattr__(self, "query", MappingProxyType(dict(self.query)))


@dataclass(frozen=True)
class ReadEntry:
    """A recorded read: its place in the chain and its hashes."""

    seq: int
    at: datetime
    account: str
    agency: str
    kind: str
    case_ref: str
    target: str
    query: Mapping[str, str]
    prev_hash: str
    entry_hash: str

    def as_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at.isoformat(),
            "account": self.account,
            "agency": self.agency,
            "kind": self.kind,
            "case_ref": self.case_ref,
            "target": self.target,
            "query": dict(self.query),
            "prev_hash": self.prev_hash,
            "entry_hash": self.entry_hash,
        }


@dataclass(frozen=True)
class BadEntry:
    """The first entry that breaks the chain: which one, which field, and why."""

    seq: int
    field: str
    why: str
    #: What went wrong, for a translated message: "missing" (a gap: deleted entries),
    #: "out_of_order", "unlinked" (prev_hash does not follow), "changed" (a field),
    #: "hash" (entry_hash itself), "not_a_number" (seq).
    problem: str = "changed"


@dataclass(frozen=True)
class ReadLogVerdict:
    ok: bool
    entries: int
    first_bad: BadEntry | None = None


def _stamp(at: datetime) -> str:
    """UTC, fixed width, so text order is time order."""
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def _hashed(values: Mapping[str, Any]) -> dict[str, Any]:
    return {name: values[name] for name in HASHED_FIELDS}


def _digests(values: Mapping[str, Any]) -> dict[str, str]:
    return {name: sha256_hex(canonical_json(values[name]))[:16] for name in HASHED_FIELDS}


def _check_time(name: str, value: datetime | None) -> None:
    if value is not None and value.tzinfo is None:
        msg = f"{name} must carry a time zone (got {value.isoformat()})"
        raise ValueError(msg)


def visible_to(account_roles: Iterable[str], setting: str) -> bool:
    """May an account with these roles see the read log? ``setting`` is
    ``console_reads_visible_to``: a comma-separated list of roles (default ``"auditor"``)."""
    allowed = {part.strip() for part in setting.split(",") if part.strip()}
    if not allowed:
        raise ValueError(
            "console_reads_visible_to names no role; give at least one of: " + ", ".join(ROLES)
        )
    unknown = sorted(allowed - set(ROLES))
    if unknown:
        msg = (
            f"console_reads_visible_to names unknown role(s) {', '.join(unknown)}; "
            f"known: {', '.join(ROLES)}"
        )
        raise ValueError(msg)
    return bool(allowed & set(account_roles))


class ReadLog:
    """The append-only, hash-chained read log in one SQLite file (thread-safe)."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self._conn = conn
        self._lock = threading.Lock()

    @classmethod
    def open(cls, path: Path, *, timeout_s: float = _DEFAULT_TIMEOUT_S) -> ReadLog:
        """Open (creating when missing) the log at ``path``; wait up to ``timeout_s`` for a lock."""
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                path, timeout=timeout_s, isolation_level=None, check_same_thread=False
            )
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=FULL")
                conn.executescript(_SCHEMA)
            except BaseException:
                conn.close()
                raise
        except (sqlite3.Error, OSError) as exc:
            msg = f"cannot open the read log at {path}: {exc}"
            raise ReadLogUnavailable(msg) from exc
        return cls(path, conn)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # ---- writing ------------------------------------------------------------------------

    def record(self, read: Read, *, at: datetime | None = None) -> ReadEntry:
        """Append ``read``; the entry is committed (and synced) before this returns."""
        _check_time("at", at)
        when = at or datetime.now(UTC)
        with self._lock:
            conn = self._conn
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    row = conn.execute(
                        "SELECT seq, entry_hash FROM reads ORDER BY seq DESC LIMIT 1"
                    ).fetchone()
                    seq, prev = (1, GENESIS_HASH) if row is None else (row[0] + 1, row[1])
                    values: dict[str, Any] = {
                        "seq": seq,
                        "at": _stamp(when),
                        "account": read.account,
                        "agency": read.agency,
                        "kind": read.kind,
                        "case_ref": read.case_ref,
                        "target": read.target,
                        "query": dict(read.query),
                        "prev_hash": prev,
                    }
                    entry_hash = sha256_hex(canonical_json(_hashed(values)))
                    conn.execute(
                        "INSERT INTO reads (seq, at, account, agency, kind, case_ref, target,"
                        " query, prev_hash, entry_hash, digests)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            seq,
                            values["at"],
                            read.account,
                            read.agency,
                            read.kind,
                            read.case_ref,
                            read.target,
                            canonical_json(values["query"]).decode("utf-8"),
                            prev,
                            entry_hash,
                            canonical_json(_digests(values)).decode("utf-8"),
                        ),
                    )
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            except (sqlite3.Error, OSError) as exc:
                msg = f"cannot write the read log at {self.path}: {exc}"
                raise ReadLogUnavailable(msg) from exc
        return ReadEntry(
            seq=seq,
            at=datetime.fromisoformat(values["at"]),
            account=read.account,
            agency=read.agency,
            kind=read.kind,
            case_ref=read.case_ref,
            target=read.target,
            query=MappingProxyType(dict(read.query)),
            prev_hash=prev,
            entry_hash=entry_hash,
        )

    # ---- reading ------------------------------------------------------------------------

    @staticmethod
    def _where(
        *,
        account: str | None,
        agency: str | None,
        case_ref: str | None,
        kind: str | None,
        since: datetime | None,
        until: datetime | None,
    ) -> tuple[str, list[Any]]:
        _check_time("since", since)
        _check_time("until", until)
        if kind is not None and kind not in KINDS:
            msg = f"unknown read kind {kind!r}; one of: {', '.join(KINDS)}"
            raise ValueError(msg)
        if since is not None and until is not None and until < since:
            msg = f"until ({until.isoformat()}) is before since ({since.isoformat()})"
            raise ValueError(msg)
        clauses: list[str] = []
        params: list[Any] = []
        for column, value in (
            ("account", account),
            ("agency", agency),
            ("case_ref", case_ref),
            ("kind", kind),
        ):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        if since is not None:
            clauses.append("at >= ?")
            params.append(_stamp(since))
        if until is not None:
            clauses.append("at < ?")
            params.append(_stamp(until))
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def entries(
        self,
        *,
        account: str | None = None,
        agency: str | None = None,
        case_ref: str | None = None,
        kind: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 200,
        offset: int = 0,
    ) -> list[ReadEntry]:
        """Matching entries, newest first; ``since`` inclusive, ``until`` exclusive."""
        if limit < 0 or offset < 0:
            msg = f"limit and offset must not be negative (got limit={limit}, offset={offset})"
            raise ValueError(msg)
        where, params = self._where(
            account=account,
            agency=agency,
            case_ref=case_ref,
            kind=kind,
            since=since,
            until=until,
        )
        # where names fixed columns; every value is a bound parameter
        sql = (
            "SELECT seq, at, account, agency, kind, case_ref, target, query, prev_hash,"  # noqa: S608
            f" entry_hash FROM reads{where} ORDER BY seq DESC LIMIT ? OFFSET ?"
        )
        rows = self._read(sql, [*params, limit, offset])
        return [
            ReadEntry(
                seq=r[0],
                at=datetime.fromisoformat(r[1]),
                account=r[2],
                agency=r[3],
                kind=r[4],
                case_ref=r[5],
                target=r[6],
                query=MappingProxyType(orjson.loads(r[7])),
                prev_hash=r[8],
                entry_hash=r[9],
            )
            for r in rows
        ]

    def count(
        self,
        *,
        account: str | None = None,
        agency: str | None = None,
        case_ref: str | None = None,
        kind: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> int:
        where, params = self._where(
            account=account,
            agency=agency,
            case_ref=case_ref,
            kind=kind,
            since=since,
            until=until,
        )
        sql = f"SELECT count(*) FROM reads{where}"  # noqa: S608 - as in entries()
        rows = self._read(sql, params)
        return int(rows[0][0])

    def _read(self, sql: str, params: list[Any]) -> list[Any]:
        with self._lock:
            try:
                return self._conn.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                msg = f"cannot read the read log at {self.path}: {exc}"
                raise ReadLogUnavailable(msg) from exc

    # ---- verifying ----------------------------------------------------------------------

    def verify(self) -> ReadLogVerdict:
        """Recompute the chain from the first entry; stop at the first bad one.

        Reads through a connection of its own, one snapshot (WAL), row by row: the pages
        keep recording while a long log is checked, and memory stays flat."""
        prev = GENESIS_HASH
        expected_seq = 1
        count = 0
        try:
            conn = sqlite3.connect(self.path, timeout=_DEFAULT_TIMEOUT_S, isolation_level=None)
        except sqlite3.Error as exc:
            msg = f"cannot read the read log at {self.path}: {exc}"
            raise ReadLogUnavailable(msg) from exc
        try:
            conn.execute("BEGIN")  # one snapshot from the first row to the last
            cursor = conn.execute(
                "SELECT seq, at, account, agency, kind, case_ref, target, query, prev_hash,"
                " entry_hash, digests FROM reads ORDER BY rowid"
            )
            for row in cursor:
                bad = _check_row(row, expected_seq, prev)
                if bad is not None:
                    return ReadLogVerdict(ok=False, entries=count, first_bad=bad)
                prev = row[9]
                expected_seq = row[0] + 1
                count += 1
        except sqlite3.Error as exc:
            msg = f"cannot read the read log at {self.path}: {exc}"
            raise ReadLogUnavailable(msg) from exc
        finally:
            conn.close()
        return ReadLogVerdict(ok=True, entries=count)


def _check_row(  # noqa: PLR0911 - one return per way an entry can be bad
    row: Any, expected_seq: int, prev: str
) -> BadEntry | None:
    seq = row[0]
    if not isinstance(seq, int):
        return BadEntry(
            seq=expected_seq,
            field="seq",
            why=f"sequence number is not a number: {seq!r}",
            problem="not_a_number",
        )
    if seq != expected_seq:
        if seq > expected_seq:
            missing = f"{expected_seq}" if seq == expected_seq + 1 else f"{expected_seq}–{seq - 1}"
            why = f"entries {missing} are missing (deleted): the sequence jumps to {seq}"
            problem = "missing"
        else:
            why = f"out of order: expected entry {expected_seq}, found {seq} (reordered)"
            problem = "out_of_order"
        return BadEntry(seq=seq, field="seq", why=why, problem=problem)
    try:
        query = orjson.loads(row[7])
    except orjson.JSONDecodeError:
        return BadEntry(seq=seq, field="query", why="the query is not valid JSON (changed)")
    values: dict[str, Any] = {
        "seq": seq,
        "at": row[1],
        "account": row[2],
        "agency": row[3],
        "kind": row[4],
        "case_ref": row[5],
        "target": row[6],
        "query": query,
        "prev_hash": row[8],
    }
    if row[8] != prev:
        return BadEntry(
            seq=seq,
            field="prev_hash",
            why=(
                "does not link to the entry before it (reordered, re-inserted or rewritten): "
                f"prev_hash {str(row[8])[:12]}… against {prev[:12]}…"
            ),
            problem="unlinked",
        )
    if sha256_hex(canonical_json(_hashed(values))) == row[9]:
        return None
    try:
        kept = orjson.loads(row[10])
    except orjson.JSONDecodeError:
        kept = {}
    now = _digests(values)
    changed = [name for name in HASHED_FIELDS if kept.get(name) != now[name]]
    if changed:
        return BadEntry(
            seq=seq,
            field=", ".join(changed),
            why=f"changed after it was recorded ({', '.join(changed)}): the hash no longer matches",
        )
    return BadEntry(
        seq=seq,
        field="entry_hash",
        why="the entry's contents do not match its entry_hash (the hash or a field was changed)",
        problem="hash",
    )
