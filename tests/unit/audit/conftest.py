"""The demo story in an SQLite event store: in memory for the API, in a data dir for the CLI."""

from __future__ import annotations

import shutil

import pytest

from devkit.testing.consumers import story_data_dir, story_hub
from hub.audit.history import parse_case_ref

FOOD = "market-regulation/市监案〔2026〕001号"
LAND = "natural-resources/自然资案〔2026〕014号"
UNREACHABLE = "127.0.0.1:1"


@pytest.fixture(scope="session")
def story_app(tmp_path_factory):
    app = story_hub(tmp_path_factory.mktemp("story"))
    yield app
    app.close()


@pytest.fixture
def food():
    return parse_case_ref(FOOD)


@pytest.fixture(scope="session")
def story_dir(tmp_path_factory):
    return story_data_dir(tmp_path_factory.mktemp("data"))


@pytest.fixture
def data_dir(story_dir, tmp_path, monkeypatch):
    """A private copy of the story's data dir, named by CASEHUB_DATA_DIR."""
    copy = tmp_path / "data"
    shutil.copytree(story_dir, copy)
    monkeypatch.setenv("CASEHUB_DATA_DIR", str(copy))
    monkeypatch.setenv("CASEHUB_STORE", "sqlite")
    monkeypatch.delenv("CASEHUB_SQLITE_PATH", raising=False)
    monkeypatch.delenv("CASEHUB_CONFIG", raising=False)
    # no broker answers here: unit tests never read a real casehub.timeline
    monkeypatch.setenv("CASEHUB_KAFKA_BOOTSTRAP", UNREACHABLE)
    return copy
