"""Booking limits (issue 14, item 1): one contact holds at most a few future bookings, one
network address makes at most a few bookings an hour (more from a trusted network), counted in
the database; refusals are 429 with Retry-After and a message in the citizen's language."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
from sqlmodel import Session, select
from starlette.applications import Starlette

from helpdesk.app import create_app
from helpdesk.booking.limits import BookingLimits, client_hash
from helpdesk.booking.models import Booking
from helpdesk.booking.service import (
    BookingLimitReached,
    BookingRequest,
    book,
    cancel,
    purge_contact_details,
)
from helpdesk.db import session_scope
from helpdesk.settings import Settings
from tests.booking.conftest import World

HOME = client_hash("test-secret", "192.0.2.7")
ELSEWHERE = client_hash("test-secret", "198.51.100.9")


def request(slot_id: int, phone: str | None = "+4520123456", **extra: Any) -> BookingRequest:
    return BookingRequest(slot_id=slot_id, name="Anna", language="da", phone=phone, **extra)


def limits(
    per_contact: int = 2, per_address: int = 10, address: str | None = HOME
) -> BookingLimits:
    return BookingLimits(per_contact, per_address, address)


def test_a_contact_holds_at_most_its_limit_of_future_bookings(world: World) -> None:
    first, second, third = world.slot(days=2), world.slot(days=3), world.slot(days=6)
    with session_scope(world.engine) as session:
        kept = book(session, request(first), limits=limits()).booking.reference
        book(session, request(second, email="anna@example.dk"), limits=limits())
        # The same phone number (stored normalised, E.164): refused, whatever the address.
        with pytest.raises(BookingLimitReached) as refused:
            book(session, request(third), limits=limits(address=ELSEWHERE))
        assert refused.value.code == "booking_limit_contact"
        # A place frees when the soonest booking has started.
        soonest = world.get_slot(first).starts_at - dt.datetime.now(dt.UTC)
        assert abs(refused.value.retry_after - soonest.total_seconds()) < 60
        # Phone and e-mail together: either one already at its limit counts.
        with pytest.raises(BookingLimitReached):
            book(
                session,
                request(third, phone="+4599887766", email="anna@example.dk"),
                limits=limits(per_contact=1),
            )
    assert world.get_slot(third).booked == 0  # the seat taken before counting went back
    with session_scope(world.engine) as session:
        cancel(session, kept or "", "+4520123456")
        # Cancelled, a booking no longer holds a place.
        assert book(session, request(third), limits=limits()).booking.id
        # Bookings whose time has passed do not count either.
        later = world.get_slot(third).starts_at - dt.timedelta(minutes=1)
        fourth = world.slot(days=7)
        assert book(session, request(fourth), limits=limits(), now=later).booking.id


def test_an_address_makes_at_most_its_limit_of_bookings_an_hour(world: World) -> None:
    slot = world.slot(capacity=10)
    now = dt.datetime.now(dt.UTC)
    with session_scope(world.engine) as session:
        for n in range(3):
            book(
                session,
                request(slot, phone=f"+452011000{n}"),
                limits=limits(per_address=3),
                now=now,
            )
        with pytest.raises(BookingLimitReached) as refused:
            book(session, request(slot, phone="+4520110009"), limits=limits(per_address=3), now=now)
        assert refused.value.code == "booking_limit_address"
        assert 3500 < refused.value.retry_after <= 3601
        # Another address, and the same address an hour later, may book again.
        book(session, request(slot, phone="+4520110009"), limits=limits(3, 3, ELSEWHERE), now=now)
        later = now + dt.timedelta(minutes=61)
        book(session, request(slot, phone="+4520110008"), limits=limits(per_address=3), now=later)
        # Cancelling does not give an hour's booking back (book-and-cancel loops stay counted).
    with Session(world.engine) as session:
        hashes = session.exec(select(Booking.client_hash)).all()
    assert sorted(hashes) == sorted([HOME] * 4 + [ELSEWHERE])
    assert world.get_slot(slot).booked == 5


def test_a_repeated_submit_is_not_counted_again(world: World) -> None:
    slot = world.slot()
    with session_scope(world.engine) as session:
        first = book(session, request(slot), idempotency_key="k-1", limits=limits(1, 1))
        again = book(session, request(slot), idempotency_key="k-1", limits=limits(1, 1))
    assert again.replayed
    assert again.booking.id == first.booking.id


def test_the_address_hash_is_purged_with_the_contact_details(world: World) -> None:
    slot = world.slot(days=1)
    with session_scope(world.engine) as session:
        booking = book(session, request(slot), limits=limits()).booking
    assert world.get_booking(booking.id or 0).client_hash == HOME
    with session_scope(world.engine) as session:
        purge_contact_details(session, 30, now=dt.datetime.now(dt.UTC) + dt.timedelta(days=40))
    purged = world.get_booking(booking.id or 0)
    assert purged.client_hash is None
    assert purged.phone is None


# --- over HTTP -----------------------------------------------------------------------------------


def body(slot_id: int, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"slot_id": slot_id, "name": "Anna", "language": "da"}
    data.update(overrides)
    return data


async def test_the_api_refuses_a_third_booking_for_one_contact_in_any_spelling(
    client: httpx.AsyncClient, world: World
) -> None:
    slots = [world.slot(capacity=2) for _ in range(4)]
    for slot_id, phone in zip(slots, ("20 12 34 56", "+45 20123456"), strict=False):
        assert (
            await client.post("/api/v1/bookings", json=body(slot_id, phone=phone))
        ).status_code == 201
    refused = await client.post(
        "/api/v1/bookings", json=body(slots[2], phone="0045-20 12 34 56", language="ar")
    )
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    error = refused.json()["error"]
    assert error["code"] == "booking_limit_contact"
    assert error["language"] == "ar"  # the language the citizen chose
    assert "Borgerservice" in error["message"]
    assert world.get_slot(slots[2]).booked == 0
    # E-mail addresses compare without case.
    for slot_id in slots[:2]:
        ok = await client.post("/api/v1/bookings", json=body(slot_id, email="Bo@Example.DK"))
        assert ok.status_code == 201
    third = await client.post("/api/v1/bookings", json=body(slots[3], email="bo@example.dk"))
    assert third.status_code == 429


async def test_the_api_refuses_the_eleventh_booking_from_one_address_in_an_hour(
    client: httpx.AsyncClient, world: World
) -> None:
    slot_id = world.slot(capacity=20)
    statuses = []
    for n in range(11):
        response = await client.post(
            "/api/v1/bookings", json=body(slot_id, phone=f"+45 30 00 00 {n:02d}", language="en")
        )
        statuses.append(response.status_code)
    assert statuses == [201] * 10 + [429]
    assert response.json()["error"]["code"] == "booking_limit_address"
    assert "Borgerservice" in response.json()["error"]["message"]
    assert 3500 < int(response.headers["retry-after"]) <= 3601
    assert world.get_slot(slot_id).booked == 10


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, name
    return match.group(1)


async def test_the_booking_form_shows_the_refusal_and_keeps_what_was_typed(
    client: httpx.AsyncClient, world: World
) -> None:
    slots = [world.slot() for _ in range(3)]
    for number, slot_id in enumerate(slots):
        form = await client.get(f"/book/slots/{slot_id}?lang=da")
        data = {
            "lang": "da",
            "form_key": hidden(form.text, "form_key"),
            "name": "Amal Hassan",
            "phone": "20 12 34 56",
            "email": "",
            "language": "da",
            "note": "Tager min datter med",
        }
        response = await client.post(f"/book/slots/{slot_id}", data=data)
        if number < 2:
            assert response.status_code == 303
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0
    assert response.headers["content-type"].startswith("text/html")
    assert "ring til Borgerservice" in response.text  # Danish: how else to book
    assert 'value="Amal Hassan"' in response.text
    assert "Tager min datter med" in response.text
    assert world.get_slot(slots[2]).booked == 0


async def limited_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    application: Starlette = create_app(settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application, client=("10.20.30.40", 5555))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


async def test_a_trusted_network_has_its_own_higher_limit(
    app: Starlette, settings: Settings, world: World
) -> None:
    slot_id = world.slot(capacity=20)
    trusted = replace(
        settings,
        import_kb_on_start=False,
        booking_max_per_address_hour=1,
        booking_max_per_trusted_address_hour=3,
        trusted_networks=("10.20.0.0/16",),
    )
    untrusted = replace(trusted, trusted_networks=("10.99.0.0/16",))
    for config, allowed in ((untrusted, 1), (trusted, 3)):
        statuses = []
        async for client in limited_client(config):
            for n in range(allowed + 1):
                response = await client.post(
                    "/api/v1/bookings", json=body(slot_id, phone=f"+45 31 {allowed:02d} {n:02d} 00")
                )
                statuses.append(response.status_code)
        assert statuses == [201] * allowed + [429], config.trusted_networks
        with Session(world.engine) as session:
            for booking in session.exec(select(Booking)).all():
                session.delete(booking)  # a fresh hour for the second configuration
            session.commit()
