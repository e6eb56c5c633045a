"""Who is on the other end of the connection: the one place that decides the client's address.

Everything that needs the caller's network address (sign-in throttling, audit, rate limits) asks
:func:`client_address`. ``X-Forwarded-For`` and ``X-Forwarded-Proto`` are believed only from the
reverse proxies listed in ``HELPDESK_TRUSTED_PROXIES`` (empty by default): from anyone else a
client could rotate the header and look like a new address on every request.

:class:`TrustedProxyMiddleware` applies the same rule once per request and writes the result into
the ASGI scope (``client`` and ``scheme``), so that ``request.client``, ``request.url`` and the
access log agree with it. ``helpdesk serve`` turns uvicorn's own proxy-header handling off (it
trusts loopback by default); run plain uvicorn with ``--no-proxy-headers`` for the same.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import cache

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

#: Where the middleware leaves the address it worked out (read back by client_address).
SCOPE_KEY = "helpdesk.client_address"
UNKNOWN = "-"


@cache
def _networks(trusted: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in trusted)


def _is_trusted(address: str, networks: Iterable[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in networks)


def forwarded_client(peer: str, forwarded_for: str | None, trusted: tuple[str, ...]) -> str:
    """The client's address, given the connection's peer and its ``X-Forwarded-For`` header.

    The header is read only if the peer is a trusted proxy, and then from the right (the entry
    the nearest proxy added) leftwards past further trusted proxies: the first address that is
    not one of ours is the client. Entries further left were written by the client itself and
    prove nothing.
    """
    networks = _networks(trusted)
    if not networks or not forwarded_for or not _is_trusted(peer, networks):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return peer  # garbage in the chain: fall back to what we know for sure
        if not _is_trusted(hop, networks):
            return hop
    return hops[0] if hops else peer


def _scope_peer(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else UNKNOWN


def client_address(request: Request) -> str:
    """The caller's network address (a string; ``"-"`` when the server does not know it)."""
    known = request.scope.get(SCOPE_KEY)
    if isinstance(known, str):
        return known
    trusted: tuple[str, ...] = request.app.state.settings.trusted_proxies
    return forwarded_client(
        _scope_peer(request.scope), request.headers.get("x-forwarded-for"), trusted
    )


class TrustedProxyMiddleware:
    """Replaces the peer address (and scheme) by what a trusted proxy forwarded; outermost."""

    def __init__(self, app: ASGIApp, trusted_proxies: tuple[str, ...]) -> None:
        self.app, self.trusted = app, trusted_proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            peer = _scope_peer(scope)
            headers = Headers(scope=scope)
            address = forwarded_client(peer, headers.get("x-forwarded-for"), self.trusted)
            scope[SCOPE_KEY] = address
            if address != peer:
                scope["client"] = (address, 0)
            proto = headers.get("x-forwarded-proto", "").split(",")[-1].strip().lower()
            if proto in ("http", "https") and _is_trusted(peer, _networks(self.trusted)):
                scope["scheme"] = proto if scope["type"] == "http" else proto.replace("http", "ws")
        await self.app(scope, receive, send)
