"""The chain badge: the quick check over the audit-trail view, and the background verifier."""

from __future__ import annotations

import shutil
import threading
from datetime import UTC, datetime
from uuid import UUID

import pytest

from console.chain import BackgroundVerifier, full_check, quick_check
from consumers import audit_trail
from consumers.opening import open_view_store
from consumers.runner import catch_up
from consumers.store import SQLiteViewStore
from devkit.demo.story import FOOD_CASE
from devkit.testing.consumers import story_data_dir
from hub.bootstrap import open_existing_hub
from hub.ids import case_id_for
from hub.settings import Settings

FOOD = case_id_for(FOOD_CASE.owning_agency, FOOD_CASE.case_number)


@pytest.fixture(scope="module")
def story_dir(tmp_path_factory):
    return story_data_dir(tmp_path_factory.mktemp("data"))


@pytest.fixture
def views(story_dir, tmp_path):
    store = SQLiteViewStore(str(tmp_path / "views.sqlite"))
    with open_existing_hub(Settings(data_dir=story_dir, store="sqlite")) as app:
        catch_up(app, store, audit_trail.VIEW)
    yield store
    store.close()


def _tamper(views, version, **values):
    table = audit_trail.VIEW.table_name(audit_trail.EVENTS)
    sets = ", ".join(f"{c} = ?" for c in values)
    with views._transaction(commit=True) as cursor:
        cursor.execute(
            f"UPDATE {table} SET {sets} WHERE case_id = ? AND version = ?",
            [*values.values(), str(FOOD), version],
        )


def test_a_whole_chain_is_ok(views):
    badge = quick_check(views, FOOD)
    assert badge.ok
    assert badge.first_bad is None
    assert badge.source == "view"
    assert badge.events >= 5
    assert badge.checked_at.tzinfo is not None


def test_a_tampered_row_names_the_link(views):
    _tamper(views, 3, event_hash="f" * 64)
    badge = quick_check(views, FOOD)
    assert not badge.ok
    assert badge.first_bad is not None
    assert badge.first_bad.startswith("the link at version 4 (")
    assert "is not the hash of version 3 (ffffffffffffffff" in badge.first_bad


def test_a_missing_version_is_named(views):
    table = audit_trail.VIEW.table_name(audit_trail.EVENTS)
    with views._transaction(commit=True) as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE case_id = ? AND version = 2", [str(FOOD)])
    badge = quick_check(views, FOOD)
    assert not badge.ok
    assert badge.first_bad == "version 2 is missing (the view goes from 1 to 3)"


def test_an_unknown_case_has_no_events(views):
    badge = quick_check(views, UUID(int=7))
    assert badge.ok
    assert badge.events == 0


def test_the_background_verifier_runs_the_full_check_and_keeps_the_last_run(story_dir, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(story_dir, data)
    settings = Settings(data_dir=data, store="sqlite")
    views = open_view_store(settings)
    with open_existing_hub(settings) as app:
        catch_up(app, views, audit_trail.VIEW)
    views.close()
    verifier = BackgroundVerifier(full_check(settings, anchor="view"), every_s=3600)
    assert verifier.last(FOOD) is None
    assert verifier.last_run is None
    before = datetime.now(UTC)
    verifier.start()
    try:
        assert verifier.wait_for_run(1, timeout=60)
    finally:
        verifier.stop()
    badge = verifier.last(FOOD)
    assert verifier.last_error is None
    assert badge is not None
    assert badge.ok
    assert badge.source == "store"
    assert badge.events >= 5
    assert verifier.last_run is not None
    assert verifier.last_run >= before


def test_a_failing_check_is_kept_and_the_thread_goes_on():
    calls = []
    ran_twice = threading.Event()

    def check():
        calls.append(1)
        if len(calls) >= 2:
            ran_twice.set()
        raise RuntimeError("store unreachable")

    verifier = BackgroundVerifier(check, every_s=0.01)
    verifier.start()
    try:
        assert verifier.wait_for_run(2, timeout=30)
    finally:
        verifier.stop()
    assert verifier.last_error == "RuntimeError: store unreachable"
    assert verifier.last_run is not None
    with pytest.raises(ValueError, match="every_s must be positive"):
        BackgroundVerifier(check, every_s=0).start()


def test_the_background_verifier_finds_a_store_that_differs_from_its_anchor(story_dir, tmp_path):
    """The full check compares the store's head with the anchor (here the audit view)."""
    data = tmp_path / "data"
    shutil.copytree(story_dir, data)
    settings = Settings(data_dir=data, store="sqlite")
    views = open_view_store(settings)
    with open_existing_hub(settings) as app:
        catch_up(app, views, audit_trail.VIEW)
    last = max(
        int(r["version"]) for r in views.rows(audit_trail.VIEW, "events", {"case_id": str(FOOD)})
    )
    _tamper(views, last, event_hash="e" * 64)
    views.close()
    verifier = BackgroundVerifier(full_check(settings, anchor="view"), every_s=3600)
    verifier.run_once()
    badge = verifier.last(FOOD)
    assert badge is not None
    assert not badge.ok
    assert "different from the audit view" in (badge.first_bad or "")
