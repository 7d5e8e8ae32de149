"""Plain-text tables that stay aligned when cells hold Chinese.

A Chinese character takes two columns of a terminal; ``str.ljust`` counts it as one, so a
column of agency names in Chinese drifts. Widths here count East Asian wide and full-width
characters as two columns.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence


def display_width(text: str) -> int:
    """Terminal columns ``text`` takes (wide and full-width characters count two)."""
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in ("W", "F") else 1
        for c in text
    )


def pad(text: str, width: int) -> str:
    """``text`` left-aligned in ``width`` terminal columns."""
    return text + " " * max(0, width - display_width(text))


def text_table(header: Sequence[str], rows: Sequence[Sequence[str]], *, gap: int = 2) -> str:
    """Columns aligned by display width; the last column is not padded. Ends with a newline."""
    all_rows = [list(header), *(list(r) for r in rows)]
    columns = len(header)
    if any(len(r) != columns for r in all_rows):
        raise ValueError("every row of a table needs one cell per column")
    widths = [max(display_width(r[i]) for r in all_rows) for i in range(columns)]
    rule = ["-" * w for w in widths]
    lines = []
    for row in [all_rows[0], rule, *all_rows[1:]]:
        cells = [pad(c, widths[i]) for i, c in enumerate(row[:-1])] + [row[-1]]
        lines.append((" " * gap).join(cells).rstrip())
    return "\n".join(lines) + "\n"
