"""The booking API over HTTP: the contract, every error in the user's language, never a 500."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx
import pytest
from icalendar import Calendar
from sqlmodel import Session, select

from helpdesk.booking.models import Booking
from tests.booking.conftest import World

PHONE = "20 12 34 56"


def body(slot_id: int, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"slot_id": slot_id, "name": "Anna", "phone": PHONE, "language": "da"}
    data.update(overrides)
    return data


async def test_locations_and_session_types(client: httpx.AsyncClient, world: World) -> None:
    places = (await client.get("/api/v1/locations?lang=en")).json()
    slugs = [p["slug"] for p in places["locations"]]
    assert slugs == ["dokk1", "gellerup"]  # Borgerservice first; the unlisted shelter not at all
    dokk1 = places["locations"][0]
    assert dokk1["address"] == "Hack Kampmanns Plads 2"
    assert dokk1["notes"] == "Step-free access."
    types = (await client.get("/api/v1/session-types?lang=ar")).json()["session_types"]
    digital = next(t for t in types if t["slug"] == "digital-help")
    assert digital["name"] == "مساعدة رقمية"
    assert digital["duration_minutes"] == 30
    citizen = next(t for t in types if t["slug"] == "citizen-service")
    # The guides say which session type their matter needs.
    assert "passport-book" in citizen["topics"]
    assert "passport-book" not in digital["topics"]
    bad = await client.get("/api/v1/locations?lang=xx")
    assert bad.status_code == 422


async def test_slots_filters(client: httpx.AsyncClient, world: World) -> None:
    arabic = world.slot(capacity=2, languages=",ar,da,")
    danish = world.slot(capacity=1, languages=",da,")
    at_gellerup = world.slot(capacity=1, location=world.gellerup)
    citizen = world.slot(capacity=3, session_type=world.citizen)
    shelter = world.slot(capacity=1, location=world.shelter)
    everything = (await client.get("/api/v1/slots")).json()["slots"]
    ids = [s["id"] for s in everything]
    assert set(ids) == {arabic, danish, at_gellerup, citizen}  # not the unlisted shelter
    starts = [s["start"] for s in everything]
    assert starts == sorted(starts)
    first = next(s for s in everything if s["id"] == arabic)
    assert first["location"] == "dokk1"
    assert first["session_type"] == "digital-help"
    assert (first["capacity"], first["remaining"]) == (2, 2)
    assert first["languages"] == ["ar", "da"]
    assert dt.datetime.fromisoformat(first["end"]) - dt.datetime.fromisoformat(
        first["start"]
    ) == dt.timedelta(minutes=30)
    assert dt.datetime.fromisoformat(first["start"]).utcoffset() is not None

    async def ids_for(query: str) -> set[int]:
        response = await client.get(f"/api/v1/slots?{query}")
        assert response.status_code == 200, response.text
        return {s["id"] for s in response.json()["slots"]}

    assert await ids_for("language=ar") == {arabic}
    assert await ids_for("location=gellerup") == {at_gellerup}
    assert await ids_for("location=herberget") == {shelter}  # named, so shown
    assert await ids_for("session_type=citizen-service") == {citizen}
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    assert await ids_for(f"to={tomorrow}") == set()
    assert arabic in await ids_for(f"from={tomorrow}&limit=10")
    for query, status, code in (
        ("location=nowhere", 404, "location_not_found"),
        ("session_type=haircut", 422, "unknown_session_type"),
        ("language=xx", 422, "unknown_language"),
        ("from=yesterday", 422, "invalid_date"),
        ("limit=0", 422, "invalid_request"),
        ("available=maybe", 422, "invalid_request"),
    ):
        response = await client.get(f"/api/v1/slots?{query}")
        assert response.status_code == status, query
        assert response.json()["error"]["code"] == code


async def test_book_get_move_cancel(client: httpx.AsyncClient, world: World) -> None:
    first = world.slot(capacity=1)
    second = world.slot(capacity=1)
    created = await client.post(
        "/api/v1/bookings",
        json=body(
            first, email="Anna@Example.dk", topic="library-login", needs={"own_device": True}
        ),
    )
    assert created.status_code == 201, created.text
    booking = created.json()
    reference = booking["reference"]
    assert len(reference) == 7
    assert reference[3] == "-"
    assert booking["status"] == "booked"
    assert booking["location"]["slug"] == "dokk1"
    assert booking["session_type"] == {"slug": "digital-help", "name": "Digital hjælp"}
    assert booking["phone"] == "+4520123456"
    assert booking["email"] == "anna@example.dk"
    assert booking["needs"]["own_device"] is True
    assert booking["topic"] == "library-login"
    assert booking["topic_title"]
    assert created.headers["cache-control"] == "no-store"
    # The contact is needed, in the header or as a parameter.
    for headers, params in (
        ({"X-Booking-Contact": "+45 20123456"}, {}),
        ({}, {"contact": "anna@example.dk"}),
    ):
        fetched = await client.get(f"/api/v1/bookings/{reference}", headers=headers, params=params)
        assert fetched.status_code == 200
        assert fetched.json()["reference"] == reference
    contact = {"X-Booking-Contact": PHONE}
    moved = await client.patch(
        f"/api/v1/bookings/{reference}", json={"slot_id": second}, headers=contact
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["start"] != booking["start"]
    assert (world.get_slot(first).booked, world.get_slot(second).booked) == (0, 1)
    calendar = await client.get(moved.json()["calendar_url"])
    assert calendar.status_code == 200
    assert calendar.headers["content-type"].startswith("text/calendar")
    event = Calendar.from_ical(calendar.content).walk("VEVENT")[0]
    assert event.decoded("dtstart") == dt.datetime.fromisoformat(moved.json()["start"])
    assert int(event["SEQUENCE"]) == 2
    cancelled = await client.delete(f"/api/v1/bookings/{reference}", headers=contact)
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert world.get_slot(second).booked == 0
    again = await client.delete(f"/api/v1/bookings/{reference}", headers=contact)
    assert again.status_code == 200
    refused = await client.patch(
        f"/api/v1/bookings/{reference}", json={"slot_id": first}, headers=contact
    )
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "booking_not_changeable"


async def test_wrong_contact_or_reference_is_simply_not_found(
    client: httpx.AsyncClient, world: World
) -> None:
    slot_id = world.slot()
    reference = (await client.post("/api/v1/bookings", json=body(slot_id))).json()["reference"]
    for ref, contact in (
        (reference, "20123457"),
        ("ZZZ-ZZZ", PHONE),
        ("0000000", PHONE),
        (reference, "someone@example.dk"),
    ):
        for method in ("GET", "DELETE"):
            response = await client.request(
                method,
                f"/api/v1/bookings/{ref}",
                headers={"X-Booking-Contact": contact, "Accept-Language": "uk"},
            )
            assert response.status_code == 404
            error = response.json()["error"]
            assert error["code"] == "booking_not_found"
            assert error["language"] == "uk"
    missing = await client.get(f"/api/v1/bookings/{reference}")
    assert missing.status_code == 422
    assert missing.json()["error"]["code"] == "contact_required"
    assert world.get_slot(slot_id).booked == 1


async def test_full_slot_answers_409_with_alternatives(
    client: httpx.AsyncClient, world: World
) -> None:
    full = world.slot(capacity=1)
    alternative = world.slot(capacity=2)
    assert (await client.post("/api/v1/bookings", json=body(full))).status_code == 201
    response = await client.post(
        "/api/v1/bookings", json=body(full, name="Bo", phone="20123457", language="ar")
    )
    assert response.status_code == 409
    payload = response.json()
    assert payload["error"]["code"] == "slot_full"
    assert payload["error"]["language"] == "ar"  # the language the citizen chose
    assert payload["error"]["message"] != (
        "Sorry, that time has just been taken. Please choose another time."
    )
    assert [s["id"] for s in payload["alternatives"]] == [alternative]
    assert payload["alternatives"][0]["remaining"] == 2


async def test_idempotency_key_over_http(client: httpx.AsyncClient, world: World) -> None:
    slot_id = world.slot(capacity=3)
    key = str(uuid.uuid4())
    first = await client.post(
        "/api/v1/bookings", json=body(slot_id), headers={"Idempotency-Key": key}
    )
    second = await client.post(
        "/api/v1/bookings", json=body(slot_id), headers={"Idempotency-Key": key}
    )
    assert first.status_code == second.status_code == 201
    assert first.json()["reference"] == second.json()["reference"]
    assert second.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert world.get_slot(slot_id).booked == 1
    different = await client.post(
        "/api/v1/bookings", json=body(slot_id, name="Other"), headers={"Idempotency-Key": key}
    )
    assert different.status_code == 422
    assert different.json()["error"]["code"] == "idempotency_key_reused"
    bad_key = await client.post(
        "/api/v1/bookings", json=body(slot_id), headers={"Idempotency-Key": "x" * 101}
    )
    assert bad_key.status_code == 422
    assert bad_key.json()["error"]["code"] == "invalid_idempotency_key"


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        (
            {"slot_id": None, "name": "Anna", "phone": PHONE, "language": "da"},
            422,
            "invalid_request",
        ),
        ({"slot_id": "1", "name": "A", "phone": PHONE, "language": "da"}, 422, "invalid_request"),
        ({"name": "Anna", "language": "da"}, 422, "contact_required"),
        ({"name": "  ", "phone": PHONE, "language": "da"}, 422, "name_required"),
        ({"name": "Anna", "phone": "12", "language": "da"}, 422, "invalid_phone"),
        ({"name": "Anna", "phone": "010190-1234", "language": "da"}, 422, "invalid_phone"),
        ({"name": "Anna", "email": "anna@", "language": "da"}, 422, "invalid_email"),
        ({"name": "Anna", "phone": PHONE, "language": "xx"}, 422, "invalid_request"),
        ({"name": "Anna", "phone": PHONE, "language": "da", "topic": "nope"}, 422, "unknown_topic"),
        (
            {"name": "Anna", "phone": PHONE, "language": "da", "topic": "passport-book"},
            422,
            "topic_needs_other_session_type",
        ),
        ({"name": "Anna", "phone": PHONE, "language": "da", "cpr": "x"}, 422, "invalid_request"),
        ({"name": "A" * 121, "phone": PHONE, "language": "da"}, 422, "invalid_request"),
    ],
)
async def test_bad_bookings_get_clear_4xx(
    client: httpx.AsyncClient, world: World, payload: dict[str, Any], status: int, code: str
) -> None:
    slot_id = world.slot()
    data = {"slot_id": slot_id, **payload} if "slot_id" not in payload else payload
    response = await client.post("/api/v1/bookings", json=data)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]
    assert world.get_slot(slot_id).booked == 0


async def test_malformed_requests(client: httpx.AsyncClient, world: World) -> None:
    responses = [
        await client.post("/api/v1/bookings", content=b"{not json"),
        await client.post("/api/v1/bookings", content=b"[]"),
        await client.post("/api/v1/bookings", content=b"x", headers={"content-type": "text/plain"}),
        await client.post("/api/v1/bookings", json=body(999_999)),
        await client.patch(
            "/api/v1/bookings/ABC234", json={"slot_id": "x"}, headers={"X-Booking-Contact": PHONE}
        ),
        await client.post("/api/v1/bookings", content=b"{" + b" " * 20000 + b"}"),
    ]
    assert [r.status_code for r in responses] == [422, 422, 415, 404, 422, 413]
    for response in responses:
        assert response.json()["error"]["code"]


async def test_needs_note_and_name_are_stored_without_cpr(
    client: httpx.AsyncClient, world: World
) -> None:
    slot_id = world.slot()
    response = await client.post(
        "/api/v1/bookings",
        json=body(slot_id, name="Anna 010190-1234", needs={"note": "cpr 0101901234, tolk"}),
    )
    assert response.status_code == 201
    assert "0101901234" not in response.text
    assert "010190-1234" not in response.text
    with Session(world.engine) as session:
        stored = session.exec(select(Booking)).one()
    assert stored.name == "Anna [CPR]"
    assert stored.needs_note == "cpr [CPR], tolk"


async def test_booking_api_is_in_the_openapi_document(client: httpx.AsyncClient) -> None:
    document = (await client.get("/api/v1/openapi.json")).json()
    paths = document["paths"]
    assert set(paths["/api/v1/bookings/{reference}"]) == {"get", "delete", "patch"}
    create = paths["/api/v1/bookings"]["post"]
    assert {"201", "409", "422"} <= set(create["responses"])
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in create["parameters"])
    assert "SlotConflict" in document["components"]["schemas"]
    assert "/api/v1/slots" in paths
    assert "/api/v1/staff/day" in paths


#: CPR numbers as the security review of 2026-12-07 stored them unredacted, and hidden ones.
WRITTEN_CPR_NUMBERS = [
    "01 01 90 1234",
    "0101 90 1234",
    "01-01-90-1234",
    "010190-12 34",
    "01 01 90-1234",
    "010190\u200b-1234",
    "０１０１９０-１２３４",
    "٠١٠١٩٠-١٢٣٤",
    "۰۱۰۱۹۰ ۱۲۳۴",
]


@pytest.mark.parametrize("cpr", WRITTEN_CPR_NUMBERS)
async def test_a_cpr_number_however_written_is_not_stored_with_a_booking(
    client: httpx.AsyncClient, world: World, cpr: str
) -> None:
    slot_id = world.slot()
    response = await client.post(
        "/api/v1/bookings",
        json=body(slot_id, name=f"Jens {cpr}", needs={"note": f"cpr {cpr}, tolk"}),
    )
    assert response.status_code == 201, response.text
    with Session(world.engine) as session:
        stored = session.exec(select(Booking)).one()
    assert stored.name == "Jens [CPR]"
    assert stored.needs_note == "cpr [CPR], tolk"
