"""The auditors' pages in a browser (Playwright driving Debian's chromium, never a download):
the console served by uvicorn on a real port over the demo story's store and views.

(1) an auditor logs in with password and TOTP, finds the land case by a Chinese title word,
steps it back to before its missed deadline, checks the chain badge and downloads the PDF;
(2) a market-regulation officer cannot open the land case nor read the CONFIDENTIAL case's
content by typing their URLs. At the end the read log holds exactly these reads and verifies.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import re
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from pypdf import PdfReader

from console.pages.auditor import case_path
from console.readlog import ReadLog
from console_run import DemoRun, demo_run
from devkit.demo.story import CONFIDENTIAL_CASE, CONFIDENTIAL_MARKER, LAND_CASE
from hub.settings import PROJECT_ROOT

pytestmark = pytest.mark.kafka
playwright_api = pytest.importorskip("playwright.sync_api")

LAND = f"{LAND_CASE.owning_agency}/{LAND_CASE.case_number}"
CONF = f"{CONFIDENTIAL_CASE.owning_agency}/{CONFIDENTIAL_CASE.case_number}"
LAND_TITLE = "某村民占用耕地建房案"
PASSWORD = "correct horse battery"
JUSTICE_BUREAU = "justice-bureau"


@pytest.fixture(scope="module")
def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip("Debian's chromium is not installed (sudo make deps)")
    return path


def _add_account(run: DemoRun, name: str, agency: str, role: str, folder: Path) -> str:
    """``casehub console accounts add`` on the run's console store; the printed secret."""
    password_file = folder / f"{name}.password"
    password_file.write_text(PASSWORD + "\n", encoding="utf-8")
    done = run.cli(
        "console", "accounts", "add", name, "--agency", agency, "--role", role,
        "--password-file", str(password_file),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    found = re.search(r"secret: (\S+)", done.stdout)
    assert found is not None, done.stdout
    return found.group(1)


@pytest.fixture(scope="module")
def served(kafka_bootstrap, tmp_path_factory) -> Iterator[tuple[str, DemoRun, dict[str, str]]]:
    """The demo's real run and the console it leaves running, plus the journeys' accounts."""
    base = tmp_path_factory.mktemp("auditor-journey")
    with demo_run(kafka_bootstrap, base) as run:
        secrets: dict[str, str] = {}
        for name, role, agency in (
            # a participant of the CONFIDENTIAL case, not cleared for CONFIDENTIAL
            ("officer-jb", "officer", JUSTICE_BUREAU),
            # one account per screenshot run: a TOTP code is usable once
            ("auditor-zh", "auditor", "procuratorate"),
            ("auditor-en", "auditor", "procuratorate"),
        ):
            secrets[name] = _add_account(run, name, agency, role, base)
        yield run.url.rstrip("/"), run, secrets


@pytest.fixture(scope="module")
def browser(chromium_path):
    with playwright_api.sync_playwright() as p:
        found = p.chromium.launch(executable_path=chromium_path, args=["--no-sandbox"])
        yield found
        found.close()


def _log_in(page, base: str, name: str, secret: str, password: str = PASSWORD) -> None:
    page.goto(base + "/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    page.click("button[type=submit]")
    page.wait_for_selector("#who")


def _open_case_when_fully_checked(page, base: str) -> int:
    """The land case page, reloaded until the console's background verifier has reported its
    full check (it runs against the real timeline); how many times the page was read."""
    reads = 1
    while "完整校验（存储与时间锚）" not in page.inner_text("#chain-full"):
        assert reads < 200, page.inner_text("#chain-full")
        page.wait_for_timeout(250)  # the verifier runs in the console process: poll its result
        page.goto(base + case_path(LAND))
        page.wait_for_selector("#casefile")
        reads += 1
    return reads


def test_the_auditor_and_the_officer_journeys(served, browser, tmp_path: Path):
    base, run, secrets = served
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    auditor = run.accounts["demo-auditor"]
    _log_in(page, base, auditor.name, auditor.secret, auditor.password)
    # find the land case by a Chinese word of its title
    page.goto(base + "/cases")
    page.fill("input[name=words]", "耕地")
    page.click("#search button[type=submit]")
    page.wait_for_selector("#results")
    page.click(f"#results a[href='{case_path(LAND)}']")
    page.wait_for_selector("#casefile")
    assert LAND_TITLE in page.inner_text("#case-title") + page.inner_text("#casefile")
    # the chain badges: the quick check over the audit view, the background full check
    assert "完整" in page.inner_text("#chain-quick")
    case_reads = _open_case_when_fully_checked(page, base)
    assert "完整（" in page.inner_text("#chain-full")
    # step back to before the missed deadline (recorded 2026-06-16 01:00 +08:00)
    page.fill("input[name=as_of]", "2026-06-16T00:30")
    page.click("#as-of button[type=submit]")
    page.wait_for_selector("#shown-version:has-text('截至 2026-06-16 00:30')")
    then = page.inner_text("#casefile")
    assert "书面回复期限进行中" in then
    # the PDF, watermarked, carries the case's Chinese title
    with page.expect_download() as download:
        page.click("#pdf")
    path = tmp_path / "case.pdf"
    download.value.save_as(path)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(path.read_bytes())).pages)
    assert LAND_TITLE in text
    assert "demo-auditor" in text
    context.close()

    # (2) the market-regulation officer types the land case's URL: not its case
    officer = browser.new_context()
    page = officer.new_page()
    demo_officer = run.accounts["demo-officer"]
    _log_in(page, base, demo_officer.name, demo_officer.secret, demo_officer.password)
    response = page.goto(base + case_path(LAND))
    assert response is not None
    assert response.status == 403
    assert LAND_TITLE not in page.content()
    officer.close()

    _the_justice_bureau_sees_the_masked_form(browser, base, secrets["officer-jb"])
    _the_read_log_holds_these_reads(run, case_reads, tmp_path)


def _the_justice_bureau_sees_the_masked_form(browser, base: str, secret: str) -> None:
    # (3) a justice-bureau officer (a participant, not cleared for CONFIDENTIAL) types the
    # CONFIDENTIAL case's URLs: the masked form wherever it goes
    justice = browser.new_context(accept_downloads=True)
    page = justice.new_page()
    _log_in(page, base, "officer-jb", secret)
    for where in ("", "/events/1"):
        response = page.goto(base + case_path(CONF) + where)
        assert response is not None
        assert response.status == 200, where  # a participant: the masked form, not a refusal
        assert CONFIDENTIAL_MARKER not in page.content(), where
        assert "商业秘密" not in page.content(), where  # nor its title
    response = page.request.get(base + case_path(CONF) + "/casefile.pdf")
    assert response.status == 200
    pdf = PdfReader(io.BytesIO(response.body()))
    text = "".join(p.extract_text() for p in pdf.pages)
    assert CONFIDENTIAL_MARKER not in text
    assert "商业秘密" not in text
    justice.close()


def _the_read_log_holds_these_reads(run: DemoRun, case_reads: int, tmp_path: Path) -> None:
    """The run's read log: exactly the journeys' reads, a whole chain; a tampered copy fails
    ``casehub audit reads --verify`` naming its row."""
    log = ReadLog.open(run.run_dir / "console-reads.sqlite")
    try:
        entries = list(reversed(log.entries()))
        verdict = log.verify()
    finally:
        log.close()
    reads = [(e.account, e.kind, e.case_ref) for e in entries]
    expected = [
        ("demo-auditor", "search", ""),
        *[("demo-auditor", "case_page", LAND)] * case_reads,
        ("demo-auditor", "case_as_of", LAND),
        ("demo-auditor", "case_pdf", LAND),
    ]
    assert reads[: len(expected)] == expected, reads
    # the officer's refused land case is no read; the justice bureau's reads are of the
    # CONFIDENTIAL case alone
    rest = reads[len(expected) :]
    assert rest == [
        ("officer-jb", "case_page", CONF),
        ("officer-jb", "case_event", CONF),
        ("officer-jb", "case_pdf", CONF),
    ], rest
    assert verdict.ok
    # the CLI agrees, and names the row a tamperer changed (on a copy)
    assert run.cli("audit", "reads", "--verify").returncode == 0
    copy = tmp_path / "reads-copy.sqlite"
    # the backup API: the log's committed rows, write-ahead log included
    with (
        sqlite3.connect(run.run_dir / "console-reads.sqlite") as source,
        sqlite3.connect(copy) as target,
    ):
        source.backup(target)
    with sqlite3.connect(copy) as db:
        for (trigger,) in db.execute("SELECT name FROM sqlite_master WHERE type='trigger'"):
            db.execute(f'DROP TRIGGER "{trigger}"')
        db.execute("UPDATE reads SET account = 'someone-else' WHERE seq = 2")
    tampered = run.cli("audit", "reads", "--verify", "--file", str(copy))
    assert tampered.returncode == 1, tampered.stdout + tampered.stderr
    assert re.search(r"\b2\b", tampered.stdout + tampered.stderr), tampered.stdout


# --- screenshots for docs/images, checked for rendered Chinese glyphs ---------------------------
IMAGES = PROJECT_ROOT / "docs" / "images"
SHOTS = {
    "console-cases": "/cases?words=%E8%80%95%E5%9C%B0&go=1",  # 耕地
    "console-case": case_path(LAND) + "?as_of=2026-06-16T00:30",
}


def _glyph_probe() -> str:
    """GLYPH_PROBE of tests/e2e/test_assessment_html.py (its module, loaded by path)."""
    spec = importlib.util.spec_from_file_location(
        "assessment_html_glyphs", Path(__file__).with_name("test_assessment_html.py")
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    probe: str = module.GLYPH_PROBE
    return probe


def _glyphs(page) -> dict:
    """tests/e2e/test_assessment_html.py's glyph probe, run in the page (the console's CSP
    allows no inline script, so it is evaluated through the browser's own channel)."""
    script = _glyph_probe().strip().removeprefix("<script>").removesuffix("</script>")
    page.evaluate(script)
    found = json.loads(page.inner_text("#glyph-probe"))
    assert found["referenceIsBox"], "the missing-glyph box reference does not hold"
    return found


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_screenshots_of_the_main_pages_show_chinese_glyphs(served, browser, lang):
    base, _, secrets = served
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    _log_in(page, base, f"auditor-{lang}", secrets[f"auditor-{lang}"])
    update = os.environ.get("CASEHUB_UPDATE_SCREENSHOTS") == "1"
    for name, path in SHOTS.items():
        sep = "&" if "?" in path else "?"
        page.goto(f"{base}{path}{sep}lang={lang}")
        page.wait_for_selector("main")
        found = _glyphs(page)
        assert found["characters"] > 0
        assert found["boxes"] == "", f"{name} ({lang}) draws boxes for {found['boxes']}"
        image = IMAGES / f"{name}-{lang}.png"
        if update:
            page.evaluate("document.getElementById('glyph-probe').remove()")
            image.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(image), full_page=False)
        else:
            assert image.is_file(), f"{image} is missing: CASEHUB_UPDATE_SCREENSHOTS=1 makes it"
    context.close()
