"""The knowledge base as the running service sees it: guides plus a triage engine built on them.

The database is the live store. A :class:`LiveKnowledgeBase` holds an immutable snapshot. Every
change to the stored guides raises a one-row counter (``kb_generation``) in the same transaction;
each process reads that counter at most every ``check_interval`` seconds (one cheap query), and
when it moved, rebuilds its snapshot in a background thread while requests go on being answered
from the old one. So several service processes over one database converge within about a second,
without a restart and without a pause. The process that made a change calls :meth:`refresh` to
rebuild at once, so that its editor sees the change on the next page.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field, replace

from sqlalchemy.engine import Engine
from sqlmodel import Session

from helpdesk import telemetry
from helpdesk.kb.content import Guide, Intent, KnowledgeBase
from helpdesk.kb.store import (
    PublicStatus,
    kb_generation,
    knowledge_base_version,
    load_guides_with_status,
)
from helpdesk.triage.answers import RecentAnswers
from helpdesk.triage.engine import TriageEngine, TriageResult

logger = logging.getLogger(__name__)

#: The last engine this process built, with what it was built from (the stored guides' version
#: and the intents). Building takes seconds; an app started again over the same guides (a second
#: app in one process, as every test makes) takes this one. It is the live engine anyway, so
#: keeping it costs no memory; a change to the guides makes a new one.
_last_built: tuple[tuple[str, str], TriageEngine] | None = None
_last_built_lock = threading.Lock()


def _engine_for(
    version: str, guides: list[Guide], intents: list[Intent], previous: TriageEngine | None
) -> TriageEngine:
    global _last_built
    key = (version, "\n".join(intent.model_dump_json() for intent in intents))
    with _last_built_lock:
        if _last_built is not None and _last_built[0] == key:
            return _last_built[1]
    engine = TriageEngine(KnowledgeBase(guides=guides, intents=intents), previous=previous)
    with _last_built_lock:
        _last_built = (key, engine)
    return engine


@dataclass(frozen=True)
class Snapshot:
    version: str
    guides: dict[str, Guide]
    engine: TriageEngine
    #: The ``kb_generation`` counter read before this snapshot was loaded.
    generation: int = 0
    #: Per (slug, language): stale mark and review time, for the public guide endpoints.
    status: dict[tuple[str, str], PublicStatus] = field(default_factory=dict)
    #: The engine's recent answers, empty in every new snapshot (a new engine's answers may
    #: differ).
    answers: RecentAnswers = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "answers", RecentAnswers(self.engine))

    def known_answer(self, question: str, ui_language: str | None) -> TriageResult | None:
        """This engine's earlier answer to the same question, without running it."""
        return self.answers.known(question, ui_language)

    def triage(self, question: str, ui_language: str | None) -> TriageResult:
        """The engine's answer, an earlier one when the same question came recently."""
        return self.answers.answer(question, ui_language)

    def listed_guides(self) -> list[Guide]:
        """The guides proper, for lists and topic choices: crisis answers and referrals are
        entries that triage shows, not guides to browse."""
        return [guide for guide in self.guides.values() if guide.kind == "guide"]


class LiveKnowledgeBase:
    def __init__(self, db: Engine, intents: list[Intent], check_interval: float = 1.0) -> None:
        self._db, self._intents, self._interval = db, intents, check_interval
        self._build_lock = threading.Lock()  # one rebuild at a time
        self._state_lock = threading.Lock()  # guards the fields below
        self._checked_at = 0.0
        self._snapshot: Snapshot | None = None
        self._background: threading.Thread | None = None

    def _rebuild_if_changed(self, check_content: bool) -> Snapshot:
        """Load and build a new snapshot if the stored guides changed (caller holds the build
        lock). ``check_content`` compares the content fingerprint even when the counter did not
        move (start-up, forced refresh); otherwise the counter alone decides."""
        with Session(self._db) as session:
            generation = kb_generation(session)
            old = self._snapshot
            if old is not None and not check_content and old.generation == generation:
                return old
            version = knowledge_base_version(session)
            if old is not None and old.version == version:
                snapshot = replace(old, generation=generation)
            else:
                guides, status = load_guides_with_status(session)
                snapshot = None
        if snapshot is None:
            engine = _engine_for(
                version, guides, self._intents, old.engine if old is not None else None
            )
            snapshot = Snapshot(version, {g.slug: g for g in guides}, engine, generation, status)
        with self._state_lock:
            self._snapshot = snapshot
            self._checked_at = time.monotonic()
        telemetry.KB_GENERATION.set(generation)
        return snapshot

    def _checked_recently(self, now: float | None = None) -> bool:
        """The generation counter was read within ``check_interval``."""
        return (now if now is not None else time.monotonic()) - self._checked_at < self._interval

    def refresh(self, force: bool = False) -> Snapshot:
        """Bring the snapshot up to date now, waiting for a rebuild if one is needed.

        For start-up and for the process that just saved a change. Without ``force`` the
        counter is read at most every ``check_interval`` seconds."""
        snapshot = self._snapshot
        if snapshot is not None and not force and self._checked_recently():
            return snapshot
        with self._build_lock:
            return self._rebuild_if_changed(check_content=force or snapshot is None)

    def _rebuild_in_background(self) -> None:
        try:
            with self._build_lock:
                self._rebuild_if_changed(check_content=False)
        except Exception:  # the old snapshot keeps serving; the next check tries again
            logger.exception("knowledge base rebuild failed")

    @property
    def checked(self) -> Snapshot | None:
        """The snapshot if its generation was checked within ``check_interval``, else None (then
        :attr:`current`, which may read the counter). Never touches the database."""
        snapshot = self._snapshot
        if snapshot is None or not self._checked_recently():
            return None
        return snapshot

    @property
    def current(self) -> Snapshot:
        """The snapshot to answer a request with; never waits for a rebuild.

        At most every ``check_interval`` seconds one caller reads the generation counter; if it
        moved, a background thread rebuilds while the old snapshot goes on serving."""
        snapshot = self._snapshot
        if snapshot is None:
            return self.refresh(force=True)
        now = time.monotonic()
        with self._state_lock:
            if self._checked_recently(now):
                return snapshot
            self._checked_at = now
            busy = self._background is not None and self._background.is_alive()
        if busy:
            return snapshot
        with Session(self._db) as session:
            generation = kb_generation(session)
        if generation != snapshot.generation:
            thread = threading.Thread(
                target=self._rebuild_in_background, name="kb-rebuild", daemon=True
            )
            with self._state_lock:
                self._background = thread
            thread.start()
        return snapshot
