"""The eventsourcing environment for the configured event store (SQLite or PostgreSQL)."""

from __future__ import annotations

from hub.errors import SetupError
from hub.settings import Settings


def store_env(settings: Settings) -> dict[str, str]:
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
