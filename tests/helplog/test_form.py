"""The staff form /staff/sessions/new: prefill, errors that keep what was typed, PRG, the list."""

from __future__ import annotations

import re
from typing import Any

import httpx
from sqlmodel import Session, select

from helpdesk.booking.models import Booking
from helpdesk.helplog.models import HelpLog, HelpLogTopic
from tests.accounts.helpers import csrf_from, sign_in
from tests.booking.conftest import World


def form(token: str, world: World, **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "csrf_token": token,
        "location": str(world.gellerup.id),
        "channel": "walk_in",
        "topics": ["mitid-locked", "other"],
        "other_topic": "Rejsekort, mail a@b.dk",
        "language": "so",
        "interpreter": "1",
        "age_band": "45-54",
        "first_visit": "yes",
        "outcome": "referred",
        "self_reliance": "with_help",
        "duration": "45",
        "duration_other": "",
        "note": "CPR 010203-1234",
        "booking": "",
        "held_on": "",
    }
    fields.update(overrides)
    return fields


def checked(html: str, name: str) -> list[str]:
    pattern = rf'name="{name}" value="([^"]*)"[^>]*\bchecked'
    return re.findall(pattern, html)


async def test_sign_in_is_needed(client: httpx.AsyncClient, logs: World) -> None:
    response = await client.get("/staff/sessions/new")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


async def test_log_a_walk_in_and_see_it_in_todays_list(
    client: httpx.AsyncClient, logs: World, staff: str
) -> None:
    await sign_in(client, staff)
    page = await client.get("/staff/sessions/new?location=gellerup&channel=walk_in")
    assert page.status_code == 200
    assert page.headers["content-language"] == "da"
    assert page.headers["cache-control"] == "no-store"
    assert f'<option value="{logs.gellerup.id}" selected>' in page.text
    assert checked(page.text, "channel") == ["walk_in"]
    assert "Pas: bestil tid" in page.text or "pas" in page.text.lower()  # Danish guide titles
    saved = await client.post("/staff/sessions/new", data=form(csrf_from(page.text), logs))
    assert saved.status_code == 303
    assert saved.headers["location"].startswith("/staff/sessions?logged=")
    with Session(logs.engine) as session:
        row = session.exec(select(HelpLog)).one()
        topics = session.exec(select(HelpLogTopic.topic)).all()
    assert (row.location_id, row.channel, row.language, row.interpreter) == (
        logs.gellerup.id,
        "walk_in",
        "so",
        True,
    )
    assert (row.duration_minutes, row.note, row.other_topic) == (
        45,
        "CPR [CPR]",
        "Rejsekort, mail [EMAIL]",
    )
    assert sorted(topics) == ["mitid-locked", "other"]
    confirmation = await client.get(saved.headers["location"])
    assert confirmation.status_code == 200
    assert f"(nr. {row.id})" in confirmation.text
    assert 'href="/staff/sessions/new"' in confirmation.text
    assert "Rejsekort, mail [EMAIL]" in confirmation.text
    for channel in ("walk_in", "phone", "outreach"):  # quick starts for the next one
        assert f'href="/staff/sessions/new?channel={channel}"' in confirmation.text
    # The next log starts at the place last used.
    again = await client.get("/staff/sessions/new")
    assert f'<option value="{logs.gellerup.id}" selected>' in again.text


async def test_errors_keep_everything_typed(
    client: httpx.AsyncClient, logs: World, staff: str
) -> None:
    await sign_in(client, staff)
    page = await client.get("/staff/sessions/new")
    token = csrf_from(page.text)
    bad = form(token, logs, outcome="", duration="other", duration_other="0", other_topic="")
    response = await client.post("/staff/sessions/new", data=bad)
    assert response.status_code == 422
    assert 'id="form-errors"' in response.text
    assert "Vælg resultatet." in response.text
    assert "Skriv varigheden i hele minutter, fra 1 til 480." in response.text
    summary = response.text.split('id="form-errors"')[1].split("</ul>")[0]
    assert summary.index("Vælg resultatet.") < summary.index("Skriv varigheden")  # form order
    assert checked(response.text, "language") == ["so"]
    assert checked(response.text, "age_band") == ["45-54"]
    assert checked(response.text, "topics") == ["mitid-locked", "other"]
    assert checked(response.text, "duration") == ["other"]
    assert "CPR 010203-1234</textarea>" in response.text  # shown back to its writer, not stored
    # Fixed, but "Other" has no text: the service's own check, the rest still kept.
    fixed = form(token, logs, other_topic="")
    response = await client.post("/staff/sessions/new", data=fixed)
    assert response.status_code == 422
    assert "Beskriv emnet" in response.text
    # The form asks for the age band and first visit (the API would take "unknown").
    response = await client.post("/staff/sessions/new", data=form(token, logs, age_band=""))
    assert response.status_code == 422
    assert "Vælg en aldersgruppe eller ukendt." in response.text
    with Session(logs.engine) as session:
        assert session.exec(select(HelpLog)).first() is None


async def test_prefilled_from_a_booking_then_logged_once(
    client: httpx.AsyncClient, logs: World, staff: str
) -> None:
    slot_id = logs.slot(capacity=1, session_type=logs.citizen)
    booked = await client.post(
        "/api/v1/bookings",
        json={
            "slot_id": slot_id,
            "name": "Amal",
            "phone": "20123456",
            "language": "ar",
            "topic": "passport-book",
            "needs": {"interpreter": True},
        },
    )
    assert booked.status_code == 201, booked.text
    with Session(logs.engine) as session:
        booking_id = session.exec(select(Booking.id)).one()
    assert booking_id is not None
    await sign_in(client, staff)
    page = await client.get(f"/staff/sessions/new?booking={booking_id}")
    assert page.status_code == 200
    assert f'<option value="{logs.dokk1.id}" selected>' in page.text
    assert checked(page.text, "channel") == ["booked"]
    assert checked(page.text, "language") == ["ar"]
    assert checked(page.text, "topics") == ["passport-book"]
    assert checked(page.text, "interpreter") == ["1"]
    assert checked(page.text, "duration") == ["other"]  # a 20-minute appointment
    assert f'name="booking" value="{booking_id}"' in page.text
    data = form(
        csrf_from(page.text),
        logs,
        location=str(logs.dokk1.id),
        channel="booked",
        topics=["passport-book"],
        other_topic="",
        language="ar",
        booking=str(booking_id),
        duration="other",
        duration_other="20",
    )
    saved = await client.post("/staff/sessions/new", data=data)
    assert saved.status_code == 303, saved.text
    assert logs.get_booking(booking_id).status == "arrived"
    confirmation = await client.get(saved.headers["location"])
    assert "/staff/day?location=dokk1" in confirmation.text
    twice = await client.post("/staff/sessions/new", data=data)
    assert twice.status_code == 409
    assert "Der er allerede logget en session for den booking." in twice.text
    reopened = await client.get(f"/staff/sessions/new?booking={booking_id}")
    assert "Der er allerede logget en session for den booking." in reopened.text


async def test_day_view_links_each_booking_to_the_form(
    client: httpx.AsyncClient, logs: World, staff: str
) -> None:
    slot_id = logs.slot(capacity=1)
    booked = await client.post(
        "/api/v1/bookings",
        json={"slot_id": slot_id, "name": "Olena", "phone": "20123456", "language": "uk"},
    )
    assert booked.status_code == 201
    with Session(logs.engine) as session:
        booking_id = session.exec(select(Booking.id)).one()
    assert booking_id is not None
    day = logs.get_slot(slot_id).starts_at
    from zoneinfo import ZoneInfo

    local = day.astimezone(ZoneInfo("Europe/Copenhagen")).date().isoformat()
    await sign_in(client, staff)
    page = await client.get(f"/staff/day?location=dokk1&date={local}")
    assert f'href="/staff/sessions/new?booking={booking_id}"' in page.text
    assert 'href="/staff/sessions/new">' in page.text  # the nav link
    assert 'href="/staff/sessions/new?location=dokk1&amp;channel=walk_in"' in page.text
