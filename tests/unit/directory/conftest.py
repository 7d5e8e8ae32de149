"""Directory tests reuse the case tests' builders (the demo directory, the simulated clock)."""

from __future__ import annotations

from pathlib import Path

import pytest

from case_builders import POPO_ENV, World


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(dict(POPO_ENV), tmp_path)
