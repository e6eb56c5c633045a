import datetime as dt

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from helpdesk.db import session_scope
from helpdesk.events.models import TriageEvent
from helpdesk.events.service import purge_questions
from tests.conftest import clear_tables


def test_question_texts_are_cleared_after_retention(db_engine: Engine) -> None:
    clear_tables(db_engine, "triage_event")
    now = dt.datetime(2026, 11, 24, 12, tzinfo=dt.UTC)
    with session_scope(db_engine) as session:
        for age_days, token in ((31, "old"), (29, "new")):
            session.add(
                TriageEvent(
                    created_at=now - dt.timedelta(days=age_days),
                    channel="web",
                    language="da",
                    outcome="human",
                    reason="no_match",
                    question=f"question {token}",
                    feedback_token=token,
                )
            )
    with session_scope(db_engine) as session:
        assert purge_questions(session, 30, now=now) == 1
    with Session(db_engine) as session:
        rows = {e.feedback_token: e for e in session.exec(select(TriageEvent))}
    assert rows["old"].question is None
    assert rows["old"].outcome == "human"
    assert rows["new"].question == "question new"
