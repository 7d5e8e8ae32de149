"""The case file as one self-contained HTML page a person can read and print (A4).

Screen and print share one layout: the header, the proceedings in words, the timeline, and the
hashes and raw fields in an appendix that starts on a page of its own. Long tokens (hashes, ids,
raw JSON) wrap inside their cells, so nothing runs off the page. The classification is printed
in the top and bottom margin of every page (CSS ``@page`` margin boxes, which WeasyPrint's PDF
honours), with the page number at the bottom.
"""

from __future__ import annotations

from html import escape

from hub.i18n import t
from hub.presentation.casefile import CaseFile, Entry, Raw

_FONTS = '"Noto Sans CJK SC","Noto Sans SC","Source Han Sans SC","PingFang SC","Microsoft YaHei"'
#: Hashes and raw JSON: a monospace face, then a Simplified Chinese one for the payload's text.
_MONO = '"DejaVu Sans Mono","Noto Sans Mono CJK SC","Noto Sans CJK SC",monospace'

_CSS = """
html{font-family:FONTS,sans-serif}
@page{size:A4;margin:22mm 16mm 20mm 16mm;font-family:FONTS,sans-serif;
 @top-center{content:BANNER;font-size:8.5pt;color:#8a1c1c;font-weight:bold}
 @bottom-center{content:BANNER;font-size:8.5pt;color:#8a1c1c}
 @bottom-right{content:counter(page) " / " counter(pages);font-size:8pt;color:#56607a}}
*{box-sizing:border-box}
body{color:#1d2433;font-size:10pt;line-height:1.45;margin:0 auto;
 max-width:190mm;padding:1rem}
h1{font-size:16pt;margin:0 0 .2rem}h2{font-size:12pt;margin:1.2rem 0 .4rem;
 border-bottom:1.5pt solid #1d2433;padding-bottom:.1rem;break-after:avoid}
h3{font-size:10.5pt;margin:.8rem 0 .3rem;break-after:avoid}
.banner{color:#8a1c1c;font-weight:bold;border:1pt solid #8a1c1c;padding:.15rem .5rem;
 display:inline-block;margin:.2rem 0 .6rem}
@media print{.banner{display:none}}
.subtitle{font-size:11pt;margin:0 0 .6rem}
table{border-collapse:collapse;width:100%;table-layout:fixed;margin:.3rem 0}
th,td{border:.6pt solid #c8cfdc;padding:.2rem .35rem;text-align:left;vertical-align:top;
 overflow-wrap:anywhere}
th{background:#eef1f6;font-weight:bold}
tr{break-inside:avoid}
table.header th{width:26%}
.notes{font-size:8.5pt;color:#56607a;margin:.3rem 0;padding-left:1.1rem}
ul.items{list-style:none;padding:0;margin:0}
ul.items>li{border-left:3pt solid #9aa7c2;padding:.15rem .5rem;margin:.3rem 0;break-inside:avoid}
.state{font-weight:bold}
ul.items ul{margin:.1rem 0 0;padding-left:1.1rem;font-size:9pt}
table.timeline col.v{width:7%}table.timeline col.at{width:18%}
table.timeline col.who{width:17%}table.timeline col.what{width:20%}
td.said{font-size:9pt}
.masked{color:#8a1c1c}
section.appendix{break-before:page}
table.appendix{font-size:7.5pt}table.appendix col.v{width:7%}table.appendix col.k{width:18%}
code,.mono{font-family:MONO;font-size:7.5pt;word-break:break-all}
pre{white-space:pre-wrap;word-break:break-all;margin:0;font-family:MONO;
 font-size:7.5pt}
""".replace("FONTS", _FONTS).replace("MONO", _MONO)


#: The watermark: a light, rotated line fixed on the page, so WeasyPrint repeats it on every
#: page of the PDF (as text: it can be extracted) and the screen shows it over the content.
_WATERMARK_CSS = """
.watermark{position:fixed;top:45%;left:0;right:0;text-align:center;transform:rotate(-30deg);
 font-size:16pt;color:rgba(138,28,28,.16);font-weight:bold;white-space:nowrap;
 pointer-events:none;z-index:10}
"""


def casefile_html(cf: CaseFile, *, watermark: str = "") -> str:
    """The case file as an HTML document (UTF-8, no scripts, no external resources).

    ``watermark`` (off when empty): a line such as ``读者 张三（auditor-1） 2026-12-05 20:31
    +08:00`` drawn across every printed page, so a copy names who read it and when."""
    lang = cf.lang
    html_lang = "zh-CN" if lang == "zh" else "en"
    banner = f"{t('casefile.classification', lang)}: {cf.classification} · {cf.reference}"
    mark = " ".join(watermark.split())
    body = [
        f'<div class="watermark" aria-hidden="true">{escape(mark)}</div>' if mark else "",
        f'<p class="banner">{escape(banner)}</p>',
        f"<h1>{escape(cf.title)}</h1>",
        f'<p class="subtitle">{escape(cf.case_title)}</p>' if cf.case_title else "",
        casefile_body(cf),
    ]
    style = _CSS.replace("BANNER", _css_string(banner)) + (_WATERMARK_CSS if mark else "")
    return (
        f'<!DOCTYPE html>\n<html lang="{html_lang}"><head><meta charset="utf-8">'
        f"<title>{escape(cf.title)}</title><style>{style}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )


def casefile_body(cf: CaseFile) -> str:
    """The case file's sections (header table, notes, parties, proceedings, timeline, appendix)
    as an HTML fragment, for a page that lays out its own title and banner (the console)."""
    header_rows = "".join(
        f"<tr><th>{escape(f.label)}</th><td>{escape(f.value)}</td></tr>" for f in cf.header
    )
    return "".join(
        [
            f"<h2>{escape(t('casefile.header', cf.lang))}</h2>",
            f'<table class="header">{header_rows}</table>',
            '<ul class="notes">' + "".join(f"<li>{escape(n)}</li>" for n in cf.notes) + "</ul>",
            _parties(cf),
            _proceedings(cf),
            _timeline(cf),
            _appendix(cf),
        ]
    )


def _parties(cf: CaseFile) -> str:
    title = escape(t("casefile.parties", cf.lang))
    if not cf.parties:
        return f"<h2>{title}</h2><p>{escape(t('casefile.no_parties', cf.lang))}</p>"
    items = "".join(f"<li>{escape(p)}</li>" for p in cf.parties)
    return f'<h2>{title}</h2><ul class="items">{items}</ul>'


def _proceedings(cf: CaseFile) -> str:
    parts = [f"<h2>{escape(t('casefile.proceedings', cf.lang))}</h2>"]
    for section in cf.sections:
        parts.append(f"<h3>{escape(section.title)}</h3><ul class='items'>")
        for item in section.items:
            notes = "".join(f"<li>{escape(n)}</li>" for n in item.notes)
            parts.append(
                f"<li>{escape(item.name)}: <span class='state'>{escape(item.state)}</span>"
                + (f"<ul>{notes}</ul>" if notes else "")
                + "</li>"
            )
        parts.append("</ul>")
    return "".join(parts)


def _timeline(cf: CaseFile) -> str:
    lang = cf.lang
    head = "".join(
        f"<th>{escape(h)}</th>"
        for h in (
            "v",
            t("audit.recorded_at", lang),
            t("audit.actor", lang),
            t("audit.event", lang),
            t("casefile.said", lang),
        )
    )
    cols = '<col class="v"><col class="at"><col class="who"><col class="what"><col>'
    rows = "".join(_entry_row(e) for e in cf.timeline)
    return (
        f"<h2>{escape(t('audit.timeline', lang))}</h2>"
        f'<table class="timeline"><colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )


def _entry_row(e: Entry) -> str:
    said = f'<span class="masked">{escape(e.said)}</span>' if e.masked else escape(e.said)
    return (
        f"<tr><td>{e.version}</td><td>{escape(e.recorded)}</td><td>{escape(e.agency)}"
        f'<br><span class="mono">{escape(e.officer)}</span></td><td>{escape(e.event)}</td>'
        f'<td class="said">{said}</td></tr>'
    )


def _appendix(cf: CaseFile) -> str:
    lang = cf.lang
    rows = "".join(_raw_rows(r) for r in cf.appendix)
    return (
        f'<section class="appendix"><h2>{escape(t("casefile.appendix", lang))}</h2>'
        f'<p class="notes">{escape(t("casefile.appendix.note", lang))}</p>'
        + (f"<p><code>{escape(cf.chain_line)}</code></p>" if cf.chain_line else "")
        + '<table class="appendix"><colgroup><col class="v"><col class="k"><col></colgroup>'
        f"<tbody>{rows}</tbody></table></section>"
    )


def _raw_rows(raw: Raw) -> str:
    fields = (
        ("type", raw.type),
        ("event_id", raw.event_id),
        ("recorded_at", raw.recorded_at),
        ("classification", raw.classification),
        ("prev_hash", raw.prev_hash),
        ("event_hash", raw.event_hash),
        ("content_hash", raw.content_hash),
    )
    cells = [f"<td>{escape(k)}</td><td><code>{escape(v or '—')}</code></td>" for k, v in fields] + [
        f"<td>payload</td><td><pre>{escape(raw.payload)}</pre></td>"
    ]
    span = len(cells)
    first, *rest = cells
    return f'<tr><td rowspan="{span}">{raw.version}</td>{first}</tr>' + "".join(
        f"<tr>{c}</tr>" for c in rest
    )


def _css_string(text: str) -> str:
    """``text`` as a CSS string literal: quotes and backslashes escaped, no raw newline, and no
    ``<`` or ``>`` (a case number cannot close the style element)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    escaped = escaped.replace("<", "\\3c ").replace(">", "\\3e ")
    return f'"{escaped}"'
