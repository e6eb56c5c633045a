"""`helpdesk kb check` rejects what the issue names, with readable messages."""

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from helpdesk.kb.catalogue import REQUIRED_SLUGS
from helpdesk.kb.content import KnowledgeBase, Source
from helpdesk.kb.files import load_knowledge_base, write_guide_dir
from helpdesk.kb.validate import check_knowledge_base
from tests.conftest import REPO, make_guide, make_translation, phrases


def test_the_real_knowledge_base_is_valid(real_kb: KnowledgeBase) -> None:
    assert check_knowledge_base(real_kb) == []


def test_catalogue_matches_the_topic_list() -> None:
    # The repository keeps its own copy of the topic catalogue, so this runs on any clone; where
    # the shared original sits beside the checkout, the copy must equal it (it cannot go stale).
    text = (REPO / "docs" / "kb-topics.md").read_text(encoding="utf-8")
    shared = REPO.parent / "shared" / "kb-topics.md"
    if shared.exists():
        assert text == shared.read_text(encoding="utf-8"), (
            "docs/kb-topics.md differs from ../shared/kb-topics.md: copy the shared file over"
        )
    # The first topics are table rows; those added after the first review are list items.
    table = set(re.findall(r"^\| `([a-z0-9-]+)` \|", text, flags=re.M))
    section = text.split("## Added after the first review", 1)[1].split("\n## ", 1)[0]
    added = set(re.findall(r"^- `([a-z0-9-]+)`:", section, flags=re.M))
    assert len(table) >= 31
    assert len(added) >= 17
    assert table | added == set(REQUIRED_SLUGS)


def test_every_guide_has_all_eight_languages_and_drafts_are_marked(real_kb: KnowledgeBase) -> None:
    for guide in real_kb.guides:
        assert set(guide.translations) == {"da", "en", "ar", "uk", "tr", "pl", "so", "fa"}
        for lang, version in guide.translations.items():
            expected = "reviewed" if lang in ("da", "en") else "draft"
            assert version.review_status == expected, (guide.slug, lang)
            assert len(version.phrases) >= 8, (guide.slug, lang)


def _two_guides() -> list:
    return [
        make_guide(
            "one",
            {
                "da": make_translation("En", phrases("alfa beta")),
                "en": make_translation("One", phrases("gamma delta")),
            },
        ),
        make_guide(
            "two",
            {
                "da": make_translation("To", phrases("epsilon zeta")),
                "en": make_translation("Two", phrases("eta theta")),
            },
        ),
    ]


def test_missing_required_slug_is_reported() -> None:
    problems = check_knowledge_base(KnowledgeBase(guides=_two_guides()))
    assert f"{REQUIRED_SLUGS[0]}: required guide is missing" in problems


def test_guide_without_danish_or_english_is_rejected() -> None:
    guide = make_guide("only-english", {"en": make_translation("English", phrases("only en"))})
    problems = check_knowledge_base(KnowledgeBase(guides=[guide]))
    assert "only-english: has no da version (da and en are required)" in problems


def test_shared_search_phrase_is_rejected() -> None:
    guides = _two_guides()
    guides[1].translations["en"].phrases.append("Alfa  BETA!")  # same after normalisation
    problems = check_knowledge_base(KnowledgeBase(guides=guides))
    assert any("is shared by one, two" in p for p in problems)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"steps": []}, "steps"),
        ({"sources": [{"title": "x", "url": "http://insecure.example.dk"}]}, "sources"),
        ({"sources": [{"title": "x", "url": "https//borger.dk"}]}, "sources"),
        ({"sources": [{"title": "x", "url": "not a link"}]}, "sources"),
        ({"phrases": ["too", "few"]}, "phrases"),
        ({"title": "   "}, "title"),
    ],
)
def test_invalid_versions_are_rejected(override: dict, message: str) -> None:
    with pytest.raises(ValidationError) as info:
        make_guide("bad", {"da": {**make_translation("Bad", phrases("bad")), **override}})
    assert message in str(info.value)


def test_loader_reports_file_problems_readably(tmp_path: Path) -> None:
    guide = _two_guides()[0]
    write_guide_dir(guide, tmp_path)
    (tmp_path / "guides" / "one" / "da.toml").write_text('title = "unterminated', "utf-8")
    (tmp_path / "guides" / "one" / "xx.toml").write_text("", "utf-8")
    result = load_knowledge_base(tmp_path)
    assert any("da.toml: cannot read" in e for e in result.errors)
    assert any("xx.toml: unknown language file" in e for e in result.errors)


def test_files_round_trip(tmp_path: Path, real_kb: KnowledgeBase) -> None:
    for guide in real_kb.guides:
        write_guide_dir(guide, tmp_path)
    again = load_knowledge_base(tmp_path)
    assert again.errors == []
    assert [g.model_dump() for g in again.knowledge_base.guides] == [
        g.model_dump() for g in real_kb.guides
    ]


@pytest.mark.parametrize(
    ("title", "url", "reported"),
    [
        # A portal's front door supports no fact, whatever the title says.
        ("Aarhus Kommune", "https://aarhus.dk", True),
        ("borger.dk: Brevstemme", "https://www.borger.dk/", True),
        ("Life in Denmark", "https://lifeindenmark.borger.dk/", True),
        # Another site's home page, titled by the site alone, may stand for the site.
        ("skat.dk (Skattestyrelsen)", "https://skat.dk", False),
        # ... but not when the title names a page on it.
        ("sundhed.dk: Min sundhedsjournal", "https://www.sundhed.dk/", True),
        # Deep pages are what a source should be.
        (
            "borger.dk: Brevstemme",
            "https://www.borger.dk/samfund-og-rettigheder/valgsystemet/brevstemme",
            False,
        ),
        ("skat.dk: Årsopgørelsen", "https://skat.dk/data.aspx?oid=3468", False),
    ],
)
def test_a_source_that_is_only_a_home_page_is_reported(
    title: str, url: str, reported: bool
) -> None:
    guides = _two_guides()
    guides[0].translations["en"].sources[0] = Source(title=title, url=url)
    problems = [p for p in check_knowledge_base(KnowledgeBase(guides=guides)) if "one/en" in p]
    assert bool(problems) is reported, problems
    if reported:
        assert problems[0].startswith(f"one/en: source {url} ")


def test_arabic_persian_and_ukrainian_guides_carry_phrases_in_latin_letters(
    real_kb: KnowledgeBase,
) -> None:
    """People type these languages in Latin letters on a phone without the keyboard (Arabizi,
    Finglish, transliteration): each guide knows at least two such phrases per language."""
    import re

    native = re.compile(r"[\u0600-\u06ff\u0400-\u04ff]")
    for guide in real_kb.guides:
        if guide.kind != "guide":
            continue
        for language in ("ar", "fa", "uk"):
            latin = [
                phrase
                for phrase in guide.translations[language].phrases
                if re.search(r"[a-z]", phrase) and not native.search(phrase)
            ]
            assert len(latin) >= 2, (guide.slug, language, latin)
