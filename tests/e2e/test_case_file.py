"""The case file as an auditor meets it: `casehub audit history` in a terminal, the HTML export
and the PDF export of one case say the same words for the same facts.

The case (tests/support/case_file_case.py) holds an objection reviewed as AMENDED with a
provisional due day, a reply deadline missed at 01:00 local time and a late reply. The CLI runs
as a user runs it, in a process of its own, against the case's SQLite event store. The PDF's text
is read back with pypdf: the Chinese must come back as the characters written (WeasyPrint embeds
real fonts with a ToUnicode map), not as the Kangxi radicals a Type 3 print-to-PDF yields.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from case_file_case import REFERENCE, TITLE, Facts, build
from devkit.testing.consumers import story_data_dir

#: U+2E80–U+2FDF: CJK radicals and Kangxi radicals, what Type 3 glyphs read back as (⾃ for 自).
RADICALS = re.compile("[\u2e80-\u2fdf]")
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "images" / "case-file.png"
#: Set to 1 to re-render the committed screenshot of the case file (README, docs/case-file.md).
UPDATE_ENV = "CASEHUB_UPDATE_SCREENSHOTS"
LAND = "natural-resources/自然资案〔2026〕014号"


def casehub(data_dir: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "CASEHUB_DATA_DIR": str(data_dir),
        "CASEHUB_STORE": "sqlite",
        "CASEHUB_KAFKA_BOOTSTRAP": "127.0.0.1:1",  # none of these verbs reads Kafka
    }
    env.pop("CASEHUB_SQLITE_PATH", None)
    env.pop("CASEHUB_CONFIG", None)
    run = subprocess.run(
        [sys.executable, "-m", "hub.cli", *argv],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
        cwd=data_dir,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    return run


def flat(text: str) -> str:
    """Text without any whitespace: a PDF breaks lines where the page does."""
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def facts(tmp_path_factory) -> Facts:
    found = build(tmp_path_factory.mktemp("casefile-e2e"))
    found.world.hub.close()
    return found


@pytest.fixture(scope="module")
def data_dir(facts) -> Path:
    return facts.world.settings.data_dir


@pytest.fixture(scope="module")
def outputs(data_dir) -> dict[str, str]:
    """The table (stdout), the HTML export and the PDF's text, in Chinese."""
    table = casehub(data_dir, "audit", "history", REFERENCE).stdout
    casehub(data_dir, "audit", "export", REFERENCE, "--format", "html", "--out", "case.html")
    casehub(data_dir, "audit", "export", REFERENCE, "--format", "pdf", "--out", "case.pdf")
    pdf = PdfReader(data_dir / "case.pdf")
    return {
        "table": table,
        "html": (data_dir / "case.html").read_text(encoding="utf-8"),
        "pdf": "\n".join(page.extract_text() for page in pdf.pages),
    }


class TestHistoryTable:
    def test_the_table_shows_outcome_lateness_provisional_and_local_time(self, facts, data_dir):
        """`casehub audit history --lang en`: what only the JSON said before, in words."""
        out = casehub(data_dir, "audit", "history", REFERENCE, "--lang", "en").stdout
        assert "objection reviewed: recommendation amended, reply due day reset" in out
        assert "replied 6 working day(s) late" in out
        assert f"reply due {facts.amended_due} (provisional)" in out
        assert "provisional: the year's official holiday arrangement is not yet published" in out
        assert f"{facts.missed_at}  the hub" in out
        assert "Natural Resources Bureau" in out
        assert "+00:00" not in out

    def test_the_json_says_which_deadlines_are_open(self, data_dir):
        """`--format json`: each deadline of `case.deadlines[]` carries its state."""
        out = casehub(data_dir, "audit", "history", REFERENCE, "--format", "json").stdout
        deadlines = json.loads(out)["case"]["deadlines"]
        assert {d["target_id"]: d["state"] for d in deadlines} == {"R-1": "open", "R-2": "met_late"}


class TestOneCaseThroughAllThree:
    @pytest.mark.parametrize(
        "fact",
        [
            "已签收，书面回复期限进行中",  # R-1's state after the AMENDED review
            "变更检察建议，重新确定回复期限",  # the review's outcome
            "书面回复逾期 6 个工作日",  # R-2's late reply
            "期限未届满",  # R-1's deadline, open
            "逾期办理",  # R-2's deadline, met late
            "市自然资源局",
            "市市场监管局",
            "内部",
            "时间均为北京时间（Asia/Shanghai，UTC+08:00）",
        ],
    )
    def test_the_same_words_for_the_same_fact(self, outputs, fact):
        """The table, the HTML and the PDF each say it, in the same words."""
        for name, text in outputs.items():
            assert flat(fact) in flat(text), name

    def test_the_same_days_and_local_times(self, facts, outputs):
        """The provisional due day, the missed due day, the 01:00 miss and the reply's time."""
        facts_shown = [
            f"期限 {facts.amended_due}（暂定）",
            f"期限 {facts.missed_due}",
            facts.missed_at,
            facts.replied_at,
        ]
        for fact in facts_shown:
            for name, text in outputs.items():
                assert flat(fact) in flat(text), (name, fact)

    @pytest.mark.usefixtures("outputs")
    def test_the_pdf_carries_the_classification_on_every_page(self, data_dir):
        """Top and bottom margin of each page: 密级: 内部 and the case."""
        pages = PdfReader(data_dir / "case.pdf").pages
        assert len(pages) >= 2
        banner = flat(f"密级: 内部 · {REFERENCE}")
        for number, page in enumerate(pages, start=1):
            assert flat(page.extract_text()).count(banner) >= 2, number

    def test_the_pdf_chinese_reads_back_as_real_text(self, outputs):
        """The title comes back as its characters, never as radicals (⾃ for 自)."""
        assert flat(TITLE) in flat(outputs["pdf"])
        assert "案卷" in outputs["pdf"]
        assert not RADICALS.search(outputs["pdf"])

    @pytest.mark.parametrize("lang", ["zh", "en"])
    def test_the_pdf_embeds_its_fonts_with_their_text_and_in_simplified_chinese(
        self, data_dir, lang
    ):
        """Every font is a real (Type0) font with a ToUnicode map, never Type 3 glyphs; the
        Chinese is set in a Simplified Chinese face, not a Japanese or Traditional one, in the
        English case file too (its margins, its raw fields)."""
        pdf = data_dir / f"fonts-{lang}.pdf"
        casehub(data_dir, "audit", "export", REFERENCE, "--format", "pdf", "--lang", lang,
                "--out", str(pdf))  # fmt: skip
        fonts = {}
        for page in PdfReader(pdf).pages:
            for ref in page["/Resources"]["/Font"].values():
                font = ref.get_object()
                fonts[str(font["/BaseFont"]).partition("+")[2]] = font
        assert any("CJK-SC" in name for name in fonts), sorted(fonts)
        for name, font in fonts.items():
            assert font["/Subtype"] == "/Type0", name
            assert "/ToUnicode" in font, name
            assert not re.search(r"CJK-(JP|KR|TC|HK)", name), name

    @pytest.mark.usefixtures("outputs")
    def test_nothing_runs_off_the_a4_page(self, data_dir):
        """Laid out on A4 (as the PDF is), no box of the case file crosses the right margin:
        hashes, ids and raw JSON wrap inside their cells."""
        from weasyprint import HTML  # noqa: PLC0415 - the layout engine the PDF uses

        document = HTML(filename=data_dir / "case.html").render()
        for number, page in enumerate(document.pages, start=1):
            box = page._page_box
            right = box.margin_width() - box.margin_right
            widest = max(_right_edges(box, skip=box))
            assert widest <= right + 0.5, f"page {number}: a box ends {widest - right:.0f}px out"

    def test_the_hashes_are_in_the_appendix_of_every_output_that_has_one(self, outputs):
        """The HTML and PDF carry each event hash (wrapped), the table none."""
        assert "prev_hash" in outputs["html"]
        assert "prev_hash" in outputs["pdf"]
        assert "prev_hash" not in outputs["table"]


def _right_edges(box, skip):
    """The right edge of every box laid out under ``box``."""
    if box is not skip and box.width is not None:
        yield box.position_x + box.margin_width()
    for child in getattr(box, "children", None) or ():
        yield from _right_edges(child, skip)


class TestScreenshot:
    def test_the_committed_screenshot_of_the_case_file(self, tmp_path):
        """docs/images/case-file.png: the demo's land case as Chromium paints its HTML export.

        Re-rendered when CASEHUB_UPDATE_SCREENSHOTS=1; otherwise it must be there.
        """
        if os.environ.get(UPDATE_ENV) != "1":
            assert SCREENSHOT.is_file(), f"missing {SCREENSHOT}: run with {UPDATE_ENV}=1"
            assert SCREENSHOT.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
            return
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        assert chromium, "headless Chromium is needed: sudo make deps"
        data_dir = story_data_dir(tmp_path / "story")
        casehub(data_dir, "audit", "export", LAND, "--format", "html", "--out", "land.html")
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--hide-scrollbars",
                "--window-size=960,1500",
                f"--screenshot={SCREENSHOT}",
                (data_dir / "land.html").as_uri(),
            ],
            capture_output=True,
            timeout=120,
            check=True,
            cwd=tmp_path,
        )
        assert SCREENSHOT.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
