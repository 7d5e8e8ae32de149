"""Fixtures for the case tests: a hub on the in-memory store with the demo directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from case_builders import POPO_ENV, World


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(dict(POPO_ENV), tmp_path)


@pytest.fixture
def registered(world: World) -> World:
    world.register()
    return world
