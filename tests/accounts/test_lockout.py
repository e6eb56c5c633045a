"""Sign-in limits that an attacker cannot turn against staff: failures are counted per
(account, address), with a much higher cap per account and a slow-down (never a lock) per
address; an admin can unlock. Addresses come from X-Forwarded-For of a trusted proxy only."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace

import httpx
import pytest
from sqlalchemy.engine import Engine
from starlette.applications import Starlette

from helpdesk.accounts.service import (
    LoginLimits,
    finish_attempt,
    judge_attempt,
    record_attempt,
    unlock,
)
from helpdesk.app import create_app
from helpdesk.db import session_scope
from helpdesk.settings import Settings
from tests.accounts.helpers import PASSWORD, make_user, sign_in
from tests.conftest import clear_tables

ACCOUNT_TABLES = ("api_token", "login_attempt", "user_account")


@pytest.fixture
def accounts(db_engine: Engine) -> Iterator[Engine]:
    clear_tables(db_engine, *ACCOUNT_TABLES)
    yield db_engine
    clear_tables(db_engine, *ACCOUNT_TABLES)


@pytest.fixture
async def proxied_app(settings: Settings, accounts: Engine) -> AsyncIterator[Starlette]:
    """The service behind a trusted reverse proxy on loopback, with a low per-account cap."""
    app = create_app(
        replace(
            settings,
            import_kb_on_start=False,
            trusted_proxies=("127.0.0.1/32",),
            login_account_max_attempts=8,
        )
    )
    async with app.router.lifespan_context(app):
        yield app


def client_from(app: Starlette, address: str | None) -> httpx.AsyncClient:
    headers = {"X-Forwarded-For": address} if address else {}
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=headers)


async def test_an_attacker_elsewhere_cannot_lock_a_colleague_out(
    proxied_app: Starlette, accounts: Engine
) -> None:
    make_user(accounts, "sara")
    async with client_from(proxied_app, "203.0.113.9") as attacker:
        for _ in range(5):
            assert (await sign_in(attacker, "sara", "wrong password")).status_code == 401
        refused = await sign_in(attacker, "sara", PASSWORD)
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) > 0
    # Sara at her desk (another address) signs in as usual.
    async with client_from(proxied_app, "10.20.0.7") as desk:
        assert (await sign_in(desk, "sara", PASSWORD)).status_code == 303


async def test_a_forged_forwarded_for_is_ignored_without_a_trusted_proxy(
    settings: Settings, accounts: Engine
) -> None:
    app = create_app(replace(settings, import_kb_on_start=False))  # no trusted proxies
    make_user(accounts, "sara")
    async with app.router.lifespan_context(app):
        for attempt in range(6):
            # A new address on every request: without a trusted proxy it changes nothing.
            async with client_from(app, f"198.51.100.{attempt}") as client:
                response = await sign_in(client, "sara", "wrong password")
        assert response.status_code == 429


async def test_the_account_cap_holds_across_addresses_and_an_admin_can_unlock(
    proxied_app: Starlette, accounts: Engine
) -> None:
    make_user(accounts, "sara")
    for attempt in range(8):  # spread over addresses, under the per-pair limit
        async with client_from(proxied_app, f"203.0.113.{attempt}") as client:
            assert (await sign_in(client, "sara", "wrong password")).status_code == 401
    async with client_from(proxied_app, "10.20.0.7") as desk:
        assert (await sign_in(desk, "sara", PASSWORD)).status_code == 429
        with session_scope(accounts) as session:
            assert unlock(session, "sara") == 9
        assert (await sign_in(desk, "sara", PASSWORD)).status_code == 303


def test_an_address_with_many_failures_is_slowed_not_locked(accounts: Engine) -> None:
    limits = LoginLimits(per_pair=5, per_account=50, address_slow_after=3, max_delay_seconds=4)
    now = dt.datetime.now(dt.UTC)
    delays = []
    for attempt in range(8):  # eight different accounts behind one library NAT
        with session_scope(accounts) as session:
            attempt_id = record_attempt(session, f"user{attempt}", "library-nat", now)
        with session_scope(accounts) as session:
            decision = judge_attempt(session, attempt_id, limits, now)
            assert decision.allowed
            finish_attempt(session, attempt_id, succeeded=False)
        delays.append(decision.delay_seconds)
    assert delays == [0, 0, 0, 1, 2, 3, 4, 4]
    # Another address is not slowed.
    with session_scope(accounts) as session:
        other = record_attempt(session, "user0", "office", now)
    with session_scope(accounts) as session:
        assert judge_attempt(session, other, limits, now).delay_seconds == 0


async def test_the_slow_down_is_applied_over_http(settings: Settings, accounts: Engine) -> None:
    app = create_app(replace(settings, import_kb_on_start=False, login_address_slow_after=2))
    make_user(accounts, "sara")
    async with app.router.lifespan_context(app), client_from(app, None) as client:
        for name in ("anna", "bo"):
            assert (await sign_in(client, name, "wrong password")).status_code == 401
        started = time.monotonic()
        # The third failure from this address: answered, correctly, after a second.
        assert (await sign_in(client, "sara", PASSWORD)).status_code == 303
        assert time.monotonic() - started >= 1.0
