"""Opening the views' store: the views' part of the composition root.

``hub.bootstrap`` opens the hub's stores; the hub never imports the views, so the views' own
store is opened here, on the backend the settings name.
"""

from __future__ import annotations

from pathlib import Path

from consumers.store import SQLiteViewStore, ViewStore
from hub.errors import SetupError
from hub.settings import Settings


def views_file(settings: Settings) -> Path:
    """The SQLite file of the views (``store = sqlite``)."""
    return settings.data_dir / "views.sqlite"


def open_view_store(settings: Settings, *, schema: str = "views") -> ViewStore:
    """The views' store on the configured backend: SQLite file, or PostgreSQL schema."""
    if settings.store == "sqlite":
        path = views_file(settings)
        path.parent.mkdir(parents=True, exist_ok=True)
        return SQLiteViewStore(str(path))
    if settings.store == "postgres":
        # psycopg comes with the `postgres` extra only
        from consumers.store_postgres import PostgresViewStore  # noqa: PLC0415

        return PostgresViewStore(
            dbname=settings.postgres_dbname,
            host=settings.postgres_host,
            port=settings.postgres_port,
            user=settings.postgres_user,
            password=settings.postgres_password,
            schema=schema,
        )
    raise SetupError(f"unknown store {settings.store!r}: expected sqlite or postgres")
