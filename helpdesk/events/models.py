"""The triage event table: one row per triage call, anonymous by construction."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, DateTime, Index, Text, text
from sqlmodel import Field, SQLModel

from helpdesk.clock import utcnow

#: Questions nobody's guide answered: handed to a person, or "did not help".
UNMET_CONDITION = "question IS NOT NULL AND (outcome = 'human' OR helpful = false)"


class TriageEvent(SQLModel, table=True):
    __tablename__ = "triage_event"
    __table_args__ = (
        Index("ix_triage_event_created_at", "created_at"),
        # Unmet demand (helpdesk.metrics.unmet) reads the newest of these questions: a small
        # partial index instead of a scan of millions of events. Queries must repeat the
        # condition word for word (UNMET_CONDITION) for SQLite to use it.
        Index(
            "ix_triage_event_unmet",
            "created_at",
            sqlite_where=text(UNMET_CONDITION),
            postgresql_where=text(UNMET_CONDITION),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    created_at: dt.datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    channel: str = Field(max_length=16)
    language: str = Field(max_length=8)
    ui_language: str | None = Field(default=None, max_length=8)
    outcome: str = Field(max_length=16)
    reason: str = Field(max_length=32)
    top_slug: str | None = Field(default=None, max_length=80)
    top_score: float | None = None
    #: The question with CPR numbers, phone numbers and e-mails redacted; cleared after the
    #: retention period (HELPDESK_QUESTION_RETENTION_DAYS). Only for the knowledge-base gap report.
    question: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    #: "Did this help?" from the citizen: None until answered.
    helpful: bool | None = None
    #: An unguessable handle a front end uses to send the "Did this help?" answer.
    feedback_token: str = Field(max_length=32, unique=True)
    #: The place the question was asked at (a library's kiosk sends its place); None for the
    #: chat and the web, and a kiosk that does not say.
    location_id: int | None = Field(default=None, foreign_key="location.id", ondelete="SET NULL")
