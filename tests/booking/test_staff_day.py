"""The staff day view: who is coming, arrived / no-show, walk-ins; the same in the API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from helpdesk.accounts.service import get_user
from helpdesk.booking.models import Booking
from helpdesk.booking.places import set_account_places
from helpdesk.booking.service import BookingError, day_bookings
from helpdesk.db import session_scope
from helpdesk.kb.models import AuditLogRecord
from tests.accounts.helpers import csrf_from, make_token, make_user, sign_in
from tests.booking.conftest import World
from tests.conftest import clear_tables

ZONE = ZoneInfo("Europe/Copenhagen")


@pytest.fixture
def staff(db_engine: Engine) -> Iterator[str]:
    clear_tables(db_engine, "api_token", "login_attempt", "user_account")
    make_user(db_engine, "mette", "staff")
    yield "mette"
    clear_tables(db_engine, "api_token", "login_attempt", "user_account")


def day_of(world: World, slot_id: int) -> str:
    return world.get_slot(slot_id).starts_at.astimezone(ZONE).date().isoformat()


async def book(client: httpx.AsyncClient, slot_id: int, **extra: object) -> dict[str, object]:
    body = {"slot_id": slot_id, "name": "Amal Haddad", "phone": "20123456", "language": "ar"}
    body.update(extra)
    response = await client.post("/api/v1/bookings", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, object] = response.json()
    return result


async def test_day_view_and_attendance(client: httpx.AsyncClient, world: World, staff: str) -> None:
    slot_id = world.slot(capacity=2, session_type=world.citizen)
    await book(
        client, slot_id, topic="passport-book", needs={"interpreter": True, "wheelchair": True}
    )
    await sign_in(client, staff)
    page = await client.get(f"/staff/day?location=dokk1&date={day_of(world, slot_id)}")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    for expected in ("Amal Haddad", "العربية", "20 12 34 56"):
        assert expected in page.text
    with Session(world.engine) as session:
        booking = session.exec(select(Booking)).one()
    token = csrf_from(page.text)
    url = f"/staff/day/bookings/{booking.id}/attendance"
    form = {"location": "dokk1", "date": day_of(world, slot_id), "status": "arrived"}
    refused = await client.post(url, data=form)  # no CSRF token
    assert refused.status_code == 403
    assert world.get_booking(booking.id or 0).status == "booked"
    marked = await client.post(url, data={**form, "csrf_token": token})
    assert marked.status_code == 303
    assert marked.headers["location"].startswith("/staff/day?location=dokk1")
    assert world.get_booking(booking.id or 0).status == "arrived"
    await client.post(url, data={**form, "status": "no_show", "csrf_token": token})
    assert world.get_booking(booking.id or 0).status == "no_show"
    assert world.get_slot(slot_id).booked == 1  # attendance does not change the seats


async def test_walk_ins(client: httpx.AsyncClient, world: World, staff: str) -> None:
    now = dt.datetime.now(dt.UTC)
    running = world.slot(capacity=1, start=now - dt.timedelta(minutes=10))
    await sign_in(client, staff)
    page = await client.get("/staff/day?location=dokk1")
    token = csrf_from(page.text)
    form = {
        "csrf_token": token,
        "location": "dokk1",
        "date": now.astimezone(ZONE).date().isoformat(),
        "session_type": "digital-help",
        "language": "so",
        "topic": "mitid-create-app",
        "own_device": "1",
        "slot_id": str(running),
    }
    first = await client.post("/staff/day/walk-ins", data=form)
    assert first.status_code == 303
    assert "notice=walk_in_registered" in first.headers["location"]
    assert world.get_slot(running).booked == 1
    full = await client.post("/staff/day/walk-ins", data=form)
    assert "notice=slot_full" in full.headers["location"]
    notice = await client.get(full.headers["location"])
    assert "Beklager, tiden er lige blevet taget." in notice.text  # staff pages: Danish
    without_slot = await client.post("/staff/day/walk-ins", data={**form, "slot_id": ""})
    assert "notice=walk_in_registered" in without_slot.headers["location"]
    with Session(world.engine) as session:
        walk_ins = session.exec(select(Booking).where(Booking.channel == "walk-in")).all()
    assert len(walk_ins) == 2
    assert all(w.status == "arrived" and w.name is None and w.phone is None for w in walk_ins)
    assert {w.language for w in walk_ins} == {"so"}
    assert all(w.needs_own_device for w in walk_ins)
    # A notice is named by code, never taken as text from the URL.
    spoofed = await client.get("/staff/day?location=dokk1&notice=Call+this+number")
    assert "Call this number" not in spoofed.text


async def test_staff_api_with_a_bearer_token(
    client: httpx.AsyncClient, world: World, staff: str, db_engine: Engine
) -> None:
    slot_id = world.slot(capacity=3)
    booked = await book(client, slot_id)
    day = day_of(world, slot_id)
    assert (await client.get(f"/api/v1/staff/day?location=dokk1&date={day}")).status_code == 401
    auth = {"Authorization": f"Bearer {make_token(db_engine, staff)}"}
    listing = await client.get(f"/api/v1/staff/day?location=dokk1&date={day}", headers=auth)
    assert listing.status_code == 200
    [entry] = listing.json()["bookings"]
    assert entry["reference"] == booked["reference"]
    assert entry["language"] == "ar"
    marked = await client.post(
        f"/api/v1/staff/bookings/{entry['id']}/attendance", json={"status": "arrived"}, headers=auth
    )
    assert marked.status_code == 200
    assert marked.json()["status"] == "arrived"
    walk_in = await client.post(
        "/api/v1/staff/walk-ins",
        json={
            "location": "dokk1",
            "session_type": "digital-help",
            "language": "tr",
            "slot_id": slot_id,
        },
        headers=auth,
    )
    assert walk_in.status_code == 201, walk_in.text
    assert world.get_slot(slot_id).booked == 2
    for path, payload, status in (
        (
            "/api/v1/staff/walk-ins",
            {"location": "nowhere", "session_type": "digital-help", "language": "da"},
            404,
        ),
        (
            "/api/v1/staff/walk-ins",
            {"location": "dokk1", "session_type": "x", "language": "da"},
            422,
        ),
        (
            "/api/v1/staff/walk-ins",
            {
                "location": "dokk1",
                "session_type": "digital-help",
                "language": "da",
                "topic": "nope",
            },
            422,
        ),
        ("/api/v1/staff/bookings/999999/attendance", {"status": "arrived"}, 404),
        ("/api/v1/staff/bookings/abc/attendance", {"status": "arrived"}, 404),
        (f"/api/v1/staff/bookings/{entry['id']}/attendance", {"status": "cancelled"}, 422),
    ):
        response = await client.post(path, json=payload, headers=auth)
        assert response.status_code == status, (path, response.text)
    bad_day = await client.get("/api/v1/staff/day?location=dokk1&date=tomorrow", headers=auth)
    assert bad_day.status_code == 422


async def test_cookie_authorised_api_calls_need_the_csrf_header(
    client: httpx.AsyncClient, world: World, staff: str
) -> None:
    await sign_in(client, staff)
    page = await client.get("/staff/day?location=dokk1")
    body = {"location": "dokk1", "session_type": "digital-help", "language": "da"}
    refused = await client.post("/api/v1/staff/walk-ins", json=body)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "csrf_failed"
    allowed = await client.post(
        "/api/v1/staff/walk-ins", json=body, headers={"X-CSRF-Token": csrf_from(page.text)}
    )
    assert allowed.status_code == 201


async def test_a_walk_in_keeps_no_contact_details(
    client: httpx.AsyncClient, world: World, staff: str, db_engine: Engine
) -> None:
    """The README promises walk-ins are recorded without contact details: a note loses phone
    numbers and e-mails as well as CPR numbers (a booking keeps contact in its own fields)."""
    auth = {"Authorization": f"Bearer {make_token(db_engine, staff)}"}
    note = "WALKIN 01 01 90 1234 / jens(at)example.dk / ring 22 33 44 55 / jens@example.dk"
    walk_in = await client.post(
        "/api/v1/staff/walk-ins",
        json={
            "location": "dokk1",
            "session_type": "digital-help",
            "language": "da",
            "needs": {"note": note},
        },
        headers=auth,
    )
    assert walk_in.status_code == 201, walk_in.text
    with Session(db_engine) as session:
        stored = session.exec(select(Booking).where(Booking.channel == "walk-in")).one()
    assert stored.needs_note == "WALKIN [CPR] / [EMAIL] / ring [PHONE] / [EMAIL]"
    assert stored.name is None
    assert stored.phone is None
    assert stored.email is None


async def test_reads_of_a_day_are_audited_and_places_can_be_limited(
    client: httpx.AsyncClient, world: World, staff: str, db_engine: Engine
) -> None:
    """Opening a place's day (names, phones) is written to the audit log; an account limited to
    Gellerup sees neither Dokk1's bookings nor can mark them, in the page or the API."""
    clear_tables(db_engine, "audit_log")
    at_dokk1 = world.slot(capacity=2, session_type=world.citizen)
    at_gellerup = world.slot(capacity=2, session_type=world.citizen, location=world.gellerup)
    await book(client, at_dokk1, name="Amal Haddad")
    await book(client, at_gellerup, name="Jens Holm")
    auth = {"Authorization": f"Bearer {make_token(db_engine, staff)}"}
    day = day_of(world, at_dokk1)
    seen = await client.get(f"/api/v1/staff/day?location=dokk1&date={day}", headers=auth)
    assert seen.status_code == 200
    assert [b["name"] for b in seen.json()["bookings"]] == ["Amal Haddad"]
    with Session(db_engine) as session:
        entries = session.exec(select(AuditLogRecord)).all()
    assert [(e.actor, e.action, e.target) for e in entries] == [
        (staff, "read-bookings", f"place-day:dokk1/{day}")
    ]

    with session_scope(db_engine) as session:
        user = get_user(session, staff)
        assert user is not None
        assert user.id is not None
        assert set_account_places(session, user.id, ["gellerup"]) == ["gellerup"]
        with pytest.raises(ValueError, match="nowhere"):
            set_account_places(session, user.id, ["nowhere"])
        # The domain query itself refuses, whatever the caller.
        start = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
        end = start + dt.timedelta(days=30)
        with pytest.raises(BookingError) as refused:
            day_bookings(session, world.dokk1.id or 0, start, end, viewer_id=user.id)
        assert refused.value.code == "forbidden"
        rows = day_bookings(session, world.gellerup.id or 0, start, end, viewer_id=user.id)
        assert [booking.name for booking, _ in rows] == ["Jens Holm"]

    refused_api = await client.get(f"/api/v1/staff/day?location=dokk1&date={day}", headers=auth)
    assert refused_api.status_code == 403
    assert refused_api.json()["error"]["code"] == "forbidden"
    day_g = day_of(world, at_gellerup)
    allowed = await client.get(f"/api/v1/staff/day?location=gellerup&date={day_g}", headers=auth)
    assert [b["name"] for b in allowed.json()["bookings"]] == ["Jens Holm"]
    with Session(db_engine) as session:
        dokk1_booking = session.exec(select(Booking).where(Booking.name == "Amal Haddad")).one()
    mark = await client.post(
        f"/api/v1/staff/bookings/{dokk1_booking.id}/attendance",
        json={"status": "arrived"},
        headers=auth,
    )
    assert mark.status_code == 404
    # The page offers only Gellerup and falls back to it when asked for Dokk1.
    await sign_in(client, staff)
    page = await client.get(f"/staff/day?location=dokk1&date={day}")
    assert page.status_code == 200
    assert "Amal Haddad" not in page.text
    assert 'value="dokk1"' not in page.text
    # Lifting the limit: every place again.
    with session_scope(db_engine) as session:
        user = get_user(session, staff)
        assert user is not None
        assert user.id is not None
        assert set_account_places(session, user.id, []) == []
    again = await client.get(f"/api/v1/staff/day?location=dokk1&date={day}", headers=auth)
    assert again.status_code == 200
    with Session(db_engine) as session:
        targets = [e.target for e in session.exec(select(AuditLogRecord)).all()]
    assert targets.count(f"place-day:dokk1/{day}") == 2
    assert f"place-day:gellerup/{day_g}" in targets
    clear_tables(db_engine, "audit_log")
