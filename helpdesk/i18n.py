"""Translations (gettext catalogs in ``helpdesk/locales``) and locale negotiation.

The ``.po`` files are the committed source; they are compiled in memory with Babel when first
used, so a fresh checkout needs no build step and a stale ``.mo`` can never be served.
``babel.cfg`` drives extraction; CI checks that ``messages.pot`` is current.
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path
from typing import NamedTuple

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from helpdesk import LANGUAGES, RTL_LANGUAGES

LOCALES_DIR = Path(__file__).with_name("locales")
DOMAIN = "messages"
DEFAULT_LANGUAGE = "da"


def N_(message: str) -> str:
    """Mark a string for extraction without translating it now."""
    return message


class Plural(NamedTuple):
    """A message that holds a number: English singular and plural, and the parameter counted.

    Each catalog has as many forms as its language needs (Ukrainian, Polish: 3, Arabic: 6),
    chosen by the ``Plural-Forms`` rule in its header (Babel's, from CLDR).
    """

    singular: str
    plural: str
    number: str = "num"


def Nn_(singular: str, plural: str, number: str = "num") -> Plural:
    """Mark a message with a number for extraction (``-k Nn_:1,2``), translated later.

    ``number``: the name of the parameter that holds the count ("%(minutes)s minutes").
    """
    return Plural(singular, plural, number)


def message_text(language: str, message: str | Plural, params: dict[str, object]) -> str:
    """The translation of ``message``, not yet formatted; a plural's form is chosen by its count."""
    catalog = translations(language)
    if isinstance(message, Plural):
        return catalog.ngettext(message.singular, message.plural, _count(params[message.number]))
    return catalog.gettext(message)


def _count(value: object) -> int:
    if isinstance(value, int):
        return value
    return int(str(value))


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The catalog for one of the eight languages (English: the source strings themselves)."""
    po_path = LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language not in LANGUAGES or not po_path.exists():
        return gettext.NullTranslations()
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=language)
    # An untranslated plural is ("", "", ...), which write_mo would keep as empty text: drop
    # it, so that the English falls through (as for an untranslated singular).
    for message in list(catalog)[1:]:
        if message.pluralizable and not all(message.string or ()):
            catalog.delete(message.id, message.context)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def gettext_for(language: str, message: str | Plural, **params: object) -> str:
    """``message`` translated into ``language`` and formatted with ``params``.

    A :class:`Plural` takes the form its count (``params[message.number]``) needs in that
    language: "1 день", "2 дні", "5 днів", "21 день".
    """
    text = message_text(language, message, params)
    return text % params if params else text


def plural_table(language: str, message: Plural, upto: int) -> list[str]:
    """The translated, unformatted text for every count from 0 to ``upto``, for scripts.

    A script that shows a small count (a countdown, a number of results) picks
    ``table[n]`` and fills in the number: the plural rule stays on the server.
    """
    return [message_text(language, message, {message.number: n}) for n in range(upto + 1)]


def is_rtl(language: str) -> bool:
    return language in RTL_LANGUAGES


def native_name(language: str) -> str:
    """The language's name in itself ("Dansk", "العربية"), from Babel's locale data."""
    name = Locale.parse(language).get_display_name(language) or language
    return name[:1].upper() + name[1:]


def parse_accept_language(header: str | None) -> list[str]:
    """Languages from an Accept-Language header, best first, reduced to their base language."""
    if not header:
        return []
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        pieces = part.strip().split(";")
        tag = pieces[0].strip().lower()
        quality = 1.0
        for param in pieces[1:]:
            key, _, value = param.strip().partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and tag != "*" and quality > 0:
            weighted.append((-quality, position, tag.split("-")[0]))
    return [tag for _, _, tag in sorted(weighted)]


def negotiate_language(
    explicit: str | None = None,
    cookie: str | None = None,
    accept_language: str | None = None,
) -> str:
    """Explicit choice, then the cookie, then Accept-Language, then Danish.

    Norwegian and Swedish readers get Danish, not English: the Scandinavian languages are
    mutually readable, and "prs" (Dari) is served the Persian catalog.
    """
    aliases = {"nb": "da", "nn": "da", "no": "da", "sv": "da", "prs": "fa", "ua": "uk"}
    for candidate in (explicit, cookie, *parse_accept_language(accept_language)):
        if candidate:
            code = aliases.get(candidate.lower(), candidate.lower())
            if code in LANGUAGES:
                return code
    return DEFAULT_LANGUAGE
