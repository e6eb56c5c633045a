"""Who is calling: the authenticator behind :mod:`helpdesk.web.access`, and CSRF protection.

This is the HTTP side of sign-in; the accounts domain (:mod:`helpdesk.accounts.service`) checks
passwords, tokens and session versions and knows nothing of requests.

- Pages use a session cookie (Starlette's SessionMiddleware: signed with itsdangerous, HttpOnly,
  SameSite=Lax, Secure outside development). It holds the user id and the user's
  ``session_version``, so a new password or a deactivated account ends every sign-in.
- API clients send ``Authorization: Bearer <token>``. When that header is present it is the only
  credential looked at: a bad token is refused even if a session cookie is there too.
- Every state-changing request that is authorised by the cookie must carry the session's CSRF
  token (form field ``csrf_token`` or header ``X-CSRF-Token``); so must the sign-in and sign-out
  forms. Bearer-token requests need none: a browser never adds that header by itself.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import parse_qs

from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from helpdesk.accounts.models import User
from helpdesk.accounts.service import user_for_session, user_for_token
from helpdesk.db import session_scope
from helpdesk.web.access import PUBLIC, Authenticator, Principal, access_of
from helpdesk.web.errors import error_response

SESSION_COOKIE = "helpdesk_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

F = TypeVar("F", bound=Callable[..., Any])


def _principal(user: User | None) -> Principal | None:
    if user is None or user.id is None:
        return None
    return Principal(user_id=user.id, username=user.username, role=user.role)


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer`` header; "" for any other Authorization."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def make_authenticator(db: Engine) -> Authenticator:
    async def authenticate(request: Request) -> Principal | None:
        token = bearer_token(request)
        if token is not None:
            if not token:
                return None

            def by_token() -> Principal | None:
                with session_scope(db) as session:
                    return _principal(user_for_token(session, token))

            return await run_in_threadpool(by_token)
        session_data = request.scope.get("session") or {}
        user_id, version = session_data.get("uid"), session_data.get("sv")
        if not isinstance(user_id, int) or not isinstance(version, int):
            return None

        def by_session() -> Principal | None:
            with session_scope(db) as session:
                return _principal(user_for_session(session, user_id, version))

        return await run_in_threadpool(by_session)

    return authenticate


# --- CSRF ---------------------------------------------------------------------------------------


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use (this starts a session cookie)."""
    token = request.session.get("csrf")
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def sign_in(request: Request, user: User) -> None:
    """A fresh session for the user (no fixation: the old one, CSRF token included, is gone)."""
    request.session.clear()
    request.session.update(
        {"uid": user.id, "sv": user.session_version, "csrf": secrets.token_urlsafe(32)}
    )


def sign_out(request: Request) -> None:
    request.session.clear()


def csrf_protect(endpoint: F) -> F:
    """Require the CSRF token on unsafe requests to this (public) endpoint: sign-in, sign-out."""
    endpoint.__csrf__ = True  # type: ignore[attr-defined]
    return endpoint


def _needs_csrf(route: BaseRoute, headers: Headers) -> bool:
    if getattr(getattr(route, "endpoint", None), "__csrf__", False):
        return True
    access = access_of(route)
    # Routes behind a role are authorised by the cookie unless a bearer token is sent.
    return access not in (None, PUBLIC) and "authorization" not in headers


class CSRFMiddleware:
    """Checks the CSRF token of unsafe requests that the session cookie authorises.

    Runs inside the access control (so anonymous callers get 401/login first). The body is read
    to find a form field and then handed on unchanged to the endpoint.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        routes: list[BaseRoute] = scope["app"].routes
        matched = next((r for r in routes if r.matches(scope)[0] == Match.FULL), None)
        headers = Headers(scope=scope)
        if matched is None or not _needs_csrf(matched, headers):
            await self.app(scope, receive, send)
            return
        body, more = b"", True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            more = message.get("more_body", False)
        expected = (scope.get("session") or {}).get("csrf")
        given = headers.get(CSRF_HEADER)
        content_type = headers.get("content-type", "").split(";")[0].strip()
        if given is None and content_type == "application/x-www-form-urlencoded":
            values = parse_qs(body.decode("latin-1"), keep_blank_values=True).get(CSRF_FIELD)
            given = values[0] if values else None
        if not (
            isinstance(expected, str)
            and expected
            and given
            and hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace"))
        ):
            response = await self._refuse(Request(scope))
            await response(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, request: Request) -> Response:
        return error_response(request, 403, "csrf_failed")
