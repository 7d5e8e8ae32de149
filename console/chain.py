"""The chain badge: is this case's hash chain whole?

* ``quick_check(views, case_id)``: recomputed from the audit-trail view's rows (cheap, for
  every page): versions 1..n without a gap, and each ``prev_hash`` equal to the previous
  event's ``event_hash`` (the first one's is the genesis hash). The first bad link is named in
  words. It sees what the view received; the store itself is checked by:
* ``BackgroundVerifier(check, every_s)``: a daemon thread that runs the full check
  (``hub.audit.verify.verify_all``: every stored hash recomputed, and each case's head
  compared with the timeline anchor: Kafka when it answers, else the audit view) every
  ``every_s`` seconds, and keeps each case's last badge and when the run ended.
  ``full_check(settings)`` is that check, opened the way ``casehub audit verify --all`` does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID

from console.periodic import Periodic
from consumers import audit_trail
from consumers.store import ViewStore
from hub.audit.anchor import published_anchor, registered_cases
from hub.audit.verify import Verdict, verify_all
from hub.bootstrap import open_existing_hub
from hub.cases.hashing import GENESIS_HASH
from hub.logging import get_logger
from hub.settings import Settings

log = get_logger(__name__)


@dataclass(frozen=True)
class Badge:
    ok: bool
    events: int
    first_bad: str | None  # the first bad link, in words; None when whole
    checked_at: datetime
    source: str = "view"  # "view" (quick) | "store" (full, with the anchor)


def quick_check(views: ViewStore, case_id: UUID | str) -> Badge:
    """The case's chain recomputed over the audit-trail view's rows."""
    rows = views.rows(
        audit_trail.VIEW, audit_trail.EVENTS.name, {"case_id": str(case_id)}, ["version"]
    )
    now = datetime.now(UTC)
    previous = GENESIS_HASH
    for expected, row in enumerate(rows, start=1):
        version = int(row["version"] or 0)
        what = f"version {version} ({str(row['event_type']).rsplit('.', 1)[-1]})"
        if version != expected:
            why = (
                f"version {expected} is missing (the view goes from {expected - 1} to {version})"
                if version > expected
                else f"{what} appears twice"
            )
            return Badge(ok=False, events=len(rows), first_bad=why, checked_at=now)
        if str(row["prev_hash"] or "") != previous:
            why = (
                f"the link at {what} is broken: its previous hash "
                f"{str(row['prev_hash'] or '')[:16]}… is not the hash of version "
                f"{version - 1} ({previous[:16]}…)"
                if version > 1
                else f"{what} does not start the chain: its previous hash is not the genesis hash"
            )
            return Badge(ok=False, events=len(rows), first_bad=why, checked_at=now)
        previous = str(row["event_hash"] or "")
    return Badge(ok=True, events=len(rows), first_bad=None, checked_at=now)


def badge_of(verdict: Verdict, at: datetime) -> Badge:
    return Badge(
        verdict.ok,
        verdict.report.events,
        None if verdict.ok else verdict.line(),
        at,
        source="store",
    )


def full_check(settings: Settings, anchor: str | None = None) -> Callable[[], Sequence[Verdict]]:
    """``casehub audit verify --all`` as a function: the store with the timeline anchor
    (``anchor``: "kafka", "view", or None: Kafka when it answers, else the audit view)."""

    def run() -> Sequence[Verdict]:
        found = published_anchor(settings, anchor)
        with open_existing_hub(settings) as app:
            return verify_all(
                app,
                registered_cases(app, found.labels),
                found.heads,
                anchor=found.name,
                published_labels=found.labels,
                findings=found.findings,
            )

    return run


@dataclass
class BackgroundVerifier:
    """Runs ``check`` every ``every_s`` seconds on a daemon thread; thread-safe reads."""

    check: Callable[[], Sequence[Verdict]]
    every_s: float = 600.0
    _badges: dict[str, Badge] = field(default_factory=dict, init=False)
    _last_run: datetime | None = field(default=None, init=False)
    _last_error: str | None = field(default=None, init=False)
    _runs: int = field(default=0, init=False)
    _lock: threading.Condition = field(default_factory=threading.Condition, init=False)
    _thread: Periodic | None = field(default=None, init=False)

    def start(self) -> None:
        if self._thread is None:
            self._thread = Periodic("chain-verifier", self.run_once, self.every_s)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        if self._thread is not None:
            self._thread.stop(timeout)

    def run_once(self) -> None:
        """One full check now (the thread's body); a failure is kept, never raised."""
        try:
            verdicts = self.check()
            error = None
        except Exception as exc:  # noqa: BLE001 - a failed run is shown, the thread goes on
            log.warning("chain_check_failed", error=f"{type(exc).__name__}: {exc}")
            verdicts, error = [], f"{type(exc).__name__}: {exc}"
        at = datetime.now(UTC)
        with self._lock:
            if error is None:
                self._badges = {str(v.case_id): badge_of(v, at) for v in verdicts}
            self._last_error = error
            self._last_run = at
            self._runs += 1
            self._lock.notify_all()

    def last(self, case_id: UUID | str) -> Badge | None:
        with self._lock:
            return self._badges.get(str(case_id))

    @property
    def last_run(self) -> datetime | None:
        with self._lock:
            return self._last_run

    @property
    def last_error(self) -> str | None:
        with self._lock:
            return self._last_error

    def wait_for_run(self, runs: int = 1, timeout: float = 30.0) -> bool:
        """Block until ``runs`` runs have finished (for tests and start-up); False on timeout."""
        with self._lock:
            return self._lock.wait_for(lambda: self._runs >= runs, timeout)
