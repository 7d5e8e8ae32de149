"""Security headers on every response, and the role guard every route declares.

Every endpoint says who may call it: ``@requires("auditor", …)`` or ``@public`` (the login
page, the assets). ``create_app`` refuses (403) a route whose endpoint says neither, so a
page added without a declaration is closed, never open.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any, TypeVar

from console.accounts import ROLES

F = TypeVar("F", bound=Callable[..., Any])

ROLES_ATTRIBUTE = "__console_roles__"
PUBLIC_ATTRIBUTE = "__console_public__"

#: No source outside the console itself: every asset is served by it.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)
#: Pages (case content, accounts) are never kept by the browser or a proxy; only /static is.
NO_STORE = (b"cache-control", b"no-store")


def requires(*roles: str) -> Callable[[F], F]:
    """Declare the roles that may call the endpoint (at least one, each a known role)."""
    if not roles:
        raise ValueError("requires() needs at least one role")
    unknown = [role for role in roles if role not in ROLES]
    if unknown:
        raise ValueError(f"unknown role {unknown[0]!r}: expected one of {', '.join(ROLES)}")

    def mark(endpoint: F) -> F:
        setattr(endpoint, ROLES_ATTRIBUTE, frozenset(roles))
        return endpoint

    return mark


def public(endpoint: F) -> F:
    """Declare an endpoint open without a login (the login page itself)."""
    setattr(endpoint, PUBLIC_ATTRIBUTE, True)
    return endpoint


def declared_roles(endpoint: object) -> frozenset[str] | None:
    """The endpoint's roles; None when it declares none (public endpoints: empty)."""
    if getattr(endpoint, PUBLIC_ATTRIBUTE, False):
        return frozenset()
    roles = getattr(endpoint, ROLES_ATTRIBUTE, None)
    return roles if isinstance(roles, frozenset) else None


Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[..., Any], Callable[..., Any]], Any]


class SecurityHeaders:
    """ASGI middleware: the security headers on every HTTP response, no-store off /static."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(
        self, scope: Scope, receive: Callable[..., Any], send: Callable[..., Any]
    ) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() not in {name for name, _ in HEADERS}
                    and (static or k.lower() != b"cache-control")
                ]
                headers.extend(HEADERS)
                if not static:
                    headers.append(NO_STORE)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
