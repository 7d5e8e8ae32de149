"""The demo story's organs and facts, and a data directory holding its event store."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

import pytest

from consumers.assessment import organs_and_facts_of
from consumers.records import entries_from_store
from devkit.testing.consumers import story_data_dir, story_hub
from hub.assessment.config import load_config
from hub.assessment.scoring import score_year

GENERATED = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def story_facts(tmp_path_factory):
    app = story_hub(tmp_path_factory.mktemp("story"))
    try:
        return organs_and_facts_of(list(entries_from_store(app)))
    finally:
        app.close()


@pytest.fixture(scope="session")
def card(story_facts):
    organs, facts = story_facts
    return score_year(2026, organs, facts, load_config(), now=lambda: GENERATED)


@pytest.fixture(scope="session")
def story_dir(tmp_path_factory):
    return story_data_dir(tmp_path_factory.mktemp("data"))


@pytest.fixture
def data_dir(story_dir, tmp_path, monkeypatch):
    copy = tmp_path / "data"
    shutil.copytree(story_dir, copy)
    monkeypatch.setenv("CASEHUB_DATA_DIR", str(copy))
    monkeypatch.setenv("CASEHUB_STORE", "sqlite")
    monkeypatch.delenv("CASEHUB_SQLITE_PATH", raising=False)
    monkeypatch.delenv("CASEHUB_CONFIG", raising=False)
    return copy
