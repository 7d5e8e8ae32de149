"""Receipts on the real broker: an agency publishes with the SDK (kafka-python) and reads its
feed; each receipt names the record it answers, and an exact resend gets a DUPLICATE receipt.

One in-process ``casehub serve`` (ingest, relay, scheduler) over a fresh SQLite store.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import pytest

from devkit.demo.story import MARKET_REGULATION
from devkit.testing import serve as t
from hub.cases.commands import Envelope, RegisterCase
from hub.codec import decode_record
from hub.ids import case_id_for
from hub.publish import AgencyPublisher
from hub.rules.clocks import TIMEZONE
from hub.topics import agency_topic, feed_topic
from hub.vocabulary import CaseRef

pytestmark = pytest.mark.kafka


@pytest.fixture(scope="module")
def server(hub_settings, kafka_bootstrap, tmp_path_factory):
    settings = hub_settings.with_overrides(kafka_bootstrap=kafka_bootstrap)
    t.reset_kafka(settings)
    tmp = tmp_path_factory.mktemp("receipts")
    directory_file = t.write_directory_file(tmp / "directory.toml")
    with t.running_server(settings, tmp / "hub.sqlite", directory_file) as running:
        # the story's opening: agencies admitted, their officers registered
        opening = t.directory_commands()
        probe = t.StoreProbe(running.app)
        t.publish_in_order(running.settings, opening, probe.outcome_known)
        assert all(probe.accepted(c.envelope.event_id) for _, c in opening)
        yield running


def _receipts_for(server: Any, event_id: UUID, count: int) -> list[dict[str, Any]]:
    """The receipts of ``event_id`` on the sender's feed, once there are ``count`` of them."""
    found: list[dict[str, Any]] = []

    def arrived() -> bool:
        found[:] = [
            value.record
            for value in (
                decode_record(r.value, agency_events_only=False)
                for r in t.read_topic(server.settings, feed_topic(MARKET_REGULATION))
            )
            if value.reader.name == "Receipt" and value.record["event_id"] == event_id
        ]
        return len(found) >= count

    t.wait_until(arrived, 60, what=f"{count} receipt(s) of {event_id}")
    return sorted(found, key=lambda r: r["notification_id"])


def _origin(receipt: dict[str, Any], prefix: str = "") -> tuple[str, int, int]:
    return (
        receipt[f"{prefix}source_topic"],
        receipt[f"{prefix}source_partition"],
        receipt[f"{prefix}source_offset"],
    )


def _register() -> RegisterCase:
    ref = CaseRef(MARKET_REGULATION, f"receipt-{uuid4()}")
    envelope = Envelope(uuid4(), MARKET_REGULATION, "mr-001", datetime.now(TIMEZONE))
    return RegisterCase(envelope, ref, "title", "food-safety", "summary")


def test_the_accepted_receipt_names_the_topic_partition_and_offset_of_the_event(server):
    """The ACCEPTED receipt carries the topic, partition and offset the broker gave the event
    (not "" and -1), with the case and version it was recorded as."""
    command = _register()
    with AgencyPublisher(MARKET_REGULATION, settings=server.settings) as publisher:
        sent = publisher.publish(command)
    assert sent.ok, sent.error
    [accepted] = _receipts_for(server, command.envelope.event_id, 1)
    assert accepted["status"] == "ACCEPTED"
    assert _origin(accepted) == (agency_topic(MARKET_REGULATION), sent.partition, sent.offset)
    case_id = case_id_for(MARKET_REGULATION, command.case.case_number)
    assert (accepted["case_id"], accepted["version"]) == (case_id, 1)


def test_an_exact_resend_gets_a_duplicate_receipt_naming_the_original_version(server):
    """The same event sent again gets a DUPLICATE receipt: the original case version and hash,
    where the original was and where the resend was; the case is unchanged."""
    command = _register()
    event_id = command.envelope.event_id
    topic = agency_topic(MARKET_REGULATION)
    with AgencyPublisher(MARKET_REGULATION, settings=server.settings) as publisher:
        first = publisher.publish(command)
        assert first.ok, first.error
        [accepted] = _receipts_for(server, event_id, 1)
        second = publisher.publish(command)
        assert second.ok, second.error
    assert (second.partition, second.offset) != (first.partition, first.offset)
    receipts = _receipts_for(server, event_id, 2)
    assert [r["status"] for r in receipts] == ["ACCEPTED", "DUPLICATE"]
    duplicate = receipts[1]
    assert _origin(duplicate) == (topic, second.partition, second.offset)
    assert _origin(duplicate, "original_") == (topic, first.partition, first.offset)
    case_id = case_id_for(MARKET_REGULATION, command.case.case_number)
    assert (duplicate["case_id"], duplicate["version"]) == (case_id, 1)
    assert duplicate["event_hash"] == accepted["event_hash"]
    assert server.app.get_case(case_id).version == 1
