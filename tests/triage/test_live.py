"""The live knowledge base follows the database: a changed guide is matched without a restart."""

from sqlalchemy.engine import Engine

from helpdesk.db import session_scope
from helpdesk.kb.content import KnowledgeBase
from helpdesk.kb.store import import_guides
from helpdesk.triage.live import LiveKnowledgeBase


def test_snapshot_rebuilds_when_guides_change(db_engine: Engine, real_kb: KnowledgeBase) -> None:
    with session_scope(db_engine) as session:
        import_guides(session, real_kb.guides)
    live = LiveKnowledgeBase(db_engine, real_kb.intents, check_interval=0)
    before = live.refresh(force=True)
    question = "kvantefysik for begyndere i biblioteket"
    assert before.triage(question, None).outcome == "human"

    changed = [g.model_copy(deep=True) for g in real_kb.guides]
    library = next(g for g in changed if g.slug == "library-login")
    library.translations["da"].phrases.append(question)
    try:
        with session_scope(db_engine) as session:
            import_guides(session, changed)
        after = live.refresh()
        assert after.version != before.version
        # The new engine comes with an empty store of answers: not the old "no guide".
        result = after.triage(question, None)
        assert result.matches[0].slug == "library-login"
        assert after.answers is not before.answers
        assert live.refresh() is after  # unchanged database: the same snapshot, no rebuild
        # Another app over the same guides (a second start in this process) takes the engine
        # already built, rather than building the same index again.
        again = LiveKnowledgeBase(db_engine, real_kb.intents, check_interval=0)
        assert again.refresh(force=True).engine is after.engine
    finally:
        with session_scope(db_engine) as session:
            import_guides(session, real_kb.guides)
