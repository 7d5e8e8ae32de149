"""The deadline scheduler: records, on each tick, the deadlines that passed unmet.

``CaseHub.record_missed_deadlines(now)`` is idempotent (a deadline missed once is recorded
once), so a tick repeated after a crash or by a briefly doubled leader changes nothing. The
scheduler runs only on the leader (``hub.leadership``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import IntegrityError, PersistenceError

from hub.logging import get_logger

if TYPE_CHECKING:
    from hub.ops.metrics import PipelineMetrics

log = get_logger(__name__)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class Scheduler:
    """Calls ``app.record_missed_deadlines(clock())`` every ``interval_s`` while running."""

    def __init__(
        self,
        app: Any,
        stop: threading.Event,
        *,
        clock: Clock = utc_now,
        interval_s: float = 30.0,
        metrics: PipelineMetrics | None = None,
    ) -> None:
        self.metrics = metrics
        self.app = app
        self.stop = stop
        self.clock = clock
        self.interval_s = interval_s
        self.ticks = 0

    def tick(self) -> int:
        """One tick; returns how many missed deadlines it recorded."""
        now = self.clock()
        try:
            outcomes = self.app.record_missed_deadlines(now)
        except IntegrityError:
            log.info("scheduler_tick_conflict", at=now.isoformat())
            return 0
        self.ticks += 1
        if self.metrics is not None:
            self.metrics.scheduler_runs.inc()
            self.metrics.deadlines_missed.inc(len(outcomes))
        if outcomes:
            log.info("deadlines_missed_recorded", at=now.isoformat(), count=len(outcomes))
        return len(outcomes)

    def run(self, keep_running: Callable[[], bool]) -> None:
        while keep_running():
            try:
                self.tick()
            except PersistenceError as exc:
                log.warning("store_unavailable", stage="scheduler", error=str(exc)[:200])
            self.stop.wait(self.interval_s)
