"""The client's address: X-Forwarded-For only from a trusted proxy, read from the right."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from helpdesk.app import create_app
from helpdesk.settings import Settings
from helpdesk.web.access import public
from helpdesk.web.client import client_address, forwarded_client

PROXIES = ("10.0.0.0/24", "2001:db8::/32")


@pytest.mark.parametrize(
    ("peer", "header", "expected"),
    [
        ("203.0.113.5", "198.51.100.1", "203.0.113.5"),  # not a proxy: the header is ignored
        ("10.0.0.2", None, "10.0.0.2"),
        ("10.0.0.2", "198.51.100.1", "198.51.100.1"),
        # The client wrote the first entry itself; the proxy appended the real address.
        ("10.0.0.2", "1.2.3.4, 198.51.100.1", "198.51.100.1"),
        ("10.0.0.2", "198.51.100.1, 10.0.0.7", "198.51.100.1"),  # two proxies of ours
        ("10.0.0.2", "10.0.0.8, 10.0.0.7", "10.0.0.8"),  # only proxies: the farthest one
        ("10.0.0.2", "not-an-address", "10.0.0.2"),
        ("2001:db8::1", "2001:db9::5", "2001:db9::5"),
    ],
)
def test_forwarded_client(peer: str, header: str | None, expected: str) -> None:
    assert forwarded_client(peer, header, PROXIES) == expected


def test_no_trusted_proxies_means_the_peer() -> None:
    assert forwarded_client("127.0.0.1", "198.51.100.1", ()) == "127.0.0.1"


async def test_the_app_sees_the_forwarded_address_and_scheme(settings: Settings) -> None:
    app = create_app(replace(settings, import_kb_on_start=False, trusted_proxies=PROXIES))

    async def echo(request: Request) -> PlainTextResponse:
        client = request.client.host if request.client else "-"
        return PlainTextResponse(f"{client_address(request)} {client} {request.url.scheme}")

    app.router.routes.insert(0, Route("/_echo", public(echo)))
    for peer, headers, expected in (
        ("10.0.0.2", {"X-Forwarded-For": "1.2.3.4, 198.51.100.1"}, "198.51.100.1"),
        ("192.0.2.1", {"X-Forwarded-For": "198.51.100.1"}, "192.0.2.1"),
    ):
        transport = httpx.ASGITransport(app=app, client=(peer, 1234))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            answer = await c.get("/_echo", headers={**headers, "X-Forwarded-Proto": "https"})
        scheme = "https" if peer.startswith("10.") else "http"
        assert answer.text == f"{expected} {expected} {scheme}"
