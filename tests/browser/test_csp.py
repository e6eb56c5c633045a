"""Every main page under its Content-Security-Policy in real Chromium: not one violation.

A violation (an inline script or handler, a style attribute, something from another origin)
fires ``securitypolicyviolation`` in the page and logs a console error; both are collected from
before the first byte of each page, while the page loads and its scripts run."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, BrowserContext, ConsoleMessage, Page
from sqlalchemy.engine import Engine

from tests.accounts.helpers import PASSWORD, make_user
from tests.booking.conftest import World, world  # noqa: F401  (the booking world fixture)

WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    event.effectiveDirective + " blocked " + (event.blockedURI || "inline") +
    " at " + event.sourceFile + ":" + event.lineNumber
  );
});
"""


@pytest.fixture
async def admin(
    browser: Browser, live_server: str, db_engine: Engine
) -> AsyncIterator[BrowserContext]:
    """A signed-in admin (every staff page is open to it), watching for CSP violations."""
    username = f"csp-{uuid.uuid4().hex[:8]}"
    make_user(db_engine, username, "admin")
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    await context.add_init_script(WATCH_CSP)
    page = await context.new_page()
    await page.goto(f"{live_server}/login?next=/staff")
    await page.locator("input[name=username]").fill(username)
    await page.locator("input[name=password]").fill(PASSWORD)
    await page.locator("form button[type=submit]").click()
    await page.wait_for_url(f"{live_server}/staff")
    await page.close()
    yield context
    await context.close()


# Playwright's "networkidle" waits for 500 ms without a request, and Playwright itself warns
# against it in tests: it once hung 30 s in CI on a page that makes no request after its load.
# No page here fetches anything after "load" unless asked, and a violation is reported in a task
# queued when it happens; so wait for "load", then let the page's queued tasks run.
SETTLE = "() => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 100)))"


async def settled(page: Page) -> None:
    await page.wait_for_load_state("load")
    await page.evaluate(SETTLE)


async def violations_on(context: BrowserContext, url: str) -> tuple[Page, list[str]]:
    page = await context.new_page()
    console: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            console.append(message.text)

    page.on("console", on_console)
    response = await page.goto(url)
    assert response is not None, url
    assert response.status == 200, url
    assert "script-src 'self'" in (await response.header_value("content-security-policy") or "")
    await settled(page)
    found: list[str] = await page.evaluate("window.__cspViolations")
    return page, found + console


PUBLIC_PAGES = [
    "/guides?lang=da",
    "/guides/health-card?lang=ar",
    "/kiosk?location=dokk1",
    "/kiosk?location=dokk1&lang=da",
    "/book?lang=da",
    "/book/manage?lang=da",
    "/login",
]
STAFF_PAGES = [
    "/staff",
    "/staff/guides/health-card",
    "/staff/guides/health-card/print",
    "/staff/day?location=dokk1",
    "/staff/sessions",
    "/staff/sessions/new",
    "/coordinator",
    "/workshop",
    "/workshop/guides/health-card/da",
    "/workshop/guides/health-card/history",
    "/workshop/guides/new",
    "/admin/audit",
]


async def test_no_page_violates_its_policy(
    admin: BrowserContext,
    live_server: str,
    world: World,  # noqa: F811
) -> None:
    slot = world.slot(capacity=2, session_type=world.citizen, languages=",ar,da,")
    problems: dict[str, list[str]] = {}
    for path in [*PUBLIC_PAGES, f"/book/slots/{slot}?lang=da", *STAFF_PAGES]:
        page, found = await violations_on(admin, f"{live_server}{path}")
        if found:
            problems[path] = found
        await page.close()
    assert problems == {}


async def test_the_widget_and_the_kiosk_at_work_violate_nothing(
    admin: BrowserContext, live_server: str
) -> None:
    # The widget demo host page (its own strict policy): open the widget and ask.
    page, found = await violations_on(admin, f"{live_server}/widget-demo?lang=da")
    await page.locator("helpdesk-widget .hd-launcher").click()
    await page.locator("helpdesk-widget .hd-input").fill("jeg har mistet mit sundhedskort")
    async with page.expect_response(lambda r: "/api/v1/triage" in r.url) as answer:
        await page.keyboard.press("Enter")
    assert (await answer.value).status == 200
    await page.locator("helpdesk-widget .hd-answer").first.wait_for()
    await settled(page)
    found += await page.evaluate("window.__cspViolations")
    assert found == []
    await page.close()
    # The kiosk's question screen: a question typed and answered by its script.
    page, found = await violations_on(admin, f"{live_server}/kiosk?location=dokk1&lang=da")
    await page.locator("#kiosk-text").fill("jeg har mistet mit sundhedskort")
    async with page.expect_response(lambda r: "/api/v1/triage" in r.url) as answer:
        await page.locator("#kiosk-form button[type=submit]").click()
    assert (await answer.value).status == 200
    await page.locator("#kiosk-answer > *").first.wait_for()
    await settled(page)
    found += await page.evaluate("window.__cspViolations")
    assert found == []
    # The print button of a guide page runs from a file, not an onclick attribute.
    page, found = await violations_on(admin, f"{live_server}/guides/health-card?lang=da")
    await page.evaluate("window.print = () => { window.__printed = true; }")
    await page.locator("[data-print]").click()
    assert await page.evaluate("window.__printed === true")
    assert found + await page.evaluate("window.__cspViolations") == []
