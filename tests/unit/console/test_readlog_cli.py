"""``casehub audit reads``: filters, both languages, JSON, --verify (exit 1 when tampered)."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from console.readlog import Read, ReadLog
from hub.cli import main

T0 = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)  # 09:30 in Beijing


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CASEHUB_DATA_DIR", str(tmp_path))
    with ReadLog.open(tmp_path / "console-reads.sqlite") as log:
        log.record(
            Read("zhang", "procuratorate", "case_page", "police/公安案〔2026〕7号", "/cases/1"),
            at=T0,
        )
        log.record(
            Read("li", "police", "search", query={"words": "盗窃", "person": "p-abc123"}),
            at=T0 + timedelta(days=1),
        )
        log.record(
            Read("zhang", "procuratorate", "export_xlsx", target="/office/2026.xlsx"),
            at=T0 + timedelta(days=2),
        )
    return tmp_path


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["audit", "reads", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.usefixtures("data_dir")
def test_table_in_local_time_with_the_zone(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "--account", "zhang")
    assert code == 0
    assert "2026-03-02 09:30:00 +08:00" in out
    assert "案件页面" in out
    assert "导出 Excel" in out
    assert "li" not in out.split()
    assert "共 2 条，显示 2 条" in out
    assert "北京时间" in out


@pytest.mark.usefixtures("data_dir")
def test_english_and_filters(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "--agency", "police", "--lang", "en")
    assert code == 0
    assert "case search" in out
    assert "person=p-abc123 words=盗窃" in out
    assert "1 read(s), 1 shown" in out
    _, out, _ = _run(capsys, "--case", "police/公安案〔2026〕7号", "--format", "json")
    found = json.loads(out)
    assert found["total"] == 1
    assert found["entries"][0]["account"] == "zhang"
    # a date means its whole local day: since its start, until its end
    _, out, _ = _run(capsys, "--since", "2026-03-03", "--until", "2026-03-03", "--format", "json")
    assert [e["kind"] for e in json.loads(out)["entries"]] == ["search"]
    _, out, _ = _run(capsys, "--kind", "export_xlsx", "--format", "json")
    assert [e["seq"] for e in json.loads(out)["entries"]] == [3]
    _, out, _ = _run(capsys, "--account", "nobody", "--lang", "en")
    assert "No reads match" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--kind", "peek"), "unknown --kind 'peek'"),
        (("--since", "yesterday"), "--since 'yesterday' is not an ISO date"),
        (("--since", "2026-03-05", "--until", "2026-03-01"), "is not after --since"),
        (("--case", "no-slash"), "is not owning-agency/case-number"),
        (("--format", "xml"), "unknown format 'xml'"),
        (("--limit", "0"), "--limit must be at least 1"),
    ],
)
@pytest.mark.usefixtures("data_dir")
def test_bad_options_are_refused(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    code, _, err = _run(capsys, *args)
    assert code == 2
    assert message in err


def test_no_log_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CASEHUB_DATA_DIR", str(tmp_path))
    code, _, err = _run(capsys)
    assert code == 2
    assert f"there is no read log at {tmp_path / 'console-reads.sqlite'}" in err


def test_verify_ok_then_tampered_exits_1(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, "--verify", "--lang", "en")
    assert code == 0
    assert "read log intact: the hash chain of 3 entries holds" in out
    with sqlite3.connect(data_dir / "console-reads.sqlite") as conn:
        conn.execute("DROP TRIGGER reads_no_update")
        conn.execute("UPDATE reads SET target = '/cases/2' WHERE seq = 1")
    code, out, _ = _run(capsys, "--verify")
    assert code == 1
    assert "查阅日志被篡改：第 1 条（target）：记录后被修改，与哈希不符；此前 0 条完好" in out
    code, out, _ = _run(capsys, "--verify", "--lang", "en")
    assert code == 1
    assert (
        "entry 1 (target): changed after it was recorded (target): the hash no longer matches"
        in out
    )
    code, out, _ = _run(capsys, "--verify", "--format", "json")
    assert code == 1
    verdict = json.loads(out)
    assert verdict["ok"] is False
    assert verdict["first_bad"]["seq"] == 1
    assert verdict["first_bad"]["field"] == "target"
    assert verdict["first_bad"]["problem"] == "changed"


def test_file_option_names_another_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CASEHUB_DATA_DIR", str(tmp_path / "empty"))
    other = tmp_path / "elsewhere.sqlite"
    with ReadLog.open(other) as log:
        log.record(Read("wang", "court", "reads"), at=T0)
    code, out, _ = _run(capsys, "--file", str(other), "--format", "json")
    assert code == 0
    assert json.loads(out)["entries"][0]["account"] == "wang"
