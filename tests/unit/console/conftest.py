"""Console fixtures: a console over a temporary store, an injected clock, a client."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from console.accounts import Accounts
from console.app import create_app
from console.wiring import ConsoleDeps
from console_testing import PASSWORD, FakeClock, MemoryReadLog, User
from hub.settings import Settings


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path, console_max_failures=3, console_lockout_minutes=10)


@pytest.fixture
def deps(settings, clock):
    found = ConsoleDeps.open(settings, now=clock, read_log=MemoryReadLog())
    yield found
    found.close()


@pytest.fixture
def accounts(deps) -> Accounts:
    return deps.accounts


@pytest.fixture
def make_user(accounts):
    def make(name: str, *roles: str, agency: str = "city-procuratorate") -> User:
        _, factor = accounts.add(name, agency=agency, roles=roles, password=PASSWORD)
        return User(name, factor.secret)

    return make


@pytest.fixture
def app(deps):
    return create_app(deps)


@pytest.fixture
def client(app):
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as found:
        yield found
