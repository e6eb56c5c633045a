"""Booking prefers the citizen's language (issue #15, item 6): the staff-language filter defaults
to the page's language where staff speak it, and says plainly when nobody does."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.booking.conftest import World, world  # noqa: F401  (the booking world fixture)
from tests.browser.conftest import axe_violations, describe

ALL_IMPACTS = ("minor", "moderate", "serious", "critical")


async def test_arabic_times_with_arabic_speaking_staff_first(
    page: Page,
    live_server: str,
    world: World,  # noqa: F811
) -> None:
    danish_only = world.slot(location=world.dokk1, languages=",da,en,", days=1)
    arabic = world.slot(location=world.gellerup, languages=",ar,da,", days=3)
    await page.goto(f"{live_server}/book?lang=ar")
    await expect(page.locator("#filter-speaks")).to_have_value("ar")
    await expect(page.locator(f"a[href^='/book/slots/{arabic}?']")).to_have_count(1)
    assert await page.locator(f"a[href^='/book/slots/{danish_only}?']").count() == 0
    await expect(page.locator(".booking-language-note")).to_contain_text("العربية")
    violations = await axe_violations(page, ALL_IMPACTS)
    assert violations == [], describe(violations)
    # "Show all times": every time, and the filter says "any language".
    await page.locator(".booking-language-note a").click()
    await expect(page.locator(f"a[href^='/book/slots/{danish_only}?']")).to_have_count(1)
    await expect(page.locator("#filter-speaks")).to_have_value("")


async def test_nobody_speaks_it_says_so_and_shows_every_time(
    page: Page,
    live_server: str,
    world: World,  # noqa: F811
) -> None:
    slot = world.slot(location=world.dokk1, languages=",da,en,")
    await page.goto(f"{live_server}/book?lang=so")
    note = page.locator(".booking-language-note[role=status]")
    await expect(note).to_be_visible()
    await expect(note).to_contain_text("Soomaali")
    await expect(page.locator(f"a[href^='/book/slots/{slot}?']")).to_have_count(1)
    await expect(page.locator("#filter-speaks")).to_have_value("")


async def test_danish_is_not_filtered(
    page: Page,
    live_server: str,
    world: World,  # noqa: F811
) -> None:
    slot = world.slot(location=world.gellerup, languages=",ar,so,")
    await page.goto(f"{live_server}/book?lang=da")
    await expect(page.locator(f"a[href^='/book/slots/{slot}?']")).to_have_count(1)
    assert await page.locator(".booking-language-note").count() == 0
