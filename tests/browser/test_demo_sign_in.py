"""Following the README: ``helpdesk serve --demo``, then sign in with its "Demo sign-in:" line.

The server runs as the README says, in its own process and working directory (so on the demo's
own SQLite file, ``helpdesk-demo.db``, and nothing else): the accounts must be there, in the
same database as the rest of the demo, and each opens the pages of its role.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.demo.test_accounts import readme_sign_in

START_SECONDS = 240


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    directory = tmp_path_factory.mktemp("demo")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("HELPDESK_") or key == "HELPDESK_ASSETS_DIR"
    }
    env["HELPDESK_LOG_LEVEL"] = "WARNING"
    log = directory / "server.log"
    command = [sys.executable, "-m", "helpdesk", "serve", "--demo", "--port", str(port)]
    with log.open("wb") as output:
        server = subprocess.Popen(
            command, env=env, cwd=directory, stdout=output, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            assert server.poll() is None, f"the server stopped: {log.read_text()[-3000:]}"
            try:
                if httpx.get(f"{base}/healthz", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the demo did not start in time"
            time.sleep(0.5)
        # The demo's own database file, in the directory it was started in.
        assert (Path(directory) / "helpdesk-demo.db").exists()
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


#: What each demo account opens after signing in, and a sign that the page is the real one.
PAGES = {
    "staff": ("/staff/day?location=dokk1", "form.day-filters"),
    "coordinator": ("/coordinator", "canvas"),
    "admin": ("/admin/audit", "table"),  # the staff account's opening of the day, at least
}


async def test_the_readme_demo_accounts_sign_in(demo_server: str, browser: Browser) -> None:
    accounts = readme_sign_in()
    assert [name for name, _ in accounts] == list(PAGES)
    for username, password in accounts:
        context = await browser.new_context(viewport={"width": 1366, "height": 900})
        page = await context.new_page()
        path, sign = PAGES[username]
        # Opening a staff page first asks to sign in, then comes back to it.
        await page.goto(f"{demo_server}{path}")
        await expect(page.locator("#login-username")).to_be_visible()
        await page.locator("#login-username").fill(username)
        await page.locator("#login-password").fill(password)
        await page.locator("form.login-form button[type=submit]").click()
        await page.wait_for_url(f"{demo_server}{path}")
        await expect(page.locator(f"main {sign}").first).to_be_visible()
        await context.close()
    # A wrong password is refused: the line is what opens the demo, not any password.
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(f"{demo_server}/login?next=/staff")
    await page.locator("#login-username").fill("staff")
    await page.locator("#login-password").fill("not-the-demo-password")
    await page.locator("form.login-form button[type=submit]").click()
    await expect(page.locator("[role=alert]")).to_be_visible()
    assert page.url.startswith(f"{demo_server}/login")
    await context.close()
