"""Signing in and out over HTTP: CSRF, cookie flags, rate limiting across processes, tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace

import httpx
import pytest
from sqlalchemy.engine import Engine
from starlette.applications import Starlette

from helpdesk.app import create_app
from helpdesk.settings import Settings
from helpdesk.web.auth import SESSION_COOKIE
from tests.accounts.helpers import PASSWORD, csrf_from, make_token, make_user, sign_in
from tests.conftest import clear_tables

ACCOUNT_TABLES = ("api_token", "login_attempt", "user_account")


@pytest.fixture
def accounts(db_engine: Engine) -> Iterator[Engine]:
    clear_tables(db_engine, *ACCOUNT_TABLES)
    yield db_engine
    clear_tables(db_engine, *ACCOUNT_TABLES)


def cookie_header(response: httpx.Response) -> str:
    headers = [h for h in response.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE)]
    assert headers, "no session cookie set"
    return headers[-1].lower()


async def test_sign_in_and_out(client: httpx.AsyncClient, accounts: Engine) -> None:
    make_user(accounts, "sara")
    assert (await client.get("/staff/day", follow_redirects=False)).status_code == 303
    form = await client.get("/login?next=/staff/day")
    assert form.status_code == 200
    flags = cookie_header(form)
    assert "httponly" in flags
    assert "samesite=lax" in flags
    assert "secure" not in flags  # development: plain http on localhost works
    assert 'autocomplete="current-password"' in form.text
    response = await sign_in(client, "sara", next_path="/staff/day")
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/day"
    assert PASSWORD not in response.text
    day = await client.get("/staff/day")
    assert day.status_code == 200
    me = await client.get("/api/v1/me")
    assert me.json() == {"user_id": me.json()["user_id"], "username": "sara", "role": "staff"}
    stolen_cookie = client.cookies.get(SESSION_COOKIE)
    out = await client.post("/logout", data={"csrf_token": csrf_from(day.text)})
    assert out.status_code == 303
    assert out.headers["location"] == "/login"
    assert (await client.get("/staff/day", follow_redirects=False)).status_code == 303
    # A copy of the old cookie does not work after signing out.
    client.cookies.set(SESSION_COOKIE, stolen_cookie or "")
    assert (await client.get("/api/v1/me")).status_code == 401


async def test_wrong_password_and_open_redirects(
    client: httpx.AsyncClient, accounts: Engine
) -> None:
    make_user(accounts, "sara")
    wrong = await sign_in(client, "sara", "not the password")
    assert wrong.status_code == 401
    assert "Brugernavn eller adgangskode er forkert." in wrong.text  # Danish by default
    unknown = await sign_in(client, "nobody", PASSWORD)
    assert unknown.status_code == 401
    assert (await client.get("/api/v1/me")).status_code == 401
    for target in ("//evil.example/x", "https://evil.example", "/\\evil.example"):
        response = await sign_in(client, "sara", next_path=target)
        assert response.headers["location"] == "/staff", target


async def test_login_needs_the_csrf_token(client: httpx.AsyncClient, accounts: Engine) -> None:
    make_user(accounts, "sara")
    await client.get("/login")
    for token in (None, "forged"):
        data = {"username": "sara", "password": PASSWORD}
        if token:
            data["csrf_token"] = token
        response = await client.post("/login", data=data)
        assert response.status_code == 403
        assert "Formularen er udløbet" in response.text
    assert (await client.get("/api/v1/me")).status_code == 401


async def test_cookie_is_secure_in_production(settings: Settings) -> None:
    production = create_app(replace(settings, environment="production"))
    transport = httpx.ASGITransport(app=production)
    async with httpx.AsyncClient(transport=transport, base_url="https://helpdesk.example") as c:
        form = await c.get("/login")
    assert "secure" in cookie_header(form)


async def _other_process(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A second service process: its own app instance and connection pool, the same database."""
    other = create_app(replace(settings, import_kb_on_start=False))
    async with other.router.lifespan_context(other):
        transport = httpx.ASGITransport(app=other)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


async def test_sign_in_attempts_are_limited_across_processes(
    app: Starlette, client: httpx.AsyncClient, settings: Settings, accounts: Engine
) -> None:
    make_user(accounts, "sara")
    for _ in range(3):
        assert (await sign_in(client, "sara", "wrong password")).status_code == 401
    async for other in _other_process(settings):
        for _ in range(2):
            assert (await sign_in(other, "sara", "wrong password")).status_code == 401
        limited = await sign_in(other, "sara", PASSWORD)  # even the right password now
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) > 0
        assert "For mange forsøg på at logge ind" in limited.text
    assert (await sign_in(client, "sara", PASSWORD)).status_code == 429
    assert (await client.get("/api/v1/me")).status_code == 401
    # Another account is not locked out by Sara's attempts.
    make_user(accounts, "jens")
    assert (await sign_in(client, "jens", PASSWORD)).status_code == 303


async def test_bearer_tokens(client: httpx.AsyncClient, accounts: Engine) -> None:
    make_user(accounts, "integration", "coordinator")
    token = make_token(accounts, "integration")
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json()["role"] == "coordinator"
    for header in (f"Bearer {token}x", "Bearer ", f"Basic {token}", token):
        response = await client.get("/api/v1/me", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.headers["www-authenticate"] == "Bearer"
    # A bad bearer token is refused even next to a good session cookie.
    make_user(accounts, "sara")
    await sign_in(client, "sara")
    assert (await client.get("/api/v1/me")).status_code == 200
    assert (
        await client.get("/api/v1/me", headers={"Authorization": "Bearer nope"})
    ).status_code == 401
