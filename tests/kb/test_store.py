"""Importing guide files into the database is idempotent and reads back exactly."""

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from helpdesk.db import session_scope
from helpdesk.kb.content import KnowledgeBase
from helpdesk.kb.models import GuideTranslationRecord
from helpdesk.kb.store import import_guides, knowledge_base_version, load_guides
from tests.conftest import clear_tables


def test_import_is_idempotent_and_round_trips(db_engine: Engine, real_kb: KnowledgeBase) -> None:
    clear_tables(db_engine, "guide_translation", "guide")
    versions = sum(len(g.translations) for g in real_kb.guides)
    with session_scope(db_engine) as session:
        first = import_guides(session, real_kb.guides)
    assert first.as_dict() == {"created": versions, "updated": 0, "unchanged": 0, "kept_edits": 0}
    with Session(db_engine) as session:
        stamps = {r.id: r.updated_at for r in session.exec(select(GuideTranslationRecord))}
        fingerprint = knowledge_base_version(session)

    with session_scope(db_engine) as session:
        second = import_guides(session, real_kb.guides)
    assert second.as_dict() == {"created": 0, "updated": 0, "unchanged": versions, "kept_edits": 0}
    with Session(db_engine) as session:
        assert {r.id: r.updated_at for r in session.exec(select(GuideTranslationRecord))} == stamps
        assert knowledge_base_version(session) == fingerprint
        stored = load_guides(session)
    assert [g.model_dump() for g in stored] == [
        g.model_dump() for g in sorted(real_kb.guides, key=lambda g: g.slug)
    ]


def test_changed_file_updates_only_that_version(db_engine: Engine, real_kb: KnowledgeBase) -> None:
    with session_scope(db_engine) as session:
        import_guides(session, real_kb.guides)
    changed = [g.model_copy(deep=True) for g in real_kb.guides]
    changed[0].translations["en"].summary = "A new summary."
    with session_scope(db_engine) as session:
        report = import_guides(session, changed)
    assert report.updated == 1
    with Session(db_engine) as session:
        guide = next(g for g in load_guides(session) if g.slug == changed[0].slug)
    assert guide.translations["en"].summary == "A new summary."
    with session_scope(db_engine) as session:  # put it back for the other tests
        import_guides(session, real_kb.guides)
