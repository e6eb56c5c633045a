"""POST /api/v1/sessions: staff bearer token, 201 with the stored (redacted) log, 4xx otherwise."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from helpdesk.helplog.models import HelpLog, HelpLogTopic
from tests.accounts.helpers import make_token
from tests.booking.conftest import World

URL = "/api/v1/sessions"


def body(world: World, **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "location": world.dokk1.id,
        "channel": "outreach",
        "topics": ["digital-post-read", "other"],
        "other_topic": "Boligstøtte, ring 20 12 34 56",
        "language": "uk",
        "interpreter": False,
        "age_band": "75+",
        "first_visit": "no",
        "outcome": "partly_solved",
        "self_reliance": "no",
        "duration_minutes": 40,
        "note": "Hjalp med 010203-1234 og mail olena@example.com",
    }
    fields.update(overrides)
    return fields


def auth(engine: Engine, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(engine, username)}"}


async def test_201_with_the_stored_redacted_log(
    client: httpx.AsyncClient, logs: World, staff: str
) -> None:
    response = await client.post(URL, json=body(logs), headers=auth(logs.engine, staff))
    assert response.status_code == 201, response.text
    out = response.json()
    assert out["location"] == "dokk1"
    assert out["location_id"] == logs.dokk1.id
    assert out["topics"] == ["digital-post-read", "other"]
    assert out["other_topic"] == "Boligstøtte, ring [PHONE]"
    assert out["note"] == "Hjalp med [CPR] og mail [EMAIL]"
    assert out["week"] <= out["held_on"]
    assert (out["channel"], out["age_band"], out["self_reliance"]) == ("outreach", "75+", "no")
    with Session(logs.engine) as session:
        row = session.get(HelpLog, out["id"])
        assert row is not None
        assert row.logged_by is not None
        assert row.note == out["note"]
        topics = session.exec(select(HelpLogTopic.topic).where(HelpLogTopic.log_id == row.id))
        assert sorted(topics.all()) == ["digital-post-read", "other"]


async def test_location_by_slug(client: httpx.AsyncClient, logs: World, staff: str) -> None:
    response = await client.post(
        URL, json=body(logs, location="gellerup"), headers=auth(logs.engine, staff)
    )
    assert response.status_code == 201, response.text
    assert response.json()["location_id"] == logs.gellerup.id


async def test_401_without_a_token(client: httpx.AsyncClient, logs: World) -> None:
    response = await client.post(URL, json=body(logs))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    response = await client.post(URL, json=body(logs), headers={"Authorization": "Bearer hd_nope"})
    assert response.status_code == 401
    with Session(logs.engine) as session:
        assert session.exec(select(HelpLog)).first() is None


async def test_422_field_messages_in_the_callers_language(
    client: httpx.AsyncClient, logs: World, staff: str
) -> None:
    headers = auth(logs.engine, staff)
    bad = body(logs, duration_minutes=0, topics=[], outcome="great")
    danish = await client.post(URL, json=bad, headers={**headers, "Accept-Language": "da"})
    english = await client.post(URL, json=bad, headers={**headers, "Accept-Language": "en"})
    assert danish.status_code == english.status_code == 422
    da_error, en_error = danish.json()["error"], english.json()["error"]
    assert (da_error["code"], da_error["language"], en_error["language"]) == (
        "invalid_request",
        "da",
        "en",
    )
    en_fields = {d["field"]: d["message"] for d in en_error["details"]}
    da_fields = {d["field"]: d["message"] for d in da_error["details"]}
    assert set(en_fields) == set(da_fields) == {"duration_minutes", "topics", "outcome"}
    assert en_fields["duration_minutes"] == "Give the duration in whole minutes, from 1 to 480."
    assert da_fields["duration_minutes"] == "Skriv varigheden i hele minutter, fra 1 til 480."
    assert en_fields["topics"] == "Choose 1 to 10 topics."
    assert da_fields["topics"] == "Vælg 1 til 10 emner."


async def test_422_unknown_topic_and_missing_other_text(
    client: httpx.AsyncClient, logs: World, staff: str
) -> None:
    headers = {**auth(logs.engine, staff), "Accept-Language": "en"}
    response = await client.post(URL, json=body(logs, topics=["made-up"]), headers=headers)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "unknown_topic"
    assert response.json()["error"]["details"][0]["field"] == "topics"
    response = await client.post(URL, json=body(logs, other_topic=None), headers=headers)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "other_topic_required"


async def test_404_unknown_location_or_booking(
    client: httpx.AsyncClient, logs: World, staff: str
) -> None:
    headers = auth(logs.engine, staff)
    response = await client.post(URL, json=body(logs, location=987_654), headers=headers)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "location_not_found"
    response = await client.post(URL, json=body(logs, booking=987_654), headers=headers)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "session_booking_not_found"


async def test_409_when_the_booking_is_already_logged(
    client: httpx.AsyncClient, logs: World, staff: str
) -> None:
    slot_id = logs.slot(capacity=1)
    booked = await client.post(
        "/api/v1/bookings",
        json={"slot_id": slot_id, "name": "Olena", "phone": "20123456", "language": "uk"},
    )
    assert booked.status_code == 201, booked.text
    with Session(logs.engine) as session:
        from helpdesk.booking.models import Booking

        booking_id = session.exec(select(Booking.id)).one()
    assert booking_id is not None
    headers = {**auth(logs.engine, staff), "Accept-Language": "en"}
    first = await client.post(URL, json=body(logs, booking=booking_id), headers=headers)
    assert first.status_code == 201, first.text
    assert first.json()["booking"] == booking_id
    assert logs.get_booking(booking_id).status == "arrived"
    again = await client.post(URL, json=body(logs, booking=booking_id), headers=headers)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "session_already_logged"
    assert again.json()["error"]["message"] == (
        "A session has already been logged for that booking."
    )


async def test_the_openapi_document_describes_it(client: httpx.AsyncClient) -> None:
    document = (await client.get("/api/v1/openapi.json")).json()
    post = document["paths"]["/api/v1/sessions"]["post"]
    assert set(post["responses"]) >= {"201", "401", "404", "409", "422"}
    schema = document["components"]["schemas"]["HelpLogIn"]
    assert set(schema["required"]) == {
        "location",
        "channel",
        "topics",
        "language",
        "outcome",
        "self_reliance",
        "duration_minutes",
    }


async def test_a_session_at_an_outreach_place_is_logged_as_outreach(
    client: httpx.AsyncClient, logs: World, staff: str
) -> None:
    response = await client.post(
        URL,
        json=body(logs, location="herberget", channel="walk_in"),
        headers=auth(logs.engine, staff),
    )
    assert response.status_code == 201, response.text
    assert response.json()["channel"] == "outreach"
    elsewhere = await client.post(
        URL, json=body(logs, channel="walk_in"), headers=auth(logs.engine, staff)
    )
    assert elsewhere.json()["channel"] == "walk_in"
