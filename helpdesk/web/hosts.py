"""Only the service's own host names are answered (``HELPDESK_ALLOWED_HOSTS``).

Starlette's TrustedHostMiddleware decides; a refused host gets the JSON error every other 4xx
has (in the caller's language) instead of its plain-text line. Absolute links never come from
the Host header anyway (``HELPDESK_PUBLIC_BASE_URL``); this keeps a forged Host out of
everything else too (redirects, the widget's script address, logs).
"""

from __future__ import annotations

from starlette._utils import parse_host_header
from starlette.datastructures import Headers
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from helpdesk.web.errors import scope_error_response


class AllowedHostsMiddleware(TrustedHostMiddleware):
    def __init__(self, app: ASGIApp, allowed_hosts: tuple[str, ...]) -> None:
        super().__init__(app, allowed_hosts=list(allowed_hosts), www_redirect=False)

    def allows(self, host_header: str | None) -> bool:
        parsed = parse_host_header(host_header)
        if parsed is None:
            return False
        host = parsed.host.lower()
        return any(
            host == pattern or (pattern.startswith("*.") and host.endswith(pattern[1:]))
            for pattern in self.allowed_hosts
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.allow_any or scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if self.allows(headers.get("host")):
            await self.app(scope, receive, send)
            return
        await scope_error_response(scope, 400, "unknown_host")(scope, receive, send)
