"""A peer that uses none of the hub's code: the exported schemas, Apache ``avro``, a raw producer.

The hub (``casehub serve`` in-process) runs on the real broker with the story's directory.
An agency system written against ``casehub schemas export`` alone parses the exported file
with Apache's ``avro``, writes the body, puts ``C3 01`` and the index's fingerprint in front
and sends it with a plain Kafka producer keyed ``owning_agency/case_number``: the hub accepts
the event. The same bytes pushed through a text tool arrive as ``EF BF BD 01 …``: refused as
``value_text_mangled`` while the partition flows on.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID, uuid4

import avro.io
import avro.schema
import pytest
from kafka import KafkaProducer

from devkit.demo.story import MARKET_REGULATION, OFFICERS
from devkit.testing import serve as t
from hub.cli import main
from hub.codec.examples import example_json
from hub.publish.connection import kafka_config
from hub.rules.clocks import TIMEZONE
from hub.topics import agency_topic

pytestmark = pytest.mark.kafka

AGENCY = MARKET_REGULATION
OFFICER = next(o for a, o, _, _ in OFFICERS if a == AGENCY)
STORY_CLOCK = t.fixed_clock(datetime(2026, 1, 5, 9, tzinfo=TIMEZONE))


@pytest.fixture(scope="module")
def peer_hub(hub_settings, kafka_bootstrap, tmp_path_factory):
    settings = hub_settings.with_overrides(kafka_bootstrap=kafka_bootstrap)
    t.reset_kafka(settings)
    tmp = tmp_path_factory.mktemp("peer")
    directory_file = t.write_directory_file(tmp / "directory.toml")
    with t.running_server(
        settings, tmp / "hub.sqlite", directory_file, clock=STORY_CLOCK
    ) as server:
        probe = t.StoreProbe(server.app)
        t.publish_in_order(server.settings, t.directory_commands(), probe.outcome_known)
        exported = tmp / "exported"
        assert main(["schemas", "export", str(exported)]) == 0
        yield {"server": server, "probe": probe, "exported": exported}


class Peer:
    """An agency system that knows only the exported directory and Kafka."""

    def __init__(self, exported: Path, settings) -> None:
        self.exported = exported
        self.index = json.loads((exported / "index.json").read_text("utf-8"))
        self.producer = KafkaProducer(**kafka_config(settings), acks="all")

    def encode(self, record: str, body: dict) -> bytes:
        (entry,) = [e for e in self.index["schemas"] if e["record"] == record and e["current"]]
        schema = avro.schema.parse((self.exported / entry["file"]).read_text("utf-8"))
        out = io.BytesIO()
        out.write(b"\xc3\x01" + bytes.fromhex(entry["crc64_avro"]))
        avro.io.DatumWriter(schema).write(body, avro.io.BinaryEncoder(out))
        return out.getvalue()

    def send(self, key: str, value: bytes):
        return self.producer.send(agency_topic(AGENCY), key=key.encode(), value=value).get(30)

    def close(self) -> None:
        self.producer.close()


def _case_registered(case_number: str) -> tuple[str, dict]:
    event_id = str(uuid4())
    body = {
        "header": {
            "event_id": event_id,
            "case_ref": {"owning_agency": AGENCY, "case_number": case_number},
            "sender_agency": AGENCY,
            "officer_id": OFFICER,
            "occurred_at": datetime(2026, 1, 6, 2, tzinfo=UTC),
            "correlation_id": None,
            "causation_id": None,
            "classification": "INTERNAL",
        },
        "title": "A peer's case",
        "category": "market supervision",
        "summary": "Registered by an agency system that uses only the exported schemas.",
        "major": None,
    }
    return event_id, body


def _case_schema_fields(exported: Path) -> set[str]:
    index = json.loads((exported / "index.json").read_text("utf-8"))
    (entry,) = [
        e
        for e in index["schemas"]
        if e["record"] == "casehub.events.CaseRegistered" and e["current"]
    ]
    return {f["name"] for f in json.loads((exported / entry["file"]).read_text())["fields"]}


def test_the_hub_accepts_what_a_peer_writes_from_the_exported_schema(peer_hub):
    """Apache avro + the exported file + single-object framing + a plain producer: accepted,
    and the text-mangled copy before it is refused with its own reason."""
    server, probe, exported = peer_hub["server"], peer_hub["probe"], peer_hub["exported"]
    case_number = f"PEER-{uuid4().hex[:6]}"
    event_id, body = _case_registered(case_number)
    assert set(body) == _case_schema_fields(exported), "the test's record is the current one"
    peer = Peer(exported, server.settings)
    try:
        value = peer.encode("casehub.events.CaseRegistered", body)
        mangled = value.decode("utf-8", errors="replace").encode("utf-8")
        key = f"{AGENCY}/{case_number}"
        first = peer.send(key, mangled)
        second = peer.send(key, value)
    finally:
        peer.close()
    assert first.partition == second.partition

    t.wait_until(lambda: probe.accepted(UUID(event_id)), 60, what="the peer's event")
    refused = next(
        r
        for r in probe.rejections()
        if (r.source, r.partition, r.offset)
        == (agency_topic(AGENCY), first.partition, first.offset)
    )
    assert refused.reason_code == "value_text_mangled"
    assert "sent as text" in refused.message


@pytest.mark.usefixtures("peer_hub")
def test_cli_publish_warns_about_unsealed_personal_data_only_when_a_line_has_some(
    kafka_bootstrap, tmp_path, capsys
):
    """`casehub publish` without a hub key: a file of case events sends without the warning;
    a file with an officer's registration (a name) brings it, naming the field."""
    cases = tmp_path / "cases.jsonl"
    officers = tmp_path / "officers.jsonl"
    case = example_json("CaseRegistered")
    case["header"] |= {
        "event_id": str(uuid4()),
        "sender_agency": AGENCY,
        "officer_id": OFFICER,
        "case_ref": {"owning_agency": AGENCY, "case_number": f"CLI-{uuid4().hex[:6]}"},
    }
    officer = example_json("OfficerRegistered")
    officer["header"] |= {"event_id": str(uuid4()), "sender_agency": AGENCY, "officer_id": OFFICER}
    officer["officer_id"] = f"mr-{uuid4().hex[:6]}"
    cases.write_text(json.dumps(case, ensure_ascii=False) + "\n", "utf-8")
    officers.write_text(json.dumps(officer, ensure_ascii=False) + "\n", "utf-8")
    publish = ["publish", "--agency", AGENCY, "--bootstrap", kafka_bootstrap]

    assert main([*publish, str(cases)]) == 0
    quiet = capsys.readouterr()
    assert "sent 1, refused 0" in quiet.out
    assert "publisher_sends_unsealed_personal_data" not in quiet.err + quiet.out

    assert main([*publish, str(officers)]) == 0
    warned = capsys.readouterr()
    assert "publisher_sends_unsealed_personal_data" in warned.err + warned.out
    assert '"name"' in warned.err + warned.out
