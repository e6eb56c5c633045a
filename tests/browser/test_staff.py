"""The counter lookup for staff in a real browser: keyboard search, side by side, print view."""

import re
import uuid

from playwright.async_api import Browser, BrowserContext, expect
from sqlalchemy.engine import Engine

from tests.accounts.helpers import PASSWORD, make_user
from tests.browser.conftest import axe_violations, describe


async def signed_in(browser: Browser, live_server: str, db_engine: Engine) -> BrowserContext:
    username = f"counter-{uuid.uuid4().hex[:8]}"
    make_user(db_engine, username, "staff")
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    await page.goto(f"{live_server}/login?next=/staff")
    await page.locator("input[name=username]").fill(username)
    await page.locator("input[name=password]").fill(PASSWORD)
    await page.locator("form button[type=submit]").click()
    await page.wait_for_url(f"{live_server}/staff")
    await page.close()
    return context


async def test_search_as_you_type_with_the_keyboard(
    browser: Browser, live_server: str, db_engine: Engine
) -> None:
    context = await signed_in(browser, live_server, db_engine)
    page = await context.new_page()
    await page.goto(f"{live_server}/staff")
    await page.locator("h1").click()
    await page.keyboard.press("/")
    await expect(page.locator("#lookup-q")).to_be_focused()
    await page.keyboard.type("mistet sundhedskort")
    results = page.locator("#lookup-results a")
    await expect(results.first).to_have_attribute("href", re.compile(r"/staff/guides/health-card"))
    await page.keyboard.press("ArrowDown")
    await expect(results.nth(0)).to_be_focused()
    await page.keyboard.press("ArrowDown")
    await expect(results.nth(1)).to_be_focused()
    await page.keyboard.press("ArrowUp")
    await expect(results.nth(0)).to_be_focused()
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/staff/guides/health-card**")
    violations = await axe_violations(page)
    assert violations == [], describe(violations)
    await context.close()


async def test_side_by_side_and_print_handout(
    browser: Browser, live_server: str, db_engine: Engine
) -> None:
    context = await signed_in(browser, live_server, db_engine)
    page = await context.new_page()
    await page.goto(f"{live_server}/staff/guides/health-card?citizen=ar")
    columns = page.locator("article.guide-column")
    await expect(columns).to_have_count(2)
    await expect(columns.nth(0)).to_have_attribute("lang", "da")
    await expect(columns.nth(1)).to_have_attribute("lang", "ar")
    await expect(columns.nth(1)).to_have_attribute("dir", "rtl")
    violations = await axe_violations(page)
    assert violations == [], describe(violations)

    await page.locator("#print-handout").click()
    await page.wait_for_url("**/print?citizen=ar")
    await expect(page.locator("html")).to_have_attribute("lang", "ar")
    await expect(page.locator("html")).to_have_attribute("dir", "rtl")
    await expect(page.locator(".qr svg")).to_be_visible()
    assert "/guides/health-card?lang=ar" in await page.locator(".url").inner_text()
    # A4 in print: the steps are there and nothing of the site's navigation.
    await page.emulate_media(media="print")
    await expect(page.locator("ol.steps li").first).to_be_visible()
    assert await page.locator("nav, header").count() == 0
    await context.close()


async def test_print_view_works_without_javascript(
    browser: Browser, live_server: str, db_engine: Engine
) -> None:
    signed = await signed_in(browser, live_server, db_engine)
    cookies = await signed.cookies()
    await signed.close()
    context = await browser.new_context(java_script_enabled=False)
    await context.add_cookies(cookies)
    page = await context.new_page()
    await page.goto(f"{live_server}/staff/guides/passport-lost/print?citizen=uk")
    await expect(page.locator("h1")).not_to_be_empty()
    await expect(page.locator(".qr svg")).to_be_visible()
    await context.close()


async def test_staff_page_in_arabic_is_accessible(
    browser: Browser, live_server: str, db_engine: Engine
) -> None:
    context = await signed_in(browser, live_server, db_engine)
    page = await context.new_page()
    await page.goto(f"{live_server}/staff?lang=ar&q=%D8%AC%D9%88%D8%A7%D8%B2")
    await expect(page.locator("html")).to_have_attribute("dir", "rtl")
    violations = await axe_violations(page)
    assert violations == [], describe(violations)
    await context.close()
