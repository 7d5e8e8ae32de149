"""The relay's commit rule, driven through the error paths a real broker cannot produce on
demand (abortable, retriable, fatal, fenced, a failing abort) with a small fake producer.

The store is a real in-memory ``CaseHub``; the fake producer keeps the committed records, and
the relay's position is read back from them, as it would be from Kafka. Everything else the
relay does is tested against the real broker (tests/integration/test_relay_kafka.py).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any, Self
from uuid import uuid5

import pytest
from confluent_kafka import KafkaError, KafkaException

from devkit.demo.story import MARKET_REGULATION, STORY_NAMESPACE
from devkit.testing import serve as t
from hub.cases.application import CaseHub
from hub.cases.commands import Envelope, Inbound, Origin, RegisterCase, ShareInformation
from hub.codec import command_content_hash, decode_record
from hub.ops.metrics import PipelineMetrics
from hub.relay import relay as relay_module
from hub.relay.relay import Fenced, Relay, RelayOptions
from hub.settings import Settings, load_settings
from hub.topics import RELAY_POSITION, TIMELINE, agency_topic
from hub.vocabulary import CaseRef

NOW = datetime(2026, 1, 8, 9, tzinfo=UTC)


def _error(code: int, **kind: bool) -> KafkaException:
    return KafkaException(KafkaError(code, "injected", **kind))


ABORTABLE = {"txn_requires_abort": True}
RETRIABLE = {"retriable": True}
FATAL = {"fatal": True}


class Kafka:
    """What the fake producers share: the committed records, in commit order."""

    def __init__(self) -> None:
        self.committed: list[tuple[str, bytes]] = []
        self.producers: list[FakeProducer] = []

    def position(self) -> int | None:
        found = [v for topic, v in self.committed if topic == RELAY_POSITION]
        if not found:
            return None
        return int(decode_record(found[-1], agency_events_only=False).record["notification_id"])

    def timeline_ids(self) -> list[int]:
        return [
            int(decode_record(v, agency_events_only=False).record["notification_id"])
            for topic, v in self.committed
            if topic == TIMELINE
        ]


class FakeProducer:
    """confluent-kafka's transactional calls; ``faults[call]`` raises (or, for ``delivery``,
    reports) the next scripted error."""

    def __init__(self, kafka: Kafka, faults: dict[str, list[Any]]) -> None:
        self.kafka = kafka
        self.faults = faults
        self.open: list[tuple[str, bytes]] | None = None
        self.reports: list[tuple[Any, Any, Any]] = []
        self.calls: list[str] = []
        self.dropped = False
        kafka.producers.append(self)

    def _fault(self, call: str) -> None:
        assert not self.dropped, f"{call} on a producer the relay dropped"
        self.calls.append(call)
        script = self.faults.get(call)
        if script:
            fault = script.pop(0)  # None: this call goes through
            if fault is not None:
                raise fault

    def init_transactions(self, _timeout: float) -> None:
        self._fault("init")

    def begin_transaction(self) -> None:
        self._fault("begin")
        self.open = []

    def produce(
        self,
        topic: str,
        *,
        value: bytes,
        key: bytes,  # noqa: ARG002 - not needed here
        headers: Any,  # noqa: ARG002 - not needed here
        on_delivery: Any,
    ) -> None:
        self._fault("produce")
        assert self.open is not None
        self.open.append((topic, value))
        error = None
        script = self.faults.get("delivery")
        if script and topic != RELAY_POSITION:
            error = script.pop(0)
        self.reports.append((on_delivery, error, _Message(topic, value)))

    def poll(self, _timeout: float = 0) -> int:
        served, self.reports = self.reports, []
        for callback, error, message in served:
            callback(error, message)
        return len(served)

    def flush(self, _timeout: float = 0) -> int:
        self.poll()
        return 0

    def commit_transaction(self, _timeout: float) -> None:
        self._fault("commit")
        assert self.open is not None
        self.kafka.committed += self.open
        self.open = None

    def abort_transaction(self, _timeout: float) -> None:
        self._fault("abort")
        self.open = None

    def purge(self) -> None:
        self.dropped = True


class _Message:
    def __init__(self, topic: str, value: bytes) -> None:
        self._topic, self._value = topic, value

    def topic(self) -> str:
        return self._topic

    def partition(self) -> int:
        return 0

    def value(self) -> bytes:
        return self._value


class _Admin:
    def __init__(self, *_a: Any, **_k: Any) -> None:
        pass

    def existing(self) -> set[str]:
        return {TIMELINE, RELAY_POSITION, "casehub.deadletter"} | {
            f"casehub.feed.{a}" for a in ("market-regulation", "procuratorate", "justice-bureau")
        }

    def ensure(self, _specs: Any) -> list[str]:
        return []

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        pass


@pytest.fixture
def store(tmp_path):
    app = CaseHub({"PERSISTENCE_MODULE": "eventsourcing.popo"}, settings=load_settings())
    app.apply_directory_file(t.write_directory_file(tmp_path / "directory.toml"))
    ref = CaseRef(MARKET_REGULATION, "RULE-1")
    commands = [c for _a, c in t.directory_commands()]
    commands.append(RegisterCase(_envelope(ref, 0), ref, "a case", "load", "rule test"))
    commands += [ShareInformation(_envelope(ref, i), ref, f"I-{i}", f"s {i}") for i in (1, 2)]
    for offset, command in enumerate(commands):
        origin = Origin(agency_topic(command.envelope.sender_agency), 0, offset)
        app.execute(Inbound(command, origin, command_content_hash(command)))
    return app


def _envelope(ref: CaseRef, i: int) -> Envelope:
    event_id = uuid5(STORY_NAMESPACE, f"rule/{ref.case_number}/{i}")
    return Envelope(event_id, MARKET_REGULATION, "mr-001", NOW)


def _relay(
    store, monkeypatch, faults: dict[str, list[Any]], *, batches: int = 1, batch_size: int = 10
):
    """Run the relay over the store, ``batch_size`` notifications at a time, until it has
    committed ``batches`` transactions or failed; returns (relay, kafka, metrics)."""
    kafka = Kafka()
    monkeypatch.setattr(relay_module, "read_position", lambda _settings: kafka.position())
    monkeypatch.setattr(relay_module, "TopicAdmin", _Admin)
    metrics = PipelineMetrics()
    options = RelayOptions(batch_size=batch_size, backoff_s=0, idle_sleep_s=0, retry_backoff_s=0)
    relay = Relay(
        store,
        Settings(),
        options=options,
        metrics=metrics,
        producer_factory=lambda: FakeProducer(kafka, faults),
    )
    rounds = iter(range(50))

    def keep_running() -> bool:
        return relay.stats.transactions < batches and next(rounds, None) is not None

    relay.run(keep_running)
    return relay, kafka, metrics


def _once(kafka: Kafka) -> None:
    ids = kafka.timeline_ids()
    assert ids, "nothing was committed"
    assert len(ids) == len(set(ids)), "a notification was committed twice"


def test_a_clean_batch_is_committed_once_with_its_position(store, monkeypatch):
    """Every record and the position in one committed transaction."""
    relay, kafka, metrics = _relay(store, monkeypatch, {})
    _once(kafka)
    assert kafka.position() == relay.position
    assert kafka.producers[0].calls.count("commit") == 1
    assert metrics.relay_position._value.get() == relay.position


def test_an_abortable_commit_is_aborted_read_back_and_sent_again(store, monkeypatch):
    """Abortable: abort_transaction on the same producer, position read back, batch resent."""
    faults = {"commit": [_error(KafkaError._STATE, **ABORTABLE)]}
    relay, kafka, metrics = _relay(store, monkeypatch, faults)
    (producer,) = kafka.producers
    assert producer.calls.count("abort") == 1
    assert producer.calls.count("commit") == 2
    _once(kafka)
    assert kafka.position() == relay.position
    assert metrics.relay_errors.labels("abortable")._value.get() == 1


def test_a_batch_mapped_ahead_of_a_failed_transaction_is_mapped_again(store, monkeypatch):
    """The next batch is mapped while one is in flight. When that one fails, the relay goes on
    from the position read back, not from the batch it mapped ahead: every case event reaches
    the timeline once, in order."""
    faults = {"commit": [None, _error(KafkaError._STATE, **ABORTABLE)]}
    relay, kafka, _ = _relay(store, monkeypatch, faults, batches=100, batch_size=2)
    assert kafka.producers[0].calls.count("abort") == 1, "the second commit did not fail"
    events = [
        int(n.id)
        for n in store.recorder.select_notifications(start=1, limit=1000)
        if n.topic.startswith(t.PUBLISHING_TOPICS[:2])
    ]
    assert kafka.timeline_ids() == events
    assert relay.position == store.recorder.max_notification_id()


def test_a_retriable_commit_is_retried_within_its_bound(store, monkeypatch):
    """Retriable twice, then the commit goes through: one producer, one transaction."""
    faults = {"commit": [_error(KafkaError._TIMED_OUT, **RETRIABLE)] * 2}
    _, kafka, _metrics = _relay(store, monkeypatch, faults)
    (producer,) = kafka.producers
    assert producer.calls.count("commit") == 3
    assert "abort" not in producer.calls
    _once(kafka)


def test_a_commit_still_retriable_after_its_bound_replaces_the_producer(store, monkeypatch):
    """Outcome unknown: a new producer's init_transactions settles it, then read back."""
    faults = {"commit": [_error(KafkaError._TIMED_OUT, **RETRIABLE)] * 3}
    relay, kafka, _metrics = _relay(store, monkeypatch, faults)
    first, second = kafka.producers
    assert first.dropped
    assert first.calls.count("commit") == 3
    assert second.calls[0] == "init"
    _once(kafka)
    assert kafka.position() == relay.position


def test_a_fatal_delivery_error_replaces_the_producer_and_commits_nothing_of_it(store, monkeypatch):
    """A fatal delivery report: no commit on that producer; never used again."""
    faults = {"delivery": [KafkaError(KafkaError._FATAL, "injected", fatal=True)]}
    _, kafka, metrics = _relay(store, monkeypatch, faults)
    first, _second = kafka.producers
    assert "commit" not in first.calls
    assert first.dropped
    _once(kafka)
    assert metrics.relay_errors.labels("fatal")._value.get() == 1


def test_a_failed_delivery_report_aborts_instead_of_committing(store, monkeypatch):
    """One record not delivered: the transaction is aborted, not committed without it."""
    faults = {"delivery": [KafkaError(KafkaError.NOT_ENOUGH_REPLICAS, "injected")]}
    _, kafka, _metrics = _relay(store, monkeypatch, faults)
    (producer,) = kafka.producers
    assert producer.calls.index("abort") < producer.calls.index("commit")
    assert producer.calls.count("commit") == 1
    _once(kafka)


def test_any_exception_from_produce_aborts_the_transaction(store, monkeypatch):
    """produce() raising at once (librdkafka does not fail the transaction for it): abort."""
    faults = {"produce": [_error(KafkaError._INVALID_ARG)]}
    _, kafka, _metrics = _relay(store, monkeypatch, faults)
    (producer,) = kafka.producers
    failed_at = producer.calls.index("produce")  # the first produce raised
    assert producer.calls[failed_at + 1] == "abort"
    assert producer.calls.count("commit") == 1  # the batch sent again, committed once
    _once(kafka)


def test_an_abort_that_fails_replaces_the_producer(store, monkeypatch):
    """Abortable, but the abort itself fails: a new producer, never the old one again."""
    faults = {
        "commit": [_error(KafkaError._STATE, **ABORTABLE)],
        "abort": [_error(KafkaError._TIMED_OUT, **RETRIABLE)],
    }
    _, kafka, _metrics = _relay(store, monkeypatch, faults)
    first, second = kafka.producers
    assert first.dropped
    assert second.calls[0] == "init"
    _once(kafka)


def test_a_fenced_relay_stops_and_says_so(store, monkeypatch):
    """Fenced at commit: Fenced is raised, nothing more is sent, no new producer fights back."""
    faults = {"commit": [_error(KafkaError._FENCED, **FATAL)]}
    with pytest.raises(Fenced):
        _relay(store, monkeypatch, faults)


def test_a_batch_with_nothing_to_publish_moves_only_the_position_in_memory(monkeypatch):
    """Notifications that publish nothing: no transaction, the position still advances."""
    app = CaseHub({"PERSISTENCE_MODULE": "eventsourcing.popo"}, settings=load_settings())
    ref = CaseRef(MARKET_REGULATION, "NOBODY-1")
    # Refused (no directory): a Rejection, whose records the mapper is told to drop below, as
    # it drops those of leases and deadline indexes.
    app.execute(
        Inbound(
            RegisterCase(_envelope(ref, 0), ref, "x", "load", "y"),
            Origin(agency_topic(MARKET_REGULATION), 0, 0),
            "hash",
        )
    )
    kafka = Kafka()
    monkeypatch.setattr(relay_module, "read_position", lambda _settings: kafka.position())
    monkeypatch.setattr(relay_module, "TopicAdmin", _Admin)
    relay = Relay(
        app,
        Settings(),
        options=RelayOptions(idle_sleep_s=0),
        producer_factory=lambda: FakeProducer(kafka, {}),
    )
    monkeypatch.setattr(relay.mapper, "records", lambda _nid, _event: [])
    rounds = iter(range(3))
    relay.run(lambda: next(rounds, None) is not None)
    assert relay.position == app.recorder.max_notification_id()
    assert kafka.committed == []
    assert "begin" not in kafka.producers[0].calls


def test_an_idle_relay_woken_by_the_ingest_publishes_without_waiting_its_idle_pause(
    store, monkeypatch
):
    """`casehub serve` sets the relay's wake event after each stored batch: an idle relay looks
    at the store then, not at the end of its pause (an hour here)."""
    kafka = Kafka()
    monkeypatch.setattr(relay_module, "read_position", lambda _settings: kafka.position())
    monkeypatch.setattr(relay_module, "TopicAdmin", _Admin)
    wake = threading.Event()
    relay = Relay(
        store,
        Settings(),
        options=RelayOptions(idle_sleep_s=3600),
        producer_factory=lambda: FakeProducer(kafka, {}),
        wake=wake,
    )
    stop = threading.Event()
    thread = threading.Thread(target=relay.run, args=(lambda: not stop.is_set(),), daemon=True)
    thread.start()
    try:
        t.wait_until(lambda: relay.position == store.recorder.max_notification_id(), 30)
        ref = CaseRef(MARKET_REGULATION, "RULE-1")
        command = ShareInformation(_envelope(ref, 3), ref, "I-3", "s 3")
        store.execute(Inbound(command, Origin(agency_topic(MARKET_REGULATION), 0, 99), "hash-3"))
        head = store.recorder.max_notification_id()
        wake.set()
        t.wait_until(lambda: relay.position == head, 30, what="the woken relay")
        assert kafka.position() == head
    finally:
        stop.set()
        wake.set()  # out of its pause, to see that it should stop
        thread.join(timeout=30)
    assert not thread.is_alive()
