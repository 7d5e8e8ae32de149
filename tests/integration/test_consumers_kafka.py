"""Views fed from a real Kafka broker: read_committed, positions in the view store, resume.

The demo story is published as the relay publishes it (hub.relay.records, keyed by case id,
in Kafka transactions) to private topics, so the test never touches the hub's own topics.
"""

from __future__ import annotations

import threading
from uuid import uuid4

import pytest
from structlog.testing import capture_logs

from consumers import audit_trail, deadlines, rejections
from consumers.runner import KafkaViewRunner, catch_up
from consumers.store import SQLiteViewStore
from devkit.testing.consumers import story_hub
from hub.kafka.admin import KafkaAdmin, NewTopicSpec
from relay_mapping import publish_story

pytestmark = pytest.mark.kafka

VIEWS = (audit_trail.VIEW, deadlines.VIEW, rejections.VIEW)


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    app = story_hub(tmp_path_factory.mktemp("story"))
    yield app
    app.close()


@pytest.fixture
def settings(hub_settings, kafka_bootstrap):
    return hub_settings.with_overrides(kafka_bootstrap=kafka_bootstrap)


@pytest.fixture
def topics(settings):
    suffix = uuid4().hex[:10]
    names = {"timeline": f"test.views.timeline.{suffix}", "deadletter": f"test.views.dl.{suffix}"}
    with KafkaAdmin(settings) as admin:
        admin.create_topics([NewTopicSpec(n, 3, 1, {}) for n in names.values()])
        yield names
        admin.delete_topics(names.values())


def run_views(settings, store, topics, prefix):
    runner = KafkaViewRunner(
        settings, store, VIEWS, topics=topics, group_prefix=prefix, poll_timeout_ms=300
    )
    return runner.run(threading.Event(), idle_s=4.0)


class TestKafkaViews:
    def test_views_from_kafka_equal_the_rebuild_from_the_store(
        self, story, settings, topics, tmp_path
    ):
        """Fed from 3 partitions, each view equals, row for row, its replay of the event store."""
        publish_story(story, settings, topics, client_id="test-views", abort_last=True)
        live = SQLiteViewStore(str(tmp_path / "live.sqlite"))
        prefix = f"test-view-{uuid4().hex[:8]}-"
        with capture_logs() as logs:
            applied = run_views(settings, live, topics, prefix)
        assert applied["audit"] > 40
        assert any(e["event"] == "view_consumer_started" for e in logs)
        undecodable = [e for e in logs if e["event"] == "view_record_undecodable"]
        assert undecodable == [], "read_committed must hide the aborted transaction"
        rebuilt = SQLiteViewStore(str(tmp_path / "rebuilt.sqlite"))
        for view in VIEWS:
            catch_up(story, rebuilt, view)
            assert live.snapshot(view) == rebuilt.snapshot(view), view.name
        positions = live.tracking_names(audit_trail.VIEW)
        assert set(positions) <= {f"audit:{topics['timeline']}:{p}" for p in range(3)}
        # A restart resumes from the stored positions: nothing is applied twice.
        again = run_views(settings, live, topics, prefix)
        assert again == {"audit": 0, "deadlines": 0, "rejections": 0}
        # A rebuild from Kafka (what `consumers rebuild VIEW --from kafka` does): drop, re-read.
        before = live.snapshot(audit_trail.VIEW)
        live.drop(audit_trail.VIEW)
        runner = KafkaViewRunner(
            settings, live, [audit_trail.VIEW], topics=topics, group_prefix=prefix
        )
        assert runner.run(threading.Event(), idle_s=4.0)["audit"] == applied["audit"]
        assert live.snapshot(audit_trail.VIEW) == before
        live.close()
        rebuilt.close()
