"""Guide text as citizens see it: a little Markdown, through a sanitiser, to safe HTML.

Steps, what to bring and help in person may use simple Markdown (bold, italic, links, lists).
The content model stays plain text; this module turns it into HTML wherever a guide is shown
(guide pages, the staff pages, the print handout, the kiosk and widget via the API, the
workshop's preview). Two layers keep script out of a citizen's page:

1. markdown-it-py runs with raw HTML switched off, so ``<script>`` typed into a step is text,
   never markup, and it refuses ``javascript:``/``data:`` links itself;
2. nh3 (the ammonia sanitiser) then keeps only a tiny allow-list: p, strong, em, br, ul, ol, li,
   a with an https, mailto or tel ``href`` (every link gets ``rel="noopener"``), and bdi with
   ``dir="ltr"`` (and ``class="number"``) and nothing else.

Between the two, phone numbers, codes, links and e-mail addresses in the text are isolated
left to right (``<bdi dir="ltr">``, :mod:`helpdesk.bidi`), so that "+45 33 98 00 10" reads the
same in an Arabic or Persian guide as in a Danish one. Markdown cannot produce a ``bdi`` itself
(raw HTML is off), so every one in the output is ours.

Plain text (everything in the guide files so far) comes out as the same text, escaped, its
phone numbers and links isolated.
"""

from __future__ import annotations

from functools import cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

from helpdesk.bidi import isolate_html

BLOCK_TAGS = frozenset({"p", "strong", "em", "a", "ul", "ol", "li", "br", "bdi"})
INLINE_TAGS = frozenset({"strong", "em", "a", "br", "bdi"})
LINK_SCHEMES = frozenset({"https", "mailto", "tel"})
LINK_REL = "noopener"
# Everything else Markdown knows is switched off: headings, images, code, quotes, tables...
# typed by accident they stay the characters that were typed.
_ENABLED_BLOCK_RULES = ["list", "paragraph"]
_ENABLED_INLINE_RULES = ["text", "newline", "escape", "emphasis", "link", "autolink"]


def _allowed_link(url: str) -> bool:
    """Only https, mailto and tel become links; anything else stays the text that was typed."""
    scheme, colon, _ = url.strip().partition(":")
    return bool(colon) and scheme.lower() in LINK_SCHEMES


@cache
def _parser() -> MarkdownIt:
    parser = MarkdownIt("zero", {"html": False, "breaks": True, "typographer": False})
    parser.enable(_ENABLED_BLOCK_RULES + _ENABLED_INLINE_RULES)
    parser.validateLink = _allowed_link  # type: ignore[method-assign]
    return parser


def _sanitise(html: str, tags: frozenset[str]) -> str:
    return nh3.clean(
        isolate_html(html),
        tags=set(tags),
        clean_content_tags={"script", "style"},
        attributes={"a": {"href"}, "*": set()},
        tag_attribute_values={"bdi": {"dir": {"ltr"}, "class": {"number"}}},
        url_schemes=set(LINK_SCHEMES),
        url_relative="deny",
        link_rel=LINK_REL,
        strip_comments=True,
    ).strip()


def render_markdown(text: str, *, tight: bool = True) -> Markup:
    """Block Markdown (paragraphs, lists) as sanitised HTML.

    ``tight``: a text that is one paragraph comes out without its ``<p>``, so that a plain step
    inside an ``<li>`` renders exactly as before. ``tight=False`` always gives block HTML (for
    text that stands on its own, such as help in person).
    """
    html = _parser().render(text or "")
    if tight:
        stripped = html.strip()
        if (
            stripped.startswith("<p>")
            and stripped.endswith("</p>")
            and stripped.count("<p>") == 1
            and "<ul>" not in stripped
            and "<ol>" not in stripped
        ):
            html = stripped[len("<p>") : -len("</p>")]
    return Markup(_sanitise(html, BLOCK_TAGS))  # noqa: S704  (sanitised just now)


def render_inline(text: str) -> Markup:
    """One line of Markdown (bold, italic, links) as sanitised inline HTML: no blocks."""
    html = _parser().renderInline(text or "")
    return Markup(_sanitise(html, INLINE_TAGS))  # noqa: S704  (sanitised just now)
