"""The demo/bench history generator: counts as asked, deterministic, weekly rhythm, questions
only where the service would still hold them."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from helpdesk.db import session_scope
from helpdesk.demo.history import GUIDES_DIR, generate_history, load_demo_history
from helpdesk.events.models import TriageEvent
from helpdesk.helplog.models import HelpLog, HelpLogTopic
from helpdesk.helplog.service import HelpLogIn, log_help
from tests.booking.conftest import World
from tests.conftest import clear_tables

START = dt.date(2026, 9, 7)  # a Monday
DAYS = 28
NOW = dt.datetime(2026, 10, 5, 6, 0, tzinfo=dt.UTC)  # the morning after the last day
GUIDES = {p.name for p in GUIDES_DIR.iterdir() if (p / "guide.toml").exists()}


@pytest.fixture
def places(logs: World) -> Iterator[World]:
    clear_tables(logs.engine, "triage_event")
    yield logs
    clear_tables(logs.engine, "triage_event", "help_log_topic", "help_log")


def generate(engine: Engine, seed: int = 7, **overrides: Any) -> dict[str, int]:
    options: dict[str, Any] = {
        "start": START,
        "days": DAYS,
        "sessions_per_day": 20.0,
        "triage_per_day": 60.0,
        "seed": seed,
        "question_retention_days": 10,
        "now": NOW,
    }
    options.update(overrides)
    return generate_history(engine, **options)


def utc(moment: dt.datetime) -> dt.datetime:
    """SQLite hands back triage times without their zone (they are stored in UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def sessions(engine: Engine) -> list[HelpLog]:
    with Session(engine) as session:
        return list(session.exec(select(HelpLog).order_by(col(HelpLog.id))).all())


def events(engine: Engine) -> list[TriageEvent]:
    with Session(engine) as session:
        return list(session.exec(select(TriageEvent).order_by(col(TriageEvent.id))).all())


def test_counts_as_asked_and_plausible_rows(places: World) -> None:
    counts = generate(places.engine)
    logs, triage = sessions(places.engine), events(places.engine)
    assert counts["session_logs"] == len(logs) == 20 * DAYS
    assert counts["triage_events"] == len(triage) == 60 * DAYS
    with Session(places.engine) as session:
        topics = session.exec(select(HelpLogTopic)).all()
    assert counts["session_topics"] == len(topics) >= len(logs)
    assert {t.topic for t in topics} <= GUIDES | {"other"}
    by_session = {log.id: log for log in logs}
    for topic in topics:
        log = by_session[topic.log_id]
        assert (topic.held_on, topic.location_id) == (log.held_on, log.location_id)
    with_other = {t.log_id for t in topics if t.topic == "other"}
    assert {log.id for log in logs if log.other_topic} == with_other
    place_ids = {places.dokk1.id, places.gellerup.id, places.shelter.id}
    for log in logs:
        assert START <= log.held_on < START + dt.timedelta(days=DAYS)
        assert log.week == log.held_on - dt.timedelta(days=log.held_on.weekday())
        assert log.location_id in place_ids
        assert 5 <= log.duration_minutes <= 120
        assert log.created_at.date() in (log.held_on, log.held_on + dt.timedelta(days=1))
    # Dokk1 is the busiest place; the shelter (outreach) only has outreach sessions.
    per_place = Counter(log.location_id for log in logs)
    dokk1, gellerup, shelter = (
        per_place[p.id or 0] for p in (places.dokk1, places.gellerup, places.shelter)
    )
    assert dokk1 > gellerup > shelter
    assert {log.channel for log in logs if log.location_id == places.shelter.id} <= {"outreach"}
    assert Counter(log.language for log in logs).most_common(1)[0][0] == "da"
    tokens = [event.feedback_token for event in triage]
    assert len(set(tokens)) == len(tokens)
    assert {len(t) for t in tokens} == {32}
    assert {event.channel for event in triage} == {"kiosk", "web", "chat", "counter"}
    assert {event.outcome for event in triage} == {"guide", "clarify", "human"}
    # Kiosks say where they stand (a library or Borgerservice, never an outreach site); the
    # chat, the web and the counter have no place.
    kiosk_places = {event.location_id for event in triage if event.channel == "kiosk"}
    assert None not in kiosk_places
    assert places.shelter.id not in kiosk_places
    assert {event.location_id for event in triage if event.channel != "kiosk"} == {None}


def test_weekends_are_quieter(places: World) -> None:
    generate(places.engine)
    logs = sessions(places.engine)
    per_weekday = Counter(log.held_on.weekday() for log in logs)
    weekday_mean = sum(per_weekday[d] for d in range(5)) / 5
    assert per_weekday[5] < weekday_mean / 2
    assert per_weekday[6] < per_weekday[5]


def test_questions_only_within_retention_and_only_unmet(places: World) -> None:
    counts = generate(places.engine)
    triage = events(places.engine)
    cutoff = NOW - dt.timedelta(days=10)
    asked = [event for event in triage if event.question is not None]
    assert counts["questions"] == len(asked) > 0
    for event in asked:
        assert utc(event.created_at) >= cutoff
        assert event.outcome == "human" or event.helpful is False
    older = [event for event in triage if utc(event.created_at) < cutoff]
    assert older
    assert all(event.question is None for event in older)
    # Several languages, as the unmet-demand clusters should show.
    assert len({event.language for event in asked}) >= 3


def test_deterministic_for_a_seed(places: World) -> None:
    def snapshot() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        log_fields = ["held_on", "location_id", "channel", "language", "age_band", "outcome"]
        log_fields += ["self_reliance", "duration_minutes", "other_topic", "created_at"]
        event_fields = ["created_at", "channel", "language", "outcome", "reason", "top_slug"]
        event_fields += ["question", "helpful", "location_id"]
        logs = [tuple(getattr(log, f) for f in log_fields) for log in sessions(places.engine)]
        triage = [tuple(getattr(e, f) for f in event_fields) for e in events(places.engine)]
        return logs, triage

    generate(places.engine, seed=11)
    first = snapshot()
    clear_tables(places.engine, "triage_event", "help_log_topic", "help_log")
    generate(places.engine, seed=11)
    assert snapshot() == first
    clear_tables(places.engine, "triage_event", "help_log_topic", "help_log")
    generate(places.engine, seed=12)
    assert snapshot() != first


def test_a_logged_session_after_a_bulk_load_gets_a_fresh_id(places: World) -> None:
    generate(places.engine, days=3)
    before = {log.id or 0 for log in sessions(places.engine)}
    body = HelpLogIn(
        location=places.dokk1.id or 0,
        channel="walk_in",
        topics=["mitid-locked"],
        language="da",
        outcome="solved",
        self_reliance="yes",
        duration_minutes=10,
    )
    with session_scope(places.engine) as session:
        logged = log_help(session, body, known_topics=GUIDES, logged_by=None, today=dt.date.today())
    assert logged.log.id not in before
    assert logged.log.id == max(before) + 1 or places.engine.dialect.name == "sqlite"


def test_demo_history_loads_only_into_an_empty_log(places: World, db_engine: Engine) -> None:
    generate(places.engine, days=1)
    assert (
        load_demo_history(db_engine, question_retention_days=30, timezone="Europe/Copenhagen") == {}
    )
    with db_engine.begin() as connection:
        assert connection.execute(text("SELECT count(*) FROM help_log")).scalar_one() == 20


def test_no_places_is_a_clear_error(db_engine: Engine) -> None:
    clear_tables(db_engine, "triage_event", "help_log_topic", "help_log", "booking", "slot")
    clear_tables(db_engine, "schedule_staff", "schedule", "closure", "location")
    with pytest.raises(ValueError, match="no places"):
        generate(db_engine)
    assert (
        load_demo_history(db_engine, question_retention_days=30, timezone="Europe/Copenhagen") == {}
    )
