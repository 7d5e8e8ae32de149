"""Three cases, one confidential, lived through in memory (``devkit.testing.consumers``)."""

from __future__ import annotations

import pytest

from devkit.testing.consumers import CLASSIFICATION_CLEARANCES, classification_story, story_hub
from hub.privacy.access import AccessPolicy, clearances_from
from hub.settings import Settings


@pytest.fixture(scope="module")
def classified_app(tmp_path_factory):
    app = story_hub(tmp_path_factory.mktemp("classified"), steps=classification_story())
    yield app
    app.close()


@pytest.fixture(scope="module")
def policy():
    return AccessPolicy(clearances_from(Settings(agency_clearances=CLASSIFICATION_CLEARANCES)))
