"""The wire format stays at the edge: only hub/codec imports fastavro."""

from __future__ import annotations

import re
from pathlib import Path

import hub

HUB = Path(hub.__file__).parent
_IMPORT = re.compile(r"^\s*(import fastavro|from fastavro\b)", re.MULTILINE)


def test_only_the_codec_imports_fastavro():
    """No module of hub/ outside hub/codec imports fastavro."""
    offenders = [
        str(path.relative_to(HUB))
        for path in HUB.rglob("*.py")
        if "codec" not in path.relative_to(HUB).parts[:1]
        and _IMPORT.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
