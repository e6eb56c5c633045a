"""``/metrics`` for Prometheus, and the middleware that counts and times every request.

``/metrics`` answers only callers from ``HELPDESK_METRICS_NETWORKS`` (by default this machine)
or with ``Authorization: Bearer <HELPDESK_METRICS_TOKEN>``; anyone else gets the same 404 as for
a page that does not exist. The caller's address is the one uvicorn saw, or the one a trusted
proxy forwarded (``HELPDESK_TRUSTED_PROXIES``).
"""

from __future__ import annotations

import hmac
import time

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from helpdesk import telemetry
from helpdesk.settings import Settings, address_in_networks
from helpdesk.web.access import public
from helpdesk.web.client import client_address


def metrics_allowed(request: Request, settings: Settings) -> bool:
    token = settings.metrics_token
    if token:
        given = request.headers.get("authorization", "")
        if hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return True
    return address_in_networks(client_address(request), settings.metrics_networks)


@public
async def metrics(request: Request) -> Response:
    if not metrics_allowed(request, request.app.state.settings):
        raise HTTPException(404)
    return Response(
        telemetry.exposition(),
        media_type=telemetry.CONTENT_TYPE_LATEST,
        headers={"Cache-Control": "no-store"},
    )


routes = [Route("/metrics", metrics, methods=["GET"], name="metrics")]


class RequestMetricsMiddleware:
    """Counts and times each HTTP request under its route's template (``/guides/{slug}``), so
    that the labels stay few and never hold what was typed into a URL."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "(unmatched)"
            method = scope["method"]
            telemetry.REQUESTS.labels(method, template, str(status)).inc()
            telemetry.REQUEST_SECONDS.labels(method, template).observe(
                time.perf_counter() - started
            )
