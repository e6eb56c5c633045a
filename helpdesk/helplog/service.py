"""Logging an assisted session: validation, redaction, one transaction for the log and its topics.

Plain domain logic (no HTTP): the API (``POST /api/v1/sessions``) and the staff form both call
:func:`log_help`. What can be checked without the database (types, ranges, the value lists)
is checked by :class:`HelpLogIn`; what needs the database or the live knowledge base (the
place, the booking, the topics) by :func:`log_help`, which raises :class:`HelpLogError`
with an error code of :mod:`helpdesk.errors`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import ConfigDict, Field, field_validator
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from helpdesk import LANGUAGES
from helpdesk.booking.models import Booking, Location
from helpdesk.clock import utcnow
from helpdesk.dbtypes import InputModel, RowId, parse_row_id
from helpdesk.errors import DomainError
from helpdesk.helplog.models import (
    OTHER_TOPIC,
    HelpLog,
    HelpLogTopic,
)
from helpdesk.i18n import N_
from helpdesk.privacy import redact_personal_data

#: The language of a session: one of the eight, or another one (no finer detail is kept).
OTHER_LANGUAGE = "other"
SESSION_LANGUAGES: tuple[str, ...] = (*LANGUAGES, OTHER_LANGUAGE)
MAX_TOPICS = 10
MAX_OTHER_TOPIC = 200
MAX_NOTE = 2000
MAX_DURATION = 480
#: How far back a session may be logged (a forgotten log on Monday for last week is fine).
MAX_DAYS_BACK = 31

# Literal types mirror the tuples in helpdesk.helplog.models (and the database's CHECKs); a
# test asserts that they agree.
Channel = Literal["booked", "walk_in", "outreach", "phone"]
AgeBand = Literal["15-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+", "unknown"]
FirstVisit = Literal["yes", "no", "unknown"]
Outcome = Literal["solved", "partly_solved", "referred", "arranged", "not_solved"]
SelfReliance = Literal["yes", "with_help", "no"]
SessionLanguage = Literal["da", "en", "ar", "uk", "tr", "pl", "so", "fa", "other"]

#: A message per field, shown beside the field (form) or in ``details`` (API) when the value is
#: missing or not allowed. The English text is the msgid; translations are in the catalogs.
FIELD_MESSAGES: dict[str, str] = {
    "location": N_("Choose the place."),
    "held_on": N_("The day must be today or within the last 31 days."),
    "channel": N_("Choose how the citizen came."),
    "topics": N_("Choose 1 to 10 topics."),
    "other_topic": N_("Describe the other topic in at most 200 characters."),
    "language": N_("Choose the language used."),
    "interpreter": N_("Say whether an interpreter was used."),
    "age_band": N_("Choose an age band, or unknown."),
    "first_visit": N_("Choose whether it was the first visit."),
    "outcome": N_("Choose the outcome."),
    "self_reliance": N_("Choose whether the citizen can do it alone next time."),
    "duration_minutes": N_("Give the duration in whole minutes, from 1 to 480."),
    "note": N_("The note can be at most 2000 characters."),
    "booking": N_("That booking does not exist."),
}


class HelpLogIn(InputModel):
    """One assisted session, as staff or an integration report it (anonymous: no citizen data)."""

    model_config = ConfigDict(extra="forbid")

    location: RowId | str = Field(
        description="The place: its slug as /api/v1/locations lists it, or its numeric id."
    )
    channel: Channel
    topics: list[str] = Field(
        min_length=1,
        max_length=MAX_TOPICS,
        description='Guide slugs from the knowledge base, or "other" (then say what in '
        "other_topic).",
    )
    other_topic: str | None = Field(
        default=None,
        max_length=MAX_OTHER_TOPIC,
        description='Required when topics has "other". Personal data is redacted.',
    )
    language: SessionLanguage = Field(description='The language used; "other" for any other.')
    interpreter: bool = False
    age_band: AgeBand = "unknown"
    first_visit: FirstVisit = "unknown"
    outcome: Outcome
    self_reliance: SelfReliance = Field(description='"Can do it alone next time?"')
    duration_minutes: int = Field(ge=1, le=MAX_DURATION)
    note: str | None = Field(
        default=None,
        max_length=MAX_NOTE,
        description="Optional; CPR numbers, phone numbers and e-mails are redacted.",
    )
    booking: RowId | None = Field(
        default=None, description="The booking the session came from (at most one log each)."
    )
    held_on: dt.date | None = Field(
        default=None,
        description=f"The local day of the session; default today, at most {MAX_DAYS_BACK} "
        "days back.",
    )

    @field_validator("topics")
    @classmethod
    def _distinct_topics(cls, value: list[str]) -> list[str]:
        cleaned = [topic.strip() for topic in value]
        if any(not topic for topic in cleaned):
            raise ValueError("empty topic")
        return list(dict.fromkeys(cleaned))


class HelpLogError(DomainError):
    """A session that cannot be logged; ``field`` is the input field it is about (if any)."""

    def __init__(self, code: str, field: str | None = None) -> None:
        super().__init__(code)
        self.field = field


@dataclass(frozen=True)
class LoggedHelp:
    log: HelpLog
    topics: list[str]
    location_slug: str


def week_of(day: dt.date) -> dt.date:
    """The Monday of the day's ISO week."""
    return day - dt.timedelta(days=day.weekday())


def _clean(text: str | None, limit: int) -> str | None:
    if text is None:
        return None
    cleaned = redact_personal_data(text.strip())[:limit].strip()
    return cleaned or None


def log_help(
    session: Session,
    data: HelpLogIn,
    *,
    known_topics: Collection[str],
    logged_by: int | None,
    today: dt.date,
) -> LoggedHelp:
    """Validate against the database and the knowledge base, redact, and store the log and its
    topics in one transaction. A booking is logged at most once; a booking still "booked" is
    marked "arrived" in the same transaction."""
    unknown = [t for t in data.topics if t != OTHER_TOPIC and t not in known_topics]
    if unknown:
        raise HelpLogError("unknown_topic", "topics")
    other_topic = _clean(data.other_topic, MAX_OTHER_TOPIC) if OTHER_TOPIC in data.topics else None
    if OTHER_TOPIC in data.topics and other_topic is None:
        raise HelpLogError("other_topic_required", "other_topic")
    held_on = data.held_on or today
    if held_on > today or held_on < today - dt.timedelta(days=MAX_DAYS_BACK):
        raise HelpLogError("held_on_out_of_range", "held_on")
    location = find_location(session, data.location)
    if location is None or location.id is None:
        raise HelpLogError("location_not_found", "location")
    if data.booking is not None:
        booking = session.get(Booking, data.booking)
        if booking is None:
            raise HelpLogError("session_booking_not_found", "booking")
        if booking.status == "cancelled":
            raise HelpLogError("booking_cancelled", "booking")
        if _booking_logged(session, data.booking):
            raise HelpLogError("session_already_logged", "booking")
    log = HelpLog(
        held_on=held_on,
        week=week_of(held_on),
        location_id=location.id,
        # Help at an outreach place (a shelter, a nursing home, a crisis centre) is outreach,
        # however the citizen came (booked from the place's own link, or dropping in).
        channel="outreach" if location.kind == "outreach" else data.channel,
        language=data.language,
        interpreter=data.interpreter,
        age_band=data.age_band,
        first_visit=data.first_visit,
        outcome=data.outcome,
        self_reliance=data.self_reliance,
        duration_minutes=data.duration_minutes,
        other_topic=other_topic,
        note=_clean(data.note, MAX_NOTE),
        booking_id=data.booking,
        logged_by=logged_by,
    )
    try:
        session.add(log)
        session.flush()
        assert log.id is not None
        for topic in data.topics:
            session.add(
                HelpLogTopic(log_id=log.id, topic=topic, held_on=held_on, location_id=location.id)
            )
        if data.booking is not None:
            session.execute(
                update(Booking)
                .where(col(Booking.id) == data.booking, col(Booking.status) == "booked")
                .values(status="arrived", updated_at=utcnow())
            )
        session.commit()
    except IntegrityError as exc:
        # Two staff logging the same booking at the same moment: the unique booking_id decides.
        session.rollback()
        if data.booking is not None and _booking_logged(session, data.booking):
            raise HelpLogError("session_already_logged", "booking") from exc
        raise
    return LoggedHelp(log=log, topics=list(data.topics), location_slug=location.slug)


def find_location(session: Session, key: int | str) -> Location | None:
    """A place by numeric id or by slug."""
    if isinstance(key, int):
        return session.get(Location, key)
    found = session.exec(select(Location).where(Location.slug == key.strip())).first()
    location_id = parse_row_id(key) if found is None else None
    return session.get(Location, location_id) if location_id is not None else found


def _booking_logged(session: Session, booking_id: int) -> bool:
    found = session.exec(select(HelpLog.id).where(HelpLog.booking_id == booking_id)).first()
    return found is not None


def logged_booking_ids(session: Session, booking_ids: Sequence[int]) -> set[int]:
    """Which of these bookings already have a session log (the day view shows it)."""
    if not booking_ids:
        return set()
    rows = session.exec(
        select(HelpLog.booking_id).where(col(HelpLog.booking_id).in_(list(booking_ids)))
    ).all()
    return {row for row in rows if row is not None}


def recent_logs(
    session: Session, logged_by: int, since: dt.datetime, limit: int = 50
) -> list[LoggedHelp]:
    """The sessions this staff account logged since ``since`` (newest first), with topics."""
    logs = session.exec(
        select(HelpLog)
        .where(HelpLog.logged_by == logged_by, col(HelpLog.created_at) >= since)
        .order_by(col(HelpLog.created_at).desc(), col(HelpLog.id).desc())
        .limit(limit)
    ).all()
    ids = [log.id for log in logs if log.id is not None]
    topics: dict[int, list[str]] = {}
    if ids:
        for log_id, topic in session.exec(
            select(HelpLogTopic.log_id, HelpLogTopic.topic).where(col(HelpLogTopic.log_id).in_(ids))
        ).all():
            topics.setdefault(log_id, []).append(topic)
    slugs = dict(session.exec(select(Location.id, Location.slug)).all())
    return [
        LoggedHelp(
            log=log,
            topics=sorted(topics.get(log.id or 0, [])),
            location_slug=slugs[log.location_id],
        )
        for log in logs
    ]
