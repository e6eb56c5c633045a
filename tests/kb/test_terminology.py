"""Terminology sheets: valid where they exist, and the check finds an avoided term in guide text."""

from helpdesk.kb.content import KnowledgeBase
from helpdesk.kb.terminology import Sheet, Term, load_sheets, terminology_warnings
from tests.conftest import make_guide, make_translation, phrases


def test_committed_sheets_load() -> None:
    for language, sheet in load_sheets().items():
        assert sheet.language == language
        assert sheet.terms, language


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
