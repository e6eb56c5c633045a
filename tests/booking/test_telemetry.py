"""Bookings made, refused (by reason) and cancelled are counted for /metrics."""

from __future__ import annotations

import httpx

from tests.booking.conftest import World
from tests.booking.test_api import PHONE, body
from tests.test_telemetry import sample


async def test_bookings_are_counted(client: httpx.AsyncClient, world: World) -> None:
    before = (await client.get("/metrics")).text
    slot_id = world.slot(capacity=1)
    made = await client.post("/api/v1/bookings", json=body(slot_id))
    assert made.status_code == 201
    full = await client.post("/api/v1/bookings", json=body(slot_id, phone="20123457"))
    assert full.status_code == 409
    reference = made.json()["reference"]
    contact = {"X-Booking-Contact": PHONE}
    assert (await client.delete(f"/api/v1/bookings/{reference}", headers=contact)).is_success
    # Cancelling twice is harmless, and counted once.
    assert (await client.delete(f"/api/v1/bookings/{reference}", headers=contact)).is_success
    after = (await client.get("/metrics")).text

    def grew(**labels: str) -> float:
        return sample(after, "helpdesk_bookings_total", **labels) - sample(
            before, "helpdesk_bookings_total", **labels
        )

    assert grew(result="made", code="") == 1
    assert grew(result="refused", code="slot_full") == 1
    assert grew(result="cancelled", code="") == 1
