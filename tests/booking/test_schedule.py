"""Schedules and closures become slots: local wall time across DST, idempotent, reconciled."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from helpdesk.booking.models import (
    Booking,
    Closure,
    Schedule,
    ScheduleStaff,
    Slot,
    StaffMember,
)
from helpdesk.booking.schedule import materialise_slots
from helpdesk.booking.service import BookingRequest, book
from helpdesk.db import session_scope
from tests.booking.conftest import World

ZONE = ZoneInfo("Europe/Copenhagen")
# Monday 22 March 2027, 08:00 local; summer time starts on Sunday 28 March.
NOW = dt.datetime(2027, 3, 22, 8, 0, tzinfo=ZONE)


def add_schedule(world: World, weekday: int, starts: str, ends: str, capacity: int = 2) -> int:
    with session_scope(world.engine) as session:
        ahmad = StaffMember(name="Ahmad", languages=["da", "ar"])
        olena = StaffMember(name="Olena", languages=["uk", "en"])
        schedule = Schedule(
            location_id=world.gellerup.id or 0,
            session_type_id=world.digital.id or 0,
            weekday=weekday,
            starts=dt.time.fromisoformat(starts),
            ends=dt.time.fromisoformat(ends),
            capacity=capacity,
            valid_from=dt.date(2027, 1, 1),
        )
        session.add_all([ahmad, olena, schedule])
        session.flush()
        for member in (ahmad, olena):
            session.add(ScheduleStaff(schedule_id=schedule.id or 0, staff_member_id=member.id or 0))
        return schedule.id or 0


def slots(world: World) -> list[Slot]:
    with Session(world.engine) as session:
        return list(session.exec(select(Slot).order_by(col(Slot.starts_at))).all())


def materialise(world: World, weeks: int = 2, now: dt.datetime = NOW) -> dict[str, int]:
    with session_scope(world.engine) as session:
        return materialise_slots(session, ZONE, weeks, now).as_dict()


def test_weekly_schedule_in_local_time_across_dst(world: World) -> None:
    add_schedule(world, weekday=1, starts="10:00", ends="12:00")  # Tuesdays 10-12
    report = materialise(world)
    made = slots(world)
    assert report["created"] == len(made) == 8  # two Tuesdays, four 30-minute sessions each
    local = [s.starts_at.astimezone(ZONE) for s in made]
    assert [t.strftime("%Y-%m-%d %H:%M") for t in local[:4]] == [
        "2027-03-23 10:00",
        "2027-03-23 10:30",
        "2027-03-23 11:00",
        "2027-03-23 11:30",
    ]
    # Still 10:00 local after the change to summer time: 09:00 UTC before, 08:00 UTC after.
    assert local[4].strftime("%Y-%m-%d %H:%M") == "2027-03-30 10:00"
    assert made[0].starts_at.hour == 9
    assert made[4].starts_at.hour == 8
    assert {s.capacity for s in made} == {2}
    assert made[0].language_list == ["ar", "da", "en", "uk"]


def test_materialising_is_idempotent_and_reconciles(world: World) -> None:
    schedule_id = add_schedule(world, weekday=1, starts="10:00", ends="11:00", capacity=2)
    materialise(world)
    again = materialise(world)
    assert again["created"] == 0
    assert len(slots(world)) == 4
    first = slots(world)[0]
    with session_scope(world.engine) as session:
        for number in range(2):
            book(
                session,
                BookingRequest(
                    first.id or 0, f"Citizen {number}", "da", phone=f"+452000000{number}"
                ),
                now=NOW,
            )
    # Fewer seats in the schedule: never below what is already booked.
    with session_scope(world.engine) as session:
        schedule = session.get(Schedule, schedule_id)
        assert schedule is not None
        schedule.capacity = 1
        session.add(schedule)
    materialise(world)
    capacities = {s.id: s.capacity for s in slots(world)}
    assert capacities[first.id] == 2
    assert set(capacities.values()) == {1, 2}
    # A closure on the first Tuesday closes its slots; the bookings stand for staff to handle.
    with session_scope(world.engine) as session:
        session.add(
            Closure(
                location_id=world.gellerup.id,
                starts_on=dt.date(2027, 3, 23),
                ends_on=dt.date(2027, 3, 23),
                reason="Staff day",
            )
        )
    report = materialise(world)
    assert report["closed"] == 2
    closed = [s for s in slots(world) if s.closed]
    assert [s.starts_at.astimezone(ZONE).date() for s in closed] == [dt.date(2027, 3, 23)] * 2
    with Session(world.engine) as session:
        assert len(session.exec(select(Booking).where(Booking.slot_id == first.id)).all()) == 2
    # Lifting the closure opens them again.
    with session_scope(world.engine) as session:
        for closure in session.exec(select(Closure)).all():
            session.delete(closure)
    assert materialise(world)["reopened"] == 2
    assert not any(s.closed for s in slots(world))


def test_closure_for_every_place_and_hand_made_slots_are_left_alone(world: World) -> None:
    add_schedule(world, weekday=1, starts="10:00", ends="11:00")
    hand_made = world.slot(start=dt.datetime(2027, 3, 23, 14, 0, tzinfo=ZONE))
    with session_scope(world.engine) as session:
        session.add(
            Closure(
                location_id=None,
                starts_on=dt.date(2027, 3, 30),
                ends_on=dt.date(2027, 3, 30),
                reason="Holiday",
            )
        )
    materialise(world)
    days = {s.starts_at.astimezone(ZONE).date() for s in slots(world) if s.schedule_id}
    assert days == {dt.date(2027, 3, 23)}
    assert world.get_slot(hand_made).closed is False


def test_past_sessions_are_not_made(world: World) -> None:
    add_schedule(world, weekday=0, starts="07:00", ends="09:00")  # Monday, now is 08:00
    materialise(world, weeks=1)
    starts = [s.starts_at.astimezone(ZONE).strftime("%a %H:%M") for s in slots(world)]
    assert starts == ["Mon 08:30"]
