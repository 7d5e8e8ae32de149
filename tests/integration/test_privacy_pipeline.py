"""Personal data through the whole pipeline on the real broker: sealed, published, erased.

One in-process ``casehub serve`` (ingest, relay, scheduler) over a fresh SQLite store and a
key store of its own runs the demo story (officers with names, a dispute naming a villager
with an ID number) plus one refused record naming a person. Every byte the hub stores or
publishes on its topics is then searched for the people's names and ID numbers; after an
erasure, history (from the store and replayed from casehub.timeline) shows them as erased
while every hash chain verifies.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from uuid import uuid4

import pytest

from devkit.demo.story import JUSTICE_BUREAU, LAND_CASE
from devkit.testing import serve as t
from hub.cases.commands import Envelope, OpenDispute, RegisterOfficer
from hub.cli import main
from hub.directory.bootstrap import load_directory_file
from hub.ops.deadletters import DeadLetterErased, redrive
from hub.privacy import ERASED
from hub.privacy.subjects import party_subject
from hub.rules.clocks import TIMEZONE
from hub.topics import DEADLETTER, TIMELINE, feed_topic
from hub.vocabulary import CaseRef, Party

pytestmark = pytest.mark.kafka

STORY_CLOCK = t.fixed_clock(datetime(2026, 1, 5, 9, tzinfo=TIMEZONE))
#: The villager disputing the demolition order in the story (the land case's applicant).
VILLAGER_ID = next(
    p.id_number
    for _, cmd in t.story_commands()
    if isinstance(cmd, OpenDispute) and cmd.case == LAND_CASE
    for p in cmd.parties
    if p.role == "applicant"
)
#: Named only in a record the hub refuses (its case does not exist).
REFUSED_PERSON = "Zhao Liuyi (fictional)"
REFUSED_ID = "110101198812120021"


#: Refused (no officer justice-bureau-x, no such case), so its bytes go to the dead letter.
REFUSED = OpenDispute(
    Envelope(uuid4(), JUSTICE_BUREAU, "justice-bureau-x", datetime(2026, 5, 7, tzinfo=TIMEZONE)),
    CaseRef("natural-resources", "no-such-case"),
    "ZY-X",
    "s",
    (Party(REFUSED_PERSON, "applicant", REFUSED_ID),),
)


def _personal_values(commands: list[tuple[str, object]], directory_file: Path) -> set[str]:
    values = {o.name for o in load_directory_file(directory_file).officers}
    for _, command in commands:
        if isinstance(command, RegisterOfficer):
            values.add(command.name)
        for party in getattr(command, "parties", ()):
            if party.role != "respondent-organ":  # an agency, named as agencies are
                values |= {party.name, party.id_number} - {""}
    return values


@pytest.fixture(scope="module")
def privacy_hub(hub_settings, kafka_bootstrap, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("privacy")
    settings = hub_settings.with_overrides(
        kafka_bootstrap=kafka_bootstrap, key_store_path=str(tmp / "keys" / "keystore.json")
    )
    t.reset_kafka(settings)
    directory_file = t.write_directory_file(tmp / "directory.toml")
    commands = [*t.story_commands(), (JUSTICE_BUREAU, REFUSED)]
    with t.running_server(
        settings, tmp / "hub.sqlite", directory_file, clock=STORY_CLOCK
    ) as server:
        probe = t.StoreProbe(server.app)
        t.publish_in_order(server.settings, commands, probe.outcome_known)
        t.wait_until(lambda: t.relay_caught_up(server.settings, server.app), 60, what="relay")
        yield server, _personal_values(commands, directory_file), tmp, probe


def _hub_topic_bytes(server) -> list[bytes]:
    agencies = [a.agency_id for a in server.app.directory().agencies]
    out: list[bytes] = []
    for topic in [TIMELINE, DEADLETTER, *(feed_topic(a) for a in agencies)]:
        for r in t.read_topic(server.settings, topic):
            out += [r.value, r.key or b"", *r.headers.values()]
    return out


def test_nothing_stored_or_published_holds_personal_data(privacy_hub):
    """The SQLite file and casehub.timeline, every feed and casehub.deadletter: ciphertext only."""
    server, people, tmp, probe = privacy_hub
    assert VILLAGER_ID in people
    assert REFUSED_ID in people
    assert REFUSED.envelope.event_id in [r.event_id for r in probe.rejections()]
    stored = b"".join(p.read_bytes() for p in sorted(tmp.glob("hub.sqlite*")))
    published = _hub_topic_bytes(server)
    assert any(b"pii:v1:" in v for v in published)
    for value in sorted(people):
        assert value.encode() not in stored, value
        assert not any(value.encode() in v for v in published), value


def test_erasure_reads_as_erased_in_history_and_chains_still_verify(
    privacy_hub, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    server, _, tmp, probe = privacy_hub
    app = server.app
    subject = party_subject(app.personal_data.pepper, LAND_CASE, "", VILLAGER_ID)
    refused_subject = party_subject(app.personal_data.pepper, LAND_CASE, "", REFUSED_ID)
    change = app.erase_personal_data(subject, "request under PIPL art. 47", by="dpo")
    assert change.key_destroyed
    assert len(change.recorded_in) == 1
    app.erase_personal_data(refused_subject, "request under PIPL art. 47", by="dpo")
    t.wait_until(lambda: t.relay_caught_up(server.settings, app), 60, what="relay")

    erased_on_timeline = [
        v
        for v in t.decode_values(t.read_topic(server.settings, TIMELINE))
        if v["event_type"] == "Case.PersonalDataErased"
    ]
    assert [json.loads(v["payload_json"])["subject"] for v in erased_on_timeline] == [subject]

    for name, value in {
        "CASEHUB_STORE": "sqlite",
        "CASEHUB_SQLITE_PATH": str(tmp / "hub.sqlite"),
        "CASEHUB_KEY_STORE_PATH": str(tmp / "keys" / "keystore.json"),
        "CASEHUB_KAFKA_BOOTSTRAP": ",".join(server.settings.bootstrap_servers),
    }.items():
        monkeypatch.setenv(name, value)
    ref = f"{LAND_CASE.owning_agency}/{LAND_CASE.case_number}"
    for source in ([], ["--from-kafka"]):
        assert main(["audit", "history", ref, "--format", "json", "--lang", "en", *source]) == 0
        history = capsys.readouterr().out
        assert ERASED in history, source
        assert "Wu Shi" not in history
        assert VILLAGER_ID not in history
    assert main(["audit", "verify", "--all"]) == 0

    refused = next(r for r in probe.rejections() if r.event_id == REFUSED.envelope.event_id)
    with pytest.raises(DeadLetterErased, match="erased"):
        redrive(app, refused.originator_id)
