"""ASGI middleware: a hard limit on request body size; no control characters in the URL; the
security headers of every response."""

from __future__ import annotations

from urllib.parse import unquote_plus

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from helpdesk.dbtypes import unstorable
from helpdesk.web.errors import scope_error_response


class BodySizeLimitMiddleware:
    """Refuse bodies over ``max_bytes`` with 413, whether announced by Content-Length or not.

    The body is counted as it streams, so a chunked upload cannot slip past the limit, and the
    handler never sees a truncated body (it gets the error before it has read anything partial).
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = Headers(scope=scope).get("content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await self._reject(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise HTTPException(413)
            return message

        await self.app(scope, limited_receive, send)

    async def _reject(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = scope_error_response(scope, 413, "body_too_large", limit=self.max_bytes)
        await response(scope, receive, send)


class UnstorableUrlMiddleware:
    """Refuse a path or query string holding a control character (``%00``) or a broken one with
    422 ``invalid_character``, before any handler looks it up.

    Bodies are checked field by field where they are read (:class:`helpdesk.dbtypes.InputModel`
    and :func:`helpdesk.routes._body.read_form`); a URL is checked here once for every route, as
    a NUL in a slug or a search sent to PostgreSQL is an error there rather than "not found".
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            query = unquote_plus(scope.get("query_string", b"").decode("latin-1"), errors="replace")
            if unstorable(scope["path"]) or unstorable(query):
                response = scope_error_response(scope, 422, "invalid_character")
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


#: Every page's policy: scripts, styles, images, fonts and fetches from this site only; nothing
#: inline (no <script> blocks, no onclick=, no style= attributes: the templates have none), no
#: plug-ins, and no framing by anyone. A response that sets its own policy keeps it.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
#: A year; sent only in production, where the service is reached over HTTPS only.
HSTS = "max-age=31536000"


def security_headers(production: bool) -> list[tuple[bytes, bytes]]:
    headers = [
        (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
        # For browsers that predate frame-ancestors: nothing here is meant to be framed (the
        # chat widget is a script in the host page, the kiosk a full-screen browser).
        (b"x-frame-options", b"DENY"),
        (b"x-content-type-options", b"nosniff"),
        # Booking and kiosk pages send no-referrer themselves; elsewhere only the origin leaves.
        (b"referrer-policy", b"strict-origin-when-cross-origin"),
    ]
    if production:
        headers.append((b"strict-transport-security", HSTS.encode()))
    return headers


class SecurityHeadersMiddleware:
    """Adds the security headers to every response, unless the response set that header."""

    def __init__(self, app: ASGIApp, production: bool) -> None:
        self.app, self.headers = app, security_headers(production)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(name, value) for name, value in self.headers if name not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
