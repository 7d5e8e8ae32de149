"""Directory tests reuse the case tests' builders (the demo directory, the simulated clock)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cases"))

from case_builders import POPO_ENV, World


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(dict(POPO_ENV), tmp_path)
