"""One transaction of the application: lock, unit of work, commit, or evict what it touched.

Every write of ``CaseHub`` (a batch of commands, the scheduler's missed deadlines, the
directory file, an erasure or a correction) runs as::

    with transactions.unit_of_work(tracking) as uow:
        ...  # load through uow, change aggregates, uow.collect(...)

The block runs under the application's lock; on leaving it normally, everything collected
(and the tracking position) is recorded in one transaction of the process recorder, the
aggregates it loaded go into the cache, snapshots are taken and the notification is sent. On
any error nothing is recorded and every aggregate the unit of work touched leaves the cache
(it may hold changes the store never saw).

This is the only place that calls eventsourcing's private ``Application._record``,
``_take_snapshots`` and ``_notify``: eventsourcing's public ``save()`` takes aggregates one by
one and cannot record a ``ProcessingEvent`` that carries a Kafka tracking position together
with events of many aggregates collected command by command, nor feed our aggregate cache. The
three calls are exactly what ``Application.save`` itself does after collecting events.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast
from uuid import UUID

from eventsourcing.application import Application, ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Recording, Tracking

from hub.cases.deadline_index import DeadlineCalendar, DeadlineDay
from hub.cases.domainmodel import Case
from hub.cases.unitofwork import AggregateCache, UnitOfWork, load_or_none
from hub.directory.domainmodel import Directory

#: The aggregates kept in the cache after a commit (the hot ones, re-read by every command).
CACHED = (Case, Directory, DeadlineCalendar, DeadlineDay)


class Transactions:
    """The application's lock, aggregate cache and commit (see module docstring)."""

    def __init__(self, app: Application[UUID]) -> None:
        self._app = app
        self._lock = threading.RLock()
        self.cache = AggregateCache(app.events)

    @contextmanager
    def unit_of_work(self, tracking: Tracking | None = None) -> Iterator[UnitOfWork]:
        """A unit of work under the lock: committed when the block ends, evicted on error."""
        with self._lock:
            uow = UnitOfWork(self.load, tracking)
            try:
                yield uow
                self.commit(uow)
            except BaseException:
                self.evict(uow)
                raise

    def load(self, aggregate_id: UUID, stored_version: int | None = None) -> Aggregate | None:
        """The aggregate from the cache (brought up to date), else from the repository."""
        cached = self.cache.get(aggregate_id, stored_version)
        if cached is not None:
            return cached
        return load_or_none(self._app.repository.get, aggregate_id)

    def commit(self, uow: UnitOfWork) -> list[Recording[UUID]]:
        """Record the unit of work's events and tracking in one transaction, as ``save`` does."""
        processing = uow.processing
        if not processing.events and processing.tracking is None:
            return []
        recordings = self._app._record(processing)  # noqa: SLF001 - see module docstring
        for aggregate in uow.loaded.values():
            if isinstance(aggregate, CACHED):
                self.cache.put(aggregate)
        self.take_snapshots(processing)
        self._app._notify(recordings)  # noqa: SLF001 - see module docstring
        return recordings

    def evict(self, uow: UnitOfWork) -> None:
        for aggregate_id in uow.loaded:
            self.cache.evict(aggregate_id)

    def take_snapshots(self, processing_event: ProcessingEvent[UUID]) -> None:
        """Snapshot each aggregate whose new events crossed a multiple of its interval.

        Unlike the stock method (which reloads the aggregate at exactly that version), this
        snapshots the in-memory aggregate as committed, once per aggregate per transaction.
        """
        snapshots = self._app.snapshots
        if snapshots is None:
            return
        intervals = cast("dict[type[Any], int]", self._app.snapshotting_intervals or {})
        crossed: dict[UUID, Aggregate] = {}
        for event in processing_event.events:
            aggregate = processing_event.aggregates.get(event.originator_id)
            interval = intervals.get(type(aggregate))
            if interval and event.originator_version % interval == 0:
                assert isinstance(aggregate, Aggregate)
                crossed[aggregate.id] = aggregate
        for aggregate in crossed.values():
            snapshots.put([type(aggregate).Snapshot.take(aggregate)])
