"""The project's PostgreSQL accepts the hub's role and serves eventsourcing's recorders."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresFactory
from eventsourcing.utils import Environment

pytestmark = pytest.mark.postgres


class Probe(Aggregate):
    @event("Opened")
    def __init__(self, label: str) -> None:
        self.label = label
        self.notes: list[str] = []

    @event("Noted")
    def note(self, text: str) -> None:
        self.notes.append(text)


class PostgresProbe(Application[uuid.UUID]):
    """A throwaway application: its tables are postgresprobe_events and friends."""


def test_hub_role_connects_and_owns_its_database(postgres_env):
    """psycopg connects as the hub's role, which may create tables in its database."""
    with psycopg.connect(
        host=postgres_env["POSTGRES_HOST"],
        port=int(postgres_env["POSTGRES_PORT"]),
        dbname=postgres_env["POSTGRES_DBNAME"],
        user=postgres_env["POSTGRES_USER"],
        password=postgres_env["POSTGRES_PASSWORD"],
    ) as conn:
        row = conn.execute("SELECT current_user, current_database()").fetchone()
        assert row == (postgres_env["POSTGRES_USER"], postgres_env["POSTGRES_DBNAME"])
        conn.execute("CREATE TEMP TABLE probe (id int)")


def test_application_recorder_creates_tables_and_round_trips_an_event(postgres_env):
    """The PostgreSQL recorder creates its tables, stores an event and lists it."""
    factory = PostgresFactory(Environment(name="CasehubProbe", env=postgres_env))
    try:
        recorder = factory.application_recorder()
        originator = uuid.uuid4()
        stored = StoredEvent(
            originator_id=originator, originator_version=1, topic="probe:Opened", state=b"{}"
        )
        recorder.insert_events([stored])

        assert recorder.select_events(originator) == [stored]
        assert recorder.max_notification_id() is not None
    finally:
        factory.close()


def test_application_saves_and_reloads_an_aggregate(postgres_env):
    """An eventsourcing application on PostgreSQL rebuilds an aggregate from its events."""
    app = PostgresProbe(env=postgres_env)
    try:
        probe = Probe(label="case 1")
        probe.note("first")
        app.save(probe)

        copy = app.repository.get(probe.id)

        assert (copy.label, copy.notes, copy.version) == ("case 1", ["first"], 2)
    finally:
        app.close()
