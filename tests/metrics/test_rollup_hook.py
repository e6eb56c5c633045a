"""The rollup flush hook belongs to the service's own session factory, with the service's zone.

Two services in one process (the tests make several apps) each count by their own time zone,
and a session made outside the service's factory is not watched at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from helpdesk.db import session_scope
from helpdesk.events.models import TriageEvent
from helpdesk.lifecycle import open_database
from helpdesk.settings import Settings
from tests.conftest import clear_tables

# 23:30 UTC on 1 March is already 2 March in Copenhagen.
MOMENT = dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.UTC)


def event(token: str) -> TriageEvent:
    return TriageEvent(
        created_at=MOMENT,
        channel="kiosk",
        language="da",
        outcome="guide",
        reason="test",
        feedback_token=token,
    )


def kiosk_days(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT day, events FROM triage_rollup "
                "WHERE dimension = 'channel' AND value = 'kiosk' AND events <> 0"
            )
        ).all()
    return {str(day): int(events) for day, events in rows}


@pytest.fixture
def clean(db_engine: Engine) -> Iterator[None]:
    clear_tables(db_engine, "triage_event", "triage_rollup")
    yield
    clear_tables(db_engine, "triage_event", "triage_rollup")


@pytest.mark.usefixtures("clean")
def test_each_service_counts_in_its_own_time_zone(db_engine: Engine, settings: Settings) -> None:
    assert settings.timezone == "Europe/Copenhagen"
    in_utc = open_database(replace(settings, timezone="UTC"))
    try:
        with session_scope(db_engine) as session:
            session.add(event("hook-copenhagen"))
        assert kiosk_days(db_engine) == {"2026-03-02": 1}
        with session_scope(in_utc) as session:
            session.add(event("hook-utc"))
        assert kiosk_days(db_engine) == {"2026-03-01": 1, "2026-03-02": 1}
    finally:
        in_utc.dispose()


@pytest.mark.usefixtures("clean")
def test_a_session_outside_the_service_is_not_watched(db_engine: Engine) -> None:
    with Session(db_engine) as session:
        session.add(event("hook-outside"))
        session.commit()
    assert kiosk_days(db_engine) == {}
    with session_scope(db_engine) as session:
        session.add(event("hook-inside"))
    assert kiosk_days(db_engine) == {"2026-03-02": 1}
