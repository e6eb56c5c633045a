"""The JSON API contract and every error path: clear 4xx in the user's language, never a 500."""

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from helpdesk.booking.models import Location
from helpdesk.db import session_scope
from helpdesk.events.models import TriageEvent
from helpdesk.kb.files import load_knowledge_base
from tests.conftest import clear_tables


async def test_healthz(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    kb = load_knowledge_base().knowledge_base
    proper = [g for g in kb.guides if g.kind == "guide"]
    # Crisis answers and referrals are entries, not guides: /healthz counts guides proper.
    assert len(proper) < len(kb.guides)
    assert response.json()["guides"] == len(proper) >= 31


async def test_triage_returns_a_guide(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/triage", json={"text": "Jeg har glemt mit bruger-id til MitID", "channel": "kiosk"}
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {"outcome", "language", "matches", "message"}
    assert body["outcome"] in ("guide", "clarify")
    assert body["language"] == "da"
    top = body["matches"][0]
    assert top["slug"] == "mitid-locked"
    assert top["url"] == "/guides/mitid-locked?lang=da"
    assert top["title"]
    assert isinstance(top["score"], float)
    assert body["message"]


async def test_triage_message_is_in_the_detected_language(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/triage", json={"text": "ما هو الطقس غدا", "lang": "da"})
    body = response.json()
    assert body["outcome"] == "human"
    assert body["language"] == "ar"
    assert any("\u0600" <= ch <= "\u06ff" for ch in body["message"])
    assert response.headers["content-language"] == "ar"


async def test_triage_records_a_redacted_event(
    client: httpx.AsyncClient, db_engine: Engine
) -> None:
    clear_tables(db_engine, "triage_event")
    text = "mit mitid er låst, mit cpr er 010190-1234, ring 12345678 eller a@b.dk"
    response = await client.post("/api/v1/triage", json={"text": text, "channel": "chat"})
    assert response.status_code == 200
    with Session(db_engine) as session:
        event = session.exec(select(TriageEvent)).one()
    assert event.channel == "chat"
    assert event.outcome == response.json()["outcome"]
    matches = [m["slug"] for m in response.json()["matches"]]
    assert event.top_slug == matches[0]
    # "mit cpr er ..." is a second topic: the locked MitID is offered, if not always first.
    assert "mitid-locked" in matches
    assert "010190" not in (event.question or "")
    assert "12345678" not in (event.question or "")
    assert "a@b.dk" not in (event.question or "")
    assert "[CPR]" in (event.question or "")


async def test_triage_redacts_hidden_and_spelled_out_personal_data(
    client: httpx.AsyncClient, db_engine: Engine
) -> None:
    """The review's obfuscated forms: zero-width characters, full-width and Persian digits,
    "(at)" and separators between the date groups; an ISO date stays."""
    clear_tables(db_engine, "triage_event")
    text = (
        "mitid låst 010190\u200b-1234 og ０１０１９０-１２３４ og ۰۱۰۱۹۰ ۱۲۳۴ og 01 01 90 1234,"
        " skriv til jens(at)example.dk, fra 2026-12-07"
    )
    response = await client.post("/api/v1/triage", json={"text": text, "channel": "chat"})
    assert response.status_code == 200
    with Session(db_engine) as session:
        event = session.exec(select(TriageEvent)).one()
    assert event.question == (
        "mitid låst [CPR] og [CPR] og [CPR] og [CPR], skriv til [EMAIL], fra 2026-12-07"
    )


async def test_triage_keeps_the_place_a_kiosk_sends(
    client: httpx.AsyncClient, db_engine: Engine
) -> None:
    clear_tables(db_engine, "triage_event")
    with session_scope(db_engine) as session:
        place = Location(slug="api-kiosk-place", name="Kiosk place", kind="library")
        session.add(place)
        session.flush()
        place_id = place.id
    try:
        for location in ("api-kiosk-place", "no-such-place", None):
            body = {"text": "Jeg har glemt mit bruger-id til MitID", "channel": "kiosk"}
            if location:
                body["location"] = location
            response = await client.post("/api/v1/triage", json=body)
            assert response.status_code == 200
        with Session(db_engine) as session:
            kept = session.exec(select(TriageEvent.location_id).order_by(TriageEvent.id)).all()
        # The known place is kept; a kiosk set up with an unknown place still answers, as none.
        assert kept == [place_id, None, None]
    finally:
        clear_tables(db_engine, "triage_event", "triage_rollup_place")
        with db_engine.begin() as connection:
            connection.execute(text("DELETE FROM location WHERE slug = 'api-kiosk-place'"))


async def test_feedback_is_recorded(client: httpx.AsyncClient, db_engine: Engine) -> None:
    triaged = (await client.post("/api/v1/triage", json={"text": "nyt sundhedskort"})).json()
    response = await client.post(
        "/api/v1/feedback", json={"token": triaged["feedback_token"], "helpful": True}
    )
    assert response.status_code == 200
    with Session(db_engine) as session:
        event = session.exec(
            select(TriageEvent).where(TriageEvent.feedback_token == triaged["feedback_token"])
        ).one()
    assert event.helpful is True
    missing = await client.post("/api/v1/feedback", json={"token": "nope", "helpful": False})
    assert missing.status_code == 404


async def test_guide_list_and_detail(client: httpx.AsyncClient) -> None:
    listing = (await client.get("/api/v1/guides?lang=en")).json()
    assert len(listing["guides"]) >= 31
    response = await client.get("/api/v1/guides/mitid-create-app?lang=ar")
    assert response.status_code == 200
    guide = response.json()
    for key in (
        "slug",
        "language",
        "fallback",
        "title",
        "summary",
        "steps",
        "phrases",
        "sources",
        "review_status",
        "last_checked",
    ):
        assert key in guide
    assert guide["language"] == "ar"
    assert guide["fallback"] is False
    assert guide["review_status"] == "draft"
    assert guide["draft_notice"]  # told so, in their language
    danish = (await client.get("/api/v1/guides/mitid-create-app?lang=da")).json()
    assert danish["review_status"] == "reviewed"
    assert danish["draft_notice"] is None


async def test_missing_language_version_falls_back(app, client: httpx.AsyncClient) -> None:
    snapshot = app.state.knowledge_base.current
    guide = snapshot.guides["nemkonto"]
    removed = guide.translations.pop("so")
    try:
        body = (await client.get("/api/v1/guides/nemkonto?lang=so")).json()
    finally:
        guide.translations["so"] = removed
    assert body["fallback"] is True
    assert body["language"] == "en"
    assert body["requested_language"] == "so"


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        (b"{not json", 422, "invalid_json"),
        (b'{"text": 42}', 422, "invalid_request"),
        (b'{"text": ["a"]}', 422, "invalid_request"),
        (b'{"text": "hej", "channel": "fax"}', 422, "invalid_request"),
        (b'{"text": "hej", "lang": "xx"}', 422, "invalid_request"),
        (b'{"text": "hej", "surprise": 1}', 422, "invalid_request"),
        (b'{"text": "hej", "location": "../dokk1"}', 422, "invalid_request"),
        (b'{"text": "hej", "location": 7}', 422, "invalid_request"),
        (b"[]", 422, "invalid_request"),
        (b"null", 422, "invalid_request"),
        (b'{"text": "   "}', 422, "empty_text"),
        (('{"text": "' + "a" * 501 + '"}').encode(), 422, "text_too_long"),
        (b"\xff\xfe", 422, "invalid_json"),
    ],
)
async def test_triage_bad_input(
    client: httpx.AsyncClient, payload: bytes, status: int, code: str
) -> None:
    response = await client.post(
        "/api/v1/triage", content=payload, headers={"content-type": "application/json"}
    )
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]


async def test_exactly_500_characters_is_accepted(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/triage", json={"text": "pas " * 125})
    assert response.status_code == 200


async def test_error_message_is_in_the_users_language(client: httpx.AsyncClient) -> None:
    danish = await client.post(
        "/api/v1/triage", json={"text": " "}, headers={"accept-language": "da-DK,da;q=0.9"}
    )
    english = await client.post("/api/v1/triage", json={"text": " ", "lang": "en"})
    arabic = await client.post(
        "/api/v1/triage", json={"text": " "}, headers={"accept-language": "ar"}
    )
    assert danish.json()["error"]["language"] == "da"
    assert english.json()["error"]["language"] == "en"
    assert arabic.json()["error"]["language"] == "ar"
    messages = {r.json()["error"]["message"] for r in (danish, english, arabic)}
    assert len(messages) == 3  # really translated, not the English string three times


async def test_oversized_body_is_refused(client: httpx.AsyncClient) -> None:
    body = b'{"text": "' + b"a" * (17 * 1024) + b'"}'
    response = await client.post(
        "/api/v1/triage", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "body_too_large"


async def test_oversized_streamed_body_without_length_is_refused(client: httpx.AsyncClient) -> None:
    async def chunks():
        for _ in range(40):
            yield b"a" * 1024

    response = await client.post(
        "/api/v1/triage", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


async def test_wrong_content_type(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/triage",
        content=b"text=hej",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 415


async def test_unknown_guide_and_language(client: httpx.AsyncClient) -> None:
    missing = await client.get("/api/v1/guides/no-such-guide?lang=en")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "guide_not_found"
    bad_lang = await client.get("/api/v1/guides/nemkonto?lang=klingon")
    assert bad_lang.status_code == 422


async def test_unknown_route_and_method(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/nothing")).status_code == 404
    response = await client.get("/api/v1/triage")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


async def test_openapi_documents_every_api_route(app, client: httpx.AsyncClient) -> None:
    document = (await client.get("/api/v1/openapi.json")).json()
    assert document["openapi"].startswith("3.1")
    for route in app.routes:
        path = getattr(route, "path", "")
        if path.startswith("/api/v1/") and path != "/api/v1/openapi.json":
            for method in route.methods - {"HEAD"}:
                operation = document["paths"][path][method.lower()]
                assert operation["responses"], path
    triage = document["paths"]["/api/v1/triage"]["post"]
    schema_name = triage["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert schema_name.endswith("/TriageRequest")
    assert "text" in document["components"]["schemas"]["TriageRequest"]["properties"]


async def test_a_crisis_answer_travels_with_the_hand_off(
    client: httpx.AsyncClient, db_engine: Engine
) -> None:
    response = await client.post(
        "/api/v1/triage", json={"text": "I don't want to live anymore", "channel": "chat"}
    )
    body = response.json()
    assert (body["outcome"], body["reason"]) == ("human", "sensitive")
    assert body["offer_person"] is True
    answer = body["answer"]
    assert answer["slug"] == "crisis-suicide"
    assert answer["category"] == "crisis"
    assert answer["language"] == "en"
    assert any('href="tel:' in step for step in answer["steps_html"])
    with Session(db_engine) as session:
        event = session.exec(
            select(TriageEvent).where(TriageEvent.feedback_token == body["feedback_token"])
        ).one()
    assert (event.reason, event.top_slug) == ("sensitive", "crisis-suicide")


async def test_an_out_of_scope_question_gets_a_referral(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/triage", json={"text": "hvornår har Dokk1 åbent i weekenden", "lang": "da"}
    )
    body = response.json()
    assert (body["outcome"], body["reason"]) == ("human", "out_of_scope")
    assert body["answer"]["category"] == "referral"
    assert body["answer"]["slug"].startswith("elsewhere-")
    assert body["matches"] == []


async def test_lists_hold_guides_only(client: httpx.AsyncClient) -> None:
    listed = (await client.get("/api/v1/guides?lang=en")).json()["guides"]
    assert listed
    assert {g["category"] for g in listed}.isdisjoint({"crisis", "referral"})


async def test_openapi_documents_the_new_reasons(client: httpx.AsyncClient) -> None:
    document = (await client.get("/api/v1/openapi.json")).json()
    schema = document["components"]["schemas"]["TriageResponse"]["properties"]
    assert {"sensitive", "out_of_scope"} <= set(schema["reason"]["enum"])
    assert "answer" in schema


async def test_numbers_in_guide_json_are_isolated_for_the_kiosk_and_widget(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/api/v1/guides/cpr-newcomer?lang=ar")
    guide = response.json()
    assert any(
        '<bdi dir="ltr" class="number">+45 89 40 10 40</bdi>' in step
        for step in guide["steps_html"]
    )
    assert '<bdi dir="ltr" class="number">+45 89 40 10 40</bdi>' in guide["help_in_person_html"]
    # The plain fields stay as written (the workshop sends them back); the display text is
    # the summary with its runs isolated.
    assert "\u2066" not in guide["summary"]
    assert (
        guide["summary_display"].replace("\u2066", "").replace("\u2069", "") == (guide["summary"])
    )


async def test_a_repeated_question_is_recorded_each_time_with_its_own_token(
    client: httpx.AsyncClient, db_engine: Engine
) -> None:
    # The second answer comes from the engine's recent answers, without the thread pool: it is
    # still a whole answer, with an event and a "did this help?" token of its own.
    clear_tables(db_engine, "triage_event")
    question = {"text": "jeg kan ikke logge ind med mitid", "channel": "web"}
    first = await client.post("/api/v1/triage", json=question)
    second = await client.post("/api/v1/triage", json=question)
    assert first.status_code == second.status_code == 200
    one, two = first.json(), second.json()
    assert one["feedback_token"] != two["feedback_token"]
    del one["feedback_token"], two["feedback_token"]
    assert one == two
    with Session(db_engine) as session:
        events = session.exec(select(TriageEvent)).all()
    assert len(events) == 2
    assert {event.feedback_token for event in events} == {
        first.json()["feedback_token"],
        second.json()["feedback_token"],
    }
