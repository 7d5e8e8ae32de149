"""Server-side console sessions: a random id in the cookie, its hash in the console store.

A session ends at logout, after ``console_idle_minutes`` without a request, and at once when
its account is disabled, locked, or gets a new password or second factor. Each session has a
CSRF token that every POST must carry as the form field ``csrf``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from console.accounts import Clock, utcnow
from console.store import ConsoleStore
from hub.i18n import Lang, check_lang

COOKIE = "casehub_console"


@dataclass(frozen=True)
class Session:
    account: str
    csrf: str
    lang: Lang
    created_at: datetime
    last_seen: datetime

    def csrf_ok(self, token: str) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf, token)


def _key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class Sessions:
    def __init__(self, store: ConsoleStore, *, idle_minutes: int = 15, now: Clock = utcnow) -> None:
        self._store = store
        self._idle = timedelta(minutes=idle_minutes)
        self._now = now

    def create(self, account: str, *, lang: Lang = "zh") -> tuple[str, Session]:
        """A new session for ``account``: its id (for the cookie only) and the session."""
        session_id = secrets.token_urlsafe(32)
        now = self._now()
        session = Session(account, secrets.token_urlsafe(32), lang, now, now)
        with self._store.transaction() as conn:
            conn.execute(
                "INSERT INTO sessions (id_hash, account, csrf, lang, created_at, last_seen)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (_key(session_id), account, session.csrf, lang, now.isoformat(), now.isoformat()),
            )
        return session_id, session

    def resume(self, session_id: str) -> Session | None:
        """The live session with this id, its idle clock restarted; None (and gone) when idle."""
        now = self._now()
        with self._store.transaction() as conn:
            row = conn.execute(
                "SELECT account, csrf, lang, created_at, last_seen FROM sessions WHERE id_hash = ?",
                (_key(session_id),),
            ).fetchone()
            if row is None:
                return None
            account, csrf, lang, created_at, last_seen = row
            if datetime.fromisoformat(last_seen) + self._idle <= now:
                conn.execute("DELETE FROM sessions WHERE id_hash = ?", (_key(session_id),))
                return None
            conn.execute(
                "UPDATE sessions SET last_seen = ? WHERE id_hash = ?",
                (now.isoformat(), _key(session_id)),
            )
        return Session(account, csrf, check_lang(lang), datetime.fromisoformat(created_at), now)

    def set_lang(self, session_id: str, lang: Lang) -> None:
        with self._store.transaction() as conn:
            conn.execute("UPDATE sessions SET lang = ? WHERE id_hash = ?", (lang, _key(session_id)))

    def end(self, session_id: str) -> None:
        with self._store.transaction() as conn:
            conn.execute("DELETE FROM sessions WHERE id_hash = ?", (_key(session_id),))

    def end_all(self, account: str) -> None:
        with self._store.transaction() as conn:
            conn.execute("DELETE FROM sessions WHERE account = ?", (account,))

    def count(self, account: str) -> int:
        with self._store.transaction() as conn:
            row = conn.execute("SELECT count(*) FROM sessions WHERE account = ?", (account,))
            return int(row.fetchone()[0])
