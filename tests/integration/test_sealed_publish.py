"""Sealed personal data on the real broker: agencies publish ciphertext, the hub ingests it.

One hub (``casehub serve`` in-process, its sealing key from the environment as in production)
serves the module. The demo story is published through the SDK with the hub's public key; the
raw bytes of every agency topic are then searched for the story's names and identity numbers.
Wrong-key and tampered records are rejected with their reason while the partition flows on,
and a resend sealed afresh is recognised as the same event.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from kafka import KafkaProducer

from devkit.demo.story import MARKET_REGULATION, OFFICERS
from devkit.testing import serve as t
from hub.cases.commands import AdmitAgency, Envelope, RegisterOfficer
from hub.cli import main
from hub.codec import command_to_json, command_to_record, default_catalog, encode_command
from hub.codec.sealed import personal_values, plaintext_counts
from hub.ids import DIRECTORY_ID
from hub.privacy.sealing import SEALED_PREFIX, generate_key_files, load_public_key
from hub.publish import AgencyPublisher, record_key
from hub.publish.connection import kafka_config
from hub.rules.clocks import TIMEZONE
from hub.topics import agency_topic

pytestmark = pytest.mark.kafka

STORY_CLOCK = t.fixed_clock(datetime(2026, 1, 5, 9, tzinfo=TIMEZONE))
AGENCY = MARKET_REGULATION
OFFICER = next(o for a, o, _, _ in OFFICERS if a == AGENCY)
UNSEALABLE = "unsealable_personal_data"


@pytest.fixture(scope="module")
def sealed_hub(hub_settings, kafka_bootstrap, tmp_path_factory):
    settings = hub_settings.with_overrides(kafka_bootstrap=kafka_bootstrap)
    t.reset_kafka(settings)
    tmp = tmp_path_factory.mktemp("sealed")
    private, public = tmp / "hub-sealing.key", tmp / "hub-sealing.pub"
    generate_key_files(private, public)
    other_private, other_public = tmp / "other.key", tmp / "other.pub"
    generate_key_files(other_private, other_public)
    directory_file = t.write_directory_file(tmp / "directory.toml")
    commands = t.story_commands()
    expected = t.expected_outcomes(commands, STORY_CLOCK, directory_file)
    # The hub opens sealed values with the key its settings name, as `casehub serve` does.
    hub_side = settings.with_overrides(hub_sealing_key_file=str(private))
    with t.running_server(
        hub_side, tmp / "hub.sqlite", directory_file, clock=STORY_CLOCK
    ) as server:
        probe = t.StoreProbe(server.app)
        agency_settings = server.settings.with_overrides(hub_public_key_file=str(public))
        t.publish_in_order(agency_settings, commands, probe.outcome_known)
        t.wait_until(lambda: probe.outcome_known(commands[-1][1].envelope.event_id), 60)
        story_records = {
            agency: t.read_topic(server.settings, agency_topic(agency))
            for agency in {a for a, _ in commands}
        }
        yield {
            "server": server,
            "probe": probe,
            "commands": commands,
            "expected": expected,
            "story_records": story_records,
            "agency_settings": agency_settings,
            "public": public,
            "other_public": other_public,
            "tmp": tmp,
        }


def _story_personal_data(commands) -> set[str]:
    """Every PII value of the story, less an organ's name (a respondent party that is an
    agency, whose name is public and published unsealed when the agency is admitted)."""
    found: set[str] = set()
    organs: set[str] = set()
    for _, command in commands:
        event_type, record = command_to_record(command)
        found |= set(personal_values(default_catalog().current(event_type), record).values())
        if isinstance(command, AdmitAgency):
            organs |= {command.name_zh, command.name_en}
    return found - organs


def _new_officer(name: str) -> RegisterOfficer:
    env = Envelope(uuid4(), AGENCY, OFFICER, datetime(2026, 1, 6, 2, tzinfo=UTC))
    return RegisterOfficer(env, f"mr-{uuid4().hex[:6]}", name, "执法队员")


def _rejection_at(probe, source, partition, offset):
    return next(
        (
            r
            for r in probe.rejections()
            if (r.source, r.partition, r.offset) == (source, partition, offset)
        ),
        None,
    )


def test_agency_topics_carry_no_personal_data_in_plaintext(sealed_hub):
    """No name or identity number of the story appears in any byte of any agency topic."""
    secrets = _story_personal_data(sealed_hub["commands"])
    assert any("fictional" in s for s in secrets), "the story names people"
    assert any(s[:17].isdigit() for s in secrets), "the story has ID numbers"
    records = [r for rs in sealed_hub["story_records"].values() for r in rs]
    assert len(records) == len(sealed_hub["commands"])
    everything = b"".join(r.value + (r.key or b"") + b"".join(r.headers.values()) for r in records)
    assert SEALED_PREFIX.encode() in everything
    leaked = sorted(s for s in secrets if s.encode() in everything)
    assert leaked == []


def test_the_hub_ingests_the_sealed_story_as_it_would_the_plain_one(sealed_hub):
    """Every case and the directory hold exactly the events of an in-memory plaintext run."""
    server, expected, probe = sealed_hub["server"], sealed_hub["expected"], sealed_hub["probe"]
    assert t.streams_of(server.app, expected.streams) == expected.streams
    rejected = sorted((r.event_id, r.reason_code) for r in probe.rejections())
    assert rejected == sorted(expected.rejected)


def test_cli_publish_seals_personal_data(sealed_hub, kafka_bootstrap, capsys):
    """`casehub publish --hub-public-key` sends ciphertext; the hub accepts the event."""
    probe, tmp = sealed_hub["probe"], sealed_hub["tmp"]
    name = "陈十一 (Chen Shiyi, fictional)"
    command = _new_officer(name)
    path = tmp / "officer.jsonl"
    path.write_text(json.dumps(command_to_json(command), ensure_ascii=False) + "\n", "utf-8")
    code = main(
        [
            "publish",
            "--agency",
            AGENCY,
            str(path),
            "--bootstrap",
            kafka_bootstrap,
            "--hub-public-key",
            str(sealed_hub["public"]),
        ]
    )
    assert code == 0, capsys.readouterr().err
    t.wait_until(lambda: probe.outcome_known(command.envelope.event_id), 60, what="the event")
    assert probe.accepted(command.envelope.event_id)
    topic = agency_topic(AGENCY)
    raw = b"".join(r.value for r in t.read_topic(sealed_hub["server"].settings, topic))
    assert name.encode() not in raw


def test_wrong_key_and_tampered_records_are_rejected_and_the_partition_flows_on(sealed_hub):
    """Both rejected as unsealable_personal_data; the good event after them is accepted."""
    server, probe = sealed_hub["server"], sealed_hub["probe"]
    wrong_key = _new_officer("错钥匙 (Cuo Yaoshi, fictional)")
    tampered = _new_officer("篡改 (Cuan Gai, fictional)")
    good = _new_officer("好人 (Hao Ren, fictional)")
    # All three are directory events of one agency: one key, one partition, in this order.
    with AgencyPublisher(
        AGENCY,
        settings=server.settings,
        sealer=load_public_key(sealed_hub["other_public"]),
    ) as pub:
        wrong = pub.publish(wrong_key)
    assert wrong.ok, wrong.error
    raw = encode_command(tampered, sealer=load_public_key(sealed_hub["public"]))
    at = raw.index(SEALED_PREFIX.encode()) + len(SEALED_PREFIX) + 20
    altered = raw[:at] + (b"A" if raw[at : at + 1] != b"A" else b"B") + raw[at + 1 :]
    producer = KafkaProducer(**kafka_config(server.settings))
    try:
        meta = producer.send(
            agency_topic(AGENCY), value=altered, key=record_key(tampered).encode()
        ).get(timeout=30)
    finally:
        producer.close()
    with AgencyPublisher(AGENCY, settings=sealed_hub["agency_settings"]) as pub:
        last = pub.publish(good)
    assert last.ok, last.error
    assert wrong.partition == meta.partition == last.partition

    t.wait_until(lambda: probe.accepted(good.envelope.event_id), 60, what="the good event")
    topic = agency_topic(AGENCY)
    for partition, offset in ((wrong.partition, wrong.offset), (meta.partition, meta.offset)):
        rejection = _rejection_at(probe, topic, partition, offset)
        assert rejection is not None, (partition, offset)
        assert rejection.reason_code == UNSEALABLE
        assert "name" in rejection.message
    assert not probe.accepted(wrong_key.envelope.event_id)
    assert not probe.accepted(tampered.envelope.event_id)


def test_a_resend_sealed_afresh_is_the_same_event(sealed_hub):
    """Other ciphertext, same content: a no-op duplicate, not a conflicting one."""
    server, probe = sealed_hub["server"], sealed_hub["probe"]
    original = _new_officer("重发 (Chong Fa, fictional)")
    after = _new_officer("后来 (Hou Lai, fictional)")
    with AgencyPublisher(AGENCY, settings=sealed_hub["agency_settings"]) as pub:
        first = pub.publish(original)
        t.wait_until(lambda: probe.accepted(original.envelope.event_id), 60, what="the event")
        directory_events = len(t.streams_of(server.app, [DIRECTORY_ID])[DIRECTORY_ID])
        again = pub.publish(original)  # sealed again: a fresh ephemeral key, other bytes
        last = pub.publish(after)
    assert first.ok
    assert again.ok
    assert last.ok
    records = {
        r.offset: r.value
        for r in t.read_topic(server.settings, agency_topic(AGENCY))
        if r.partition == first.partition
    }
    assert records[first.offset] != records[again.offset]
    t.wait_until(lambda: probe.accepted(after.envelope.event_id), 60, what="the next event")
    assert _rejection_at(probe, agency_topic(AGENCY), again.partition, again.offset) is None
    stream = t.streams_of(server.app, [DIRECTORY_ID])[DIRECTORY_ID]
    assert len(stream) == directory_events + 1  # only `after`


def test_plaintext_from_an_agency_that_does_not_seal_is_accepted_and_counted(sealed_hub):
    """No key on the publisher: the hub accepts the event and counts it for the topic."""
    server, probe = sealed_hub["server"], sealed_hub["probe"]
    topic = agency_topic(AGENCY)
    before = plaintext_counts().get(topic, 0)
    command = _new_officer("明文 (Ming Wen, fictional)")
    with AgencyPublisher(AGENCY, settings=server.settings) as pub:
        assert pub.sealer is None
        assert pub.publish(command).ok
    t.wait_until(lambda: probe.accepted(command.envelope.event_id), 60, what="the event")
    assert plaintext_counts().get(topic, 0) == before + 1
