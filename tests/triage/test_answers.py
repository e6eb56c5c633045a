"""A repeated question takes the engine's earlier answer; the store is bounded and belongs to one
engine."""

import pytest

from helpdesk.kb.content import KnowledgeBase
from helpdesk.triage.answers import RecentAnswers
from helpdesk.triage.engine import TriageEngine


@pytest.fixture
def engine(tiny_kb: KnowledgeBase) -> TriageEngine:
    return TriageEngine(tiny_kb)


def test_a_repeated_question_is_answered_from_the_store(engine: TriageEngine) -> None:
    answers = RecentAnswers(engine)
    assert answers.known("min cykel har punkteret", None) is None
    first = answers.answer("min cykel har punkteret", None)
    assert first == engine.triage("min cykel har punkteret")
    again = answers.answer("min cykel har punkteret", None)
    assert again is first
    assert answers.known("min cykel har punkteret", None) is first
    assert (answers.hits, answers.misses) == (2, 1)


def test_the_interface_language_is_part_of_the_question(engine: TriageEngine) -> None:
    answers = RecentAnswers(engine)
    answers.answer("hjælp", None)
    answers.answer("hjælp", "en")
    assert answers.misses == 2
    assert answers.known("hjælp", "da") is None
    assert len(answers) == 2


def test_the_least_recently_used_answer_goes_first(engine: TriageEngine) -> None:
    answers = RecentAnswers(engine, size=2)
    answers.answer("cykel", None)
    answers.answer("pas", None)
    answers.known("cykel", None)  # used: "pas" is now the oldest
    answers.answer("mitid", None)
    assert len(answers) == 2
    assert answers.known("pas", None) is None
    assert answers.known("cykel", None) is not None
    assert answers.known("mitid", None) is not None


def test_a_store_needs_room_for_one_answer(engine: TriageEngine) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        RecentAnswers(engine, size=0)
