"""Staff sign-in and sign-out (``/login``, ``/logout``), and ``/api/v1/me``."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Literal

from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from helpdesk.accounts.models import User
from helpdesk.accounts.service import (
    AttemptDecision,
    LoginLimits,
    address_hash,
    end_sessions,
    finish_attempt,
    judge_attempt,
    record_attempt,
    verify_credentials,
)
from helpdesk.clock import utcnow
from helpdesk.db import session_scope
from helpdesk.i18n import N_, Nn_, Plural, gettext_for
from helpdesk.openapi import Operation, operation
from helpdesk.routes._body import read_form
from helpdesk.routes._common import NO_STORE
from helpdesk.routes.schemas import ErrorResponse
from helpdesk.settings import Settings
from helpdesk.web.access import public, requires
from helpdesk.web.auth import csrf_protect, sign_in, sign_out
from helpdesk.web.client import client_address
from helpdesk.web.locale import page_language
from helpdesk.web.templating import render

DEFAULT_NEXT = "/staff"

MISSING = N_("Please fill in both your username and your password.")
WRONG = N_("The username or password is wrong.")
LIMITED = Nn_(
    "Too many attempts to sign in. Please wait %(minutes)s minute and try again.",
    "Too many attempts to sign in. Please wait %(minutes)s minutes and try again.",
    "minutes",
)


def safe_next(value: object) -> str:
    """Only a path on this site: never another host ("//evil.example", "https://...")."""
    if (
        not isinstance(value, str)
        or not value.startswith("/")
        or value.startswith("//")
        or "\\" in value
        or any(ord(ch) < 32 for ch in value)
    ):
        return DEFAULT_NEXT
    return value[:500]


def _login_page(
    request: Request,
    *,
    next_path: str,
    username: str = "",
    error: str | Plural | None = None,
    error_params: dict[str, object] | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    language = page_language(request)
    context = {
        "next": next_path,
        "username": username,
        "error": gettext_for(language, error, **(error_params or {})) if error else None,
    }
    return render(
        request,
        "accounts/login.html",
        context,
        language,
        status_code=status_code,
        headers={**NO_STORE, **(headers or {})},
    )


def login_limits(settings: Settings) -> LoginLimits:
    return LoginLimits(
        per_pair=settings.login_max_attempts,
        window=dt.timedelta(minutes=settings.login_window_minutes),
        per_account=settings.login_account_max_attempts,
        account_window=dt.timedelta(minutes=settings.login_account_window_minutes),
        address_slow_after=settings.login_address_slow_after,
    )


@public
async def login_form(request: Request) -> Response:
    return _login_page(request, next_path=safe_next(request.query_params.get("next")))


@public
@csrf_protect
async def login(request: Request) -> Response:
    form = await read_form(request)
    username = str(form.get("username") or "").strip()[:64]
    password = str(form.get("password") or "")[:1024]
    next_path = safe_next(form.get("next"))
    if not username or not password:
        return _login_page(
            request, next_path=next_path, username=username, error=MISSING, status_code=400
        )
    settings = request.app.state.settings
    db = request.app.state.db
    address = address_hash(settings.secret_key, client_address(request))
    limits = login_limits(settings)

    def judge() -> AttemptDecision:
        now = utcnow()
        # Written and committed first, then judged: see judge_attempt.
        with session_scope(db) as session:
            attempt_id = record_attempt(session, username, address, now)
        with session_scope(db) as session:
            return judge_attempt(session, attempt_id, limits, now)

    def check(attempt_id: int) -> User | None:
        with session_scope(db) as session:
            user = verify_credentials(session, username, password)
            finish_attempt(session, attempt_id, succeeded=user is not None)
            return user

    decision = await run_in_threadpool(judge)
    retry_after, user = decision.retry_after_seconds, None
    if decision.allowed:
        # An address with many failures waits (staff behind the same NAT are slowed, not
        # locked out); the attempt stays pending meanwhile, so it counts for racing ones.
        await asyncio.sleep(decision.delay_seconds)
        user = await run_in_threadpool(check, decision.attempt_id)
    if retry_after:
        minutes = max(1, -(-retry_after // 60))
        return _login_page(
            request,
            next_path=next_path,
            username=username,
            error=LIMITED,
            error_params={"minutes": minutes},
            status_code=429,
            headers={"Retry-After": str(retry_after)},
        )
    if user is None:
        return _login_page(
            request, next_path=next_path, username=username, error=WRONG, status_code=401
        )
    sign_in(request, user)
    return RedirectResponse(next_path, status_code=303, headers=NO_STORE)


@public
@csrf_protect
async def logout(request: Request) -> Response:
    """Sign out. The session cookie is signed, not stored, so a copy of it would stay valid:
    signing out therefore ends the account's sessions on every device."""
    user_id, version = request.session.get("uid"), request.session.get("sv")
    if isinstance(user_id, int) and isinstance(version, int):

        def end() -> None:
            with session_scope(request.app.state.db) as session:
                end_sessions(session, user_id, version)

        await run_in_threadpool(end)
    sign_out(request)
    return RedirectResponse("/login", status_code=303, headers=NO_STORE)


class Me(BaseModel):
    user_id: int
    username: str
    role: Literal["staff", "coordinator", "admin"]


@operation(
    Operation(
        summary="The signed-in account (bearer token or session)",
        responses={200: ("The account", Me), 401: ("Not signed in", ErrorResponse)},
        tags=["accounts"],
    )
)
@requires("staff")
async def me(request: Request) -> JSONResponse:
    principal = request.state.principal
    body = Me(user_id=principal.user_id, username=principal.username, role=principal.role)
    return JSONResponse(body.model_dump())


routes = [
    Route("/login", login_form, methods=["GET"], name="login_form"),
    Route("/login", login, methods=["POST"], name="login"),
    Route("/logout", logout, methods=["POST"], name="logout"),
    Route("/api/v1/me", me, methods=["GET"], name="me"),
]
