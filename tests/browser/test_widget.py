"""The chat widget in a real browser: on the demo host page (strict CSP, aggressive CSS) and on a
page of another origin that allows only HOST; keyboard, screen reader, RTL, small screens, axe."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Locator, Page, Route, expect
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from helpdesk.events.models import TriageEvent
from tests.browser.conftest import axe_violations, describe

WIDGET = "helpdesk-widget"
MITID_QUESTION = "jeg har glemt min adgangskode til MitID"
PERSON_QUESTION = "jeg vil tale med en person"
# Genuinely ambiguous questions ("pas": for a child or an adult?); whether one of them gets
# "which of these?" depends on the tuned thresholds, so the tests use the first that does.
CLARIFY_CANDIDATES = ("pas", "digital post", "jeg har mistet", "post", "mistet")
ARABIC_MITID_QUESTION = "نسيت كلمة السر في MitID"
ALL_IMPACTS = ("minor", "moderate", "serious", "critical")

# Collects Content-Security-Policy violations; an init script is not itself subject to the CSP.
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


def w(selector: str) -> str:
    """A selector inside the widget's (open) shadow root; Playwright's CSS engine pierces it."""
    return f"{WIDGET} {selector}"


async def shadow_focus(page: Page) -> dict[str, Any]:
    """What has keyboard focus inside the widget (and whether the widget has it at all)."""
    result: dict[str, Any] = await page.evaluate(
        """() => {
        const host = document.querySelector("helpdesk-widget");
        const el = host.shadowRoot.activeElement;
        return {
          inWidget: document.activeElement === host,
          id: el ? el.id : null,
          classes: el ? Array.from(el.classList) : [],
        };
      }"""
    )
    return result


async def open_demo(page: Page, live_server: str, lang: str = "da") -> Locator:
    await page.add_init_script(WATCH_CSP)
    await page.goto(f"{live_server}/widget-demo?lang={lang}")
    launcher = page.locator(w(".hd-launcher"))
    await expect(launcher).to_be_visible()
    return launcher


async def ask(page: Page, question: str) -> dict[str, Any]:
    """Type a question in the open widget, send it with Enter, return the API's answer."""
    await page.locator(w(".hd-input")).fill(question)
    async with page.expect_response(lambda r: "/api/v1/triage" in r.url) as info:
        await page.keyboard.press("Enter")
    response = await info.value
    assert response.status == 200, await response.text()
    answer: dict[str, Any] = await response.json()
    return answer


async def a_clarify_question(live_server: str) -> str:
    async with httpx.AsyncClient(base_url=live_server) as client:
        for question in CLARIFY_CANDIDATES:
            response = await client.post("/api/v1/triage", json={"text": question, "lang": "da"})
            if response.json()["outcome"] == "clarify":
                return question
    pytest.fail(f"none of {CLARIFY_CANDIDATES} gets a clarify answer from the engine")


async def test_danish_conversation_by_keyboard(
    page: Page, live_server: str, db_engine: Engine
) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    launcher = await open_demo(page, live_server)

    # Open with the keyboard: the launcher is a real button; focus lands in the text field.
    assert await launcher.get_attribute("aria-expanded") == "false"
    panel_id = await launcher.get_attribute("aria-controls")
    await launcher.focus()
    await page.keyboard.press("Enter")
    await expect(page.locator(w(f"#{panel_id}"))).to_be_visible()
    assert await launcher.get_attribute("aria-expanded") == "true"
    assert (await shadow_focus(page))["id"] == "hd-input"
    log = page.locator(w(".hd-log"))
    assert await log.get_attribute("role") == "log"
    assert await log.get_attribute("aria-live") == "polite"
    assert await page.locator(w(".hd-root")).get_attribute("lang") == "da"

    # A question with a guide: a MitID card with its summary and its steps, in the widget (a
    # new tab would lose the conversation on a phone); the page is only an extra.
    answer = await ask(page, MITID_QUESTION)
    assert answer["outcome"] == "guide"
    slug = answer["matches"][0]["slug"]
    assert slug.startswith("mitid")
    card = page.locator(w(f".hd-card[data-slug='{slug}']"))
    await expect(card.locator(".hd-card-title")).to_contain_text("MitID")
    await expect(card.locator(".hd-card-summary")).not_to_be_empty()
    guide = httpx.get(f"{live_server}/api/v1/guides/{slug}?lang=da").json()
    steps = card.locator("ol.hd-steps > li")
    await expect(steps).to_have_count(len(guide["steps"]))
    await expect(steps.first).to_be_visible()
    await expect(card.locator("h4").first).to_have_text("Trin")
    link = card.locator("a.hd-page-link")
    assert await link.get_attribute("href") == f"{live_server}/guides/{slug}?lang=da"
    assert await link.get_attribute("target") == "_blank"
    assert "noopener" in (await link.get_attribute("rel") or "")
    await expect(log).to_contain_text(answer["message"])

    # "Did this help?" comes at the end: after the last step, not before the guide is read.
    feedback = page.locator(w(".hd-feedback")).last
    await expect(feedback).to_be_visible()
    last_step = await steps.last.bounding_box()
    asked = await feedback.bounding_box()
    assert last_step is not None
    assert asked is not None
    assert asked["y"] >= last_step["y"] + last_step["height"]
    # It is recorded with the triage event.
    await expect(feedback).to_have_attribute("role", "group")
    await feedback.locator("button").first.click()  # yes
    await expect(page.locator(w(".hd-feedback-thanks"))).to_be_visible()
    with Session(db_engine) as session:
        event = session.exec(
            select(TriageEvent).where(TriageEvent.feedback_token == answer["feedback_token"])
        ).one()
    assert event.helpful is True
    assert event.channel == "chat"
    assert event.ui_language == "da"

    # Clarify: one button per candidate; choosing one shows that guide's card.
    answer = await ask(page, await a_clarify_question(live_server))
    assert answer["outcome"] == "clarify"
    choices = page.locator(w(".hd-choices")).last.locator("button:not(.hd-none)")
    await expect(choices).to_have_count(len(answer["matches"]))
    # ...and "none of these" after them.
    await expect(page.locator(w(".hd-choices")).last.locator("button.hd-none")).to_have_count(1)
    chosen = answer["matches"][1]
    await choices.nth(1).focus()
    await page.keyboard.press("Enter")
    await expect(page.locator(w(f".hd-card[data-slug='{chosen['slug']}']"))).to_be_visible()
    await expect(choices.nth(1)).to_have_attribute("aria-pressed", "true")

    # Asking for a person: the booking link and where to get help in person.
    await page.locator(w(".hd-input")).focus()
    answer = await ask(page, PERSON_QUESTION)
    assert answer["outcome"] == "human"
    handoff = page.locator(w(".hd-handoff")).last
    await expect(handoff.locator("a")).to_have_attribute("href", f"{live_server}/book?lang=da")
    await expect(handoff).to_contain_text("Hack Kampmanns Plads 2, 8000 Aarhus C")

    # Escape closes; focus goes back to the launcher.
    await page.locator(w(".hd-input")).focus()
    await page.keyboard.press("Escape")
    await expect(page.locator(w(f"#{panel_id}"))).to_be_hidden()
    assert await launcher.get_attribute("aria-expanded") == "false"
    focus = await shadow_focus(page)
    assert focus["inWidget"]
    assert "hd-launcher" in focus["classes"]

    # Nothing left HOST, nothing was stored, the strict CSP was never violated.
    assert requests
    assert all(url.startswith(f"{live_server}/") for url in requests), requests
    assert await page.context.cookies() == []
    storage = await page.evaluate("() => [localStorage.length, sessionStorage.length]")
    assert storage == [0, 0]
    assert await page.evaluate("() => window.__cspViolations") == []


async def test_host_page_css_does_not_leak_in(page: Page, live_server: str) -> None:
    launcher = await open_demo(page, live_server)
    await launcher.click()
    await expect(page.locator(w(".hd-msg-bot")).first).to_be_visible()
    host_style = await page.evaluate(
        "() => getComputedStyle(document.querySelector('main p')).fontFamily"
    )
    assert "Georgia" in host_style  # the host page's own CSS is in force outside the widget

    def style_of(selector: str, prop: str) -> Any:
        return page.locator(w(selector)).first.evaluate(
            f"(el) => getComputedStyle(el).getPropertyValue('{prop}')"
        )

    for selector in (".hd-msg-bot", ".hd-launcher", ".hd-input", ".hd-title"):
        assert "Georgia" not in await style_of(selector, "font-family")
        assert "serif" not in (await style_of(selector, "font-family")).replace("sans-serif", "")
        assert await style_of(selector, "color") != "rgb(128, 0, 128)"  # the host's purple
        assert await style_of(selector, "letter-spacing") == "normal"
    await page.mouse.move(0, 0)  # not hovering the launcher
    assert await style_of(".hd-launcher", "background-color") == "rgb(0, 89, 179)"
    # The host's `button, input { border: 5px dashed lime !important }` stays outside too.
    assert await style_of(".hd-input", "border-top-style") == "solid"
    # The host's `html { font-size: 62.5% }` does not shrink the widget.
    assert await style_of(".hd-msg-bot", "font-size") == "16px"


async def test_cross_origin_host_page_with_strict_csp(browser: Browser, live_server: str) -> None:
    """Another site's page whose CSP allows only HOST: the widget loads, answers, stays inside.

    The host page itself is served by the browser's request routing (it is someone else's page);
    the widget, its stylesheet and the API are the real live server, called cross-origin (CORS).
    """
    # Another origin on loopback (localhost, not 127.0.0.1): a page on the public internet may
    # not load from loopback at all (Chromium's local network access rules), and a secure
    # context, which localhost is, may with the permission granted below. In production both
    # the host page and HOST are public, and none of this applies.
    host_page = live_server.replace("127.0.0.1", "localhost") + "/kommune/borgerservice"
    csp = (
        f"default-src 'none'; script-src {live_server}; style-src {live_server}; "
        f"connect-src {live_server}; img-src 'none'; base-uri 'none'; form-action 'none'"
    )
    html = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Kommune</title></head>'
        "<body><main><h1>Citizen service</h1><p>Opening hours 10-17.</p></main>"
        f'<script src="{live_server}/widget.js" defer></script></body></html>'
    )

    async def serve_host_page(route: Route) -> None:
        await route.fulfill(
            status=200,
            content_type="text/html; charset=utf-8",
            headers={"Content-Security-Policy": csp},
            body=html,
        )

    context = await browser.new_context(
        viewport={"width": 1280, "height": 900}, permissions=["local-network-access"]
    )
    try:
        await context.route(host_page, serve_host_page)
        page = await context.new_page()
        await page.add_init_script(WATCH_CSP)
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        await page.goto(host_page)
        launcher = page.locator(w(".hd-launcher"))
        await expect(launcher).to_be_visible()
        # The policy is really in force: an inline style is refused...
        await page.evaluate(
            "() => { const s = document.createElement('style'); s.textContent = 'p{}';"
            " document.head.append(s); }"
        )
        await page.wait_for_function("() => window.__cspViolations.length === 1")
        # ...and the widget works under it: no data-lang, <html lang="en"> → English.
        assert await page.locator(w(".hd-root")).get_attribute("lang") == "en"
        assert await launcher.evaluate("(el) => getComputedStyle(el).position") == "fixed"
        await launcher.click()
        answer = await ask(page, "I forgot my MitID password")
        assert answer["outcome"] == "guide"
        card = page.locator(w(f".hd-card[data-slug='{answer['matches'][0]['slug']}']"))
        await expect(card.locator(".hd-card-summary")).not_to_be_empty()
        await expect(card.locator(".hd-steps > li").first).to_be_visible()
        await page.locator(w(".hd-feedback button")).last.click()  # no
        await expect(page.locator(w(".hd-feedback-thanks"))).to_be_visible()
        await expect(page.locator(w(".hd-feedback .hd-handoff a"))).to_have_attribute(
            "href", f"{live_server}/book?topic={answer['matches'][0]['slug']}&lang=en"
        )
        assert await page.evaluate("() => window.__cspViolations.length") == 1  # only ours
        others = [u for u in requests if not u.startswith((f"{live_server}/", host_page))]
        assert others == [], others
        assert await context.cookies() == []
    finally:
        await context.close()


async def test_api_errors_and_network_failures_are_shown_kindly(
    page: Page, live_server: str
) -> None:
    launcher = await open_demo(page, live_server)
    await launcher.click()
    # An error from the API (a question over the 500-character limit: maxlength stops typing
    # it, not a script) is shown with the API's own message, in the widget's language.
    await page.locator(w(".hd-input")).evaluate("(el) => { el.value = 'x'.repeat(600); }")
    async with page.expect_response(lambda r: "/api/v1/triage" in r.url) as info:
        await page.keyboard.press("Enter")
    response = await info.value
    assert response.status == 422
    error = (await response.json())["error"]
    assert error["language"] == "da"
    await expect(page.locator(w(".hd-msg-error"))).to_contain_text(error["message"])

    # Offline: a kind retry message; back online, "try again" gets the answer.
    await page.context.set_offline(True)
    await page.locator(w(".hd-input")).fill(MITID_QUESTION)
    await page.keyboard.press("Enter")
    retry = page.locator(w(".hd-msg-error button"))
    await expect(retry).to_be_visible()
    await page.context.set_offline(False)
    await retry.click()
    await expect(page.locator(w(".hd-card"))).to_be_visible()
    await expect(page.locator(w(".hd-msg-error"))).to_have_count(1)  # the retry note is gone


async def test_arabic_is_right_to_left(page: Page, live_server: str) -> None:
    launcher = await open_demo(page, live_server, "ar")
    root = page.locator(w(".hd-root"))
    assert await root.get_attribute("dir") == "rtl"
    assert await root.get_attribute("lang") == "ar"
    await launcher.click()
    answer = await ask(page, ARABIC_MITID_QUESTION)
    assert answer["outcome"] == "guide"
    assert answer["language"] == "ar"
    await expect(page.locator(w(".hd-card"))).to_be_visible()
    # Mirrored, not only right-aligned: the widget sits bottom-left, the citizen's own message
    # on the left of the log, the help desk's on the right.
    panel = await page.locator(w(".hd-panel")).bounding_box()
    user = await page.locator(w(".hd-msg-user")).first.bounding_box()
    bot = await page.locator(w(".hd-msg-bot")).first.bounding_box()
    assert panel is not None
    assert user is not None
    assert bot is not None
    assert panel["x"] < 100
    assert user["x"] < bot["x"]
    assert user["x"] + user["width"] < bot["x"] + bot["width"]
    direction = await page.locator(w(".hd-card-title")).evaluate(
        "(el) => getComputedStyle(el).direction"
    )
    assert direction == "rtl"
    # The language switch in the panel: each language in its own name, and back to Danish.
    switch = page.locator(w(".hd-language"))
    await expect(switch.locator("option[value='fa']")).to_have_attribute("lang", "fa")
    await switch.select_option("da")
    assert await root.get_attribute("dir") == "ltr"
    assert await root.get_attribute("lang") == "da"


async def test_usable_at_360_pixels(browser: Browser, live_server: str) -> None:
    context = await browser.new_context(viewport={"width": 360, "height": 720}, has_touch=True)
    try:
        page = await context.new_page()
        launcher = await open_demo(page, live_server)
        await launcher.click()
        await ask(page, MITID_QUESTION)
        await expect(page.locator(w(".hd-steps > li")).first).to_be_visible()
        await expect(page.locator(w(".hd-feedback"))).to_be_visible()
        panel = await page.locator(w(".hd-panel")).bounding_box()
        assert panel is not None
        assert panel["x"] >= 0
        assert panel["x"] + panel["width"] <= 360
        assert panel["width"] >= 340  # full width on a small screen
        for selector in (".hd-input", ".hd-send", ".hd-close", ".hd-card a", ".hd-steps"):
            box = await page.locator(w(selector)).first.bounding_box()
            assert box is not None
            assert box["x"] >= 0
            assert box["x"] + box["width"] <= 360, selector
        # Touch targets at least 44×44 CSS px (links inside a step's sentence are text, as
        # WCAG 2.5.8 allows for inline links).
        controls = page.locator(", ".join(w(tag) for tag in ("button", "a", "select", "input")))
        for i in range(await controls.count()):
            control = controls.nth(i)
            if not await control.is_visible():
                continue
            if await control.evaluate("(el) => !!el.closest('.hd-steps, .hd-bring')"):
                continue
            box = await control.bounding_box()
            assert box is not None
            assert box["width"] >= 44
            assert box["height"] >= 44, await control.evaluate("(el) => el.outerHTML")
        scroll_width = await page.evaluate("() => document.documentElement.scrollWidth")
        assert scroll_width <= 360
    finally:
        await context.close()


async def _axe_with_widget_open(browser: Browser, live_server: str, lang: str) -> list[Any]:
    # axe is injected as an inline script, which the demo page's strict CSP would refuse.
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    try:
        page = await context.new_page()
        launcher = await open_demo(page, live_server, lang)
        await launcher.click()
        await ask(page, MITID_QUESTION)
        await expect(page.locator(w(".hd-card-summary")).first).not_to_be_empty()
        await expect(page.locator(w(".hd-steps > li")).first).to_be_visible()
        await expect(page.locator(w(".hd-feedback"))).to_be_visible()
        await ask(page, await a_clarify_question(live_server))
        await expect(page.locator(w(".hd-choice")).first).to_be_visible()
        await ask(page, PERSON_QUESTION)
        await expect(page.locator(w(".hd-handoff"))).to_be_visible()
        return await axe_violations(page, ALL_IMPACTS)
    finally:
        await context.close()


async def test_accessibility_in_danish(browser: Browser, live_server: str) -> None:
    violations = await _axe_with_widget_open(browser, live_server, "da")
    assert violations == [], describe(violations)


async def test_accessibility_in_arabic(browser: Browser, live_server: str) -> None:
    violations = await _axe_with_widget_open(browser, live_server, "ar")
    assert violations == [], describe(violations)


CRISIS_QUESTIONS = {
    "da": "jeg har ikke lyst til at leve mere",
    "ar": "أفكر أن أنهي حياتي",
}


@pytest.mark.parametrize("lang", ["da", "ar"])
async def test_a_crisis_answer_is_shown_first_with_numbers_to_tap(
    browser: Browser, live_server: str, lang: str
) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    try:
        page = await context.new_page()
        launcher = await open_demo(page, live_server, lang)
        await launcher.click()
        answer = await ask(page, CRISIS_QUESTIONS[lang])
        assert (answer["reason"], answer["answer"]["category"]) == ("sensitive", "crisis")
        card = page.locator(w(".hd-crisis"))
        await expect(card).to_be_visible()
        await expect(card).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")
        assert await card.locator("a[href^='tel:']").count() >= 1
        # The person offer comes with it.
        await expect(page.locator(w(".hd-handoff"))).to_be_visible()
        violations = await axe_violations(page, ALL_IMPACTS)
        assert violations == [], describe(violations)
    finally:
        await context.close()


async def test_none_of_these_leads_to_a_person(page: Page, live_server: str) -> None:
    launcher = await open_demo(page, live_server, "da")
    await launcher.click()
    await ask(page, await a_clarify_question(live_server))
    async with page.expect_response(lambda r: "/api/v1/feedback" in r.url) as sent:
        await page.locator(w(".hd-none")).click()
    assert (await sent.value).ok
    await expect(page.locator(w(".hd-handoff"))).to_be_visible()


async def test_the_guide_is_read_in_the_widget_then_no_hands_off_with_the_topic(
    page: Page, live_server: str, db_engine: Engine
) -> None:
    launcher = await open_demo(page, live_server, "ar")
    await launcher.click()
    answer = await ask(page, ARABIC_MITID_QUESTION)
    assert answer["outcome"] == "guide"
    slug = answer["matches"][0]["slug"]
    card = page.locator(w(f".hd-card[data-slug='{slug}']"))
    steps = card.locator("ol.hd-steps")
    await expect(steps.locator("li").first).to_be_visible()
    # Right to left, numbers on the right of the steps.
    assert await steps.get_attribute("dir") == "rtl"
    box = await steps.bounding_box()
    first = await steps.locator("li").first.bounding_box()
    assert box is not None
    assert first is not None
    assert box["x"] + box["width"] - (first["x"] + first["width"]) > 8
    pages_before = len(page.context.pages)
    # "No": recorded, then the hand-off, whose booking link keeps the topic.
    async with page.expect_response(lambda r: "/api/v1/feedback" in r.url) as sent:
        await page.locator(w(".hd-feedback button")).nth(1).click()
    assert (await sent.value).ok
    handoff = page.locator(w(".hd-feedback .hd-handoff"))
    await expect(handoff).to_be_visible()
    book = handoff.locator("a.hd-button")
    assert await book.get_attribute("href") == f"{live_server}/book?topic={slug}&lang=ar"
    assert len(page.context.pages) == pages_before  # no tab was opened on the way
    with Session(db_engine) as session:
        event = session.exec(
            select(TriageEvent).where(TriageEvent.feedback_token == answer["feedback_token"])
        ).one()
    assert event.helpful is False
