"""At least 200 citizens book the last seats of one slot at the same moment, through a real
uvicorn with three worker processes and the test database (SQLite file or PostgreSQL): exactly
``capacity`` bookings exist afterwards, and every other request got a clear 409."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.engine import Engine

from bench.booking_contention import fire, prepare_slot, running_server, seats_in_database
from tests.booking.conftest import World

REQUESTS = 220
WORKERS = 3


@pytest.mark.parametrize("capacity", [3])
def test_no_overbooking_under_concurrent_requests(
    world: World, db_engine: Engine, database_url: str, capacity: int
) -> None:
    slot_id = prepare_slot(db_engine, capacity)
    with running_server(database_url, WORKERS) as base_url:
        results, seconds = asyncio.run(
            asyncio.wait_for(fire(base_url, slot_id, REQUESTS), timeout=240)
        )
        # A second crowd at the now full slot: all refused, none booked.
        again, _ = asyncio.run(asyncio.wait_for(fire(base_url, slot_id, 30), timeout=120))
    created = [r for r in results if r.status == 201]
    refused = [r for r in results if r.status == 409]
    assert len(created) == capacity, {r.status for r in results}
    assert len(refused) == REQUESTS - capacity
    assert {r.code for r in refused} == {"slot_full"}
    assert {r.status for r in again} == {409}
    assert seats_in_database(db_engine, slot_id) == (capacity, capacity)
    assert seconds < 240
