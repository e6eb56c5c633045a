"""The public guide page in a real browser: content, RTL, no JavaScript needed, accessible."""

from playwright.async_api import Browser, Page

from tests.browser.conftest import axe_violations, describe


async def test_guide_page_in_danish(page: Page, live_server: str) -> None:
    await page.goto(f"{live_server}/guides/mitid-create-app?lang=da")
    assert await page.get_attribute("html", "lang") == "da"
    assert await page.get_attribute("html", "dir") == "ltr"
    assert await page.locator("ol.guide-steps li").count() >= 1
    assert await page.locator(".guide-sources a[href^='https://']").count() >= 1
    violations = await axe_violations(page)
    assert violations == [], describe(violations)


async def test_guide_page_in_arabic_is_rtl_and_says_draft(page: Page, live_server: str) -> None:
    await page.goto(f"{live_server}/guides/mitid-create-app?lang=ar")
    assert await page.get_attribute("html", "dir") == "rtl"
    assert await page.get_attribute("html", "lang") == "ar"
    assert await page.locator(".alert-warning").count() == 1  # draft notice
    # Mirrored layout, not only right-aligned text: the steps list starts on the right.
    box = await page.locator("ol.guide-steps").bounding_box()
    body = await page.locator("main").bounding_box()
    assert box is not None
    assert body is not None
    assert box["x"] + box["width"] > body["x"] + body["width"] * 0.6
    violations = await axe_violations(page)
    assert violations == [], describe(violations)


async def test_guide_page_works_without_javascript(browser: Browser, live_server: str) -> None:
    context = await browser.new_context(java_script_enabled=False)
    page = await context.new_page()
    await page.goto(f"{live_server}/guides/mitid-locked?lang=en")
    assert await page.locator("h1").inner_text()
    assert await page.locator("ol.guide-steps li").count() >= 1
    await context.close()
