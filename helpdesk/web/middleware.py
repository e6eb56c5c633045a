"""ASGI middleware: a hard limit on request body size."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from helpdesk.i18n import negotiate_language
from helpdesk.web.errors import error_body


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
        headers = Headers(scope=scope)
        language = negotiate_language(accept_language=headers.get("accept-language"))
        body = error_body("body_too_large", language, limit=self.max_bytes)
        response = JSONResponse(body, 413, headers={"Content-Language": language})
        await response(scope, receive, send)
