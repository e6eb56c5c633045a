"""Triage events off the answer's path: a bounded in-process queue written in batches.

A triage answer used to wait for its event's commit, which made triage over HTTP a tenth as fast
as /healthz. Now the route hands the event to :class:`EventWriter` and answers at once; a
background task writes what has gathered every :data:`FLUSH_SECONDS` in one transaction (through
the ORM, so the metrics rollups stay in step), and :meth:`EventWriter.close` writes the rest at
shutdown. What a ``kill -9`` (or a power cut) can lose is the events of the last flush interval:
anonymous counts and redacted questions, never a booking.

The queue is bounded (:data:`QUEUE_LIMIT`): if the database cannot keep up, the oldest waiting
events are dropped and counted rather than growing memory without limit.

Use from one event loop: :meth:`submit` from request handlers, :meth:`start` and :meth:`close`
from the lifespan, :meth:`flush` where an event must be in the database before going on (tests,
and the "did this help?" answer for an event not yet written).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import secrets
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.engine import Engine

from helpdesk import telemetry
from helpdesk.clock import utcnow
from helpdesk.db import session_scope
from helpdesk.events.models import TriageEvent
from helpdesk.privacy import redact_personal_data

logger = logging.getLogger(__name__)

#: Seconds between writes: the most a kill -9 can lose.
FLUSH_SECONDS = 0.5
#: Events waiting at most; beyond it the oldest are dropped (the database is not keeping up).
QUEUE_LIMIT = 20_000
#: Events written per transaction at most, and written at once when this many wait: a larger
#: batch held the interpreter long enough to make the slowest answers wait (p99 100 ms at
#: 1,600 answers a second with 1,000).
BATCH_LIMIT = 200


class RankedGuide(Protocol):
    @property
    def slug(self) -> str: ...
    @property
    def score(self) -> float: ...


class TriageAnswer(Protocol):
    """What an event keeps of a triage result (``helpdesk.triage.engine.TriageResult`` is one).
    Described here rather than imported, so that events does not depend on the engine, which
    depends on the guide format, whose workshop counts events."""

    @property
    def language(self) -> str: ...
    @property
    def outcome(self) -> str: ...
    @property
    def reason(self) -> str: ...
    @property
    def answer(self) -> str | None: ...
    @property
    def matches(self) -> Sequence[RankedGuide]: ...


@dataclass
class PendingEvent:
    """A triage event as the citizen saw it, before it is written."""

    channel: str
    language: str
    ui_language: str | None
    outcome: str
    reason: str
    top_slug: str | None
    top_score: float | None
    question: str
    feedback_token: str
    created_at: dt.datetime = field(default_factory=utcnow)
    helpful: bool | None = None
    #: The place the question was asked at (a kiosk's), when the front end said.
    location_id: int | None = None

    @classmethod
    def of(
        cls,
        question: str,
        result: TriageAnswer,
        channel: str,
        ui_language: str | None,
        location_id: int | None = None,
    ) -> PendingEvent:
        top = result.matches[0] if result.matches else None
        return cls(
            channel=channel,
            language=result.language,
            ui_language=ui_language,
            outcome=result.outcome,
            reason=result.reason,
            # A crisis answer or a referral is what the citizen was shown: kept like a top guide.
            top_slug=top.slug if top else result.answer,
            top_score=top.score if top else None,
            question=redact_personal_data(question)[:500],
            feedback_token=secrets.token_urlsafe(16),
            location_id=location_id,
        )

    def row(self) -> TriageEvent:
        return TriageEvent(
            created_at=self.created_at,
            channel=self.channel,
            language=self.language,
            ui_language=self.ui_language,
            outcome=self.outcome,
            reason=self.reason,
            top_slug=self.top_slug,
            top_score=self.top_score,
            question=self.question,
            helpful=self.helpful,
            feedback_token=self.feedback_token,
            location_id=self.location_id,
        )


class EventWriter:
    def __init__(
        self,
        engine: Engine,
        flush_seconds: float = FLUSH_SECONDS,
        queue_limit: int = QUEUE_LIMIT,
        batch_limit: int = BATCH_LIMIT,
    ) -> None:
        self.engine = engine
        self.flush_seconds = flush_seconds
        self.queue_limit = queue_limit
        self.batch_limit = batch_limit
        self._waiting: deque[PendingEvent] = deque()
        self._by_token: dict[str, PendingEvent] = {}
        self._submitted = 0  # events handed in so far (numbered 1, 2, ...)
        self._done = 0  # events written, dropped or failed so far, in order
        self._progress = asyncio.Condition()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        #: Events dropped because the queue was full, and events whose write failed.
        self.dropped = 0
        self.failed = 0
        #: Events written to the database by this writer.
        self.written = 0

    # -- the request side ---------------------------------------------------------------------

    def submit(self, event: PendingEvent) -> None:
        """Queue an event for the next batch; never waits."""
        if self._task is None or self._closing:
            raise RuntimeError("the event writer is not running (start() it in the lifespan)")
        if len(self._waiting) >= self.queue_limit:
            oldest = self._waiting.popleft()
            self._by_token.pop(oldest.feedback_token, None)
            self.dropped += 1
            self._done += 1
            telemetry.TRIAGE_EVENTS_LOST.labels("queue_full").inc()
            if self.dropped == 1 or self.dropped % 1000 == 0:
                logger.warning("triage event queue full: %d event(s) dropped", self.dropped)
        self._waiting.append(event)
        self._by_token[event.feedback_token] = event
        telemetry.TRIAGE.labels(event.outcome, event.reason).inc()
        self._submitted += 1
        if len(self._waiting) >= self.batch_limit:
            self._wake.set()

    def answer_pending(self, token: str, helpful: bool) -> bool:
        """Put a "did this help?" answer on an event still waiting here; False if none is."""
        event = self._by_token.get(token)
        if event is None:
            return False
        event.helpful = helpful
        return True

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    async def flush(self) -> None:
        """Returns once every event submitted before the call is written (or dropped)."""
        target = self._submitted
        if self._done >= target:
            return
        self._wake.set()
        async with self._progress:
            await self._progress.wait_for(lambda: self._done >= target)

    # -- the background task ------------------------------------------------------------------

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="triage-event-writer")

    async def close(self) -> None:
        """Writes everything still waiting, then stops (the lifespan's shutdown)."""
        if self._task is None:
            return
        self._closing = True
        self._wake.set()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
        if self.dropped or self.failed:
            logger.warning(
                "triage events: %d written, %d dropped (queue full), %d failed",
                self.written,
                self.dropped,
                self.failed,
            )

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.flush_seconds)
            self._wake.clear()
            while self._waiting:
                await self._write_batch()
            if self._closing:
                return

    async def _write_batch(self) -> None:
        batch = [self._waiting.popleft() for _ in range(min(self.batch_limit, len(self._waiting)))]
        # From here on a "did this help?" answer goes to the database (after a flush).
        for event in batch:
            self._by_token.pop(event.feedback_token, None)
        try:
            # The database work in a thread: the event loop keeps answering meanwhile.
            await asyncio.to_thread(self._write, batch)
            self.written += len(batch)
        except Exception:
            # Not retried: a batch the database refuses would be refused again, and the queue
            # must not grow while the database is down. Anonymous counts are lost, and said so.
            self.failed += len(batch)
            telemetry.TRIAGE_EVENTS_LOST.labels("write_failed").inc(len(batch))
            logger.exception("writing %d triage event(s) failed; they are lost", len(batch))
        finally:
            async with self._progress:
                self._done += len(batch)
                self._progress.notify_all()

    def _write(self, batch: list[PendingEvent]) -> None:
        with session_scope(self.engine) as session:
            session.add_all([event.row() for event in batch])
