"""A small, hand-counted world for the metrics tests.

Two weeks, 2026-03-02 (Monday) to 2026-03-15 (Sunday), Europe/Copenhagen. Every list below is
written out so that each count in the tests can be checked by eye. Session logs and triage
events are added through the ORM, as the services do, so the rollups are kept by the flush hook.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from helpdesk.booking.models import Booking, Location, SessionType
from helpdesk.db import session_scope
from helpdesk.events.models import TriageEvent
from helpdesk.helplog.models import HelpLog, HelpLogTopic
from tests.conftest import clear_tables

START, END = dt.date(2026, 3, 2), dt.date(2026, 3, 15)
WEEK1, WEEK2 = "2026-03-02", "2026-03-09"

METRICS_TABLES = (
    "help_log_topic",
    "help_log",
    "session_rollup",
    "session_rollup_all",
    "triage_rollup",
    "triage_rollup_place",
    "triage_event",
    "booking",
)


def spread(*pairs: tuple[str, int]) -> list[str]:
    return [value for value, n in pairs for _ in range(n)]


# 30 sessions in the period. Marginals by construction:
LOCATIONS = spread(("metrics-a", 22), ("metrics-b", 8))
CHANNELS = spread(("booked", 12), ("walk_in", 10), ("outreach", 6), ("phone", 2))
LANGUAGES = spread(("da", 15), ("ar", 8), ("uk", 5), ("en", 2))
INTERPRETER = spread(("yes", 7), ("no", 23))
AGE_BANDS = spread(("65-74", 10), ("75+", 8), ("25-34", 6), ("unknown", 6))
FIRST_VISIT = spread(("yes", 18), ("no", 9), ("unknown", 3))
OUTCOMES = spread(
    ("solved", 16), ("partly_solved", 7), ("referred", 4), ("arranged", 2), ("not_solved", 1)
)
# Interleaved so that both weeks have every answer.
SELF_RELIANCE = spread(("yes", 6), ("with_help", 6), ("no", 3)) * 2
# 17 sessions in the first week, 13 in the second.
DAYS = [dt.date(2026, 3, 2 + i % 7) for i in range(17)] + [
    dt.date(2026, 3, 9 + i % 7) for i in range(13)
]
# The first topic of each session; three sessions also have passport-book.
TOPICS = spread(("mitid-new-phone", 14), ("digital-post-read", 10), ("other", 6))
SECOND_TOPIC = {0, 15, 29}

# Triage: 40 events in the period.
T_OUTCOMES = spread(("guide", 25), ("clarify", 5), ("human", 10))
T_CHANNELS = spread(("kiosk", 20), ("chat", 12), ("web", 8))
T_LANGUAGES = spread(("da", 20), ("ar", 10), ("uk", 6), ("en", 4))
# "Did this help?": among the 25 guide answers, 12 yes and 4 no; the rest unanswered.
T_HELPFUL: list[bool | None] = [True] * 12 + [False] * 4 + [None] * 24
# The kiosk events (0-19) were asked at a place: 0-13 at metrics-a, 14-19 at metrics-b; the
# chat and web events (20-39) at none.
T_PLACES = spread(("metrics-a", 14), ("metrics-b", 6), ("", 20))
# Unmet: the 10 human hand-offs (events 30-39) and the 4 "no" (events 12-15).
RESIDENCE = [
    "How do I renew my residence permit?",
    "renew residence permit",
    "How do I renew my residence permit",
    "how do i renew my residence permit?",
    "Renew my residence permit how",
    "how to renew my residence permit",
    "renew my residence permit",
]
OTHERS = [
    "parking permit for my car",
    "my dog needs a licence",
    "when is the swimming pool open",
    "fishing licence online",
    "garbage collection day changed",
    "rent a room at the library",
    "noise from neighbours at night",
]
QUESTIONS = {12: RESIDENCE[0], 13: RESIDENCE[1], 14: OTHERS[0], 15: OTHERS[1]}
for _i, _q in zip(range(30, 40), RESIDENCE[2:] + OTHERS[2:], strict=True):
    QUESTIONS[_i] = _q

# Bookings (not walk-ins) in the period by status; walk-ins are not bookings.
BOOKINGS = spread(("booked", 3), ("arrived", 6), ("no_show", 2), ("cancelled", 1))


@dataclass
class MetricsWorld:
    engine: Engine
    location_a: int
    location_b: int


def _add_world(engine: Engine) -> MetricsWorld:
    with session_scope(engine) as session:
        a = Location(slug="metrics-a", name="Metrics A", kind="library")
        b = Location(slug="metrics-b", name="Metrics B", kind="outreach", listed=False)
        kind = SessionType(slug="metrics-help", duration_minutes=30, names={"da": "Hjælp"})
        session.add_all([a, b, kind])
        session.flush()
        assert a.id
        assert b.id
        assert kind.id
        ids = {"metrics-a": a.id, "metrics-b": b.id}
        for i in range(30):
            log = HelpLog(
                held_on=DAYS[i],
                week=DAYS[i] - dt.timedelta(days=DAYS[i].weekday()),
                location_id=ids[LOCATIONS[i]],
                channel=CHANNELS[i],
                language=LANGUAGES[i],
                interpreter=INTERPRETER[i] == "yes",
                age_band=AGE_BANDS[i],
                first_visit=FIRST_VISIT[i],
                outcome=OUTCOMES[i],
                self_reliance=SELF_RELIANCE[i],
                duration_minutes=20,
                other_topic="parking" if TOPICS[i] == "other" else None,
            )
            session.add(log)
            session.flush()
            assert log.id
            topics = [TOPICS[i]] + (["passport-book"] if i in SECOND_TOPIC else [])
            for topic in topics:
                session.add(
                    HelpLogTopic(
                        log_id=log.id,
                        topic=topic,
                        held_on=log.held_on,
                        location_id=log.location_id,
                    )
                )
        # Outside the period on both sides: never counted.
        for day in (dt.date(2026, 3, 1), dt.date(2026, 3, 16)):
            session.add(
                HelpLog(
                    held_on=day,
                    week=day - dt.timedelta(days=day.weekday()),
                    location_id=a.id,
                    channel="booked",
                    language="da",
                    outcome="solved",
                    self_reliance="yes",
                    duration_minutes=10,
                )
            )
        # Triage: 2026-03-01 23:30 UTC is 00:30 on 2 March in Copenhagen (inside); 15 March
        # 23:30 UTC is already 16 March there (outside).
        first = dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.UTC)
        for i in range(40):
            session.add(
                TriageEvent(
                    created_at=first + dt.timedelta(hours=8 * i),
                    channel=T_CHANNELS[i],
                    language=T_LANGUAGES[i],
                    outcome=T_OUTCOMES[i],
                    reason="test",
                    question=QUESTIONS.get(i, f"question {i}"),
                    helpful=T_HELPFUL[i],
                    feedback_token=f"metrics-{i}",
                    location_id=ids.get(T_PLACES[i]),
                )
            )
        for i, moment in enumerate(
            (
                dt.datetime(2026, 3, 1, 22, 30, tzinfo=dt.UTC),  # 23:30 on 1 March locally
                dt.datetime(2026, 3, 15, 23, 30, tzinfo=dt.UTC),  # 00:30 on 16 March locally
            )
        ):
            session.add(
                TriageEvent(
                    created_at=moment,
                    channel="kiosk",
                    language="da",
                    outcome="human",
                    reason="test",
                    question=RESIDENCE[0],
                    feedback_token=f"metrics-out-{i}",
                )
            )
        # A hand-off whose question text was purged: counted, but not in unmet demand.
        session.add(
            TriageEvent(
                created_at=dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC),
                channel="kiosk",
                language="da",
                outcome="human",
                reason="test",
                question=None,
                feedback_token="metrics-purged",
                location_id=a.id,
            )
        )
        for i, status in enumerate(BOOKINGS):
            starts = dt.datetime(2026, 3, 3 + i, 9, tzinfo=dt.UTC)
            session.add(
                Booking(
                    location_id=a.id if i % 3 else b.id,
                    session_type_id=kind.id,
                    starts_at=starts,
                    ends_at=starts + dt.timedelta(minutes=30),
                    status=status,
                    channel="web",
                    language="da",
                )
            )
        for i in range(2):
            starts = dt.datetime(2026, 3, 4, 10 + i, tzinfo=dt.UTC)
            session.add(
                Booking(
                    location_id=a.id,
                    session_type_id=kind.id,
                    starts_at=starts,
                    ends_at=starts + dt.timedelta(minutes=30),
                    status="arrived",
                    channel="walk-in",
                    language="ar",
                )
            )
        return MetricsWorld(engine, a.id, b.id)


def clear_world(engine: Engine) -> None:
    clear_tables(engine, *METRICS_TABLES)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM session_type WHERE slug = 'metrics-help'"))
        connection.execute(
            text("DELETE FROM location WHERE slug IN (:a, :b)"),
            {"a": "metrics-a", "b": "metrics-b"},
        )


@pytest.fixture
def metrics_world(db_engine: Engine) -> Iterator[MetricsWorld]:
    clear_world(db_engine)
    yield _add_world(db_engine)
    clear_world(db_engine)
