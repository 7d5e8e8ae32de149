"""Running the views: the registry, the view store, replay from the event store, and Kafka.

* ``catch_up(app, store, view)`` replays the hub's event store into a view, from the view's
  ``<view>:store`` position (the notification id); ``rebuild`` drops the view first;
  ``rebuild_many`` rebuilds several views reading the store once. All work without Kafka.
* ``KafkaViewRunner`` feeds each view from its outbound topic (``casehub.timeline``, or
  ``casehub.deadletter`` for rejections), one consumer group per view
  (``casehub-view-<name>``), ``read_committed``, auto-commit off. On assignment each partition
  is sought to the view's stored position (``<view>:<topic>:<partition>``, a Kafka offset)
  + 1; after each database commit the offset is committed to Kafka too, so Kafka's tools show
  the lag, but resuming always trusts the database.

A view fed from Kafka and the same view replayed from the store keep separate tracking rows:
use one source per view store (``rebuild`` drops both).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from consumers import assessment, audit_trail, deadlines, notices, rejections, timelines
from consumers.records import (
    dead_letter_from_record,
    dead_letters_from_store,
    entries_from_store,
    entry_from_timeline_record,
    max_notification_id,
)
from consumers.store import Positioned, SQLiteViewStore, View, ViewStore, batched
from hub.errors import CaseHubError, SchemaError, SetupError
from hub.logging import get_logger
from hub.settings import Settings
from hub.topics import DEADLETTER, TIMELINE, kafka_config

if TYPE_CHECKING:
    from hub.ops.metrics import PipelineMetrics

log = get_logger(__name__)

#: Poll timeout while a view's consumer is outside its group: a whole join fits in one poll.
REJOIN_POLL_TIMEOUT_MS = 3000

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


def views_file(settings: Settings) -> Path:
    return settings.data_dir / "views.sqlite"


def open_view_store(settings: Settings, *, schema: str = "views") -> ViewStore:
    """The views' store on the configured backend: SQLite file, or PostgreSQL schema."""
    if settings.store == "sqlite":
        path = views_file(settings)
        path.parent.mkdir(parents=True, exist_ok=True)
        return SQLiteViewStore(str(path))
    if settings.store == "postgres":
        from consumers.store_postgres import PostgresViewStore  # noqa: PLC0415

        return PostgresViewStore(
            dbname=settings.postgres_dbname,
            host=settings.postgres_host,
            port=settings.postgres_port,
            user=settings.postgres_user,
            password=settings.postgres_password,
            schema=schema,
        )
    raise SetupError(f"unknown store {settings.store!r}: expected sqlite or postgres")


# --- replay from the event store ------------------------------------------------------------------
def open_event_store(settings: Settings) -> AbstractContextManager[Any]:
    """The hub's ``CaseHub`` over the configured store, to read; never creates an SQLite file."""
    from hub.cases.store import open_existing_hub  # noqa: PLC0415 - the domain only to replay

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


class _ViewConsumer:
    """One view's consumer: seeks from the view store, records batches, commits offsets."""

    def __init__(
        self,
        view: View[Any],
        store: ViewStore,
        consumer: Any,
        topic: str,
        metrics: PipelineMetrics | None = None,
    ) -> None:
        self.metrics = metrics
        self.view = view
        self.store = store
        self.consumer = consumer
        self.topic = topic
        self.decode = decode_for(view)
        self.applied = 0

    def source(self, partition: int) -> str:
        return f"{self.topic}:{partition}"

    def on_assigned(self, assigned: Iterable[Any]) -> None:
        for tp in assigned:
            position = self.store.position(self.view.tracking_name(self.source(tp.partition)))
            if position is None:
                self.consumer.seek_to_beginning(tp)
            else:
                self.consumer.seek(tp, position + 1)
            log.info(
                "view_partition_assigned",
                view=self.view.name,
                topic=tp.topic,
                partition=tp.partition,
                resume_offset=0 if position is None else position + 1,
            )

    def handle(self, tp: Any, records: Sequence[Any]) -> int:
        batch: list[Positioned[Any]] = []
        for record in records:
            try:
                item = self.decode(bytes(record.value or b""))
            except SchemaError as exc:
                log.error(  # noqa: TRY400 - bad input, not a bug: no traceback
                    "view_record_undecodable",
                    view=self.view.name,
                    topic=tp.topic,
                    partition=tp.partition,
                    offset=record.offset,
                    error=str(exc)[:200],
                )
                item = None
            batch.append(Positioned(record.offset, item))
        applied = self.store.record(self.view, self.source(tp.partition), batch)
        self.applied += applied
        if self.metrics is not None:
            self.metrics.view_events_applied.labels(self.view.name).inc(applied)
        self._commit(tp, records[-1].offset + 1)
        return applied

    def measure_lag(self) -> None:
        """View lag: the high watermark the last fetch reported minus the position, summed."""
        if self.metrics is None:
            return
        lag = 0
        for tp in self.consumer.assignment():
            high = self.consumer.highwater(tp)
            if high is None:
                continue
            try:
                lag += max(0, high - self.consumer.position(tp, timeout_ms=0))
            except Exception:  # noqa: BLE001, S112 - no position yet: nothing to count
                continue
        self.metrics.view_lag.labels(self.view.name).set(lag)

    def _commit(self, tp: Any, offset: int) -> None:
        from kafka.structs import OffsetAndMetadata  # noqa: PLC0415

        try:
            self.consumer.commit({tp: OffsetAndMetadata(offset, "", -1)})
        except Exception as exc:  # noqa: BLE001 - Kafka's copy is informational; the DB decides
            log.warning("view_offset_commit_failed", view=self.view.name, error=str(exc)[:200])


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
        self.consumer_config = consumer_config or {}
        #: source -> topic (tests point views at topics of their own)
        self.topics = {**TOPICS, **(topics or {})}
        self.group_prefix = group_prefix
        self.consumers: list[_ViewConsumer] = []

    def _open(self, view: View[Any]) -> _ViewConsumer:
        from kafka import ConsumerRebalanceListener, KafkaConsumer  # noqa: PLC0415

        self.store.ensure(view)
        if self.store.position(view.tracking_name(STORE_SOURCE)) is not None:
            log.warning(  # one source per view store: see the module docstring
                "view_also_fed_from_store", view=view.name, hint="rebuild it from one source"
            )
        topic = self.topics[view.source]
        group = f"{self.group_prefix}{view.name}"
        consumer = KafkaConsumer(
            **kafka_config(self.settings),
            group_id=group,
            client_id=group,
            enable_auto_commit=False,
            isolation_level="read_committed",
            auto_offset_reset="earliest",
            allow_auto_create_topics=False,
            **self.consumer_config,
        )
        # Know the topic's partitions before joining: a group assigned while the metadata is
        # missing gets nothing, and kafka-python only notices at its next metadata refresh.
        if not consumer.partitions_for_topic(topic):
            consumer.close(autocommit=False)
            raise SetupError(f"topic {topic} does not exist: run `casehub topics ensure` first")
        holder = _ViewConsumer(view, self.store, consumer, topic, self.metrics)

        class Listener(ConsumerRebalanceListener):  # type: ignore[misc]
            def on_partitions_revoked(self, revoked: Any) -> None:  # noqa: ARG002
                return None  # positions live in the view store: nothing to flush

            def on_partitions_assigned(self, assigned: Any) -> None:
                holder.on_assigned(assigned)

        consumer.subscribe([topic], listener=Listener())
        log.info("view_consumer_started", view=view.name, group=group, topic=topic)
        return holder

    def _poll_timeout(self, holder: _ViewConsumer) -> int:
        """A share of the poll time while in the group; long enough to finish a join if not.

        kafka-python 3.0.12 discards a JoinGroup/SyncGroup round that completes between two
        short polls and joins again, so a member outside its group needs one long poll.
        """
        from kafka.structs import MemberState  # noqa: PLC0415 - kafka loads lazily here

        if holder.consumer.group_metadata().state != MemberState.STABLE:
            return REJOIN_POLL_TIMEOUT_MS
        return self.poll_timeout_ms // max(len(self.consumers), 1)

    def run(self, stop: threading.Event, *, idle_s: float | None = None) -> dict[str, int]:
        """Poll every view in turn; returns the events applied per view."""
        self.consumers = [self._open(v) for v in self.views]
        last_activity = time.monotonic()
        try:
            while not stop.is_set():
                busy = False
                for holder in self.consumers:
                    polled = holder.consumer.poll(
                        timeout_ms=self._poll_timeout(holder), max_records=self.max_records
                    )
                    for tp, records in polled.items():
                        if records:
                            holder.handle(tp, records)
                            busy = True
                    holder.measure_lag()
                if busy:
                    last_activity = time.monotonic()
                elif idle_s is not None and time.monotonic() - last_activity > idle_s:
                    break
        finally:
            for holder in self.consumers:
                holder.consumer.close(autocommit=False)
                log.info("view_consumer_stopped", view=holder.view.name, applied=holder.applied)
        return {h.view.name: h.applied for h in self.consumers}
