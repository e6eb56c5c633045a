"""Logging a session in a real browser: from a booking in the day view, chips, topic filter,
save, confirmation; axe-core finds nothing serious on the form or the confirmation."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser, expect
from sqlmodel import Session, select

from helpdesk.booking.service import BookingRequest, Needs, book
from helpdesk.db import session_scope
from helpdesk.helplog.models import HelpLog, HelpLogTopic
from tests.accounts.helpers import PASSWORD, make_user
from tests.booking.conftest import World, world  # noqa: F401  (the fixture)
from tests.browser.conftest import axe_violations, describe
from tests.conftest import clear_tables

ZONE = ZoneInfo("Europe/Copenhagen")


@pytest.fixture
def booked(world: World) -> Iterator[tuple[World, int, str]]:  # noqa: F811
    """A booking at Dokk1 an hour from now, with an interpreter, about passports."""
    clear_tables(world.engine, "help_log_topic", "help_log")
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(hours=1)
    slot_id = world.slot(capacity=2, session_type=world.citizen, start=start)
    with session_scope(world.engine) as session:
        request = BookingRequest(
            slot_id=slot_id,
            name="Amal Haddad",
            language="ar",
            phone="+4520123456",
            topic="passport-book",
            needs=Needs(interpreter=True),
        )
        booking_id = book(session, request).booking.id
    assert booking_id is not None
    yield world, booking_id, start.astimezone(ZONE).date().isoformat()
    clear_tables(world.engine, "help_log_topic", "help_log")


async def test_log_a_session_from_the_day_view(
    browser: Browser, live_server: str, booked: tuple[World, int, str]
) -> None:
    places, booking_id, day = booked
    username = f"logger-{uuid.uuid4().hex[:8]}"
    make_user(places.engine, username, "staff")
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="da-DK")
    page = await context.new_page()
    await page.goto(f"{live_server}/login?next=/staff/day")
    await page.locator("input[name=username]").fill(username)
    await page.locator("input[name=password]").fill(PASSWORD)
    await page.locator("form button[type=submit]").click()
    await page.wait_for_url(f"{live_server}/staff/day")

    await page.goto(f"{live_server}/staff/day?location=dokk1&date={day}")
    await page.locator(f'a[href="/staff/sessions/new?booking={booking_id}"]').click()
    await page.wait_for_url(f"**/staff/sessions/new?booking={booking_id}")
    await expect(page.locator("h1")).to_have_text("Log en session")
    # Prefilled from the booking.
    await expect(page.locator("#session-location")).to_have_value(str(places.dokk1.id))
    await expect(page.locator("#language-ar")).to_be_checked()
    await expect(page.locator("#topic-passport-book")).to_be_checked()
    await expect(page.locator("#session-interpreter")).to_be_checked()
    await expect(page.locator("input[name=channel][value=booked]")).to_be_checked()
    violations = await axe_violations(page)
    assert violations == [], describe(violations)

    # The topic filter (JavaScript) narrows the list; Enter ticks the one left.
    await page.locator("#topic-filter").fill("nemkonto")
    await expect(page.locator("#topic-list li:visible")).to_have_count(2)  # + passport (ticked)
    await page.locator("#topic-filter").press("Enter")
    await expect(page.locator("#topic-nemkonto")).to_be_checked()
    await page.locator("#field-age_band label", has_text="65-74").click()
    await page.locator("#field-first_visit label", has_text="Ja").click()
    await page.locator("#field-outcome label", has_text="Delvist løst").click()
    await page.locator("#field-self_reliance label", has_text="Med lidt hjælp").click()
    await page.locator("#session-duration-other").fill("25")
    await expect(page.locator("#duration-other")).to_be_checked()
    await page.locator("#session-note").fill("Ring til 20 12 34 56 om pas")
    await page.locator("button.session-save").click()

    await page.wait_for_url("**/staff/sessions?logged=*")
    await expect(page.locator("#session-logged")).to_contain_text("Sessionen er logget")
    await expect(page.get_by_role("link", name="Log en session mere")).to_be_visible()
    violations = await axe_violations(page)
    assert violations == [], describe(violations)
    with Session(places.engine) as session:
        log = session.exec(select(HelpLog)).one()
        topics = sorted(session.exec(select(HelpLogTopic.topic)).all())
    assert (log.booking_id, log.channel, log.language, log.interpreter) == (
        booking_id,
        "booked",
        "ar",
        True,
    )
    assert (log.age_band, log.first_visit, log.outcome, log.self_reliance) == (
        "65-74",
        "yes",
        "partly_solved",
        "with_help",
    )
    assert log.duration_minutes == 25
    assert log.note == "Ring til [PHONE] om pas"
    assert topics == ["nemkonto", "passport-book"]
    assert places.get_booking(booking_id).status == "arrived"

    # "Log another" starts at the same place; the day view shows the booking as logged.
    await page.get_by_role("link", name="Log en session mere").click()
    await expect(page.locator("#session-location")).to_have_value(str(places.dokk1.id))
    await page.goto(f"{live_server}/staff/day?location=dokk1&date={day}")
    await expect(page.locator(f'a[href="/staff/sessions/new?booking={booking_id}"]')).to_have_count(
        0
    )
    await context.close()
