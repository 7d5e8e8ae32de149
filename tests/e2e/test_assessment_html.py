"""The assessment report in a browser: headless Chromium renders the scorecard and charts.

The Chinese report must show its characters, not the empty boxes a browser draws for a character
no installed font has (a machine without a CJK font, such as a fresh Debian without
``fonts-noto-cjk``). The glyph check asks Chromium itself: for each distinct CJK character on the
page, in the font the page gives it, is what Chromium draws the same bitmap as the box it draws for
a code point no font covers? The answer compares one renderer with itself, so no reference image
or pixel tolerance is involved; a second test proves the check sees the boxes when fontconfig
offers Chromium no CJK font.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

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
INSTALL_HINT = "sudo make deps (Debian's chromium, fonts-noto-cjk)"

#: Injected before ``</body>`` of a copy of the page. For each distinct CJK character in the
#: page's text it draws the character on a canvas in the computed font of the element holding it
#: and compares the bitmap with that of U+10FFFD (plane-16 private use, in no font), which the
#: browser draws as its missing-glyph box. U+0378 (unassigned) must draw the same box, or the
#: reference itself is not the box and the check would prove nothing.
GLYPH_PROBE = r"""
<script>
(() => {
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 64;
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  const draw = (ch, family) => {
    ctx.clearRect(0, 0, 64, 64);
    ctx.font = "32px " + family;
    ctx.textBaseline = "top";
    ctx.fillText(ch, 8, 8);
    return ctx.getImageData(0, 0, 64, 64).data.join(",");
  };
  const cjk = /[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]/u;
  const families = new Map();  // character -> the font-family lists it is shown in
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.parentElement.closest("script, style")) continue;
    const family = getComputedStyle(node.parentElement).fontFamily;
    for (const ch of node.data) {
      if (!cjk.test(ch)) continue;
      if (!families.has(ch)) families.set(ch, new Set());
      families.get(ch).add(family);
    }
  }
  const boxes = new Set();
  let referenceIsBox = true;
  for (const [ch, fams] of families) {
    for (const family of fams) {
      const box = draw("\u{10FFFD}", family);
      if (draw("\u0378", family) !== box) referenceIsBox = false;
      if (draw(ch, family) === box) boxes.add(ch);
    }
  }
  const out = document.createElement("pre");
  out.id = "glyph-probe";
  out.textContent = JSON.stringify(
    { characters: families.size, boxes: [...boxes].join(""), referenceIsBox });
  document.body.appendChild(out);
})();
</script>
"""


@pytest.fixture(scope="module")
def chromium():
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail(f"headless Chromium is needed; install it with: {INSTALL_HINT}", pytrace=False)
    return path


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """The 2026 report of the demo story in each language, written by the CLI as a user runs it."""
    data_dir = story_data_dir(tmp_path_factory.mktemp("data"))
    mp = pytest.MonkeyPatch()
    mp.setenv("CASEHUB_DATA_DIR", str(data_dir))
    mp.setenv("CASEHUB_STORE", "sqlite")
    mp.delenv("CASEHUB_SQLITE_PATH", raising=False)
    out = {}
    try:
        assert main(["consumers", "rebuild", "assessment"]) == 0
        for lang in ("en", "zh"):
            out[lang] = data_dir / f"assessment-2026-{lang}.html"
            args = ["assessment", "report", "--year", "2026", "--lang", lang]
            assert main([*args, "--out", str(out[lang])]) == 0
    finally:
        mp.undo()
    return out


@pytest.fixture(scope="module")
def report(reports):
    return reports["en"]


def _run(chromium, *args, cwd, env=None):
    return subprocess.run(
        [chromium, *CHROMIUM_FLAGS, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        cwd=cwd,
        env=env,
    )


def _probe_glyphs(chromium, page: Path, tmp_path: Path, env=None) -> dict:
    """What the glyph probe finds on a copy of ``page`` rendered by Chromium."""
    text = page.read_text(encoding="utf-8")
    assert text.count("</body>") == 1
    probed = tmp_path / f"probed-{page.name}"
    probed.write_text(text.replace("</body>", GLYPH_PROBE + "</body>"), encoding="utf-8")
    dom = _run(chromium, "--dump-dom", probed.as_uri(), cwd=tmp_path, env=env).stdout
    found = re.search(r'<pre id="glyph-probe">(.*?)</pre>', dom, re.DOTALL)
    assert found, "the glyph probe did not run in Chromium"
    result = json.loads(html.unescape(found.group(1)))
    assert result["referenceIsBox"], "U+10FFFD and U+0378 do not draw the same missing-glyph box"
    return result


def _fontconfig_without_cjk(tmp_path: Path) -> dict[str, str]:
    """An environment whose fontconfig offers Chromium one installed font without Han characters.

    One Latin font, not none: given an empty font list, Chromium still finds fonts elsewhere.
    """
    listing = subprocess.run(
        ["fc-list", "--format", "%{file}\t%{lang}\n", ":lang=en"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    latin = sorted(
        (
            file
            for file, _, langs in (line.partition("\t") for line in listing.splitlines())
            if not any(lang.startswith(("zh", "ja", "ko")) for lang in langs.split("|"))
        ),
        key=lambda file: ("Sans" not in file, file),  # a plain sans-serif face when there is one
    )
    assert latin, "no installed font without Han characters to render the page with"
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    (fonts / Path(latin[0]).name).symlink_to(latin[0])
    conf = tmp_path / "fonts.conf"
    cache = tmp_path / "fc-cache"
    conf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n'
        f"<fontconfig><dir>{fonts}</dir><cachedir>{cache}</cachedir></fontconfig>\n",
        encoding="utf-8",
    )
    return {**os.environ, "FONTCONFIG_FILE": str(conf)}


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

    @pytest.mark.parametrize("lang", ["en", "zh"])
    def test_the_page_paints(self, chromium, reports, lang, tmp_path):
        """A screenshot of the page is written (the page renders without network or scripts)."""
        shot = tmp_path / "report.png"
        _run(
            chromium,
            f"--screenshot={shot}",
            "--window-size=1200,1600",
            reports[lang].as_uri(),
            cwd=tmp_path,
        )
        assert shot.stat().st_size > 10_000


class TestChineseGlyphs:
    def test_the_chinese_report_draws_every_character_not_a_box(self, chromium, reports, tmp_path):
        """Every CJK character of the Chinese report is drawn as a glyph, none as the empty box."""
        result = _probe_glyphs(chromium, reports["zh"], tmp_path)
        assert result["characters"] > 50, result
        if result["boxes"]:
            pytest.fail(
                f"{len(result['boxes'])} of {result['characters']} Chinese characters of the"
                f" report render as empty boxes ({result['boxes'][:20]}…): no CJK font is"
                f" installed; install one with: {INSTALL_HINT}",
                pytrace=False,
            )

    def test_the_check_sees_boxes_when_no_cjk_font_is_installed(self, chromium, reports, tmp_path):
        """With fontconfig offering only a Latin font, the probe finds every character a box."""
        env = _fontconfig_without_cjk(tmp_path)
        result = _probe_glyphs(chromium, reports["zh"], tmp_path, env=env)
        assert result["characters"] > 50, result
        assert len(result["boxes"]) == result["characters"], result
