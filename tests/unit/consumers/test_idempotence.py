"""Views are idempotent by construction: any batching, any redelivery, the same rows."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consumers.runner import VIEWS
from consumers.store import Positioned, SQLiteViewStore


@pytest.fixture(scope="module")
def expected(story_entries, tmp_path_factory):
    """Each timeline view applied once, in one batch."""
    store = SQLiteViewStore(str(tmp_path_factory.mktemp("once") / "v.sqlite"))
    snapshots = {}
    for view in VIEWS.values():
        if view.source != "timeline":
            continue
        store.ensure(view)
        store.record(view, "s", [Positioned(e.notification_id, e) for e in story_entries])
        snapshots[view.name] = store.snapshot(view)
    store.close()
    return snapshots


@st.composite
def deliveries(draw, n):
    """Batches over positions 0..n-1 in order, where a batch may start back before the last
    one ended (a redelivery after a crash between the database commit and Kafka's)."""
    batches, start = [], 0
    while start < n:
        size = draw(st.integers(1, 12))
        end = min(n, start + size)
        batches.append((start, end))
        start = end - draw(st.integers(0, min(3, end - start)))
        if start <= batches[-1][0]:
            start = end
    return batches


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_batching_and_redelivery_gives_the_same_rows(story_entries, expected, tmp_path, data):
    """Replaying overlapping batches leaves every view exactly as one clean pass does."""
    plan = data.draw(deliveries(len(story_entries)))
    store = SQLiteViewStore(str(tmp_path / f"v{abs(hash(tuple(plan)))}.sqlite"))
    try:
        for view in VIEWS.values():
            if view.source != "timeline":
                continue
            store.ensure(view)
            for start, end in plan:
                chunk = story_entries[start:end]
                store.record(view, "s", [Positioned(e.notification_id, e) for e in chunk])
            assert store.snapshot(view) == expected[view.name], view.name
    finally:
        store.close()
