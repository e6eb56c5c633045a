"""Daily rollups: pre-aggregated counts so that the dashboard reads thousands of rows, not
millions. All four are derived data: :func:`helpdesk.metrics.rollup.rebuild` recreates them
from the source tables at any time (after a bulk load, or to repair).

Each row counts one attribute's value on one local day: ``dimension`` names the attribute and
``value`` its value. Every session (or triage event) has exactly one value of each attribute
except a session's topics (one or more), so summing any other dimension gives the number of
sessions (events). The primary keys lead with the dimension and end with the day's range, so a
dashboard query is one short range scan.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel


class SessionRollup(SQLModel, table=True):
    """Sessions per place, local day and attribute value ("channel", "language",
    "interpreter", "age_band", "first_visit", "outcome", "self_reliance", "topic")."""

    __tablename__ = "session_rollup"

    dimension: str = Field(max_length=16, primary_key=True)
    location_id: int = Field(primary_key=True, foreign_key="location.id", ondelete="CASCADE")
    day: dt.date = Field(primary_key=True)
    value: str = Field(max_length=80, primary_key=True)
    #: The Monday of ``day``'s ISO week, for weekly trends.
    week: dt.date
    sessions: int


class SessionRollupAll(SQLModel, table=True):
    """The same for all places together: what the dashboard reads without a place filter
    (eighteen times fewer rows than summing the places)."""

    __tablename__ = "session_rollup_all"

    dimension: str = Field(max_length=16, primary_key=True)
    day: dt.date = Field(primary_key=True)
    value: str = Field(max_length=80, primary_key=True)
    week: dt.date
    sessions: int


class TriageRollupPlace(SQLModel, table=True):
    """Triage events per place (the kiosk's), local day and value, as in
    :class:`TriageRollup`; events without a place are counted only there."""

    __tablename__ = "triage_rollup_place"

    dimension: str = Field(max_length=16, primary_key=True)
    location_id: int = Field(primary_key=True, foreign_key="location.id", ondelete="CASCADE")
    day: dt.date = Field(primary_key=True)
    value: str = Field(max_length=16, primary_key=True)
    week: dt.date
    events: int


class TriageRollup(SQLModel, table=True):
    """Triage events per local day and value of "channel", "language", "outcome" or "helpful"
    (the "did this help?" answer: "yes", "no" or "unanswered")."""

    __tablename__ = "triage_rollup"

    dimension: str = Field(max_length=16, primary_key=True)
    day: dt.date = Field(primary_key=True)
    value: str = Field(max_length=16, primary_key=True)
    week: dt.date
    events: int
