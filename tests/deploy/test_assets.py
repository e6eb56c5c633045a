"""A missing asset, or assets that were never built, is a 404, never a 500."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from helpdesk.web.assets import AssetFiles


async def test_unbuilt_assets_are_404_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    built = tmp_path / "built"
    built.mkdir()
    (built / "style.css").write_text("body{}")
    app = Starlette(
        routes=[
            Mount("/built", app=AssetFiles(built)),
            Mount("/unbuilt", app=AssetFiles(tmp_path / "never-built")),
        ]
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.get("/built/style.css")).status_code == 200
        assert (await client.get("/built/other.css")).status_code == 404
        assert (await client.get("/built/../../etc/passwd")).status_code == 404
        assert (await client.get("/unbuilt/style.css")).status_code == 404
        assert (await client.get("/unbuilt/style.css")).status_code == 404
    warnings = [r for r in caplog.records if "front-end assets not found" in r.getMessage()]
    assert len(warnings) == 1
