"""Danish public holidays close every place with nobody entering them; Christmas Eve and
Constitution Day afternoon are configurable extras (HELPDESK_CLOSED_*)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, col, select

from helpdesk.booking.admin import holiday_rules
from helpdesk.booking.holidays import NO_HOLIDAYS, HolidayRules
from helpdesk.booking.models import Schedule, Slot
from helpdesk.booking.schedule import materialise_slots
from helpdesk.db import session_scope
from helpdesk.settings import Settings, SettingsError
from tests.booking.conftest import World
from tests.booking.test_schedule import add_schedule as add_schedule_2027

ZONE = ZoneInfo("Europe/Copenhagen")


def add_schedule(world: World, weekday: int, starts: str, ends: str) -> int:
    """A schedule valid from December 2026 (test_schedule's helper starts in 2027)."""
    schedule_id = add_schedule_2027(world, weekday, starts, ends)
    with session_scope(world.engine) as session:
        schedule = session.get(Schedule, schedule_id)
        assert schedule is not None
        schedule.valid_from = dt.date(2026, 12, 1)
        session.add(schedule)
    return schedule_id


def days_with_slots(world: World) -> set[dt.date]:
    with Session(world.engine) as session:
        made = session.exec(select(Slot).where(col(Slot.closed).is_(False))).all()
        return {s.starts_at.astimezone(ZONE).date() for s in made}


def make(world: World, now: dt.datetime, rules: HolidayRules, weeks: int = 3) -> None:
    with session_scope(world.engine) as session:
        materialise_slots(session, ZONE, weeks, now, rules)


def test_the_calendar() -> None:
    rules = HolidayRules()
    assert rules.closed_from(dt.date(2026, 12, 25)) == dt.time(0, 0)  # Christmas Day
    assert rules.closed_from(dt.date(2027, 3, 25)) == dt.time(0, 0)  # Maundy Thursday
    assert rules.closed_from(dt.date(2027, 5, 6)) == dt.time(0, 0)  # Ascension Day
    assert rules.closed_from(dt.date(2026, 12, 24)) == dt.time(0, 0)  # the extra
    assert rules.closed_from(dt.date(2027, 6, 5)) == dt.time(12, 0)  # Constitution Day, p.m.
    assert rules.closed_from(dt.date(2026, 12, 23)) is None
    assert rules.name_of(dt.date(2026, 12, 25)) == "Juledag"
    assert NO_HOLIDAYS.closed_from(dt.date(2026, 12, 25)) is None


def test_christmas_closes_every_day_but_the_ordinary_ones(world: World) -> None:
    for weekday in range(5):
        add_schedule(world, weekday=weekday, starts="10:00", ends="11:00")
    make(world, dt.datetime(2026, 12, 21, 7, 0, tzinfo=ZONE), HolidayRules())
    days = days_with_slots(world)
    assert dt.date(2026, 12, 21) in days
    assert dt.date(2026, 12, 23) in days
    assert dt.date(2026, 12, 24) not in days  # Christmas Eve (the extra)
    assert dt.date(2026, 12, 25) not in days  # Christmas Day
    assert dt.date(2027, 1, 1) not in days  # New Year's Day
    assert dt.date(2026, 12, 28) in days


def test_the_extras_are_settings(world: World) -> None:
    add_schedule(world, weekday=3, starts="10:00", ends="11:00")  # Thursdays
    settings = Settings(closed_christmas_eve=False)
    make(world, dt.datetime(2026, 12, 21, 7, 0, tzinfo=ZONE), holiday_rules(settings))
    assert dt.date(2026, 12, 24) in days_with_slots(world)
    # Switched back on, the day's slots are withdrawn like a closure's.
    make(world, dt.datetime(2026, 12, 21, 7, 0, tzinfo=ZONE), HolidayRules())
    assert dt.date(2026, 12, 24) not in days_with_slots(world)


def test_constitution_day_closes_in_the_afternoon(world: World) -> None:
    add_schedule(world, weekday=5, starts="10:00", ends="14:00")  # Saturdays; 5 June 2027
    make(world, dt.datetime(2027, 6, 1, 7, 0, tzinfo=ZONE), HolidayRules(), weeks=1)
    with Session(world.engine) as session:
        times = sorted(
            s.starts_at.astimezone(ZONE).strftime("%H:%M")
            for s in session.exec(select(Slot).where(col(Slot.closed).is_(False))).all()
        )
    assert times == ["10:00", "10:30", "11:00", "11:30"]  # the last one ends at 12:00
    assert (
        holiday_rules(Settings(closed_constitution_day_from="")).closed_from(dt.date(2027, 6, 5))
        is None
    )


def test_a_bad_time_setting_is_refused() -> None:
    with pytest.raises(SettingsError):
        Settings.from_env({"HELPDESK_CLOSED_CONSTITUTION_DAY_FROM": "noon"})
