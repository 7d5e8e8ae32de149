"""The views' verbs and ``ops status`` as a user runs them on a demo run, in a terminal.

``casehub demo`` tells the story through Kafka and feeds the views; the user then reads them
with the commands the demo's last lines name: ``consumers deadlines``, ``consumers timeline``,
``ops status``. What they see: cases as ``agency/number``, agencies by name, states and flags
in words, aligned columns, every line in the chosen language, local time with its zone.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hub.presentation.table import display_width
from hub.rules.clocks import local_date
from hub.settings import PROJECT_ROOT

pytestmark = pytest.mark.kafka

LAND = "natural-resources/自然资案〔2026〕014号"
FOOD = "market-regulation/市监案〔2026〕001号"
UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _casehub(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hub.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=PROJECT_ROOT,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def run(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """One demo run; the environment its last lines tell the user to read it with."""
    run_dir: Path = tmp_path_factory.mktemp("views-demo") / "run"
    env = dict(os.environ) | {"CASEHUB_KAFKA_BOOTSTRAP": kafka_bootstrap, "PYTHONUNBUFFERED": "1"}
    for name in ("CASEHUB_SQLITE_PATH", "CASEHUB_STORE", "CASEHUB_STORE_CIPHER_KEY_FILE"):
        env.pop(name, None)
    demo = _casehub(env, "demo", "--no-console", "--data-dir", str(run_dir))
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    return env | {
        "CASEHUB_DATA_DIR": str(run_dir),
        "CASEHUB_STORE_CIPHER_KEY_FILE": str(run_dir / "keys" / "store.key"),
    }


def _out(env: dict[str, str], *args: str) -> str:
    done = _casehub(env, *args)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_deadlines_in_chinese_name_cases_and_agencies_in_aligned_columns(run):
    """The Chinese table: no UUID, no English word, no bare `*`; the case column lines up; the
    footer says the days count from today's date on this machine."""
    out = _out(run, "consumers", "deadlines", "--lang", "zh")
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["到期日", "状态", "工作日"]
    rows = [line for line in lines[2:] if line[:4].isdigit()]
    assert rows
    assert not UUID_TEXT.search(out)
    reply = next(r for r in rows if "JJ-2026-02" in r)
    for words in ("逾期办理", "逾期 7 个工作日", "检察建议书面回复", "市自然资源局", LAND):
        assert words in reply
    assert "已记录逾期" in reply
    case_column = {display_width(lines[0][: lines[0].index("案件")])}
    for row in rows:
        case_column.add(display_width(row[: re.search(r"[a-z-]+/", row).start()]))
    assert len(case_column) == 1
    today = local_date(datetime.now(UTC)).isoformat()
    assert lines[-1] == f"共 {len(rows)} 项期限；天数按 {today} 计算（本机今日日期，Asia/Shanghai）"
    text = re.sub(r"[a-z-]+/\S+|TB-\d+-\d+|JJ-\d+-\d+|XZ-\d+-\d+|Asia/Shanghai", "", out)
    for english in ("case", "deadline", "as of", "met", "late", "*"):
        assert english not in text, english


def test_deadlines_in_english_say_the_day_given(run):
    """--today is said to be the day counted from, and that it is not the machine's date."""
    out = _out(run, "consumers", "deadlines", "--lang", "en", "--today", "2026-12-31")
    notice = next(line for line in out.splitlines() if "TB-2026-001" in line)
    for words in ("met late", "3 working day(s) late", "notice acknowledgment", FOOD):
        assert words in notice
    assert "City Natural Resources Bureau" in notice
    assert out.splitlines()[-1].endswith(
        "days counted from 2026-12-31 (given by --today, not today's date on this machine)"
    )


def test_timeline_shows_local_time_with_its_zone_and_agencies_by_name(run):
    """The reply deadline missed at 01:00 on 16 June reads on the day it was missed, in local
    time, not as the UTC evening of its own due day."""
    out = _out(run, "consumers", "timeline", LAND, "--lang", "en")
    missed = next(line for line in out.splitlines() if "deadline missed" in line)
    assert "2026-06-16 01:00 +08:00" in missed
    assert "City Natural Resources Bureau" in missed
    assert "+00:00" not in out
    assert "T17:00" not in out
    assert out.splitlines()[0] == f"Timeline of case {LAND}"
    assert out.splitlines()[-1] == "Times are local time in Asia/Shanghai (UTC+08:00)"
    zh = _out(run, "consumers", "timeline", LAND)
    assert "市自然资源局: 登记案件" in zh
    assert zh.splitlines()[-1] == "时间均为北京时间（Asia/Shanghai，UTC+08:00）"


def test_ops_status_shows_local_time_and_agency_names(run):
    """ops status: each agency by name, its last event and the relay's commit in local time."""
    out = _out(run, "ops", "status", "--sample", "0")
    agencies = out[out.index("AGENCIES") : out.index("SCHEMAS IN USE")]
    land = next(line for line in agencies.splitlines() if "natural-resources" in line)
    assert "City Natural Resources Bureau" in land
    assert "2026-06-25 10:00:00 +08:00" in land
    commit = next(line for line in out.splitlines() if "last commit" in line)
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+08:00$", commit), commit
    assert out.splitlines()[-1] == "Times are local time in Asia/Shanghai (UTC+08:00)"
