"""The case file as plain text: what ``casehub audit history`` prints in a terminal."""

from __future__ import annotations

from hub.i18n import t
from hub.presentation.casefile import CaseFile
from hub.presentation.table import display_width, text_table


def casefile_text(cf: CaseFile) -> str:
    """Header, notes, each sub-process with its notes, parties, then the timeline as a table."""
    lang = cf.lang
    width = max(display_width(f.label) for f in cf.header)
    lines = [cf.title, ""]
    lines.extend(
        f"{f.label}:{' ' * (width - display_width(f.label) + 1)}{f.value}" for f in cf.header
    )
    lines.extend(f"* {note}" for note in cf.notes)
    if cf.parties:
        lines.extend(["", f"{t('casefile.parties', lang)}:"])
        lines.extend(f"  {party}" for party in cf.parties)
    for section in cf.sections:
        lines.extend(["", f"{section.title}:"])
        for item in section.items:
            lines.append(f"  {item.name}: {item.state}")
            lines.extend(f"      {note}" for note in item.notes)
    header = (
        "v",
        t("audit.recorded_at", lang),
        t("audit.actor", lang),
        t("audit.officer", lang),
        t("audit.event", lang),
        t("casefile.said", lang),
    )
    rows = [(str(e.version), e.recorded, e.agency, e.officer, e.event, e.said) for e in cf.timeline]
    lines.extend(["", f"{t('audit.timeline', lang)}:", text_table(header, rows).rstrip("\n")])
    return "\n".join(lines) + "\n"
