"""Recording triage events, the citizen's "did this help?", and the retention purge."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import update
from sqlmodel import Session, col, select

from helpdesk.clock import utcnow
from helpdesk.events.models import TriageEvent
from helpdesk.privacy import redact_personal_data
from helpdesk.triage.engine import TriageResult

CHANNELS = ("kiosk", "chat", "counter", "web")


def record_triage(
    session: Session,
    question: str,
    result: TriageResult,
    channel: str,
    ui_language: str | None,
) -> TriageEvent:
    top = result.matches[0] if result.matches else None
    event = TriageEvent(
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
    )
    session.add(event)
    session.flush()
    return event


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
