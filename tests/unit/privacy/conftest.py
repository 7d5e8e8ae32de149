"""Fixtures for the personal-data tests: the case tests' World on SQLite, with disputes."""

from __future__ import annotations

from pathlib import Path

import pytest

from case_builders import JUSTICE, World, sqlite_env
from hub.cases import commands as c
from hub.vocabulary import Party
from privacy_people import APPLICANT, APPLICANT_ID, NAMELESS_PARTY


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
