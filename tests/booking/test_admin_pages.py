"""The admin pages: forms with CSRF tokens around the same services as the API; messages per
field in the page's language; a closure that cancels bookings shows staff the list."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from zoneinfo import ZoneInfo

import httpx
from sqlmodel import Session, col, select
from starlette.applications import Starlette

from helpdesk.booking.models import Booking, Location, Schedule, Slot, StaffMember
from helpdesk.booking.service import BookingRequest, book
from helpdesk.db import session_scope
from helpdesk.kb.models import AuditLogRecord
from tests.accounts.helpers import csrf_from, make_user, sign_in
from tests.booking.conftest import World

ZONE = ZoneInfo("Europe/Copenhagen")


@asynccontextmanager
async def signed_in(app: Starlette, world: World, role: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        username = f"{role}-{uuid.uuid4().hex[:8]}"
        make_user(world.engine, username, role)
        await sign_in(client, username)
        yield client


async def test_an_admin_sets_up_a_place_with_staff_and_hours(app: Starlette, world: World) -> None:
    async with signed_in(app, world, "admin") as client:
        staff_page = await client.get("/admin/staff?lang=en")
        assert staff_page.status_code == 200
        token = csrf_from(staff_page.text)
        forged = await client.post("/admin/staff", data={"name": "Omar", "languages": ["ar"]})
        assert forged.status_code == 403
        added = await client.post(
            "/admin/staff", data={"csrf_token": token, "name": "Omar", "languages": ["ar", "da"]}
        )
        assert added.status_code == 303
        with Session(world.engine) as session:
            omar = session.exec(select(StaffMember).where(StaffMember.name == "Omar")).one()
        places = await client.get("/admin/places?lang=da")
        assert places.status_code == 200
        bad = await client.post(
            "/admin/places?lang=da",
            data={"csrf_token": token, "slug": "Viby Bibliotek", "name": "", "kind": "library"},
        )
        assert bad.status_code == 422
        assert "Intet blev gemt" in bad.text
        made = await client.post(
            "/admin/places",
            data={
                "csrf_token": token,
                "slug": "viby",
                "name": "Viby Bibliotek",
                "kind": "library",
                "address": "Skanderborgvej 170",
                "postcode": "8260",
                "city": "Viby J",
                "step_free": "on",
                "listed": "on",
                "notes_da": "Elevator ved indgangen.",
                "notes_ar": "مصعد عند المدخل.",
            },
        )
        assert made.status_code == 303
        assert made.headers["location"] == "/admin/places/viby?saved=1"
        page = await client.get("/admin/places/viby?lang=en")
        assert "مصعد عند المدخل." in page.text
        overlap_free = {
            "csrf_token": token,
            "session_type": "digital-help",
            "weekday": "1",
            "starts": "10:00",
            "ends": "09:00",
            "capacity": "2",
            "staff": [str(omar.id)],
        }
        refused = await client.post("/admin/places/viby/schedules?lang=en", data=overlap_free)
        assert refused.status_code == 422
        assert "The end must be after the start." in refused.text
        overlap_free["ends"] = "12:00"
        saved = await client.post("/admin/places/viby/schedules", data=overlap_free)
        assert saved.status_code == 303
    with Session(world.engine) as session:
        viby = session.exec(select(Location).where(Location.slug == "viby")).one()
        assert viby.notes == {"da": "Elevator ved indgangen.", "ar": "مصعد عند المدخل."}
        schedule = session.exec(select(Schedule).where(Schedule.location_id == viby.id)).one()
        slots = session.exec(select(Slot).where(Slot.schedule_id == schedule.id)).all()
        assert slots
        assert {s.languages for s in slots} == {",ar,da,"}
        actions = set(session.exec(select(AuditLogRecord.action)).all())
        assert {"staff_create", "location_create", "schedule_create"} <= actions


async def test_a_coordinator_closes_a_place_and_sees_whom_to_tell(
    app: Starlette, world: World
) -> None:
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=9)
    slot_id = world.slot(capacity=2, start=start, location=world.gellerup)
    with session_scope(world.engine) as session:
        book(
            session,
            BookingRequest(slot_id=slot_id, name="Hanne", language="da", phone="+4520000077"),
        )
    # A hand-made slot (no schedule) is left alone by closures: make a schedule's slot instead.
    async with signed_in(app, world, "admin") as admin_client:
        token = csrf_from((await admin_client.get("/admin/places/gellerup")).text)
        local = start.astimezone(ZONE)
        await admin_client.post(
            "/admin/places/gellerup/schedules",
            data={
                "csrf_token": token,
                "session_type": "citizen-service",
                "weekday": str(local.weekday()),
                "starts": "08:00",
                "ends": "18:00",
                "capacity": "1",
            },
        )
    with Session(world.engine) as session:
        slot = session.exec(
            select(Slot)
            .where(col(Slot.schedule_id).is_not(None), col(Slot.starts_at) > start)
            .order_by(col(Slot.starts_at))
        ).first()
        assert slot is not None
    with session_scope(world.engine) as session:
        book(
            session,
            BookingRequest(slot_id=slot.id or 0, name="Karim", language="ar", phone="+4520000088"),
        )
    day = slot.starts_at.astimezone(ZONE).date().isoformat()
    async with signed_in(app, world, "coordinator") as client:
        page = await client.get("/admin/closures?lang=en")
        assert page.status_code == 200
        assert (await client.get("/admin/places")).status_code == 403
        token = csrf_from(page.text)
        backwards = await client.post(
            "/admin/closures?lang=en",
            data={
                "csrf_token": token,
                "location": "gellerup",
                "from": day,
                "to": "2000-01-01",
                "reason": "Personaledag",
            },
        )
        assert backwards.status_code == 422
        assert "The last day must be on or after the first day." in backwards.text
        closed = await client.post(
            "/admin/closures?lang=en",
            data={
                "csrf_token": token,
                "location": "gellerup",
                "from": day,
                "to": day,
                "reason": "Personaledag",
            },
        )
        assert closed.status_code == 200
        assert "Karim" in closed.text
        assert "Nobody yet: please call" in closed.text
    with Session(world.engine) as session:
        karim = session.exec(select(Booking).where(Booking.name == "Karim")).one()
        assert karim.status == "cancelled"
        hanne = session.exec(select(Booking).where(Booking.name == "Hanne")).one()
        assert hanne.status == "booked"  # a hand-made slot: not the schedule's
