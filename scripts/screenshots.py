"""Write screenshots of each page to docs/screenshots/ (the README shows them).

    .venv/bin/python scripts/screenshots.py

Starts the real service on a free loopback port with a fresh SQLite database and demo data
(``helpdesk serve --demo``), signs in through the login page with the demo's coordinator account,
and photographs each page with Debian's Chromium: the kiosk in portrait (a guide step, booking
from the kiosk, the receipt), the chat widget with a guide's steps, the public and staff pages.
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
#: The demo's coordinator account (helpdesk.demo.accounts; the README's "Demo sign-in:" line).
USER, PASSWORD = "coordinator", "demo-coordinator-pass"
WIDGET = "helpdesk-widget"
#: The dashboard's first load can be slow on a busy machine (a year of demo history).
LOAD_MS = 180_000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def shoot(
    page: Page, url: str, name: str, width: int, height: int, full_page: bool = False
) -> None:
    await page.set_viewport_size({"width": width, "height": height})
    await page.goto(url, timeout=LOAD_MS)
    await page.wait_for_load_state("networkidle", timeout=LOAD_MS)
    await page.screenshot(path=str(OUT / name), full_page=full_page)
    print("wrote", OUT / name)


async def kiosk_shots(page: Page, base: str) -> None:
    """The kiosk in portrait (1080 × 1920): start, a guide step in Arabic, booking from the
    kiosk and its receipt screen; and the Danish start screen in landscape."""
    await shoot(page, f"{base}/kiosk?location=dokk1", "kiosk-start.png", 1080, 1920)
    await shoot(page, f"{base}/kiosk?location=dokk1&lang=da", "kiosk-da.png", 1920, 1080)
    await page.set_viewport_size({"width": 1080, "height": 1920})
    await page.goto(f"{base}/kiosk?location=dokk1&lang=ar")
    await page.locator(".kiosk-example").first.click()
    await page.locator("article.kiosk-guide").wait_for()
    await page.locator(".kiosk-step-buttons .button-primary").click()  # step 2
    await snap(page, "kiosk-ar.png")
    await page.goto(f"{base}/book?topic=passport-book&channel=kiosk&near=dokk1&lang=da")
    await page.wait_for_load_state("networkidle")
    await snap(page, "kiosk-book.png")
    await page.locator("a[href^='/book/slots/']").first.click()
    await page.wait_for_url("**/book/slots/**")
    await page.locator("#booking-name").fill("Demo Borger")
    await page.locator("#booking-phone").fill("20 30 40 50")
    await page.locator(".booking-form button[type=submit]").click()
    await page.wait_for_url("**/book/receipt/**")
    await page.wait_for_load_state("networkidle")
    await snap(page, "kiosk-receipt.png")


async def widget_shot(page: Page, base: str, lang: str, question: str) -> None:
    """The chat widget on the demo host page, a guide's steps read inside it."""
    await page.set_viewport_size({"width": 1280, "height": 900})
    await page.goto(f"{base}/widget-demo?lang={lang}")
    await page.locator(f"{WIDGET} .hd-launcher").click()
    await page.locator(f"{WIDGET} .hd-input").fill(question)
    await page.keyboard.press("Enter")
    await page.locator(f"{WIDGET} .hd-steps > li").first.wait_for()
    await page.locator(f"{WIDGET} .hd-feedback").wait_for()
    await snap(page, f"widget-{lang}.png")


async def snap(page: Page, name: str) -> None:
    await page.screenshot(path=str(OUT / name))
    print("wrote", OUT / name)


async def take(base: str) -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        kiosk = await browser.new_context(has_touch=True)
        await kiosk_shots(await kiosk.new_page(), base)
        await kiosk.close()
        page = await browser.new_page()
        await widget_shot(page, base, "da", "jeg har glemt min adgangskode til MitID")
        await widget_shot(page, base, "ar", "نسيت كلمة السر في MitID")
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
        await snap(page, "staff-lookup.png")
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
        await shoot(page, f"{base}/staff/day?location=dokk1&lang=da", "staff-day.png", 1366, 900)
        await shoot(page, f"{base}/staff/sessions/new?lang=da", "session-form.png", 1280, 1600)
        await shoot(page, f"{base}/coordinator?lang=da", "coordinator.png", 1366, 2400)
        await shoot(page, f"{base}/workshop?lang=da", "workshop-overview.png", 1366, 1000)
        await shoot(
            page,
            f"{base}/workshop/guides/health-card/ar?lang=da",
            "workshop-editor-ar.png",
            1366,
            1400,
        )
        await browser.close()


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        # The demo as the README starts it (its sign-in accounts too), on a database of its own.
        env = {**os.environ, "HELPDESK_DATABASE_URL": f"sqlite:///{tmp}/shots.db"}
        helpdesk = [sys.executable, "-m", "helpdesk"]
        server = subprocess.Popen(
            [*helpdesk, "serve", "--demo", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 300
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
