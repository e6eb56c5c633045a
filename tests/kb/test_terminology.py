"""Terminology sheets: valid where they exist, and the check finds an avoided term in guide text."""

import pytest

from helpdesk import LANGUAGES, REFERENCE_LANGUAGES
from helpdesk.kb.content import KnowledgeBase
from helpdesk.kb.terminology import Sheet, Term, load_sheets, terminology_warnings
from tests.conftest import make_guide, make_translation, phrases


def test_committed_sheets_load() -> None:
    for language, sheet in load_sheets().items():
        assert sheet.language == language
        assert sheet.terms, language


# What issue #12 asks every sheet to settle: how a guide addresses the reader, and these terms.
REQUIRED_CONCEPTS = (
    "health card",
    "borgerservice",
    "municipality",
    "block",
    "reactivate",
    "scan",
    "password",
    "digital post",
)


@pytest.mark.parametrize(
    "language", [lang for lang in LANGUAGES if lang not in REFERENCE_LANGUAGES]
)
def test_every_translated_language_has_a_sheet_with_the_core_terms(language: str) -> None:
    sheet = load_sheets().get(language)
    assert sheet is not None, f"no terminology sheet for {language}"
    assert sheet.address in ("formal", "informal"), language
    assert sheet.address_note, language
    concepts = [term.concept.casefold() for term in sheet.terms]
    for concept in REQUIRED_CONCEPTS:
        matching = [term for term in sheet.terms if term.concept.casefold().startswith(concept)]
        assert matching, f"{language}: no term for {concept!r} (has {concepts})"
        assert all(term.use.strip() for term in matching), (language, concept)
    # The check has something to warn about: known wrong variants are recorded.
    assert sum(len(term.avoid) for term in sheet.terms) >= len(REQUIRED_CONCEPTS), language


def test_an_avoided_variant_in_guide_text_is_reported_but_not_in_phrases() -> None:
    version = make_translation(
        "Медична картка: замовити нову",
        phrases("загубив медичну картку", *(f"фраза {i}" for i in range(8))),
    )
    guide = make_guide("health-card", {"uk": version})
    sheet = Sheet(
        language="uk",
        terms=[Term(concept="health card", use="картка здоров'я", avoid=["медична картка"])],
    )
    warnings = terminology_warnings(KnowledgeBase(guides=[guide]), {"uk": sheet})
    found = {(w.slug, w.language, w.field) for w in warnings}
    assert ("health-card", "uk", "title") in found
    assert all(w.field != "phrases" for w in warnings)
    assert "картка здоров'я" in str(warnings[0])


def test_a_variant_inside_a_longer_word_is_not_reported() -> None:
    version = make_translation("Blokowanie karty", phrases(*(f"fraza {i}" for i in range(8))))
    guide = make_guide("scam-fraud", {"pl": version})
    sheet = Sheet(language="pl", terms=[Term(concept="block", use="zablokuj", avoid=["blok"])])
    assert terminology_warnings(KnowledgeBase(guides=[guide]), {"pl": sheet}) == []
