"""The assessment report in a browser: headless Chromium renders the scorecard and charts."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from devkit.testing.consumers import story_data_dir
from hub.cli import main

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
)


@pytest.fixture(scope="module")
def chromium():
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail(
            "headless Chromium is needed: apt-get install -y chromium (Debian's package)",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """The 2026 report of the demo story, written by the CLI as a user runs it."""
    data_dir = story_data_dir(tmp_path_factory.mktemp("data"))
    out = data_dir / "assessment-2026.html"
    mp = pytest.MonkeyPatch()
    mp.setenv("CASEHUB_DATA_DIR", str(data_dir))
    mp.setenv("CASEHUB_STORE", "sqlite")
    mp.delenv("CASEHUB_SQLITE_PATH", raising=False)
    try:
        assert main(["consumers", "rebuild", "assessment"]) == 0
        assert (
            main(["assessment", "report", "--year", "2026", "--lang", "en", "--out", str(out)]) == 0
        )
    finally:
        mp.undo()
    return out


def _run(chromium, *args, cwd):
    return subprocess.run(
        [chromium, *CHROMIUM_FLAGS, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        cwd=cwd,
    )


class TestRenderedReport:
    def test_the_scorecard_and_its_svg_charts_are_in_the_rendered_page(self, chromium, report):
        """Chromium's DOM has the ranked scorecard, the score chart with a bar per organ."""
        dom = _run(chromium, "--dump-dom", report.as_uri(), cwd=report.parent).stdout
        assert '<table id="scorecard">' in dom
        rows = re.findall(r'<tr class="organ-row" data-agency="([a-z-]+)">', dom)
        assert rows.index("market-regulation") < rows.index("natural-resources")
        chart = dom[dom.index('<svg class="chart" id="score-chart"') :]
        chart = chart[: chart.index("</svg>")]
        assert chart.count('class="bar"') == len(rows)
        assert dom.count("<svg") == 1 + len(rows)
        assert dom.count('<details class="figure"') >= 10

    def test_the_page_paints(self, chromium, report, tmp_path):
        """A screenshot of the page is written (the page renders without network or scripts)."""
        shot = tmp_path / "report.png"
        _run(
            chromium,
            f"--screenshot={shot}",
            "--window-size=1200,1600",
            report.as_uri(),
            cwd=tmp_path,
        )
        assert shot.stat().st_size > 10_000
