"""``python -m bench --quick``: every figure of issue #9 is printed with a baseline and a ratio.

A smoke run at 1/50 of the issue's sizes on the session broker and the project's PostgreSQL.
It asserts what the harness reports, never how fast anything is (figures are not test
assertions: the machine is shared and noisy).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

from devkit.testing import serve as t
from hub.settings import PROJECT_ROOT

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.slow]

#: Every figure the issue lists, as the table names them (sizes scale with --quick).
FIGURES = (
    "consume+decode agency topics: librdkafka raw",
    "ingest SQLite",
    "ingest PostgreSQL",
    "produce timeline-sized records: librdkafka raw",
    "relay",
    "rebuild (audit view)",
    "history 20 events, snapshots",
    "history 20 events, no snapshots",
    "history 200 events, snapshots",
    "history 200 events, no snapshots",
    "latency p50 (publish -> audit view)",
    "latency p99 (publish -> audit view)",
    "memory: serve peak RSS at 2,000 cases",
    "console search p95: title word (占用耕地)",
    "console search p95: title word, 2 characters (采砂)",
    "console search p95: agency + 1 month",
    "console search p95: participant",
    "console search p95: person (subject id)",
    "console p95: case page",
    "console p95: as-of page",
    "console assessment page p95",
    "console assessment page, first after the view moved",
)


@pytest.fixture(scope="module")
def quick_run(hub_settings, kafka_bootstrap, postgres_env, tmp_path_factory):  # noqa: ARG001 - PostgreSQL must answer
    tmp = tmp_path_factory.mktemp("bench")
    settings = hub_settings.with_overrides(kafka_bootstrap=kafka_bootstrap)
    env = t.serve_env(settings, tmp / "unused.sqlite")
    out = tmp / "figures.json"
    args = ["--quick", "--repeats", "1", "--workdir", str(tmp / "work"), "--json", str(out)]
    done = subprocess.run(
        [sys.executable, "-m", "bench", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    t.reset_kafka(settings)  # leave no bench topics for the next test module
    return done.stdout, json.loads(out.read_text(encoding="utf-8"))


def test_every_figure_is_printed_with_its_baseline_and_ratio(quick_run):
    stdout, _ = quick_run
    rows = {
        cells[0]: cells
        for line in stdout.splitlines()
        if line.startswith("| ")
        for cells in [[c.strip() for c in line.strip("|").split("|")]]
    }
    assert rows.pop("figure") == ["figure", "value", "baseline", "ratio", "aim", "met?"]
    assert sorted(rows) == sorted(FIGURES)
    for name, (_, value, baseline, ratio, _, met) in rows.items():
        assert value, name
        assert value != "n/a", name
        assert "(" in baseline, f"{name}: the baseline says what it measured"
        assert float(ratio) > 0, name
        assert met in {"yes", "NO", "-"}, name


def test_the_json_holds_the_same_figures_with_positive_baselines(quick_run):
    _, data = quick_run
    figures = {f["name"]: f for f in data["figures"]}
    assert sorted(figures) == sorted(FIGURES)
    for name, f in figures.items():
        assert f["value"] > 0, name
        assert f["baseline"] > 0, name
        assert math.isclose(f["ratio"], f["value"] / f["baseline"]), name
    assert data["meta"]["nproc"] >= 1
    assert data["meta"]["scale"] == 0.02
