"""The knowledge-base workshop in a real browser: edit a guide with the live preview, save, and
triage finds the new phrasing at once; the overview's filters; axe-core in Danish and Arabic."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import Iterator

import pytest
from playwright.async_api import Browser, BrowserContext, expect
from sqlalchemy.engine import Engine

from helpdesk.db import session_scope
from helpdesk.kb import workshop
from tests.accounts.helpers import PASSWORD, make_user
from tests.browser.conftest import axe_violations, describe
from tests.routes.test_workshop import delete_test_guides, make_guide


@pytest.fixture(autouse=True)
def _clean_up_test_guides(db_engine: Engine) -> Iterator[None]:
    yield
    delete_test_guides(db_engine)


async def coordinator(browser: Browser, live_server: str, db_engine: Engine) -> BrowserContext:
    username = f"editor-{uuid.uuid4().hex[:8]}"
    make_user(db_engine, username, "coordinator")
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="da-DK")
    page = await context.new_page()
    await page.goto(f"{live_server}/login?next=/workshop")
    await page.locator("input[name=username]").fill(username)
    await page.locator("input[name=password]").fill(PASSWORD)
    await page.locator("form button[type=submit]").click()
    await page.wait_for_url(f"{live_server}/workshop")
    await page.close()
    return context


async def test_edit_with_live_preview_then_triage_finds_the_new_phrasing(
    browser: Browser, live_server: str, db_engine: Engine
) -> None:
    slug = make_guide(db_engine, ("da", "en", "ar"))
    context = await coordinator(browser, live_server, db_engine)
    page = await context.new_page()
    await page.goto(f"{live_server}/workshop/guides/{slug}/da")
    await expect(page.locator("html")).to_have_attribute("lang", "da")
    violations = await axe_violations(page)
    assert violations == [], describe(violations)

    # A step in simple Markdown: the preview shows it as citizens will, without a reload.
    preview = page.locator("#workshop-preview")
    await page.locator("#step-1").fill(
        "Tryk på **Gem kortet** og [læs mere](https://www.borger.dk/)."
    )
    await expect(preview.locator("ol.guide-steps li").first.locator("strong")).to_have_text(
        "Gem kortet"
    )
    await expect(
        preview.locator('ol.guide-steps a[href="https://www.borger.dk/"]')
    ).to_have_attribute("rel", "noopener")
    # Script typed into a step never becomes script in the preview.
    await page.locator("#step-2").fill("<img src=x onerror=\"document.title='pwned'\"> Færdig.")
    await expect(preview.locator("ol.guide-steps li").nth(1)).to_contain_text("Færdig.")
    assert await preview.locator("img").count() == 0
    assert await page.title() != "pwned"

    # Steps: add one with the button (no reload), then remove it again.
    before = await page.locator("#step-fields textarea").count()
    await page.locator("#add-step").click()
    await expect(page.locator("#step-fields textarea")).to_have_count(before + 1)
    await expect(page.locator(f"#step-{before + 1}")).to_be_focused()
    await page.locator("#step-fields li").last.locator("[data-step=remove]").click()
    await expect(page.locator("#step-fields textarea")).to_have_count(before)

    # A new search phrase, then save.
    phrase = f"min {uuid.uuid4().hex[:6]}zebracykel har mistet kæden"
    phrases = page.locator("#field-phrases")
    lines = (await phrases.input_value()).splitlines()
    await phrases.fill("\n".join([*lines[:-1], phrase]))
    await page.locator(".workshop-actions button[value=save]").click()
    # The HTML in step 2 is refused beside the field; everything typed is still there.
    await expect(page.locator("#step-2-error")).to_be_visible()
    await expect(page.locator("#form-errors a[href='#step-2']")).to_be_visible()
    await expect(page.locator("#step-1")).to_have_value(re.compile(r"\*\*Gem kortet\*\*"))
    await expect(page.locator("#field-phrases")).to_have_value(re.compile(phrase))
    await page.locator("#step-2").fill("Færdig.")
    await page.locator(".workshop-actions button[value=save]").click()
    await page.wait_for_url(re.compile(rf"/workshop/guides/{slug}/da\?notice=saved"))
    await expect(page.locator(".alert-success")).to_be_visible()
    await expect(page.locator("#field-phrases")).to_have_value(re.compile(phrase))

    response = await page.request.post(
        f"{live_server}/api/v1/triage", data={"text": phrase, "lang": "da"}
    )
    assert response.ok
    assert (await response.json())["matches"][0]["slug"] == slug
    public = await context.new_page()
    await public.goto(f"{live_server}/guides/{slug}?lang=da")
    await expect(public.locator("ol.guide-steps li strong").first).to_have_text("Gem kortet")
    await context.close()


async def test_overview_filters_and_accessibility(
    browser: Browser, live_server: str, db_engine: Engine
) -> None:
    slug = make_guide(db_engine, ("da", "en", "ar"))
    with session_scope(db_engine) as session:
        data = workshop.current_snapshot(session, slug, "da")
        workshop.save_version(session, slug, "da", {**data, "title": "Ny dansk titel"}, actor="x")
    context = await coordinator(browser, live_server, db_engine)
    page = await context.new_page()
    await page.goto(f"{live_server}/workshop")
    violations = await axe_violations(page)
    assert violations == [], describe(violations)
    await page.locator("#show-stale").check()
    await page.locator(".workshop-filters button[type=submit]").click()
    await page.wait_for_url(re.compile(r"show=stale"))
    row = page.locator("tr", has=page.locator(f'a[href="/workshop/guides/{slug}/ar"]'))
    await expect(row).to_have_count(1)
    await expect(row.locator(f'a[href="/workshop/guides/{slug}/ar"]')).to_contain_text("Forældet")
    # Every row shown has something out of date.
    rows = page.locator("table.workshop-overview tbody tr")
    for index in range(await rows.count()):
        await expect(rows.nth(index).locator(".state-stale").first).to_be_visible()

    await page.locator("#show-missing").check()
    await page.locator("#filter-language").select_option("uk")
    await page.locator(".workshop-filters button[type=submit]").click()
    await page.wait_for_url(re.compile(r"show=missing"))
    await expect(page.locator(f'a[href="/workshop/guides/{slug}/uk"]')).to_contain_text("Mangler")
    await expect(page.locator('a[href="/workshop/guides/health-card/uk"]')).to_have_count(0)
    await context.close()


async def test_arabic_version_editor_is_right_to_left_and_accessible(
    browser: Browser, live_server: str, db_engine: Engine
) -> None:
    slug = make_guide(db_engine, ("da", "en", "ar"))
    with session_scope(db_engine) as session:
        data = workshop.current_snapshot(session, slug, "en")
        workshop.save_version(session, slug, "en", {**data, "summary": "A new summary."}, actor="x")
    context = await coordinator(browser, live_server, db_engine)
    page = await context.new_page()
    await page.goto(f"{live_server}/workshop/guides/{slug}/ar")
    # The page is Danish (staff), the version's fields and preview are Arabic, right to left.
    await expect(page.locator("html")).to_have_attribute("lang", "da")
    await expect(page.locator("#field-title")).to_have_attribute("dir", "rtl")
    article = page.locator("#workshop-preview article")
    await expect(article).to_have_attribute("lang", "ar")
    await expect(article).to_have_attribute("dir", "rtl")
    # Out of date: the banner shows what changed in the English source.
    banner = page.locator(".workshop-stale")
    await expect(banner.locator(".diff-added")).to_contain_text("A new summary.")
    violations = await axe_violations(page)
    assert violations == [], describe(violations)

    await page.locator("#field-title").fill("دليل جديد للاختبار")
    await expect(article.locator(".guide-title")).to_have_text("دليل جديد للاختبار")
    violations = await axe_violations(page)
    assert violations == [], describe(violations)
    await context.close()


async def test_editor_works_without_javascript(
    browser: Browser, live_server: str, db_engine: Engine
) -> None:
    slug = make_guide(db_engine)
    signed = await coordinator(browser, live_server, db_engine)
    cookies = await signed.cookies()
    await signed.close()
    context = await browser.new_context(java_script_enabled=False, locale="da-DK")
    await context.add_cookies(cookies)
    page = await context.new_page()
    await page.goto(f"{live_server}/workshop/guides/{slug}/da")
    before = await page.locator("#step-fields textarea").count()
    await page.locator("#step-1").fill("**Uden** JavaScript")
    await page.locator("#add-step").click()
    await expect(page.locator("#step-fields textarea")).to_have_count(before + 1)
    await expect(page.locator("#step-1")).to_have_value("**Uden** JavaScript")
    await page.locator("#preview-button").click()
    await expect(page.locator("#workshop-preview ol.guide-steps strong").first).to_have_text("Uden")
    await context.close()


async def test_new_guide_history_and_audit_pages_are_accessible(
    browser: Browser, live_server: str, db_engine: Engine
) -> None:
    slug = make_guide(db_engine)
    with session_scope(db_engine) as session:
        data = workshop.current_snapshot(session, slug, "da")
        workshop.save_version(session, slug, "da", {**data, "title": "Ændret titel"}, actor="x")
        latest = workshop.version_status(session, slug, "da").latest_revision
    username = f"admin-{uuid.uuid4().hex[:8]}"
    make_user(db_engine, username, "admin")
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="da-DK")
    page = await context.new_page()
    await page.goto(f"{live_server}/login?next=/admin/audit")
    await page.locator("input[name=username]").fill(username)
    await page.locator("input[name=password]").fill(PASSWORD)
    await page.locator("form button[type=submit]").click()
    await page.wait_for_url(f"{live_server}/admin/audit")
    await expect(page.locator("table.audit-log")).to_contain_text(f"guide:{slug}/da")
    for path in (
        "/admin/audit",
        "/workshop/guides/new",
        f"/workshop/guides/{slug}/history?revision={latest}",
    ):
        await page.goto(f"{live_server}{path}")
        violations = await axe_violations(page)
        assert violations == [], (path, describe(violations))
    await expect(page.locator(".workshop-diff .diff-added")).to_contain_text("Ændret titel")
    await context.close()


async def test_kiosk_shows_the_sanitised_markdown_of_an_edited_guide(
    browser: Browser, live_server: str, db_engine: Engine
) -> None:
    slug = make_guide(db_engine)
    phrase = f"min {uuid.uuid4().hex[:6]}kvarkmaskine virker ikke"
    with session_scope(db_engine) as session:
        data = workshop.current_snapshot(session, slug, "da")
        steps = ["Tryk på **Start** og vent.", "Læs [vejledningen](https://www.borger.dk/)."]
        workshop.save_version(
            session,
            slug,
            "da",
            {**data, "steps": steps, "phrases": [*data["phrases"], phrase]},
            actor="x",
        )
    context = await browser.new_context(viewport={"width": 1080, "height": 1920}, has_touch=True)
    page = await context.new_page()
    # Saved outside the server: it notices the new knowledge-base generation within seconds.
    deadline = time.monotonic() + 15
    while True:
        answer = await page.request.post(
            f"{live_server}/api/v1/triage", data={"text": phrase, "lang": "da"}
        )
        matches = (await answer.json())["matches"]
        if (matches and matches[0]["slug"] == slug) or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.25)
    await page.goto(f"{live_server}/kiosk?location=dokk1&lang=da")
    await page.locator("#kiosk-text").fill(phrase)
    await page.locator(".kiosk-submit").tap()
    steps_list = page.locator("article.kiosk-guide ol.kiosk-steps")
    await expect(steps_list.locator("li").first.locator("strong")).to_have_text("Start")
    await page.locator(".kiosk-toggle-steps").tap()
    link = steps_list.locator('li a[href="https://www.borger.dk/"]')
    await expect(link).to_have_attribute("rel", "noopener")
    await context.close()
