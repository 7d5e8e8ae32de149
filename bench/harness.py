"""The bench's plumbing: figures and their table, timing, Kafka helpers, RSS readings.

A ``Figure`` is one measured value next to the baseline measured in the same run; the ratio is
always ``value / baseline`` (for a rate, above 1 is faster than the baseline; for a time or a
size, above 1 is slower or bigger).
"""

from __future__ import annotations

import json
import math
import statistics
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from hub.cases.commands import Command
from hub.settings import Settings


@dataclass
class Figure:
    name: str
    unit: str
    value: float
    baseline: float
    baseline_what: str
    #: The aim as text (empty: the issue sets none), and whether this run meets it.
    aim: str = ""
    met: bool | None = None
    samples: list[float] = field(default_factory=list)
    baseline_samples: list[float] = field(default_factory=list)
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.value / self.baseline if self.baseline else float("nan")

    def as_json(self) -> dict[str, Any]:
        return asdict(self) | {"ratio": self.ratio}


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def _fmt(value: float, unit: str) -> str:
    if math.isnan(value):
        return "n/a"
    if unit == "ev/s":
        return f"{value:,.0f} {unit}"
    if unit == "ms":
        return f"{value:,.2f} {unit}" if value < 100 else f"{value:,.0f} {unit}"
    if unit == "MB":
        return f"{value:,.1f} {unit}"
    return f"{value:,.3g} {unit}"


def table(figures: Iterable[Figure]) -> str:
    """The figures as a Markdown table (figure, value, baseline, ratio, aim, met?)."""
    rows = [("figure", "value", "baseline", "ratio", "aim", "met?")]
    for f in figures:
        met = "-" if f.met is None else ("yes" if f.met else "NO")
        rows.append(
            (
                f.name,
                _fmt(f.value, f.unit),
                f"{_fmt(f.baseline, f.unit)} ({f.baseline_what})",
                f"{f.ratio:.2f}",
                f.aim or "-",
                met,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]

    def line(r: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |"

    out = [line(rows[0]), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out.extend(line(r) for r in rows[1:])
    return "\n".join(out)


def write_json(path: Path, figures: Sequence[Figure], meta: dict[str, Any]) -> None:
    path.write_text(
        json.dumps({"meta": meta, "figures": [f.as_json() for f in figures]}, indent=2),
        encoding="utf-8",
    )


# --- measuring a throughput from a progress counter -----------------------------------------------
@dataclass
class Throughput:
    """Items per second between the first progress seen and the last item."""

    items: int
    seconds: float
    wall_seconds: float

    @property
    def rate(self) -> float:
        return self.items / self.seconds if self.seconds > 0 else float("nan")


def watch(
    progress: Callable[[], int],
    total: int,
    *,
    timeout: float,
    failed: Callable[[], str | None] = lambda: None,
    interval: float = 0.01,
) -> Throughput:
    """Poll ``progress`` until it reaches ``total``; the rate counts from its first move.

    Start-up (group join, producer init) is left out: the items done at the first reading that
    moved are subtracted, and the clock starts at that reading.
    """
    started = time.perf_counter()
    deadline = started + timeout
    first_t: float | None = None
    first_n = 0
    while True:
        n = progress()
        now = time.perf_counter()
        if n > 0 and first_t is None:
            first_t, first_n = now, n
        if n >= total:
            assert first_t is not None
            return Throughput(total - first_n, now - first_t, now - started)
        problem = failed()
        if problem:
            raise RuntimeError(problem)
        if now > deadline:
            raise TimeoutError(f"only {n} of {total} done after {timeout:.0f}s")
        time.sleep(interval)


def in_thread(target: Callable[[], Any], name: str) -> tuple[threading.Thread, list[BaseException]]:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            target()
        except BaseException as exc:  # noqa: BLE001 - reported by the caller
            errors.append(exc)

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    return thread, errors


# --- Kafka -------------------------------------------------------------------------------------
def publish(
    settings: Settings, commands: Sequence[tuple[str, Command]]
) -> dict[tuple[str, int], int]:
    """Publish as the agencies' publishers do (pipelined); the last offset per partition."""
    from hub.publish import AgencyPublisher  # noqa: PLC0415

    last: dict[tuple[str, int], int] = {}
    by_agency: dict[str, list[Command]] = {}
    for agency, command in commands:
        by_agency.setdefault(agency, []).append(command)
    for agency, cmds in by_agency.items():
        with AgencyPublisher(agency, settings=settings) as publisher:
            for result in publisher.publish_many(("", c) for c in cmds):
                if not result.ok or result.partition is None or result.offset is None:
                    raise RuntimeError(f"publishing the bench load failed: {result.error}")
                key = (publisher.topic, result.partition)
                last[key] = max(last.get(key, -1), result.offset)
    return last


#: ``handle(topic, partition, offset, value)``: what a baseline does with each record.
Handle = Callable[[str, int, int, bytes], Any]


def consume_all(
    settings: Settings,
    topics: Sequence[str],
    total: int | None,
    handle: Handle,
    *,
    timeout: float = 600.0,
) -> Throughput:
    """A plain kafka-python loop: read ``total`` records of ``topics`` from the start, ``handle``
    each record (the baselines decode its value), no group, ``read_committed`` like the hub;
    ``total`` None reads to the end offsets instead. The agencies' SDK's client, measured
    beside librdkafka's (``consume_all_librdkafka``)."""
    from kafka import KafkaConsumer, TopicPartition  # noqa: PLC0415

    from hub.publish.connection import kafka_config  # noqa: PLC0415

    consumer: Any = KafkaConsumer(
        **kafka_config(settings),
        group_id=None,
        enable_auto_commit=False,
        isolation_level="read_committed",
        max_poll_records=500,
        client_id="casehub-bench-baseline",
    )
    try:
        tps = [
            TopicPartition(topic, p)
            for topic in topics
            for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        # None: read to the end offsets (a transactional topic's offsets count its markers too)
        end = consumer.end_offsets(tps) if total is None else {}

        def more() -> bool:
            if total is not None:
                return done < total
            return any(consumer.position(tp) < end[tp] for tp in tps)

        done = 0
        started = time.perf_counter()
        first_t: float | None = None
        first_n = 0
        while more():
            if time.perf_counter() - started > timeout:
                raise TimeoutError(f"baseline consumer read {done} of {total} records")
            for records in consumer.poll(timeout_ms=500).values():
                for r in records:
                    handle(r.topic, r.partition, r.offset, r.value)
                done += sum(1 for _ in records)
            if done and first_t is None:
                first_t, first_n = time.perf_counter(), done
        finished = time.perf_counter()
        assert first_t is not None
        return Throughput(done - first_n, finished - first_t, finished - started)
    finally:
        consumer.close(autocommit=False)


def consume_all_librdkafka(
    settings: Settings,
    topics: Sequence[str],
    total: int | None,
    handle: Handle,
    *,
    timeout: float = 600.0,
) -> Throughput:
    """``consume_all`` with librdkafka's consumer as the hub configures a reader
    (``hub.kafka.clients.reader``: ``read_committed``, no group), polled raw: ``consume`` in
    batches of 500, no conversion to ``Record``. ``total`` None reads to each partition's end
    (librdkafka's partition-EOF events)."""
    from hub.kafka.reader import (  # noqa: PLC0415
        BEGINNING,
        assign,
        consume_ready,
        open_reader,
        partitions_of,
    )

    with open_reader(settings, client_id="casehub-bench-baseline-rdkafka") as consumer:
        starts = {(t, p): BEGINNING for t in topics for p in partitions_of(consumer, t)}
        assign(consumer, starts)
        open_parts = set(starts)
        done = 0
        started = time.perf_counter()
        first_t: float | None = None
        first_n = 0
        while (done < total) if total is not None else open_parts:
            if time.perf_counter() - started > timeout:
                raise TimeoutError(f"librdkafka baseline consumer read {done} of {total} records")
            for m in consume_ready(consumer, 500, 0.5):
                error = m.error()
                if error is None:
                    handle(m.topic(), m.partition(), m.offset(), m.value())
                    done += 1
                elif error.name() == "_PARTITION_EOF":
                    open_parts.discard((m.topic(), m.partition()))
                else:
                    raise RuntimeError(f"librdkafka baseline consumer: {error.str()}")
            if done and first_t is None:
                first_t, first_n = time.perf_counter(), done
        finished = time.perf_counter()
        assert first_t is not None
        return Throughput(done - first_n, finished - first_t, finished - started)


def produce_kafka_python(settings: Settings, topic: str, records: int, value: bytes) -> float:
    """Records/s of a plain kafka-python producer, as a relay's: acks=all, idempotent,
    linger 5 ms."""
    from kafka import KafkaProducer  # noqa: PLC0415

    from hub.publish.connection import kafka_config  # noqa: PLC0415

    producer: Any = KafkaProducer(
        **kafka_config(settings),
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        client_id="casehub-bench-producer",
    )
    try:
        producer.partitions_for(topic)
        started = time.perf_counter()
        for i in range(records):
            producer.send(topic, key=str(i % 10_000).encode().rjust(36, b"0"), value=value)
        producer.flush()
        return records / (time.perf_counter() - started)
    finally:
        producer.close()


def produce_librdkafka(settings: Settings, topic: str, records: int, value: bytes) -> float:
    """Records/s of librdkafka's producer as the hub configures one (``hub.kafka.clients``:
    acks=all, idempotent, murmur2 partitioner), linger 5 ms, no transaction: ``produce`` with
    ``poll(0)`` between records, ``flush`` at the end."""
    from hub.kafka.clients import producer as make_producer  # noqa: PLC0415

    producer = make_producer(
        settings, client_id="casehub-bench-producer-rdkafka", extra={"linger.ms": 5}
    )
    failed: list[str] = []

    def delivered(error: Any, _message: Any) -> None:
        if error is not None:
            failed.append(error.str())

    producer.list_topics(topic, timeout=10)  # metadata before the clock starts
    started = time.perf_counter()
    for i in range(records):
        key = str(i % 10_000).encode().rjust(36, b"0")
        while True:
            try:
                producer.produce(topic, value, key, on_delivery=delivered)
                break
            except BufferError:  # the local queue is full: serve deliveries, then again
                producer.poll(0.05)
        producer.poll(0)
    left = producer.flush(60)
    seconds = time.perf_counter() - started
    if left or failed:
        raise RuntimeError(f"librdkafka baseline producer: {left} left, {failed[:1]}")
    return records / seconds


def topic_end_offsets(settings: Settings, topic: str) -> dict[int, int]:
    from hub.kafka.admin import KafkaAdmin  # noqa: PLC0415

    with KafkaAdmin(settings, client_id="casehub-bench") as admin:
        count = admin.topics().get(topic, 0)
        ends = admin.end_offsets([(topic, p) for p in range(count)])
    return {p: o for (_, p), o in ends.items()}


# --- memory --------------------------------------------------------------------------------------
def rss_mb(pid: int) -> tuple[float, float]:
    """(current RSS, peak RSS) of a live process in MB, from /proc (VmRSS, VmHWM)."""
    fields: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(rest.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]
