"""The composition root of ``casehub serve``: the application service the pipeline writes through.

``PipelineHub`` is ``CaseHub`` with one addition the ingest needs: ``process_batch`` takes
``extra`` aggregates (the partition lease, ``hub.ingest.lease``) whose new events are recorded
in the same transaction as the batch's outcomes and tracking row. Until ``CaseHub`` grows that
parameter itself, the subclass adds it by collecting the extra aggregates into the unit of work
it opens for the batch. It keeps ``CaseHub``'s application name, so it reads and writes the
very same store.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Tracking

from hub.cases.application import CaseHub, Clock
from hub.cases.commands import Inbound, Undecodable
from hub.cases.store import store_env
from hub.cases.unitofwork import UnitOfWork
from hub.cases.views import Outcome
from hub.settings import Settings

_NATIVE_EXTRA = "extra" in inspect.signature(CaseHub.process_batch).parameters


class PipelineHub(CaseHub):
    """``CaseHub`` whose ``process_batch`` also records ``extra`` aggregates atomically."""

    name = CaseHub.name

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pending_extra = threading.local()

    def process_batch(
        self,
        items: Sequence[Inbound | Undecodable],
        tracking: Tracking | None = None,
        *,
        extra: Sequence[Aggregate] = (),
    ) -> list[Outcome]:
        if _NATIVE_EXTRA:  # pragma: no cover - once CaseHub has it, defer to it
            return super().process_batch(items, tracking, extra=extra)  # type: ignore[call-arg]
        self._pending_extra.aggregates = tuple(extra)
        try:
            return super().process_batch(items, tracking)
        finally:
            self._pending_extra.aggregates = ()

    def _unit_of_work(self, tracking: Tracking | None) -> UnitOfWork:
        uow = super()._unit_of_work(tracking)
        extra: tuple[Aggregate, ...] = getattr(self._pending_extra, "aggregates", ())
        if extra and tracking is not None:
            uow.collect(*extra)
        return uow

    def agency_ids(self) -> list[str]:
        return [a.agency_id for a in self.directory().agencies]


#: How long the pipeline waits for a PostgreSQL connection (eventsourcing retries each
#: statement 10 times): short, so a database outage is reported and retried within seconds
#: instead of stalling the consumer past its poll interval.
POSTGRES_CONNECT_TIMEOUT_S = "2"


def hub_env(settings: Settings) -> dict[str, str]:
    env = store_env(settings)
    if settings.store == "postgres":
        env.setdefault("POSTGRES_CONNECT_TIMEOUT", POSTGRES_CONNECT_TIMEOUT_S)
    return env


@contextmanager
def open_hub(
    settings: Settings, env: dict[str, str] | None = None, *, clock: Clock | None = None
) -> Iterator[PipelineHub]:
    """The pipeline's application over the configured store; closed on exit."""
    app = PipelineHub(env if env is not None else hub_env(settings), settings=settings, clock=clock)
    try:
        yield app
    finally:
        app.close()
