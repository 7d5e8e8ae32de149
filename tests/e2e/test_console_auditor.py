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
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from pypdf import PdfReader

from console.chain import BackgroundVerifier
from console.pages import console_app
from console.pages.auditor import case_path
from console.wiring import ConsoleDeps
from consumers.opening import open_view_store
from consumers.runner import VIEWS, catch_up
from devkit.demo.story import CONFIDENTIAL_CASE, CONFIDENTIAL_MARKER, LAND_CASE, demo_story
from devkit.testing.consumers import story_hub
from hub.bootstrap import open_existing_hub
from hub.settings import PROJECT_ROOT, Settings

playwright_api = pytest.importorskip("playwright.sync_api")
uvicorn = pytest.importorskip("uvicorn")

LAND = f"{LAND_CASE.owning_agency}/{LAND_CASE.case_number}"
CONF = f"{CONFIDENTIAL_CASE.owning_agency}/{CONFIDENTIAL_CASE.case_number}"
LAND_TITLE = "某村民占用耕地建房案"
PASSWORD = "correct horse battery"
#: The console test ports of this part (design: a port chosen by the test); 0 = any free one.
PORTS = (27256, 27257, 27258, 27259, 0)


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(s.getsockname()[1])
    raise RuntimeError("no free port")


@pytest.fixture(scope="module")
def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip("Debian's chromium is not installed (sudo make deps)")
    return path


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[tuple[str, ConsoleDeps, dict[str, str]]]:
    data = tmp_path_factory.mktemp("demo")
    env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(data / "hub.sqlite")}
    story_hub(data, env, demo_story()).close()
    settings = Settings(data_dir=data, store="sqlite")
    views = open_view_store(settings)
    with open_existing_hub(settings) as app:
        for view in VIEWS.values():
            catch_up(app, views, view)
    views.close()
    deps = ConsoleDeps.open(settings)
    secrets: dict[str, str] = {}
    for name, role, agency in (
        ("auditor-1", "auditor", "procuratorate"),
        ("officer-mr", "officer", "market-regulation"),
        # one account per screenshot run: a TOTP code is usable once
        ("auditor-zh", "auditor", "procuratorate"),
        ("auditor-en", "auditor", "procuratorate"),
    ):
        _, factor = deps.accounts.add(name, agency=agency, roles=[role], password=PASSWORD)
        secrets[name] = factor.secret
    application = console_app(deps)
    verifier = BackgroundVerifier(list, every_s=3600)
    verifier.run_once()
    application.state.chain_verifier = verifier
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(application, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        thread.join(0.05)
    assert server.started, "the console did not start"
    yield f"http://127.0.0.1:{port}", deps, secrets
    server.should_exit = True
    thread.join(10)
    deps.close()


@pytest.fixture(scope="module")
def browser(chromium_path):
    with playwright_api.sync_playwright() as p:
        found = p.chromium.launch(executable_path=chromium_path, args=["--no-sandbox"])
        yield found
        found.close()


def _log_in(page, base: str, name: str, secret: str) -> None:
    page.goto(base + "/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    page.click("button[type=submit]")
    page.wait_for_selector("#who")


def test_the_auditor_and_the_officer_journeys(served, browser, tmp_path: Path):
    base, deps, secrets = served
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    _log_in(page, base, "auditor-1", secrets["auditor-1"])
    # find the land case by a Chinese word of its title
    page.goto(base + "/cases")
    page.fill("input[name=words]", "耕地")
    page.click("#search button[type=submit]")
    page.wait_for_selector("#results")
    page.click(f"#results a[href='{case_path(LAND)}']")
    page.wait_for_selector("#casefile")
    assert LAND_TITLE in page.inner_text("#case-title") + page.inner_text("#casefile")
    # the chain badge: the quick check over the audit view
    assert "完整" in page.inner_text("#chain-quick")
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
    assert "auditor-1" in text
    context.close()

    # (2) the market-regulation officer types the URLs
    officer = browser.new_context()
    page = officer.new_page()
    _log_in(page, base, "officer-mr", secrets["officer-mr"])
    response = page.goto(base + case_path(LAND))
    assert response is not None
    assert response.status == 403
    assert LAND_TITLE not in page.content()
    page.goto(base + case_path(CONF))
    assert CONFIDENTIAL_MARKER not in page.content()
    officer.close()

    entries = list(reversed(deps.read_log.entries()))  # type: ignore[attr-defined]
    kinds = [(e.account, e.kind) for e in entries]
    assert kinds[:4] == [
        ("auditor-1", "search"),
        ("auditor-1", "case_page"),
        ("auditor-1", "case_as_of"),
        ("auditor-1", "case_pdf"),
    ]
    # the officer's refused land case is no read; the confidential case (its own agency's,
    # content masked by the clearance) is one, or a refusal
    assert kinds[4:] in ([], [("officer-mr", "case_page")])
    assert entries[1].case_ref == LAND
    assert deps.read_log.verify().ok  # type: ignore[attr-defined]


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
