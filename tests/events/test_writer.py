"""The triage event writer: events queued by the answer, written in batches in the background,
all of them at shutdown, a bounded queue, "did this help?" for an event not yet written."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import httpx
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from starlette.applications import Starlette

from helpdesk.db import make_engine
from helpdesk.events.models import TriageEvent
from helpdesk.events.writer import EventWriter, PendingEvent
from helpdesk.metrics.models import TriageRollup
from helpdesk.triage.engine import Match, TriageResult
from tests.conftest import clear_tables

RESULT = TriageResult("guide", "confident", "da", 0.9, [Match("health-card", 0.8)])


def pending(question: str = "mit sundhedskort, ring 12345678") -> PendingEvent:
    return PendingEvent.of(question, RESULT, "kiosk", "da")


def stored(engine: Engine) -> dict[str, TriageEvent]:
    with Session(engine) as session:
        return {e.feedback_token: e for e in session.exec(select(TriageEvent))}


def rolled_up_outcomes(engine: Engine) -> int:
    with Session(engine) as session:
        total = session.exec(
            select(func.sum(TriageRollup.events)).where(col(TriageRollup.dimension) == "outcome")
        ).one()
    return int(total or 0)


async def test_events_wait_in_the_queue_until_flushed(db_engine: Engine) -> None:
    clear_tables(db_engine, "triage_event", "triage_rollup")
    # An interval far longer than the test: only flush() writes.
    writer = EventWriter(db_engine, flush_seconds=3600)
    writer.start()
    try:
        events = [pending() for _ in range(5)]
        for event in events:
            writer.submit(event)
        assert stored(db_engine) == {}
        assert writer.waiting == 5
        await writer.flush()
        rows = stored(db_engine)
        assert set(rows) == {e.feedback_token for e in events}
        row = rows[events[0].feedback_token]
        assert (row.channel, row.outcome, row.top_slug, row.ui_language) == (
            "kiosk",
            "guide",
            "health-card",
            "da",
        )
        assert row.question == "mit sundhedskort, ring [PHONE]"
        # The moment of the answer, not of the write (SQLite gives it back without its zone).
        written_at = row.created_at
        if written_at.tzinfo is None:
            written_at = written_at.replace(tzinfo=dt.UTC)
        assert written_at == events[0].created_at
        # Written through the ORM: the metrics rollups count them too.
        assert rolled_up_outcomes(db_engine) == 5
    finally:
        await writer.close()


async def test_the_background_task_writes_on_its_own(db_engine: Engine) -> None:
    clear_tables(db_engine, "triage_event", "triage_rollup")
    writer = EventWriter(db_engine, flush_seconds=0.05)
    writer.start()
    try:
        event = pending()
        writer.submit(event)

        async def until_written() -> None:
            while event.feedback_token not in stored(db_engine):
                await asyncio.sleep(0.02)

        await asyncio.wait_for(until_written(), timeout=30)
        assert writer.written == 1
    finally:
        await writer.close()


async def test_close_writes_what_is_waiting(db_engine: Engine) -> None:
    clear_tables(db_engine, "triage_event", "triage_rollup")
    writer = EventWriter(db_engine, flush_seconds=3600, batch_limit=7)
    writer.start()
    events = [pending() for _ in range(20)]
    for event in events:
        writer.submit(event)
    await writer.close()
    assert set(stored(db_engine)) == {e.feedback_token for e in events}
    assert writer.written == 20


async def test_a_full_queue_drops_the_oldest(db_engine: Engine) -> None:
    clear_tables(db_engine, "triage_event", "triage_rollup")
    writer = EventWriter(db_engine, flush_seconds=3600, queue_limit=3)
    writer.start()
    try:
        events = [pending() for _ in range(5)]
        for event in events:
            writer.submit(event)
        await writer.flush()
        assert set(stored(db_engine)) == {e.feedback_token for e in events[2:]}
        assert writer.dropped == 2
    finally:
        await writer.close()


async def test_feedback_reaches_an_event_still_waiting(db_engine: Engine) -> None:
    clear_tables(db_engine, "triage_event", "triage_rollup")
    writer = EventWriter(db_engine, flush_seconds=3600)
    writer.start()
    try:
        event = pending()
        writer.submit(event)
        assert writer.answer_pending(event.feedback_token, False)
        assert not writer.answer_pending("unknown", True)
        await writer.flush()
        assert stored(db_engine)[event.feedback_token].helpful is False
        # Once written, the answer goes to the database instead.
        assert not writer.answer_pending(event.feedback_token, True)
    finally:
        await writer.close()


async def test_a_failed_write_is_counted_and_the_writer_goes_on(tmp_path: Path) -> None:
    # A database without the table: every write fails.
    broken = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    writer = EventWriter(broken, flush_seconds=3600)
    writer.start()
    try:
        writer.submit(pending())
        await writer.flush()
        assert writer.failed == 1
        writer.submit(pending())
        await writer.flush()
        assert writer.failed == 2
    finally:
        await writer.close()
        broken.dispose()


async def test_feedback_over_http_before_the_event_is_written(
    app: Starlette, db_engine: Engine
) -> None:
    clear_tables(db_engine, "triage_event", "triage_rollup")
    # A client without the test suite's flush-after-each-response hook.
    transport = httpx.ASGITransport(app=app)
    events: EventWriter = app.state.events
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        triaged = (await client.post("/api/v1/triage", json={"text": "nyt sundhedskort"})).json()
        answer = await client.post(
            "/api/v1/feedback", json={"token": triaged["feedback_token"], "helpful": True}
        )
        assert answer.status_code == 200
    await events.flush()
    assert stored(db_engine)[triaged["feedback_token"]].helpful is True
