"""The library kiosk in a real browser: Arabic flow, idle reset, shared-screen privacy."""

import asyncio
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.async_api import Browser, Page, expect
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from helpdesk.events.models import TriageEvent
from helpdesk.kb.content import KnowledgeBase
from tests.browser.conftest import axe_violations, describe


async def kiosk_page(browser: Browser, width: int = 1080, height: int = 1920) -> Page:
    context = await browser.new_context(viewport={"width": width, "height": height}, has_touch=True)
    return await context.new_page()


async def test_start_screen_offers_all_eight_languages(browser: Browser, live_server: str) -> None:
    page = await kiosk_page(browser)
    await page.goto(f"{live_server}/kiosk?location=dokk1")
    links = page.locator("a.kiosk-language")
    assert await links.count() == 8
    langs = [await links.nth(i).get_attribute("lang") for i in range(8)]
    assert langs == ["da", "en", "ar", "uk", "tr", "pl", "so", "fa"]
    # The question is shown in each language, not eight times in Danish.
    questions = {
        await links.nth(i).locator(".kiosk-language-question").inner_text() for i in range(8)
    }
    assert len(questions) == 8
    violations = await axe_violations(page)
    assert violations == [], describe(violations)
    await page.context.close()


async def test_arabic_flow_then_idle_reset_clears_everything(
    browser: Browser, live_server: str, db_engine: Engine, real_kb: KnowledgeBase
) -> None:
    # Triage quality is measured by bench/triage_eval.py; the flow test asks with the Arabic
    # title of a guide, which triage always finds.
    question = real_kb.by_slug()["mitid-lost-phone"].translations["ar"].title
    page = await kiosk_page(browser)
    await page.goto(f"{live_server}/kiosk?location=dokk1")
    await page.locator("a.kiosk-language[lang=ar]").tap()
    await expect(page.locator("html")).to_have_attribute("dir", "rtl")
    await expect(page.locator("html")).to_have_attribute("lang", "ar")
    # Mirrored layout: the "talk to a person" button sits on the left in RTL (it is at the
    # inline end of the bar).
    person = await page.locator("#kiosk-person").bounding_box()
    assert person is not None
    assert person["x"] < 1080 / 2
    violations = await axe_violations(page)
    assert violations == [], describe(violations)

    await page.locator("#kiosk-text").fill(question)
    await page.locator(".kiosk-submit").tap()
    guide = page.locator("article.kiosk-guide")
    await expect(guide).to_be_visible()
    await expect(guide).to_have_attribute("dir", "rtl")
    violations = await axe_violations(page)  # the answer screen, in Arabic
    assert violations == [], describe(violations)
    title = await guide.locator("h1").inner_text()
    assert title
    # One step at a time, then the whole list.
    steps = guide.locator("ol.kiosk-steps > li")
    assert await steps.count() >= 2
    await expect(steps.nth(0)).to_be_visible()
    await expect(steps.nth(1)).to_be_hidden()
    await page.locator(".kiosk-step-buttons .button-primary").tap()
    await expect(steps.nth(1)).to_be_visible()
    await page.locator(".kiosk-toggle-steps").tap()
    await expect(steps.nth(0)).to_be_visible()
    # "Did this help?" is recorded with the triage event.
    # The thanks shows at once; the answer is stored when the request has been answered.
    async with page.expect_response(lambda r: r.url.endswith("/api/v1/feedback")) as sent:
        await page.locator("[data-helpful=yes]").tap()
    await expect(page.locator(".kiosk-feedback [role=status]")).to_be_visible()
    assert (await sent.value).ok
    with Session(db_engine) as session:
        event = session.exec(
            select(TriageEvent)
            .where(TriageEvent.channel == "kiosk")
            .order_by(
                TriageEvent.id.desc()  # type: ignore[union-attr]
            )
        ).first()
    assert event is not None
    assert event.helpful is True
    assert event.language == "ar"

    # Nothing is kept in the browser.
    assert await page.context.cookies() == []
    assert await page.evaluate("localStorage.length + sessionStorage.length") == 0

    # Idle: a visible countdown, then everything resets to the start screen.
    await expect(page.locator("#kiosk-idle")).to_be_visible(timeout=15_000)
    await page.wait_for_url(f"{live_server}/kiosk?location=dokk1", timeout=15_000)
    await expect(page.locator("a.kiosk-language")).to_have_count(8)
    assert await page.locator("article.kiosk-guide").count() == 0
    assert title not in await page.content()
    # The back button cannot bring the previous citizen's answer back.
    await page.go_back()
    assert title not in await page.content()
    assert await page.context.cookies() == []
    await page.context.close()


@pytest.mark.parametrize(("width", "height"), [(1080, 1920), (1920, 1080)])
async def test_layout_and_touch_targets(
    browser: Browser, live_server: str, width: int, height: int
) -> None:
    page = await kiosk_page(browser, width, height)
    await page.goto(f"{live_server}/kiosk?location=dokk1&lang=da")
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    small = await page.evaluate(
        """() => [...document.querySelectorAll('button, a, textarea, input')]
            .filter(el => el.offsetParent !== null)
            .map(el => { const r = el.getBoundingClientRect();
                         return {text: el.textContent.trim(), w: r.width, h: r.height}; })
            .filter(r => r.w < 44 || r.h < 44)"""
    )
    assert small == []
    violations = await axe_violations(page)
    assert violations == [], describe(violations)
    await page.context.close()


ALL_IMPACTS = ("minor", "moderate", "serious", "critical")
CRISIS_QUESTIONS = {
    "da": "min mand slår mig og jeg tør ikke tage hjem",
    "ar": "زوجي يضربني وأخاف أرجع للبيت",
}


@pytest.mark.parametrize("lang", ["da", "ar"])
async def test_a_crisis_answer_is_calm_prominent_and_offers_a_person(
    browser: Browser, live_server: str, lang: str
) -> None:
    page = await kiosk_page(browser)
    await page.goto(f"{live_server}/kiosk?location=dokk1&lang={lang}")
    await page.locator("#kiosk-text").fill(CRISIS_QUESTIONS[lang])
    await page.locator(".kiosk-submit").tap()
    crisis = page.locator("article.kiosk-crisis")
    await expect(crisis).to_be_visible()
    await expect(crisis).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")
    call = crisis.locator("a[href^='tel:']").first
    await expect(call).to_be_visible()
    box = await call.bounding_box()
    assert box is not None
    assert box["height"] >= 64
    # The crisis answer comes before the person offer, and the offer is there.
    await expect(page.locator(".kiosk-human .kiosk-book")).to_be_visible()
    crisis_box, human_box = (
        await crisis.bounding_box(),
        await page.locator(".kiosk-human").bounding_box(),
    )
    assert crisis_box is not None
    assert human_box is not None
    assert crisis_box["y"] < human_box["y"]
    violations = await axe_violations(page, ALL_IMPACTS)
    assert violations == [], describe(violations)
    await page.context.close()


async def test_which_of_these_has_none_of_these(browser: Browser, live_server: str) -> None:
    page = await kiosk_page(browser)
    await page.goto(f"{live_server}/kiosk?location=dokk1&lang=da")
    for question in ("pas", "digital post", "post", "mistet"):
        await page.locator("#kiosk-text").fill(question)
        await page.locator(".kiosk-submit").tap()
        await expect(page.locator(".kiosk-thinking")).to_have_count(0)
        if await page.locator(".kiosk-none").count():
            break
        await page.locator(".kiosk-again").tap()
    else:
        pytest.fail("no question got a 'which of these?' answer")
    await page.locator(".kiosk-none").tap()
    await expect(page.locator(".kiosk-human .kiosk-book")).to_be_visible()
    await page.context.close()


async def open_guide(page: Page, live_server: str, lang: str, question: str) -> None:
    """The kiosk in `lang`, asked `question` (a guide's own title, which triage always finds)."""
    await page.goto(f"{live_server}/kiosk?location=dokk1&lang={lang}")
    await page.locator("#kiosk-text").fill(question)
    await page.locator(".kiosk-submit").tap()
    await expect(page.locator("article.kiosk-guide")).to_be_visible()


@pytest.mark.parametrize("lang", ["da", "ar"])
async def test_steps_are_numbered_as_the_counter_counts(
    browser: Browser, live_server: str, real_kb: KnowledgeBase, lang: str
) -> None:
    guide = real_kb.by_slug()["mitid-new-phone"]
    page = await kiosk_page(browser)
    await open_guide(page, live_server, lang, guide.translations[lang].title)
    steps = page.locator("ol.kiosk-steps > li")
    total = await steps.count()
    assert total >= 3
    for number in range(1, total + 1):
        shown = page.locator("ol.kiosk-steps > li:visible")
        await expect(shown).to_have_count(1)
        # The list item's ordinal is what the browser prints as its marker.
        assert await shown.evaluate("li => li.value") == number
        counter = await page.locator(".kiosk-step-counter").inner_text()
        assert str(number) in counter
        assert str(total) in counter
        if number < total:
            await page.locator(".kiosk-step-buttons .button-primary").tap()
    # The step text is announced with the counter, not the counter alone.
    live = page.locator(".kiosk-step-view[aria-live=polite]:has(.kiosk-step-counter)")
    await expect(live).to_have_count(1)
    assert await live.locator("ol.kiosk-steps").count() == 1
    await page.context.close()


@pytest.mark.parametrize("lang", ["da", "ar"])
async def test_did_this_help_comes_after_the_last_step_and_no_keeps_the_topic(
    browser: Browser, live_server: str, real_kb: KnowledgeBase, lang: str
) -> None:
    slug = "mitid-new-phone"
    page = await kiosk_page(browser)
    await open_guide(page, live_server, lang, real_kb.by_slug()[slug].translations[lang].title)
    total = await page.locator("ol.kiosk-steps > li").count()
    next_step = page.locator(".kiosk-step-buttons .button-primary")
    for _ in range(total - 1):
        await expect(page.locator(".kiosk-feedback")).to_be_hidden()
        await next_step.tap()
    await expect(page.locator(".kiosk-feedback")).to_be_visible()
    # Going back a step does not take the question away again.
    await page.locator(".kiosk-step-buttons .button-secondary").first.tap()
    await expect(page.locator(".kiosk-feedback")).to_be_visible()
    async with page.expect_response(lambda r: r.url.endswith("/api/v1/feedback")) as sent:
        await page.locator("[data-helpful=no]").tap()
    assert (await sent.value).ok
    book = page.locator(".kiosk-feedback .kiosk-book")
    await expect(book).to_be_visible()
    href = await book.get_attribute("href")
    assert href is not None
    query = parse_qs(urlsplit(href).query)
    assert query["topic"] == [slug]
    assert query["channel"] == ["kiosk"]
    assert query["lang"] == [lang]
    assert query["near"] == ["dokk1"]
    violations = await axe_violations(page, ALL_IMPACTS)
    assert violations == [], describe(violations)
    await page.context.close()


VISIBLE_CONTROLS = """() => [...document.querySelectorAll('button, a.button, a.kiosk-language')]
    .filter(el => el.offsetParent !== null && !el.closest('[hidden]'))
    .map(el => { const r = el.getBoundingClientRect();
                 return {text: el.textContent.trim().slice(0, 40), h: r.height,
                         font: parseFloat(getComputedStyle(el).fontSize)}; })"""
TILES_BOX = """(selector) => { const rs = [...document.querySelectorAll(selector)]
    .map(el => el.getBoundingClientRect());
    return {n: rs.length, top: Math.min(...rs.map(r => r.top)),
            bottom: Math.max(...rs.map(r => r.bottom)),
            left: Math.min(...rs.map(r => r.left)), right: Math.max(...rs.map(r => r.right))}; }"""


@pytest.mark.parametrize("lang", ["da", "ar"])
async def test_sizes_for_old_eyes_and_fingers_on_a_portrait_kiosk(
    browser: Browser, live_server: str, real_kb: KnowledgeBase, lang: str
) -> None:
    page = await kiosk_page(browser, 1080, 1920)
    # The start screen: the language tiles fill the screen, not its top third.
    await page.goto(f"{live_server}/kiosk?location=dokk1")
    tiles = await page.evaluate(TILES_BOX, "a.kiosk-language")
    assert tiles["n"] == 8
    assert tiles["bottom"] >= 0.9 * 1920, tiles
    assert tiles["right"] - tiles["left"] >= 0.9 * 1080, tiles

    await page.goto(f"{live_server}/kiosk?location=dokk1&lang={lang}")
    # Every button at least 64 px high with a label of at least 24 px.
    for control in await page.evaluate(VISIBLE_CONTROLS):
        assert control["h"] >= 64, control
        assert control["font"] >= 24, control
    # The example questions and the topic tiles take the screen's width and reach its bottom.
    examples = await page.evaluate(TILES_BOX, ".kiosk-example")
    topics = await page.evaluate(TILES_BOX, ".kiosk-topic")
    assert topics["n"] == 8
    assert examples["right"] - examples["left"] >= 0.85 * 1080, examples
    assert topics["right"] - topics["left"] >= 0.85 * 1080, topics
    assert topics["bottom"] >= 0.85 * 1920, topics
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    violations = await axe_violations(page, ALL_IMPACTS)
    assert violations == [], describe(violations)

    # A guide: the step text is at least 28 px and not smaller than the summary.
    await page.locator("#kiosk-text").fill(
        real_kb.by_slug()["mitid-new-phone"].translations[lang].title
    )
    await page.locator(".kiosk-submit").tap()
    await expect(page.locator("article.kiosk-guide")).to_be_visible()
    sizes = await page.evaluate(
        """() => ({step: parseFloat(getComputedStyle(
                       document.querySelector('ol.kiosk-steps > li:not([hidden])')).fontSize),
                   summary: parseFloat(getComputedStyle(
                       document.querySelector('.kiosk-guide .font-lead')).fontSize)})"""
    )
    assert sizes["step"] >= 28, sizes
    assert sizes["step"] >= sizes["summary"], sizes
    for control in await page.evaluate(VISIBLE_CONTROLS):
        assert control["h"] >= 64, control
        assert control["font"] >= 24, control
    await page.context.close()


@pytest.mark.parametrize("lang", ["da", "ar"])
async def test_browse_by_topic_without_typing(
    browser: Browser, live_server: str, real_kb: KnowledgeBase, lang: str
) -> None:
    page = await kiosk_page(browser)
    await page.goto(f"{live_server}/kiosk?location=dokk1&lang={lang}")
    labels = [text.strip() for text in await page.locator(".kiosk-topic").all_inner_texts()]
    assert len(labels) == 8
    assert len(set(labels)) == 8
    if lang == "ar":  # translated, not the English labels (MitID is a name in every language)
        assert not {"Digital Post", "Tax", "Health", "Moving", "Pension"} & set(labels)
    await page.locator(".kiosk-topic[data-topic=passport-licence]").tap()
    choices = page.locator(".kiosk-topic-guides .kiosk-choice")
    titles = await choices.all_inner_texts()
    passport = real_kb.by_slug()["passport-book"].translations[lang].title
    assert passport in [title.strip() for title in titles]
    violations = await axe_violations(page, ALL_IMPACTS)
    assert violations == [], describe(violations)
    await choices.filter(has_text=passport).first.tap()
    guide = page.locator("article.kiosk-guide")
    await expect(guide.locator("h1")).to_have_text(passport)
    # No triage, so no "did this help?", but a person is offered, with the guide as topic.
    book = page.locator(".kiosk-human .kiosk-book")
    await expect(book).to_be_visible()
    assert "topic=passport-book" in (await book.get_attribute("href") or "")
    await page.context.close()


@pytest.mark.parametrize("lang", ["da", "ar"])
async def test_enter_asks_and_shift_enter_adds_a_line(
    browser: Browser, live_server: str, real_kb: KnowledgeBase, lang: str
) -> None:
    title = real_kb.by_slug()["mitid-new-phone"].translations[lang].title
    page = await kiosk_page(browser)
    await page.goto(f"{live_server}/kiosk?location=dokk1&lang={lang}")
    box = page.locator("#kiosk-text")
    await box.focus()
    await page.keyboard.type("MitID")
    await page.keyboard.press("Shift+Enter")
    await page.keyboard.type(title)
    assert await box.input_value() == f"MitID\n{title}"
    await expect(page.locator("#kiosk-ask")).to_be_visible()
    await box.fill(title)
    async with page.expect_response(lambda r: r.url.endswith("/api/v1/triage")) as asked:
        await page.keyboard.press("Enter")
    assert (await asked.value).ok
    await expect(page.locator("article.kiosk-guide")).to_be_visible()
    await page.context.close()


async def test_the_kiosk_sends_its_place_with_each_question(
    browser: Browser, live_server: str, db_engine: Engine
) -> None:
    from sqlalchemy import text

    from helpdesk.booking.models import Location
    from helpdesk.db import session_scope

    with session_scope(db_engine) as session:
        place = Location(slug="browser-kiosk-place", name="Kiosk library", kind="library")
        session.add(place)
        session.flush()
        place_id = place.id
    try:
        page = await kiosk_page(browser)
        await page.goto(f"{live_server}/kiosk?location=browser-kiosk-place&lang=da")
        await page.locator("#kiosk-text").fill("Jeg har glemt mit bruger-id til MitID")
        async with page.expect_response(lambda r: r.url.endswith("/api/v1/triage")) as asked:
            await page.locator(".kiosk-submit").tap()
        response = await asked.value
        assert response.ok
        sent = response.request.post_data_json
        assert sent["location"] == "browser-kiosk-place"
        assert sent["channel"] == "kiosk"
        token = (await response.json())["feedback_token"]
        await page.context.close()
        # The event is written in the background, within a second.
        for _ in range(100):
            with Session(db_engine) as session:
                event = session.exec(
                    select(TriageEvent).where(TriageEvent.feedback_token == token)
                ).first()
            if event is not None:
                break
            await asyncio.sleep(0.1)
        assert event is not None
        assert event.location_id == place_id
    finally:
        with db_engine.begin() as connection:
            connection.execute(text("DELETE FROM location WHERE slug = 'browser-kiosk-place'"))
