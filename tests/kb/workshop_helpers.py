"""Helpers for tests that edit the knowledge base: put the guide files' version back afterwards."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from helpdesk.db import session_scope
from helpdesk.kb.content import KnowledgeBase
from helpdesk.kb.store import import_guides
from helpdesk.kb.workshop import current_snapshot
from helpdesk.triage.live import LiveKnowledgeBase
from tests.conftest import clear_tables


def reset_knowledge_base(
    engine: Engine, kb: KnowledgeBase, live: LiveKnowledgeBase | None = None
) -> None:
    """Forget every edit, revision and audit entry and import the files afresh."""
    clear_tables(engine, "audit_log", "guide_revision", "guide_translation", "guide")
    with session_scope(engine) as session:
        import_guides(session, kb.guides)
    if live is not None:
        live.refresh(force=True)


def stored_version(engine: Engine, slug: str, language: str) -> dict[str, Any]:
    """A language version in the shape PUT accepts."""
    with Session(engine) as session:
        return current_snapshot(session, slug, language)
