"""The console's routes through Starlette's TestClient: login, sessions, CSRF, guard, headers."""

from __future__ import annotations

from dataclasses import replace
from importlib.resources import files

import pytest
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from console.accounts import ROLES
from console.app import create_app, own_routes, record_read
from console.security import declared_roles, requires
from console.wiring import ReadLogMissing
from console_testing import PASSWORD, code_at, csrf_of, login, login_token


def test_login_with_password_and_code_lands_on_the_role_page(client, make_user, clock):
    user = make_user("admin1", "admin")
    response = login(client, user, clock)
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "samesite=strict" in cookie.lower()
    landing = client.get("/")
    assert landing.status_code == 200
    assert "admin1（city-procuratorate）" in landing.text
    assert 'href="/accounts"' in landing.text


def test_a_wrong_code_or_password_fails_alike_and_leaves_no_session(client, make_user, clock):
    user = make_user("li.wei", "auditor")
    bad_code = login(
        client, user, clock, code="123456" if code_at(user, clock) != "123456" else "654321"
    )
    bad_password = login(client, user, clock, password="not the password")
    for response in (bad_code, bad_password):
        assert response.status_code == 401
        assert "登录失败：请检查账户名、密码和动态验证码。" in response.text
    assert client.get("/").status_code == 303


def test_a_code_is_usable_once(client, make_user, clock, app):
    user = make_user("li.wei", "auditor")
    code = code_at(user, clock)
    assert login(client, user, clock, code=code).status_code == 303
    with TestClient(app, follow_redirects=False) as other:
        assert login(other, user, clock, code=code).status_code == 401


def test_lock_out_after_the_configured_failures(client, make_user, clock, accounts):
    user = make_user("li.wei", "auditor")
    for _ in range(3):
        assert login(client, user, clock, password="not the password").status_code == 401
    assert login(client, user, clock).status_code == 401  # right, but locked
    assert accounts.require("li.wei").locked(clock.now)


def test_a_disabled_accounts_session_dies_at_once(client, make_user, clock, accounts):
    user = make_user("li.wei", "auditor")
    login(client, user, clock)
    assert client.get("/").status_code == 200
    accounts.disable("li.wei")
    response = client.get("/")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_idle_logout_with_the_injected_clock(client, make_user, clock):
    user = make_user("li.wei", "auditor")
    login(client, user, clock)
    clock.advance(minutes=14)
    assert client.get("/").status_code == 200
    clock.advance(minutes=15, seconds=1)
    assert client.get("/").status_code == 303


def test_logout_ends_the_session(client, make_user, clock):
    user = make_user("li.wei", "auditor")
    login(client, user, clock)
    token = csrf_of(client.get("/").text)
    cookie = client.cookies.get("casehub_console")
    assert client.post("/logout", data={"csrf": token}).status_code == 303
    client.cookies.set("casehub_console", cookie)  # the old cookie, replayed
    assert client.get("/").status_code == 303


def test_posts_without_the_csrf_token_are_refused(client, make_user, clock, accounts):
    user = make_user("admin1", "admin")
    make_user("li.wei", "auditor")
    login(client, user, clock)
    for data in ({}, {"csrf": "forged"}):
        response = client.post("/accounts/li.wei/disable", data=data)
        assert response.status_code == 403
        assert "表单令牌" in response.text
    assert not accounts.require("li.wei").disabled
    token = csrf_of(client.get("/accounts").text)
    assert client.post("/accounts/li.wei/disable", data={"csrf": token}).status_code == 200
    assert accounts.require("li.wei").disabled


def test_login_without_its_form_token_is_refused(client, make_user, clock):
    user = make_user("li.wei", "auditor")
    response = client.post(
        "/login", data={"name": user.name, "password": PASSWORD, "code": code_at(user, clock)}
    )
    assert response.status_code == 403


def test_logged_out_requests_go_to_login_and_come_back(client, make_user, clock):
    user = make_user("admin1", "admin")
    response = client.get("/accounts?lang=en")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Faccounts%3Flang%3Den"
    token = login_token(client)
    back = client.post(
        "/login",
        data={
            "login_csrf": token,
            "name": "admin1",
            "password": PASSWORD,
            "code": code_at(user, clock),
            "next": "/accounts?lang=en",
        },
    )
    assert back.headers["location"] == "/accounts?lang=en"


def test_login_never_sends_to_another_site(client, make_user, clock):
    user = make_user("admin1", "admin")
    token = login_token(client)
    back = client.post(
        "/login",
        data={
            "login_csrf": token,
            "name": "admin1",
            "password": PASSWORD,
            "code": code_at(user, clock),
            "next": "//evil.example/",
        },
    )
    assert back.headers["location"] == "/"


@pytest.mark.parametrize("role", ROLES)
def test_accounts_page_is_for_admins_only(client, make_user, clock, role):
    user = make_user("someone", role)
    login(client, user, clock)
    response = client.get("/accounts")
    assert response.status_code == (200 if role == "admin" else 403)
    landing = client.get("/")
    assert ('href="/accounts"' in landing.text) == (role == "admin")


def test_admin_creates_an_account_and_sees_its_secret_once(client, make_user, clock, accounts):
    user = make_user("admin1", "admin")
    login(client, user, clock)
    token = csrf_of(client.get("/accounts").text)
    created = client.post(
        "/accounts",
        data={
            "csrf": token,
            "name": "zhang.san",
            "agency": "city-police",
            "role": ["officer"],
            "password": "a long enough password",
        },
    )
    assert created.status_code == 200
    assert 'id="totp-secret"' in created.text
    assert "otpauth://totp/CaseHub:zhang.san" in created.text
    assert accounts.require("zhang.san").roles == ("officer",)
    again = client.get("/accounts")
    assert 'id="totp-secret"' not in again.text
    refused = client.post(
        "/accounts",
        data={
            "csrf": token,
            "name": "Bad Name",
            "agency": "x",
            "role": ["auditor"],
            "password": "a long enough password",
        },
    )
    assert refused.status_code == 400
    assert "bad account name" in refused.text


def test_admin_cannot_disable_themselves(client, make_user, clock, accounts):
    user = make_user("admin1", "admin")
    login(client, user, clock)
    token = csrf_of(client.get("/accounts").text)
    response = client.post("/accounts/admin1/disable", data={"csrf": token})
    assert response.status_code == 400
    assert not accounts.require("admin1").disabled


def test_the_language_switch_is_remembered(client, make_user, clock):
    user = make_user("li.wei", "auditor")
    login(client, user, clock)
    assert "退出登录" in client.get("/").text
    assert "Log out" in client.get("/?lang=en").text
    assert "Log out" in client.get("/").text
    assert "退出登录" in client.get("/?lang=zh").text


def test_security_headers_on_every_response(client, make_user, clock):
    user = make_user("admin1", "admin")
    responses = [client.get("/login"), client.get("/nowhere"), client.get("/static/console.css")]
    login(client, user, clock)
    responses += [client.get("/"), client.get("/accounts"), client.post("/logout")]
    for response in responses:
        csp = response.headers["content-security-policy"]
        assert "default-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp
        assert "http" not in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
    for response in responses[:2] + responses[3:]:
        assert response.headers["cache-control"] == "no-store"


def test_every_asset_is_served_by_the_console(client):
    page = client.get("/login").text
    assert "/static/console.css" in page
    assert "/static/htmx.min.js" in page
    assert "http://" not in page
    assert "https://" not in page
    js = client.get("/static/htmx.min.js")
    assert js.status_code == 200
    assert "htmx" in js.text


def test_every_route_declares_its_roles():
    for route in own_routes():
        assert isinstance(route, Route)
        assert declared_roles(route.endpoint) is not None, route.path


def test_a_route_declaring_no_roles_is_refused(deps, make_user, clock):
    async def undeclared(request: Request) -> PlainTextResponse:  # noqa: ARG001
        return PlainTextResponse("secret")

    @requires("auditor")
    async def declared(request: Request) -> PlainTextResponse:  # noqa: ARG001
        return PlainTextResponse("for auditors")

    app = create_app(deps, pages=[Route("/undeclared", undeclared), Route("/declared", declared)])
    user = make_user("li.wei", "auditor")
    with TestClient(app, follow_redirects=False) as client:
        login(client, user, clock)
        refused = client.get("/undeclared")
        assert refused.status_code == 403
        assert "secret" not in refused.text
        assert client.get("/declared").text == "for auditors"
    # every route of the assembled app: declared, or refused
    for route in app.routes:
        if isinstance(route, Route):
            roles = declared_roles(route.endpoint)
            assert roles is not None or route.path == "/undeclared", route.path


def test_error_pages_in_both_languages(client):
    assert "页面不存在" in client.get("/nowhere").text
    assert "Not found" in client.get("/nowhere?lang=en").text
    assert client.get("/nowhere").status_code == 404


def test_requires_refuses_unknown_roles():
    with pytest.raises(ValueError, match="unknown role 'judge'"):
        requires("judge")
    with pytest.raises(ValueError, match="at least one role"):
        requires()


def test_a_read_the_log_refuses_is_a_503_page(deps, make_user, clock):
    class Refusing:
        def record(self, read, *, at=None):  # noqa: ARG002
            raise ReadLogMissing("disk full")

        def close(self):
            pass

    @requires("auditor")
    async def page(request: Request) -> PlainTextResponse:
        refused = record_read(request, {"kind": "case_page"})
        return refused or PlainTextResponse("case content")

    deps.read_log = Refusing()
    app = create_app(deps, pages=[Route("/case", page)])
    user = make_user("li.wei", "auditor")
    with TestClient(app, follow_redirects=False) as client:
        login(client, user, clock)
        response = client.get("/case")
        assert response.status_code == 503
        assert "阅览记录无法写入：本页面拒绝显示。" in response.text
        assert "case content" not in response.text


def test_a_recorded_read_lets_the_page_through(deps, make_user, clock):
    @requires("auditor")
    async def page(request: Request) -> PlainTextResponse:
        refused = record_read(request, {"kind": "case_page"})
        return refused or PlainTextResponse("case content")

    app = create_app(deps, pages=[Route("/case", page)])
    user = make_user("li.wei", "auditor")
    with TestClient(app, follow_redirects=False) as client:
        login(client, user, clock)
        assert client.get("/case").text == "case content"
    assert deps.read_log.reads == [{"kind": "case_page"}]


def test_sso_header_from_a_trusted_proxy_only(deps, make_user):
    make_user("li.wei", "auditor")
    deps.settings = replace(
        deps.settings, console_proxy_header="X-Remote-User", console_trusted_proxies="10.0.0.5"
    )
    app = create_app(deps)
    trusted = TestClient(app, follow_redirects=False, client=("10.0.0.5", 4000))
    signed = trusted.get("/login?next=/", headers={"X-Remote-User": "li.wei"})
    assert signed.status_code == 303
    assert trusted.get("/").status_code == 200
    stranger = TestClient(app, follow_redirects=False, client=("10.0.0.9", 4000))
    assert stranger.get("/login", headers={"X-Remote-User": "li.wei"}).status_code == 200
    assert stranger.get("/").status_code == 303
    unknown = trusted.get("/login", headers={"X-Remote-User": "nobody"})
    assert unknown.status_code == 200  # the ordinary login form


def test_no_inline_style_or_script_the_csp_would_block():
    for template in files("console").joinpath("templates").iterdir():
        text = template.read_text(encoding="utf-8")
        assert " style=" not in text, template.name
        assert "<style" not in text, template.name
        for script in text.split("<script")[1:]:
            assert script.lstrip().startswith('src="/static/'), template.name
        if template.name == "base.html":
            assert '"includeIndicatorStyles": false' in text  # htmx would inject a style


def test_admin_unlocks_resets_and_enables_on_the_page(client, make_user, clock, accounts, deps):
    admin = make_user("admin1", "admin")
    user = make_user("li.wei", "auditor")
    for _ in range(3):
        accounts_failure = login(TestClient(client.app), user, clock, password="wrong password!")
        assert accounts_failure.status_code == 401
    assert accounts.require("li.wei").locked(clock.now)
    login(client, admin, clock)
    page = client.get("/accounts")
    assert "已锁定至" in page.text
    token = csrf_of(page.text)
    assert client.post("/accounts/li.wei/unlock", data={"csrf": token}).status_code == 200
    assert not accounts.require("li.wei").locked(clock.now)
    reset = client.post("/accounts/li.wei/reset-totp", data={"csrf": token})
    assert "otpauth://totp/CaseHub:li.wei" in reset.text
    short = client.post("/accounts/li.wei/reset-password", data={"csrf": token, "password": "x"})
    assert short.status_code == 400
    assert "at least 12 characters" in short.text
    done = client.post(
        "/accounts/li.wei/reset-password", data={"csrf": token, "password": "a new long password"}
    )
    assert done.status_code == 200
    assert client.post("/accounts/li.wei/explode", data={"csrf": token}).status_code == 404
    assert deps.sessions.count("li.wei") == 0


def test_a_mounted_sub_application_cannot_slip_past_the_guard(deps):
    with pytest.raises(TypeError, match="each guarded"):
        create_app(deps, pages=[Mount("/open", routes=[])])
