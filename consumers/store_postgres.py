"""The PostgreSQL backend of ``ViewStore``: views in their own schema, one transaction a batch."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from psycopg.sql import SQL, Identifier

from consumers.store import View, ViewStore

#: The tracking table of the views (the hub's own store keeps ``notification_tracking``).
TRACKING_TABLE = "view_tracking"


class PostgresViewStore(PostgresTrackingRecorder, ViewStore):
    """Views in PostgreSQL schema ``schema``; tracking rows in ``<schema>.view_tracking``."""

    placeholder = "%s"
    int_type = "BIGINT"
    backend = "postgres"

    def __init__(
        self,
        *,
        dbname: str,
        host: str,
        port: int,
        user: str,
        password: str,
        schema: str = "views",
    ) -> None:
        datastore = PostgresDatastore(
            dbname=dbname,
            host=host,
            port=port,
            user=user,
            password=password,
            schema=schema,
            pool_size=2,
        )
        super().__init__(datastore, tracking_table_name=TRACKING_TABLE)
        with self.datastore.transaction(commit=True) as cursor:
            cursor.execute(SQL("CREATE SCHEMA IF NOT EXISTS {0}").format(Identifier(schema)))
        self.create_table()

    def _transaction(self, *, commit: bool) -> AbstractContextManager[Any]:
        return self.datastore.transaction(commit=commit)

    def _qualify(self, table: str) -> str:
        return f'"{self.datastore.schema}"."{table}"'

    def _exists(self, cursor: Any, table: str) -> bool:
        cursor.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND table_name = %s",
            (self.datastore.schema, table),
        )
        return cursor.fetchone() is not None

    def _max_position(self, name: str, cursor: Any) -> int | None:
        return self._max_tracking_id(name, cursor)

    def _track(self, cursor: Any, tracking: Tracking) -> None:
        self._insert_tracking(cursor, tracking)

    def _untrack(self, cursor: Any, prefix: str) -> None:
        cursor.execute(
            f"DELETE FROM {self._qualify(TRACKING_TABLE)} "  # noqa: S608 - our own identifiers
            "WHERE left(application_name, %s) = %s",
            (len(prefix), prefix),
        )

    def position(self, name: str) -> int | None:
        found: int | None = self.max_tracking_id(name)
        return found

    def tracking_names(self, view: View[Any]) -> dict[str, int]:
        prefix = f"{view.name}:"
        with self._transaction(commit=False) as cursor:
            cursor.execute(
                f"SELECT application_name, notification_id FROM {self._qualify(TRACKING_TABLE)} "  # noqa: S608
                "WHERE left(application_name, %s) = %s",
                (len(prefix), prefix),
            )
            return {r["application_name"]: int(r["notification_id"]) for r in cursor.fetchall()}

    def close(self) -> None:
        self.datastore.close()
