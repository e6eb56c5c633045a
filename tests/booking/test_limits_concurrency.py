"""The booking limits hold under real concurrency: a crowd of simultaneous requests through a
real uvicorn with three worker processes and the test database (SQLite file or PostgreSQL).
Every request comes from 127.0.0.1, so they share one address."""

from __future__ import annotations

import asyncio
import contextlib

import httpx
from sqlalchemy.engine import Engine

from bench.booking_contention import prepare_slot, running_server, seats_in_database
from tests.booking.conftest import World

WORKERS = 3
CROWD = 40


async def crowd(base_url: str, bodies: list[dict[str, object]]) -> list[tuple[int, str | None]]:
    limits = httpx.Limits(max_connections=len(bodies), max_keepalive_connections=len(bodies))
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=120) as client:
        start_line = asyncio.Event()

        async def one(body: dict[str, object]) -> tuple[int, str | None]:
            await start_line.wait()
            response = await client.post("/api/v1/bookings", json=body)
            code = None
            with contextlib.suppress(ValueError, KeyError, TypeError):
                code = response.json()["error"]["code"]
            return response.status_code, code

        tasks = [asyncio.create_task(one(body)) for body in bodies]
        await asyncio.sleep(0.05)
        start_line.set()
        return list(await asyncio.gather(*tasks))


def test_limits_hold_when_a_crowd_books_at_once(
    world: World, db_engine: Engine, database_url: str
) -> None:
    # Each request at a slot of its own: bookers of one slot queue behind its row lock anyway,
    # the limits must also hold when nothing else makes them wait.
    contact_slots = [prepare_slot(db_engine, 1) for _ in range(CROWD)]
    address_slots = [prepare_slot(db_engine, 1) for _ in range(CROWD)]
    contact_bodies: list[dict[str, object]] = [
        {
            "slot_id": contact_slots[n],
            "name": f"Bot {n}",
            "phone": "+45 20 99 99 99",
            "language": "da",
        }
        for n in range(CROWD)
    ]
    address_bodies: list[dict[str, object]] = [
        {
            "slot_id": address_slots[n],
            "name": f"Bot {n}",
            "phone": f"+45 21 00 {n:04d}",
            "language": "da",
        }
        for n in range(CROWD)
    ]
    settings = {
        # One crowd per limit: the other limit out of the way.
        "HELPDESK_BOOKING_MAX_PER_CONTACT": "2",
        "HELPDESK_BOOKING_MAX_PER_ADDRESS_HOUR": "1000",
    }
    with running_server(database_url, WORKERS, extra_env=settings) as base_url:
        by_contact = asyncio.run(asyncio.wait_for(crowd(base_url, contact_bodies), 240))
    settings = {
        "HELPDESK_BOOKING_MAX_PER_CONTACT": "1000",
        "HELPDESK_BOOKING_MAX_PER_ADDRESS_HOUR": "10",
        # Another key, another address hash: the first crowd's two bookings do not count here.
        "HELPDESK_SECRET_KEY": "another-secret",
    }
    with running_server(database_url, WORKERS, extra_env=settings) as base_url:
        by_address = asyncio.run(asyncio.wait_for(crowd(base_url, address_bodies), 240))
    assert sorted(by_contact).count((201, None)) == 2, by_contact
    assert sorted(by_contact).count((429, "booking_limit_contact")) == CROWD - 2, by_contact
    assert sum(seats_in_database(db_engine, s)[1] for s in contact_slots) == 2
    assert sorted(by_address).count((201, None)) == 10, by_address
    assert sorted(by_address).count((429, "booking_limit_address")) == CROWD - 10, by_address
    assert sum(seats_in_database(db_engine, s)[1] for s in address_slots) == 10
