"""An admin sets up a place end to end in a real browser: a member of staff with her languages,
the place with its notes, opening hours; then a citizen finds the new times on the booking
page in Arabic. The admin pages pass axe-core."""

from __future__ import annotations

import datetime as dt
import uuid

from playwright.async_api import Browser, expect
from sqlalchemy.engine import Engine

from tests.accounts.helpers import PASSWORD, make_user
from tests.booking.conftest import World, world  # noqa: F401  (fixture)
from tests.browser.conftest import axe_violations, describe


async def test_an_admin_sets_up_a_place_and_citizens_can_book_it(
    browser: Browser,
    live_server: str,
    db_engine: Engine,
    world: World,  # noqa: F811
) -> None:
    username = f"admin-{uuid.uuid4().hex[:8]}"
    make_user(db_engine, username, "admin")
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = await context.new_page()
    await page.goto(f"{live_server}/login?next=/admin/staff")
    await page.locator("input[name=username]").fill(username)
    await page.locator("input[name=password]").fill(PASSWORD)
    await page.locator("form button[type=submit]").click()
    await page.wait_for_url(f"{live_server}/admin/staff")

    # A colleague who speaks Arabic and Danish.
    add_staff = page.locator("form[action='/admin/staff']")
    await add_staff.locator("input[name=name]").fill("Amira Saleh")
    await add_staff.locator("#new-ar").check()
    await add_staff.locator("#new-da").check()
    await add_staff.locator("button[type=submit]").click()
    await expect(page.locator(".alert-success")).to_be_visible()
    await expect(page.locator("legend", has_text="Amira Saleh")).to_be_visible()
    assert await axe_violations(page) == [], describe(await axe_violations(page))

    # The place, with a note in Arabic.
    await page.goto(f"{live_server}/admin/places")
    form = page.locator("form[action='/admin/places']")
    await form.locator("input[name=slug]").fill("harlev")
    await form.locator("input[name=name]").fill("Harlev Bibliotek")
    await form.locator("select[name=kind]").select_option("library")
    await form.locator("input[name=address]").fill("Harlev Hovedgade 1")
    await form.locator("input[name=postcode]").fill("8462")
    await form.locator("input[name=city]").fill("Harlev J")
    await form.locator("summary").first.click()
    await form.locator("textarea[name=notes_ar]").fill("المدخل من الساحة.")
    await form.locator("button[type=submit]").click()
    await page.wait_for_url(f"{live_server}/admin/places/harlev?saved=1")
    await expect(page.locator("h1")).to_have_text("Harlev Bibliotek")
    assert await axe_violations(page) == [], describe(await axe_violations(page))

    # Opening hours two weekdays from now, 10-12, with Amira: the slots exist at once.
    weekday = (dt.date.today() + dt.timedelta(days=2)).weekday()
    hours = page.locator("form[action='/admin/places/harlev/schedules']")
    await hours.locator("select[name=session_type]").select_option("digital-help")
    await hours.locator("select[name=weekday]").select_option(str(weekday))
    await hours.locator("input[name=starts]").fill("10:00")
    await hours.locator("input[name=ends]").fill("12:00")
    await hours.locator("input[name=capacity]").fill("2")
    await hours.locator("label", has_text="Amira Saleh").click()
    await hours.locator("button[type=submit]").click()
    await page.wait_for_url(f"{live_server}/admin/places/harlev?saved=1")
    await expect(page.locator("table").first).to_contain_text("10:00–12:00")

    # A citizen finds the new place's times in Arabic (Amira speaks it).
    citizen = await browser.new_page()
    await citizen.goto(f"{live_server}/book?location=harlev&lang=ar")
    await expect(citizen.locator("body")).to_contain_text("Harlev Bibliotek")
    await expect(citizen.locator("a[href^='/book/slots/']").first).to_be_visible()
    await citizen.close()
    await context.close()
