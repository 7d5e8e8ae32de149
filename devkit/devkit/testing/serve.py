"""Helpers for the pipeline's integration and fault tests (like ``structlog.testing``).

A private broker on its own ports (so a test may stop and restart it without disturbing the
session broker), a clean slate of the hub's topics and groups between tests, publishing the
demo story in causal order, reading an outbound topic back with ``read_committed``, and
``casehub serve`` as a subprocess that a test can kill. Whether the relay has caught up is the
product's own knowledge (``hub.relay.progress``), re-exported here for the tests.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any
from uuid import UUID

from hub.cases.commands import Command
from hub.errors import CaseHubError
from hub.ids import event_index_id
from hub.relay.progress import PUBLISHING_TOPICS, last_publishing_notification, relay_caught_up
from hub.settings import PROJECT_ROOT, Settings, load_settings
from hub.topics import INGEST_GROUP, LEADER_GROUP

__all__ = [
    "BOOTSTRAP_DIRECTORY",
    "PUBLISHING_TOPICS",
    "Consumed",
    "Expected",
    "StoreProbe",
    "decode_values",
    "directory_commands",
    "expected_outcomes",
    "fixed_clock",
    "last_publishing_notification",
    "load_commands",
    "private_broker",
    "publish_fast",
    "publish_in_order",
    "read_topic",
    "relay_caught_up",
    "reset_kafka",
    "running_server",
    "serve_env",
    "start_serve",
    "story_commands",
    "streams_of",
    "wait_until",
    "write_directory_file",
]

#: The operator's directory file the demo story assumes: the Rule-of-Law Office and its officer.
BOOTSTRAP_DIRECTORY = """\
[[agencies]]
id = "rule-of-law-office"
name_zh = "市委依法治市办"
name_en = "City Rule-of-Law Office"
role = "rule-of-law-office"

[[officers]]
agency = "rule-of-law-office"
id = "rlo-001"
name = "赵六 (Zhao Liu, fictional)"
title = "科长"
"""


def wait_until(
    predicate: Callable[[], Any], timeout: float, interval: float = 0.2, what: str = ""
) -> Any:
    """Poll ``predicate`` until it returns a truthy value; raise ``TimeoutError`` after."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what or predicate}")
        time.sleep(interval)


@contextmanager
def private_broker(base: Settings, data_dir: Path, port: int) -> Iterator[Settings]:
    """A single-node broker of our own on ``port`` (controller on ``port + 1``)."""
    from devkit.broker import broker_down, broker_up  # noqa: PLC0415

    settings = base.with_overrides(
        data_dir=data_dir,
        kafka_port=port,
        kafka_controller_port=port + 1,
        kafka_bootstrap="",
        kafka_heap="384m",
    )
    broker_up(settings, "single")
    try:
        yield settings
    finally:
        broker_down(settings, "single", wipe=True)


def reset_kafka(settings: Settings, timeout: float = 60.0) -> None:
    """Delete every ``casehub.*`` topic and the hub's consumer groups (a clean slate)."""
    from hub.kafka.admin import KafkaAdmin  # noqa: PLC0415

    with KafkaAdmin(settings, client_id="casehub-test-reset") as admin:
        # A group whose members a killed test left behind is deleted once they expire; the
        # next test's group then starts afresh either way.
        with suppress(CaseHubError):
            admin.delete_groups([INGEST_GROUP, LEADER_GROUP])

        def ours() -> list[str]:
            return [t for t in admin.topics() if t.startswith("casehub.")]

        if ours():
            admin.delete_topics(ours())
            wait_until(lambda: not ours(), timeout, what="topic deletion")


def write_directory_file(path: Path) -> Path:
    path.write_text(BOOTSTRAP_DIRECTORY, encoding="utf-8")
    return path


def story_commands() -> list[tuple[str, Command]]:
    """The demo story's commands with the agency whose topic carries each, in story order."""
    from devkit.demo.story import steps_by_agency, story  # noqa: PLC0415

    return list(steps_by_agency(story()))


class StoreProbe:
    """Reads a store the hub writes (another process): what became of an event id."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def accepted(self, event_id: UUID) -> bool:
        return any(True for _ in self.app.events.get(event_index_id(event_id), limit=1))

    def rejections(self) -> list[Any]:
        from hub.cases.indexes import Rejection  # noqa: PLC0415

        out = []
        for n in self.app.recorder.select_notifications(start=1, limit=10**9):
            if n.topic.endswith(":Rejection.Recorded"):
                event = self.app.mapper.to_domain_event(n)
                assert isinstance(event, Rejection.Recorded)
                out.append(event)
        return out

    def outcome_known(self, event_id: UUID) -> bool:
        return self.accepted(event_id) or any(r.event_id == event_id for r in self.rejections())


def publish_in_order(
    settings: Settings,
    commands: Sequence[tuple[str, Command]],
    done: Callable[[UUID], bool],
    *,
    timeout: float = 60.0,
) -> None:
    """Publish the commands; before switching agency, and at the end, wait for the hub.

    Records on one agency topic keep their order per case; across topics Kafka promises no
    order, so a step that depends on another agency's step waits for it, as a real agency
    system waits for the hub's receipt.
    """
    from hub.publish import AgencyPublisher  # noqa: PLC0415

    publishers: dict[str, Any] = {}
    try:
        previous: tuple[str, UUID] | None = None
        for agency, command in commands:
            if previous is not None and previous[0] != agency:
                publishers[previous[0]].flush()
                last_id = previous[1]
                wait_until(partial(done, last_id), timeout, what=f"event {last_id}")
            if agency not in publishers:
                wait_until(
                    partial(_topic_exists, settings, agency), timeout, what=f"{agency} topic"
                )
                publishers[agency] = AgencyPublisher(agency, settings=settings)
            result = publishers[agency].publish(command)
            assert result.ok, result.error
            previous = (agency, command.envelope.event_id)
        if previous is not None:
            publishers[previous[0]].flush()
            last_id = previous[1]
            wait_until(partial(done, last_id), timeout, what=f"event {last_id}")
    finally:
        for p in publishers.values():
            p.close()


def _topic_exists(settings: Settings, agency: str) -> bool:
    from hub.kafka.admin import KafkaAdmin  # noqa: PLC0415
    from hub.topics import agency_topic  # noqa: PLC0415

    with KafkaAdmin(settings, client_id="casehub-test-probe") as admin:
        return agency_topic(agency) in admin.topics()


@dataclass(frozen=True)
class Consumed:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: dict[str, bytes]


def read_topic(settings: Settings, topic: str, *, timeout: float = 30.0) -> list[Consumed]:
    """Every committed record of ``topic`` (``read_committed``), partition by partition."""
    from hub.kafka.errors import TopicMissing  # noqa: PLC0415
    from hub.kafka.reader import read_topic as read_committed  # noqa: PLC0415

    try:
        records = read_committed(
            settings, topic, client_id="casehub-test-reader", timeout_s=timeout
        )
    except TopicMissing:
        return []
    return [
        Consumed(r.topic, r.partition, r.offset, r.key, r.value or b"", dict(r.headers))
        for r in records
    ]


def decode_values(records: Iterable[Consumed]) -> list[dict[str, Any]]:
    from hub.codec import decode_record  # noqa: PLC0415

    return [decode_record(r.value, agency_events_only=False).record for r in records]


def serve_env(settings: Settings, sqlite_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a ``casehub serve`` subprocess for these settings."""
    env = dict(os.environ)
    env |= {
        "CASEHUB_DATA_DIR": str(settings.data_dir),
        "CASEHUB_KAFKA_HOST": settings.kafka_host,
        "CASEHUB_KAFKA_PORT": str(settings.kafka_port),
        "CASEHUB_KAFKA_BOOTSTRAP": ",".join(settings.bootstrap_servers),
        "CASEHUB_STORE": settings.store,
        "CASEHUB_SQLITE_PATH": str(sqlite_path),
        "PYTHONUNBUFFERED": "1",
    }
    env |= extra
    return env


def start_serve(
    env: dict[str, str], log_path: Path, *args: str, directory_file: Path | None = None
) -> subprocess.Popen[bytes]:
    """``casehub serve`` in a subprocess of its own (logs to ``log_path``)."""
    command = [sys.executable, "-m", "hub.cli", "--log-level", "INFO", "--log-json", "serve"]
    if directory_file is not None:
        command += ["--directory-file", str(directory_file)]
    command += list(args)
    with log_path.open("ab") as log:
        return subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=PROJECT_ROOT
        )


@dataclass(frozen=True)
class Expected:
    """What processing the commands in order must leave in the store."""

    #: Per case (and the directory): the (event type, event id) of every event, in version order.
    streams: dict[UUID, list[tuple[str, UUID | None]]]
    #: Every rejected command: (event id, reason code).
    rejected: list[tuple[UUID, str]]
    accepted: list[UUID]


def fixed_clock(moment: Any) -> Callable[[], Any]:
    def clock() -> Any:
        return moment

    return clock


def expected_outcomes(
    commands: Sequence[tuple[str, Command]], clock: Callable[[], Any], directory_file: Path
) -> Expected:
    """Run the commands one by one through an in-memory ``CaseHub`` with the same clock."""
    from hub.cases.application import CaseHub  # noqa: PLC0415
    from hub.cases.commands import Inbound, Origin  # noqa: PLC0415
    from hub.cases.views import Accepted, Rejected  # noqa: PLC0415
    from hub.codec import command_content_hash  # noqa: PLC0415
    from hub.ids import DIRECTORY_ID  # noqa: PLC0415
    from hub.topics import agency_topic  # noqa: PLC0415

    app = CaseHub(
        {"PERSISTENCE_MODULE": "eventsourcing.popo"}, clock=clock, settings=load_settings()
    )
    app.apply_directory_file(directory_file)
    rejected: list[tuple[UUID, str]] = []
    accepted: list[UUID] = []
    touched: set[UUID] = {DIRECTORY_ID}
    for offset, (agency, command) in enumerate(commands):
        inbound = Inbound(
            command, Origin(agency_topic(agency), 0, offset), command_content_hash(command)
        )
        outcome = app.execute(inbound)
        if isinstance(outcome, Rejected):
            rejected.append((command.envelope.event_id, outcome.reason_code))
        elif isinstance(outcome, Accepted):
            accepted.append(command.envelope.event_id)
            if outcome.case_id is not None:
                touched.add(outcome.case_id)
    return Expected(streams_of(app, touched), rejected, accepted)


def streams_of(
    app: Any, aggregate_ids: Iterable[UUID]
) -> dict[UUID, list[tuple[str, UUID | None]]]:
    """(event type, event id) per aggregate; ids the operator's file generated are left out."""
    return {
        aggregate_id: [
            (
                type(e).__qualname__,
                None if getattr(e, "actor_agency", "") == "operator" else e.event_id,
            )
            for e in app.events.get(aggregate_id)
        ]
        for aggregate_id in aggregate_ids
    }


@contextmanager
def running_server(
    settings: Settings, sqlite_path: Path, directory_file: Path, **options: Any
) -> Iterator[Any]:
    """An in-process ``casehub serve`` (threads) over a fresh SQLite store; stopped on exit."""
    import threading  # noqa: PLC0415

    from hub.bootstrap import open_pipeline  # noqa: PLC0415
    from hub.serve.runner import ServeOptions, Server  # noqa: PLC0415

    clock = options.pop("clock", None)
    settings = settings.with_overrides(store="sqlite", sqlite_path=str(sqlite_path))
    with open_pipeline(settings, clock=clock) as app:
        app.apply_directory_file(directory_file)
        server = Server(app, settings, ServeOptions(**options))
        result: list[int] = []
        thread = threading.Thread(target=lambda: result.append(server.serve()), daemon=True)
        thread.start()
        try:
            yield server
        finally:
            server.stop.set()
            thread.join(timeout=60)
        assert result == [0], f"serve exited with {result}, failed threads {server.failed}"


def load_commands(cases: int, shares: int, *, tag: str = "") -> list[tuple[str, Command]]:
    """Synthetic load on the market regulator's topic: ``cases`` cases of ``1 + shares`` events.

    Only the owner acts, so every event depends on earlier ones on the same key (one partition)
    and none on another agency's topic: the order Kafka keeps is the order the hub needs.
    """
    from datetime import UTC, datetime  # noqa: PLC0415
    from uuid import uuid5  # noqa: PLC0415

    from devkit.demo.story import MARKET_REGULATION, STORY_NAMESPACE  # noqa: PLC0415
    from hub.cases.commands import Envelope, RegisterCase, ShareInformation  # noqa: PLC0415
    from hub.vocabulary import CaseRef  # noqa: PLC0415

    now = datetime(2026, 1, 8, 9, tzinfo=UTC)
    out: list[tuple[str, Command]] = []
    for n in range(cases):
        ref = CaseRef(MARKET_REGULATION, f"LOAD{tag}-{n:06d}")

        def envelope(i: int, ref: CaseRef = ref) -> Envelope:
            return Envelope(
                uuid5(STORY_NAMESPACE, f"load/{tag}/{ref.case_number}/{i}"),
                MARKET_REGULATION,
                "mr-001",
                now,
            )

        out.append(
            (
                MARKET_REGULATION,
                RegisterCase(envelope(0), ref, f"load case {n}", "load", "synthetic load"),
            )
        )
        out.extend(
            (
                MARKET_REGULATION,
                ShareInformation(envelope(i), ref, f"INFO-{i}", f"update {i} of case {n}"),
            )
            for i in range(1, shares + 1)
        )
    return out


def directory_commands() -> list[tuple[str, Command]]:
    """The story's opening: agencies admitted, officers registered, liaisons designated."""
    from hub.cases.commands import AdmitAgency, DesignateLiaison, RegisterOfficer  # noqa: PLC0415

    kinds = (AdmitAgency, RegisterOfficer, DesignateLiaison)
    return [(a, c) for a, c in story_commands() if isinstance(c, kinds)]


def publish_fast(settings: Settings, commands: Sequence[tuple[str, Command]]) -> dict[int, int]:
    """Publish pipelined, one agency's commands in order; returns the last offset per partition."""
    from hub.publish import AgencyPublisher  # noqa: PLC0415

    last: dict[int, int] = {}
    by_agency: dict[str, list[Command]] = {}
    for agency, command in commands:
        by_agency.setdefault(agency, []).append(command)
    for agency, cmds in by_agency.items():
        with AgencyPublisher(agency, settings=settings) as publisher:
            for result in publisher.publish_many((str(i), c) for i, c in enumerate(cmds)):
                assert result.ok, result.error
                assert result.partition is not None
                assert result.offset is not None
                last[result.partition] = max(last.get(result.partition, -1), result.offset)
    return last
