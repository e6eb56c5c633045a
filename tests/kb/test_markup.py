"""Guide Markdown through the sanitiser: only the allow-list reaches a citizen's page."""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser

import pytest
from markupsafe import Markup

from helpdesk.kb.content import KnowledgeBase
from helpdesk.kb.markup import render_inline, render_markdown

ALLOWED = {"p", "strong", "em", "a", "ul", "ol", "li", "br", "bdi"}


class _Elements(HTMLParser):
    """Every element and attribute the browser would build from the HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))


def elements(markup: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(markup)
    parser.close()
    return parser.elements


def not_isolates(markup: str) -> list[str]:
    """The elements other than the left-to-right isolates of phone numbers and links."""
    return [tag for tag, _ in elements(markup) if tag != "bdi"]


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def text_of(markup: str) -> str:
    parser = _Text()
    parser.feed(markup)
    parser.close()
    return "".join(parser.parts)


HOSTILE = [
    "<script>alert(1)</script>Open the app",
    "<SCRIPT src=https://evil.example/x.js></SCRIPT>",
    '<img src=x onerror="alert(1)">',
    "<b onmouseover=alert(1)>hover</b>",
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    "[click](http://insecure.example)",
    "[click](/relative/path)",
    "![a picture](https://example.com/cat.png)",
    '<iframe src="https://evil.example"></iframe>',
    "<style>body{display:none}</style>",
    "<!-- a comment --><div style='color:red'>x</div>",
    '[x](https://ok.example "title" ) <span class="x" id="y">y</span>',
    "<svg onload=alert(1)><use href='#x'/></svg>",
]


@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.parametrize("render", [render_markdown, render_inline])
def test_hostile_input_yields_only_the_allow_list(
    text: str, render: Callable[[str], Markup]
) -> None:
    out = str(render(text))
    for tag, attrs in elements(out):
        assert tag in ALLOWED, (text, out)
        if tag == "a":
            assert set(attrs) <= {"href", "rel"}, (text, out)
            href = attrs.get("href") or ""
            assert href.startswith(("https://", "mailto:", "tel:")), (text, out)
        elif tag == "bdi":
            assert attrs in ({"dir": "ltr"}, {"dir": "ltr", "class": "number"}), (text, out)
        else:
            assert attrs == {}, (text, out)
    lowered = out.lower()
    assert "<script" not in lowered
    assert "<img" not in lowered


def test_raw_html_is_text_never_markup() -> None:
    out = str(render_markdown("Tryk på <b>Næste</b> <script>alert(1)</script>"))
    assert elements(out) == []
    assert text_of(out) == "Tryk på <b>Næste</b> <script>alert(1)</script>"


def test_event_attributes_never_reach_an_element() -> None:
    out = str(render_markdown('<a href="https://x.dk" onclick="steal()">t</a> **ok**'))
    assert [tag for tag, _ in elements(out) if tag != "bdi"] == ["strong"]
    assert all("onclick" not in attrs for _, attrs in elements(out))


def test_javascript_link_stays_text() -> None:
    out = str(render_markdown("[Klik her](javascript:alert(document.cookie))"))
    assert elements(out) == []
    assert "<a" not in out


def test_images_are_not_rendered() -> None:
    out = str(render_markdown("![MitID](https://www.mitid.dk/logo.png)"))
    assert all(tag != "img" for tag, _ in elements(out))


def test_links_get_rel_noopener() -> None:
    out = str(
        render_markdown(
            "See [borger.dk](https://www.borger.dk/) or call [70 20 00 00](tel:+4570200000)."
        )
    )
    links = [attrs for tag, attrs in elements(out) if tag == "a"]
    assert links == [
        {"href": "https://www.borger.dk/", "rel": "noopener"},
        {"href": "tel:+4570200000", "rel": "noopener"},
    ]


def test_simple_markdown_renders() -> None:
    out = str(render_markdown("**Vigtigt:** tag _pas_ med\n\n- pas\n- sundhedskort", tight=False))
    assert [tag for tag, _ in elements(out)] == ["p", "strong", "em", "ul", "li", "li"]


def test_plain_text_comes_out_as_the_same_text() -> None:
    text = 'Åbn appen & tryk "Næste" (2 gange) – مرحبا'
    assert text_of(str(render_markdown(text))) == text
    assert elements(str(render_markdown(text))) == []
    assert str(render_markdown(text, tight=False)).startswith("<p>")
    assert text_of(str(render_inline(text))) == text


def test_inline_has_no_blocks() -> None:
    out = str(render_inline("- a list?\n\nTwo paragraphs **bold**"))
    assert {tag for tag, _ in elements(out)} <= {"strong", "em", "a", "br"}


def test_every_existing_guide_text_renders_unchanged(real_kb: KnowledgeBase) -> None:
    """Guide text without Markdown marks (most of it) reads exactly the same rendered."""
    marks = ("[", "*", "_", "`")
    for guide in real_kb.guides:
        for language, version in guide.translations.items():
            for text in [*version.steps, *version.bring]:
                if any(mark in text for mark in marks):
                    continue
                out = str(render_markdown(text))
                assert not_isolates(out) == [], (guide.slug, language, text, out)
                assert text_of(out) == text, (guide.slug, language, text)
            if any(mark in version.help_in_person for mark in marks):
                continue
            out = str(render_markdown(version.help_in_person, tight=False))
            assert not_isolates(out) == ["p"], (guide.slug, language)
            assert text_of(out) == version.help_in_person


PHONE = "+45 33 98 00 10"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (f"اتصل بالرقم {PHONE}.", f"اتصل بالرقم {PHONE}."),
        (f"با شماره {PHONE} تماس بگیرید", f"با شماره {PHONE} تماس بگیرید"),
        (f"Ring på [{PHONE}](tel:+4533980010) nu", f"Ring på {PHONE} nu"),
        (f"**{PHONE}**", PHONE),
    ],
)
def test_phone_numbers_are_isolated_left_to_right(text: str, shown: str) -> None:
    out = str(render_markdown(text))
    assert f'<bdi dir="ltr" class="number">{PHONE}</bdi>' in out, out
    assert text_of(out) == shown


@pytest.mark.parametrize(
    ("text", "isolated"),
    [
        ("انظر https://www.borger.dk/flyt.", '<bdi dir="ltr">https://www.borger.dk/flyt</bdi>'),
        ("بنویسید به help@aarhus.dk!", '<bdi dir="ltr">help@aarhus.dk</bdi>'),
        ("هاتف 70 10 18 18، اضغط", '<bdi dir="ltr" class="number">70 10 18 18</bdi>'),
        ("(+45) 89 40 10 40", '<bdi dir="ltr" class="number">(+45) 89 40 10 40</bdi>'),
        ("a?b=1&c=2 https://x.dk/?a=1&b=2", '<bdi dir="ltr">https://x.dk/?a=1&amp;b=2</bdi>'),
    ],
)
def test_links_addresses_and_numbers_are_isolated(text: str, isolated: str) -> None:
    for out in (str(render_markdown(text)), str(render_inline(text))):
        assert isolated in out, out
        assert text_of(out) == text


@pytest.mark.parametrize("text", ["الخطوة 2 من 5", "من 10 - 16", "Plads 2, 8000 Aarhus C", "112"])
def test_lone_numbers_and_ranges_are_left_alone(text: str) -> None:
    assert elements(str(render_markdown(text))) == []


def test_typed_bdi_stays_text_and_dir_is_only_ltr() -> None:
    out = str(render_markdown('<bdi dir="rtl" class="x">+45 1</bdi> <bdi onclick="x()">y</bdi>'))
    assert [attrs for tag, attrs in elements(out)] == [{"dir": "ltr", "class": "number"}]
    assert "&lt;bdi" in out
