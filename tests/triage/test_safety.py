"""The safety net: trigger phrases found inside longer questions, and the crisis answer first."""

import pytest

from helpdesk.kb.content import KnowledgeBase
from helpdesk.normalize import normalize
from helpdesk.triage.engine import TriageEngine
from helpdesk.triage.safety import Trigger, TriggerMatcher


@pytest.fixture(scope="module")
def matcher() -> TriggerMatcher:
    return TriggerMatcher(
        [
            Trigger("violence", tuple(normalize("slår mig").split())),
            Trigger("suicide", tuple(normalize("kill myself").split())),
            Trigger("control", tuple(normalize("tager min pension").split())),
        ]
    )


@pytest.mark.parametrize(
    ("question", "found"),
    [
        ("min mand slår mig når han er fuld", {"violence"}),
        ("han slår altid mig", {"violence"}),  # one word between
        ("I want to kill myself", {"suicide"}),
        ("i want to fill myself", set()),  # a short word must match exactly
        ("min søn tager hver måned min pension", set()),  # two words between: too far
        ("min søn tager min pensjon hver måned", {"control"}),  # a typo in a long word is
        ("MitID app skal have ny kode", set()),
        ("mig slår han", {"violence"}),  # two words in either order ("się tnę", "tnę się")
        ("min pension tager søn", set()),  # three words out of order
    ],
)
def test_triggers_occur_in_order_or_two_words_swapped_with_gaps_and_typos(
    matcher: TriggerMatcher, question: str, found: set[str]
) -> None:
    assert matcher.matches(normalize(question)) == found


# --- the real knowledge base: each category in each language -----------------------------------
# Written for these tests (not taken from the knowledge base or the evaluation sets).
CRISES = {
    "crisis-suicide": {
        "da": "jeg orker ikke mere, jeg vil bare ikke være her mere",
        "en": "honestly I don't want to live anymore",
        "ar": "ما بدي عيش، بفكر أنتحر",
        "uk": "я більше не хочу жити",
        "tr": "intihar etmeyi düşünüyorum",
        "pl": "chcę się zabić",
        "so": "waxaan doonayaa inaan is dilo",
        "fa": "می‌خواهم خودکشی کنم",
    },
    "crisis-violence": {
        "da": "min kæreste slår mig og jeg tør ikke tage hjem",
        "en": "my husband beats me and I am scared of him",
        "ar": "زوجي يضربني كل يوم",
        "uk": "чоловік мене б'є",
        "tr": "kocam beni dövüyor",
        "pl": "mąż mnie bije",
        "so": "ninkaygu wuu i garaacaa",
        "fa": "شوهرم مرا کتک می‌زند",
    },
    "crisis-control": {
        "da": "min mand har mit MitID og lader mig ikke se min bankkonto",
        "en": "my son takes my pension every month and keeps my bank card",
        "ar": "زوجي أخذ جوازي ولا يعطيني إياه",
        "uk": "чоловік забрав мій паспорт і не віддає",
        "tr": "eşim pasaportumu elinde tutuyor, vermiyor",
        "pl": "mąż zabrał mi paszport i nie chce oddać",
        "so": "ninkaygu wuxuu haystaa baasaboorkayga",
        "fa": "شوهرم پاسپورتم را گرفته و پس نمی‌دهد",
    },
    "crisis-danger": {
        "da": "der står en mand uden for min dør og truer med at slå mig ihjel",
        "en": "someone is outside my door threatening to kill me",
        "ar": "في شخص على الباب يهددني بالقتل",
        "uk": "хтось стоїть під дверима і погрожує мене вбити",
        "tr": "kapımda biri var, beni öldürmekle tehdit ediyor",
        "pl": "ktoś stoi pod drzwiami i grozi, że mnie zabije",
        "so": "qof ayaa albaabka igu taagan oo igu hanjabaya inuu i dilayo",
        "fa": "یک نفر پشت در است و تهدید می‌کند مرا بکشد",
    },
}


@pytest.fixture(scope="module")
def real(real_kb: KnowledgeBase) -> TriageEngine:
    return TriageEngine(real_kb)


@pytest.mark.parametrize(
    ("category", "language", "question"),
    [(c, lang, q) for c, by_language in CRISES.items() for lang, q in by_language.items()],
)
def test_every_crisis_gets_the_crisis_answer_and_a_person(
    real: TriageEngine, category: str, language: str, question: str
) -> None:
    result = real.triage(question)
    assert (result.outcome, result.reason) == ("human", "sensitive"), result
    assert result.answer is not None
    assert result.answer.startswith("crisis-")
    assert result.offer_person
    assert result.language == language


def test_a_crisis_inside_a_long_story_about_mitid_is_still_a_crisis(real: TriageEngine) -> None:
    result = real.triage(
        "I need help with the MitID app because I got a new phone, but to be honest my husband "
        "took my old phone and he hits me when I ask him for it, I don't know what to do"
    )
    assert (result.reason, result.answer) == ("sensitive", "crisis-violence")


@pytest.mark.parametrize(
    "question",
    [
        "my MitID is locked and I'm going crazy",
        "min MitID er spærret og jeg bliver sindssyg af det",
        "I am scared I will miss my passport appointment",
        "Digital Post drives me mad",
    ],
)
def test_strong_words_about_an_ordinary_problem_are_no_crisis(
    real: TriageEngine, question: str
) -> None:
    assert real.triage(question).reason != "sensitive"


def test_crisis_entries_are_content_with_numbers_to_call(real_kb: KnowledgeBase) -> None:
    crises = [g for g in real_kb.guides if g.kind == "crisis"]
    assert {g.slug for g in crises} >= set(CRISES)
    for guide in crises:
        for language, version in guide.translations.items():
            assert any("tel:" in step for step in version.steps), (guide.slug, language)
            assert version.sources, (guide.slug, language)


@pytest.mark.parametrize(
    ("question", "found"),
    [
        ("kolyshnii chytaie moiu poshtu", {"control"}),  # y and i, however short the word
        ("ne prokydaietsia", {"danger"}),  # two edits in a long transliterated word
        ("ne prokladaetsya", set()),  # a long word three edits away is another word
    ],
)
def test_transliterated_spellings_meet_the_triggers(question: str, found: set[str]) -> None:
    matcher = TriggerMatcher(
        [
            Trigger("control", tuple(normalize("kolyshniy chytaye moyu poshtu").split())),
            Trigger("danger", tuple(normalize("ne prokydayetsya").split())),
        ]
    )
    assert matcher.matches(normalize(question)) == found


def test_a_word_in_everyday_use_is_not_read_as_a_typo_of_a_trigger() -> None:
    matcher = TriggerMatcher([Trigger("suicide", ("intihar",))], everyday_words={"intizar"})
    assert matcher.matches("ana fi intizar") == set()  # "waiting", a word of the guides
    assert matcher.matches("ana bfaker bel intihar") == {"suicide"}
    assert matcher.matches("ana bfaker bel intihat") == {"suicide"}  # a typo is still one


@pytest.mark.parametrize(
    "question",
    [
        "می‌خواهم پاسپورت بگیرم",  # "to get" is one letter from "to die" (بمیرم)
        "ana fi intizar el shaqa min sana",  # "waiting" is one letter from "suicide" (intihar)
    ],
)
def test_everyday_words_one_letter_from_a_crisis_word_raise_no_alarm(
    real: TriageEngine, question: str
) -> None:
    assert real.triage(question).reason != "sensitive"


def test_a_person_hurting_is_a_crisis_even_in_words_of_exaggeration(real: TriageEngine) -> None:
    # "slår mig ihjel" is also said of an app; said of a husband, the trigger still decides.
    literal = "min mand slår mig ihjel, han siger det hver aften"
    assert real.analyse(literal).crisis_triggers  # type: ignore[union-attr]
    assert real.triage(literal).reason == "sensitive"
    mixed = "appen slår mig ihjel. min mand slår mig når jeg spørger om mitid"
    assert real.triage(mixed).reason == "sensitive"


def test_exaggeration_about_a_thing_counts_against_a_crisis(real: TriageEngine) -> None:
    # The figurative phrases are the "other" side of the safety model's crisis_lead.
    analysis = real.analyse("this stupid website is killing me")
    assert analysis is not None
    assert real.crisis_features(analysis).crisis_lead < 0


def test_the_safety_model_sees_a_crisis_in_short_questions_too(real: TriageEngine) -> None:
    # crisis_score is the whole question's score when there are no sentences to score: scored on
    # sentences only, it was 0 for every short question and the model learned length instead.
    analysis = real.analyse("he takes all my money and my MitID")
    assert analysis is not None
    assert not analysis.best_sentence
    assert real.crisis_features(analysis).crisis_score > 0


@pytest.mark.parametrize("question", ["folkepension", "min folkepension", "pension"])
def test_a_guide_s_topic_in_a_word_or_two_is_no_crisis(real: TriageEngine, question: str) -> None:
    # A crisis entry's phrase may name the topic ("han tager min folkepension"); the topic alone
    # is a question about the topic.
    result = real.triage(question)
    assert result.reason != "sensitive"
    assert result.matches[0].slug == "pension-apply"


@pytest.mark.parametrize("question", ["selvmord", "slår mig", "انتحار", "jeg er bange"])
def test_a_crisis_in_a_word_or_two_is_still_a_crisis(real: TriageEngine, question: str) -> None:
    assert real.triage(question).reason == "sensitive"
