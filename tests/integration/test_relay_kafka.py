"""The relay against the real broker: records it cannot publish never wedge it.

Events are recorded straight into the store (as the ingest would) and the relay runs in this
process. An event whose record is over the outbound limit, or one the broker itself refuses,
sits in the middle of the batch: a placeholder with the same case, version and hashes takes its
place, the original is parked on ``casehub.deadletter``, and the events behind it flow. What
reached Kafka is read back with ``read_committed``.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from uuid import uuid5

import pytest

from devkit.demo.story import MARKET_REGULATION, STORY_NAMESPACE
from devkit.testing import serve as t
from hub.bootstrap import open_pipeline as open_hub
from hub.cases.commands import Envelope, Inbound, Origin, RegisterCase, ShareInformation
from hub.codec import command_content_hash, decode_record
from hub.ids import case_id_for
from hub.kafka.admin import KafkaAdmin, NewTopicSpec
from hub.kafka.reader import read_topic
from hub.ops.metrics import PipelineMetrics
from hub.relay.position import read_position, read_position_record
from hub.relay.relay import Relay, RelayOptions
from hub.topics import DEADLETTER, TIMELINE, agency_topic, ensure_topics, feed_topic
from hub.vocabulary import CaseRef

pytestmark = [pytest.mark.kafka]

NOW = datetime(2026, 1, 8, 9, tzinfo=UTC)
SHARES = 6
#: The share whose summary makes its records too large (in the middle of the batch).
BIG = 3


@pytest.fixture
def relay_env(hub_settings, kafka_bootstrap, tmp_path):
    settings = hub_settings.with_overrides(
        kafka_bootstrap=kafka_bootstrap, store="sqlite", sqlite_path=str(tmp_path / "hub.sqlite")
    )
    t.reset_kafka(settings)
    return settings, t.write_directory_file(tmp_path / "directory.toml")


def _record(app, directory_file, big_summary: str):
    """The directory, then one case of 1 + SHARES events; share BIG carries ``big_summary``."""
    app.apply_directory_file(directory_file)
    ref = CaseRef(MARKET_REGULATION, "RELAY-BIG-1")
    commands = [c for _a, c in t.directory_commands()]
    commands.append(RegisterCase(_envelope(ref, 0), ref, "a case", "load", "relay test"))
    commands += [
        ShareInformation(
            _envelope(ref, i), ref, f"INFO-{i}", big_summary if i == BIG else f"update {i}"
        )
        for i in range(1, SHARES + 1)
    ]
    for offset, command in enumerate(commands):
        origin = Origin(agency_topic(command.envelope.sender_agency), 0, offset)
        app.execute(Inbound(command, origin, command_content_hash(command)))
    return case_id_for(ref.owning_agency, ref.case_number)


def _envelope(ref: CaseRef, i: int) -> Envelope:
    return Envelope(
        uuid5(STORY_NAMESPACE, f"relay/{ref.case_number}/{i}"), MARKET_REGULATION, "mr-001", NOW
    )


def _relay_until_caught_up(settings, app, metrics):
    relay = Relay(app, settings, options=RelayOptions(backoff_s=0.1), metrics=metrics)
    running = threading.Event()
    running.set()
    failed: list[BaseException] = []

    def run():
        try:
            relay.run(running.is_set)
        except BaseException as exc:
            failed.append(exc)
            raise

    thread = threading.Thread(target=run, name="test-relay", daemon=True)
    thread.start()
    head = t.last_publishing_notification(app)
    try:
        t.wait_until(
            lambda: failed or (relay.position or 0) >= head, 60, what="the relay to catch up"
        )
    finally:
        running.clear()
        thread.join(timeout=60)
    assert not failed, failed
    return relay


def _case_records(settings, topic, case_id):
    out = []
    for record in read_topic(settings, topic):
        value = decode_record(record.value, agency_events_only=False).record
        if "event_type" in value and value["case_id"] == case_id:  # not the receipts
            out.append(value)
    return sorted(out, key=lambda v: v["version"])


def _parked(settings):
    letters = [
        decode_record(r.value, agency_events_only=False).record
        for r in read_topic(settings, DEADLETTER)
    ]
    return [letter for letter in letters if letter["kind"] == "OUTBOUND_PARKED"]


def test_a_record_over_the_outbound_limit_is_parked_and_the_events_behind_it_flow(relay_env):
    """A 40 kB share under a 20 kB limit: a placeholder on the timeline and feeds, one parked
    letter, every later version published, the position past them all."""
    settings, directory_file = relay_env
    settings = settings.with_overrides(outbound_max_bytes=20_000)
    with open_hub(settings) as app:
        ensure_topics(settings, app.agency_ids())
        case_id = _record(app, directory_file, '"' * 20_000)  # doubles in JSON escaping
        stored = list(app.events.get(case_id))
        metrics = PipelineMetrics()
        relay = _relay_until_caught_up(settings, app, metrics)

    for topic in (TIMELINE, feed_topic(MARKET_REGULATION)):
        published = _case_records(settings, topic, case_id)
        assert [v["version"] for v in published] == list(range(1, SHARES + 2)), topic
        for value, event in zip(published, stored, strict=True):
            assert (value["event_hash"], value["prev_hash"]) == (event.event_hash, event.prev_hash)
        big = published[BIG]
        assert big["withheld"] == "relay_record_too_large"
        assert big["payload_json"] == '{"withheld":"relay_record_too_large"}'
        assert all(v["withheld"] is None for i, v in enumerate(published) if i != BIG)
    (letter,) = _parked(settings)
    assert letter["reason_code"] == "relay_record_too_large"
    assert letter["source_offset"] == big["notification_id"]
    assert letter["raw_base64"] == ""  # too large to carry; the event stays in the store
    assert feed_topic(MARKET_REGULATION) in letter["message"]
    assert read_position(settings) == relay.position
    assert metrics.relay_parked.labels("relay_record_too_large")._value.get() == 1
    assert metrics.relay_lag._value.get() == 0


def test_a_record_the_broker_refuses_is_parked_and_the_events_behind_it_flow(relay_env):
    """The timeline takes at most 8 kB a batch: the broker refuses the 10 kB share there (the
    transaction is aborted, nothing of it is visible), the relay withholds it on the retry, and
    the feed, which takes it, carries it whole."""
    settings, directory_file = relay_env
    with KafkaAdmin(settings) as admin:
        limit = {"max.message.bytes": "8000"}
        admin.create_topics(
            [NewTopicSpec(TIMELINE, settings.topic_partitions, settings.topic_replication, limit)]
        )
    with open_hub(settings) as app:
        ensure_topics(settings, app.agency_ids())
        case_id = _record(app, directory_file, "x" * 10_000)
        metrics = PipelineMetrics()
        relay = _relay_until_caught_up(settings, app, metrics)

    timeline = _case_records(settings, TIMELINE, case_id)
    assert [v["version"] for v in timeline] == list(range(1, SHARES + 2))
    assert timeline[BIG]["withheld"] == "relay_record_refused"
    assert [i for i, v in enumerate(timeline) if v["withheld"]] == [BIG]
    feed = _case_records(settings, feed_topic(MARKET_REGULATION), case_id)
    assert [v["withheld"] for v in feed] == [None] * (SHARES + 1)
    assert "x" * 10_000 in feed[BIG]["payload_json"]
    (letter,) = _parked(settings)
    assert (letter["reason_code"], letter["source_topic"]) == ("relay_record_refused", TIMELINE)
    assert letter["raw_base64"]  # small enough to carry the refused record itself
    assert metrics.relay_errors.labels("abortable")._value.get() >= 1
    position = read_position_record(settings)
    assert position is not None
    assert position.notification_id == relay.position
    assert position.relay_id == "casehub-relay"
