"""The story's simulated clock: the hub's clock is set to each step's moment."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta


class StoryClock:
    """The hub's clock in the story: set to each step's moment, a millisecond per reading.

    Every reading is a millisecond after the previous one, so events recorded at the same
    story moment keep their order. Safe to read from the pipeline's threads.
    """

    def __init__(self, start: datetime) -> None:
        self.now = start
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            self.now += timedelta(milliseconds=1)
            return self.now

    def set(self, moment: datetime) -> None:
        """Move the clock to ``moment`` (never backwards)."""
        with self._lock:
            self.now = max(self.now, moment)
