"""The demo places, session types, staff and schedules: loaded once, with slots and closures."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from helpdesk.booking.holidays import HolidayRules
from helpdesk.booking.models import Closure, Location, Schedule, Slot
from helpdesk.db import session_scope
from helpdesk.demo.booking import LOCATIONS, load_demo
from helpdesk.kb.models import AuditLogRecord
from tests.booking.conftest import BOOKING_TABLES, World
from tests.conftest import clear_tables

ZONE = ZoneInfo("Europe/Copenhagen")


def test_demo_data(world: World) -> None:
    now = dt.datetime.now(dt.UTC)
    clear_tables(world.engine, *BOOKING_TABLES)
    with session_scope(world.engine) as session:
        first = load_demo(session, ZONE, 6, now)
    with session_scope(world.engine) as session:
        second = load_demo(session, ZONE, 6, now)
    assert first["locations_created"] == len(LOCATIONS)
    assert second["locations_created"] == 0
    assert second["slots_created"] == 0
    assert first["demo_bookings"] == 4
    assert second["demo_bookings"] == 0
    with Session(world.engine) as session:
        places = {loc.slug: loc for loc in session.exec(select(Location)).all()}
        assert places["dokk1"].address == "Hack Kampmanns Plads 2"
        assert {"gellerup", "tilst", "viby", "risskov", "hasle"} <= set(places)
        assert places["krisecenter"].address is None
        assert places["krisecenter"].listed is False
        made = session.exec(select(Slot)).all()
        with_slots = {s.location_id for s in made}
        assert all(loc.id in with_slots for loc in places.values())
        # No slot falls on a Danish holiday (automatic) or a closure (New Year's Eve).
        closures = session.exec(select(Closure)).all()
        closed_days = {c.starts_on for c in closures}
        rules = HolidayRules()
        assert all(s.starts_at.astimezone(ZONE).date() not in closed_days for s in made)
        assert all(
            rules.closed_from(s.starts_at.astimezone(ZONE).date()) is None
            or s.ends_at.astimezone(ZONE).time()
            <= (rules.closed_from(s.starts_at.astimezone(ZONE).date()) or dt.time())
            for s in made
        )
        # Outreach places have dated visits, not weekly hours; the demo was loaded through the
        # admin services (their audit entries).
        herberget = places["herberget"].id
        visits = session.exec(select(Schedule).where(Schedule.location_id == herberget)).all()
        assert visits
        assert all(v.valid_from == v.valid_until for v in visits)
        assert session.exec(
            select(AuditLogRecord).where(AuditLogRecord.action == "demo_load")
        ).first()
        # Staff languages reach the slots: Arabic at Gellerup.
        assert any("ar" in s.language_list for s in made if s.location_id == places["gellerup"].id)
