"""The composition root: the one place that turns ``Settings`` into the running application.

Every entry point (``casehub serve``, each CLI verb, the consumers, the demo and the bench) gets
its application, its stores and its components here; components receive what they need and
never load settings themselves.

* the application: ``open_pipeline`` (the writing hub ``casehub serve`` runs, which creates a
  missing store), ``open_hub`` (the same for a tool that writes), ``open_existing_hub`` and
  ``open_probe_hub`` (a tool that reads or amends what is there: a missing SQLite file is refused
  with an error naming it, never created), ``new_hub`` (an application over an explicit
  eventsourcing environment, e.g. in memory);
* the stores: ``store_env`` (the event store, SQLite or PostgreSQL, with its cipher and key
  checked), ``open_view_store`` (the views' store);
* the components: ``working_calendar``, ``access_policy``, ``sealing``, ``inbound_decoder``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING

from hub.errors import SetupError
from hub.settings import Settings

if TYPE_CHECKING:  # the application and its stores are imported when opened: `--help` is light
    from hub.cases.application import CaseHub, Clock
    from hub.cases.commands import Inbound, Origin, Undecodable
    from hub.codec.sealed import SealingPolicy
    from hub.privacy.access import AccessPolicy
    from hub.privacy.keystore import KeyStore
    from hub.rules.calendar import WorkingDayCalendar

#: How long the pipeline waits for a PostgreSQL connection (eventsourcing retries each
#: statement 10 times): short, so a database outage is reported and retried within seconds
#: instead of stalling the consumer past its poll interval.
POSTGRES_CONNECT_TIMEOUT_S = "2"
#: eventsourcing's environment for an application held in memory only.
MEMORY_STORE: Mapping[str, str] = {"PERSISTENCE_MODULE": "eventsourcing.popo"}


# --- components ---------------------------------------------------------------------------------
def working_calendar(settings: Settings) -> WorkingDayCalendar:
    """China's working-day calendar with the operator's year files the settings name."""
    from hub.rules.calendar import calendar_for  # noqa: PLC0415 - loads the holidays package

    return calendar_for(settings)


def access_policy(settings: Settings) -> AccessPolicy:
    """Who may read what on the feeds: the clearances the settings configure."""
    from hub.privacy.access import AccessPolicy  # noqa: PLC0415

    return AccessPolicy.from_settings(settings)


def sealing(settings: Settings) -> SealingPolicy:
    """The hub's sealing keys and whether plaintext personal data is refused."""
    from hub.codec.sealed import sealing_policy  # noqa: PLC0415 - loads the schema catalog

    return sealing_policy(settings)


def inbound_decoder(
    settings: Settings,
) -> Callable[[bytes, Origin, str | None], Inbound | Undecodable]:
    """``decode_inbound`` with the settings' sealing policy (what the ingest decodes with)."""
    from hub.codec import decode_inbound  # noqa: PLC0415 - loads the schema catalog

    policy = sealing(settings)

    def decode(raw: bytes, origin: Origin, agency: str | None) -> Inbound | Undecodable:
        return decode_inbound(raw, origin, agency, sealing=policy)

    return decode


# --- the event store ----------------------------------------------------------------------------
def store_env(settings: Settings) -> dict[str, str]:
    """eventsourcing's environment for the configured event store, its cipher key checked."""
    from hub.cases.store import store_env as env_of  # noqa: PLC0415

    return env_of(settings)


def pipeline_env(settings: Settings) -> dict[str, str]:
    """``store_env`` with the pipeline's short PostgreSQL connect timeout."""
    env = store_env(settings)
    if settings.store == "postgres":
        env.setdefault("POSTGRES_CONNECT_TIMEOUT", POSTGRES_CONNECT_TIMEOUT_S)
    return env


def store_exists(settings: Settings) -> bool:
    """False when the configured store is an SQLite file that is not there."""
    return settings.store != "sqlite" or settings.sqlite_file.exists()


def require_store(settings: Settings) -> None:
    """Refuse a missing SQLite event store (a wrong path is an error, not a new empty store)."""
    if not store_exists(settings):
        raise SetupError(f"there is no event store at {settings.sqlite_file}")


# --- the application ----------------------------------------------------------------------------
def new_hub(
    settings: Settings,
    env: Mapping[str, str],
    *,
    clock: Clock | None = None,
    keystore: KeyStore | None = None,
) -> CaseHub:
    """``CaseHub`` over the eventsourcing environment ``env``, its components from ``settings``."""
    from hub.cases.application import CaseHub  # noqa: PLC0415

    return CaseHub(
        env, settings=settings, clock=clock, keystore=keystore, calendar=working_calendar(settings)
    )


@contextmanager
def open_hub(
    settings: Settings, env: Mapping[str, str] | None = None, *, clock: Clock | None = None
) -> Iterator[CaseHub]:
    """``CaseHub`` over the configured store (created if missing) for a tool that writes;
    closed on exit."""
    app = new_hub(settings, env if env is not None else store_env(settings), clock=clock)
    try:
        yield app
    finally:
        app.close()


def open_pipeline(
    settings: Settings, env: Mapping[str, str] | None = None, *, clock: Clock | None = None
) -> AbstractContextManager[CaseHub]:
    """The pipeline's application (``open_hub`` with ``pipeline_env``): what ``casehub serve``
    runs, the demo and the bench drive, and ``ops redrive`` writes through."""
    return open_hub(settings, env if env is not None else pipeline_env(settings), clock=clock)


@contextmanager
def open_existing_hub(
    settings: Settings, *, env: Mapping[str, str] | None = None
) -> Iterator[CaseHub]:
    """``CaseHub`` over the configured store for a tool that reads or amends what is there.

    Never creates an SQLite file: a missing one is refused with an error naming its path.
    ``env`` (default ``store_env``) is checked only after that.
    """
    require_store(settings)
    app = new_hub(settings, env if env is not None else store_env(settings))
    try:
        yield app
    finally:
        app.close()


@contextmanager
def open_probe_hub(settings: Settings) -> Iterator[CaseHub]:
    """``open_existing_hub`` with the pipeline's connect timeout: for the operator's probes
    (``ops status``, ``topics ensure``), which report quickly rather than wait on a database."""
    require_store(settings)
    with open_existing_hub(settings, env=pipeline_env(settings)) as app:
        yield app
