"""Messages that hold a number take the plural form their language needs (Babel's rules)."""

from __future__ import annotations

import pytest
from babel.messages.pofile import read_po

from helpdesk import LANGUAGES
from helpdesk.i18n import LOCALES_DIR, Nn_, gettext_for, plural_table, translations
from helpdesk.routes.accounts import LIMITED
from helpdesk.routes.kiosk import RESETTING
from helpdesk.web.templating import environment, rendering_language

COUNTS = (1, 2, 5, 11, 21)

# The sign-in lock-out, n = 1, 2, 5, 11, 21 minutes.
MINUTES = {
    "uk": ("1 хвилину", "2 хвилини", "5 хвилин", "11 хвилин", "21 хвилину"),
    "pl": ("1 minutę", "2 minuty", "5 minut", "11 minut", "21 minut"),
    "ar": ("دقيقة واحدة", "دقيقتين", "5 دقائق", "11 دقيقةً", "21 دقيقةً"),
    "da": ("1 minut,", "2 minutter", "5 minutter", "11 minutter", "21 minutter"),
    "en": ("1 minute ", "2 minutes", "5 minutes", "11 minutes", "21 minutes"),
}


@pytest.mark.parametrize("language", sorted(MINUTES))
def test_minutes_take_the_right_form(language: str) -> None:
    for n, expected in zip(COUNTS, MINUTES[language], strict=True):
        text = gettext_for(language, LIMITED, minutes=n)
        assert expected in text, (language, n, text)


# Search results in the staff lookup: a template's ngettext.
RESULTS = {
    "uk": ("1 результат", "2 результати", "5 результатів", "11 результатів", "21 результат"),
    "pl": ("1 wynik", "2 wyniki", "5 wyników", "11 wyników", "21 wyników"),
    "ar": ("نتيجة واحدة", "نتيجتان", "5 نتائج", "11 نتيجةً", "21 نتيجةً"),
}


@pytest.mark.parametrize("language", sorted(RESULTS))
def test_templates_use_the_plural_rules(language: str) -> None:
    template = environment.from_string('{{ ngettext("%(num)s result", "%(num)s results", n) }}')
    with rendering_language(language):
        shown = [template.render(n=n) for n in COUNTS]
    assert shown == list(RESULTS[language])


def test_template_ngettext_takes_other_parameters_and_escapes_them() -> None:
    template = environment.from_string(
        '{{ ngettext("%(num)s asked", "%(num)s asked", n, num=shown) }}'
    )
    with rendering_language("uk"):
        assert template.render(n=1234, shown="1 234") == "Запитали 1 234 особи"
        assert template.render(n=5, shown="<5") == "Запитали &lt;5 осіб"


@pytest.mark.parametrize(
    ("language", "forms"),
    [
        ("uk", ("1 секунду", "2 секунди", "5 секунд", "11 секунд", "21 секунду")),
        ("pl", ("1 sekundę", "2 sekundy", "5 sekund", "11 sekund", "21 sekund")),
        ("ar", ("ثانية واحدة", "ثانيتين", "5 ثوانٍ", "11 ثانيةً", "21 ثانيةً")),
    ],
)
def test_a_script_gets_a_text_for_every_count(language: str, forms: tuple[str, ...]) -> None:
    table = plural_table(language, RESETTING, 21)
    assert len(table) == 22
    for n, expected in zip(COUNTS, forms, strict=True):
        assert expected in table[n] % {"seconds": n}, (language, n, table[n])


def test_errors_count_in_the_callers_language() -> None:
    from helpdesk.web.errors import error_body

    body = error_body("text_too_long", "pl", limit=500)
    assert body["error"]["message"].endswith("500 znaków.")
    assert error_body("text_too_long", "uk", limit=21)["error"]["message"].endswith("21 символ.")


def test_every_catalog_has_babels_plural_rule() -> None:
    for language in LANGUAGES:
        path = LOCALES_DIR / language / "LC_MESSAGES" / "messages.po"
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        # The header's rule is the one Babel (2.19, from CLDR) gives the locale; the header
        # is what the catalog is compiled with, so the rule cannot drift with Babel's version.
        assert (
            catalog.plural_forms
            == read_po(iter([b'msgid ""\n', b'msgstr ""\n']), locale=language).plural_forms
        ), language
        assert catalog.num_plurals == {"ar": 6, "uk": 3, "pl": 3}.get(language, 2)


def test_an_untranslated_plural_falls_back_to_english() -> None:
    message = Nn_("%(num)s apple", "%(num)s apples")
    assert gettext_for("uk", message, num=1) == "1 apple"
    assert gettext_for("uk", message, num=5) == "5 apples"
    # English has no translations of its own: its plural entries stay empty in en.po.
    assert translations("en").ngettext("%(num)s result", "%(num)s results", 2) == (
        "%(num)s results"
    )
