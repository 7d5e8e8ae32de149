"""The Rule-of-Law Office's journey in a real browser (Playwright driving Debian's chromium)
against a real run: the demo's store and views, the console the demo leaves running.

The Office logs in (password + TOTP code), opens the year's ranking, drills from the lowest
indicator to the events that decided it, opens the deadlines board and exports the ranking to
Excel; the read log holds exactly those reads. Screenshots of the dashboard in both languages
(checked for rendered Chinese glyphs) and of the deadlines board go to docs/images when
``CASEHUB_UPDATE_SCREENSHOTS=1``.
"""

from __future__ import annotations

import io
import json
import os
import re
import runpy
import shutil
import tempfile
from pathlib import Path

import pyotp
import pytest
from openpyxl import load_workbook

from console.readlog import ReadLog
from console_run import demo_run
from hub.settings import PROJECT_ROOT

pytestmark = pytest.mark.kafka
playwright = pytest.importorskip("playwright.sync_api")

#: Where the screenshots go: docs/images with CASEHUB_UPDATE_SCREENSHOTS=1 (README, docs), else
#: a temporary folder (they are still made, so the pages still paint).
IMAGES = (
    PROJECT_ROOT / "docs" / "images"
    if os.environ.get("CASEHUB_UPDATE_SCREENSHOTS") == "1"
    else Path(tempfile.mkdtemp(prefix="console-shots-"))
)
#: tests/e2e/test_assessment_html.py's check that Chromium drew every Chinese character.
GLYPH_PROBE: str = runpy.run_path(str(Path(__file__).with_name("test_assessment_html.py")))[
    "GLYPH_PROBE"
]


@pytest.fixture(scope="module")
def run(kafka_bootstrap, tmp_path_factory):
    """A demo run (English) whose console runs in the background; stopped at the end."""
    with demo_run(kafka_bootstrap, tmp_path_factory.mktemp("office-journey")) as found:
        office = found.accounts["demo-office"]
        yield found.url, found.run_dir, office.password, office.secret


@pytest.fixture(scope="module")
def browser():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("no chromium (sudo make deps)")
    with playwright.sync_playwright() as p:
        found = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        yield found
        found.close()


def _glyph_boxes(page) -> dict:
    script = GLYPH_PROBE.strip().removeprefix("<script>").removesuffix("</script>")
    page.evaluate(script)
    return json.loads(page.locator("#glyph-probe").text_content())


def _log_in(page, url: str, password: str, secret: str) -> None:
    # Logged out: the console asks for the login first.
    page.goto(url + "office/assessment?year=2026")
    page.wait_for_selector("input[name=code]")
    page.fill("input[name=name]", "demo-office")
    page.fill("input[name=password]", password)
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    page.click("button[type=submit]")


def _ranking_in_chinese(page) -> None:
    # Back on the page asked for: the ranking, in Chinese by default.
    page.wait_for_selector("#ranking")
    assert "2026 年度法治考核" in page.title()
    ranks = page.locator("#ranking tbody tr").all_inner_texts()
    assert "市场监督管理局" in ranks[0]
    assert "自然资源局" in ranks[-1]
    IMAGES.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(IMAGES / "console-assessment-zh.png"), full_page=False)
    probe = _glyph_boxes(page)
    assert probe["characters"] > 20
    assert probe["boxes"] == "", f"drawn as missing-glyph boxes: {probe['boxes']}"


def _drill_down(page) -> tuple[str, str]:
    # Drill down from the lowest figure to its evidence.
    lowest = page.locator("#lowest a.figure")
    organ = lowest.get_attribute("data-organ")
    indicator = lowest.get_attribute("data-indicator")
    assert organ == "natural-resources"
    lowest.click()
    page.wait_for_selector("#evidence")
    events = page.locator("#evidence tr.event")
    assert events.count() >= 1
    first = events.first.inner_text()
    assert re.search(r"2026-\d\d-\d\d", first)
    return organ, indicator


def _deadlines(page) -> None:

    # The deadlines board: the missed reply is on it, linking its case.
    page.click("header nav a[href='/office/deadlines']")
    page.wait_for_selector("#group-met_late")
    met_late = page.locator("#group-met_late tr.deadline")
    assert met_late.count() >= 1
    hrefs = [a.get_attribute("href") for a in page.locator("#group-met_late a.case").all()]
    assert any(h.startswith("/cases/natural-resources/") for h in hrefs), hrefs
    page.screenshot(path=str(IMAGES / "console-deadlines.png"), full_page=False)


def _export_in_english(page, url: str) -> None:
    # The ranking in English, then exported to Excel.
    page.goto(url + "office/assessment?year=2026&lang=en")
    page.wait_for_selector("#ranking")
    assert "Rule-of-law assessment 2026" in page.title()
    page.screenshot(path=str(IMAGES / "console-assessment-en.png"), full_page=False)
    assert _glyph_boxes(page)["boxes"] == ""
    with page.expect_download() as download_info:
        page.click("#export-xlsx")
    download = download_info.value
    assert download.suggested_filename == "casehub-assessment-2026-en.xlsx"
    book = load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    assert book.sheetnames == ["Ranking", "Indicators", "Evidence"]
    assert book["Ranking"]["B2"].value == "market-regulation"


def test_the_office_journey(run, browser):
    url, run_dir, password, secret = run
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _log_in(page, url, password, secret)
    _ranking_in_chinese(page)
    organ, indicator = _drill_down(page)
    _deadlines(page)
    _export_in_english(page, url)
    context.close()

    # The read log holds exactly these reads, in order.
    log = ReadLog.open(run_dir / "console-reads.sqlite")
    try:
        entries = log.entries(account="demo-office")
        assert log.verify().ok
    finally:
        log.close()
    got = sorted((e.seq, e.kind, e.target) for e in entries)
    assert [(kind, target) for _, kind, target in got] == [
        ("dashboard", "/office/assessment?year=2026"),
        ("figure", f"/office/assessment/{organ}/{indicator}?year=2026"),
        ("deadlines", "/office/deadlines"),
        ("dashboard", "/office/assessment?year=2026&lang=en"),
        ("export_xlsx", "/office/assessment.xlsx?year=2026"),
    ]
