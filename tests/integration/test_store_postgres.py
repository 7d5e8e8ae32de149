"""The store contract on PostgreSQL: each test gets its own schema, dropped afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import uuid4

import pytest

from store_contract import PersistentStoreContract

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_schema_env(postgres_env: dict[str, str]) -> Iterator[dict[str, str]]:
    import psycopg  # noqa: PLC0415 - only this tier needs it

    schema = f"test_{uuid4().hex[:12]}"
    params = {
        "host": postgres_env["POSTGRES_HOST"],
        "port": postgres_env["POSTGRES_PORT"],
        "dbname": postgres_env["POSTGRES_DBNAME"],
        "user": postgres_env["POSTGRES_USER"],
        "password": postgres_env["POSTGRES_PASSWORD"],
    }
    with psycopg.connect(**params, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    yield {**postgres_env, "POSTGRES_SCHEMA": schema, "POSTGRES_ENABLE_DB_FUNCTIONS": "n"}
    with psycopg.connect(**params, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


class TestPostgresStore(PersistentStoreContract):
    @pytest.fixture
    def env(self, pg_schema_env: dict[str, str]) -> dict[str, str]:
        return pg_schema_env
