"""The auditor's tools against ``casehub.timeline``: the demo story told through the pipeline
(agencies publish, ``casehub serve`` ingests and relays), then ``casehub audit history`` from
the store and ``--from-kafka`` agree, and ``casehub audit verify`` anchors each chain's head on
the hashes the timeline carries, so a deleted or rewritten last event is caught.

A private broker on its own port, so no other test can delete the topics under these ones.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from devkit.demo.clock import StoryClock
from devkit.testing import serve as t
from hub.cases.hashing import event_hash
from hub.cli import main
from hub.ids import case_id_for
from hub.settings import Settings

pytestmark = pytest.mark.kafka

#: Offset of the private broker's port from the session broker's: below Linux's ephemeral
#: range (32768-60999), where an outgoing connection may hold any port for a while.
PORT_OFFSET = 50
FOOD = "market-regulation/市监案〔2026〕001号"
LAND = "natural-resources/自然资案〔2026〕014号"
FOOD_ID = case_id_for("market-regulation", "市监案〔2026〕001号")


@dataclass(frozen=True)
class Told:
    settings: Settings
    store: Path


def _tell_story(server: Any, clock: StoryClock) -> None:
    """Every step of the demo story at its moment, each waited for, as `casehub demo` does."""
    from devkit.demo.story import Tick, story  # noqa: PLC0415
    from hub.publish import AgencyPublisher  # noqa: PLC0415
    from hub.scheduler import Scheduler  # noqa: PLC0415
    from hub.topics import TopicAdmin, agency_topic  # noqa: PLC0415

    probe = t.StoreProbe(server.app)
    scheduler = Scheduler(server.app, server.stop, clock=clock)
    publishers: dict[str, Any] = {}
    with TopicAdmin(server.settings) as admin:
        try:
            for step in sorted(story(), key=lambda s: s.at):
                clock.set(step.at)
                if isinstance(step, Tick):
                    scheduler.tick()
                    continue
                if step.agency not in publishers:
                    topic = agency_topic(step.agency)
                    t.wait_until(lambda topic=topic: topic in admin.existing(), 60, what=topic)
                    publishers[step.agency] = AgencyPublisher(step.agency, settings=server.settings)
                result = publishers[step.agency].publish(step.command)
                assert result.ok, result.error
                event_id = step.command.envelope.event_id
                t.wait_until(partial(probe.outcome_known, event_id), 120, 0.02, what=step.en)
        finally:
            for publisher in publishers.values():
                publisher.close()


@pytest.fixture(scope="module")
def told(hub_settings, tmp_path_factory):
    """The story told through a pipeline on a private broker; the hub stopped, the broker up."""
    from devkit.broker.ports import port_is_free  # noqa: PLC0415
    from devkit.demo.story import Step, story  # noqa: PLC0415
    from hub.ingest.loop import IngestOptions  # noqa: PLC0415
    from hub.topics import ensure_topics  # noqa: PLC0415

    tmp = tmp_path_factory.mktemp("audit-kafka")
    port = hub_settings.kafka_port + PORT_OFFSET
    # a broker of an earlier run on these ports may still be on its way out
    t.wait_until(
        lambda: all(port_is_free(hub_settings.kafka_host, p) for p in (port, port + 1)),
        60,
        0.5,
        what=f"ports {port} and {port + 1} to be free",
    )
    with t.private_broker(hub_settings, tmp / "broker", port) as settings:
        # Every agency's topic before the hub starts: no rebalance of the ingest mid-story.
        ensure_topics(settings, {s.agency for s in story() if isinstance(s, Step)})
        directory_file = t.write_directory_file(tmp / "directory.toml")
        clock = StoryClock(min(s.at for s in story()) - timedelta(days=1))
        store = tmp / "hub.sqlite"
        with t.running_server(
            settings,
            store,
            directory_file,
            clock=clock,
            run_scheduler=False,
            ingest=IngestOptions(
                poll_timeout_ms=200, extra_consumer_config={"fetch.wait.max.ms": 50}
            ),
        ) as server:
            _tell_story(server, clock)
            t.wait_until(lambda: t.relay_caught_up(server.settings, server.app), 60, what="relay")
        yield Told(settings, store)


@pytest.fixture
def hub_env(told, tmp_path, monkeypatch):
    """`casehub` as an auditor runs it: this store (a private copy) and this broker."""
    copy = tmp_path / "hub.sqlite"
    with sqlite3.connect(told.store) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    monkeypatch.setenv("CASEHUB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CASEHUB_STORE", "sqlite")
    monkeypatch.setenv("CASEHUB_SQLITE_PATH", str(copy))
    monkeypatch.setenv("CASEHUB_KAFKA_BOOTSTRAP", ",".join(told.settings.bootstrap_servers))
    monkeypatch.delenv("CASEHUB_CONFIG", raising=False)
    return copy


def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


class TestHistoryFromKafka:
    @pytest.mark.parametrize("ref", [FOOD, LAND])
    @pytest.mark.parametrize("fmt", ["table", "json"])
    @pytest.mark.parametrize(
        "when", [(), ("--version", "3"), ("--as-of", "2026-04-02"), ("--as-of", "2026-03-20")]
    )
    @pytest.mark.usefixtures("hub_env")
    def test_the_timeline_gives_the_history_the_store_gives(self, capsys, ref, fmt, when):
        """Same events, versions, hashes, payloads and state, at every version or moment asked."""
        from_store = _run(capsys, "audit", "history", ref, "--format", fmt, "--lang", "en", *when)
        from_kafka = _run(
            capsys, "audit", "history", ref, "--format", fmt, "--lang", "en", *when, "--from-kafka"
        )
        assert from_kafka == from_store
        code, out, _ = from_store
        if code == 0 and fmt == "json":
            data = json.loads(out)
            assert data["events"]
            assert all(e["event_hash"] and e["payload"] for e in data["events"])

    @pytest.mark.usefixtures("hub_env")
    def test_the_story_cases_have_their_whole_record(self, capsys):
        """The food case's 17 events come back from the timeline with their hash chain."""
        code, out, _ = _run(capsys, "audit", "history", FOOD, "--format", "json", "--from-kafka")
        assert code == 0
        events = json.loads(out)["events"]
        assert [e["version"] for e in events] == list(range(1, 18))
        assert all(b["prev_hash"] == a["event_hash"] for a, b in itertools.pairwise(events))

    @pytest.mark.usefixtures("hub_env")
    def test_as_of_a_moment_from_the_timeline(self, capsys):
        """As of 2 April the food case stood at version 13 of 17, on the timeline too."""
        code, out, _ = _run(
            capsys,
            "audit",
            "history",
            FOOD,
            "--as-of",
            "2026-04-02",
            "--format",
            "json",
            "--from-kafka",
        )
        assert code == 0
        data = json.loads(out)
        assert (data["version"], data["latest_version"]) == (13, 17)
        assert data["case"]["recommendations"][0]["status"] == "SERVED"

    @pytest.mark.usefixtures("hub_env")
    def test_an_unknown_case_is_unknown_on_the_timeline_too(self, capsys):
        """A reference the timeline never carried: one line, exit 2."""
        code, _, err = _run(capsys, "audit", "history", "market-regulation/nope", "--from-kafka")
        assert code == 2
        assert "unknown case market-regulation/nope" in err


def _last_row(copy: Path) -> tuple[int, str, bytes]:
    with sqlite3.connect(copy) as conn:
        row: tuple[int, str, bytes] = conn.execute(
            "SELECT originator_version, topic, state FROM stored_events "
            "WHERE originator_id = ? ORDER BY originator_version DESC LIMIT 1",
            (FOOD_ID.hex,),
        ).fetchone()
    return row


class TestVerifyAgainstKafka:
    def test_a_clean_store_agrees_with_the_timeline(self, hub_env, capsys):
        """Every chain intact and every head the timeline's: exit 0; Kafka is the default anchor."""
        assert hub_env.exists()
        code, out, _ = _run(capsys, "audit", "verify", "--all")
        assert code == 0, out
        assert "anchor: casehub.timeline" in out
        assert f"ok {FOOD}: 17 event(s)" in out
        assert "2 case(s) checked, 0 broken" in out

    def test_a_deleted_last_event_leaves_the_store_behind(self, hub_env, capsys):
        """The last stored row deleted: the chain still verifies, the timeline's head does not."""
        version, _, _ = _last_row(hub_env)
        with sqlite3.connect(hub_env) as conn:
            conn.execute(
                "DELETE FROM stored_events WHERE originator_id = ? AND originator_version = ?",
                (FOOD_ID.hex, version),
            )
        code, out, _ = _run(capsys, "audit", "verify", FOOD, "--anchor", "kafka")
        assert code == 1
        assert (
            f"BROKEN {FOOD}: the store's head is behind the timeline: "
            f"the store ends at version {version - 1}"
        ) in out
        assert f"but the timeline carries version {version}" in out

    def test_a_rewritten_last_event_with_its_hash_recomputed_differs(self, hub_env, capsys):
        """A rewritten last event whose hash was recomputed: same version, another head."""
        from hub.cases.application import CaseHub  # noqa: PLC0415
        from hub.cases.store import store_env  # noqa: PLC0415
        from hub.settings import load_settings  # noqa: PLC0415

        version, topic, raw = _last_row(hub_env)
        settings = load_settings()
        app = CaseHub(store_env(settings), settings=settings)
        try:
            transcoder = app.mapper.transcoder
            state = transcoder.decode(raw)
            state["notes"] = "Closed: nothing to see here."
            hashed = {**state, "originator_id": FOOD_ID, "originator_version": version}
            state["event_hash"] = event_hash(topic.rsplit(":", 1)[-1], hashed)
            forged = transcoder.encode(state)
        finally:
            app.close()
        with sqlite3.connect(hub_env) as conn:
            conn.execute(
                "UPDATE stored_events SET state = ? WHERE originator_id = ? "
                "AND originator_version = ?",
                (forged, FOOD_ID.hex, version),
            )
        assert _run(capsys, "audit", "verify", FOOD, "--anchor", "view")[0] == 0  # nothing seen
        code, out, _ = _run(capsys, "audit", "verify", "--all", "--anchor", "kafka")
        assert code == 1
        assert (
            f"BROKEN {FOOD}: the store's head is different from the timeline: "
            f"the store ends at version {version}"
        ) in out
        assert "2 case(s) checked, 1 broken" in out


def _food_on_the_timeline(settings: Settings) -> list[tuple[int, Any]]:
    """(version, record) of every timeline record of the food case, in offset order."""
    from hub.outbound.wire import entry_from_timeline_record  # noqa: PLC0415
    from hub.topics import TIMELINE  # noqa: PLC0415

    key = str(FOOD_ID).encode()
    found = [r for r in t.read_topic(settings, TIMELINE) if r.key == key]
    return [(entry_from_timeline_record(r.value).version, r) for r in found]


class TestVerifyTheTimelineItself:
    """Last in this module: these tests change the shared timeline (a record published twice,
    then the oldest records deleted), so every test above sees it as the relay left it."""

    def test_a_version_the_timeline_carries_twice_is_a_finding(self, told, hub_env, capsys):
        """A record published again (as a relay without transactions might after a crash):
        `audit verify` names the case, the version and both offsets, and exits 1."""
        from hub.kafka.clients import producer  # noqa: PLC0415
        from hub.topics import TIMELINE  # noqa: PLC0415

        assert hub_env.exists()
        (record,) = [r for v, r in _food_on_the_timeline(told.settings) if v == 3]
        client = producer(told.settings, client_id="test-timeline-duplicate")
        client.produce(
            TIMELINE,
            value=record.value,
            key=record.key,
            partition=record.partition,
            headers=list(record.headers.items()),
        )
        assert client.flush(30) == 0
        again = [r for v, r in _food_on_the_timeline(told.settings) if v == 3][-1]
        assert again.offset > record.offset

        code, out, _ = _run(capsys, "audit", "verify", FOOD, "--anchor", "kafka")
        assert code == 1, out
        p = record.partition
        assert (
            f"BROKEN {FOOD}: casehub.timeline carries version 3 2 times "
            f"(partition {p} offset {record.offset}, partition {p} offset {again.offset})"
        ) in out
        code, out, _ = _run(capsys, "audit", "verify", "--all")
        assert code == 1, out
        assert "casehub.timeline carries version 3 2 times" in out
        assert "2 case(s) checked, 1 broken" in out

    def test_versions_the_timeline_lacks_are_a_finding(self, told, hub_env, capsys):
        """The timeline's oldest records deleted: the versions it lacks below its head are
        named with the offset where the case resumes, and exit 1."""
        from confluent_kafka import TopicPartition  # noqa: PLC0415

        from hub.kafka.clients import admin_client  # noqa: PLC0415
        from hub.topics import TIMELINE  # noqa: PLC0415

        assert hub_env.exists()
        food = _food_on_the_timeline(told.settings)
        first_three = min((r for v, r in food if v == 3), key=lambda r: r.offset)
        admin = admin_client(told.settings, client_id="test-timeline-delete")
        futures = admin.delete_records(
            [TopicPartition(TIMELINE, first_three.partition, first_three.offset)]
        )
        for future in futures.values():
            future.result(timeout=30)

        code, out, _ = _run(capsys, "audit", "verify", FOOD, "--anchor", "kafka")
        assert code == 1, out
        assert (
            f"BROKEN {FOOD}: casehub.timeline lacks versions 1–2 (it carries version 3 at "
            f"partition {first_three.partition} offset {first_three.offset})"
        ) in out
