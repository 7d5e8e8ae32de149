"""What the demo's story must print, checked the same way for the plain and the secure run."""

from __future__ import annotations

import re


def assert_the_missed_reply_is_on_the_board(deadlines: str) -> None:
    """The deadlines board (English table) shows JJ-2026-02 met late by 7 working days, owed by
    the Natural Resources Bureau, its case by reference and its miss on the record."""
    assert re.search(
        r"JJ-2026-02 +City Natural Resources Bureau +natural-resources/自然资案〔2026〕014号"
        r" +2026-06-25 +miss recorded",
        deadlines,
    ), deadlines
    assert re.search(r"2026-06-15 +met late +7 working day\(s\) late", deadlines), deadlines
