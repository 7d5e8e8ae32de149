"""Defence in depth, end to end with authentication, ACLs and TLS on.

The hub (``casehub serve``'s threads) connects over SASL_SSL as ``User:casehub-hub`` holding
only the ACLs ``acls_for`` grants it; agency A publishes over SASL_SSL as ``User:agency-a``.
The broker lets A write only its own topic, so a forged event must travel on A's topic: one
that claims to come from agency B is dead-lettered as ``sender_mismatch``, one signed by an
officer A never registered as ``unknown_officer``; a genuine one is accepted. A learns each
outcome from its own feed; B's feed says nothing of the forgery.
"""

from __future__ import annotations

from datetime import datetime
from uuid import uuid4

import pytest
from kafka import KafkaAdminClient, KafkaProducer

from devkit.testing import security as st
from devkit.testing import serve as t
from hub.cases.commands import Envelope, RegisterCase
from hub.codec import decode_record, encode_command
from hub.publish.connection import kafka_config
from hub.rules.clocks import TIMEZONE
from hub.topics import DEADLETTER, agency_topic, feed_topic
from hub.vocabulary import CaseRef

pytestmark = pytest.mark.kafka

A, B = "agency-a", "agency-b"

DIRECTORY = """\
[[agencies]]
id = "agency-a"
name_zh = "甲局"
name_en = "Agency A (fictional)"
role = "enforcement-agency"

[[agencies]]
id = "agency-b"
name_zh = "乙局"
name_en = "Agency B (fictional)"
role = "enforcement-agency"

[[officers]]
agency = "agency-a"
id = "a-001"
name = "Officer A (fictional)"
title = "科员"

[[officers]]
agency = "agency-b"
id = "b-001"
name = "Officer B (fictional)"
title = "科员"
"""


def _register(sender, officer, owner):
    envelope = Envelope(uuid4(), sender, officer, datetime.now(TIMEZONE))
    return RegisterCase(envelope, CaseRef(owner, f"sec-{uuid4().hex[:8]}"), "t", "c", "s")


@pytest.fixture(scope="module")
def outcome(hub_settings, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("security-pipeline")
    directory_file = tmp / "directory.toml"
    directory_file.write_text(DIRECTORY, encoding="utf-8")
    with st.secure_broker(hub_settings, [A, B], tmp) as broker:
        hub = broker.as_user("casehub-hub", tls=True)
        with t.running_server(hub, tmp / "hub.sqlite", directory_file) as server:
            probe = t.StoreProbe(server.app)
            st.wait_for(
                lambda: agency_topic(A) in _topics(broker.admin_config), 60, "A's inbound topic"
            )
            forged = _register(B, "b-001", B)  # claims to come from B, travels on A's topic
            stranger = _register(A, "nobody", A)  # A, but an officer A never registered
            genuine = _register(A, "a-001", A)
            producer = KafkaProducer(**kafka_config(broker.as_user(A, tls=True)), acks="all")
            metas = {
                name: producer.send(agency_topic(A), key=b"sec", value=encode_command(command)).get(
                    timeout=30
                )
                for name, command in (
                    ("forged", forged),
                    ("stranger", stranger),
                    ("genuine", genuine),
                )
            }
            producer.close()
            st.wait_for(lambda: probe.accepted(genuine.envelope.event_id), 60, "the genuine event")
            st.wait_for(lambda: t.relay_caught_up(hub, server.app), 60, "the relay")
            commands = {"forged": forged, "stranger": stranger, "genuine": genuine}
            yield broker, probe, metas, commands


def _topics(config):
    admin = KafkaAdminClient(**config, client_id="test-security-topics")
    try:
        return set(admin.list_topics())
    finally:
        admin.close()


def _source(meta):
    return (agency_topic(A), meta.partition, meta.offset)


def test_the_hub_records_sender_mismatch_and_unknown_officer(outcome):
    """In the store: the forged event is refused as sender_mismatch and charged to A, whose
    topic carried it; the stranger's as unknown_officer; the genuine one is accepted."""
    _, probe, metas, commands = outcome
    rejections = {(r.source, r.partition, r.offset): r for r in probe.rejections()}
    forged, stranger = rejections[_source(metas["forged"])], rejections[_source(metas["stranger"])]
    assert (forged.reason_code, forged.sender_agency) == ("sender_mismatch", A)
    assert (stranger.reason_code, stranger.sender_agency) == ("unknown_officer", A)
    assert _source(metas["genuine"]) not in rejections
    assert probe.accepted(commands["genuine"].envelope.event_id)


def test_the_rejections_reach_the_dead_letter_topic(outcome):
    """The views user reads casehub.deadletter over TLS: both rejections, with their source."""
    broker, _, metas, _ = outcome
    views = broker.as_user("casehub-views", tls=True)
    letters = {
        (v["source_topic"], v["source_partition"], v["source_offset"]): v
        for v in t.decode_values(t.read_topic(views, DEADLETTER))
    }
    forged, stranger = letters[_source(metas["forged"])], letters[_source(metas["stranger"])]
    assert (forged["reason_code"], stranger["reason_code"]) == (
        "sender_mismatch",
        "unknown_officer",
    )
    assert _source(metas["genuine"]) not in letters


def test_the_sender_learns_the_outcomes_on_its_own_feed(outcome):
    """A reads its own feed over TLS: REJECTED receipts for the two refusals, ACCEPTED for the
    genuine event; B's feed carries no receipt for the event forged in its name."""
    broker, _, _, commands = outcome

    def receipts(agency):
        settings = broker.as_user(agency, tls=True)
        out = []
        for record in t.read_topic(settings, feed_topic(agency)):
            value = decode_record(record.value, agency_events_only=False)
            if value.reader.name == "Receipt":
                out.append(value.record)
        return out

    mine = receipts(A)
    by_id = {r["event_id"]: r for r in mine}
    stranger, genuine = (
        commands["stranger"].envelope.event_id,
        commands["genuine"].envelope.event_id,
    )
    assert (by_id[stranger]["status"], by_id[stranger]["reason_code"]) == (
        "REJECTED",
        "unknown_officer",
    )
    assert by_id[genuine]["status"] == "ACCEPTED"
    forged = [r for r in mine if r["reason_code"] == "sender_mismatch"]
    assert [(r["status"], r["sender_agency"]) for r in forged] == [("REJECTED", A)]
    assert not [r for r in receipts(B) if r["reason_code"] == "sender_mismatch"]
