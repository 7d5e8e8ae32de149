"""The view store contract on PostgreSQL: the same tests as on SQLite, in a schema of its own."""

from __future__ import annotations

from uuid import uuid4

import psycopg
import pytest

from consumers import deadlines
from consumers.store import View
from consumers.store_postgres import PostgresViewStore
from devkit.testing.consumers import ViewStoreContract
from hub.errors import SetupError

pytestmark = pytest.mark.postgres


def _connect(env):
    return {
        "dbname": env["POSTGRES_DBNAME"],
        "host": env["POSTGRES_HOST"],
        "port": int(env["POSTGRES_PORT"]),
        "user": env["POSTGRES_USER"],
        "password": env["POSTGRES_PASSWORD"],
    }


class TestPostgresViewStore(ViewStoreContract):
    @pytest.fixture
    def schema(self, postgres_env):
        name = f"views_test_{uuid4().hex[:12]}"
        yield name
        with psycopg.connect(**_connect(postgres_env), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')

    @pytest.fixture
    def store(self, postgres_env, schema):
        store = PostgresViewStore(**_connect(postgres_env), schema=schema)
        yield store
        store.close()

    @pytest.fixture
    def same_database(self, postgres_env, schema):
        other = PostgresViewStore(**_connect(postgres_env), schema=schema)
        yield other
        other.close()

    def test_a_table_added_since_the_view_was_built_asks_for_a_rebuild(self, store):
        """As on SQLite: the deadlines view of the previous version (no `cases`, `agencies`)
        is refused with the command that rebuilds it; a dropped view is created whole."""
        old = View("deadlines", (deadlines.ITEMS,), deadlines.changes)
        store.ensure(old)
        with pytest.raises(SetupError, match="no table deadlines_cases, deadlines_agencies"):
            store.ensure(deadlines.VIEW)
        store.drop(deadlines.VIEW)
        store.ensure(deadlines.VIEW)
        assert store.count(deadlines.VIEW, "agencies") == 0
