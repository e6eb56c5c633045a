"""Hand-made input that once crashed the service (a 500): each is now a 4xx with a message in
the caller's language. The suite runs these on SQLite and, with HELPDESK_TEST_DATABASE_URL, on
PostgreSQL (where a NUL byte in text used to reach the database)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy.engine import Engine

from tests.accounts.helpers import csrf_from, make_token, make_user
from tests.booking.conftest import World
from tests.conftest import clear_tables

#: One character of each kind that no stored text may hold (as JSON escapes).
UNSTORABLE = {"nul": "\\u0000", "escape": "\\u001b", "lone surrogate": "\\ud800"}


@pytest.fixture
def staff_headers(db_engine: Engine) -> Iterator[dict[str, str]]:
    clear_tables(db_engine, "api_token", "login_attempt", "user_account")
    make_user(db_engine, "mette", "staff")
    yield {"Authorization": f"Bearer {make_token(db_engine, 'mette')}"}
    clear_tables(db_engine, "api_token", "login_attempt", "user_account")


def assert_refused(response: httpx.Response, status: int, code: str, in_danish: str) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["language"] == "da"
    text = " ".join([error["message"], *(d["message"] for d in error.get("details") or [])])
    assert in_danish in text, text


@pytest.mark.parametrize("kind", UNSTORABLE)
async def test_triage_text_with_an_unstorable_character(
    client: httpx.AsyncClient, kind: str
) -> None:
    body = f'{{"text": "mitid {UNSTORABLE[kind]} virker ikke", "lang": "da"}}'
    response = await client.post(
        "/api/v1/triage", content=body, headers={"Content-Type": "application/json"}
    )
    assert_refused(response, 422, "invalid_request", "tegn")
    assert response.json()["error"]["details"][0]["field"] == "text"


@pytest.mark.parametrize("kind", UNSTORABLE)
async def test_booking_name_with_an_unstorable_character(
    client: httpx.AsyncClient, world: World, kind: str
) -> None:
    slot_id = world.slot()
    character = UNSTORABLE[kind]
    body = (
        f'{{"slot_id": {slot_id}, "name": "Jens {character} Hansen", "phone": "20123456", '
        '"language": "da"}'
    )
    response = await client.post(
        "/api/v1/bookings", content=body, headers={"Content-Type": "application/json"}
    )
    assert_refused(response, 422, "invalid_request", "tegn")
    assert world.get_slot(slot_id).booked == 0


@pytest.mark.parametrize(("opening", "closing"), [("[", "]"), ('{"a":', "}")])
@pytest.mark.parametrize("path", ["/api/v1/triage", "/api/v1/bookings", "/api/v1/feedback"])
async def test_json_nested_too_deep(
    client: httpx.AsyncClient, path: str, opening: str, closing: str
) -> None:
    depth = 7000 if opening == "[" else 2500
    body = opening * depth + closing * depth
    assert len(body) < 16384
    response = await client.post(
        path,
        content=body,
        headers={"Content-Type": "application/json", "Accept-Language": "da"},
    )
    assert_refused(response, 422, "json_too_deep", "JSON")


@pytest.mark.parametrize(
    "query",
    [
        "to=9999-12-31",
        "from=9999-12-31",
        "from=0001-01-01",
        "to=0001-01-01T00:00:00%2B14:00",
        "from=9999-12-31T23:59:59-14:00",
    ],
)
async def test_slots_with_a_date_at_the_end_of_time(
    client: httpx.AsyncClient, world: World, query: str
) -> None:
    response = await client.get(f"/api/v1/slots?{query}&lang=da")
    assert_refused(response, 422, "date_out_of_range", "2000")


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
async def test_staff_day_at_the_end_of_time(
    client: httpx.AsyncClient, world: World, staff_headers: dict[str, str], day: str
) -> None:
    response = await client.get(
        f"/api/v1/staff/day?location=dokk1&date={day}&lang=da", headers=staff_headers
    )
    assert_refused(response, 422, "date_out_of_range", "2000")


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/slots?location=dokk1%00",  # looked up in the database (PostgreSQL refuses NUL)
        "/api/v1/staff/day?location=dokk1%00",
        "/api/v1/metrics?group_by=topic&location=dokk1%00",
        "/api/v1/guides/mitid%00/revisions?lang=da",
        "/api/v1/search?q=mitid%1b",
        "/book?topic=mitid&location=dokk1%00",
        "/staff/sessions/new?location=dokk1%00",
    ],
)
async def test_a_url_with_a_control_character(
    client: httpx.AsyncClient, world: World, staff_headers: dict[str, str], url: str
) -> None:
    response = await client.get(url, headers={**staff_headers, "Accept-Language": "da"})
    assert_refused(response, 422, "invalid_character", "tegn")


async def test_a_form_with_a_nul_byte(client: httpx.AsyncClient, world: World) -> None:
    page = await client.get("/login")
    form = {"username": "mette\x00", "password": "x", "csrf_token": csrf_from(page.text)}
    response = await client.post("/login", data=form, headers={"Accept-Language": "da"})
    assert_refused(response, 422, "invalid_character", "tegn")
    slot_id = world.slot()
    booking_form = {"name": "Jens\x00", "phone": "20123456", "language": "da"}
    response = await client.post(
        f"/book/slots/{slot_id}", data=booking_form, headers={"Accept-Language": "da"}
    )
    assert_refused(response, 422, "invalid_character", "tegn")
    assert world.get_slot(slot_id).booked == 0
    response = await client.post(
        "/book/manage", data={"reference": "ABC\x00", "contact": "20123456"}
    )
    assert response.status_code == 422


async def test_tabs_and_line_breaks_are_text(client: httpx.AsyncClient, world: World) -> None:
    slot_id = world.slot()
    body = {
        "slot_id": slot_id,
        "name": "Jens\tHansen",
        "phone": "20123456",
        "language": "da",
        "needs": {"note": "Line one\r\nline two"},
    }
    response = await client.post("/api/v1/bookings", json=body)
    assert response.status_code == 201, response.text
    assert "line two" in response.json()["needs"]["note"]


async def test_a_405_names_every_method_of_the_path(client: httpx.AsyncClient) -> None:
    # GET and PUT /api/v1/guides/{slug} are two routes; Starlette's 405 named only the first.
    response = await client.request("OPTIONS", "/api/v1/guides/mitid-locked")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD, PUT"
    response = await client.post("/api/v1/bookings/ABC-DEF")
    assert response.headers["allow"] == "DELETE, GET, HEAD, PATCH"


async def test_a_whole_number_written_as_a_float_is_an_id(
    client: httpx.AsyncClient, world: World
) -> None:
    # JSON Schema's "integer" includes 12.0, so the API accepts it as 12 (and still not 12.5).
    slot_id = world.slot()
    body = {"slot_id": float(slot_id), "name": "Jens", "phone": "20123456", "language": "da"}
    assert (await client.post("/api/v1/bookings", json=body)).status_code == 201
    body["slot_id"] = slot_id + 0.5
    assert (await client.post("/api/v1/bookings", json=body)).status_code == 422
