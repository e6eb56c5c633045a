"""The citizen's booking pages in a real browser: the whole flow, accessible, in da and ar."""

from __future__ import annotations

import pytest
from playwright.async_api import Page

from tests.booking.conftest import World, world  # noqa: F401  (the booking world fixture)
from tests.browser.conftest import axe_violations, describe


@pytest.mark.parametrize("language", ["da", "ar"])
async def test_booking_flow_is_accessible(
    page: Page,
    live_server: str,
    world: World,  # noqa: F811
    language: str,
) -> None:
    slot = world.slot(capacity=2, session_type=world.citizen, languages=",ar,da,")
    await page.goto(f"{live_server}/book?topic=passport-book&lang={language}")
    assert await page.get_attribute("html", "lang") == language
    violations = await axe_violations(page)
    assert violations == [], describe(violations)

    await page.locator(f"a[href^='/book/slots/{slot}?']").first.click()
    await page.wait_for_url(f"**/book/slots/{slot}?*")
    violations = await axe_violations(page)
    assert violations == [], describe(violations)

    # A mistake first (a name but no phone or e-mail): the server's error summary is announced
    # and links to the field; the page with errors is accessible too.
    await page.fill("#booking-name", "Amal")
    await page.locator(".booking-form button[type=submit]").click()
    await page.wait_for_selector("#form-errors[role=alert]")
    assert await page.input_value("#booking-name") == "Amal"  # nothing typed is lost
    # Focus is on the list of what to correct, and each item links to its field.
    assert await page.evaluate("document.activeElement.id") == "form-errors"
    assert await page.locator("#form-errors a[href='#booking-phone']").count() == 1
    violations = await axe_violations(page)
    assert violations == [], describe(violations)

    await page.fill("#booking-name", "Amal")
    await page.fill("#booking-phone", "20 12 34 56")
    await page.locator(".booking-form button[type=submit]").click()
    await page.wait_for_url("**/book/receipt/**")
    assert world.get_slot(slot).booked == 1
    violations = await axe_violations(page)
    assert violations == [], describe(violations)
