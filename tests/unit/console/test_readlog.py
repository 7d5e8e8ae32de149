"""The read log: append, chain, verify (changed row, gap, reorder), triggers, unavailable file."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from console.readlog import (
    Read,
    ReadLog,
    ReadLogUnavailable,
    visible_to,
)
from hub.cases.hashing import GENESIS_HASH, canonical_json, sha256_hex

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "reads.sqlite"


@pytest.fixture
def log(path: Path) -> Iterator[ReadLog]:
    with ReadLog.open(path) as opened:
        yield opened


def _fill(log: ReadLog, n: int = 5) -> None:
    for i in range(n):
        log.record(
            Read(
                account=f"a{i % 2}",
                agency="procuratorate" if i % 2 else "police",
                kind="case_page" if i % 3 else "search",
                case_ref=f"police/2026-{i:03d}",
                target=f"/cases/police/2026-{i:03d}",
                query={"words": "盗窃"} if i % 3 == 0 else {},
            ),
            at=T0 + timedelta(minutes=i),
        )


def _raw(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DROP TRIGGER reads_no_update")
    conn.execute("DROP TRIGGER reads_no_delete")
    return conn


def test_record_appends_a_chained_entry_committed_before_return(log: ReadLog, path: Path) -> None:
    first = log.record(
        Read("zhang", "procuratorate", "case_page", "police/2026-001", "/cases/police/2026-001"),
        at=T0,
    )
    second = log.record(Read("zhang", "procuratorate", "search", query={"words": "盗窃"}))
    assert (first.seq, second.seq) == (1, 2)
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.entry_hash
    assert first.entry_hash == sha256_hex(
        canonical_json(
            {
                "seq": 1,
                "at": "2026-03-02T09:00:00.000000+00:00",
                "account": "zhang",
                "agency": "procuratorate",
                "kind": "case_page",
                "case_ref": "police/2026-001",
                "target": "/cases/police/2026-001",
                "query": {},
                "prev_hash": GENESIS_HASH,
            }
        )
    )
    # another connection sees both at once: each was committed before record returned
    with sqlite3.connect(path) as other:
        assert other.execute("SELECT count(*) FROM reads").fetchone() == (2,)
        assert other.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    # FULL (2): the WAL is synced at every commit, so a recorded read survives a power cut
    assert log._conn.execute("PRAGMA synchronous").fetchone() == (2,)
    assert log.verify().ok


def test_entries_filter_newest_first_and_count(log: ReadLog) -> None:
    _fill(log, 6)
    assert [e.seq for e in log.entries()] == [6, 5, 4, 3, 2, 1]
    assert [e.seq for e in log.entries(account="a1")] == [6, 4, 2]
    assert [e.seq for e in log.entries(agency="police")] == [5, 3, 1]
    assert [e.seq for e in log.entries(kind="search")] == [4, 1]
    assert [e.seq for e in log.entries(case_ref="police/2026-002")] == [3]
    window = log.entries(since=T0 + timedelta(minutes=1), until=T0 + timedelta(minutes=3))
    assert [e.seq for e in window] == [3, 2]
    # a time in another zone means the same instant
    east8 = timezone(timedelta(hours=8))
    assert log.count(since=(T0 + timedelta(minutes=4)).astimezone(east8)) == 2
    assert [e.seq for e in log.entries(limit=2, offset=1)] == [5, 4]
    assert log.count(account="a0", kind="search") == 1
    assert log.entries(kind="search")[-1].query == {"words": "盗窃"}


@pytest.mark.parametrize(
    ("read", "message"),
    [
        (lambda: Read("", "police", "case_page"), "account is empty"),
        (lambda: Read("zhang", " ", "case_page"), "agency is empty"),
        (lambda: Read("zhang", "police", "peek"), "unknown read kind 'peek'"),
        (
            lambda: Read("zhang", "police", "search", query={"person": "110101199003071234"}),
            "never an ID number",
        ),
    ],
)
def test_bad_reads_are_refused_with_a_reason(read: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        read()  # type: ignore[operator]


def test_bad_filters_are_refused(log: ReadLog) -> None:
    with pytest.raises(ValueError, match="time zone"):
        log.entries(since=datetime(2026, 1, 1))  # noqa: DTZ001
    with pytest.raises(ValueError, match="unknown read kind"):
        log.count(kind="peek")
    with pytest.raises(ValueError, match="before since"):
        log.entries(since=T0, until=T0 - timedelta(days=1))
    with pytest.raises(ValueError, match="time zone"):
        log.record(Read("zhang", "police", "search"), at=datetime(2026, 1, 1))  # noqa: DTZ001


def test_triggers_refuse_update_and_delete(log: ReadLog, path: Path) -> None:
    _fill(log, 2)
    with sqlite3.connect(path) as conn:
        with pytest.raises(sqlite3.DatabaseError, match="append-only: UPDATE refused"):
            conn.execute("UPDATE reads SET account = 'nobody' WHERE seq = 1")
        with pytest.raises(sqlite3.DatabaseError, match="append-only: DELETE refused"):
            conn.execute("DELETE FROM reads WHERE seq = 2")
    assert log.count() == 2
    assert log.verify().ok


def test_verify_names_a_changed_field(log: ReadLog, path: Path) -> None:
    _fill(log, 5)
    with _raw(path) as conn:
        conn.execute("UPDATE reads SET account = 'someone-else' WHERE seq = 3")
    verdict = log.verify()
    assert not verdict.ok
    assert verdict.entries == 2
    assert verdict.first_bad is not None
    assert (verdict.first_bad.seq, verdict.first_bad.field) == (3, "account")
    assert "changed" in verdict.first_bad.why


def test_verify_finds_a_changed_hash(log: ReadLog, path: Path) -> None:
    _fill(log, 3)
    with _raw(path) as conn:
        conn.execute("UPDATE reads SET entry_hash = ? WHERE seq = 2", ("f" * 64,))
    verdict = log.verify()
    assert verdict.first_bad is not None
    assert verdict.first_bad.seq == 2
    assert verdict.first_bad.field == "entry_hash"


def test_verify_finds_a_deleted_row_as_a_gap(log: ReadLog, path: Path) -> None:
    _fill(log, 5)
    with _raw(path) as conn:
        conn.execute("DELETE FROM reads WHERE seq IN (2, 3)")
    verdict = log.verify()
    assert verdict.first_bad is not None
    assert (verdict.first_bad.seq, verdict.first_bad.field) == (4, "seq")
    assert "entries 2–3 are missing" in verdict.first_bad.why
    assert verdict.first_bad.problem == "missing"


def test_verify_finds_a_renumbered_chain(log: ReadLog, path: Path) -> None:
    """Deleting a row and renumbering the rest closes the gap but breaks the links."""
    _fill(log, 4)
    with _raw(path) as conn:
        conn.execute("DELETE FROM reads WHERE seq = 2")
        conn.execute("UPDATE reads SET seq = seq - 1 WHERE seq > 2")
    verdict = log.verify()
    assert verdict.first_bad is not None
    assert (verdict.first_bad.seq, verdict.first_bad.field) == (2, "prev_hash")


def test_verify_finds_a_reordered_chain(log: ReadLog, path: Path) -> None:
    _fill(log, 4)
    with _raw(path) as conn:  # swap the contents of entries 2 and 3, seq numbers kept
        cols = "at, account, agency, kind, case_ref, target, query, prev_hash, entry_hash, digests"
        two = conn.execute(f"SELECT {cols} FROM reads WHERE seq = 2").fetchone()
        three = conn.execute(f"SELECT {cols} FROM reads WHERE seq = 3").fetchone()
        sets = ", ".join(f"{c.strip()} = ?" for c in cols.split(","))
        conn.execute(f"UPDATE reads SET {sets} WHERE seq = 2", three)
        conn.execute(f"UPDATE reads SET {sets} WHERE seq = 3", two)
    verdict = log.verify()
    assert verdict.first_bad is not None
    assert (verdict.first_bad.seq, verdict.first_bad.field) == (2, "prev_hash")
    assert "does not link" in verdict.first_bad.why
    assert verdict.first_bad.problem == "unlinked"


def test_a_lock_held_past_the_timeout_raises_read_log_unavailable(path: Path) -> None:
    with ReadLog.open(path, timeout_s=0.1) as log:
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(ReadLogUnavailable, match="cannot write the read log"):
                log.record(Read("zhang", "police", "case_page"))
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert log.record(Read("zhang", "police", "case_page")).seq == 1


def test_concurrent_records_keep_one_chain(log: ReadLog) -> None:
    def work(n: int) -> None:
        for _ in range(20):
            log.record(Read(f"acct{n}", "police", "case_page"))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    verdict = log.verify()
    assert verdict.ok
    assert verdict.entries == 80


def test_reopened_log_continues_the_chain(path: Path) -> None:
    with ReadLog.open(path) as log:
        _fill(log, 2)
    with ReadLog.open(path) as log:
        entry = log.record(Read("zhang", "police", "reads"))
        assert entry.seq == 3
        assert log.verify().ok


def test_visible_to() -> None:
    assert visible_to(["auditor"], "auditor")
    assert not visible_to(["officer", "rule-of-law"], "auditor")
    assert visible_to(["rule-of-law"], "auditor, rule-of-law")
    with pytest.raises(ValueError, match="unknown role"):
        visible_to(["auditor"], "auditor,boss")
    with pytest.raises(ValueError, match="names no role"):
        visible_to(["auditor"], " ")


def test_a_full_disk_raises_read_log_unavailable_and_keeps_the_chain(path: Path) -> None:
    """SQLite's page limit stands in for a full disk (works as root too)."""
    with ReadLog.open(path) as log:
        _fill(log, 1)
        pages = log._conn.execute("PRAGMA page_count").fetchone()[0]
        log._conn.execute(f"PRAGMA max_page_count = {pages}")
        with pytest.raises(ReadLogUnavailable, match="full"):
            log.record(Read("zhang", "police", "case_page", target="/x" * 20_000))
        assert log.count() == 1
        assert log.verify().ok


def test_a_log_under_a_file_raises_read_log_unavailable(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    with pytest.raises(ReadLogUnavailable, match="cannot open the read log"):
        ReadLog.open(blocker / "reads.sqlite")


def test_two_workers_on_one_file_keep_one_chain(path: Path) -> None:
    """Two console workers (two connections) append to the same chain, never fork it."""
    with ReadLog.open(path) as one, ReadLog.open(path) as two:
        for n in range(10):
            (one if n % 2 else two).record(Read(f"w{n % 2}", "police", "case_page"))
            assert one.verify().ok
        assert [e.seq for e in two.entries(limit=3)] == [10, 9, 8]
        assert two.verify().entries == 10
