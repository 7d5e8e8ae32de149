"""`casehub publish` and the AgencyPublisher against the real broker.

Records sent decode back (with the hub's own codec) to the very commands in the file; bad lines
are reported with their line numbers and field paths and are never sent.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
from kafka import KafkaAdminClient, KafkaConsumer
from kafka.admin import NewTopic

from hub.cases.commands import Envelope, Inbound, Origin, RegisterCase
from hub.cli import main
from hub.codec import (
    EVENT_COMMANDS,
    command_from_json,
    decode_inbound,
    default_catalog,
    event_type_of,
    read_kafka_headers,
)
from hub.codec.examples import example_json
from hub.errors import SetupError
from hub.publish import AgencyPublisher, record_key
from hub.topics import agency_topic
from hub.vocabulary import CaseRef

pytestmark = pytest.mark.kafka


@pytest.fixture
def agency(kafka_bootstrap):
    """A fresh agency with its inbound topic (created here, as the hub would)."""
    agency_id = f"itest-{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap, client_id="test-admin")
    admin.create_topics([NewTopic(agency_topic(agency_id), num_partitions=3, replication_factor=1)])
    yield agency_id
    admin.delete_topics([agency_topic(agency_id)])
    admin.close()


def _consume(bootstrap, topic, expected):
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"test-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=3000,
    )
    seen = []
    try:
        for _ in range(10):
            seen.extend(consumer)
            if len(seen) >= expected:
                break
    finally:
        consumer.close()
    return seen


def _event(event_type, agency_id):
    obj = example_json(event_type)
    obj["header"]["sender_agency"] = agency_id
    obj["header"]["event_id"] = str(uuid.uuid4())
    return obj


def test_publish_sends_every_good_line_and_reports_the_bad_ones(
    kafka_bootstrap, agency, tmp_path, capsys
):
    """Every event type goes out and decodes to the same command; bad lines are named."""
    good = [_event(t, agency) for t in sorted(EVENT_COMMANDS)]
    missing = _event("CaseRegistered", agency)
    del missing["header"]["occurred_at"]
    mistyped = _event("AssistanceRequested", agency)
    mistyped["due_date"] = 20260504
    other_sender = _event("CaseRegistered", agency)
    other_sender["header"]["sender_agency"] = "somebody-else"
    unknown = {**_event("CaseRegistered", agency), "type": "CaseDeleted"}
    lines = [json.dumps(e, ensure_ascii=False) for e in good[:10]]
    bad_at = {}
    for label, text in [
        ("malformed", '{"type": "CaseRegistered", "header": '),
        ("missing", json.dumps(missing)),
        ("mistyped", json.dumps(mistyped)),
        ("sender", json.dumps(other_sender)),
        ("unknown", json.dumps(unknown)),
    ]:
        lines.append(text)
        bad_at[label] = len(lines)
    lines.append("")  # blank lines are skipped
    lines += [json.dumps(e, ensure_ascii=False) for e in good[10:]]
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    code = main(["publish", "--agency", agency, str(path), "--bootstrap", kafka_bootstrap])

    captured = capsys.readouterr()
    assert code == 1
    assert f"sent {len(good)}, refused 5" in captured.out
    err = captured.err
    assert f"{path}:{bad_at['malformed']}: refused: (record): malformed JSON at column" in err
    assert f"{path}:{bad_at['missing']}: refused: header.occurred_at: required field" in err
    assert f"{path}:{bad_at['mistyped']}: refused: due_date: expected a date" in err
    assert f"{path}:{bad_at['sender']}: refused: header.sender_agency: 'somebody-else'" in err
    assert f"{path}:{bad_at['unknown']}: refused: type: 'CaseDeleted'" in err

    records = _consume(kafka_bootstrap, agency_topic(agency), expected=len(good))
    assert len(records) == len(good)
    expected = {e["header"]["event_id"]: command_from_json(e) for e in good}
    for r in records:
        inbound = decode_inbound(r.value, Origin(r.topic, r.partition, r.offset), agency)
        assert isinstance(inbound, Inbound), inbound
        command = inbound.command
        assert command == expected.pop(str(command.envelope.event_id))
        assert r.key == record_key(command).encode()
        headers = read_kafka_headers(r.headers)
        assert headers["fingerprint"] == r.value[2:10].hex()
        assert headers["event_type"] == f"casehub.events.{event_type_of(command)}"
    assert expected == {}


def test_stop_on_error_stops_at_the_first_bad_line(kafka_bootstrap, agency, tmp_path, capsys):
    """With --stop-on-error, lines after the first refused one are not sent."""
    lines = [
        json.dumps(_event("CaseRegistered", agency)),
        "not json",
        json.dumps(_event("CaseRegistered", agency)),
    ]
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    code = main(
        [
            "publish",
            "--agency",
            agency,
            str(path),
            "--bootstrap",
            kafka_bootstrap,
            "--stop-on-error",
        ]
    )
    captured = capsys.readouterr()
    assert code == 1
    assert f"{path}:2: refused" in captured.err
    assert "sent 1, refused 1" in captured.out
    assert len(_consume(kafka_bootstrap, agency_topic(agency), expected=2)) == 1


def test_sdk_reports_each_record(kafka_bootstrap, agency):
    """The SDK returns partition and offset for a sent record, the reason for a refused one."""
    envelope = Envelope(uuid.uuid4(), agency, "officer-1", datetime(2026, 3, 2, 1, 30, tzinfo=UTC))
    command = RegisterCase(envelope, CaseRef(agency, "A-1"), "t", "c", "s")
    foreign = RegisterCase(
        Envelope(uuid.uuid4(), "another", "o", envelope.occurred_at),
        CaseRef(agency, "A-2"),
        "t",
        "c",
        "s",
    )
    with AgencyPublisher(agency, bootstrap_servers=kafka_bootstrap) as publisher:
        sent = publisher.publish(command, ref="one")
        refused = publisher.publish(foreign, ref="two")
    assert sent.ok
    assert sent.offset is not None
    assert sent.event_type == "CaseRegistered"
    assert not refused.ok
    assert "header.sender_agency" in refused.error
    records = _consume(kafka_bootstrap, agency_topic(agency), expected=1)
    assert [r.key for r in records] == [f"{agency}/A-1".encode()]
    assert records[0].value[2:10] == default_catalog().current("CaseRegistered").fingerprint


def test_the_publisher_never_creates_a_topic(kafka_bootstrap):
    """Publishing for an agency whose topic does not exist fails clearly; no topic appears."""
    agency_id = f"itest-missing-{uuid.uuid4().hex[:8]}"
    envelope = Envelope(uuid.uuid4(), agency_id, "o", datetime(2026, 3, 2, tzinfo=UTC))
    command = RegisterCase(envelope, CaseRef(agency_id, "A-1"), "t", "c", "s")
    with (
        AgencyPublisher(
            agency_id, bootstrap_servers=kafka_bootstrap, max_block_ms=3000
        ) as publisher,
        pytest.raises(SetupError, match="hub creates"),
    ):
        publisher.publish(command)
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap, client_id="test-admin")
    try:
        assert agency_topic(agency_id) not in admin.list_topics()
    finally:
        admin.close()
