"""The workshop pages: permissions, the editor form (errors kept beside the fields), the preview,
saving into live triage, history with restore, the overview's filters and the audit log."""

from __future__ import annotations

import datetime as dt
import html
import re
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import col, select
from starlette.applications import Starlette

from helpdesk.db import session_scope
from helpdesk.kb import workshop
from helpdesk.kb.models import GuideRecord, GuideRevisionRecord, GuideTranslationRecord
from helpdesk.kb.store import bump_generation
from helpdesk.metrics.unmet import unmet_demand
from helpdesk.settings import Settings
from tests.accounts.helpers import csrf_from, make_user, sign_in
from tests.kb.test_markup import elements

TEST_SLUG_PREFIXES = ("wtest-", "ny-guide-")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def delete_test_guides(engine: Engine) -> None:
    """Other tests expect the real knowledge base only: remove the guides made here."""
    with session_scope(engine) as session:
        ids = [
            record.id
            for record in session.exec(select(GuideRecord)).all()
            if record.slug.startswith(TEST_SLUG_PREFIXES)
        ]
        if ids:
            for table in (GuideRevisionRecord, GuideTranslationRecord):
                session.execute(delete(table).where(col(table.guide_id).in_(ids)))
            session.execute(delete(GuideRecord).where(col(GuideRecord.id).in_(ids)))
            bump_generation(session)


@pytest.fixture(autouse=True)
def _clean_up_test_guides(app: Starlette, db_engine: Engine) -> Iterator[None]:
    yield
    delete_test_guides(db_engine)
    app.state.knowledge_base.refresh(force=True)


def version(title: str, token: str, **overrides: Any) -> dict[str, Any]:
    """A valid language version whose search phrases belong to no other guide."""
    data: dict[str, Any] = {
        "category": "everyday",
        "session_type": "digital-help",
        "title": title,
        "summary": f"About {title}.",
        "steps": [f"Open the {title} page.", "Press the green button."],
        "bring": ["Your phone"],
        "help_in_person": "Ask at Borgerservice.",
        "phrases": [f"{token} question {n}" for n in range(8)],
        "sources": [{"title": "borger.dk", "url": "https://www.borger.dk/"}],
        "review_status": "reviewed",
    }
    data.update(overrides)
    return data


def make_guide(engine: Engine, languages: tuple[str, ...] = ("da", "en")) -> str:
    slug = unique("wtest")
    token = uuid.uuid4().hex[:10]
    with session_scope(engine) as session:
        for index, language in enumerate(languages):
            status = "reviewed" if language in ("da", "en") else "draft"
            workshop.save_version(
                session,
                slug,
                language,
                version(f"{language} guide {token}", f"{token}{language}", review_status=status),
                actor="setup",
                create=index == 0,
            )
    return slug


async def signed_in(client: httpx.AsyncClient, engine: Engine, role: str) -> str:
    username = unique(role)
    make_user(engine, username, role)
    response = await sign_in(client, username)
    assert response.status_code == 303, response.text
    return username


def form_of(data: dict[str, Any], csrf: str, **extra: Any) -> list[tuple[str, str]]:
    """The editor's form fields for a version dict, as a browser would post them."""
    fields: list[tuple[str, str]] = [("csrf_token", csrf)]
    for name in ("category", "session_type", "title", "summary", "help_in_person"):
        if name in data:
            fields.append((name, str(data[name])))
    fields += [("steps", step) for step in data.get("steps", [])]
    fields.append(("bring", "\n".join(data.get("bring", []))))
    fields.append(("phrases", "\n".join(data.get("phrases", []))))
    fields.append(("aliases", "\n".join(data.get("aliases", []))))
    for source in data.get("sources", []):
        fields += [("source_title", source["title"]), ("source_url", source["url"])]
    fields.append(("review_status", data.get("review_status", "draft")))
    if data.get("sensitive"):
        fields.append(("sensitive", "1"))
    fields += [(key, str(value)) for key, value in extra.items()]
    return fields


async def post_form(
    client: httpx.AsyncClient, url: str, fields: list[tuple[str, str]]
) -> httpx.Response:
    """Repeated fields (steps, links) as a browser sends them: urlencoded, in order."""
    return await client.post(
        url,
        content=urlencode(fields),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )


def textarea(page: str, field_id: str) -> str:
    found = re.search(rf'<textarea[^>]*id="{field_id}"[^>]*>(.*?)</textarea>', page, re.S)
    assert found, f"no textarea {field_id}"
    return html.unescape(found.group(1))


# --- permissions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/workshop", "/workshop/guides/new", "/admin/audit", "/workshop/guides/x/da"]
)
async def test_anonymous_callers_are_sent_to_sign_in(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next={path}"


async def test_staff_may_not_use_the_workshop(client: httpx.AsyncClient, db_engine: Engine) -> None:
    slug = make_guide(db_engine)
    await signed_in(client, db_engine, "staff")
    for path in ("/workshop", f"/workshop/guides/{slug}/da", f"/workshop/guides/{slug}/history"):
        assert (await client.get(path)).status_code == 403, path
    day = await client.get("/staff/day")
    assert 'href="/workshop"' not in day.text
    csrf = csrf_from(day.text)
    preview = await client.post("/workshop/preview", data={"csrf_token": csrf, "title": "x"})
    assert preview.status_code == 403


async def test_coordinators_use_the_workshop_but_not_the_audit_log(
    client: httpx.AsyncClient, db_engine: Engine
) -> None:
    slug = make_guide(db_engine)
    await signed_in(client, db_engine, "coordinator")
    for path in ("/workshop", f"/workshop/guides/{slug}/da", f"/workshop/guides/{slug}/history"):
        response = await client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-language"] == "da"
        assert 'href="/workshop"' in response.text
        assert 'href="/admin/audit"' not in response.text
    assert (await client.get("/admin/audit")).status_code == 403


async def test_admins_read_the_audit_log_paged(
    client: httpx.AsyncClient, db_engine: Engine
) -> None:
    slug = make_guide(db_engine)
    await signed_in(client, db_engine, "admin")
    page = await client.get("/admin/audit")
    assert page.status_code == 200
    assert f"guide:{slug}/da" in page.text
    assert "setup" in page.text
    assert (await client.get("/admin/audit?page=9999")).status_code == 200
    assert (await client.get("/admin/audit?page=abc")).status_code == 200


# --- the editor -------------------------------------------------------------------------------


async def test_save_via_the_form_reaches_triage_at_once(
    client: httpx.AsyncClient, db_engine: Engine
) -> None:
    slug = make_guide(db_engine)
    user = await signed_in(client, db_engine, "coordinator")
    page = await client.get(f"/workshop/guides/{slug}/da")
    with session_scope(db_engine) as session:
        data = workshop.current_snapshot(session, slug, "da")
        latest = workshop.version_status(session, slug, "da").latest_revision
    assert f'name="base_revision" value="{latest}"' in page.text
    new_phrase = f"hvordan lapper jeg en {uuid.uuid4().hex[:6]}zebracykel"
    data["phrases"] = [*data["phrases"][:7], new_phrase]
    data["steps"] = ["Tryk på **Næste** og se [borger.dk](https://www.borger.dk/).", "Færdig."]
    saved = await post_form(
        client,
        f"/workshop/guides/{slug}/da",
        form_of(data, csrf_from(page.text), base_revision=latest),
    )
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == f"/workshop/guides/{slug}/da?notice=saved"

    triage = await client.post("/api/v1/triage", json={"text": new_phrase, "lang": "da"})
    assert triage.json()["matches"][0]["slug"] == slug
    guide = (await client.get(f"/api/v1/guides/{slug}?lang=da")).json()
    assert guide["steps"][0].startswith("Tryk på **Næste**")
    assert guide["steps_html"][0] == (
        'Tryk på <strong>Næste</strong> og se <a href="https://www.borger.dk/" '
        'rel="noopener">borger.dk</a>.'
    )
    public = await client.get(f"/guides/{slug}?lang=da")
    assert "<strong>Næste</strong>" in public.text
    with session_scope(db_engine) as session:
        assert workshop.list_revisions(session, slug, "da")[0].actor == user


async def test_errors_are_shown_beside_the_fields_and_nothing_typed_is_lost(
    client: httpx.AsyncClient, db_engine: Engine
) -> None:
    slug = make_guide(db_engine)
    await signed_in(client, db_engine, "coordinator")
    page = await client.get(f"/workshop/guides/{slug}/da")
    data = version(
        "",
        "x",
        steps=["Første trin med tekst", "Andet trin"],
        phrases=["kun", "tre", "sætninger"],
        sources=[{"title": "Usikker", "url": "http://example.com"}],
    )
    response = await post_form(
        client, f"/workshop/guides/{slug}/da", form_of(data, csrf_from(page.text))
    )
    assert response.status_code == 422
    text = response.text
    # Messages next to their fields (in Danish, the page's language), linked from the summary.
    assert 'id="field-title-error"' in text
    assert 'id="field-phrases-error"' in text
    assert 'id="source-url-1-error"' in text
    assert 'href="#field-phrases"' in text
    assert "Mindst 8" in text or "mindst 8" in text
    assert 'aria-invalid="true"' in text
    # Everything typed is still there.
    assert textarea(text, "step-1") == "Første trin med tekst"
    assert textarea(text, "step-2") == "Andet trin"
    assert textarea(text, "field-phrases") == "kun\ntre\nsætninger"
    assert 'value="http://example.com"' in text
    # Nothing was saved.
    with session_scope(db_engine) as session:
        assert workshop.current_snapshot(session, slug, "da")["phrases"][0] != "kun"


async def test_a_form_without_the_csrf_token_is_refused(
    client: httpx.AsyncClient, db_engine: Engine
) -> None:
    slug = make_guide(db_engine)
    await signed_in(client, db_engine, "coordinator")
    data = version("Titel", "y")
    fields = [f for f in form_of(data, "") if f[0] != "csrf_token"]
    assert (await post_form(client, f"/workshop/guides/{slug}/da", fields)).status_code == 403


async def test_an_old_base_revision_is_an_edit_conflict(
    client: httpx.AsyncClient, db_engine: Engine
) -> None:
    slug = make_guide(db_engine)
    await signed_in(client, db_engine, "coordinator")
    page = await client.get(f"/workshop/guides/{slug}/da")
    with session_scope(db_engine) as session:
        data = workshop.current_snapshot(session, slug, "da")
        old = workshop.version_status(session, slug, "da").latest_revision
        # Someone else saves first.
        other = {**data, "summary": "Someone else's summary."}
        workshop.save_version(session, slug, "da", other, actor="someone-else")
    mine = {**data, "summary": "My summary."}
    response = await post_form(
        client,
        f"/workshop/guides/{slug}/da",
        form_of(mine, csrf_from(page.text), base_revision=old),
    )
    assert response.status_code == 409
    assert "Nogen anden har gemt" in response.text
    assert 'value="My summary."' in response.text


async def test_add_step_and_preview_work_without_javascript(
    client: httpx.AsyncClient, db_engine: Engine
) -> None:
    slug = make_guide(db_engine)
    await signed_in(client, db_engine, "coordinator")
    page = await client.get(f"/workshop/guides/{slug}/da")
    fields_before = page.text.count('name="steps"')
    data = version("Ny titel", "z", steps=["Et", "To", "", ""])
    added = await post_form(
        client,
        f"/workshop/guides/{slug}/da",
        form_of(data, csrf_from(page.text), action="add_step"),
    )
    assert added.status_code == 200
    assert added.text.count('name="steps"') == fields_before + 1
    shown = await post_form(
        client,
        f"/workshop/guides/{slug}/da",
        form_of({**data, "steps": ["**Fed** tekst"]}, csrf_from(page.text), action="preview"),
    )
    assert shown.status_code == 200
    preview = shown.text.split('id="workshop-preview"', 1)[1]
    assert "<strong>Fed</strong> tekst" in preview
    assert "Ny titel" in preview


async def test_preview_returns_sanitised_html_in_the_version_language(
    client: httpx.AsyncClient, db_engine: Engine
) -> None:
    await signed_in(client, db_engine, "coordinator")
    csrf = csrf_from((await client.get("/workshop")).text)
    hostile = version(
        "<script>alert(1)</script>Titel",
        "p",
        steps=[
            "<script>alert('x')</script>Åbn appen",
            '<img src=x onerror="alert(1)"> **vigtigt**',
            "[klik](javascript:alert(1)) og [borger.dk](https://www.borger.dk/)",
        ],
        sources=[{"title": "Ond", "url": "javascript:alert(1)"}],
        review_status="draft",
    )
    response = await post_form(
        client,
        "/workshop/preview",
        form_of(hostile, csrf, version_language="ar", slug="x"),
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    fragment = response.text
    for tag, attributes in elements(fragment):
        assert tag not in ("script", "img", "iframe"), fragment
        assert not any(name.startswith("on") for name in attributes), fragment
        assert not (attributes.get("href") or "").startswith("javascript"), fragment
    assert "<strong>vigtigt</strong>" in fragment
    assert '<a href="https://www.borger.dk/" rel="noopener">borger.dk</a>' in fragment
    assert 'lang="ar" dir="rtl"' in fragment
    assert response.headers["content-language"] == "ar"
    # Drafts carry the citizen's draft notice, in the version's language.
    assert "alert-warning" in fragment


# --- overview, stale marks, history -----------------------------------------------------------


async def test_overview_filters_stale_and_missing(
    client: httpx.AsyncClient, db_engine: Engine
) -> None:
    slug = make_guide(db_engine, ("da", "en", "ar"))
    with session_scope(db_engine) as session:
        data = workshop.current_snapshot(session, slug, "da")
        result = workshop.save_version(
            session,
            slug,
            "da",
            {**data, "steps": ["Et helt nyt første trin.", "Andet."]},
            actor="x",
        )
    assert set(result.stale_languages) == {"en", "ar"}
    await signed_in(client, db_engine, "coordinator")
    everything = await client.get("/workshop")
    assert everything.status_code == 200
    assert f"/workshop/guides/{slug}/ar" in everything.text
    assert "Forældet" in everything.text
    assert "Mangler" in everything.text
    stale = await client.get("/workshop?show=stale")
    assert f"/workshop/guides/{slug}/ar" in stale.text
    missing = await client.get("/workshop?show=missing&language=uk")
    assert f"/workshop/guides/{slug}/uk" in missing.text
    assert "/workshop/guides/health-card/ar" not in missing.text  # complete in every language
    assert (await client.get("/workshop?show=nonsense&language=xx")).status_code == 200


async def test_stale_translation_shows_what_changed_in_the_source(
    client: httpx.AsyncClient, db_engine: Engine
) -> None:
    slug = make_guide(db_engine, ("da", "en", "ar"))
    with session_scope(db_engine) as session:
        data = workshop.current_snapshot(session, slug, "en")
        workshop.save_version(
            session, slug, "en", {**data, "summary": "A brand new summary."}, actor="x"
        )
    await signed_in(client, db_engine, "coordinator")
    page = await client.get(f"/workshop/guides/{slug}/ar")
    assert page.status_code == 200
    banner = page.text.split("workshop-stale", 1)[1].split("workshop-editor", 1)[0]
    assert "diff-removed" in banner
    assert "diff-added" in banner
    assert "A brand new summary." in banner
    assert "About en guide" in banner
    # The source is shown beside the translation.
    assert 'id="source-heading"' in page.text


async def test_history_diff_and_restore(client: httpx.AsyncClient, db_engine: Engine) -> None:
    slug = make_guide(db_engine)
    with session_scope(db_engine) as session:
        data = workshop.current_snapshot(session, slug, "da")
        first = workshop.version_status(session, slug, "da").latest_revision
        workshop.save_version(session, slug, "da", {**data, "title": "Ændret titel"}, actor="x")
    assert first is not None
    await signed_in(client, db_engine, "coordinator")
    history = await client.get(f"/workshop/guides/{slug}/history")
    assert history.status_code == 200
    rows = re.findall(r"\?revision=(\d+)#", history.text)
    assert [int(r) for r in rows] == sorted((int(r) for r in rows), reverse=True)
    latest = int(rows[0])
    diff = await client.get(f"/workshop/guides/{slug}/history?revision={latest}")
    assert "Ændret titel" in diff.text.split("diff-added", 1)[1]
    old = await client.get(f"/workshop/guides/{slug}/history?revision={first}")
    restored = await client.post(
        f"/workshop/guides/{slug}/history/{first}/restore", data={"csrf_token": csrf_from(old.text)}
    )
    assert restored.status_code == 303
    with session_scope(db_engine) as session:
        assert workshop.current_snapshot(session, slug, "da")["title"] == data["title"]
        assert workshop.list_revisions(session, slug, "da")[0].action == "restore"
    guide = (await client.get(f"/api/v1/guides/{slug}?lang=da")).json()
    assert guide["title"] == data["title"]


async def test_new_guide_then_duplicate_slug(client: httpx.AsyncClient, db_engine: Engine) -> None:
    await signed_in(client, db_engine, "coordinator")
    page = await client.get("/workshop/guides/new")
    assert page.status_code == 200
    slug = unique("ny-guide")
    data = version("Ny guide", uuid.uuid4().hex[:10], category="mitid")
    created = await post_form(
        client,
        "/workshop/guides/new",
        form_of(data, csrf_from(page.text), slug=slug, language="da"),
    )
    assert created.status_code == 303, created.text
    assert created.headers["location"] == f"/workshop/guides/{slug}/da?notice=saved"
    again = await post_form(
        client,
        "/workshop/guides/new",
        form_of(data, csrf_from(page.text), slug=slug, language="da"),
    )
    assert again.status_code == 409
    assert 'id="field-slug-error"' in again.text
    bad = await post_form(
        client,
        "/workshop/guides/new",
        form_of(data, csrf_from(page.text), slug="Not A Slug", language="da"),
    )
    assert bad.status_code == 422
    assert 'id="field-slug-error"' in bad.text
    assert 'value="Not A Slug"' in bad.text or 'value="not a slug"' in bad.text


async def test_new_guide_prefills_phrases_from_an_unmet_demand_cluster(
    client: httpx.AsyncClient, db_engine: Engine, settings: Settings
) -> None:
    word = uuid.uuid4().hex[:6]
    for n in range(20):
        text = f"{word}kvark {word}plasma virker ikke {n} ring 12345678"
        answer = await client.post("/api/v1/triage", json={"text": text, "lang": "da"})
        # Made-up words: no guide fits, so the question is unmet demand.
        assert answer.json()["outcome"] == "human", answer.json()
    # A smaller group besides: when a count must be hidden to protect a small one (the
    # dashboard's secondary suppression), the smallest group goes, not ours.
    decoy = uuid.uuid4().hex[:6]
    for n in range(5):
        text = f"{decoy}zorbit {decoy}flux {n}"
        await client.post("/api/v1/triage", json={"text": text, "lang": "da"})
    # Questions without a guide count as unmet when triage hands them to a person.
    today = dt.date.today()
    start, end = today - dt.timedelta(days=1), today + dt.timedelta(days=1)
    with session_scope(db_engine) as session:
        clusters = unmet_demand(session, start, end, zone=ZoneInfo(settings.timezone))
    mine = [c for c in clusters if any(f"{word}kvark" in q for q in c.questions)]
    assert mine, "the twenty questions form no unmet-demand group"
    await signed_in(client, db_engine, "coordinator")
    # The dashboard links each group to a new guide.
    board = await client.get(f"/coordinator?from={start}&to={end}")
    assert board.status_code == 200
    assert f"&amp;cluster={mine[0].id}" in board.text
    page = await client.get(f"/workshop/guides/new?from={start}&to={end}&cluster={mine[0].id}")
    assert page.status_code == 200
    phrases = textarea(page.text, "field-phrases")
    assert f"{word}kvark" in phrases
    assert "12345678" not in phrases
