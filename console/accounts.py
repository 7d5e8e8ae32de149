"""Console accounts: roles, agency, Argon2 passwords, a TOTP second factor, lock-out.

An account has exactly one agency and one or more roles (``ROLES``). A login needs the
password and a current TOTP code (±1 step of 30 s, each code usable once). After
``console_max_failures`` failures in a row the account is locked for
``console_lockout_minutes``; disabling or locking an account ends its sessions at once.
"""

from __future__ import annotations

import hmac
import re
import sqlite3
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from console.store import ConsoleStore
from hub.errors import CaseHubError

AUDITOR = "auditor"
RULE_OF_LAW = "rule-of-law"
OFFICER = "officer"
ADMIN = "admin"
ROLES: tuple[str, ...] = (AUDITOR, RULE_OF_LAW, OFFICER, ADMIN)

#: The issuer an authenticator app shows beside the account name.
TOTP_ISSUER = "CaseHub"
MIN_PASSWORD_LENGTH = 12
_NAME = re.compile(r"^[a-z][a-z0-9._-]{1,63}$")
_STEP_SECONDS = 30

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


class AccountError(CaseHubError):
    """A bad account name, role, agency or password, or an unknown account."""

    code = "console_account"


class LoginFailed(CaseHubError):
    """A refused login. The message never says which part was wrong."""

    code = "console_login_failed"

    def __init__(self) -> None:
        super().__init__("login failed: check the account name, password and code")


@dataclass(frozen=True)
class Account:
    name: str
    agency: str
    roles: tuple[str, ...]
    disabled: bool
    failures: int
    locked_until: datetime | None
    created_at: datetime

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now

    def has_role(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)


@dataclass(frozen=True)
class SecondFactor:
    """A new TOTP secret, shown once (at creation or reset) for an authenticator app."""

    secret: str
    uri: str


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise AccountError(
            f"bad account name {name!r}: 2-64 characters, lower-case letters, digits, '.', '_'"
            " or '-', starting with a letter"
        )
    return name


def check_roles(roles: Iterable[str]) -> tuple[str, ...]:
    found = tuple(dict.fromkeys(roles))
    if not found:
        raise AccountError(f"an account needs at least one role, of: {', '.join(ROLES)}")
    unknown = [role for role in found if role not in ROLES]
    if unknown:
        raise AccountError(f"unknown role {unknown[0]!r}: expected one of {', '.join(ROLES)}")
    return found


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    return password


def check_agency(agency: str, roles: Collection[str], known: Collection[str] | None) -> str:
    if not agency.strip():
        raise AccountError("an account needs an agency (--agency)")
    if OFFICER in roles and known is not None and agency not in known:
        raise AccountError(
            f"unknown agency {agency!r}: an officer's agency must be in the directory"
        )
    return agency


class Accounts:
    """The accounts in the console store."""

    def __init__(
        self,
        store: ConsoleStore,
        *,
        max_failures: int = 5,
        lockout_minutes: int = 15,
        now: Clock = utcnow,
        hasher: PasswordHasher | None = None,
    ) -> None:
        self._store = store
        self._max_failures = max_failures
        self._lockout = timedelta(minutes=lockout_minutes)
        self._now = now
        self._hasher = hasher or PasswordHasher()

    # --- administration ---------------------------------------------------------------------
    def add(
        self,
        name: str,
        *,
        agency: str,
        roles: Iterable[str],
        password: str,
        known_agencies: Collection[str] | None = None,
    ) -> tuple[Account, SecondFactor]:
        check_name(name)
        found_roles = check_roles(roles)
        check_agency(agency, found_roles, known_agencies)
        check_password(password)
        secret = pyotp.random_base32()
        with self._store.transaction() as conn:
            if conn.execute("SELECT 1 FROM accounts WHERE name = ?", (name,)).fetchone():
                raise AccountError(f"account {name!r} exists already")
            conn.execute(
                "INSERT INTO accounts (name, agency, roles, password_hash, totp_secret,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    name,
                    agency,
                    ",".join(found_roles),
                    self._hasher.hash(password),
                    secret,
                    self._now().isoformat(),
                ),
            )
        return self.require(name), self._factor(name, secret)

    def get(self, name: str) -> Account | None:
        with self._store.transaction() as conn:
            row = conn.execute(
                "SELECT name, agency, roles, disabled, failures, locked_until, created_at"
                " FROM accounts WHERE name = ?",
                (name,),
            ).fetchone()
        return None if row is None else _account(row)

    def require(self, name: str) -> Account:
        account = self.get(name)
        if account is None:
            raise AccountError(f"no account {name!r}")
        return account

    def all(self) -> list[Account]:
        with self._store.transaction() as conn:
            rows = conn.execute(
                "SELECT name, agency, roles, disabled, failures, locked_until, created_at"
                " FROM accounts ORDER BY name"
            ).fetchall()
        return [_account(row) for row in rows]

    def disable(self, name: str) -> None:
        """Disable ``name`` and end its sessions."""
        self._update(name, "UPDATE accounts SET disabled = 1 WHERE name = ?", (name,))

    def enable(self, name: str) -> None:
        self._update(name, "UPDATE accounts SET disabled = 0 WHERE name = ?", (name,), end=False)

    def unlock(self, name: str) -> None:
        self._update(
            name,
            "UPDATE accounts SET failures = 0, locked_until = NULL WHERE name = ?",
            (name,),
            end=False,
        )

    def reset_password(self, name: str, password: str) -> None:
        """A new password; the account's sessions end."""
        check_password(password)
        self._update(
            name,
            "UPDATE accounts SET password_hash = ? WHERE name = ?",
            (self._hasher.hash(password), name),
        )

    def reset_totp(self, name: str) -> SecondFactor:
        """A new TOTP secret (shown once); the old one stops working and the sessions end."""
        secret = pyotp.random_base32()
        self._update(
            name,
            "UPDATE accounts SET totp_secret = ?, totp_last_step = 0 WHERE name = ?",
            (secret, name),
        )
        return self._factor(name, secret)

    def set_roles(
        self, name: str, roles: Iterable[str], known_agencies: Collection[str] | None = None
    ) -> None:
        found = check_roles(roles)
        check_agency(self.require(name).agency, found, known_agencies)
        self._update(name, "UPDATE accounts SET roles = ? WHERE name = ?", (",".join(found), name))

    # --- login ------------------------------------------------------------------------------
    def authenticate(self, name: str, password: str, code: str) -> Account:
        """The account when ``password`` and ``code`` are right and it may log in.

        Raises ``LoginFailed`` (one message whatever was wrong) and counts the failure; the
        ``console_max_failures``-th in a row locks the account and ends its sessions.
        """
        now = self._now()
        with self._store.transaction() as conn:
            row = conn.execute(
                "SELECT password_hash, totp_secret, totp_last_step, disabled, failures,"
                " locked_until FROM accounts WHERE name = ?",
                (name,),
            ).fetchone()
            if row is None:
                # The same work as for a real account, so timing tells nothing.
                _verify(self._hasher, _DUMMY_HASH, password)
                raise LoginFailed
            stored, secret, last_step, disabled, failures, locked_until = row
            locked = locked_until is not None and datetime.fromisoformat(locked_until) > now
            password_ok = _verify(self._hasher, stored, password)
            step = _matching_step(secret, code, now, int(last_step)) if password_ok else None
            failed = bool(disabled or locked or step is None)
            if failed and not disabled and not locked:
                failures += 1
                until = None
                if failures >= self._max_failures:
                    until = (now + self._lockout).isoformat()
                    conn.execute("DELETE FROM sessions WHERE account = ?", (name,))
                conn.execute(
                    "UPDATE accounts SET failures = ?, locked_until = ? WHERE name = ?",
                    (failures, until, name),
                )
            if not failed:
                self._succeeded(conn, name, stored, password, step)
        if failed:  # raised after the commit: the failure stays counted
            raise LoginFailed
        return self.require(name)

    def _succeeded(
        self, conn: sqlite3.Connection, name: str, stored: str, password: str, step: int | None
    ) -> None:
        rehash = self._hasher.check_needs_rehash(stored)
        conn.execute(
            "UPDATE accounts SET failures = 0, locked_until = NULL, totp_last_step = ?,"
            " password_hash = ? WHERE name = ?",
            (step, self._hasher.hash(password) if rehash else stored, name),
        )

    def may_stay(self, name: str) -> Account | None:
        """The account if it may still hold a session now (exists, enabled, not locked)."""
        account = self.get(name)
        if account is None or account.disabled or account.locked(self._now()):
            return None
        return account

    def _update(self, name: str, sql: str, params: tuple[object, ...], *, end: bool = True) -> None:
        with self._store.transaction() as conn:
            if conn.execute(sql, params).rowcount == 0:
                raise AccountError(f"no account {name!r}")
            if end:
                conn.execute("DELETE FROM sessions WHERE account = ?", (name,))

    @staticmethod
    def _factor(name: str, secret: str) -> SecondFactor:
        uri = pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name=TOTP_ISSUER)
        return SecondFactor(secret, uri)


_DUMMY_HASH = PasswordHasher().hash("not a password of anyone's")


def _verify(hasher: PasswordHasher, stored: str, password: str) -> bool:
    try:
        return bool(hasher.verify(stored, password))
    except (VerificationError, InvalidHashError):
        return False


def _matching_step(secret: str, code: str, now: datetime, last_step: int) -> int | None:
    """The 30-second step whose code is ``code`` (now ±1), if newer than ``last_step``."""
    code = code.strip().replace(" ", "")
    if not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // _STEP_SECONDS
    for step in (current - 1, current, current + 1):
        if step > last_step and hmac.compare_digest(totp.at(step * _STEP_SECONDS), code):
            return step
    return None


def _account(row: tuple[object, ...]) -> Account:
    name, agency, roles, disabled, failures, locked_until, created_at = row
    return Account(
        name=str(name),
        agency=str(agency),
        roles=tuple(str(roles).split(",")),
        disabled=bool(disabled),
        failures=int(str(failures)),
        locked_until=None if locked_until is None else datetime.fromisoformat(str(locked_until)),
        created_at=datetime.fromisoformat(str(created_at)),
    )
