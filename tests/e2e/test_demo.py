"""``casehub demo`` as a user runs it: the story end to end through Kafka, twice in a row."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from hub.settings import PROJECT_ROOT

pytestmark = pytest.mark.kafka


def _demo(bootstrap: str, run_dir: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env |= {"CASEHUB_KAFKA_BOOTSTRAP": bootstrap, "PYTHONUNBUFFERED": "1"}
    env.pop("CASEHUB_SQLITE_PATH", None)
    env.pop("CASEHUB_STORE", None)
    return subprocess.run(
        [sys.executable, "-m", "hub.cli", "demo", "--data-dir", str(run_dir)],
        capture_output=True,
        text=True,
        env=env,
        cwd=PROJECT_ROOT,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def runs(kafka_bootstrap, tmp_path_factory):
    """Two demo runs in a row against the session broker, each in a fresh folder."""
    base = tmp_path_factory.mktemp("demo")
    return [_demo(kafka_bootstrap, base / f"run-{n}") for n in (1, 2)]


def _section(output: str, title: str) -> str:
    start = output.index(title)
    end = output.find("\n== ", start + len(title))
    return output[start : end if end != -1 else None]


def test_both_runs_exit_0(runs):
    """A second run right after the first works too: each run reads only its own records."""
    for run in runs:
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]


def test_the_first_line_names_the_run_folder(runs):
    """The first line says where this run's data and reports are."""
    for n, run in enumerate(runs, start=1):
        first = run.stdout.splitlines()[0]
        assert "run folder" in first
        assert first.rstrip().endswith(f"run-{n}")


def test_the_missed_reply_deadline_of_jj_2026_02_is_named(runs):
    """The scheduler's tick records the Natural Resources Bureau's missed reply, and says so."""
    for run in runs:
        assert re.search(r"missed: written reply to a recommendation JJ-2026-02", run.stdout)
        assert "记录逾期：检察建议书面回复 JJ-2026-02" in run.stdout
        deadlines = _section(run.stdout, "Open and missed deadlines")
        assert re.search(r"JJ-2026-02: .*\[deadline missed", deadlines)


def test_the_ranking_puts_market_regulation_above_natural_resources(runs):
    """The year-end assessment ranks the on-time organ above the one that missed its deadline."""
    for run in runs:
        ranking = _section(run.stdout, "Annual assessment 2026: ranking")
        assert ranking.index("(market-regulation)") < ranking.index("(natural-resources)")


def test_the_chain_verification_passed(runs):
    """Every case's hash chain verifies, against the heads the timeline published."""
    for run in runs:
        assert "chain verification passed: 2 case(s) checked, 0 broken" in run.stdout
        assert "BROKEN" not in run.stdout


def test_the_html_reports_it_names_exist(runs):
    """The assessment reports (zh, en) hold the scorecard; the case exports exist."""
    for run in runs:
        paths = [Path(p) for p in re.findall(r": (/\S+\.html)$", run.stdout, re.MULTILINE)]
        assessment = [p for p in paths if p.name.startswith("assessment-")]
        exports = [p for p in paths if p.name.startswith("case-")]
        assert len(assessment) == 2
        assert len(exports) == 4
        for path in paths:
            assert path.is_file(), path
        text = {p.name: p.read_text(encoding="utf-8") for p in assessment}
        assert "考核排名" in text["assessment-2026.zh.html"]
        assert "Ranked scorecard" in text["assessment-2026.en.html"]
        for name, html in text.items():
            assert "market-regulation" in html or "市场监督管理局" in html, name


def test_the_broker_is_left_running_and_the_way_to_stop_it_is_said(runs):
    """The last line says the broker still runs and how to stop it."""
    for run in runs:
        assert "casehub broker down" in run.stdout.strip().splitlines()[-1]
