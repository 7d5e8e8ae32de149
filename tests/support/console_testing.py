"""The console tests' shared helpers: an injected clock, a stand-in read log, logging in."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pyotp
from starlette.testclient import TestClient

PASSWORD = "correct horse battery"


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 2, 0, 10, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class MemoryReadLog:
    """Stands in for console.readlog.ReadLog (another part) in these unit tests."""

    reads: list[object] = field(default_factory=list)
    closed: bool = False

    def record(self, read: object, *, at: datetime | None = None) -> object:  # noqa: ARG002
        self.reads.append(read)
        return read

    def close(self) -> None:
        self.closed = True


@dataclass
class User:
    name: str
    secret: str
    password: str = PASSWORD


def code_at(user: User, clock: FakeClock, steps: int = 0) -> str:
    return pyotp.TOTP(user.secret).at(clock.now + timedelta(seconds=30 * steps))


def login_token(client: TestClient) -> str:
    page = client.get("/login")
    assert page.status_code == 200
    found = re.search(r'name="login_csrf" value="([^"]+)"', page.text)
    assert found
    return found.group(1)


def login(client, user: User, clock: FakeClock, *, code: str | None = None, password=None):
    token = login_token(client)
    return client.post(
        "/login",
        data={
            "login_csrf": token,
            "name": user.name,
            "password": password if password is not None else user.password,
            "code": code if code is not None else code_at(user, clock),
            "next": "/",
        },
    )


def csrf_of(page_text: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page_text)
    assert found, "no CSRF field on the page"
    return found.group(1)
