"""From weekly opening schedules and closures to bookable slots.

Schedules are in local wall time (``HELPDESK_TIMEZONE``); slots are stored in UTC, so a
schedule "Tuesday 10:00-12:00" stays 10:00-12:00 across daylight-saving changes.

:func:`materialise_slots` reconciles the slots of the coming weeks with the schedules: it makes
the missing ones (idempotently: a unique key on location, session type and start, and
``INSERT ... ON CONFLICT DO NOTHING``, so several processes can run it at once), updates
languages and capacity where the schedule changed (never below the seats already booked), and
closes slots that a closure, a Danish public holiday (:mod:`helpdesk.booking.holidays`), an
inactive place or a changed schedule no longer allows. Slots made by hand (without a schedule)
are left alone. It runs at start-up, daily, and in the transaction of every administrative
change (:mod:`helpdesk.booking.admin`), which also cancels and notifies the bookings in slots
it closed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from helpdesk.booking.holidays import HolidayRules
from helpdesk.booking.models import (
    Booking,
    Closure,
    Location,
    Schedule,
    ScheduleStaff,
    SessionType,
    Slot,
    StaffMember,
)
from helpdesk.clock import utcnow

SlotKey = tuple[int, int, dt.datetime]  # location, session type, start (UTC)


@dataclass(frozen=True)
class PlannedSlot:
    location_id: int
    session_type_id: int
    schedule_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int
    languages: str

    @property
    def key(self) -> SlotKey:
        return (self.location_id, self.session_type_id, self.starts_at)


@dataclass(frozen=True)
class MaterialiseReport:
    created: int
    updated: int
    closed: int
    reopened: int

    def as_dict(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "closed": self.closed,
            "reopened": self.reopened,
        }


def language_field(languages: set[str] | list[str]) -> str:
    """{"en", "da"} → ",da,en," (sorted; a LIKE '%,da,%' finds it in any database)."""
    return "," + "".join(f"{code}," for code in sorted(set(languages)))


def session_times(
    day: dt.date, starts: dt.time, ends: dt.time, minutes: int, zone: ZoneInfo
) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """Back-to-back sessions of ``minutes`` from ``starts`` to ``ends`` on ``day``, in UTC."""
    length = dt.timedelta(minutes=minutes)
    start = dt.datetime.combine(day, starts, tzinfo=zone)
    close = dt.datetime.combine(day, ends, tzinfo=zone)
    while start + length <= close:
        yield start.astimezone(dt.UTC), (start + length).astimezone(dt.UTC)
        start += length


def closed_days(closures: list[Closure], location_id: int) -> set[dt.date]:
    days: set[dt.date] = set()
    for closure in closures:
        if closure.location_id in (None, location_id):
            day = closure.starts_on
            while day <= closure.ends_on:
                days.add(day)
                day += dt.timedelta(days=1)
    return days


def plan_slots(
    session: Session,
    first_day: dt.date,
    days: int,
    zone: ZoneInfo,
    now: dt.datetime,
    rules: HolidayRules | None = None,
) -> dict[SlotKey, PlannedSlot]:
    """Every slot the active schedules of active places and session types call for from
    ``first_day`` for ``days`` days, after now, outside closures and holidays."""
    rules = rules or HolidayRules()
    last_day = first_day + dt.timedelta(days=days - 1)
    schedules = session.exec(
        select(Schedule)
        .join(Location, col(Location.id) == col(Schedule.location_id))
        .join(SessionType, col(SessionType.id) == col(Schedule.session_type_id))
        .where(
            col(Schedule.active).is_(True),
            col(Location.active).is_(True),
            col(SessionType.active).is_(True),
        )
        .order_by(col(Schedule.id))
    ).all()
    durations = {t.id: t.duration_minutes for t in session.exec(select(SessionType)).all()}
    staff_languages: dict[int, set[str]] = {}
    for schedule_id, languages in session.exec(
        select(ScheduleStaff.schedule_id, StaffMember.languages)
        .join(StaffMember, col(StaffMember.id) == col(ScheduleStaff.staff_member_id))
        .where(col(StaffMember.active).is_(True))
    ).all():
        staff_languages.setdefault(schedule_id, set()).update(languages)
    closures = list(
        session.exec(
            select(Closure).where(Closure.ends_on >= first_day, Closure.starts_on <= last_day)
        ).all()
    )
    planned: dict[SlotKey, PlannedSlot] = {}
    for schedule in schedules:
        assert schedule.id is not None
        closed = closed_days(closures, schedule.location_id)
        languages = language_field(staff_languages.get(schedule.id, set()))
        for offset in range(days):
            day = first_day + dt.timedelta(days=offset)
            if (
                day.weekday() != schedule.weekday
                or day < schedule.valid_from
                or (schedule.valid_until is not None and day > schedule.valid_until)
                or day in closed
            ):
                continue
            minutes = durations[schedule.session_type_id]
            closing = rules.closed_from(day)
            for starts_at, ends_at in session_times(
                day, schedule.starts, schedule.ends, minutes, zone
            ):
                if starts_at <= now:
                    continue
                if closing is not None and ends_at > dt.datetime.combine(day, closing, tzinfo=zone):
                    continue  # a holiday (or its afternoon)
                slot = PlannedSlot(
                    schedule.location_id,
                    schedule.session_type_id,
                    schedule.id,
                    starts_at,
                    ends_at,
                    schedule.capacity,
                    languages,
                )
                previous = planned.get(slot.key)
                if previous is not None:
                    # Two schedules for the same time and place: their seats and staff add up.
                    slot = PlannedSlot(
                        *slot.key[:2],
                        previous.schedule_id,
                        starts_at,
                        ends_at,
                        previous.capacity + slot.capacity,
                        language_field(
                            {
                                *previous.languages.strip(",").split(","),
                                *languages.strip(",").split(","),
                            }
                            - {""}
                        ),
                    )
                planned[slot.key] = slot
    return planned


def _insert_ignoring_duplicates(session: Session, rows: list[dict[str, object]]) -> int:
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    table = Slot.__table__  # type: ignore[attr-defined]
    statement: Any
    if dialect == "postgresql":
        statement = postgresql.insert(table).on_conflict_do_nothing(constraint="uq_slot_start")
    elif dialect == "sqlite":
        statement = sqlite.insert(table).on_conflict_do_nothing()
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise RuntimeError(f"unsupported database {dialect}")
    created = 0
    for start in range(0, len(rows), 500):
        # RETURNING counts the rows really inserted (a conflict returns none) on both databases;
        # executemany's rowcount does not.
        result = session.execute(statement.returning(table.c.id), rows[start : start + 500])
        created += len(result.all())
    return created


def materialise_slots(
    session: Session,
    zone: ZoneInfo,
    weeks: int,
    now: dt.datetime | None = None,
    rules: HolidayRules | None = None,
) -> MaterialiseReport:
    """Bring the slots of the next ``weeks`` weeks in line with schedules, closures and the
    holidays of ``rules`` (by default the Danish ones with both extras)."""
    now = now or utcnow()
    first_day = now.astimezone(zone).date()
    days = weeks * 7
    horizon = dt.datetime.combine(first_day + dt.timedelta(days=days), dt.time(), tzinfo=zone)
    planned = plan_slots(session, first_day, days, zone, now, rules)
    existing = {
        (s.location_id, s.session_type_id, s.starts_at): s
        for s in session.exec(
            select(Slot)
            .where(
                col(Slot.starts_at) > now,
                col(Slot.starts_at) < horizon,
                col(Slot.schedule_id).is_not(None),
            )
            # In id order, like the rows inserted below in key order: processes running this at
            # the same time lock rows in the same order and cannot deadlock.
            .order_by(col(Slot.id))
        ).all()
    }
    rows = [
        {
            "location_id": p.location_id,
            "session_type_id": p.session_type_id,
            "schedule_id": p.schedule_id,
            "starts_at": p.starts_at,
            "ends_at": p.ends_at,
            "capacity": p.capacity,
            "booked": 0,
            "languages": p.languages,
            "closed": False,
        }
        for key, p in sorted(planned.items())
        if key not in existing
    ]
    created = _insert_ignoring_duplicates(session, rows)
    updated = closed = reopened = 0
    for key, slot in existing.items():
        plan = planned.get(key)
        if plan is None:
            if not slot.closed:
                session.execute(update(Slot).where(col(Slot.id) == slot.id).values(closed=True))
                closed += 1
            continue
        changes: dict[str, object] = {}
        if slot.closed:
            changes["closed"] = False
            reopened += 1
        if slot.languages != plan.languages:
            changes["languages"] = plan.languages
        if slot.ends_at != plan.ends_at:
            # The session type's length changed: the slot (and the bookings in it) end anew.
            changes["ends_at"] = plan.ends_at
            session.execute(
                update(Booking).where(col(Booking.slot_id) == slot.id).values(ends_at=plan.ends_at)
            )
        if slot.capacity != plan.capacity:
            # Never below the seats already taken: the CHECK constraint would refuse it, and
            # the bookings stand. Computed in SQL, so a booking made meanwhile counts.
            changes["capacity"] = case(
                (col(Slot.booked) > plan.capacity, col(Slot.booked)), else_=plan.capacity
            )
        if changes:
            session.execute(update(Slot).where(col(Slot.id) == slot.id).values(**changes))
            updated += 1 if set(changes) - {"closed"} else 0
    return MaterialiseReport(created=created, updated=updated, closed=closed, reopened=reopened)
