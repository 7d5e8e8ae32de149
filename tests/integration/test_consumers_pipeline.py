"""The views at the end of the whole pipeline: agencies publish the demo story to Kafka,
``casehub serve`` ingests and relays it, and the views read ``casehub.timeline`` and
``casehub.deadletter``: each equals, row for row, its replay of the hub's event store."""

from __future__ import annotations

import threading
from datetime import datetime
from uuid import uuid4

import pytest

from consumers.runner import VIEWS, KafkaViewRunner, catch_up
from consumers.store import SQLiteViewStore
from devkit.testing import serve as t
from hub.rules.clocks import TIMEZONE

pytestmark = pytest.mark.kafka

STORY_CLOCK = t.fixed_clock(datetime(2026, 1, 5, 9, tzinfo=TIMEZONE))


@pytest.fixture(scope="module")
def served(hub_settings, kafka_bootstrap, tmp_path_factory):
    settings = hub_settings.with_overrides(kafka_bootstrap=kafka_bootstrap)
    t.reset_kafka(settings)
    tmp = tmp_path_factory.mktemp("pipeline")
    directory_file = t.write_directory_file(tmp / "directory.toml")
    commands = t.story_commands()
    with t.running_server(
        settings, tmp / "hub.sqlite", directory_file, clock=STORY_CLOCK
    ) as server:
        probe = t.StoreProbe(server.app)
        t.publish_in_order(server.settings, commands, probe.outcome_known)
        t.wait_until(lambda: probe.outcome_known(commands[-1][1].envelope.event_id), 60)
        t.wait_until(lambda: t.relay_caught_up(server.settings, server.app), 60, what="relay")
        yield server


def test_views_fed_by_the_pipeline_equal_their_replay_of_the_store(served, tmp_path):
    """Every view read from the hub's outbound topics equals its rebuild from the event store."""
    live = SQLiteViewStore(str(tmp_path / "live.sqlite"))
    runner = KafkaViewRunner(
        served.settings,
        live,
        list(VIEWS.values()),
        group_prefix=f"test-pipeline-{uuid4().hex[:8]}-",
        poll_timeout_ms=600,
    )
    # An idle window that six groups' first assignments fit in on a loaded machine.
    applied = runner.run(threading.Event(), idle_s=10.0)
    assert applied["audit"] > 40
    assert applied["rejections"] >= 1
    rebuilt = SQLiteViewStore(str(tmp_path / "rebuilt.sqlite"))
    for view in VIEWS.values():
        catch_up(served.app, rebuilt, view)
        assert live.snapshot(view) == rebuilt.snapshot(view), view.name
    live.close()
    rebuilt.close()
