"""A daemon thread that does one thing now and then every few seconds, until stopped.

The console's background work (the chain's full check, the assessment's warm-up) runs on one
of these: each keeps its own state and its ``run_once``; this owns only the thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class Periodic:
    """Calls ``body`` at once and then every ``every_s`` seconds on a daemon thread named
    ``name``; ``on_exit`` runs on that thread when it stops (e.g. to close a connection)."""

    def __init__(
        self,
        name: str,
        body: Callable[[], object],
        every_s: float,
        on_exit: Callable[[], None] | None = None,
    ) -> None:
        if every_s <= 0:
            raise ValueError(f"every_s must be positive, not {every_s}")
        self.name, self.body, self.every_s, self.on_exit = name, body, every_s, on_exit
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        try:
            while not self._stop.is_set():
                self.body()
                self._stop.wait(self.every_s)
        finally:
            if self.on_exit is not None:
                self.on_exit()
