"""The demo story, run once per session through the CaseHub application in memory."""

from __future__ import annotations

import pytest

from devkit.testing.consumers import story_hub


@pytest.fixture(scope="session")
def story_app(tmp_path_factory):
    app = story_hub(tmp_path_factory.mktemp("story"))
    yield app
    app.close()
