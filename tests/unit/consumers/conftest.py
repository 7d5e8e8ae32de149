"""The demo story, run once per session through the CaseHub application in memory."""

from __future__ import annotations

import shutil

import pytest

from consumers.records import dead_letters_from_store, entries_from_store
from devkit.testing.consumers import story_data_dir, story_hub


@pytest.fixture(scope="session")
def story_app(tmp_path_factory):
    app = story_hub(tmp_path_factory.mktemp("story"))
    yield app
    app.close()


@pytest.fixture(scope="session")
def story_entries(story_app):
    return list(entries_from_store(story_app))


@pytest.fixture(scope="session")
def story_letters(story_app):
    return list(dead_letters_from_store(story_app))


@pytest.fixture(scope="session")
def story_dir(tmp_path_factory):
    """A data directory with the story in its SQLite event store (for the CLI)."""
    return story_data_dir(tmp_path_factory.mktemp("data"))


@pytest.fixture
def data_dir(story_dir, tmp_path, monkeypatch):
    """A private copy of ``story_dir``, named by CASEHUB_DATA_DIR for the CLI."""
    copy = tmp_path / "data"
    shutil.copytree(story_dir, copy)
    monkeypatch.setenv("CASEHUB_DATA_DIR", str(copy))
    monkeypatch.setenv("CASEHUB_STORE", "sqlite")
    monkeypatch.delenv("CASEHUB_SQLITE_PATH", raising=False)
    monkeypatch.delenv("CASEHUB_CONFIG", raising=False)
    return copy
