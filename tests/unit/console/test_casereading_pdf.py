"""The watermarked case file (hub/presentation/casefile_html, casefile_pdf): the reader's name
and the time stand on every page of the PDF, as text; without a watermark nothing changes."""

from __future__ import annotations

import io

import pypdf
import pytest

from case_file_case import REFERENCE, Facts, build
from console.casereading import case_view
from hub.presentation.casefile_html import casefile_html
from hub.presentation.casefile_pdf import casefile_pdf
from hub.presentation.names import Names
from hub.privacy.access import AUDITOR
from hub.privacy.reveal_views import ReadingLens

MARK = "读者 张三（auditor-1） 2026-12-05 20:31 +08:00"


@pytest.fixture(scope="module")
def facts(tmp_path_factory) -> Facts:
    return build(tmp_path_factory.mktemp("casereading-pdf"))


@pytest.fixture(scope="module")
def cf(facts):
    names = Names.from_directory(facts.world.hub.directory())
    lens = ReadingLens.for_settings(facts.world.settings, AUDITOR)
    return case_view(facts.world.hub, REFERENCE, lens, names).file


def test_every_page_of_the_pdf_names_the_reader_and_the_time(cf):
    pages = pypdf.PdfReader(io.BytesIO(casefile_pdf(cf, watermark=MARK))).pages
    assert len(pages) >= 2  # the appendix starts a page of its own
    for page in pages:
        text = page.extract_text()
        assert "张三（auditor-1）" in text
        assert "2026-12-05 20:31 +08:00" in text


def test_without_a_watermark_the_case_file_is_as_before(cf):
    assert casefile_html(cf) == casefile_html(cf, watermark="  ")
    assert "watermark" not in casefile_html(cf)
    pages = pypdf.PdfReader(io.BytesIO(casefile_pdf(cf))).pages
    assert all("张三" not in p.extract_text() for p in pages)


def test_the_watermark_is_escaped_in_the_html(cf):
    html = casefile_html(cf, watermark="<script>x</script> 张三")
    assert "<script>x" not in html
    assert "&lt;script&gt;x&lt;/script&gt; 张三" in html
