"""Aggregations for the coordinator: session logs, self-service (triage) and bookings.

Every count is read from the daily rollups (thousands of rows for a year, whatever the volume)
except combinations of two or more session attributes in :func:`metrics`, which only the JSON
API asks for and which are counted from help_log itself. Everything published goes through
:mod:`helpdesk.metrics.suppression`.

A period is two local dates, both included (``HELPDESK_TIMEZONE``); a location narrows session
logs, bookings and self-service to one place. A triage event has a place when its front end
said where it was (a library's kiosk); the chat and the web have none, so self-service figures
for one place are its kiosks' questions, and without a place they are everyone's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func
from sqlmodel import Session, col, select

from helpdesk.booking.models import Booking, Location
from helpdesk.errors import DomainError
from helpdesk.helplog.models import (
    AGE_BANDS,
    CHANNELS,
    FIRST_VISIT,
    OUTCOMES,
    SELF_RELIANCE,
    HelpLog,
    HelpLogTopic,
)
from helpdesk.metrics.dimensions import ATTRIBUTES, GROUP_BY, SESSION_DIMENSIONS
from helpdesk.metrics.models import (
    SessionRollup,
    SessionRollupAll,
    TriageRollup,
    TriageRollupPlace,
)
from helpdesk.metrics.suppression import Cell, publish_total, share, suppress

#: The known values of each attribute, in the order tables list them.
ORDER: dict[str, tuple[str, ...]] = {
    "channel": CHANNELS,
    "age_band": AGE_BANDS,
    "outcome": OUTCOMES,
    "self_reliance": SELF_RELIANCE,
    "first_visit": FIRST_VISIT,
    "interpreter": ("yes", "no"),
    "triage_channel": ("kiosk", "chat", "web", "counter"),
    "triage_outcome": ("guide", "clarify", "human"),
    "helpful": ("yes", "no", "unanswered"),
    "booking_status": ("booked", "arrived", "no_show", "cancelled"),
}
TRIAGE_OUTCOMES = ORDER["triage_outcome"]
#: Walk-ins are registered through the booking table but are not bookings.
WALK_IN_CHANNEL = "walk-in"


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def utc_bounds(self, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
        """The period as UTC instants: local midnight at the start to local midnight after."""
        start = dt.datetime.combine(self.start, dt.time(), tzinfo=zone)
        end = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), tzinfo=zone)
        return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


@dataclass(frozen=True)
class Table:
    """A published table: its dimensions, its cells (suppressed), and its total.

    ``total`` is what the shares are of: the number of sessions (or events, or bookings) in the
    period, which for topics is not the sum of the cells (a session can have several topics).
    """

    name: str
    dimensions: tuple[str, ...]
    cells: list[Cell[tuple[str, ...]]]
    total: int | None
    shares: dict[tuple[str, ...], float | None] = field(default_factory=dict)

    def cell(self, *key: str) -> Cell[tuple[str, ...]] | None:
        return next((c for c in self.cells if c.key == key), None)

    def share(self, *key: str) -> float | None:
        return self.shares.get(key)


def _sort_key(dimensions: Sequence[str], key: tuple[str, ...]) -> tuple[object, ...]:
    """Known values in their natural order, others (topics, languages, places) by name."""
    parts: list[object] = []
    for dimension, value in zip(dimensions, key, strict=True):
        order = ORDER.get(dimension, ())
        parts.append((order.index(value), "") if value in order else (len(order), value))
    return tuple(parts)


def make_table(
    name: str,
    dimensions: Sequence[str],
    counts: dict[tuple[str, ...], int],
    total: int,
    complete: bool = True,
) -> Table:
    """Suppress ``counts`` and derive each cell's share of ``total``.

    With ``complete``, a one-dimensional table lists every known value of its dimension, zero
    counts included, so that tables of different periods line up.
    """
    dimensions = tuple(dimensions)
    if complete and len(dimensions) == 1 and dimensions[0] in ORDER:
        for value in ORDER[dimensions[0]]:
            counts.setdefault((value,), 0)
    published = suppress(counts, len(dimensions))
    if len(dimensions) == 1 and dimensions[0] not in ORDER and dimensions[0] != "week":
        # Topics, places, languages: biggest first (hidden ones last), to read at a glance.
        cells = sorted(
            published.values(),
            key=lambda c: (c.count is None, -(c.count or 0), c.key),
        )
    else:
        cells = sorted(published.values(), key=lambda c: _sort_key(dimensions, c.key))
    published_total = publish_total(total)
    shares: dict[tuple[str, ...], float | None] = {}
    if len(dimensions) == 1:
        for cell in cells:
            shares[cell.key] = (
                None if cell.count is None or not published_total else cell.count / published_total
            )
    return Table(name, dimensions, cells, published_total, shares)


# --- session logs ------------------------------------------------------------------------------


def session_counts(
    session: Session,
    period: Period,
    dimension: str | Sequence[str],
    by: Sequence[str] = ("value",),
    location_id: int | None = None,
) -> dict[tuple[str, ...], int]:
    """Sessions per value of one attribute (``dimension``), optionally also per place and
    week: ``by`` lists "value", "location" (the place's slug) and "week" (ISO date of Monday).
    Several attributes at once (a sequence) need "dimension" in ``by``.

    Without a place (neither filtered nor grouped by) it reads the all-places rollup."""
    dimensions = [dimension] if isinstance(dimension, str) else list(dimension)
    per_place = location_id is not None or "location" in by
    table: Any = SessionRollup if per_place else SessionRollupAll
    columns = {
        "dimension": col(table.dimension),
        "value": col(table.value),
        "week": col(table.week),
    }
    if per_place:
        columns["location"] = col(SessionRollup.location_id)
    selected = [columns[name] for name in by]
    conditions = [
        col(table.dimension).in_(dimensions),
        col(table.day) >= period.start,
        col(table.day) <= period.end,
    ]
    if location_id is not None:
        conditions.append(col(SessionRollup.location_id) == location_id)
    rows = session.exec(
        select(*selected, func.sum(table.sessions)).where(*conditions).group_by(*selected)  # type: ignore[call-overload]
    ).all()
    slugs = _location_slugs(session) if "location" in by else {}
    counts: dict[tuple[str, ...], int] = {}
    for row in rows:
        *values, n = row
        if not n:
            continue
        key = tuple(
            slugs.get(value, str(value))
            if name == "location"
            else (value.isoformat() if name == "week" else str(value))
            for name, value in zip(by, values, strict=True)
        )
        counts[key] = counts.get(key, 0) + int(n)
    return counts


def session_total(session: Session, period: Period, location_id: int | None = None) -> int:
    # Every session has exactly one channel: the sum over channels is the number of sessions.
    return sum(session_counts(session, period, "channel", location_id=location_id).values())


def _location_slugs(session: Session) -> dict[int, str]:
    return {
        location_id: slug
        for location_id, slug in session.exec(select(Location.id, Location.slug)).all()
        if location_id is not None
    }


#: One table per dimension on the dashboard (and a CSV file each).
SESSION_TABLES = SESSION_DIMENSIONS


def session_tables(
    session: Session, period: Period, location_id: int | None = None
) -> dict[str, Table]:
    """One table per attribute (and per place), each with shares of all sessions. Two
    queries: every attribute's values at once, and the places."""
    attributes = [name for name in SESSION_TABLES if name != "location"]
    per_attribute: dict[str, dict[tuple[str, ...], int]] = {name: {} for name in attributes}
    for (name, value), n in session_counts(
        session, period, attributes, ("dimension", "value"), location_id
    ).items():
        per_attribute[name][(value,)] = n
    # Every session has exactly one channel: the sum over channels is the number of sessions.
    total = sum(per_attribute["channel"].values())
    # Sessions per place: summed over channels.
    per_attribute["location"] = session_counts(
        session, period, "channel", ("location",), location_id
    )
    return {name: make_table(name, (name,), per_attribute[name], total) for name in SESSION_TABLES}


def weekly_sessions(
    session: Session, period: Period, location_id: int | None = None
) -> dict[str, Table]:
    """Sessions per week ("weekly_total"), and per week and "can do it alone next time?"
    answer ("weekly", two dimensions: each week's line sums to its published total, so it is
    protected as a line)."""
    totals = session_counts(session, period, "channel", ("week",), location_id)
    total = sum(totals.values())
    counts = session_counts(session, period, "self_reliance", ("week", "value"), location_id)
    return {
        "weekly_total": make_table("weekly_total", ("week",), totals, total),
        "weekly": make_table("weekly", ("week", "self_reliance"), counts, total),
    }


@dataclass(frozen=True)
class KeyFigures:
    sessions: int | None
    self_reliance: float | None
    repeat_visits: float | None
    outreach: float | None
    interpreter: float | None
    solved: float | None


def key_figures(tables: dict[str, Table]) -> KeyFigures:
    return KeyFigures(
        sessions=tables["channel"].total,
        self_reliance=tables["self_reliance"].share("yes"),
        repeat_visits=tables["first_visit"].share("no"),
        outreach=tables["channel"].share("outreach"),
        interpreter=tables["interpreter"].share("yes"),
        solved=tables["outcome"].share("solved"),
    )


# --- self-service: triage events and bookings --------------------------------------------------


def triage_counts(
    session: Session,
    period: Period,
    dimension: str | Sequence[str],
    by: Sequence[str] = ("value",),
    location_id: int | None = None,
) -> dict[tuple[str, ...], int]:
    """Triage events per value of "channel", "language", "outcome" or "helpful" (``by``
    "value"), optionally per week ("week") or place ("location", the place's slug; only events
    that have one); several at once with "dimension" in ``by``. With ``location_id``, only the
    events asked at that place."""
    dimensions = [dimension] if isinstance(dimension, str) else list(dimension)
    per_place = location_id is not None or "location" in by
    table: Any = TriageRollupPlace if per_place else TriageRollup
    columns = {
        "dimension": col(table.dimension),
        "value": col(table.value),
        "week": col(table.week),
    }
    if per_place:
        columns["location"] = col(TriageRollupPlace.location_id)
    selected = [columns[name] for name in by]
    conditions = [
        col(table.dimension).in_(dimensions),
        col(table.day) >= period.start,
        col(table.day) <= period.end,
    ]
    if location_id is not None:
        conditions.append(col(TriageRollupPlace.location_id) == location_id)
    rows = session.exec(
        select(*selected, func.sum(table.events)).where(*conditions).group_by(*selected)  # type: ignore[call-overload]
    ).all()
    slugs = _location_slugs(session) if "location" in by else {}
    counts: dict[tuple[str, ...], int] = {}
    for row in rows:
        *values, n = row
        if n:
            key = tuple(
                slugs.get(v, str(v))
                if name == "location"
                else (v.isoformat() if isinstance(v, dt.date) else str(v))
                for name, v in zip(by, values, strict=True)
            )
            counts[key] = counts.get(key, 0) + int(n)
    return counts


#: The value of "triage_location" for questions asked at no particular place (chat, web).
NO_PLACE = "none"


def self_service_tables(
    session: Session, period: Period, location_id: int | None = None
) -> dict[str, Table]:
    """The self-service tables; with ``location_id``, of the questions asked at that place."""
    weekly_outcomes = triage_counts(
        session, period, "outcome", ("week", "value"), location_id=location_id
    )
    by_outcome: dict[tuple[str, ...], int] = {}
    by_week: dict[tuple[str, ...], int] = {}
    for (week, outcome), n in weekly_outcomes.items():
        by_outcome[(outcome,)] = by_outcome.get((outcome,), 0) + n
        by_week[(week,)] = by_week.get((week,), 0) + n
    total = sum(by_outcome.values())
    per: dict[str, dict[tuple[str, ...], int]] = {"channel": {}, "language": {}, "helpful": {}}
    for (name, value), n in triage_counts(
        session, period, list(per), ("dimension", "value"), location_id=location_id
    ).items():
        per[name][(value,)] = n
    # Questions per place (of all places, whatever the filter): every event has one outcome.
    places = triage_counts(session, period, "outcome", ("location",))
    all_questions = (
        total
        if location_id is None
        else sum(triage_counts(session, period, "outcome", ("dimension",)).values())
    )
    places[(NO_PLACE,)] = all_questions - sum(places.values())
    feedback = per["helpful"]
    answered = feedback.get(("yes",), 0) + feedback.get(("no",), 0)
    return {
        "triage_channel": make_table("triage_channel", ("triage_channel",), per["channel"], total),
        "triage_language": make_table("triage_language", ("language",), per["language"], total),
        "triage_outcome": make_table("triage_outcome", ("triage_outcome",), by_outcome, total),
        # Shares of the answers given: the deflection rate is the share of "yes".
        "triage_feedback": make_table(
            "triage_feedback",
            ("helpful",),
            {key: n for key, n in feedback.items() if key != ("unanswered",)},
            answered,
            complete=False,
        ),
        "triage_weekly_total": make_table("triage_weekly_total", ("week",), by_week, total),
        "triage_weekly": make_table(
            "triage_weekly", ("week", "triage_outcome"), weekly_outcomes, total
        ),
        "triage_location": make_table(
            "triage_location", ("triage_location",), places, all_questions
        ),
    }


def booking_table(
    session: Session, period: Period, zone: ZoneInfo, location_id: int | None = None
) -> Table:
    """Bookings (not walk-ins) whose session falls in the period, by status."""
    start, end = period.utc_bounds(zone)
    conditions = [
        col(Booking.starts_at) >= start,
        col(Booking.starts_at) < end,
        col(Booking.channel) != WALK_IN_CHANNEL,
    ]
    if location_id is not None:
        conditions.append(col(Booking.location_id) == location_id)
    rows = session.exec(
        select(Booking.status, func.count()).where(and_(*conditions)).group_by(col(Booking.status))
    ).all()
    counts: dict[tuple[str, ...], int] = {(str(status),): int(n) for status, n in rows}
    return make_table("bookings", ("booking_status",), counts, sum(counts.values()))


def booking_place_table(session: Session, period: Period, zone: ZoneInfo) -> Table:
    """Bookings (not walk-ins) whose session falls in the period, by place (slug) and status:
    no-shows per place. Two dimensions, so every place's row and every status's column is
    protected as a line (:mod:`helpdesk.metrics.suppression`)."""
    start, end = period.utc_bounds(zone)
    rows = session.exec(
        select(Booking.location_id, Booking.status, func.count())
        .where(
            col(Booking.starts_at) >= start,
            col(Booking.starts_at) < end,
            col(Booking.channel) != WALK_IN_CHANNEL,
        )
        .group_by(col(Booking.location_id), col(Booking.status))
    ).all()
    slugs = _location_slugs(session)
    counts: dict[tuple[str, ...], int] = {}
    for location_id, status, n in rows:
        key = (slugs.get(location_id, str(location_id)), str(status))
        counts[key] = counts.get(key, 0) + int(n)
    # Every place that had bookings lists every status, zeros included, so rows line up.
    for place in {place for place, _ in counts}:
        for status in ORDER["booking_status"]:
            counts.setdefault((place, status), 0)
    return make_table(
        "booking_location", ("location", "booking_status"), counts, sum(counts.values())
    )


@dataclass(frozen=True)
class PlaceBookings:
    """One place's row of :func:`booking_place_table`: its counts by status (None where hidden)
    and the share of no-shows among its bookings that were not cancelled."""

    place: str
    cells: dict[str, Cell[tuple[str, ...]]]

    def count(self, status: str) -> int | None:
        cell = self.cells.get(status)
        return cell.count if cell else 0

    @property
    def no_show_share(self) -> float | None:
        held = [self.count(status) for status in ("booked", "arrived", "no_show")]
        if any(n is None for n in held):
            return None  # a hidden count in the whole: the share could reveal it
        return share(self.count("no_show"), sum(n or 0 for n in held))


def bookings_by_place(table: Table) -> list[PlaceBookings]:
    """:func:`booking_place_table` as one row per place, most no-shows first."""
    places: dict[str, dict[str, Cell[tuple[str, ...]]]] = {}
    for cell in table.cells:
        places.setdefault(cell.key[0], {})[cell.key[1]] = cell
    rows = [PlaceBookings(place, cells) for place, cells in places.items()]
    return sorted(
        rows, key=lambda r: (r.count("no_show") is None, -(r.count("no_show") or 0), r.place)
    )


@dataclass(frozen=True)
class SelfServiceFigures:
    questions: int | None
    answered_by_guide: float | None
    helped: float | None
    handed_off: int | None
    bookings: int | None
    no_shows: int | None


def self_service_figures(tables: dict[str, Table], bookings: Table) -> SelfServiceFigures:
    human = tables["triage_outcome"].cell("human")
    no_show = bookings.cell("no_show")
    return SelfServiceFigures(
        questions=tables["triage_outcome"].total,
        answered_by_guide=tables["triage_outcome"].share("guide"),
        helped=tables["triage_feedback"].share("yes"),
        handed_off=human.count if human else 0,
        bookings=bookings.total,
        no_shows=no_show.count if no_show else 0,
    )


# --- the generic query behind GET /api/v1/metrics ----------------------------------------------


class UnknownGroup(DomainError, ValueError):
    """A group_by name that is not in :data:`GROUP_BY` (``unknown_group_by``)."""

    def __init__(self, names: str) -> None:
        super().__init__("unknown_group_by", names=names, allowed=", ".join(GROUP_BY))


def metrics(
    session: Session,
    start: dt.date,
    end: dt.date,
    group_by: Sequence[str],
    location: int | None = None,
) -> Table:
    """Session logs counted by any combination of :data:`GROUP_BY`, suppressed.

    One attribute (with or without place and week) is read from the rollup; two or more
    attributes at once are counted from the session logs.
    """
    unknown = [name for name in group_by if name not in GROUP_BY]
    if unknown:
        raise UnknownGroup(", ".join(unknown))
    group_by = list(dict.fromkeys(group_by))
    period = Period(start, end)
    attributes = [name for name in group_by if name in ATTRIBUTES]
    total = session_total(session, period, location)
    if len(attributes) <= 1:
        # Without an attribute, count over channel (one per session) and sum it away.
        dimension = attributes[0] if attributes else "channel"
        by = ["value" if name in ATTRIBUTES else name for name in group_by]
        counts = session_counts(session, period, dimension, by, location)
    else:
        counts = _raw_counts(session, period, group_by, location)
    return make_table("metrics", tuple(group_by), counts, total, complete=False)


def _raw_counts(
    session: Session, period: Period, group_by: Sequence[str], location_id: int | None
) -> dict[tuple[str, ...], int]:
    columns: dict[str, Any] = {
        "topic": col(HelpLogTopic.topic),
        "location": col(HelpLog.location_id),
        "channel": col(HelpLog.channel),
        "language": col(HelpLog.language),
        "age_band": col(HelpLog.age_band),
        "outcome": col(HelpLog.outcome),
        "self_reliance": col(HelpLog.self_reliance),
        "week": col(HelpLog.week),
    }
    selected = [columns[name] for name in group_by]
    query = select(*selected, func.count()).where(  # type: ignore[call-overload]
        col(HelpLog.held_on) >= period.start, col(HelpLog.held_on) <= period.end
    )
    if "topic" in group_by:
        query = query.join(HelpLogTopic, col(HelpLogTopic.log_id) == col(HelpLog.id))
    if location_id is not None:
        query = query.where(col(HelpLog.location_id) == location_id)
    slugs = _location_slugs(session) if "location" in group_by else {}
    counts: dict[tuple[str, ...], int] = {}
    for row in session.exec(query.group_by(*selected)).all():
        *values, n = row
        key = tuple(
            slugs.get(value, str(value))
            if name == "location"
            else (value.isoformat() if isinstance(value, dt.date) else str(value))
            for name, value in zip(group_by, values, strict=True)
        )
        counts[key] = int(n)
    return counts
