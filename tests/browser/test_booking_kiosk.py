"""A booking started on the kiosk stays in the kiosk frame (issue #15, item 1): the kiosk's bar
and text size, its idle countdown and reset (nothing typed survives), and a receipt screen with
"Done", a printable slip without personal data and the reference read aloud."""

from __future__ import annotations

import contextlib
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.async_api import Browser, Page, expect
from playwright.async_api import Error as PlaywrightError

from helpdesk.kb.content import KnowledgeBase
from tests.booking.conftest import World, world  # noqa: F401  (the booking world fixture)
from tests.browser.conftest import axe_violations, describe

ALL_IMPACTS = ("minor", "moderate", "serious", "critical")
NAME = "Karen Jensen"
PHONE = "20 30 40 50"

# Headless Chromium has no speech voices. This stands in for the browser's speech synthesis with
# one voice in every language and records what the page asks it to say.
SPEECH_STAND_IN = """
window.__spoken = [];
class Utterance { constructor(text) { this.text = text; this.lang = ""; this.voice = null; } }
Object.defineProperty(window, "SpeechSynthesisUtterance", { value: Utterance });
Object.defineProperty(window, "speechSynthesis", { value: {
  speaking: false,
  getVoices: () => ["da-DK", "ar-SA", "en-GB"].map((lang) => ({ lang, name: lang })),
  speak: (u) => window.__spoken.push({ text: u.text, lang: u.lang }),
  cancel: () => {},
  addEventListener: () => {},
} });
"""


async def kiosk_page(browser: Browser) -> Page:
    context = await browser.new_context(viewport={"width": 1080, "height": 1920}, has_touch=True)
    await context.add_init_script(SPEECH_STAND_IN)
    return await context.new_page()


@pytest.mark.parametrize("lang", ["da", "ar"])
async def test_from_the_kiosk_the_booking_form_stays_in_the_frame_and_idle_wipes_it(
    browser: Browser,
    live_server: str,
    world: World,  # noqa: F811
    lang: str,
) -> None:
    slot = world.slot(capacity=2, languages=",ar,da,")
    page = await kiosk_page(browser)
    await page.goto(f"{live_server}/kiosk?location=dokk1&lang={lang}")
    await page.locator("[data-textsize='1']").tap()
    await page.locator("#kiosk-person").tap()
    await page.locator(".kiosk-human .kiosk-book").tap()
    await page.wait_for_url("**/book?**")
    query = parse_qs(urlsplit(page.url).query)
    assert query["channel"] == ["kiosk"]
    assert query["near"] == ["dokk1"]
    # The kiosk's frame: its bar and text size, not the website's header.
    await expect(page.locator("body.kiosk-frame .kiosk-bar .kiosk-restart")).to_be_visible()
    assert await page.locator(".site-header").count() == 0
    await expect(page.locator("html")).to_have_class("kiosk-size-1")
    assert await page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
    violations = await axe_violations(page, ALL_IMPACTS)
    assert violations == [], describe(violations)

    await page.locator(f"a[href^='/book/slots/{slot}?']").first.tap()
    await page.wait_for_url(f"**/book/slots/{slot}?**")
    await expect(page.locator("html")).to_have_class("kiosk-size-1")
    await expect(page.locator(".kiosk-bar")).to_be_visible()
    for selector in ("#booking-name", "#booking-phone"):
        assert await page.get_attribute(selector, "autocomplete") == "off"
    violations = await axe_violations(page, ALL_IMPACTS)
    assert violations == [], describe(violations)
    await page.locator("#booking-name").fill(NAME)
    await page.locator("#booking-phone").fill(PHONE)

    # Left alone: the countdown, then the kiosk's start screen, and nothing typed is left.
    await expect(page.locator("#kiosk-idle")).to_be_visible(timeout=15_000)
    await page.wait_for_url(f"{live_server}/kiosk?location=dokk1", timeout=15_000)
    await expect(page.locator("a.kiosk-language")).to_have_count(8)
    assert NAME not in await page.content()
    await page.go_back()
    await page.wait_for_load_state()
    # Every kiosk screen replaced the one before: "back" finds no page with the form.
    assert "/book" not in page.url
    await expect(page.locator("html")).not_to_contain_text(NAME)
    assert world.get_slot(slot).booked == 0
    await page.context.close()


@pytest.mark.parametrize("lang", ["da", "ar"])
async def test_a_kiosk_booking_ends_on_a_receipt_screen_with_a_slip(
    browser: Browser,
    live_server: str,
    world: World,  # noqa: F811
    real_kb: KnowledgeBase,
    lang: str,
) -> None:
    slot = world.slot(capacity=2, session_type=world.citizen, languages=",ar,da,")
    page = await kiosk_page(browser)
    await page.goto(
        f"{live_server}/book?topic=passport-book&channel=kiosk&near=dokk1&textsize=2&lang={lang}"
    )
    await page.locator(f"a[href^='/book/slots/{slot}?']").first.tap()
    await page.wait_for_url(f"**/book/slots/{slot}?**")
    # A mistake first: focus goes to the list of what to correct.
    await page.locator("#booking-name").fill(NAME)
    await page.locator(".booking-form button[type=submit]").tap()
    await expect(page.locator("#form-errors")).to_be_focused()
    await expect(page.locator(".kiosk-bar")).to_be_visible()
    await page.locator("#booking-phone").fill(PHONE)
    await page.locator(".booking-form button[type=submit]").tap()
    await page.wait_for_url("**/book/receipt/**")
    assert world.get_slot(slot).booked == 1

    # The receipt stays in the frame, at the citizen's text size, with "Done" and no .ics.
    await expect(page.locator("html")).to_have_class("kiosk-size-2")
    await expect(page.locator(".kiosk-bar")).to_be_visible()
    await expect(page.locator(".kiosk-done")).to_be_visible()
    assert await page.locator("a[download]").count() == 0
    reference = (await page.locator(".booking-reference strong").inner_text()).strip()
    assert reference
    violations = await axe_violations(page, ALL_IMPACTS)
    assert violations == [], describe(violations)

    # The reference is read aloud in the page's language, letter by letter.
    await expect(page.locator(".kiosk-read-reference")).to_be_visible()
    spoken = await page.evaluate("window.__spoken")
    assert spoken
    assert spoken[-1]["lang"] == lang
    letters = " ".join(reference.replace("-", ""))
    assert letters.replace(" ", "") in spoken[-1]["text"].replace(" ", "").replace(",", "")

    # The printed slip: reference, time, place, what to bring; no bar, no buttons, no name.
    bring = real_kb.by_slug()["passport-book"].translations[lang].bring
    await page.emulate_media(media="print")
    slip = page.locator(".booking-slip")
    await expect(slip).to_be_visible()
    await expect(page.locator(".kiosk-bar")).to_be_hidden()
    await expect(page.locator(".kiosk-receipt-actions")).to_be_hidden()
    printed = await page.evaluate("document.body.innerText")
    assert reference in printed
    assert "Dokk1" in printed
    assert bring[0].split("(")[0].strip()[:20] in printed
    assert NAME not in printed
    assert "30 40" not in printed
    await page.emulate_media(media="screen")
    await page.evaluate("window.print = () => { window.__printed = true; }")
    await page.locator(".kiosk-print").tap()
    assert await page.evaluate("window.__printed") is True

    # "Done": back to the kiosk's start, and "back" does not bring the receipt back.
    await page.locator(".kiosk-done").tap()
    await page.wait_for_url(f"{live_server}/kiosk?location=dokk1")
    # The entry before is the form sent with a mistake: the browser will not show a page that
    # was the answer to a form without sending it again (net::ERR_CACHE_MISS), which is fine.
    with contextlib.suppress(PlaywrightError):
        await page.go_back()
    await page.wait_for_load_state()
    # (A page reached with "back" starts over by itself: the assertions wait for that.)
    await expect(page.locator("html")).not_to_contain_text(reference)
    await expect(page.locator("html")).not_to_contain_text(NAME)
    await page.context.close()


async def test_cancel_or_move_from_the_kiosk_stays_in_the_frame(
    browser: Browser,
    live_server: str,
    world: World,  # noqa: F811
) -> None:
    world.slot()
    page = await kiosk_page(browser)
    await page.goto(f"{live_server}/book?channel=kiosk&near=dokk1&lang=da")
    await page.locator("a[href^='/book/manage']").tap()
    await page.wait_for_url("**/book/manage?**")
    query = parse_qs(urlsplit(page.url).query)
    assert query["channel"] == ["kiosk"]
    assert query["near"] == ["dokk1"]
    await expect(page.locator(".kiosk-bar .kiosk-restart")).to_be_visible()
    assert await page.locator(".site-header").count() == 0
    violations = await axe_violations(page, ALL_IMPACTS)
    assert violations == [], describe(violations)
    await page.context.close()
