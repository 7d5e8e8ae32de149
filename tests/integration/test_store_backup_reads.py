"""``casehub store backup`` takes the console's read log and store along; ``restore`` puts them
back, the read log's chain whole (issue #17). SQLite store with the demo story; no broker."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from console.readlog import Read, ReadLog
from devkit.testing.consumers import story_data_dir
from hub.cli import main


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = story_data_dir(tmp_path / "data")
    monkeypatch.setenv("CASEHUB_DATA_DIR", str(data))
    monkeypatch.setenv("CASEHUB_STORE", "sqlite")
    monkeypatch.delenv("CASEHUB_SQLITE_PATH", raising=False)
    monkeypatch.delenv("CASEHUB_CONFIG", raising=False)
    monkeypatch.delenv("CASEHUB_STORE_CIPHER_KEY_FILE", raising=False)
    with ReadLog.open(data / "console-reads.sqlite") as log:
        for n in range(3):
            log.record(Read("zhang", "procuratorate", "case_page", f"police/2026-{n}"))
    with sqlite3.connect(data / "console.sqlite") as conn:
        conn.execute("CREATE TABLE accounts (name TEXT PRIMARY KEY)")
        conn.execute("INSERT INTO accounts VALUES ('zhang'), ('li')")
    conn.close()
    return data


def _wipe(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def test_backup_and_restore_carry_the_read_log(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "backups" / "b1.sqlite"
    assert main(["store", "backup", str(target)]) == 0
    out = capsys.readouterr().out
    reads_copy = tmp_path / "backups" / "b1.sqlite.console-reads.sqlite"
    assert f"backed up the console's read log to {reads_copy}: 3 row(s)" in out
    assert "backed up the console's accounts and sessions" in out
    assert reads_copy.stat().st_mode & 0o077 == 0
    left = sorted(p.name for p in target.parent.iterdir() if "console" in p.name)
    assert left == ["b1.sqlite.console-reads.sqlite", "b1.sqlite.console.sqlite"]

    # a read after the backup; then everything is lost
    with ReadLog.open(data_dir / "console-reads.sqlite") as log:
        log.record(Read("li", "police", "search"))
    for name in ("hub.sqlite", "console-reads.sqlite", "console.sqlite"):
        _wipe(data_dir / name)

    assert main(["store", "restore", str(target)]) == 0
    out = capsys.readouterr().out
    assert "restored the console's read log" in out
    with ReadLog.open(data_dir / "console-reads.sqlite") as log:
        verdict = log.verify()
        assert verdict.ok
        assert verdict.entries == 3
        # the restored log goes on with the same chain
        assert log.record(Read("li", "police", "search")).seq == 4
        assert log.verify().ok
    with sqlite3.connect(data_dir / "console.sqlite") as conn:
        assert conn.execute("SELECT count(*) FROM accounts").fetchone() == (2,)
    conn.close()


def test_restore_refuses_to_replace_a_read_log_without_force(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "b2.sqlite"
    assert main(["store", "backup", str(target)]) == 0
    _wipe(data_dir / "hub.sqlite")  # the store is empty: only the read log stands in the way
    capsys.readouterr()
    assert main(["store", "restore", str(target)]) == 2
    err = capsys.readouterr().err
    assert "the console's read log at" in err
    assert "holds 3 row(s); restoring would replace them: pass --force" in err
    assert not (data_dir / "hub.sqlite").exists()  # nothing was written
    assert main(["store", "restore", str(target), "--force"]) == 0


@pytest.mark.usefixtures("data_dir")
def test_backup_refuses_a_used_name_before_copying_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "b3.sqlite"
    (tmp_path / "b3.sqlite.console-reads.sqlite").write_text("old")
    assert main(["store", "backup", str(target)]) == 2
    assert "b3.sqlite.console-reads.sqlite exists" in capsys.readouterr().err
    assert not target.exists()


def test_without_console_files_the_backup_is_the_store_alone(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _wipe(data_dir / "console-reads.sqlite")
    _wipe(data_dir / "console.sqlite")
    target = tmp_path / "b4.sqlite"
    assert main(["store", "backup", str(target)]) == 0
    assert "the console's" not in capsys.readouterr().out
    assert not [p.name for p in tmp_path.iterdir() if ".console" in p.name]
