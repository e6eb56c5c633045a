"""The citizen's "did this help?" on a triage event, and the retention purge (the events
themselves are written by :mod:`helpdesk.events.writer`)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from sqlmodel import Session, col, select

from helpdesk.clock import utcnow
from helpdesk.events.models import TriageEvent

CHANNELS = ("kiosk", "chat", "counter", "web")


def record_feedback(session: Session, token: str, helpful: bool) -> bool:
    """Store "did this help?" on the event; False if no such event exists."""
    event = session.exec(select(TriageEvent).where(TriageEvent.feedback_token == token)).first()
    if event is None:
        return False
    event.helpful = helpful
    session.add(event)
    return True


def purge_questions(session: Session, retention_days: int, now: dt.datetime | None = None) -> int:
    """Clear question texts older than the retention period; the anonymous counts stay."""
    cutoff = (now or utcnow()) - dt.timedelta(days=retention_days)
    result = session.execute(
        update(TriageEvent)
        .where(col(TriageEvent.created_at) < cutoff, col(TriageEvent.question).is_not(None))
        .values(question=None)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
