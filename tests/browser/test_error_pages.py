"""Error pages in a real browser: staff opening the dashboard, a missing page, a form's target
opened by hand. Each is a page in the user's language with a way back, and axe finds nothing;
the API keeps answering JSON."""

from __future__ import annotations

import uuid

import pytest
from playwright.async_api import Browser, expect
from sqlalchemy.engine import Engine

from tests.accounts.helpers import PASSWORD, make_user
from tests.browser.conftest import axe_violations, describe

ALL_IMPACTS = ("minor", "moderate", "serious", "critical")


@pytest.mark.parametrize(("locale", "language"), [("da-DK", "da"), ("ar", "ar")])
async def test_staff_opening_the_dashboard_get_a_page_with_a_way_back(
    browser: Browser, live_server: str, db_engine: Engine, locale: str, language: str
) -> None:
    username = f"desk-{uuid.uuid4().hex[:8]}"
    make_user(db_engine, username, "staff")
    context = await browser.new_context(viewport={"width": 1366, "height": 900}, locale=locale)
    page = await context.new_page()
    # Not signed in: the sign-in form first, then back to the page asked for.
    await page.goto(f"{live_server}/coordinator")
    await expect(page.locator("#login-username")).to_be_visible()
    await page.locator("#login-username").fill(username)
    await page.locator("#login-password").fill(PASSWORD)
    await page.locator("form.login-form button[type=submit]").click()
    await page.wait_for_url(f"{live_server}/coordinator")
    # A staff account may not see the dashboard: a page that says so, not the JSON viewer.
    await expect(page.locator("html")).to_have_attribute("lang", language)
    await expect(page.locator("html")).to_have_attribute(
        "dir", "rtl" if language == "ar" else "ltr"
    )
    heading = page.locator("main h1")
    await expect(heading).to_have_count(1)
    if language == "da":
        await expect(heading).to_have_text("Ingen adgang")
    await expect(page.locator("pre")).to_have_count(0)
    await expect(page.locator("link[href*=dkfds]")).to_have_count(1)
    violations = await axe_violations(page, ALL_IMPACTS)
    assert violations == [], describe(violations)
    # The way back to the staff pages works.
    await page.locator("main a[href='/staff']").click()
    await page.wait_for_url(f"{live_server}/staff")
    await expect(page.locator("#lookup-q")).to_be_visible()
    await context.close()


@pytest.mark.parametrize("language", ["da", "ar"])
async def test_a_missing_page_and_a_wrong_method(
    browser: Browser, live_server: str, language: str
) -> None:
    context = await browser.new_context(viewport={"width": 1366, "height": 900})
    page = await context.new_page()
    response = await page.goto(f"{live_server}/guides/no-such-guide-at-all?lang={language}")
    assert response is not None
    assert response.status == 404
    await expect(page.locator("html")).to_have_attribute("lang", language)
    violations = await axe_violations(page, ALL_IMPACTS)
    assert violations == [], describe(violations)
    await page.locator(f"main a[href='/guides?lang={language}']").click()
    await page.wait_for_url(f"{live_server}/guides?lang={language}")
    # A form's target opened by hand (GET /logout, which only takes POST): 405 as a page.
    response = await page.goto(f"{live_server}/logout?lang={language}")
    assert response is not None
    assert response.status == 405
    await expect(page.locator("main h1")).to_have_count(1)
    violations = await axe_violations(page, ALL_IMPACTS)
    assert violations == [], describe(violations)
    # The API answers a browser with JSON all the same.
    response = await page.goto(f"{live_server}/api/v1/guides/no-such-guide-at-all?lang=da")
    assert response is not None
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "guide_not_found"
    await context.close()
