"""``ConsoleDeps``: everything the console's pages stand on, opened in one place.

The hub through ``hub.bootstrap`` (the event store read-only: ``open_existing_hub``), the
views through ``consumers.opening``, the console store (accounts, sessions) and the read log
(``console.readlog``). The console never writes the event store.
"""

from __future__ import annotations

import importlib
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from types import ModuleType
from typing import TYPE_CHECKING, Any, Protocol

from console.accounts import Accounts, Clock, utcnow
from console.sessions import Sessions
from console.store import ConsoleStore
from hub.errors import CaseHubError
from hub.settings import Settings

if TYPE_CHECKING:
    from consumers.store import ViewStore
    from hub.cases.application import CaseHub


class ReadLogLike(Protocol):
    """What the pages use of ``console.readlog.ReadLog`` (design.md, "Read log")."""

    def record(self, read: Any, *, at: datetime | None = None) -> Any: ...

    def close(self) -> None: ...


def readlog_module() -> ModuleType | None:
    """``console.readlog``, loaded by name (built beside this module, design.md); None if absent."""
    try:
        return importlib.import_module("console.readlog")
    except ModuleNotFoundError as exc:
        if exc.name != "console.readlog":
            raise
        return None


class ReadLogMissing(CaseHubError):
    """No read log is installed: every read is refused (fail closed)."""

    code = "console_readlog_missing"


class _NoReadLog:
    """Stands where ``console.readlog`` is not installed: refuses every read."""

    def record(self, read: Any, *, at: datetime | None = None) -> Any:  # noqa: ARG002
        raise ReadLogMissing("no read log is installed (console.readlog): the page is refused")

    def close(self) -> None:
        return None


def unavailable_errors() -> tuple[type[BaseException], ...]:
    """The errors of a read log that cannot be written."""
    module = readlog_module()
    if module is None:
        return (ReadLogMissing,)
    return (ReadLogMissing, module.ReadLogUnavailable)


def open_read_log(settings: Settings) -> ReadLogLike:
    module = readlog_module()
    if module is None:
        return _NoReadLog()
    found: ReadLogLike = module.ReadLog.open(settings.console_reads_file)
    return found


@dataclass
class ConsoleDeps:
    settings: Settings
    store: ConsoleStore
    accounts: Accounts
    sessions: Sessions
    read_log: ReadLogLike
    now: Clock = utcnow
    _views: ViewStore | None = field(default=None, repr=False)

    @classmethod
    def open(
        cls,
        settings: Settings,
        *,
        now: Clock = utcnow,
        read_log: ReadLogLike | None = None,
    ) -> ConsoleDeps:
        store = ConsoleStore.open(settings.console_store_file)
        if read_log is None:
            read_log = open_read_log(settings)
        return cls(
            settings=settings,
            store=store,
            accounts=accounts_for(store, settings, now),
            sessions=Sessions(store, idle_minutes=settings.console_idle_minutes, now=now),
            read_log=read_log,
            now=now,
        )

    def views(self) -> ViewStore:
        """The views store (opened at first use)."""
        if self._views is None:
            from consumers.opening import open_view_store  # noqa: PLC0415

            self._views = open_view_store(self.settings)
        return self._views

    @contextmanager
    def hub(self) -> Iterator[CaseHub]:
        """The hub over the existing event store, to read (never created here)."""
        from hub.bootstrap import open_existing_hub  # noqa: PLC0415

        with open_existing_hub(self.settings) as app:
            yield app

    def known_agencies(self) -> Collection[str] | None:
        """The directory's agencies, or None when the event store cannot be read."""
        return known_agencies(self.settings)

    def close(self) -> None:
        if self._views is not None:
            self._views.close()
        self.read_log.close()
        self.store.close()


def accounts_for(store: ConsoleStore, settings: Settings, now: Clock = utcnow) -> Accounts:
    return Accounts(
        store,
        max_failures=settings.console_max_failures,
        lockout_minutes=settings.console_lockout_minutes,
        now=now,
    )


def known_agencies(settings: Settings) -> Collection[str] | None:
    """The directory's agency ids; None when the store is not reachable (nothing to check)."""
    from hub.bootstrap import open_existing_hub, store_exists  # noqa: PLC0415

    if not store_exists(settings):
        return None
    try:
        with open_existing_hub(settings) as app:
            return frozenset(app.agency_ids())
    except (CaseHubError, OSError):
        return None
