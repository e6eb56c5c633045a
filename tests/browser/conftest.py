"""Browser tests: a real uvicorn server on loopback and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import uvicorn
from playwright.async_api import Browser, Page, async_playwright

from helpdesk.app import create_app
from helpdesk.settings import Settings
from tests.conftest import REPO

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE_JS = REPO / "node_modules" / "axe-core" / "axe.min.js"
# Chromium's own background traffic is refused by this machine's closed network; switch it off.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# Package scope: the server (and its background jobs, such as the purge that runs when no lease
# says it ran today) stops before the other packages' tests use the same database. A session
# scope once let it purge the questions of a history the demo tests were comparing.
@pytest.fixture(scope="package")
def live_server(settings: Settings, db_engine: Any) -> Iterator[str]:
    port = _free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    # The start-up builds the triage index: slow on a busy machine (several suites at once).
    deadline = time.monotonic() + 120
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        instance = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        await instance.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    yield page
    await context.close()


async def axe_violations(
    page: Page, impacts: tuple[str, ...] = ("serious", "critical")
) -> list[dict[str, Any]]:
    """Run axe-core in the page; return the violations of the given impacts."""
    # Evaluated through the DevTools protocol, not added as an inline <script>: the pages' CSP
    # refuses inline scripts, as it should, and the tests do not switch that off.
    await page.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;undefined")
    result = await page.evaluate("async () => await axe.run(document)")
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
        if v["impact"] in impacts
    ]


def describe(violations: list[dict[str, Any]]) -> str:
    return json.dumps(violations, indent=2, ensure_ascii=False)
