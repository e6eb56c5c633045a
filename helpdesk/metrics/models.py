"""Daily rollups: pre-aggregated counts so that the dashboard reads thousands of rows, not
millions. Both are derived data: :func:`helpdesk.metrics.rollup.rebuild` recreates them from the
source tables at any time (after a bulk load, or to repair)."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel


class SessionRollup(SQLModel, table=True):
    """Sessions per local day, place, and one attribute's value.

    One row per (dimension, day, location, value): ``dimension`` is the attribute counted
    ("channel", "language", "interpreter", "age_band", "first_visit", "outcome",
    "self_reliance", "topic"). Every session has exactly one value of each attribute except
    topic (one or more), so summing any dimension but topic gives the number of sessions. The
    primary key leads with dimension and day: a dashboard query is one range scan of it.
    """

    __tablename__ = "session_rollup"

    dimension: str = Field(max_length=16, primary_key=True)
    day: dt.date = Field(primary_key=True)
    location_id: int = Field(primary_key=True, foreign_key="location.id", ondelete="CASCADE")
    value: str = Field(max_length=80, primary_key=True)
    #: The Monday of ``day``'s ISO week, for weekly trends.
    week: dt.date
    sessions: int


class TriageRollup(SQLModel, table=True):
    """Triage events per local day, channel, language, outcome and "did this help?" answer
    (``helpful``: "yes", "no" or "unanswered")."""

    __tablename__ = "triage_rollup"

    day: dt.date = Field(primary_key=True)
    channel: str = Field(max_length=16, primary_key=True)
    language: str = Field(max_length=8, primary_key=True)
    outcome: str = Field(max_length=16, primary_key=True)
    helpful: str = Field(max_length=10, primary_key=True)
    week: dt.date
    events: int
