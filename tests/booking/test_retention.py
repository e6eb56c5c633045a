"""Contact details are deleted after the retention period; what remains is anonymous."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text, update
from sqlmodel import Session, col

from helpdesk.booking.models import Booking
from helpdesk.booking.service import BookingRequest, Needs, book, purge_contact_details
from helpdesk.db import session_scope
from helpdesk.lifecycle import purge
from helpdesk.settings import Settings
from tests.booking.conftest import World
from tests.conftest import REPO

NAME, PHONE, EMAIL, NOTE = "Zelda Quist", "+4529998877", "zelda.quist@example.dk", "tolk: tigrinya"


FIND_BYTES = """
import pathlib, sys
path = pathlib.Path(sys.argv[1])
print("found" if path.exists() and sys.argv[2].encode() in path.read_bytes() else "absent")
"""


def make_booking(world: World, slot_id: int) -> Booking:
    with session_scope(world.engine) as session:
        return book(
            session,
            BookingRequest(
                slot_id,
                NAME,
                "en",
                phone=PHONE,
                email=EMAIL,
                topic="passport-book",
                needs=Needs(interpreter=True, note=NOTE),
            ),
            idempotency_key="retention-key",
        ).booking


def age(world: World, booking_id: int, days: float) -> None:
    """Pretend the session ended ``days`` ago."""
    ended = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    with session_scope(world.engine) as session:
        session.execute(
            update(Booking)
            .where(col(Booking.id) == booking_id)
            .values(starts_at=ended - dt.timedelta(minutes=30), ends_at=ended)
        )


def every_text_value(world: World) -> str:
    """Every value of every column of every table, as one string."""
    values = []
    with world.engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                values.extend(str(v) for v in row)
    return "\n".join(values)


def reminded(world: World, booking_id: int) -> None:
    """As the reminders leave a booking: reminded, after a failed try."""
    with session_scope(world.engine) as session:
        session.execute(
            update(Booking)
            .where(col(Booking.id) == booking_id)
            .values(reminded_at=dt.datetime.now(dt.UTC), reminder_failures=1)
        )


def test_contact_details_are_gone_after_the_retention_period(world: World) -> None:
    booking = make_booking(world, world.slot(capacity=2, session_type=world.citizen))
    reference = booking.reference or ""
    reminded(world, booking.id or 0)
    age(world, booking.id or 0, days=29)
    with session_scope(world.engine) as session:
        assert purge_contact_details(session, 30) == 0
    assert NAME in every_text_value(world)
    age(world, booking.id or 0, days=31)
    with session_scope(world.engine) as session:
        assert purge_contact_details(session, 30) == 1
    with session_scope(world.engine) as session:
        assert purge_contact_details(session, 30) == 0  # once
    everything = every_text_value(world)
    for personal in (NAME, PHONE, EMAIL, NOTE, reference, "retention-key", "Zelda", "29998877"):
        assert personal not in everything, personal
    with Session(world.engine) as session:
        kept = session.get(Booking, booking.id)
        assert kept is not None
        assert (kept.name, kept.phone, kept.email, kept.needs_note, kept.reference) == (None,) * 5
        assert kept.request_fingerprint is None
        # The reminder's state goes with the contact details.
        assert (kept.reminded_at, kept.reminder_failures) == (None, 0)
        assert kept.purged_at is not None
        # The anonymous statistics stay.
        assert (kept.language, kept.topic, kept.status, kept.needs_interpreter) == (
            "en",
            "passport-book",
            "booked",
            True,
        )


def test_helpdesk_purge_command_uses_the_setting(world: World, database_url: str) -> None:
    booking = make_booking(world, world.slot(capacity=1))
    reminded(world, booking.id or 0)
    age(world, booking.id or 0, days=8)
    env = {
        **os.environ,
        "HELPDESK_DATABASE_URL": database_url,
        "HELPDESK_BOOKING_RETENTION_DAYS": "7",
    }
    result = subprocess.run(
        [sys.executable, "-m", "helpdesk", "purge"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["booking_contacts_purged"] == 1
    with world.engine.connect() as connection:
        name, phone, email, reminded_at = connection.execute(
            select(Booking.name, Booking.phone, Booking.email, Booking.reminded_at).where(
                col(Booking.id) == booking.id
            )
        ).one()
    assert (name, phone, email, reminded_at) == (None, None, None, None)
    assert NAME not in every_text_value(world)


def test_purged_details_do_not_linger_in_the_sqlite_files(
    world: World, settings: Settings, database_url: str
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's files only: PostgreSQL's autovacuum reclaims dead rows")
    booking = make_booking(world, world.slot(capacity=2, session_type=world.citizen))
    age(world, booking.id or 0, days=31)
    database = Path(database_url.removeprefix("sqlite:///"))
    assert purge(settings, world.engine)["booking_contacts_purged"] == 1
    # Read the files from another process: closing a descriptor of the database file in this
    # process would drop SQLite's POSIX locks here, and can corrupt it for other processes.
    for path in (database, database.with_name(database.name + "-wal")):
        for personal in (NAME, EMAIL, NOTE):
            found = subprocess.run(
                [sys.executable, "-c", FIND_BYTES, str(path), personal],
                capture_output=True,
                text=True,
                timeout=60,
                check=True,
            )
            assert found.stdout.strip() == "absent", (path.name, personal)
