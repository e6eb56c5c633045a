"""No knowledge-base text copies a question we measure with (`bench/leak_check.py`).

The sets in bench/data are in the repository, so this always runs; the shared dev set is checked
by the script when it is beside the checkout.
"""

from pathlib import Path

import pytest

from bench.evaluation import DATA
from bench.leak_check import EvalQuestion, KbText, Leak, find_leaks, kb_texts
from helpdesk.kb.content import KnowledgeBase
from tests.conftest import REPO

SETS = sorted(DATA.rglob("*.tsv"))


def _questions() -> list[EvalQuestion]:
    from bench.leak_check import eval_questions

    return eval_questions(SETS)


def test_the_sets_are_in_the_repository() -> None:
    assert DATA.is_relative_to(REPO)
    assert len(SETS) >= 7
    assert len(_questions()) > 800


def test_no_phrase_or_title_copies_an_evaluation_question(real_kb: KnowledgeBase) -> None:
    leaks = [leak for leak in find_leaks(kb_texts(real_kb), _questions()) if leak.counted]
    assert leaks == [], "\n".join(str(leak) for leak in leaks)


def _planted(text: KbText, question: str, kb: KnowledgeBase) -> list[Leak]:
    """The checker's matches for one planted text, among the real knowledge base's texts (whose
    words weigh as they do in real use)."""
    matches = find_leaks([*kb_texts(kb), text], [EvalQuestion("planted.tsv:2", question)])
    return [match for match in matches if match.kb is text]


def _counted_rules(phrase: str, question: str, kb: KnowledgeBase) -> list[str]:
    matches = _planted(KbText("planted/da phrase", phrase), question, kb)
    return [match.rule.split()[0] for match in matches if match.counted]


@pytest.mark.parametrize(
    ("phrase", "question", "rule"),
    [
        # Pasted as it is, with other case, punctuation and diacritics.
        ("Mit MitID er låst, hvad gør jeg nu?", "mit mitid er last hvad gor jeg nu", "equal"),
        # A word or a letter changed.
        ("switching phones what happens to mitid", "switching phones, what happens to my MitID",
         "similar"),
        # A clause lifted from a longer question with a word changed.
        ("min eks læser stadig min e-boks og ved nu hvor jeg bor",
         "min eks har stadig adgang til min e-boks og min mitid, han skriver at han ved hvor jeg "
         "bor nu og jeg er bange", "contained"),
    ],
)  # fmt: skip
def test_the_checker_finds_a_planted_copy(
    phrase: str, question: str, rule: str, real_kb: KnowledgeBase
) -> None:
    assert _counted_rules(phrase, question, real_kb) == [rule]


def test_a_planted_copy_of_a_real_question_fails_the_real_knowledge_base(
    real_kb: KnowledgeBase,
) -> None:
    question = next(q for q in _questions() if len(q.question.split()) >= 6)
    texts = [*kb_texts(real_kb), KbText("mitid-locked/da phrase", question.question)]
    leaks = [leak for leak in find_leaks(texts, _questions()) if leak.counted]
    # Only the planted text leaks, and it is caught copying its question (it may also resemble
    # another set's question on the same topic).
    assert {leak.kb.text for leak in leaks} == {question.question}
    assert question in [leak.question for leak in leaks]


@pytest.mark.parametrize(
    ("phrase", "question"),
    [
        ("mitid låst", "mitid låst"),  # a shared term: the name of the problem
        ("pas", "pas"),
        ("hvordan fornyer jeg mit pas", "hvordan fornyer jeg mit kørekort"),  # the content differs
        ("how do i block the mitid app", "how do I set up the MitID app for the first time"),
        ("glemt adgangskode mitid", "jeg har glemt min adgangskode til mitid, og nu er den låst"),
    ],
)
def test_shared_short_terms_and_different_questions_are_not_copies(
    phrase: str, question: str, real_kb: KnowledgeBase
) -> None:
    assert _counted_rules(phrase, question, real_kb) == []


def test_a_title_is_a_copy_only_when_equal(real_kb: KnowledgeBase) -> None:
    question = "how do I move the MitID app to a new phone"
    echo = KbText("planted/en title", "Move the MitID app to a new phone", is_title=True)
    equal = KbText("planted/en title", "How do I move the MitID app to a new phone?",
                   is_title=True)  # fmt: skip
    assert [m.counted for m in _planted(echo, question, real_kb)] == [False]
    assert [m.counted for m in _planted(equal, question, real_kb)] == [True]


def test_the_script_exits_non_zero_on_a_leak(tmp_path: Path, real_kb: KnowledgeBase) -> None:
    import subprocess
    import sys

    planted = tmp_path / "planted.tsv"
    phrase = real_kb.by_slug()["mitid-locked"].translations["da"].phrases[-1]
    planted.write_text(f"lang\texpect\tquestion\nda\tmitid-locked\t{phrase}\n", encoding="utf-8")
    script = REPO / "bench" / "leak_check.py"
    run = subprocess.run(
        [sys.executable, str(script), "--tsv", str(planted)], capture_output=True, text=True
    )
    words = len(phrase.split())
    assert run.returncode == (1 if words >= 3 else 0), run.stdout
    clean = subprocess.run(
        [sys.executable, str(script), "--tsv", str(SETS[0])], capture_output=True, text=True
    )
    assert clean.returncode == 0, clean.stdout
