"""Write screenshots of each page to docs/screenshots/ (the README shows them).

    .venv/bin/python scripts/screenshots.py

Starts the real service on a free loopback port with a fresh SQLite database and demo data,
creates a coordinator account, signs in through the login page, and photographs each page with
Debian's Chromium.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.async_api import Page, async_playwright

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "docs" / "screenshots"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
USER, PASSWORD = "screenshots", "a long demo password 2026"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def shoot(
    page: Page, url: str, name: str, width: int, height: int, full_page: bool = False
) -> None:
    await page.set_viewport_size({"width": width, "height": height})
    await page.goto(url)
    await page.wait_for_load_state("networkidle")
    await page.screenshot(path=str(OUT / name), full_page=full_page)
    print("wrote", OUT / name)


async def take(base: str) -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = await browser.new_page()
        await shoot(page, f"{base}/kiosk?location=dokk1", "kiosk-start.png", 1080, 1920)
        await shoot(page, f"{base}/kiosk?location=dokk1&lang=da", "kiosk-da.png", 1920, 1080)
        await page.set_viewport_size({"width": 1080, "height": 1920})
        await page.goto(f"{base}/kiosk?location=dokk1&lang=ar")
        await page.locator(".kiosk-example").first.click()
        await page.locator("article.kiosk-guide").wait_for()
        await page.screenshot(path=str(OUT / "kiosk-ar.png"))
        print("wrote", OUT / "kiosk-ar.png")
        await shoot(page, f"{base}/guides/health-card?lang=da", "guide-da.png", 1280, 1400)
        await shoot(page, f"{base}/guides/health-card?lang=ar", "guide-ar.png", 1280, 1400)
        await page.goto(f"{base}/login?next=/staff%3Flang%3Dda")
        await page.locator("input[name=username]").fill(USER)
        await page.locator("input[name=password]").fill(PASSWORD)
        await page.locator("form button[type=submit]").click()
        await page.goto(f"{base}/staff?lang=da")
        await page.set_viewport_size({"width": 1280, "height": 900})
        await page.locator("#lookup-q").fill("mistet sundhedskort")
        await page.locator("#lookup-results a").first.wait_for()
        await page.screenshot(path=str(OUT / "staff-lookup.png"))
        print("wrote", OUT / "staff-lookup.png")
        await shoot(
            page, f"{base}/staff/guides/health-card?citizen=uk", "staff-guide.png", 1280, 1200
        )
        await shoot(
            page,
            f"{base}/staff/guides/health-card/print?citizen=ar",
            "print-ar.png",
            900,
            1273,
            full_page=True,
        )
        await shoot(page, f"{base}/staff/sessions/new?lang=da", "session-form.png", 1280, 1600)
        await shoot(page, f"{base}/coordinator?lang=da", "coordinator.png", 1280, 2400)
        await shoot(page, f"{base}/workshop?lang=da", "workshop-overview.png", 1280, 1000)
        await shoot(
            page,
            f"{base}/workshop/guides/health-card/ar?lang=da",
            "workshop-editor-ar.png",
            1400,
            1400,
        )
        await browser.close()


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "HELPDESK_DATABASE_URL": f"sqlite:///{tmp}/shots.db",
            "HELPDESK_PASSWORD": PASSWORD,
        }
        helpdesk = [sys.executable, "-m", "helpdesk"]
        subprocess.run([*helpdesk, "kb", "import"], env=env, check=True, capture_output=True)
        subprocess.run(
            [*helpdesk, "user", "add", USER, "--role", "coordinator"],
            env=env,
            check=True,
            capture_output=True,
        )
        server = subprocess.Popen(
            [*helpdesk, "serve", "--demo", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit("the service did not start")
                time.sleep(0.2)
            asyncio.run(take(base))
        finally:
            server.terminate()
            server.wait(timeout=20)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
