"""Staff and coordinator pages on a 1366 px screen (the counters' laptops): nothing clipped,
nothing wider than the screen, one h1, landmarks with unique names, no empty heading; axe in
Danish and Arabic with no violation of any impact."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from helpdesk.booking.service import BookingRequest, Needs, book
from helpdesk.db import session_scope
from tests.accounts.helpers import PASSWORD, make_user
from tests.booking.conftest import World, world  # noqa: F401  (the fixture)
from tests.browser.conftest import axe_violations, describe

WIDTH = 1366
ALL_IMPACTS = ("minor", "moderate", "serious", "critical")
ZONE = ZoneInfo("Europe/Copenhagen")


@pytest.fixture
def busy_booking(world: World) -> tuple[World, int, str]:  # noqa: F811
    """A booking at Dokk1 in an hour with everything the day view can show in a row: a long
    name, phone and e-mail, every need and a note."""
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(hours=1)
    slot_id = world.slot(capacity=2, session_type=world.citizen, start=start)
    with session_scope(world.engine) as session:
        request = BookingRequest(
            slot_id=slot_id,
            name="Abdirahman Mohamed Abdullahi Hussein-Warsame",
            language="so",
            phone="+4520123456",
            email="abdirahman.hussein.warsame@example.dk",
            topic="passport-book",
            needs=Needs(
                interpreter=True,
                wheelchair=True,
                own_device=True,
                note="Kommer med sin datter, som hjælper med at oversætte undervejs",
            ),
        )
        booking_id = book(session, request).booking.id
    assert booking_id is not None
    return world, booking_id, start.astimezone(ZONE).date().isoformat()


async def signed_in_as(
    browser: Browser, live_server: str, engine: object, role: str, locale: str = "da-DK"
) -> BrowserContext:
    username = f"{role}-{uuid.uuid4().hex[:8]}"
    make_user(engine, username, role)  # type: ignore[arg-type]
    context = await browser.new_context(viewport={"width": WIDTH, "height": 900}, locale=locale)
    page = await context.new_page()
    await page.goto(f"{live_server}/login?next=/staff")
    await page.locator("#login-username").fill(username)
    await page.locator("#login-password").fill(PASSWORD)
    await page.locator("form.login-form button[type=submit]").click()
    await page.wait_for_url(f"{live_server}/staff")
    await page.close()
    return context


async def page_width(page: Page) -> int:
    width: int = await page.evaluate("() => document.documentElement.scrollWidth")
    return width


async def fully_shown(page: Page, selector: str) -> None:
    """Every match is inside the screen and its scroll box, its label not cut off."""
    items = page.locator(selector)
    assert await items.count() > 0, selector
    for i in range(await items.count()):
        item = items.nth(i)
        box = await item.bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= WIDTH, (selector, box)
        cut = await item.evaluate(
            """(el) => {
              if (el.scrollWidth > el.clientWidth + 1) return "label cut";
              for (let p = el.parentElement; p; p = p.parentElement) {
                const scrolls = getComputedStyle(p).overflowX !== "visible";
                if (scrolls && p.scrollWidth > p.clientWidth + 1)
                  return "scrolls sideways: " + p.className;
              }
              return null;
            }"""
        )
        assert cut is None, (selector, cut)


@pytest.mark.parametrize(("locale", "language"), [("da-DK", "da"), ("ar", "ar")])
async def test_the_day_view_shows_every_action(
    browser: Browser,
    live_server: str,
    busy_booking: tuple[World, int, str],
    locale: str,
    language: str,
) -> None:
    places, booking_id, day = busy_booking
    context = await signed_in_as(browser, live_server, places.engine, "staff", locale)
    page = await context.new_page()
    await page.goto(f"{live_server}/staff/day?location=dokk1&date={day}&lang={language}")
    await expect(page.locator(".day-table")).to_be_visible()
    assert await page_width(page) <= WIDTH
    await fully_shown(page, ".attendance-form button")
    await fully_shown(page, f'a[href="/staff/sessions/new?booking={booking_id}"]')
    violations = await axe_violations(page, ALL_IMPACTS)
    assert violations == [], describe(violations)
    await context.close()


@pytest.mark.parametrize(("locale", "language"), [("da-DK", "da"), ("ar", "ar")])
async def test_the_workshop_overview_fits_the_screen(
    browser: Browser, live_server: str, db_engine: object, locale: str, language: str
) -> None:
    context = await signed_in_as(browser, live_server, db_engine, "coordinator", locale)
    page = await context.new_page()
    await page.goto(f"{live_server}/workshop?lang={language}")
    table = page.locator("table.workshop-overview")
    await expect(table).to_be_visible()
    box = await table.bounding_box()
    assert box is not None
    assert box["width"] <= WIDTH
    assert await page_width(page) <= WIDTH
    await fully_shown(page, "table.workshop-overview a.state")
    violations = await axe_violations(page, ALL_IMPACTS)
    assert violations == [], describe(violations)
    await context.close()


@pytest.mark.parametrize(("locale", "language"), [("da-DK", "da"), ("ar", "ar")])
async def test_the_dashboard_has_unique_landmarks_and_no_empty_heading(
    browser: Browser, live_server: str, db_engine: object, locale: str, language: str
) -> None:
    context = await signed_in_as(browser, live_server, db_engine, "coordinator", locale)
    page = await context.new_page()
    await page.goto(f"{live_server}/coordinator?lang={language}")
    await expect(page.locator("h1")).to_have_count(1)
    headings = await page.locator("h1, h2, h3, h4").all_inner_texts()
    assert all(text.strip() for text in headings), headings
    names = await page.evaluate(
        """() => Array.from(document.querySelectorAll(
              'main, nav, header, footer, aside, section[aria-label], section[aria-labelledby],'
              + ' [role=region], [role=navigation], [role=main]'))
            .map((el) => {
              const by = el.getAttribute('aria-labelledby');
              const name = by
                ? document.getElementById(by)?.textContent
                : el.getAttribute('aria-label');
              const kind = (el.getAttribute('role') || el.tagName).toLowerCase();
              return kind + ':' + (name || '').trim();
            })"""
    )
    assert len(names) == len(set(names)), sorted(names)
    assert await page_width(page) <= WIDTH
    violations = await axe_violations(page, ALL_IMPACTS)
    assert violations == [], describe(violations)
    await context.close()


@pytest.mark.parametrize(("locale", "language"), [("da-DK", "da"), ("ar", "ar")])
async def test_the_side_by_side_view_has_one_h1(
    browser: Browser, live_server: str, db_engine: object, locale: str, language: str
) -> None:
    context = await signed_in_as(browser, live_server, db_engine, "staff", locale)
    page = await context.new_page()
    await page.goto(f"{live_server}/staff/guides/cpr-newcomer?citizen=ar&lang={language}")
    await expect(page.locator("h1")).to_have_count(1)
    await expect(page.locator("h1")).not_to_be_empty()
    assert await page_width(page) <= WIDTH
    violations = await axe_violations(page, ALL_IMPACTS)
    assert violations == [], describe(violations)
    await context.close()
