"""The admin API (/api/v1/admin) with bearer tokens: places, staff, session types, schedules and
closures; slots made and withdrawn in the change's transaction; bad input refused per field
with nothing saved; every change in the audit log; bookings hit by a change cancelled, listed
and told by e-mail with a link to pick a new time."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlmodel import Session, col, func, select
from starlette.applications import Starlette

from helpdesk.app import create_app
from helpdesk.booking.admin_inputs import ClosureIn, LocationPatch
from helpdesk.booking.models import Booking, Closure, Location, Schedule, Slot
from helpdesk.booking.places import set_account_places
from helpdesk.booking.service import BookingRequest, book
from helpdesk.db import session_scope
from helpdesk.kb.models import AuditLogRecord
from helpdesk.settings import Settings
from tests.accounts.helpers import make_token, make_user
from tests.booking.conftest import World
from tests.booking.gateway import Gateway
from tests.booking.test_mail import Inbox

ZONE = ZoneInfo("Europe/Copenhagen")
API = "/api/v1/admin"


def token_for(world: World, role: str) -> dict[str, str]:
    username = f"{role}-{uuid.uuid4().hex[:8]}"
    make_user(world.engine, username, role)
    return {"Authorization": f"Bearer {make_token(world.engine, username)}"}


@pytest.fixture
async def admin_client(app: Starlette, world: World) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers=token_for(world, "admin")
    ) as client:
        yield client


def next_weekday(weekday: int, weeks: int = 1) -> dt.date:
    """The date of ``weekday`` in ``weeks`` weeks (never a Danish holiday in the tests' use)."""
    today = dt.datetime.now(ZONE).date()
    day = today + dt.timedelta(days=7 * weeks)
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


def slots_of(world: World, schedule_id: int, *, open_only: bool = True) -> list[Slot]:
    with Session(world.engine) as session:
        query = select(Slot).where(Slot.schedule_id == schedule_id)
        if open_only:
            query = query.where(col(Slot.closed).is_(False))
        return list(session.exec(query.order_by(col(Slot.starts_at))).all())


def audit_actions(world: World) -> list[str]:
    with Session(world.engine) as session:
        return list(session.exec(select(AuditLogRecord.action).order_by(col(AuditLogRecord.id))))


async def new_staff(client: httpx.AsyncClient, name: str, languages: list[str]) -> int:
    created = await client.post(f"{API}/staff", json={"name": name, "languages": languages})
    assert created.status_code == 201, created.text
    return int(created.json()["staff"]["id"])


def schedule_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "location": "gellerup",
        "session_type": "digital-help",
        "weekday": 2,
        "starts": "10:00",
        "ends": "12:00",
        "capacity": 2,
        "staff": [],
    }
    body.update(overrides)
    return body


async def test_roles_and_tokens(app: Starlette, world: World) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        assert (await client.get(f"{API}/locations")).status_code == 401
        staff = token_for(world, "staff")
        assert (await client.get(f"{API}/locations", headers=staff)).status_code == 403
        coordinator = token_for(world, "coordinator")
        assert (await client.get(f"{API}/locations", headers=coordinator)).status_code == 403
        assert (await client.get(f"{API}/closures", headers=coordinator)).status_code == 200
        assert (await client.get(f"{API}/closures", headers=staff)).status_code == 403


async def test_a_place_with_staff_and_hours_is_bookable_at_once(
    admin_client: httpx.AsyncClient, world: World
) -> None:
    created = await admin_client.post(
        f"{API}/locations",
        json={
            "slug": "tranbjerg",
            "name": "Tranbjerg Bibliotek",
            "kind": "library",
            "address": "Oddervej 1",
            "postcode": "8310",
            "city": "Tranbjerg J",
            "step_free": True,
            "listed": True,
            "notes": {"da": "Indgang fra pladsen.", "en": "Entrance from the square."},
            "drop_in": {"da": "Drop-in onsdag 14-16."},
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["location"]["notes"]["en"] == "Entrance from the square."
    amira = await new_staff(admin_client, "Amira", ["ar", "da"])
    made = await admin_client.post(
        f"{API}/schedules",
        json=schedule_body(location="tranbjerg", staff=[amira], starts="14:00", ends="15:00"),
    )
    assert made.status_code == 201, made.text
    schedule = made.json()
    assert schedule["slots"]["created"] >= 5  # 2 a week for 6 weeks, less holidays, today
    schedule_id = schedule["schedule"]["id"]
    slots = slots_of(world, schedule_id)
    assert slots
    assert all(s.languages == ",ar,da," for s in slots)
    # The public API offers them (any process: they are in the database).
    public = await admin_client.get("/api/v1/slots?location=tranbjerg&session_type=digital-help")
    assert public.status_code == 200
    assert {s["languages"][0] for s in public.json()["slots"]} == {"ar"}
    # A staff member's new language reaches the slots in the same change.
    changed = await admin_client.patch(f"{API}/staff/{amira}", json={"languages": ["ar", "fa"]})
    assert changed.status_code == 200
    assert changed.json()["slots"]["updated"] == len(slots)
    assert {s.languages for s in slots_of(world, schedule_id)} == {",ar,fa,"}
    listed = await admin_client.get(f"{API}/schedules?location=tranbjerg")
    assert [s["id"] for s in listed.json()["schedules"]] == [schedule_id]
    assert listed.json()["schedules"][0]["starts"] == "14:00"
    actions = audit_actions(world)
    for action in ("location_create", "staff_create", "schedule_create", "staff_update"):
        assert action in actions


async def test_bad_input_is_refused_per_field_and_nothing_is_saved(
    admin_client: httpx.AsyncClient, world: World
) -> None:
    before = audit_actions(world)
    bad = await admin_client.post(
        f"{API}/schedules",
        json=schedule_body(
            session_type="no-such-type", starts="12:00", ends="10:00", capacity=0, staff=[999999]
        ),
        headers={"Accept-Language": "da"},
    )
    assert bad.status_code == 422
    error = bad.json()["error"]
    assert error["code"] == "admin_invalid"
    fields = {d["field"]: d["message"] for d in error["details"]}
    assert set(fields) == {"session_type", "ends", "capacity", "staff.0"}
    assert fields["ends"] == "Sluttidspunktet skal være efter starttidspunktet."
    with Session(world.engine) as session:
        assert session.exec(select(func.count()).select_from(Schedule)).one() == 0
    # A slug clash is a conflict.
    clash = await admin_client.post(
        f"{API}/locations", json={"slug": "dokk1", "name": "Again", "kind": "library"}
    )
    assert clash.status_code == 409
    assert clash.json()["error"]["details"][0]["field"] == "slug"
    # A closure that ends before it starts; an unknown place.
    closure = await admin_client.post(
        f"{API}/closures",
        json={"location": "nowhere", "from": "2027-03-02", "to": "2027-03-01", "reason": "x"},
    )
    assert closure.status_code == 422
    assert {d["field"] for d in closure.json()["error"]["details"]} == {"location", "to"}
    # Overlapping hours of the same kind at the same place.
    first = await admin_client.post(f"{API}/schedules", json=schedule_body())
    assert first.status_code == 201
    overlap = await admin_client.post(
        f"{API}/schedules", json=schedule_body(starts="11:30", ends="13:00")
    )
    assert overlap.status_code == 409
    assert overlap.json()["error"]["code"] == "schedule_overlap"
    assert overlap.json()["error"]["details"][0]["field"] == "starts"
    # Unknown fields and wrong types are refused by the input model.
    typo = await admin_client.post(f"{API}/staff", json={"name": "X", "langs": ["da"]})
    assert typo.status_code == 422
    assert audit_actions(world) == [*before, "schedule_create"]
    assert (await admin_client.get(f"{API}/staff/424242")).status_code == 404
    assert (await admin_client.get(f"{API}/locations/nowhere")).status_code == 404


async def test_a_closure_withdraws_slots_cancels_and_tells_the_citizens(
    app: Starlette,
    settings: Settings,
    world: World,
    mailbox: tuple[Inbox, int],
    gateway: Gateway,
) -> None:
    handler, port = mailbox
    mail_settings = replace(
        settings,
        import_kb_on_start=False,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security="none",
        public_base_url="https://hjaelp.example.dk",
        # The citizen who gave only a phone number is told by a text message.
        sms_url=gateway.url,
    )
    application = create_app(mail_settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://testserver",
            headers=token_for(world, "coordinator"),
        ) as coordinator:
            admin_headers = token_for(world, "admin")
            made = await coordinator.post(
                f"{API}/schedules", json=schedule_body(weekday=1), headers=admin_headers
            )
            assert made.status_code == 201
            slot = slots_of(world, made.json()["schedule"]["id"])[1]
            with session_scope(world.engine) as session:
                for number, email in ((1, "ayse@example.dk"), (2, None)):
                    book(
                        session,
                        BookingRequest(
                            slot_id=slot.id or 0,
                            name=f"Citizen {number}",
                            language="tr" if email else "da",
                            phone=f"+4520000{number:03d}",
                            email=email,
                        ),
                    )
            day = slot.starts_at.astimezone(ZONE).date().isoformat()
            closed = await coordinator.post(
                f"{API}/closures",
                json={"location": "gellerup", "from": day, "to": day, "reason": "Personaledag"},
            )
            assert closed.status_code == 201, closed.text
            body = closed.json()
            assert body["closure"]["from"] == day
            affected = sorted(body["affected_bookings"], key=lambda b: b["name"])
            assert [b["name"] for b in affected] == ["Citizen 1", "Citizen 2"]
            assert [b["notified_by"] for b in affected] == ["email", "sms"]
            [message] = await handler.wait_for(1)
            for _ in range(100):
                if gateway.messages:
                    break
                await asyncio.sleep(0.05)
    assert message["To"] == "ayse@example.dk"
    assert message["Content-Language"] == "tr"
    text = message.get_body().get_content()  # type: ignore[union-attr]
    assert "https://hjaelp.example.dk/book?lang=tr&location=gellerup" in text
    assert "Personaledag" in text
    [sms] = gateway.to("+4520000002")
    assert "https://hjaelp.example.dk/book?lang=da&location=gellerup" in sms
    assert "aflyst" in sms
    assert world.get_slot(slot.id or 0).closed
    assert world.get_slot(slot.id or 0).booked == 0
    with Session(world.engine) as session:
        statuses = set(session.exec(select(Booking.status).where(Booking.slot_id == slot.id)).all())
        assert statuses == {"cancelled"}
        audit = session.exec(
            select(AuditLogRecord).where(AuditLogRecord.action == "closure_create")
        ).all()[-1]
        assert "2 booking(s) cancelled" in audit.summary
        assert "Citizen" not in audit.summary


async def test_deleting_a_closure_reopens_and_a_schedule_change_hits_bookings(
    admin_client: httpx.AsyncClient, world: World
) -> None:
    made = await admin_client.post(f"{API}/schedules", json=schedule_body(weekday=3))
    schedule_id = made.json()["schedule"]["id"]
    count = len(slots_of(world, schedule_id))
    first = slots_of(world, schedule_id)[0]
    day = first.starts_at.astimezone(ZONE).date().isoformat()
    closure = await admin_client.post(
        f"{API}/closures", json={"location": None, "from": day, "to": day, "reason": "Strejke"}
    )
    assert closure.status_code == 201
    assert closure.json()["closure"]["location"] is None
    assert len(slots_of(world, schedule_id)) == count - 4  # 10:00-12:00, 30 minutes each
    removed = await admin_client.delete(f"{API}/closures/{closure.json()['closure']['id']}")
    assert removed.status_code == 200
    assert removed.json()["slots"]["reopened"] == 4
    assert len(slots_of(world, schedule_id)) == count
    # A booking at 11:30, then the hours end at 11:00: the booking is cancelled and listed.
    late = slots_of(world, schedule_id)[3]
    with session_scope(world.engine) as session:
        book(
            session,
            BookingRequest(slot_id=late.id or 0, name="Late", language="da", phone="+4520000099"),
        )
    shorter = await admin_client.patch(f"{API}/schedules/{schedule_id}", json={"ends": "11:00"})
    assert shorter.status_code == 200, shorter.text
    assert [b["name"] for b in shorter.json()["affected_bookings"]] == ["Late"]
    ended = await admin_client.delete(f"{API}/schedules/{schedule_id}")
    assert ended.status_code == 200
    assert ended.json()["deleted"] is False  # it made slots: kept, inactive
    assert slots_of(world, schedule_id) == []
    assert (await admin_client.get(f"{API}/schedules/{schedule_id}")).json()["active"] is False


async def test_outreach_places_have_dated_visits_and_are_unlisted(
    admin_client: httpx.AsyncClient, world: World
) -> None:
    created = await admin_client.post(
        f"{API}/locations",
        json={"slug": "kvindehuset", "name": "Kvindehuset", "kind": "outreach", "address": None},
    )
    assert created.status_code == 201
    assert created.json()["location"]["listed"] is False
    assert created.json()["location"]["booking_link"].endswith("/book?location=kvindehuset")
    weekly = await admin_client.post(f"{API}/schedules", json=schedule_body(location="kvindehuset"))
    assert weekly.status_code == 422
    assert weekly.json()["error"]["details"][0]["field"] == "date"
    visit_day = next_weekday(2, weeks=2)
    body = schedule_body(location="kvindehuset", date=visit_day.isoformat())
    body.pop("weekday")
    visit = await admin_client.post(f"{API}/schedules", json=body)
    assert visit.status_code == 201, visit.text
    assert visit.json()["schedule"]["dated"] is True
    slots = slots_of(world, visit.json()["schedule"]["id"])
    assert {s.starts_at.astimezone(ZONE).date() for s in slots} == {visit_day}
    public = await admin_client.get("/api/v1/locations")
    assert "kvindehuset" not in {p["slug"] for p in public.json()["locations"]}


async def test_deactivating_a_place_and_a_session_type(
    admin_client: httpx.AsyncClient, world: World
) -> None:
    made = await admin_client.post(f"{API}/schedules", json=schedule_body())
    schedule_id = made.json()["schedule"]["id"]
    assert slots_of(world, schedule_id)
    off = await admin_client.patch(f"{API}/locations/gellerup", json={"active": False})
    assert off.status_code == 200
    assert off.json()["location"]["active"] is False
    assert slots_of(world, schedule_id) == []
    on = await admin_client.patch(f"{API}/locations/gellerup", json={"active": True})
    assert on.json()["slots"]["reopened"] > 0
    longer = await admin_client.patch(
        f"{API}/session-types/digital-help", json={"duration_minutes": 60}
    )
    assert longer.status_code == 200
    assert {(s.ends_at - s.starts_at) for s in slots_of(world, schedule_id)} == {
        dt.timedelta(minutes=60)
    }
    too_long = await admin_client.patch(
        f"{API}/session-types/digital-help", json={"duration_minutes": 1000}
    )
    assert too_long.status_code == 422
    new_type = await admin_client.post(
        f"{API}/session-types",
        json={"slug": "mitid-cafe", "duration_minutes": 45, "names": {"da": "MitID-café"}},
    )
    assert new_type.status_code == 201
    clash = await admin_client.post(
        f"{API}/session-types", json={"slug": "mitid-cafe", "duration_minutes": 45}
    )
    assert clash.status_code == 409
    with Session(world.engine) as session:
        assert session.exec(select(Location).where(Location.slug == "gellerup")).one().active


async def test_an_account_limited_to_other_places_sees_no_contact_details(
    app: Starlette, admin_client: httpx.AsyncClient, world: World
) -> None:
    made = await admin_client.post(f"{API}/schedules", json=schedule_body(weekday=4))
    schedule_id = made.json()["schedule"]["id"]
    slot = slots_of(world, schedule_id)[0]
    with session_scope(world.engine) as session:
        book(
            session,
            BookingRequest(slot_id=slot.id or 0, name="Nadia", language="ar", phone="+4520000055"),
        )
    # An administrator whose account is limited to Dokk1 ends Gellerup's opening hours: the
    # booking it cancels is listed, without the citizen's contact details.
    username = f"admin-{uuid.uuid4().hex[:8]}"
    user_id = make_user(world.engine, username, "admin")
    with session_scope(world.engine) as session:
        set_account_places(session, user_id, ["dokk1"])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        ended = await client.delete(
            f"{API}/schedules/{schedule_id}",
            headers={"Authorization": f"Bearer {make_token(world.engine, username)}"},
        )
    assert ended.status_code == 200, ended.text
    [affected] = ended.json()["affected_bookings"]
    assert affected["reference"]
    assert (affected["name"], affected["phone"], affected["email"]) == (None, None, None)


async def test_an_account_limited_to_places_closes_only_those(
    app: Starlette, admin_client: httpx.AsyncClient, world: World
) -> None:
    day = next_weekday(3, weeks=2).isoformat()
    username = f"coordinator-{uuid.uuid4().hex[:8]}"
    user_id = make_user(world.engine, username, "coordinator")
    with session_scope(world.engine) as session:
        set_account_places(session, user_id, ["gellerup"])
    headers = {
        "Authorization": f"Bearer {make_token(world.engine, username)}",
        "Accept-Language": "da",
    }

    def closures() -> int:
        with Session(world.engine) as session:
            return int(session.exec(select(func.count()).select_from(Closure)).one())

    before = closures()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        for place in ("dokk1", None):
            refused = await client.post(
                f"{API}/closures",
                json={"location": place, "from": day, "to": day, "reason": "Vandskade"},
                headers=headers,
            )
            assert refused.status_code == 403
            assert refused.json()["error"]["code"] == "place_not_allowed"
            assert "begrænset" in refused.json()["error"]["message"]
        assert closures() == before
        own = await client.post(
            f"{API}/closures",
            json={"location": "gellerup", "from": day, "to": day, "reason": "Vandskade"},
            headers=headers,
        )
        assert own.status_code == 201
        # Nor may it reopen a place it does not look after.
        other = await admin_client.post(
            f"{API}/closures",
            json={"location": "dokk1", "from": day, "to": day, "reason": "Strejke"},
        )
        other_id = other.json()["closure"]["id"]
        reopened = await client.delete(f"{API}/closures/{other_id}", headers=headers)
        assert reopened.status_code == 403
        assert (
            await client.delete(f"{API}/closures/{own.json()['closure']['id']}", headers=headers)
        ).status_code == 200
    assert closures() == before + 1


def test_a_cpr_number_typed_into_free_text_is_redacted_before_it_is_stored() -> None:
    closure = ClosureIn.model_validate(
        {"location": None, "from": "2026-12-28", "to": "2026-12-28", "reason": "Sag 010190-1234"}
    )
    assert closure.reason == "Sag [CPR]"
    place = LocationPatch.model_validate({"notes": {"da": "Ring 70 11 31 31, ikke 0101901234"}})
    assert place.notes == {"da": "Ring 70 11 31 31, ikke [CPR]"}
