"""Running the views: the registry, the view store, replay from the event store, and Kafka.

* ``catch_up(app, store, view)`` replays the hub's event store into a view, from the view's
  ``<view>:store`` position (the notification id); ``rebuild`` drops the view first;
  ``rebuild_many`` rebuilds several views reading the store once. All work without Kafka.
* ``KafkaViewRunner`` feeds each view from its outbound topic (``casehub.timeline``, or
  ``casehub.deadletter`` for rejections), one consumer group per view
  (``casehub-view-<name>``, a ``hub.kafka.group.GroupMember``: Kafka 4's broker-side
  protocol), ``read_committed``, auto-commit off. When the group assigns a partition, the
  member's claim callback returns the view's stored position (``<view>:<topic>:<partition>``,
  a Kafka offset) + 1 as its start offset; after each database commit the offset is committed
  to Kafka too, so Kafka's tools show the lag, but resuming always trusts the database.

A view fed from Kafka and the same view replayed from the store keep separate tracking rows:
use one source per view store (``rebuild`` drops both).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

from consumers import (
    assessment,
    audit_trail,
    case_index,
    deadlines,
    notices,
    rejections,
    timelines,
)
from consumers.records import (
    dead_letter_from_record,
    dead_letters_from_store,
    entries_from_store,
    entry_from_timeline_record,
    max_notification_id,
)
from consumers.store import Positioned, View, ViewStore, batched
from hub.bootstrap import open_existing_hub
from hub.errors import CaseHubError, SchemaError, SetupError
from hub.kafka.errors import TopicMissing
from hub.kafka.group import GroupMember, Partition, Start
from hub.kafka.reader import partitions_of
from hub.kafka.records import Record
from hub.logging import get_logger
from hub.settings import Settings
from hub.topics import DEADLETTER, TIMELINE

if TYPE_CHECKING:
    from hub.ops.metrics import PipelineMetrics

log = get_logger(__name__)

#: Every view, by name, in the order ``casehub consumers run`` starts them.
VIEWS: dict[str, View[Any]] = {
    v.name: v
    for v in (
        audit_trail.VIEW,
        timelines.VIEW,
        deadlines.VIEW,
        notices.VIEW,
        assessment.VIEW,
        rejections.VIEW,
        case_index.VIEW,
    )
}
STORE_SOURCE = "store"
TOPICS = {"timeline": TIMELINE, "deadletter": DEADLETTER}


class UnknownViewError(CaseHubError):
    code = "unknown_view"


def views_named(names: Sequence[str]) -> list[View[Any]]:
    """The views asked for (all of them when none is named)."""
    if not names:
        return list(VIEWS.values())
    unknown = [n for n in names if n not in VIEWS]
    if unknown:
        raise UnknownViewError(
            f"unknown view(s) {', '.join(unknown)}; the views are {', '.join(VIEWS)}"
        )
    return [VIEWS[n] for n in names]


def open_event_store(settings: Settings) -> AbstractContextManager[Any]:
    """The hub's ``CaseHub`` over the configured store, to read; never creates an SQLite file."""
    return open_existing_hub(settings)


Progress = Callable[[int, int], None]


def _store_items(app: Any, view: View[Any], after: int) -> Iterator[Positioned[Any]]:
    if view.source == "deadletter":
        for letter in dead_letters_from_store(app, after=after):
            yield Positioned(letter.notification_id, letter)
    else:
        for entry in entries_from_store(app, after=after):
            yield Positioned(entry.notification_id, entry)


def catch_up(
    app: Any,
    store: ViewStore,
    view: View[Any],
    *,
    batch: int = 500,
    progress: Progress | None = None,
) -> int:
    """Apply every stored event the view has not seen yet; returns how many were applied."""
    store.ensure(view)
    after = store.position(view.tracking_name(STORE_SOURCE)) or 0
    total = max_notification_id(app)
    applied = 0
    for chunk in batched(_store_items(app, view, after), batch):
        applied += store.record(view, STORE_SOURCE, chunk)
        if progress is not None:
            progress(chunk[-1].position, total)
    if progress is not None:
        progress(total, total)
    return applied


def rebuild(
    app: Any,
    store: ViewStore,
    view: View[Any],
    *,
    batch: int = 500,
    progress: Progress | None = None,
) -> int:
    """Drop the view (tables and tracking rows) and replay the event store from the start."""
    store.drop(view)
    return catch_up(app, store, view, batch=batch, progress=progress)


def rebuild_many(
    app: Any,
    store: ViewStore,
    views: Sequence[View[Any]],
    *,
    batch: int = 500,
) -> dict[str, int]:
    """Drop several views and replay the event store into all of them, reading it once.

    Decoding stored events is most of a replay's time; each view still records its batches
    and its position in its own transactions, exactly as ``rebuild`` would.
    """
    for view in views:
        store.drop(view)
        store.ensure(view)
    applied = dict.fromkeys((v.name for v in views), 0)
    for source in dict.fromkeys(v.source for v in views):
        readers = [v for v in views if v.source == source]
        for chunk in batched(_store_items(app, readers[0], 0), batch):
            for view in readers:
                applied[view.name] += store.record(view, STORE_SOURCE, chunk)
    return applied


@dataclass
class ProgressBar:
    """A one-line progress bar on a terminal stream (stderr): ``rebuild audit [####  ] 40%``."""

    label: str
    stream: TextIO = field(default_factory=lambda: sys.stderr)
    width: int = 30
    started: float = field(default_factory=time.monotonic)
    _last: float = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self._last < 0.1:
            return
        self._last = now
        share = 1.0 if total <= 0 else min(done / total, 1.0)
        filled = int(share * self.width)
        bar = "#" * filled + "." * (self.width - filled)
        elapsed = now - self.started
        self.stream.write(
            f"\r{self.label} [{bar}] {share:4.0%} {done}/{total} notifications {elapsed:5.1f}s"
        )
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


# --- Kafka ---------------------------------------------------------------------------------------
def group_id(view: View[Any]) -> str:
    return f"casehub-view-{view.name}"


def decode_for(view: View[Any]) -> Callable[[bytes], Any]:
    return dead_letter_from_record if view.source == "deadletter" else entry_from_timeline_record


class ViewFeed:
    """One view fed from one topic: start offsets from the view store, batches recorded with
    their position, then (``commit``, when given) the next offset committed to Kafka."""

    def __init__(
        self,
        view: View[Any],
        store: ViewStore,
        topic: str,
        *,
        commit: Callable[[Mapping[Partition, int]], None] | None = None,
        metrics: PipelineMetrics | None = None,
    ) -> None:
        self.metrics = metrics
        self.view = view
        self.store = store
        self.topic = topic
        self.commit = commit
        self.decode = decode_for(view)
        self.applied = 0
        #: The offset each assigned partition is expected at next (lag and redelivery).
        self.next_offsets: dict[Partition, int] = {}

    def source(self, partition: int) -> str:
        return f"{self.topic}:{partition}"

    def starts(self, partitions: list[Partition]) -> dict[Partition, Start]:
        """Each partition's start: the view's stored position + 1 (None: the beginning)."""
        starts: dict[Partition, Start] = {}
        for topic, partition in partitions:
            position = self.store.position(self.view.tracking_name(self.source(partition)))
            start = None if position is None else position + 1
            starts[(topic, partition)] = start
            self.next_offsets[(topic, partition)] = 0 if start is None else start
            log.info(
                "view_partition_assigned",
                view=self.view.name,
                topic=topic,
                partition=partition,
                resume_offset=0 if start is None else start,
            )
        return starts

    def released(self, partitions: list[Partition], lost: bool) -> None:
        # Positions live in the view store: nothing to flush.
        for partition in partitions:
            self.next_offsets.pop(partition, None)
        log.info(
            "view_partitions_released",
            view=self.view.name,
            partitions=[p for _, p in sorted(partitions)],
            lost=lost,
        )

    def handle(self, partition: Partition, records: Sequence[Record]) -> int:
        batch: list[Positioned[Any]] = []
        for record in records:
            try:
                item = self.decode(record.value or b"")
            except SchemaError as exc:
                log.error(  # noqa: TRY400 - bad input, not a bug: no traceback
                    "view_record_undecodable",
                    view=self.view.name,
                    topic=partition[0],
                    partition=partition[1],
                    offset=record.offset,
                    error=str(exc)[:200],
                )
                item = None
            batch.append(Positioned(record.offset, item))
        applied = self.store.record(self.view, self.source(partition[1]), batch)
        self.applied += applied
        if self.metrics is not None:
            self.metrics.view_events_applied.labels(self.view.name).inc(applied)
        self.next_offsets[partition] = records[-1].offset + 1
        if self.commit is not None:
            self.commit({partition: records[-1].offset + 1})
        return applied

    def lag(
        self,
        high_watermark: Callable[[Partition], int | None],
        position: Callable[[Partition], int | None],
    ) -> int:
        """The high watermarks the last fetches reported minus the positions, summed.

        The consumer's position, where it has one, goes past the transaction markers the relay
        writes after its records: a caught-up view has lag 0, not one per marker.
        """
        lag = 0
        for partition, offset in self.next_offsets.items():
            high = high_watermark(partition)
            if high is not None:
                lag += max(0, high - max(offset, position(partition) or 0))
        return lag


@dataclass
class _Running:
    feed: ViewFeed
    member: GroupMember


class KafkaViewRunner:
    """Feeds views from Kafka until ``stop`` is set (or ``idle_s`` passes with nothing new)."""

    def __init__(
        self,
        settings: Settings,
        store: ViewStore,
        views: Sequence[View[Any]],
        *,
        poll_timeout_ms: int = 500,
        max_records: int = 500,
        consumer_config: dict[str, Any] | None = None,
        topics: dict[str, str] | None = None,
        group_prefix: str = "casehub-view-",
        metrics: PipelineMetrics | None = None,
    ) -> None:
        self.metrics = metrics
        self.settings = settings
        self.store = store
        self.views = list(views)
        self.poll_timeout_ms = poll_timeout_ms
        self.max_records = max_records
        #: librdkafka consumer properties on top of the group member's.
        self.consumer_config = consumer_config or {}
        #: source -> topic (tests point views at topics of their own)
        self.topics = {**TOPICS, **(topics or {})}
        self.group_prefix = group_prefix
        self.running: list[_Running] = []

    def _open(self, view: View[Any]) -> _Running:
        self.store.ensure(view)
        if self.store.position(view.tracking_name(STORE_SOURCE)) is not None:
            log.warning(  # one source per view store: see the module docstring
                "view_also_fed_from_store", view=view.name, hint="rebuild it from one source"
            )
        topic = self.topics[view.source]
        group = f"{self.group_prefix}{view.name}"
        feed = ViewFeed(view, self.store, topic, metrics=self.metrics)
        member = GroupMember(
            self.settings,
            group=group,
            client_id=group,
            claim=feed.starts,
            release=feed.released,
            extra=self.consumer_config,
        )
        feed.commit = member.commit
        try:
            partitions_of(member.consumer, topic)
        except TopicMissing as exc:
            member.close()
            raise SetupError(
                f"topic {topic} does not exist: run `casehub topics ensure` first"
            ) from exc
        member.subscribe([topic])
        log.info("view_consumer_started", view=view.name, group=group, topic=topic)
        return _Running(feed, member)

    def run(self, stop: threading.Event, *, idle_s: float | None = None) -> dict[str, int]:
        """Poll every view in turn; returns the events applied per view."""
        try:
            for view in self.views:
                self.running.append(self._open(view))
            timeout_s = self.poll_timeout_ms / 1000 / max(len(self.running), 1)
            last_activity = time.monotonic()
            while not stop.is_set():
                busy = False
                for running in self.running:
                    polled = running.member.poll(max_records=self.max_records, timeout_s=timeout_s)
                    for partition, records in polled.items():
                        if records and partition in running.feed.next_offsets:
                            running.feed.handle(partition, records)
                            busy = True
                    if self.metrics is not None:
                        lag = running.feed.lag(
                            running.member.high_watermark, running.member.position
                        )
                        self.metrics.view_lag.labels(running.feed.view.name).set(lag)
                if busy:
                    last_activity = time.monotonic()
                elif idle_s is not None and time.monotonic() - last_activity > idle_s:
                    break
        finally:
            for running in self.running:
                running.member.close()
                log.info(
                    "view_consumer_stopped",
                    view=running.feed.view.name,
                    applied=running.feed.applied,
                )
        return {r.feed.view.name: r.feed.applied for r in self.running}
