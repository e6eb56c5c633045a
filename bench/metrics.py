"""The coordinator's dashboard at scale: a million session logs and five million triage events.

Fills a scratch database with a year of anonymous history (``helpdesk.demo.history``, bulk
inserts), rebuilds the metrics rollups, then times every dashboard query and the whole page
(GET /coordinator through the real app, signed in as a coordinator) for the default period (90
days) and for a year, for all places and for one place.

    .venv/bin/python -m bench.metrics                                   # SQLite, /tmp file
    .venv/bin/python -m bench.metrics --database-url \\
        postgresql://postgres@127.0.0.1:5432/helpdesk_bench_metrics
    .venv/bin/python -m bench.metrics --reuse                           # time only

The database must be a scratch one: without --reuse its session logs and triage events are
replaced.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import time
import uuid
from collections.abc import Callable
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from helpdesk import lifecycle
from helpdesk.app import create_app
from helpdesk.booking.models import Location
from helpdesk.db import migrate, session_scope
from helpdesk.demo.history import generate_history
from helpdesk.kb.files import load_knowledge_base
from helpdesk.kb.store import import_guides_safely
from helpdesk.metrics import dashboard, rollup
from helpdesk.metrics.queries import Period, metrics
from helpdesk.metrics.unmet import unmet_demand
from helpdesk.settings import Settings, normalise_database_url

DEFAULT_URL = "sqlite:////tmp/helpdesk-bench-metrics.db"
ZONE_NAME = "Europe/Copenhagen"
ZONE = ZoneInfo(ZONE_NAME)
PASSWORD = "bench password for metrics"
HISTORY_TABLES = ("help_log_topic", "help_log", "session_rollup", "triage_rollup", "triage_event")


def count(engine: Engine, table: str) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())


def prepare(engine: Engine, settings: Settings) -> None:
    """Guides (topics are guide slugs) and the demo places."""
    loaded = load_knowledge_base()
    with session_scope(engine) as session:
        import_guides_safely(session, loaded.knowledge_base.guides)
    lifecycle.make_slots(settings, engine, demo=True)


def generate(engine: Engine, sessions: int, events: int, days: int, today: dt.date) -> None:
    with engine.begin() as connection:
        for table in HISTORY_TABLES:
            connection.execute(text(f"DELETE FROM {table}"))
    started = time.perf_counter()
    written = generate_history(
        engine,
        start=today - dt.timedelta(days=days),
        days=days,
        sessions_per_day=sessions / days,
        triage_per_day=events / days,
        seed=2026,
        timezone=ZONE_NAME,
    )
    print(f"generated {written} in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    with session_scope(engine) as session:
        rollup.rebuild(session, ZONE_NAME)
    print(f"rebuilt the rollups in {time.perf_counter() - started:.1f} s")
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))


def timed(work: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return times


def show(label: str, times: list[float]) -> None:
    print(
        f"  {label:<44} median {statistics.median(times) * 1000:7.1f} ms"
        f"   max {max(times) * 1000:7.1f} ms"
    )


def time_queries(engine: Engine, period: Period, location_id: int | None, repeat: int) -> None:
    parts: dict[str, list[float]] = {}
    whole: list[float] = []
    for _ in range(repeat):
        with Session(engine) as session:
            started = time.perf_counter()
            board = dashboard.build(session, period, ZONE, location_id)
            whole.append(time.perf_counter() - started)
        for name, seconds in board.timings.items():
            parts.setdefault(name, []).append(seconds)
    for name, times in parts.items():
        show(name, times)
    show("all dashboard queries", whole)
    with Session(engine) as session:
        clusters = unmet_demand(session, period.start, period.end, zone=ZONE)
        questions = sum(len(c.questions) for c in clusters)
        show(
            f"API metrics topic x age_band (from the logs; {questions} unmet q.)",
            timed(
                lambda: metrics(
                    session, period.start, period.end, ["topic", "age_band"], location_id
                ),
                max(1, repeat // 2),
            ),
        )


async def time_page(
    settings: Settings, periods: list[tuple[str, Period, str | None]], repeat: int
) -> None:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        from helpdesk.accounts.service import create_user

        username = f"bench-{uuid.uuid4().hex[:8]}"
        with session_scope(app.state.db) as session:
            create_user(session, username, "coordinator", PASSWORD)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            form = await client.get("/login?next=/coordinator")
            token = form.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
            await client.post(
                "/login",
                data={
                    "username": username,
                    "password": PASSWORD,
                    "next": "/coordinator",
                    "csrf_token": token,
                },
            )
            for label, period, slug in periods:
                query = f"from={period.start.isoformat()}&to={period.end.isoformat()}"
                if slug:
                    query += f"&location={slug}"
                times = []
                for _ in range(repeat):
                    started = time.perf_counter()
                    response = await client.get(f"/coordinator?{query}")
                    times.append(time.perf_counter() - started)
                    assert response.status_code == 200, response.status_code
                show(f"GET /coordinator, {label}", times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--reuse", action="store_true", help="time the data already there; generate nothing"
    )
    args = parser.parse_args()
    url = normalise_database_url(args.database_url)
    settings = Settings(
        database_url=url,
        secret_key="bench",
        import_kb_on_start=False,
        timezone=ZONE_NAME,
    )
    migrate(url)
    engine = lifecycle.open_database(settings)
    today = dt.datetime.now(ZONE).date()
    if not args.reuse:
        prepare(engine, settings)
        generate(engine, args.sessions, args.events, args.days, today)
    print(
        f"{engine.dialect.name}: {count(engine, 'help_log'):,} session logs, "
        f"{count(engine, 'help_log_topic'):,} topics, {count(engine, 'triage_event'):,} triage "
        f"events; rollups {count(engine, 'session_rollup'):,} + "
        f"{count(engine, 'triage_rollup'):,} rows"
    )
    with Session(engine) as session:
        place = session.exec(select(Location).order_by(Location.id)).first()  # type: ignore[arg-type]
    assert place is not None
    assert place.id is not None
    yesterday = today - dt.timedelta(days=1)
    periods = [
        ("90 days, all places", Period(yesterday - dt.timedelta(days=89), yesterday), None),
        ("365 days, all places", Period(yesterday - dt.timedelta(days=364), yesterday), None),
        (f"365 days, {place.slug}", Period(yesterday - dt.timedelta(days=364), yesterday), place),
    ]
    for label, period, location in periods:
        print(f"dashboard queries, {label}:")
        time_queries(engine, period, location.id if location else None, args.repeat)
    engine.dispose()
    print("the whole page (httpx over ASGI, signed in, rendered):")
    asyncio.run(
        time_page(
            settings,
            [(label, period, loc.slug if loc else None) for label, period, loc in periods],
            args.repeat,
        )
    )


if __name__ == "__main__":
    main()
