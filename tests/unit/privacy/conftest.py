"""Fixtures for the personal-data tests: the case tests' World on SQLite, with disputes."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "cases"))
sys.path.insert(0, str(Path(__file__).parent))

from case_builders import JUSTICE, World, sqlite_env
from privacy_people import APPLICANT, APPLICANT_ID, NAMELESS_PARTY

from hub.cases import commands as c
from hub.vocabulary import Party


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(sqlite_env(tmp_path), tmp_path)


@pytest.fixture
def disputed(world: World) -> World:
    """A registered case with a dispute naming two parties (one with an ID number)."""
    world.register()
    world.send(
        c.OpenDispute,
        JUSTICE,
        dispute_id="D-1",
        subject="Fine contested",
        parties=(
            Party(APPLICANT, "applicant", APPLICANT_ID),
            Party(NAMELESS_PARTY, "third-party"),
        ),
    )
    return world
