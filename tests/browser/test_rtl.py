"""Right to left in a real browser: numbers keep their order, controls and bullets mirror.

Every renderer, in Arabic and Persian: the public guide page, the staff side-by-side view, the
A4 handout, the kiosk and the chat widget (e-mails and calendar files are plain text:
tests/booking/test_mail.py).

Positions are measured, not assumed: the x of each digit group of a phone number, of a radio
button against its label's text, of a list bullet against its item's text.
"""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page, expect
from sqlalchemy.engine import Engine

from helpdesk.kb.content import KnowledgeBase
from tests.booking.conftest import World, world  # noqa: F401  (the booking world fixture)
from tests.browser.test_staff import signed_in
from tests.browser.test_widget import WIDGET

PHONE = "+45 89 40 10 40"

# The left and top edges of each space-separated group of ``phone`` inside ``root``'s text, in
# the order the groups are written (the first text node holding the whole number).
_GROUP_XS = """([root, phone]) => {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(phone);
    if (at < 0) continue;
    const xs = [];
    let offset = at;
    for (const group of phone.split(" ")) {
      const range = document.createRange();
      range.setStart(node, offset);
      range.setEnd(node, offset + group.length);
      const rect = range.getBoundingClientRect();
      xs.push([rect.left, rect.top]);
      offset += group.length + 1;
    }
    return xs;
  }
  return null;
}"""

# An element's text (not its padding or pseudo-elements) as a rectangle.
_TEXT_BOX = """(element) => {
  const range = document.createRange();
  range.selectNodeContents(element);
  const r = range.getBoundingClientRect();
  return { left: r.left, right: r.right };
}"""

# Where an item's bullet (dkfds draws it as an absolutely placed ::before) is drawn.
_BULLET_BOX = """(li) => {
  const box = li.getBoundingClientRect();
  const before = getComputedStyle(li, "::before");
  const left = box.left + parseFloat(before.left);
  return { left, right: left + parseFloat(before.width) };
}"""


async def group_xs(page: Page, root_selector: str, phone: str = PHONE) -> list[float]:
    """The x of each digit group, after checking that the number is drawn on one line."""
    root = await page.query_selector(root_selector)
    assert root is not None, root_selector
    boxes = await page.evaluate(_GROUP_XS, [root, phone])
    assert boxes is not None, f"{phone} not in {root_selector}"
    tops = {round(top) for _, top in boxes}
    assert len(tops) == 1, f"{phone} is broken over lines: {boxes}"
    return [x for x, _ in boxes]


def reads_left_to_right(xs: list[float]) -> bool:
    """The groups are drawn in the order they are written, from left to right."""
    return xs == sorted(xs) and xs[0] < xs[-1] - 40


@pytest.mark.parametrize("language", ["ar", "fa"])
async def test_a_phone_number_reads_left_to_right_in_an_rtl_guide(
    page: Page, live_server: str, language: str
) -> None:
    await page.goto(f"{live_server}/guides/cpr-newcomer?lang={language}")
    assert await page.get_attribute("html", "dir") == "rtl"
    xs = await group_xs(page, "ol.guide-steps")
    # "+45" is the leftmost group and the others follow it to the right: +45 89 40 10 40.
    assert reads_left_to_right(xs), xs
    # The control: the same number typed into right-to-left text without the isolate is
    # drawn "40 10 40 89 45+", the bug this guards against (so the measurement can see it).
    await page.evaluate(
        """(phone) => {
          const p = document.createElement("p");
          p.id = "control";
          p.dir = "rtl";
          p.textContent = "اتصل بالرقم " + phone + " الآن";
          document.querySelector("main").append(p);
        }""",
        PHONE,
    )
    reversed_xs = await group_xs(page, "#control")
    assert reversed_xs == sorted(reversed_xs, reverse=True), reversed_xs


@pytest.mark.parametrize("language", ["ar", "fa"])
async def test_numbers_and_bullets_in_the_side_by_side_view(
    browser: Browser, live_server: str, db_engine: Engine, language: str
) -> None:
    context = await signed_in(browser, live_server, db_engine)
    page = await context.new_page()
    await page.goto(f"{live_server}/staff/guides/cpr-newcomer?citizen={language}")
    citizen = f"article.guide-column[lang={language}]"
    assert await page.get_attribute(citizen, "dir") == "rtl"
    xs = await group_xs(page, citizen)
    assert reads_left_to_right(xs), xs
    for column, bullet_on_the_right in ((citizen, True), ("article.guide-column[lang=da]", False)):
        item = page.locator(f"{column} ul.guide-bring > li").first
        text = await item.evaluate(_TEXT_BOX)
        bullet = await item.evaluate(_BULLET_BOX)
        if bullet_on_the_right:
            assert bullet["left"] >= text["right"] - 1, (column, bullet, text)
        else:
            assert bullet["right"] <= text["left"] + 1, (column, bullet, text)
    await context.close()


@pytest.mark.parametrize("language", ["ar", "da"])
async def test_list_markers_sit_at_the_start_of_the_line(
    page: Page, live_server: str, language: str
) -> None:
    await page.goto(f"{live_server}/guides/cpr-newcomer?lang={language}")
    rtl = language == "ar"
    for item in await page.locator("ul.guide-bring > li").all():
        text = await item.evaluate(_TEXT_BOX)
        bullet = await item.evaluate(_BULLET_BOX)
        if rtl:
            assert bullet["left"] >= text["right"] - 1, (bullet, text)
        else:
            assert bullet["right"] <= text["left"] + 1, (bullet, text)
    # Numbered steps: the room for the numbers is on the start side.
    steps = await page.locator("ol.guide-steps").bounding_box()
    first = await page.locator("ol.guide-steps > li").first.bounding_box()
    assert steps is not None
    assert first is not None
    room_right = steps["x"] + steps["width"] - (first["x"] + first["width"])
    room_left = first["x"] - steps["x"]
    assert (room_right > room_left + 16) if rtl else (room_left > room_right + 16)


Box = dict[str, float]


async def _control_beside_its_text(page: Page, control: str) -> tuple[Box, Box]:
    """The control's box (where dkfds draws the circle or square) and its label's words."""
    box = await page.locator(control).first.evaluate(
        "(el) => { const r = el.getBoundingClientRect(); return {left: r.left, right: r.right}; }"
    )
    text = await page.locator(f"{control} + label").first.evaluate(_TEXT_BOX)
    return box, text


@pytest.mark.parametrize("language", ["ar", "da"])
async def test_radio_buttons_and_check_boxes_sit_at_the_start_of_their_label(
    page: Page,
    live_server: str,
    world: World,  # noqa: F811
    language: str,
) -> None:
    slot = world.slot(capacity=2, session_type=world.citizen, languages=",ar,da,")
    await page.goto(f"{live_server}/book?lang={language}")
    radio, radio_text = await _control_beside_its_text(page, "input.form-radio")
    await page.goto(f"{live_server}/book/slots/{slot}?lang={language}")
    checkbox, checkbox_text = await _control_beside_its_text(page, "#need-interpreter")
    for box, text in ((radio, radio_text), (checkbox, checkbox_text)):
        if language == "ar":  # to the right of the words, as the A4 handout does it
            assert box["left"] >= text["right"], (box, text)
        else:
            assert box["right"] <= text["left"], (box, text)


async def test_the_staff_session_form_mirrors_in_arabic(
    browser: Browser,
    live_server: str,
    db_engine: Engine,
    world: World,  # noqa: F811
) -> None:
    context = await signed_in(browser, live_server, db_engine)
    page = await context.new_page()
    await page.goto(f"{live_server}/staff/sessions/new?location=dokk1&channel=walk_in&lang=ar")
    assert await page.get_attribute("html", "dir") == "rtl"
    for control in ("#session-interpreter", ".topic-list input.form-checkbox"):
        box, text = await _control_beside_its_text(page, control)
        assert box["left"] >= text["right"], (control, box, text)
    await context.close()


@pytest.mark.parametrize("language", ["ar", "fa"])
async def test_a_phone_number_reads_left_to_right_on_the_a4_handout(
    browser: Browser, live_server: str, db_engine: Engine, language: str
) -> None:
    context = await signed_in(browser, live_server, db_engine)
    page = await context.new_page()
    await page.goto(f"{live_server}/staff/guides/cpr-newcomer/print?citizen={language}")
    await page.emulate_media(media="print")
    assert await page.get_attribute("html", "dir") == "rtl"
    xs = await group_xs(page, "main")
    assert reads_left_to_right(xs), xs
    await context.close()


# A question the guide itself lists as a search phrase (from the knowledge base, not from an
# evaluation set), so that triage opens cpr-newcomer.
KIOSK_QUESTIONS = {
    "ar": "كيف أحصل على رقم CPR لما أكون جديد بالدنمارك",
    "fa": "چطوری شماره CPR بگیرم تازه اومدم",
}


@pytest.mark.parametrize("language", ["ar", "fa"])
async def test_numbers_and_bullets_in_the_kiosk_guide(
    browser: Browser, live_server: str, language: str
) -> None:
    context = await browser.new_context(viewport={"width": 1080, "height": 1920}, has_touch=True)
    page = await context.new_page()
    await page.goto(f"{live_server}/kiosk?location=dokk1&lang={language}")
    assert await page.get_attribute("html", "dir") == "rtl"
    await page.locator("#kiosk-text").fill(KIOSK_QUESTIONS[language])
    await page.locator(".kiosk-submit").tap()
    guide = page.locator("article.kiosk-guide")
    await guide.wait_for()
    assert await guide.get_attribute("dir") == "rtl"
    await page.locator(".kiosk-toggle-steps").tap()  # all the steps, the number among them
    assert reads_left_to_right(await group_xs(page, "article.kiosk-guide ol.kiosk-steps"))
    assert reads_left_to_right(await group_xs(page, "article.kiosk-guide .kiosk-help"))
    # What to bring: the bullets sit at the start of the line, on the right.
    items = await guide.locator("ul > li").all()
    assert items
    for item in items:
        text = await item.evaluate(_TEXT_BOX)
        bullet = await item.evaluate(_BULLET_BOX)
        assert bullet["left"] >= text["right"] - 1, (bullet, text)
    await context.close()


@pytest.mark.parametrize(
    ("language", "question"),
    [
        # Crisis phrases from the knowledge base's own entry (crisis-suicide).
        ("ar", "أفكر أن أنهي حياتي"),
        ("fa", "می‌خواهم خودکشی کنم"),
    ],
)
async def test_a_phone_number_reads_left_to_right_in_the_widget(
    browser: Browser, live_server: str, language: str, question: str
) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = await context.new_page()
    await page.goto(f"{live_server}/widget-demo?lang={language}")
    await page.locator(f"{WIDGET} .hd-launcher").click()
    await page.locator(f"{WIDGET} .hd-input").fill(question)
    await page.keyboard.press("Enter")
    card = page.locator(f"{WIDGET} .hd-crisis")
    await card.wait_for()
    assert await card.get_attribute("dir") == "rtl"
    # Lægevagten's number, in the crisis entry's steps (tap-to-call links in an isolate).
    xs = await group_xs(page, f"{WIDGET} .hd-crisis .hd-entry-steps", "70 11 31 31")
    assert reads_left_to_right(xs), xs


@pytest.mark.parametrize("language", ["ar", "fa"])
async def test_the_kiosk_guide_mirrors_bullets_and_numbers(
    browser: Browser, live_server: str, real_kb: KnowledgeBase, language: str
) -> None:
    guide = real_kb.by_slug()["cpr-newcomer"]
    assert guide.translations[language].bring
    context = await browser.new_context(viewport={"width": 1080, "height": 1920}, has_touch=True)
    page = await context.new_page()
    await page.goto(f"{live_server}/kiosk?location=dokk1&lang={language}")
    await page.locator("#kiosk-text").fill(guide.translations[language].title)
    await page.locator(".kiosk-submit").tap()
    article = page.locator("article.kiosk-guide")
    await expect(article).to_have_attribute("dir", "rtl")
    # One step at a time, the counter and the step in one live region read as a whole: "Next"
    # announces the step itself, not only "Step 2 of 7".
    view = article.locator(".kiosk-step-view")
    await expect(view).to_have_attribute("aria-live", "polite")
    await expect(view).to_have_attribute("aria-atomic", "true")
    await page.locator(".kiosk-step-buttons .button-primary").tap()
    await expect(view.locator("ol > li:visible")).to_have_count(1)
    await expect(view.locator(".kiosk-step-counter")).not_to_be_empty()
    await page.locator(".kiosk-toggle-steps").tap()  # the whole list
    for item in await article.locator("ul > li").all():
        text = await item.evaluate(_TEXT_BOX)
        bullet = await item.evaluate(_BULLET_BOX)
        assert bullet["left"] >= text["right"] - 1, (bullet, text)
    steps = await article.locator("ol.kiosk-steps").bounding_box()
    first = await article.locator("ol.kiosk-steps > li").first.bounding_box()
    assert steps is not None
    assert first is not None
    room_right = steps["x"] + steps["width"] - (first["x"] + first["width"])
    room_left = first["x"] - steps["x"]
    assert room_right > room_left + 16, (steps, first)
    await context.close()
