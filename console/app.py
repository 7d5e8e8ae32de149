"""``create_app(deps)``: the console's Starlette application.

Every request goes through the guard (``_guarded``): the session from its cookie, the account
still allowed (enabled, not locked), the endpoint's declared roles (a route declaring none is
refused), the CSRF token on every POST. Pages by the other parts come in as ``pages`` (their
routes) and ``links`` (their entries in the navigation and on the landing page).
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from console.accounts import ADMIN, ROLES, Account, AccountError, LoginFailed, SecondFactor
from console.security import SecurityHeaders, declared_roles, public, requires
from console.sessions import COOKIE, Session
from console.wiring import ConsoleDeps, unavailable_errors
from hub.i18n import LANGS, Lang, check_lang, t
from hub.presentation.clock import moment, zone_note

LOGIN_CSRF_COOKIE = "casehub_console_login"
Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class NavLink:
    """A page in the navigation and on the landing page of the roles that may open it."""

    path: str
    label: str  # an hub.i18n key
    roles: frozenset[str]


ACCOUNTS_LINK = NavLink("/accounts", "console.nav.accounts", frozenset({ADMIN}))


# --- helpers for pages --------------------------------------------------------------------------
def account_of(request: Request) -> Account:
    """The logged-in account (set by the guard)."""
    account: Account = request.state.account
    return account


def lang_of(request: Request) -> Lang:
    lang: Lang = request.state.lang
    return lang


def deps_of(request: Request) -> ConsoleDeps:
    deps: ConsoleDeps = request.app.state.deps
    return deps


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    """A page from console/templates with the common context (account, language, CSRF, nav)."""
    env: Environment = request.app.state.templates
    lang: Lang = getattr(request.state, "lang", "zh")
    account: Account | None = getattr(request.state, "account", None)
    session: Session | None = getattr(request.state, "session", None)
    links: Sequence[NavLink] = request.app.state.links
    data: dict[str, Any] = {
        "request": request,
        "lang": lang,
        "other_lang": "en" if lang == "zh" else "zh",
        "t": lambda key, **kw: t(key, lang).format(**kw) if kw else t(key, lang),
        "account": account,
        "csrf": session.csrf if session else "",
        "nav": [link for link in links if account and account.has_role(*link.roles)],
        "moment": moment,
        "zone_note": zone_note(lang),
        "classification": None,
    }
    data.update(context or {})
    return HTMLResponse(env.get_template(template).render(data), status_code=status)


def error_page(request: Request, status: int, message_key: str = "") -> HTMLResponse:
    key = message_key or f"console.error.{status}"
    return render(request, "error.html", {"status": status, "message": key}, status=status)


def record_read(request: Request, read: Any, *, at: datetime | None = None) -> Response | None:
    """Write ``read`` (a ``console.readlog.Read``) to the read log before the page is built.

    None when it is written; else the 503 page to return instead ("the read log cannot be
    written: the page is refused").
    """
    try:
        deps_of(request).read_log.record(read, at=at)
    except unavailable_errors():
        return error_page(request, 503, "console.error.readlog")
    return None


# --- the guard ----------------------------------------------------------------------------------
def _guarded(endpoint: Endpoint) -> Endpoint:
    roles = declared_roles(endpoint)

    @wraps(endpoint)
    async def guard(request: Request) -> Response:
        session, account = _resume(request)
        if roles is None:  # declares nobody: closed
            return error_page(request, 403)
        if not roles:  # public
            return await endpoint(request)
        if session is None or account is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
        if not account.has_role(*roles):
            return error_page(request, 403)
        if request.method == "POST":
            form = await request.form()
            if not session.csrf_ok(str(form.get("csrf", ""))):
                return error_page(request, 403, "console.error.csrf")
        return await endpoint(request)

    return guard


def _resume(request: Request) -> tuple[Session | None, Account | None]:
    """The request's live session and account (both None when logged out); sets the language."""
    deps = deps_of(request)
    request.state.lang = _query_lang(request) or "zh"
    session_id = request.cookies.get(COOKIE, "")
    session = deps.sessions.resume(session_id) if session_id else None
    if session is None:
        return None, None
    account = deps.accounts.may_stay(session.account)
    if account is None:  # disabled or locked since: the session dies now
        deps.sessions.end(session_id)
        return None, None
    lang = _query_lang(request)
    if lang and lang != session.lang:
        deps.sessions.set_lang(session_id, lang)
    request.state.lang = lang or session.lang
    request.state.session = session
    request.state.account = account
    return session, account


def _query_lang(request: Request) -> Lang | None:
    value = request.query_params.get("lang", "")
    return check_lang(value) if value in LANGS else None


def _safe_next(value: str) -> str:
    """Only a path of this console (never another site) after login."""
    if value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


# --- login and logout ---------------------------------------------------------------------------
@public
async def login_page(request: Request) -> Response:
    signed_on = _proxy_sign_on(request)
    if signed_on is not None:
        return signed_on
    token = secrets.token_urlsafe(32)
    response = render(
        request,
        "login.html",
        {"login_csrf": token, "next": _safe_next(request.query_params.get("next", "/"))},
    )
    _set_cookie(request, response, LOGIN_CSRF_COOKIE, token, path="/login")
    return response


def _proxy_sign_on(request: Request) -> Response | None:
    """SSO behind a reverse proxy: a session for the account its header names.

    Only when ``console_proxy_header`` is set and the request comes straight from one of
    ``console_trusted_proxies``; the account must exist and may log in (enabled, not locked).
    """
    settings = deps_of(request).settings
    header = settings.console_proxy_header
    if not header or request.client is None:
        return None
    trusted = {item.strip() for item in settings.console_trusted_proxies.split(",")}
    if request.client.host not in trusted:
        return None
    name = request.headers.get(header, "").strip()
    account = deps_of(request).accounts.may_stay(name) if name else None
    if account is None:
        return None
    session_id, _ = deps_of(request).sessions.create(account.name, lang=lang_of(request))
    redirect = RedirectResponse(_safe_next(request.query_params.get("next", "/")), 303)
    _set_cookie(request, redirect, COOKIE, session_id)
    return redirect


@public
async def login(request: Request) -> Response:
    deps = deps_of(request)
    form = await request.form()
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    field = str(form.get("login_csrf", ""))
    if not cookie or not secrets.compare_digest(cookie, field):
        return error_page(request, 403, "console.error.csrf")
    next_path = _safe_next(str(form.get("next", "/")))
    try:
        account = deps.accounts.authenticate(
            str(form.get("name", "")).strip(),
            str(form.get("password", "")),
            str(form.get("code", "")),
        )
    except LoginFailed:
        token = secrets.token_urlsafe(32)
        response = render(
            request,
            "login.html",
            {"login_csrf": token, "next": next_path, "failed": True},
            status=401,
        )
        _set_cookie(request, response, LOGIN_CSRF_COOKIE, token, path="/login")
        return response
    session_id, _ = deps.sessions.create(account.name, lang=lang_of(request))
    redirect = RedirectResponse(next_path, status_code=303)
    _set_cookie(request, redirect, COOKIE, session_id)
    redirect.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return redirect


@requires(*ROLES)
async def logout(request: Request) -> Response:
    deps_of(request).sessions.end(request.cookies.get(COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


def _set_cookie(
    request: Request, response: Response, name: str, value: str, *, path: str = "/"
) -> None:
    secure = request.url.scheme == "https" or deps_of(request).settings.console_secure_cookie
    response.set_cookie(name, value, path=path, httponly=True, samesite="strict", secure=secure)


# --- landing ------------------------------------------------------------------------------------
@requires(*ROLES)
async def landing(request: Request) -> Response:
    return render(request, "landing.html")


@public
async def healthz(request: Request) -> Response:  # noqa: ARG001
    return PlainTextResponse("ok")


# --- accounts (admin) ---------------------------------------------------------------------------
@requires(ADMIN)
async def accounts_page(request: Request) -> Response:
    return _accounts(request)


def _accounts(
    request: Request,
    *,
    factor: SecondFactor | None = None,
    factor_for: str = "",
    error: str = "",
    done: str = "",
    status: int = 200,
) -> Response:
    deps = deps_of(request)
    return render(
        request,
        "accounts.html",
        {
            "accounts": deps.accounts.all(),
            "roles": ROLES,
            "now": deps.now(),
            "factor": factor,
            "factor_for": factor_for,
            "error": error,
            "done": done,
        },
        status=status,
    )


@requires(ADMIN)
async def account_create(request: Request) -> Response:
    deps = deps_of(request)
    form = await request.form()
    name = str(form.get("name", "")).strip()
    try:
        account, factor = deps.accounts.add(
            name,
            agency=str(form.get("agency", "")).strip(),
            roles=[str(role) for role in form.getlist("role")],
            password=str(form.get("password", "")),
            known_agencies=deps.known_agencies(),
        )
    except AccountError as exc:
        return _accounts(request, error=str(exc), status=400)
    return _accounts(request, factor=factor, factor_for=account.name, done="console.done.created")


_ACTIONS = ("disable", "enable", "unlock", "reset-totp", "reset-password")


@requires(ADMIN)
async def account_action(request: Request) -> Response:
    deps = deps_of(request)
    name = request.path_params["name"]
    action = request.path_params["action"]
    if action not in _ACTIONS:
        return error_page(request, 404)
    form = await request.form()
    try:
        if action == "disable":
            _not_self(request, name)
            deps.accounts.disable(name)
        elif action == "enable":
            deps.accounts.enable(name)
        elif action == "unlock":
            deps.accounts.unlock(name)
        elif action == "reset-password":
            deps.accounts.reset_password(name, str(form.get("password", "")))
        else:
            factor = deps.accounts.reset_totp(name)
            return _accounts(request, factor=factor, factor_for=name, done="console.done.totp")
    except AccountError as exc:
        return _accounts(request, error=str(exc), status=400)
    return _accounts(request, done=f"console.done.{action}")


def _not_self(request: Request, name: str) -> None:
    if name == account_of(request).name:
        raise AccountError("an administrator cannot disable their own account")


# --- the application ----------------------------------------------------------------------------
def own_routes() -> list[BaseRoute]:
    return [
        Route("/", landing, methods=["GET"]),
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/accounts", accounts_page, methods=["GET"]),
        Route("/accounts", account_create, methods=["POST"]),
        Route("/accounts/{name}/{action}", account_action, methods=["POST"]),
    ]


def templates() -> Environment:
    return Environment(
        loader=PackageLoader("console", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def create_app(
    deps: ConsoleDeps, *, pages: Sequence[BaseRoute] = (), links: Sequence[NavLink] = ()
) -> Starlette:
    """The console over ``deps``: its own routes, then ``pages`` (each guarded alike)."""
    routes: list[BaseRoute] = []
    for route in [*own_routes(), *pages]:
        if not isinstance(route, Route):  # a Mount or a WebSocket route would pass unguarded
            raise TypeError(f"console pages are plain routes, each guarded: {route!r}")
        routes.append(
            Route(route.path, _guarded(route.endpoint), methods=route.methods, name=route.name)
        )
    routes.append(Mount("/static", StaticFiles(packages=[("console", "static")]), name="static"))

    async def not_found(request: Request, exc: Exception) -> Response:
        request.state.lang = _query_lang(request) or "zh"
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        return error_page(request, status if status in (403, 404, 405) else 404)

    app = Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeaders)],
        exception_handlers={404: not_found, 405: not_found},
    )
    app.state.deps = deps
    app.state.templates = templates()
    app.state.links = (ACCOUNTS_LINK, *links)
    return app
