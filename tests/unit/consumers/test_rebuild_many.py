"""Rebuilding several views in one read of the store gives each view what its own rebuild gives."""

from __future__ import annotations

import pytest

from consumers.runner import STORE_SOURCE, VIEWS, rebuild, rebuild_many
from consumers.store import SQLiteViewStore


@pytest.fixture
def stores(tmp_path):
    one, many = (SQLiteViewStore(str(tmp_path / f"{n}.sqlite")) for n in ("one", "many"))
    yield one, many
    one.close()
    many.close()


def test_every_view_matches_its_own_rebuild_row_for_row(story_app, stores):
    one, many = stores
    views = list(VIEWS.values())
    # One event per batch: every change in a transaction of its own, in the story's order.
    alone = {v.name: rebuild(story_app, one, v, batch=1) for v in views}
    together = rebuild_many(story_app, many, views, batch=500)
    assert together == alone
    assert sum(together.values()) > 40
    for view in views:
        assert many.snapshot(view) == one.snapshot(view), view.name
        assert many.position(view.tracking_name(STORE_SOURCE)) == one.position(
            view.tracking_name(STORE_SOURCE)
        )


def test_a_second_rebuild_starts_from_empty_views(story_app, stores):
    _, many = stores
    views = list(VIEWS.values())
    first = rebuild_many(story_app, many, views)
    assert rebuild_many(story_app, many, views) == first
