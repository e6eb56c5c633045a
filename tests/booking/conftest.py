"""A small booking world for tests: two listed places and an unlisted one, two session types,
and slots made by hand (no schedules), always in the future."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from helpdesk.booking.models import Booking, Location, SessionType, Slot
from helpdesk.db import session_scope
from tests.booking.gateway import Gateway, running_gateway
from tests.conftest import clear_tables

if TYPE_CHECKING:
    from tests.booking.test_mail import Inbox

BOOKING_TABLES = (
    "booking",
    "slot",
    "schedule_staff",
    "schedule",
    "closure",
    "staff_member",
    "session_type",
    "location",
)
_minutes = itertools.count()


@dataclass
class World:
    engine: Engine
    dokk1: Location
    gellerup: Location
    shelter: Location
    digital: SessionType
    citizen: SessionType

    def slot(
        self,
        capacity: int = 1,
        *,
        days: float = 2,
        location: Location | None = None,
        session_type: SessionType | None = None,
        languages: str = ",da,en,",
        closed: bool = False,
        start: dt.datetime | None = None,
    ) -> int:
        """A new slot ``days`` ahead (each one a few minutes later than the last)."""
        location = location or self.dokk1
        session_type = session_type or self.digital
        if start is None:
            start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(
                days=days, minutes=next(_minutes) * 30
            )
        with session_scope(self.engine) as session:
            slot = Slot(
                location_id=location.id or 0,
                session_type_id=session_type.id or 0,
                starts_at=start,
                ends_at=start + dt.timedelta(minutes=session_type.duration_minutes),
                capacity=capacity,
                languages=languages,
                closed=closed,
            )
            session.add(slot)
            session.flush()
            assert slot.id is not None
            return slot.id

    def get_slot(self, slot_id: int) -> Slot:
        with Session(self.engine) as session:
            slot = session.get(Slot, slot_id)
            assert slot is not None
            return slot

    def get_booking(self, booking_id: int) -> Booking:
        with Session(self.engine) as session:
            booking = session.get(Booking, booking_id)
            assert booking is not None
            return booking


@pytest.fixture
def world(db_engine: Engine) -> Iterator[World]:
    clear_tables(db_engine, *BOOKING_TABLES)
    with session_scope(db_engine) as session:
        dokk1 = Location(
            slug="dokk1",
            name="Dokk1",
            kind="citizen-service",
            address="Hack Kampmanns Plads 2",
            postcode="8000",
            city="Aarhus C",
            latitude=56.1535,
            longitude=10.2144,
            notes={"da": "Trinfri adgang.", "en": "Step-free access."},
            drop_in={"da": "Drop-in mandag kl. 13-16.", "en": "Drop-in Mondays 13-16."},
        )
        gellerup = Location(
            slug="gellerup",
            name="Gellerup Bibliotek",
            kind="library",
            address="Dortheavej 2",
            postcode="8220",
            city="Brabrand",
            latitude=56.1538,
            longitude=10.1355,
        )
        shelter = Location(slug="herberget", name="Herberget", kind="outreach", listed=False)
        digital = SessionType(
            slug="digital-help",
            duration_minutes=30,
            names={"da": "Digital hjælp", "en": "Digital help", "ar": "مساعدة رقمية"},
        )
        citizen = SessionType(
            slug="citizen-service",
            duration_minutes=20,
            names={"da": "Tid hos Borgerservice", "en": "Citizen service appointment"},
        )
        for item in (dokk1, gellerup, shelter, digital, citizen):
            session.add(item)
    yield World(db_engine, dokk1, gellerup, shelter, digital, citizen)
    clear_tables(db_engine, *BOOKING_TABLES)


@pytest.fixture
def mailbox() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server on a free loopback port, collecting what it receives."""
    from aiosmtpd.controller import Controller

    from tests.booking.test_mail import Inbox, free_port

    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    """A fake SMS gateway on a free loopback port (tests/booking/gateway.py)."""
    with running_gateway() as running:
        yield running
