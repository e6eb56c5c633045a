"""Bursts of bookings from one address: the coordinator sees them and cancels one in a single,
CSRF-protected, audited action; citizens with an e-mail address are told."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from dataclasses import replace

import httpx
from sqlmodel import Session, col, select
from starlette.applications import Starlette

from helpdesk.app import create_app
from helpdesk.booking.bursts import cancel_burst, find_bursts
from helpdesk.booking.limits import BookingLimits, client_hash
from helpdesk.booking.models import Booking
from helpdesk.booking.service import BookingRequest, book
from helpdesk.db import session_scope
from helpdesk.kb.models import AuditLogRecord
from helpdesk.settings import Settings
from tests.accounts.helpers import csrf_from, make_user, sign_in
from tests.booking.conftest import World
from tests.booking.gateway import Gateway
from tests.booking.test_mail import Inbox

BOT = client_hash("test-secret", "127.0.0.1")  # the test client's address, as the app hashes it
OTHER = client_hash("test-secret", "203.0.113.5")
NO_LIMIT = 1000


def book_from(world: World, slot_id: int, address: str, number: int, at: dt.datetime) -> int:
    with session_scope(world.engine) as session:
        outcome = book(
            session,
            BookingRequest(
                slot_id=slot_id,
                name=f"Bot {number}",
                language="da",
                phone=f"+452200{number:04d}",
                email=f"bot{number}@example.dk" if number % 2 == 0 else None,
            ),
            limits=BookingLimits(NO_LIMIT, NO_LIMIT, address),
            now=at,
        )
        assert outcome.booking.id is not None
        return outcome.booking.id


def make_burst(world: World, now: dt.datetime) -> tuple[int, list[int]]:
    slot_id = world.slot(capacity=20)
    burst = [
        book_from(world, slot_id, BOT, n, now - dt.timedelta(minutes=20 - n)) for n in range(6)
    ]
    # An ordinary citizen's bookings from elsewhere, and one from the bot's address a day ago.
    book_from(world, slot_id, OTHER, 50, now - dt.timedelta(minutes=5))
    book_from(world, slot_id, OTHER, 51, now - dt.timedelta(minutes=4))
    book_from(world, slot_id, BOT, 52, now - dt.timedelta(days=1))
    return slot_id, burst


def test_a_burst_is_found_and_cancelled_in_one_action(world: World) -> None:
    now = dt.datetime.now(dt.UTC)
    slot_id, burst_ids = make_burst(world, now)
    with Session(world.engine) as session:
        [burst] = find_bursts(session, now)
    assert burst.client_hash == BOT
    assert sorted(burst.booking_ids) == sorted(burst_ids)
    assert burst.active == 6
    with session_scope(world.engine) as session:
        cancelled = cancel_burst(session, BOT, burst.first, burst.last, actor="coord")
    assert sorted(b.id or 0 for b in cancelled) == sorted(burst_ids)
    assert world.get_slot(slot_id).booked == 3  # the others' two and the day-old one
    with Session(world.engine) as session:
        audit = session.exec(
            select(AuditLogRecord).where(AuditLogRecord.action == "cancel_burst")
        ).all()[-1]
        assert audit.actor == "coord"
        assert audit.summary.startswith("6 booking(s) cancelled")
        assert "bot" not in audit.summary.lower()  # no citizen data in the audit log
        [after] = find_bursts(session, now)
        assert after.active == 0
    with session_scope(world.engine) as session:
        assert cancel_burst(session, BOT, burst.first, burst.last, actor="coord") == []


async def test_the_coordinator_page_cancels_a_burst_and_tells_the_citizens(
    app: Starlette,
    settings: Settings,
    world: World,
    mailbox: tuple[Inbox, int],
    gateway: Gateway,
) -> None:
    handler, port = mailbox
    now = dt.datetime.now(dt.UTC)
    slot_id, burst_ids = make_burst(world, now)
    mail_settings = replace(
        settings,
        import_kb_on_start=False,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security="none",
        # Citizens who gave a phone number get a text message through the gateway.
        sms_url=gateway.url,
        public_base_url="https://hjaelp.example.dk",
    )
    application = create_app(mail_settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as staff:
            assert (await staff.get("/coordinator/bookings/bursts")).status_code == 303
            username = f"staff-{uuid.uuid4().hex[:8]}"
            make_user(world.engine, username, "staff")
            await sign_in(staff, username)
            assert (await staff.get("/coordinator/bookings/bursts")).status_code == 403
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            coordinator = f"coord-{uuid.uuid4().hex[:8]}"
            make_user(world.engine, coordinator, "coordinator")
            await sign_in(client, coordinator)
            page = await client.get("/coordinator/bookings/bursts?lang=en")
            assert page.status_code == 200
            assert BOT[:12] in page.text
            assert OTHER[:12] not in page.text  # two bookings are no burst
            assert "Bot 1" not in page.text  # no names: the burst is what matters
            assert "Citizens who gave a phone number get a text message." in page.text
            form = {
                "client_hash": BOT,
                "first": page.text.split('name="first" value="')[1].split('"')[0],
                "last": page.text.split('name="last" value="')[1].split('"')[0],
            }
            forged = await client.post("/coordinator/bookings/bursts/cancel", data=form)
            assert forged.status_code == 403  # no CSRF token
            form["csrf_token"] = csrf_from(page.text)
            done = await client.post("/coordinator/bookings/bursts/cancel", data=form)
            assert done.status_code == 303
            shown = await client.get(done.headers["location"] + "&lang=en")
            assert "6 bookings from the burst were cancelled." in shown.text
            await handler.wait_for(3)  # bots 0, 2 and 4 gave an e-mail address
            for _ in range(200):  # every bot gave a phone number
                if len(gateway.messages) >= 6:
                    break
                await asyncio.sleep(0.05)
    assert world.get_slot(slot_id).booked == 3
    with Session(world.engine) as session:
        statuses = session.exec(select(Booking.status).where(col(Booking.id).in_(burst_ids))).all()
        assert set(statuses) == {"cancelled"}
        audit = session.exec(
            select(AuditLogRecord).where(AuditLogRecord.action == "cancel_burst")
        ).all()[-1]
        assert audit.actor == coordinator
    assert sorted(m["To"] for m in handler.messages) == [
        "bot0@example.dk",
        "bot2@example.dk",
        "bot4@example.dk",
    ]
    assert sorted(m["to"] for m in gateway.messages) == [f"+452200{n:04d}" for n in range(6)]
    for message in gateway.messages:
        assert "er aflyst" in message["message"]  # in the booking's language (Danish)
        assert "https://hjaelp.example.dk/book?lang=da" in message["message"]


async def test_without_a_gateway_a_cancelled_burst_sends_no_text_message(
    settings: Settings, world: World, gateway: Gateway
) -> None:
    now = dt.datetime.now(dt.UTC)
    make_burst(world, now)
    application = create_app(replace(settings, import_kb_on_start=False))
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            coordinator = f"coord-{uuid.uuid4().hex[:8]}"
            make_user(world.engine, coordinator, "coordinator")
            await sign_in(client, coordinator)
            page = await client.get("/coordinator/bookings/bursts?lang=en")
            assert "text message" not in page.text  # no SMS: the page does not promise one
            form = {
                "client_hash": BOT,
                "first": page.text.split('name="first" value="')[1].split('"')[0],
                "last": page.text.split('name="last" value="')[1].split('"')[0],
                "csrf_token": csrf_from(page.text),
            }
            done = await client.post("/coordinator/bookings/bursts/cancel", data=form)
            assert done.status_code == 303
            assert "cancelled=6" in done.headers["location"]
    assert gateway.received == []
