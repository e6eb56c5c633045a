"""Every response carries the security headers; HSTS only in production."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest
from starlette.applications import Starlette

from helpdesk.app import create_app
from helpdesk.settings import Settings
from helpdesk.web.middleware import CONTENT_SECURITY_POLICY

PAGES = ["/guides", "/login", "/kiosk", "/book", "/staff", "/api/v1/me", "/no-such-page"]


@pytest.mark.parametrize("path", PAGES)
async def test_security_headers_on_every_response(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] in {"strict-origin-when-cross-origin", "no-referrer"}
    assert "strict-transport-security" not in response.headers  # development


async def test_booking_and_kiosk_pages_keep_no_referrer(client: httpx.AsyncClient) -> None:
    for path in ("/book", "/kiosk"):
        response = await client.get(path)
        assert response.headers.get_list("referrer-policy") == ["no-referrer"], path


async def test_the_widget_demo_keeps_its_own_policy(client: httpx.AsyncClient) -> None:
    response = await client.get("/widget-demo")
    policies = response.headers.get_list("content-security-policy")
    assert len(policies) == 1
    assert "frame-ancestors 'none'" in policies[0]


async def test_hsts_in_production(settings: Settings, app: Starlette) -> None:
    production = create_app(
        replace(settings, environment="production", secret_key="p" * 32, import_kb_on_start=False)
    )
    transport = httpx.ASGITransport(app=production)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
        response = await client.get("/login")
    assert response.headers["strict-transport-security"] == "max-age=31536000"
