"""The case file as a PDF: WeasyPrint lays out the same HTML the browser shows.

WeasyPrint embeds the fonts as real fonts with a ToUnicode map, so the Chinese text of the PDF
is text (it can be searched, copied and extracted); with Debian's ``fonts-noto-cjk`` the CJK
characters come from Noto Sans CJK. The classification stands in the top and bottom margin of
every page (the HTML's ``@page`` margin boxes); an optional watermark (the console's reader
and time) stands across every page, as text. WeasyPrint needs Pango (``deploy/deps.sh``).
"""

from __future__ import annotations

from hub.errors import CaseHubError
from hub.presentation.casefile import CaseFile
from hub.presentation.casefile_html import casefile_html


class PdfUnavailable(CaseHubError):
    """The PDF cannot be made on this machine; the message says what to install."""

    code = "pdf_unavailable"


def casefile_pdf(cf: CaseFile, *, watermark: str = "") -> bytes:
    """The case file as PDF bytes (A4); ``watermark`` (off when empty) drawn on every page as
    text, e.g. the reader and the time it was made."""
    try:
        # Imported when a PDF is asked for: WeasyPrint loads Pango through cffi on import.
        from weasyprint import HTML  # noqa: PLC0415
    except ImportError as exc:
        raise PdfUnavailable(
            "a PDF export needs WeasyPrint: pip install 'casehub[server]'"
        ) from exc
    except OSError as exc:
        raise PdfUnavailable(
            f"a PDF export needs Pango for WeasyPrint ({exc}): run deploy/deps.sh "
            "(apt-get install libpango-1.0-0 libpangoft2-1.0-0)"
        ) from exc
    pdf: bytes = HTML(string=casefile_html(cf, watermark=watermark)).write_pdf()
    return pdf
