"""The engine's answers to the questions asked most recently, kept so that a repeat costs a
look-up instead of a search.

Citizens ask the same short things again and again ("mitid", "pas", "digital post"), at every
kiosk and in the widget. The engine spends a millisecond or more of CPU on a question and the
answer depends on nothing but the question, the interface language and the engine itself, so a
repeat can take the earlier answer. One :class:`RecentAnswers` belongs to one engine: a change to
the knowledge base builds a new engine, and with it an empty store, so an answer is never older
than the guides it points to.

The questions are held as the engine sees them (personal data already removed), in memory only,
and only as many as ``size``; they are not written anywhere.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from helpdesk import telemetry
from helpdesk.triage.engine import TriageEngine, TriageResult

#: Distinct questions kept per engine. A result is a few hundred bytes, a question at most 500
#: characters: about 2 MB at the most.
DEFAULT_SIZE = 4096


class RecentAnswers:
    """A bounded, least-recently-used store of ``engine.triage`` answers; safe across threads
    (requests run the engine in the thread pool)."""

    def __init__(self, engine: TriageEngine, size: int = DEFAULT_SIZE) -> None:
        if size < 1:
            raise ValueError("size must be at least 1")
        self.engine = engine
        self.size = size
        self._answers: OrderedDict[tuple[str, str | None], TriageResult] = OrderedDict()
        self._lock = threading.Lock()
        #: Answers taken from the store, and answers the engine had to work out.
        self.hits = 0
        self.misses = 0

    def known(self, question: str, ui_language: str | None) -> TriageResult | None:
        """The stored answer to this question, or None; never runs the engine (cheap enough for
        the event loop)."""
        key = (question, ui_language)
        with self._lock:
            result = self._answers.get(key)
            if result is not None:
                self._answers.move_to_end(key)
                self.hits += 1
        if result is not None:
            telemetry.TRIAGE_ANSWERS.labels("reused").inc()
        return result

    def answer(self, question: str, ui_language: str | None) -> TriageResult:
        """The stored answer, or the engine's, which is then stored (evicting the least recently
        used one when full)."""
        known = self.known(question, ui_language)
        if known is not None:
            return known
        # Outside the lock: two threads may work out the same new question at once, and both
        # get the same answer; holding the lock would make every other question wait.
        result = self.engine.triage(question, ui_language)
        telemetry.TRIAGE_ANSWERS.labels("new").inc()
        with self._lock:
            self.misses += 1
            self._answers[(question, ui_language)] = result
            self._answers.move_to_end((question, ui_language))
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)
        return result

    def __len__(self) -> int:
        return len(self._answers)
