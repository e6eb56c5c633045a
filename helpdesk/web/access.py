"""Who may call which route, declared on the endpoint and enforced in one place.

Every route declares its access: ``@public`` or ``@requires("staff" | "coordinator" | "admin")``.
:class:`AccessControlMiddleware` enforces it before the endpoint runs; a route that declares
nothing is refused (secure by default), and a test walks the routing table to prove that no
non-public route answers an anonymous request. Who the caller is comes from the app's
``authenticator`` (sessions and bearer tokens), a seam the accounts package fills.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Match, Mount
from starlette.types import ASGIApp, Receive, Scope, Send

from helpdesk.accounts.roles import ROLES, has_role
from helpdesk.web.errors import error_response

PUBLIC = "public"

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: a staff account, by session cookie or bearer token."""

    user_id: int
    username: str
    role: str

    def has_role(self, role: str) -> bool:
        return has_role(self.role, role)


Authenticator = Callable[[Request], Awaitable[Principal | None]]


async def anonymous(request: Request) -> Principal | None:
    return None


def public(endpoint: F) -> F:
    endpoint.__access__ = PUBLIC  # type: ignore[attr-defined]
    return endpoint


def requires(role: str) -> Callable[[F], F]:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")

    def decorate(endpoint: F) -> F:
        endpoint.__access__ = role  # type: ignore[attr-defined]
        return endpoint

    return decorate


def access_of(route: BaseRoute) -> str | None:
    """The declared access of a route: PUBLIC, a role, or None when nothing is declared."""
    if isinstance(route, Mount):
        return getattr(route.app, "__access__", None)
    return getattr(getattr(route, "endpoint", None), "__access__", None)


class AccessControlMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        routes: list[BaseRoute] = scope["app"].routes
        matched = next((r for r in routes if r.matches(scope)[0] == Match.FULL), None)
        if matched is None:
            # Unknown path, or a known path with the wrong method: let the router answer 404/405.
            await self.app(scope, receive, send)
            return
        access = access_of(matched)
        if access == PUBLIC:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        authenticator: Authenticator = getattr(scope["app"].state, "authenticator", anonymous)
        principal = await authenticator(request) if access is not None else None
        scope.setdefault("state", {})["principal"] = principal
        response: Response | None = None
        if access is None:
            response = error_response(request, 403, "forbidden")
        elif principal is None:
            if request.url.path.startswith("/api/"):
                response = error_response(
                    request, 401, "unauthorized", headers={"WWW-Authenticate": "Bearer"}
                )
            else:
                # Back to the page asked for, its query too (/staff/day?location=dokk1).
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                response = RedirectResponse(
                    f"/login?next={quote(target, safe='/')}", status_code=303
                )
        elif not principal.has_role(access):
            response = error_response(request, 403, "forbidden")
        if response is not None:
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
