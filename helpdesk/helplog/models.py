"""Tables of the session-log package.

A session log is anonymous from the start: it names no citizen and holds no contact details. The
only free text (``note``, ``other_topic``) has CPR numbers, phone numbers and e-mail addresses
redacted before it is stored. ``booking_id`` links a log to the booking it came from (one log per
booking), so that a booking is not logged twice; the booking's contact details are purged on
their own schedule and the link then leads to an anonymous row.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Column, Index, Text
from sqlmodel import Field, SQLModel

from helpdesk.clock import utcnow
from helpdesk.dbtypes import UTCDateTime

CHANNELS: tuple[str, ...] = ("booked", "walk_in", "outreach", "phone")
#: Statistics Denmark's ten-year age bands (15-24 ... 75+), and "unknown".
AGE_BANDS: tuple[str, ...] = (
    "15-24",
    "25-34",
    "35-44",
    "45-54",
    "55-64",
    "65-74",
    "75+",
    "unknown",
)
FIRST_VISIT: tuple[str, ...] = ("yes", "no", "unknown")
OUTCOMES: tuple[str, ...] = ("solved", "partly_solved", "referred", "arranged", "not_solved")
SELF_RELIANCE: tuple[str, ...] = ("yes", "with_help", "no")
#: The topic of a session that no guide covers; its short text is in ``other_topic``.
OTHER_TOPIC = "other"


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class HelpLog(SQLModel, table=True):
    __tablename__ = "help_log"
    __table_args__ = (
        CheckConstraint(_in("channel", CHANNELS), name="ck_help_log_channel"),
        CheckConstraint(_in("age_band", AGE_BANDS), name="ck_help_log_age_band"),
        CheckConstraint(_in("first_visit", FIRST_VISIT), name="ck_help_log_first_visit"),
        CheckConstraint(_in("outcome", OUTCOMES), name="ck_help_log_outcome"),
        CheckConstraint(_in("self_reliance", SELF_RELIANCE), name="ck_help_log_self_reliance"),
        CheckConstraint(
            "duration_minutes >= 0 AND duration_minutes <= 480", name="ck_help_log_duration"
        ),
        # The dashboard filters by period, then by location.
        Index("ix_help_log_held_on_location", "held_on", "location_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    #: The local (Europe/Copenhagen) day the session was held.
    held_on: dt.date
    #: The Monday of ``held_on``'s ISO week: weekly trends group by it on every database.
    week: dt.date
    location_id: int = Field(foreign_key="location.id", ondelete="RESTRICT")
    channel: str = Field(max_length=16)
    language: str = Field(max_length=8)
    interpreter: bool = False
    age_band: str = Field(default="unknown", max_length=8)
    first_visit: str = Field(default="unknown", max_length=8)
    outcome: str = Field(max_length=16)
    self_reliance: str = Field(max_length=16)
    duration_minutes: int
    #: Short text for the topic "other" (redacted); None when no topic is "other".
    other_topic: str | None = Field(default=None, max_length=200)
    #: Staff's note, redacted before it is stored.
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    booking_id: int | None = Field(
        default=None, foreign_key="booking.id", unique=True, ondelete="SET NULL"
    )
    #: The staff account that logged it (not the citizen); None once the account is deleted.
    logged_by: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    created_at: dt.datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class HelpLogTopic(SQLModel, table=True):
    """One topic of a session (a guide slug or "other"). ``held_on`` and ``location_id`` repeat
    the session's so that counts by topic read one covering index, without a join."""

    __tablename__ = "help_log_topic"
    __table_args__ = (
        Index("ix_help_log_topic_held_on_location_topic", "held_on", "location_id", "topic"),
    )

    log_id: int = Field(foreign_key="help_log.id", primary_key=True, ondelete="CASCADE")
    topic: str = Field(max_length=80, primary_key=True)
    held_on: dt.date
    location_id: int = Field(foreign_key="location.id", ondelete="RESTRICT")
