"""The eventsourcing environment for the configured event store (SQLite or PostgreSQL)."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from hub.errors import SetupError
from hub.settings import Settings

if TYPE_CHECKING:
    from hub.cases.application import CaseHub


def store_env(settings: Settings) -> dict[str, str]:
    """eventsourcing environment variables for ``settings.store``, with the store's cipher.

    Checks that the configured key (or its absence) reads the stored events, so a wrong key
    is refused before the application writes anything (``hub.store.keys``).
    """
    from hub.store.keys import (  # noqa: PLC0415
        APPLICATION_NAME,
        check_store_key,
        cipher_env,
        store_key,
    )

    key = store_key(settings)
    backend = _backend_env(settings)
    # eventsourcing reads the process environment too, the application's name first:
    # CASEHUB_POSTGRES_PORT (which is also our own setting's variable) would beat the
    # POSTGRES_PORT given here. Pinned under both names, the settings alone decide.
    env = backend | {f"{APPLICATION_NAME}_{name}": value for name, value in backend.items()}
    check_store_key(settings, env, key)
    return env | cipher_env(key)


def _backend_env(settings: Settings) -> dict[str, str]:
    """eventsourcing environment variables for ``settings.store`` (sqlite | postgres)."""
    if settings.store == "sqlite":
        path = settings.sqlite_file
        path.parent.mkdir(parents=True, exist_ok=True)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(path),
            "SQLITE_LOCK_TIMEOUT": "10",
        }
    if settings.store == "postgres":
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_HOST": settings.postgres_host,
            "POSTGRES_PORT": str(settings.postgres_port),
            "POSTGRES_DBNAME": settings.postgres_dbname,
            "POSTGRES_USER": settings.postgres_user,
            "POSTGRES_PASSWORD": settings.postgres_password,
            "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
        }
    raise SetupError(f"unknown store {settings.store!r}: expected sqlite or postgres")


def open_existing_hub(settings: Settings) -> AbstractContextManager[CaseHub]:
    """``hub.bootstrap.open_existing_hub``: ``CaseHub`` over the configured store for a tool that
    reads or amends what is there; never creates an SQLite file."""
    from hub.bootstrap import open_existing_hub as open_existing  # noqa: PLC0415 - the root

    return open_existing(settings)
