"""The knowledge base as the running service sees it: guides plus a triage engine built on them.

The database is the live store. A :class:`LiveKnowledgeBase` holds an immutable snapshot and
rebuilds it when the stored guides change (checked at most every ``check_interval`` seconds), so
that several service processes over one database converge without a restart.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session

from helpdesk.kb.content import Guide, Intent, KnowledgeBase
from helpdesk.kb.store import knowledge_base_version, load_guides
from helpdesk.triage.engine import TriageEngine


@dataclass(frozen=True)
class Snapshot:
    version: str
    guides: dict[str, Guide]
    engine: TriageEngine


class LiveKnowledgeBase:
    def __init__(self, db: Engine, intents: list[Intent], check_interval: float = 5.0) -> None:
        self._db, self._intents, self._interval = db, intents, check_interval
        self._lock = threading.Lock()
        self._checked_at = 0.0
        self._snapshot: Snapshot | None = None

    def _build(self, session: Session, version: str) -> Snapshot:
        guides = load_guides(session)
        engine = TriageEngine(KnowledgeBase(guides=guides, intents=self._intents))
        return Snapshot(version, {g.slug: g for g in guides}, engine)

    def refresh(self, force: bool = False) -> Snapshot:
        with self._lock:
            now = time.monotonic()
            if self._snapshot is not None and not force and now - self._checked_at < self._interval:
                return self._snapshot
            with Session(self._db) as session:
                version = knowledge_base_version(session)
                if self._snapshot is None or self._snapshot.version != version:
                    self._snapshot = self._build(session, version)
            self._checked_at = now
            return self._snapshot

    @property
    def current(self) -> Snapshot:
        return self.refresh()
