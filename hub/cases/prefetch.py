"""One query per batch for "which of these aggregates exist, and at what version?".

The stock path asks the store once per aggregate (and once more for a snapshot); a batch of
500 commands would make over a thousand round trips before doing any work. This asks once,
with the store's own SQL for SQLite and PostgreSQL, and falls back to one query per id for
other recorders (the in-memory one).
"""

from __future__ import annotations

from collections.abc import Collection
from uuid import UUID

from eventsourcing.persistence import AggregateRecorder
from eventsourcing.sqlite import SQLiteAggregateRecorder

_CHUNK = 500


def latest_versions(recorder: AggregateRecorder, ids: Collection[UUID]) -> dict[UUID, int]:
    """The highest stored version of each id that has events (absent ids are left out)."""
    if not ids:
        return {}
    if isinstance(recorder, SQLiteAggregateRecorder):
        return _sqlite(recorder, list(ids))
    try:
        from eventsourcing.postgres import PostgresAggregateRecorder  # noqa: PLC0415
    except ImportError:  # psycopg not installed
        pass
    else:
        if isinstance(recorder, PostgresAggregateRecorder):
            return _postgres(recorder, list(ids))
    found: dict[UUID, int] = {}
    for aggregate_id in ids:
        last = recorder.select_events(aggregate_id, desc=True, limit=1)
        if last:
            found[aggregate_id] = last[0].originator_version
    return found


def _sqlite(recorder: SQLiteAggregateRecorder, ids: list[UUID]) -> dict[UUID, int]:
    found: dict[UUID, int] = {}
    with recorder.datastore.transaction(commit=False) as cursor:
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            cursor.execute(
                f"SELECT originator_id, MAX(originator_version) FROM "  # noqa: S608 - our table name
                f"{recorder.events_table_name} WHERE originator_id IN ({marks}) "
                "GROUP BY originator_id",
                [i.hex for i in chunk],
            )
            for row in cursor.fetchall():
                found[UUID(str(row[0]))] = int(row[1])
    return found


def _postgres(recorder: object, ids: list[UUID]) -> dict[UUID, int]:
    from eventsourcing.postgres import PostgresAggregateRecorder  # noqa: PLC0415
    from psycopg.sql import SQL, Identifier  # noqa: PLC0415

    assert isinstance(recorder, PostgresAggregateRecorder)
    statement = SQL(
        "SELECT originator_id, MAX(originator_version) AS v FROM {schema}.{table} "
        "WHERE originator_id = ANY(%s) GROUP BY originator_id"
    ).format(
        schema=Identifier(recorder.datastore.schema),
        table=Identifier(recorder.events_table_name),
    )
    found: dict[UUID, int] = {}
    with recorder.datastore.get_connection() as conn, conn.cursor() as curs:
        curs.execute(statement, [ids])
        for row in curs.fetchall():
            found[UUID(str(row["originator_id"]))] = int(row["v"])
    return found
