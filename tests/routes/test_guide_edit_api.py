"""PUT /api/v1/guides/{slug}: editing through the API, history, restore, audit, permissions."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from starlette.applications import Starlette

from helpdesk.kb.content import KnowledgeBase
from tests.accounts.helpers import make_token, make_user
from tests.kb.workshop_helpers import reset_knowledge_base, stored_version

SLUG = "library-login"
NEW_PHRASE = "kvantefysik for begyndere i biblioteket"


def bearer(engine: Engine, role: str) -> dict[str, str]:
    username = f"{role}-{uuid.uuid4().hex[:8]}"
    make_user(engine, username, role)
    return {"Authorization": f"Bearer {make_token(engine, username)}"}


@pytest.fixture
def fresh_kb(app: Starlette, db_engine: Engine, real_kb: KnowledgeBase) -> Iterator[None]:
    reset_knowledge_base(db_engine, real_kb, app.state.knowledge_base)
    yield
    reset_knowledge_base(db_engine, real_kb, app.state.knowledge_base)


@pytest.fixture
def coordinator(db_engine: Engine) -> dict[str, str]:
    return bearer(db_engine, "coordinator")


async def get_version(client: httpx.AsyncClient, slug: str, lang: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/guides/{slug}?lang={lang}")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.usefixtures("fresh_kb")
async def test_an_edit_is_found_by_triage_at_once(
    client: httpx.AsyncClient, coordinator: dict[str, str]
) -> None:
    before = await client.post("/api/v1/triage", json={"text": NEW_PHRASE})
    assert before.json()["outcome"] == "human"

    body = await get_version(client, SLUG, "da")  # the JSON GET returns, sent back as is
    body["phrases"].append(NEW_PHRASE)
    saved = await client.put(f"/api/v1/guides/{SLUG}?lang=da", json=body, headers=coordinator)
    assert saved.status_code == 200, saved.text
    result = saved.json()
    assert NEW_PHRASE in result["phrases"]
    assert result["created"] is False
    assert result["stale_languages"] == []  # phrases alone do not make translations stale
    assert result["updated_by"].startswith("coordinator-")

    after = await client.post("/api/v1/triage", json={"text": NEW_PHRASE})
    assert after.json()["matches"][0]["slug"] == SLUG


@pytest.mark.usefixtures("fresh_kb")
async def test_a_source_change_marks_translations_stale_on_the_public_get(
    client: httpx.AsyncClient, coordinator: dict[str, str]
) -> None:
    body = await get_version(client, SLUG, "da")
    assert body["stale"] is False
    body["summary"] = "Et nyt resumé af vejledningen."
    saved = await client.put(f"/api/v1/guides/{SLUG}?lang=da", json=body, headers=coordinator)
    assert saved.status_code == 200, saved.text
    assert set(saved.json()["stale_languages"]) == {"en", "ar", "uk", "tr", "pl", "so", "fa"}
    arabic = await get_version(client, SLUG, "ar")
    assert arabic["stale"] is True
    assert "reviewed_by" not in arabic  # no staff names on the public GET
    assert (await get_version(client, SLUG, "da"))["summary"] == "Et nyt resumé af vejledningen."


@pytest.mark.usefixtures("fresh_kb")
async def test_invalid_input_gets_field_level_messages(
    client: httpx.AsyncClient, coordinator: dict[str, str]
) -> None:
    body = await get_version(client, SLUG, "en")
    del body["title"]
    body["phrases"] = body["phrases"][:3]
    body["sources"][0]["url"] = "http://www.borger.dk/"
    body["steps"][1] = 'Click <script>alert("x")</script> here'
    response = await client.put(
        f"/api/v1/guides/{SLUG}?lang=en",
        json=body,
        headers={**coordinator, "Accept-Language": "da"},
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "guide_invalid"
    assert error["language"] == "da"  # the editor's language, not the guide version's
    assert error["message"].startswith("Vejledningen kan ikke gemmes")
    by_loc = {tuple(item["loc"]): item["problem"] for item in error["details"]}
    assert set(by_loc) == {("title",), ("phrases",), ("sources", 0, "url"), ("steps", 1)}
    assert "at least 8" in by_loc[("phrases",)]
    assert "https" in by_loc[("sources", 0, "url")]
    assert "HTML" in by_loc[("steps", 1)]
    assert {item["field"] for item in error["details"]} >= {"steps.1", "sources.0.url"}
    unchanged = await get_version(client, SLUG, "en")
    assert "<script>" not in " ".join(unchanged["steps"])


@pytest.mark.usefixtures("fresh_kb")
async def test_a_phrase_of_another_guide_is_refused(
    client: httpx.AsyncClient, coordinator: dict[str, str]
) -> None:
    other = await get_version(client, "passport-lost", "en")
    body = await get_version(client, SLUG, "en")
    body["phrases"].append(other["phrases"][0].upper())  # the same after normalisation
    response = await client.put(f"/api/v1/guides/{SLUG}?lang=en", json=body, headers=coordinator)
    assert response.status_code == 422
    [detail] = response.json()["error"]["details"]
    assert detail["loc"] == ["phrases", len(body["phrases"]) - 1]
    assert "passport-lost" in detail["problem"]


async def test_permissions(client: httpx.AsyncClient, db_engine: Engine) -> None:
    body = stored_version(db_engine, SLUG, "da")
    url = f"/api/v1/guides/{SLUG}?lang=da"
    anonymous = await client.put(url, json=body)
    assert anonymous.status_code == 401
    staff = bearer(db_engine, "staff")
    assert (await client.put(url, json=body, headers=staff)).status_code == 403
    assert (await client.get(f"/api/v1/guides/{SLUG}/revisions", headers=staff)).status_code == 403
    restore = f"/api/v1/guides/{SLUG}/revisions/1/restore"
    assert (await client.post(restore, headers=staff)).status_code == 403
    assert (await client.post(restore)).status_code == 401
    coordinator = bearer(db_engine, "coordinator")
    assert (await client.get("/api/v1/audit", headers=coordinator)).status_code == 403
    assert (await client.get("/api/v1/audit")).status_code == 401
    admin = bearer(db_engine, "admin")
    assert (await client.get("/api/v1/audit", headers=admin)).status_code == 200


@pytest.mark.usefixtures("fresh_kb")
async def test_history_restore_and_audit(
    client: httpx.AsyncClient, db_engine: Engine, coordinator: dict[str, str]
) -> None:
    original = await get_version(client, SLUG, "en")
    edited = {**original, "title": "Sign in to the library (new)"}
    first = await client.put(f"/api/v1/guides/{SLUG}?lang=en", json=edited, headers=coordinator)
    assert first.status_code == 200, first.text

    history = await client.get(f"/api/v1/guides/{SLUG}/revisions?lang=en", headers=coordinator)
    assert history.status_code == 200
    revisions = history.json()["revisions"]
    assert [r["action"] for r in revisions] == ["edit", "import"]
    assert revisions[0]["changed_fields"] == ["title"]
    assert revisions[0]["id"] == first.json()["revision"]

    restored = await client.post(
        f"/api/v1/guides/{SLUG}/revisions/{revisions[1]['id']}/restore", headers=coordinator
    )
    assert restored.status_code == 200, restored.text
    assert restored.json()["title"] == original["title"]
    assert (await get_version(client, SLUG, "en"))["title"] == original["title"]
    history = await client.get(f"/api/v1/guides/{SLUG}/revisions?lang=en", headers=coordinator)
    assert [r["action"] for r in history.json()["revisions"]] == ["restore", "edit", "import"]

    wrong_guide = await client.post(
        f"/api/v1/guides/passport-lost/revisions/{revisions[1]['id']}/restore", headers=coordinator
    )
    assert wrong_guide.status_code == 404
    assert (
        await client.post(f"/api/v1/guides/{SLUG}/revisions/999999/restore", headers=coordinator)
    ).status_code == 404

    audit = await client.get("/api/v1/audit?limit=5", headers=bearer(db_engine, "admin"))
    entries = audit.json()["entries"]
    assert [e["action"] for e in entries[:2]] == ["guide.restore", "guide.edit"]
    assert entries[0]["target"] == f"guide:{SLUG}/en"


@pytest.mark.usefixtures("fresh_kb")
async def test_a_stale_base_revision_is_a_conflict(
    client: httpx.AsyncClient, coordinator: dict[str, str]
) -> None:
    history = await client.get(f"/api/v1/guides/{SLUG}/revisions?lang=en", headers=coordinator)
    base = history.json()["revisions"][0]["id"]
    body = await get_version(client, SLUG, "en")
    first = {**body, "summary": "First editor's summary.", "base_revision": base}
    second = {**body, "summary": "Second editor's summary.", "base_revision": base}
    url = f"/api/v1/guides/{SLUG}?lang=en"
    assert (await client.put(url, json=first, headers=coordinator)).status_code == 200
    conflict = await client.put(url, json=second, headers=coordinator)
    assert conflict.status_code == 409
    assert conflict.json()["error"]["code"] == "edit_conflict"
    assert (await get_version(client, SLUG, "en"))["summary"] == "First editor's summary."


@pytest.mark.usefixtures("fresh_kb")
async def test_put_to_a_new_slug_creates_the_guide(
    client: httpx.AsyncClient, coordinator: dict[str, str]
) -> None:
    body = await get_version(client, SLUG, "da")
    body.update(
        title="Lån e-bøger på eReolen",
        phrases=[f"e-bøger nummer {i} på ereolen" for i in range(8)],
    )
    translation = await client.put("/api/v1/guides/ebooks?lang=ar", json=body, headers=coordinator)
    assert translation.status_code == 404  # a new guide starts in Danish or English

    created = await client.put("/api/v1/guides/ebooks?lang=da", json=body, headers=coordinator)
    assert created.status_code == 201, created.text
    assert created.json()["created"] is True
    assert (await get_version(client, "ebooks", "da"))["title"] == "Lån e-bøger på eReolen"
    found = await client.post("/api/v1/triage", json={"text": "e-bøger nummer 3 på ereolen"})
    assert found.json()["matches"][0]["slug"] == "ebooks"

    bad_slug = await client.put("/api/v1/guides/Bad_Slug?lang=da", json=body, headers=coordinator)
    assert bad_slug.status_code == 422
    assert bad_slug.json()["error"]["details"][0]["loc"] == ["slug"]


async def test_unknown_guide_and_language(
    client: httpx.AsyncClient, coordinator: dict[str, str]
) -> None:
    assert (
        await client.get("/api/v1/guides/no-such-guide/revisions", headers=coordinator)
    ).status_code == 404
    response = await client.put(f"/api/v1/guides/{SLUG}?lang=xx", json={}, headers=coordinator)
    assert response.status_code == 422
    not_json = await client.put(f"/api/v1/guides/{SLUG}?lang=da", content=b"{", headers=coordinator)
    assert not_json.status_code == 422


@pytest.mark.usefixtures("fresh_kb")
async def test_a_cpr_number_typed_into_a_guide_is_not_stored(
    client: httpx.AsyncClient, coordinator: dict[str, str], db_engine: Engine
) -> None:
    body = await get_version(client, SLUG, "en")
    body["steps"][0] = "Bring the letter for 010203-1234 to the counter."
    body["bring"] = ["Your health card (call 89 40 22 22 if lost)"]
    saved = await client.put(f"/api/v1/guides/{SLUG}?lang=en", json=body, headers=coordinator)
    assert saved.status_code == 200, saved.text
    stored = stored_version(db_engine, SLUG, "en")
    assert "010203-1234" not in stored["steps"][0]
    assert "010203-1234" not in saved.text
    # Published contact numbers in guide text are not personal data: they stay.
    assert stored["bring"] == ["Your health card (call 89 40 22 22 if lost)"]


@pytest.mark.usefixtures("fresh_kb")
async def test_a_cpr_number_with_separators_is_not_published_in_a_guide(
    client: httpx.AsyncClient, coordinator: dict[str, str], db_engine: Engine
) -> None:
    """The review published 'SECX cpr 01 01 90-1234 / 0101 90 1234' on a guide page."""
    body = await get_version(client, SLUG, "da")
    body["steps"][0] = "SECX cpr 01 01 90-1234 / 0101 90 1234 / 010190\u200b-1234"
    body["summary"] = body["summary"] + " SECX ０１０１９０-１２３４"
    saved = await client.put(f"/api/v1/guides/{SLUG}?lang=da", json=body, headers=coordinator)
    assert saved.status_code == 200, saved.text
    stored = stored_version(db_engine, SLUG, "da")
    assert stored["steps"][0] == "SECX cpr [CPR] / [CPR] / [CPR]"
    assert stored["summary"].endswith("SECX [CPR]")
    page = await client.get(f"/guides/{SLUG}?lang=da")
    assert "SECX cpr [CPR]" in page.text
    for leaked in ("01 01 90", "0101 90", "１２３４"):
        assert leaked not in page.text
