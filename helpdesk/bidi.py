"""Left-to-right runs inside right-to-left text: phone numbers, codes, references and links.

In Arabic or Persian text the Unicode bidirectional algorithm lets the spaces between digit
groups take the paragraph's direction, so "+45 33 98 00 10" is drawn as "10 00 98 33 45+"; a
link or an e-mail address followed by punctuation breaks up the same way. Such runs are
*isolated* as left-to-right units: ``<bdi dir="ltr">…</bdi>`` in HTML, U+2066 LEFT-TO-RIGHT
ISOLATE … U+2069 POP DIRECTIONAL ISOLATE in plain text (e-mails, calendar files, text handed
to scripts). An isolate in left-to-right text changes nothing, so this runs for every language.

This is the one place the rule lives: guide Markdown (``helpdesk.kb.markup``), the Jinja
filters ``ltr``/``isolate`` and the e-mail and ``.ics`` text all go through it. Guide text
itself is never changed.
"""

from __future__ import annotations

import html as html_entities
import re

from markupsafe import Markup, escape

from helpdesk.i18n import is_rtl

LRI = "\u2066"
PDI = "\u2069"
_URL = r"(?:https?://|www\.)[^\s<>\"'\u2066-\u2069]*[^\s<>\"'.,;:!?)\]}»”’\u2066-\u2069]"
_EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
# "+45 33 98 00 10", "+4533980010", "70 10 18 18", "(+45) 89 40 10 40": a number that starts
# with + or has digit groups separated by single spaces. A range such as "10 - 16" is left as
# it is: read right to left it is meant to be mirrored.
_PHONE = r"\(?\+\d+\)?(?:[ \u00a0]?\d+)*|\d+(?:[ \u00a0]\d+)+"
_LTR_RUN = re.compile(rf"(?<![\w+@/.\-])(?:{_URL}|{_EMAIL}|(?P<number>{_PHONE}))(?![\w@])")
_TAG = re.compile(r"(<[^>]*>)")


def ltr_runs(text: str) -> list[tuple[int, int, bool]]:
    """Where the runs to isolate are in ``text``: (start, end, is a number), in order."""
    return [(*match.span(), match.group("number") is not None) for match in _LTR_RUN.finditer(text)]


def isolate_text(text: str) -> str:
    """Plain text with every phone number, code, link and address isolated left to right."""
    if not text:
        return text
    return _LTR_RUN.sub(lambda match: f"{LRI}{match.group(0)}{PDI}", text)


def isolate_text_in(language: str, text: str) -> str:
    """:func:`isolate_text` for plain text in a right-to-left language; other text unchanged.

    Plain text leaves the service (e-mails, calendar files): there the isolates are added only
    where they are needed, so that a Danish subject line or a reference copied from an English
    e-mail carries no invisible characters.
    """
    return isolate_text(text) if is_rtl(language) else text


def ltr_text_in(language: str, value: str) -> str:
    """The whole ``value`` (a reference, a phone number) as one isolate, in right-to-left text."""
    return f"{LRI}{value}{PDI}" if value and is_rtl(language) else value


_BIDI_CONTROLS = dict.fromkeys(
    map(ord, "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
)


def strip_bidi_controls(text: str) -> str:
    """Text without direction marks and isolates (a reference or a number pasted from an
    e-mail may carry them)."""
    return text.translate(_BIDI_CONTROLS)


def _isolate_escaped(html_text: str) -> str:
    """Escaped text → the same text, escaped again, with its runs in ``<bdi dir="ltr">``
    (phone numbers and codes with ``class="number"``, so that CSS can keep them whole)."""
    text = html_entities.unescape(html_text)
    spans = ltr_runs(text)
    if not spans:
        return html_text
    out: list[str] = []
    position = 0
    for start, end, number in spans:
        out.append(str(escape(text[position:start])))
        # A number is kept on one line (CSS: bdi.number), a link may wrap.
        opening = '<bdi dir="ltr" class="number">' if number else '<bdi dir="ltr">'
        out.append(f"{opening}{escape(text[start:end])}</bdi>")
        position = end
    out.append(str(escape(text[position:])))
    return "".join(out)


def isolate_html(html: str) -> str:
    """HTML with the runs in its *text* (never in a tag or an attribute) wrapped in ``<bdi>``.

    ``html`` must be well-formed markup whose text is escaped (Markdown output, sanitised
    HTML, autoescaped template output), so that every ``<`` starts a tag.
    """
    pieces = _TAG.split(html)
    inside_bdi = False
    for index, piece in enumerate(pieces):
        if index % 2:
            lowered = piece.lower()
            inside_bdi = lowered.startswith("<bdi") or (inside_bdi and lowered != "</bdi>")
        elif piece and not inside_bdi:
            pieces[index] = _isolate_escaped(piece)
    return "".join(pieces)


def isolate(value: object) -> Markup:
    """Jinja filter ``isolate``: text (escaped unless it is already markup) with its runs
    isolated; for interpolated text that may hold a phone number or a link."""
    return Markup(isolate_html(str(escape(value))))  # noqa: S704  (escaped just now)


def ltr(value: object) -> Markup:
    """Jinja filter ``ltr``: the whole value as one left-to-right isolate, for values that are
    a number or a code in themselves (a booking reference, a phone number, an address)."""
    if value is None or value == "":
        return Markup("")
    return Markup('<bdi dir="ltr">%s</bdi>') % value
