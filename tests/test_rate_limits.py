"""Per-address request limits for triage and booking look-ups (issue 14, item 1): fixed windows
counted in the database, 429 with Retry-After and a translated message."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from starlette.applications import Starlette

from helpdesk.app import create_app
from helpdesk.db import session_scope
from helpdesk.ratelimit import RateCounter, RateDecision, RateLimitWindow, hit, purge_rate_windows
from helpdesk.settings import Settings
from tests.conftest import clear_tables

MINUTE = dt.timedelta(minutes=1)


def test_a_fixed_window_counts_in_the_database(db_engine: Engine) -> None:
    clear_tables(db_engine, "rate_limit_window")
    start = dt.datetime(2026, 12, 7, 9, 0, 0, tzinfo=dt.UTC)
    with Session(db_engine) as session:
        decisions = [
            hit(session, "triage", "a", 2, MINUTE, start + dt.timedelta(seconds=s))
            for s in (1, 2, 50)
        ]
        assert [d.allowed for d in decisions] == [True, True, False]
        assert decisions[2].retry_after == 11  # until the minute is over
        assert hit(session, "triage", "b", 2, MINUTE, start + dt.timedelta(seconds=51)).allowed
        assert hit(session, "lookup", "a", 2, MINUTE, start + dt.timedelta(seconds=52)).allowed
        # The next window starts from nothing.
        assert hit(session, "triage", "a", 2, MINUTE, start + dt.timedelta(seconds=61)).allowed
    with session_scope(db_engine) as session:
        rows = session.exec(select(RateLimitWindow)).all()
        assert sorted((r.bucket, r.key_hash, r.hits) for r in rows) == [
            ("lookup", "a", 1),
            ("triage", "a", 1),
            ("triage", "a", 3),
            ("triage", "b", 1),
        ]
        assert purge_rate_windows(session, start + dt.timedelta(days=2)) == 4


class Ticks:
    """A monotonic clock the test moves by hand (the counter's writes are time-driven)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def count(counter: RateCounter, engine: Engine, limit: int, now: dt.datetime) -> RateDecision:
    """One request through a process's counter, as routes._limits.check_rate makes it."""
    decided = counter.decide_here("triage", "a", limit, MINUTE, now)
    if decided is not None:
        if decided.write_behind:  # the route writes it after answering
            with session_scope(engine) as session:
                counter.write_behind(session, "triage", "a", MINUTE, now)
        return decided
    with session_scope(engine) as session:
        return counter.write(session, "triage", "a", limit, MINUTE, now)


def stored_hits(engine: Engine) -> int:
    with Session(engine) as session:
        return sum(r.hits for r in session.exec(select(RateLimitWindow)).all())


def test_a_process_counts_in_batches_and_keeps_the_limit_exact(db_engine: Engine) -> None:
    clear_tables(db_engine, "rate_limit_window")
    now = dt.datetime(2026, 12, 7, 9, 0, 10, tzinfo=dt.UTC)
    ticks = Ticks()
    counter = RateCounter(sync_seconds=1.0, sync_share=0.1, clock=ticks)
    decisions = [count(counter, db_engine, 100, now) for _ in range(25)]
    assert all(d.allowed for d in decisions)
    # Written in batches of a tenth of the limit, not one row update per request.
    assert stored_hits(db_engine) == 21
    ticks.now += 1.0  # a second later, the next request writes everything counted so far
    assert count(counter, db_engine, 100, now).allowed
    assert stored_hits(db_engine) == 26
    # Near the limit every request is written, so the limit is exact in one process.
    decisions = [count(counter, db_engine, 100, now) for _ in range(80)]
    assert sum(d.allowed for d in decisions) == 100 - 26
    refused = decisions[-1]
    assert not refused.allowed
    assert refused.retry_after == 51
    # Once refused by the stored count, refusals are decided here, without writing.
    before = stored_hits(db_engine)
    assert not count(counter, db_engine, 100, now).allowed
    assert stored_hits(db_engine) == before
    # The next window starts from nothing.
    assert count(counter, db_engine, 100, now + MINUTE).allowed


def test_a_write_due_far_from_the_limit_goes_behind_the_answer_once(db_engine: Engine) -> None:
    clear_tables(db_engine, "rate_limit_window")
    now = dt.datetime(2026, 12, 7, 9, 0, 10, tzinfo=dt.UTC)
    ticks = Ticks()
    counter = RateCounter(sync_seconds=1.0, sync_share=0.1, clock=ticks)
    assert count(counter, db_engine, 100, now).allowed  # first seen: written before answering
    ticks.now += 1.0
    due = counter.decide_here("triage", "a", 100, MINUTE, now)
    assert due == RateDecision(True, write_behind=True)
    # While that write is under way, the next requests are answered here and start no other.
    assert counter.decide_here("triage", "a", 100, MINUTE, now) == RateDecision(True)
    with session_scope(db_engine) as session:
        counter.write_behind(session, "triage", "a", MINUTE, now)
    assert stored_hits(db_engine) == 3
    ticks.now += 1.0
    assert counter.decide_here("triage", "a", 100, MINUTE, now) == RateDecision(
        True, write_behind=True
    )


def test_processes_sharing_a_database_stay_near_the_limit(db_engine: Engine) -> None:
    clear_tables(db_engine, "rate_limit_window")
    now = dt.datetime(2026, 12, 7, 9, 0, 10, tzinfo=dt.UTC)
    ticks = Ticks()
    processes = [RateCounter(clock=ticks) for _ in range(3)]
    allowed = 0
    for i in range(300):
        allowed += count(processes[i % 3], db_engine, 60, now).allowed
    # Each process may let through its unwritten tenth of the limit beyond it, no more.
    assert 60 <= allowed <= 60 + 3 * 6


async def limited(settings: Settings, address: str) -> AsyncIterator[httpx.AsyncClient]:
    application: Starlette = create_app(settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application, client=(address, 4321))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


async def test_triage_and_lookups_are_limited_per_address(
    app: Starlette, settings: Settings, db_engine: Engine
) -> None:
    clear_tables(db_engine, "rate_limit_window")
    strict = replace(
        settings,
        import_kb_on_start=False,
        triage_max_per_address_minute=3,
        lookup_max_per_address_hour=2,
        trusted_networks=("10.1.0.0/16",),
    )
    async for client in limited(strict, "192.0.2.1"):
        asked = [
            await client.post("/api/v1/triage", json={"text": "mitid", "lang": "da"})
            for _ in range(4)
        ]
        assert [r.status_code for r in asked] == [200, 200, 200, 429]
        refused = asked[-1]
        assert 1 <= int(refused.headers["retry-after"]) <= 61
        assert refused.json()["error"]["code"] == "rate_limited"
        assert refused.json()["error"]["language"] == "da"
        assert "forbindelse" in refused.json()["error"]["message"]
        headers = {"X-Booking-Contact": "20 12 34 56"}
        looked = [
            (await client.get("/api/v1/bookings/ABCDEF", headers=headers)).status_code
            for _ in range(3)
        ]
        assert looked == [404, 404, 429]
        assert (await client.delete("/api/v1/bookings/ABCDEF", headers=headers)).status_code == 429
        # The cancel-or-move form: the same limit, a page with the message and the reference.
        page = await client.post(
            "/book/manage", data={"lang": "en", "reference": "ABC-DEF", "contact": "x@example.dk"}
        )
        assert page.status_code == 429
        assert "retry-after" in page.headers
        assert page.headers["content-type"].startswith("text/html")
        assert "Too many requests from this connection" in page.text
        assert 'value="ABC-DEF"' in page.text
    # Another address has its own count; a trusted one ten times as many.
    async for client in limited(strict, "10.1.2.3"):
        statuses = [
            (await client.post("/api/v1/triage", json={"text": "mitid"})).status_code
            for _ in range(31)
        ]
        assert statuses == [200] * 30 + [429]
