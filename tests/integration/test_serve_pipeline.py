"""The pipeline end to end on the real broker: the demo story through ``casehub serve``.

One hub (ingest, relay and scheduler threads over a fresh SQLite store) serves the whole
module; the story is published once, in causal order, and each test checks one promise.
"""

from __future__ import annotations

import base64
import os
import time
from collections import defaultdict
from datetime import datetime
from uuid import UUID, uuid4

import pytest

from devkit.demo.story import MARKET_REGULATION, PROCURATORATE
from devkit.testing import serve as t
from hub.cases.commands import Envelope, RegisterCase, ShareInformation
from hub.codec import MAGIC, decode_record, encode_command
from hub.ids import DIRECTORY_ID, case_id_for
from hub.kafka.admin import KafkaAdmin, NewTopicSpec
from hub.kafka.clients import producer
from hub.privacy.subjects import rejection_subject
from hub.privacy.tokens import open_bytes
from hub.publish import AgencyPublisher
from hub.rules.clocks import TIMEZONE
from hub.topics import DEADLETTER, TIMELINE, agency_topic, feed_topic
from hub.vocabulary import CaseRef

pytestmark = pytest.mark.kafka

#: The hub's clock for this module: the story's first day, so no story deadline is past.
STORY_CLOCK = t.fixed_clock(datetime(2026, 1, 5, 9, tzinfo=TIMEZONE))


@pytest.fixture(scope="module")
def story_hub(hub_settings, kafka_bootstrap, tmp_path_factory):
    settings = hub_settings.with_overrides(kafka_bootstrap=kafka_bootstrap)
    t.reset_kafka(settings)
    tmp = tmp_path_factory.mktemp("pipeline")
    directory_file = t.write_directory_file(tmp / "directory.toml")
    commands = t.story_commands()
    expected = t.expected_outcomes(commands, STORY_CLOCK, directory_file)
    with t.running_server(
        settings, tmp / "hub.sqlite", directory_file, clock=STORY_CLOCK
    ) as server:
        probe = t.StoreProbe(server.app)
        t.publish_in_order(server.settings, commands, probe.outcome_known)
        t.wait_until(lambda: probe.outcome_known(commands[-1][1].envelope.event_id), 60)
        t.wait_until(lambda: t.relay_caught_up(server.settings, server.app), 60, what="relay")
        yield server, commands, expected, probe


def _send(settings, topic, key, values):
    """Produce each value with ``key`` (one partition), in order; their (partition, offset)."""
    delivered: list[tuple[int, int]] = []

    def report(error, message):
        assert error is None, error
        delivered.append((message.partition(), message.offset()))

    client = producer(settings, client_id="test-raw-records")
    for value in values:
        client.produce(topic, key=key, value=value, on_delivery=report)
        client.poll(0)
    assert client.flush(30) == 0
    return delivered


def _envelope():
    return Envelope(uuid4(), MARKET_REGULATION, "mr-001", datetime.now(TIMEZONE))


def _timeline(settings):
    return [
        (r, decode_record(r.value, agency_events_only=False).record)
        for r in t.read_topic(settings, TIMELINE)
    ]


def test_store_holds_exactly_the_expected_events(story_hub):
    """Every case and the directory hold exactly the events an in-memory run produces."""
    server, _, expected, probe = story_hub
    assert t.streams_of(server.app, expected.streams) == expected.streams
    rejected = sorted((r.event_id, r.reason_code) for r in probe.rejections())
    assert rejected == sorted(expected.rejected)


def test_timeline_holds_every_accepted_event_once_in_case_order(story_hub):
    """casehub.timeline carries each stored case/directory event once, in version order per key."""
    server, _, expected, _ = story_hub
    timeline = _timeline(server.settings)
    notification_ids = [v["notification_id"] for _, v in timeline]
    assert len(notification_ids) == len(set(notification_ids))
    by_aggregate = defaultdict(list)
    for record, value in timeline:
        by_aggregate[value["aggregate_id"]].append((record.partition, record.offset, value))
    for aggregate_id, stream in expected.streams.items():
        published = by_aggregate[aggregate_id]
        if aggregate_id == DIRECTORY_ID:  # keyed by agency: ordered per agency
            published.sort(key=lambda x: x[2]["notification_id"])
        else:
            assert len({p for p, _, _ in published}) == 1, "one key, one partition"
            published.sort(key=lambda x: x[1])
        assert [
            (v["event_type"], None if v["actor_agency"] == "operator" else v["event_id"])
            for _, _, v in published
        ] == stream
        assert [v["version"] for _, _, v in published] == list(range(1, len(stream) + 1))
        if aggregate_id != DIRECTORY_ID:
            heads = [v["event_hash"] for _, _, v in published]
            assert [v["prev_hash"] for _, _, v in published][1:] == heads[:-1]
            assert server.app.chain_head(aggregate_id).event_hash == heads[-1]
    assert sum(len(s) for s in expected.streams.values()) == len(timeline)


def test_every_published_event_gets_exactly_one_receipt_on_its_senders_feed(story_hub):
    """Accepted or rejected, one receipt per event id, on the sender's own feed."""
    server, commands, expected, _ = story_hub
    receipts = {}
    for agency in {a for a, _ in commands}:
        for record in t.read_topic(server.settings, feed_topic(agency)):
            value = decode_record(record.value, agency_events_only=False)
            if value.reader.name == "Receipt":
                receipts.setdefault(value.record["event_id"], []).append((agency, value.record))
    for agency, command in commands:
        got = receipts.get(command.envelope.event_id, [])
        assert len(got) == 1, f"{command.envelope.event_id}: {got}"
        feed_agency, receipt = got[0]
        assert feed_agency == agency == receipt["sender_agency"]
        assert receipt["status"] == (
            "REJECTED"
            if any(i == command.envelope.event_id for i, _ in expected.rejected)
            else "ACCEPTED"
        )


def test_feeds_carry_the_events_of_the_cases_each_agency_takes_part_in(story_hub):
    """A case event reaches the feed of every participant named on its timeline record."""
    server, _, _, _ = story_hub
    timeline = [v for _, v in _timeline(server.settings) if v["aggregate"] == "CASE"]
    for agency in (MARKET_REGULATION, PROCURATORATE):
        feed = t.decode_values(
            r
            for r in t.read_topic(server.settings, feed_topic(agency))
            if r.headers.get("casehub-record-type") == b"casehub.hub.TimelineEvent"
        )
        wanted = {v["notification_id"] for v in timeline if agency in v["participants"]}
        assert wanted
        assert {v["notification_id"] for v in feed if v["aggregate"] == "CASE"} == wanted


def test_a_resent_event_is_recorded_once(story_hub):
    """The publisher resends an accepted event: no new case event; what is stored is the
    resend's trace on the event-id index (its DUPLICATE receipt), and the partition's lease."""
    server, commands, _, _ = story_hub
    agency, command = next((a, c) for a, c in commands if type(c).__name__ == "ShareInformation")
    case_id = case_id_for(command.case.owning_agency, command.case.case_number)
    before = server.app.recorder.max_notification_id()
    events_before = len(server.app.case_events(case_id))
    with AgencyPublisher(agency, settings=server.settings) as publisher:
        result = publisher.publish(command)
    assert result.ok
    name = f"ingest:{agency_topic(agency)}:{result.partition}"
    t.wait_until(lambda: (server.app.max_tracking_id(name) or -1) >= result.offset, 30)
    assert len(server.app.case_events(case_id)) == events_before
    new = server.app.recorder.select_notifications(start=before + 1, limit=100)
    assert new
    resent = [n for n in new if n.topic.endswith(":InboundEvent.Resent")]
    assert len(resent) == 1
    assert all(n.topic.startswith("hub.ingest.lease:") for n in new if n not in resent)


def test_poison_records_are_dead_lettered_and_the_records_behind_them_land(story_hub):
    """Random bytes, an unknown fingerprint and a rule-breaking event each reach the dead
    letter topic with their reason; a valid event behind them on the same partition lands."""
    server, _, _, probe = story_hub
    topic = agency_topic(MARKET_REGULATION)

    breaking = ShareInformation(_envelope(), CaseRef(MARKET_REGULATION, "no-such-case"), "I", "s")
    good = RegisterCase(_envelope(), CaseRef(MARKET_REGULATION, f"poison-{uuid4()}"), "t", "c", "s")
    values = [
        os.urandom(40),
        MAGIC + b"\x00" * 8 + b"\x02abc",
        encode_command(breaking),
        encode_command(good),
    ]
    metas = _send(server.settings, topic, b"poison", values)
    t.wait_until(lambda: probe.accepted(good.envelope.event_id), 30, what="the good record")
    t.wait_until(lambda: t.relay_caught_up(server.settings, server.app), 30, what="relay")
    letters = {
        (v["source_topic"], v["source_partition"], v["source_offset"]): v
        for v in t.decode_values(t.read_topic(server.settings, DEADLETTER))
    }
    reasons = [letters[(topic, *m)]["reason_code"] for m in metas[:3]]
    assert reasons == ["bad_magic", "unknown_schema", "unknown_case"]
    for meta, raw in zip(metas[:3], values[:3], strict=True):
        letter = letters[(topic, *meta)]
        assert letter["sender_agency"] == MARKET_REGULATION
        assert letter["message"]
        assert isinstance(letter["rejection_id"], UUID)
        # sealed under the rejection's own key (hub/privacy): the bytes may name people
        subject = rejection_subject(letter["rejection_id"])
        key = server.app.keystore.key(subject)
        assert open_bytes(key, subject, base64.b64decode(letter["raw_base64"])) == raw
    assert (topic, *metas[3]) not in letters
    registered = server.app.get_case(case_id_for(MARKET_REGULATION, good.case.case_number))
    assert registered.version == 1


def test_oversized_events_are_refused_at_ingest_and_the_partition_flows_on(story_hub):
    """A record over ``inbound_max_bytes`` and an event whose timeline record would be over
    ``outbound_max_bytes`` (500,000 quotes double when written as JSON) are each dead-lettered
    with a reason of their own and a REJECTED receipt; the event behind them is accepted."""
    server, _, _, probe = story_hub
    settings = server.settings
    topic = agency_topic(MARKET_REGULATION)

    def register(summary):
        ref = CaseRef(MARKET_REGULATION, f"oversized-{uuid4()}")
        return RegisterCase(_envelope(), ref, "t", "c", summary)

    huge, swelling, good = register('"' * 600_000), register('"' * 500_000), register("fine")
    values = [encode_command(c) for c in (huge, swelling, good)]
    assert len(values[0]) > settings.inbound_max_bytes >= len(values[1])
    metas = _send(settings, topic, b"oversized", values)
    t.wait_until(lambda: probe.accepted(good.envelope.event_id), 30, what="the event behind")
    t.wait_until(lambda: t.relay_caught_up(settings, server.app), 30, what="relay")
    letters = {
        (v["source_topic"], v["source_partition"], v["source_offset"]): v
        for v in t.decode_values(t.read_topic(settings, DEADLETTER))
    }
    refused = [letters[(topic, *m)] for m in metas[:2]]
    assert [v["reason_code"] for v in refused] == ["record_too_large", "event_too_large"]
    assert refused[1]["event_id"] == swelling.envelope.event_id
    assert (topic, *metas[2]) not in letters
    receipts = [
        value.record
        for value in (
            decode_record(r.value, agency_events_only=False)
            for r in t.read_topic(settings, feed_topic(MARKET_REGULATION))
        )
        if value.reader.name == "Receipt"
    ]
    rejected = {
        (r["source_partition"], r["source_offset"]): r
        for r in receipts
        if r["status"] == "REJECTED"
    }
    assert [rejected[m]["reason_code"] for m in metas[:2]] == [
        "record_too_large",
        "event_too_large",
    ]
    assert rejected[metas[1]]["event_id"] == swelling.envelope.event_id
    assert metas[2] not in rejected
    accepted = [r for r in receipts if r["event_id"] == good.envelope.event_id]
    assert [r["status"] for r in accepted] == ["ACCEPTED"]
    assert server.app.get_case(case_id_for(MARKET_REGULATION, good.case.case_number)).version == 1


#: The broker resolves the ingest's topic pattern and refreshes it about every 10 s.
NEW_TOPIC_BOUND_S = 15.0


def test_a_new_agency_topic_is_consumed_within_the_bound(story_hub):
    """A topic created while the hub runs is matched by the pattern and read within 15 s."""
    server, _, _, _ = story_hub
    topic = agency_topic(f"newcomer-{uuid4().hex[:8]}")
    with KafkaAdmin(server.settings) as admin:
        admin.create_topics([NewTopicSpec(topic, 1, 1, {})])
    created = time.monotonic()
    ((partition, offset),) = _send(server.settings, topic, b"k", [os.urandom(20)])
    name = f"ingest:{topic}:{partition}"
    t.wait_until(
        lambda: server.app.max_tracking_id(name) == offset,
        NEW_TOPIC_BOUND_S + 15,
        what="the new topic's record",
    )
    took = time.monotonic() - created
    print(f"a new agency topic was consumed {took:.1f}s after its creation")
    assert took < NEW_TOPIC_BOUND_S
