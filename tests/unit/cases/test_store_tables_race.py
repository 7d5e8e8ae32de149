"""Hub instances starting at once on a new database race to create the store's tables."""

from __future__ import annotations

import pytest
from eventsourcing.persistence import InternalError
from eventsourcing.popo import POPOFactory
from structlog.testing import capture_logs

from hub.cases import application
from hub.cases.application import CaseHub
from hub.settings import Settings

POPO = {"PERSISTENCE_MODULE": "eventsourcing.popo"}


def _lose_the_race(monkeypatch: pytest.MonkeyPatch, times: int) -> list[int]:
    """The next ``times`` table creations fail as PostgreSQL fails the loser of two
    concurrent ``CREATE TABLE IF NOT EXISTS`` (seen with two `casehub serve` starting at once
    on a fresh database: "tuple concurrently updated")."""
    create = POPOFactory.process_recorder
    calls: list[int] = []

    def racing(self: POPOFactory) -> object:
        calls.append(1)
        if len(calls) <= times:
            raise InternalError("tuple concurrently updated")
        return create(self)

    monkeypatch.setattr(POPOFactory, "process_recorder", racing)
    return calls


def test_an_instance_that_loses_the_race_for_the_tables_tries_again(monkeypatch):
    """The loser waits a moment and finds the tables there, instead of crashing at start-up."""
    calls = _lose_the_race(monkeypatch, times=2)
    with capture_logs() as logs:
        hub = CaseHub(POPO, settings=Settings())
    hub.close()
    assert len(calls) == 3
    assert [e["attempt"] for e in logs if e["event"] == "store_tables_raced"] == [1, 2]


def test_a_store_that_keeps_failing_is_an_error_after_the_last_try(monkeypatch):
    """Not a loop for ever: after STORE_CREATE_ATTEMPTS tries the error stops the instance."""
    monkeypatch.setattr(application, "STORE_CREATE_ATTEMPTS", 2)
    _lose_the_race(monkeypatch, times=5)
    with pytest.raises(InternalError, match="concurrently updated"):
        CaseHub(POPO, settings=Settings())
