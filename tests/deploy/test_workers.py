"""`helpdesk serve --workers 3` on a fresh database: a clean start (the migrations and start-up
work one process at a time), requests answered by more than one worker, logging with redaction
in every worker, the daily jobs run once across the processes, and a graceful stop that writes
every queued triage event.

SQLite exercises the file locks; PostgreSQL (when HELPDESK_TEST_DATABASE_URL is one, as in the
PostgreSQL run of .ci/run) the advisory locks, on a database of its own made fresh
(tests/deploy/conftest.py)."""

from __future__ import annotations

import asyncio
import os
import re
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

import helpdesk
from bench.server import free_port, running

WORKERS = 3
REQUESTS = 90


async def fire(base_url: str) -> list[int]:
    """Triage requests and health checks with a phone number in the query, each on a new
    connection, so that the workers take turns accepting them."""

    async def one(i: int) -> int:
        async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
            await client.get(f"/healthz?phone=2233{i:04d}")
            response = await client.post(
                "/api/v1/triage", json={"text": f"mit sundhedskort er væk {i}"}
            )
            return response.status_code

    limit = asyncio.Semaphore(12)

    async def limited(i: int) -> int:
        async with limit:
            return await one(i)

    return list(await asyncio.gather(*(limited(i) for i in range(REQUESTS))))


def pids(output: str, pattern: str) -> set[str]:
    return {m.group(1) for m in re.finditer(rf"\[(\d+)\] [A-Z]+ [\w.]+: .*{pattern}", output)}


def test_three_workers_on_a_fresh_database(fresh_database: str, tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "HELPDESK_DATABASE_URL": fresh_database,
        "HELPDESK_SECRET_KEY": "workers-test",
        "HELPDESK_DATABASE_POOL_SIZE": "3",
        # One client address sends everything: the per-address triage limit is not measured.
        "HELPDESK_TRIAGE_MAX_PER_ADDRESS_MINUTE": "1000000",
        "HELPDESK_LOG_LEVEL": "INFO",
    }
    command = [sys.executable, "-m", "helpdesk", "serve", "--port", str(port)]
    command += ["--workers", str(WORKERS)]
    with running(command, port, env, cwd=tmp_path, timeout=400) as server:
        # /healthz answers once the first worker is up; wait for all of them.
        until = time.monotonic() + 400
        while server.output().count("Application startup complete") < WORKERS:
            assert server.process.poll() is None, server.output()[-3000:]
            assert time.monotonic() < until, server.output()[-3000:]
            time.sleep(0.2)
        statuses = asyncio.run(fire(server.base_url))
        assert statuses == [200] * REQUESTS
        # /metrics adds up all workers' counters, whichever worker answers.
        for _ in range(4):
            exposition = httpx.get(f"{server.base_url}/metrics", timeout=30).text
            triaged = sum(
                float(line.rsplit(" ", 1)[1])
                for line in exposition.splitlines()
                if line.startswith("helpdesk_triage_total{")
            )
            assert triaged == REQUESTS
        exit_code = server.stop(timeout=60)
        output = server.output()

    assert exit_code in (0, -15), output[-3000:]
    for trouble in ("Traceback", "UniqueViolation", "ERROR", "failed"):
        assert trouble not in output, output[-5000:]
    # Every worker started with the service's logging; the answers came from several of them,
    # and their access logs were redacted.
    started = pids(output, "Application startup complete")
    assert len(started) == WORKERS
    answered = pids(output, r'"POST /api/v1/triage HTTP/1\.1" 200')
    assert len(answered) >= 2, answered
    assert len(pids(output, r"GET /healthz\?phone=\[PHONE\]")) >= 2
    assert "phone=2233" not in output
    # The migrations ran once; the daily jobs ran once across the three processes.
    assert output.count("Running upgrade  -> 0001") == 1
    assert output.count("job daily ran in this process") == 1
    assert started >= pids(output, "Application shutdown complete") == started
    engine = create_engine(fresh_database)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT runs FROM job_run")).scalars().all() == [1]
            version = connection.execute(text("SELECT version_num FROM alembic_version"))
            assert version.scalar_one() == newest_migration()
            # The graceful stop wrote every queued triage event.
            events = connection.execute(text("SELECT count(*) FROM triage_event")).scalar_one()
            assert events == REQUESTS
    finally:
        engine.dispose()


def newest_migration() -> str:
    """The revision of the newest migration file (revisions are their files' number prefix)."""
    versions = Path(helpdesk.__file__).parent / "migrations" / "versions"
    return max(path.name[:4] for path in versions.glob("[0-9][0-9][0-9][0-9]_*.py"))
