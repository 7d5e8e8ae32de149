"""One transaction's worth of work: the aggregates it loaded or created and their new events.

Aggregates are loaded once per unit of work (a second command on the same case in one batch
sees the first one's effect). After each accepted command its new events are collected into
the ``ProcessingEvent`` at once, so the notification log keeps the commands' order.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import EventStore, Tracking

from hub.cases.deadline_index import DeadlineCalendar, DeadlineDay
from hub.directory.domainmodel import Directory
from hub.ids import DEADLINE_INDEX_ID, DIRECTORY_ID, deadline_day_id

TAgg = TypeVar("TAgg", bound=Aggregate)


class AggregateCache:
    """Recently used aggregates, shared (not copied) with units of work.

    Safe because a refused command never changes an aggregate, and a unit of work that fails
    to commit evicts everything it touched. Each hit is fast-forwarded with any events another
    writer stored since, so several hub instances may share one store.
    """

    def __init__(self, events: EventStore[UUID], maxsize: int = 10_000) -> None:
        self._events = events
        self._maxsize = maxsize
        self._items: OrderedDict[UUID, Aggregate] = OrderedDict()

    def get(self, aggregate_id: UUID, stored_version: int | None = None) -> Aggregate | None:
        """The cached aggregate, brought up to date (no query when ``stored_version`` matches)."""
        aggregate = self._items.get(aggregate_id)
        if aggregate is None:
            return None
        if stored_version is not None and aggregate.version > stored_version:
            self.evict(aggregate_id)  # ahead of the store: never trust it
            return None
        self._items.move_to_end(aggregate_id)
        if stored_version is None or aggregate.version < stored_version:
            for event in self._events.get(aggregate_id, gt=aggregate.version):
                event.mutate(aggregate)  # type: ignore[attr-defined]
        return aggregate

    def put(self, aggregate: Aggregate) -> None:
        self._items[aggregate.id] = aggregate
        self._items.move_to_end(aggregate.id)
        while len(self._items) > self._maxsize:
            self._items.popitem(last=False)

    def evict(self, aggregate_id: UUID) -> None:
        self._items.pop(aggregate_id, None)

    def clear(self) -> None:
        self._items.clear()


class UnitOfWork:
    def __init__(
        self,
        load: Callable[[UUID, int | None], Aggregate | None],
        tracking: Tracking | None,
        stored_versions: dict[UUID, int] | None = None,
    ) -> None:
        self._load = load
        self.processing: ProcessingEvent[UUID] = ProcessingEvent(tracking)
        self.loaded: dict[UUID, Aggregate | None] = {}
        #: Prefetched: ids known to exist, with their stored version (see prefetch.py).
        self._stored = stored_versions
        self._prefetched: set[UUID] = set()

    def prefetch(self, ids: set[UUID], stored_versions: dict[UUID, int]) -> None:
        self._prefetched |= ids
        self._stored = {**(self._stored or {}), **stored_versions}

    def exists(self, aggregate_id: UUID) -> bool | None:
        """Known from the prefetch (or this unit of work); None when unknown."""
        if aggregate_id in self.loaded:
            return self.loaded[aggregate_id] is not None
        if aggregate_id in self._prefetched:
            return aggregate_id in (self._stored or {})
        return None

    def get(self, aggregate_id: UUID, cls: type[TAgg]) -> TAgg | None:
        if aggregate_id in self.loaded:
            aggregate = self.loaded[aggregate_id]
        elif self.exists(aggregate_id) is False:
            aggregate = None
            self.loaded[aggregate_id] = None
        else:
            stored = (self._stored or {}).get(aggregate_id)
            aggregate = self._load(aggregate_id, stored)
            self.loaded[aggregate_id] = aggregate
        if aggregate is not None and not isinstance(aggregate, cls):
            msg = f"aggregate {aggregate_id} is a {type(aggregate).__name__}, not {cls.__name__}"
            raise TypeError(msg)
        return aggregate

    def add(self, aggregate: Aggregate) -> None:
        self.loaded[aggregate.id] = aggregate

    def collect(self, *aggregates: Aggregate | None) -> None:
        # ProcessingEvent.collect_events() does runtime Protocol isinstance checks, which are
        # slow on Python 3.11; our arguments are always aggregates, so collect directly.
        for aggregate in aggregates:
            if aggregate is not None:
                self.loaded[aggregate.id] = aggregate
                self.processing.events.extend(aggregate.collect_events())
                self.processing.aggregates[aggregate.id] = aggregate

    def directory(self) -> Directory | None:
        return self.get(DIRECTORY_ID, Directory)

    def deadline_calendar(self) -> DeadlineCalendar:
        calendar = self.get(DEADLINE_INDEX_ID, DeadlineCalendar)
        if calendar is None:
            calendar = DeadlineCalendar.start()
            self.add(calendar)
        return calendar

    def deadline_day(self, day: Any) -> DeadlineDay:
        bucket = self.get(deadline_day_id(day.isoformat()), DeadlineDay)
        if bucket is None:
            bucket = DeadlineDay.start(day)
            self.add(bucket)
        return bucket


def load_or_none(get: Callable[[UUID], Aggregate], aggregate_id: UUID) -> Aggregate | None:
    try:
        return get(aggregate_id)
    except AggregateNotFoundError:
        return None
