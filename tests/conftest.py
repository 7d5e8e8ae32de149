"""Fixtures shared by every test tier: the real Kafka broker and the project's PostgreSQL.

``kafka_bootstrap`` reuses a broker already serving the configured port (``make broker-up``),
otherwise starts the single-node broker once and stops it when the last session using it ends.
``postgres_env`` checks the server ``make pg-up`` starts and returns eventsourcing's settings.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devkit.testing.broker import session_broker
from hub.errors import SetupError
from hub.settings import Settings, load_settings


@pytest.fixture(scope="session")
def hub_settings() -> Settings:
    return load_settings()


@pytest.fixture(scope="session")
def kafka_bootstrap(hub_settings: Settings) -> Iterator[str]:
    """``host:port`` of the single-node broker: reused if running, else started for the session.

    Concurrent sessions share it; the last one out stops it if a test session started it.
    """
    try:
        with session_broker(hub_settings) as bootstrap:
            yield bootstrap
    except SetupError as exc:
        pytest.fail(f"could not start the Kafka broker: {exc}", pytrace=False)


@pytest.fixture(scope="session")
def postgres_env(hub_settings: Settings) -> dict[str, str]:
    """eventsourcing's environment for the project's PostgreSQL, after checking it answers."""
    import psycopg  # noqa: PLC0415 - only the postgres tier needs it

    s = hub_settings
    try:
        psycopg.connect(
            host=s.postgres_host,
            port=s.postgres_port,
            dbname=s.postgres_dbname,
            user=s.postgres_user,
            password=s.postgres_password,
            connect_timeout=3,
        ).close()
    except psycopg.OperationalError as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
        pytest.fail(
            f"PostgreSQL is not reachable at {s.postgres_host}:{s.postgres_port} "
            f"(database {s.postgres_dbname}, user {s.postgres_user}): {first_line}. "
            "Run `make pg-up` (deploy/postgres/pg.sh up) first.",
            pytrace=False,
        )
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": s.postgres_dbname,
        "POSTGRES_HOST": s.postgres_host,
        "POSTGRES_PORT": str(s.postgres_port),
        "POSTGRES_USER": s.postgres_user,
        "POSTGRES_PASSWORD": s.postgres_password,
    }
