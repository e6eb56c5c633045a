"""Contention on one slot: many citizens booking the last seats at the same moment.

Starts a real uvicorn with several worker processes on a free loopback port against a real
database (SQLite file or PostgreSQL), makes one slot with ``capacity`` seats, fires ``requests``
concurrent POST /api/v1/bookings at it, checks that exactly ``capacity`` succeeded and every other
request got a clear 409, and prints throughput and latency percentiles.

    .venv/bin/python -m bench.booking_contention                       # SQLite, temporary file
    .venv/bin/python -m bench.booking_contention \\
        --database-url postgresql://postgres@127.0.0.1:5432/helpdesk_bench --requests 500

The test tests/booking/test_concurrency.py runs the same code with assertions.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from helpdesk.booking.models import Booking, Location, SessionType, Slot
from helpdesk.db import make_engine, migrate, session_scope
from helpdesk.settings import normalise_database_url

REPO = Path(__file__).resolve().parents[1]
STARTUP_TIMEOUT_SECONDS = 90.0
REQUEST_TIMEOUT_SECONDS = 60.0
BENCH_LOCATION = "bench-contention"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def running_server(
    database_url: str,
    workers: int,
    pool_size: int = 5,
    extra_env: Mapping[str, str] | None = None,
) -> Iterator[str]:
    """uvicorn with ``workers`` processes on a free loopback port; yields its base URL.

    ``extra_env`` adds or overrides ``HELPDESK_*`` settings. The server is stopped (its whole
    process group) when the block ends, whatever happens.
    """
    port = free_port()
    env = {
        **os.environ,
        "HELPDESK_DATABASE_URL": database_url,
        "HELPDESK_SECRET_KEY": "contention-secret",
        "HELPDESK_IMPORT_KB_ON_START": "false",
        "HELPDESK_DATABASE_POOL_SIZE": str(pool_size),
        "HELPDESK_LOG_LEVEL": "WARNING",
        **(extra_env or {}),
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "helpdesk.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    base_url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command,
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            _wait_until_ready(base_url, process, workers, log)
            yield base_url
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def _wait_until_ready(
    base_url: str, process: subprocess.Popen[bytes], workers: int, log: IO[bytes]
) -> None:
    """Until /healthz answers from every worker (each answers once it has started up)."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    ready = 0
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"uvicorn exited with {process.returncode}: {_tail(log)}")
        try:
            # A fresh connection each time, so that the workers take turns accepting.
            response = httpx.get(f"{base_url}/healthz", timeout=2.0)
            ready = ready + 1 if response.status_code == 200 else 0
            if ready >= workers * 3:
                return
        except httpx.HTTPError:
            ready = 0
        time.sleep(0.1)
    raise RuntimeError(f"uvicorn was not ready in time: {_tail(log)}")


def _tail(log: IO[bytes]) -> str:
    log.seek(0)
    return log.read()[-2000:].decode(errors="replace")


def prepare_slot(engine: Engine, capacity: int) -> int:
    """A fresh slot with ``capacity`` seats tomorrow at a place of its own."""
    with session_scope(engine) as session:
        location = session.exec(select(Location).where(Location.slug == BENCH_LOCATION)).first()
        if location is None:
            location = Location(slug=BENCH_LOCATION, name="Contention test", kind="library")
            session.add(location)
        session_type = session.exec(
            select(SessionType).where(SessionType.slug == "digital-help")
        ).first()
        if session_type is None:
            session_type = SessionType(slug="digital-help", duration_minutes=30)
            session.add(session_type)
        session.flush()
        latest = session.exec(
            select(func.max(Slot.starts_at)).where(Slot.location_id == location.id)
        ).one()
        start = max(
            latest or dt.datetime.now(dt.UTC),
            dt.datetime.now(dt.UTC) + dt.timedelta(days=1),
        ) + dt.timedelta(hours=1)
        assert location.id is not None
        assert session_type.id is not None
        slot = Slot(
            location_id=location.id,
            session_type_id=session_type.id,
            starts_at=start,
            ends_at=start + dt.timedelta(minutes=30),
            capacity=capacity,
            languages=",da,en,",
        )
        session.add(slot)
        session.flush()
        assert slot.id is not None
        return slot.id


@dataclass(frozen=True)
class Result:
    status: int
    seconds: float
    code: str | None


async def fire(base_url: str, slot_id: int, requests: int) -> tuple[list[Result], float]:
    """``requests`` concurrent bookings of one slot; (results, wall-clock seconds)."""
    limits = httpx.Limits(max_connections=requests, max_keepalive_connections=requests)
    timeout = httpx.Timeout(REQUEST_TIMEOUT_SECONDS)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=timeout) as client:
        start_line = asyncio.Event()

        async def one(number: int) -> Result:
            body = {
                "slot_id": slot_id,
                "name": f"Citizen {number}",
                "phone": f"+45 20 {number // 10000 % 100:02d} {number // 100 % 100:02d} "
                f"{number % 100:02d}",
                "language": "da",
            }
            await start_line.wait()
            began = time.perf_counter()
            response = await client.post("/api/v1/bookings", json=body)
            elapsed = time.perf_counter() - began
            code = None
            with contextlib.suppress(ValueError, KeyError, TypeError):
                code = response.json()["error"]["code"]
            return Result(response.status_code, elapsed, code)

        tasks = [asyncio.create_task(one(n)) for n in range(requests)]
        await asyncio.sleep(0.05)
        began = time.perf_counter()
        start_line.set()
        results = await asyncio.gather(*tasks)
        return list(results), time.perf_counter() - began


async def fire_raw(base_url: str, slot_id: int, requests: int) -> tuple[list[Result], float]:
    """The same crowd without httpx: one plain HTTP/1.1 connection per citizen.

    httpx's connection pool costs O(connections) per request, so with hundreds of connections
    in flight the client, not the server, sets the pace (a trivial ASGI app measures ~50
    requests/s that way on this machine). The benchmark therefore speaks HTTP/1.1 over asyncio
    streams itself; the test uses httpx.
    """
    host, port = base_url.removeprefix("http://").split(":")
    start_line = asyncio.Event()

    async def one(number: int) -> Result:
        body = json.dumps(
            {
                "slot_id": slot_id,
                "name": f"Citizen {number}",
                "phone": f"+45 20 {number // 10000 % 100:02d} {number // 100 % 100:02d} "
                f"{number % 100:02d}",
                "language": "da",
            }
        ).encode()
        head = (
            f"POST /api/v1/bookings HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n"
        ).encode()
        await start_line.wait()
        began = time.perf_counter()
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(head + body)
        await writer.drain()
        response = await asyncio.wait_for(reader.read(), REQUEST_TIMEOUT_SECONDS)
        elapsed = time.perf_counter() - began
        writer.close()
        status = int(response.split(b" ", 2)[1])
        code = None
        with contextlib.suppress(ValueError, KeyError, TypeError, IndexError):
            code = json.loads(response.split(b"\r\n\r\n", 1)[1])["error"]["code"]
        return Result(status, elapsed, code)

    tasks = [asyncio.create_task(one(n)) for n in range(requests)]
    await asyncio.sleep(0.05)
    began = time.perf_counter()
    start_line.set()
    results = await asyncio.gather(*tasks)
    return list(results), time.perf_counter() - began


def seats_in_database(engine: Engine, slot_id: int) -> tuple[int, int]:
    """(the slot's booked counter, the bookings that hold a seat in it)."""
    with Session(engine) as session:
        slot = session.get(Slot, slot_id)
        assert slot is not None
        bookings = session.exec(
            select(func.count())
            .select_from(Booking)
            .where(Booking.slot_id == slot_id, col(Booking.status) != "cancelled")
        ).one()
        return slot.booked, int(bookings)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def summary(results: list[Result], seconds: float) -> dict[str, object]:
    latencies = [r.seconds * 1000 for r in results]
    statuses: dict[str, int] = {}
    for result in results:
        statuses[str(result.status)] = statuses.get(str(result.status), 0) + 1
    return {
        "requests": len(results),
        "statuses": statuses,
        "seconds": round(seconds, 3),
        "throughput_per_second": round(len(results) / seconds, 1),
        "latency_ms": {
            "p50": round(percentile(latencies, 0.50), 1),
            "p90": round(percentile(latencies, 0.90), 1),
            "p99": round(percentile(latencies, 0.99), 1),
            "max": round(max(latencies), 1),
            "mean": round(statistics.fmean(latencies), 1),
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--capacity", type=int, default=5)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3, help="repeat on fresh slots")
    parser.add_argument(
        "--client",
        choices=("raw", "httpx"),
        default="raw",
        help="raw: one plain HTTP/1.1 connection per request (measures the server); httpx: "
        "httpx.AsyncClient as in the test (its pool is the bottleneck at this concurrency)",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url = normalise_database_url(args.database_url or f"sqlite:///{tmp}/bench.db")
        migrate(url)
        engine = make_engine(url)
        reports = []
        with running_server(url, args.workers) as base_url:
            for _ in range(args.rounds):
                slot_id = prepare_slot(engine, args.capacity)
                crowd = fire_raw if args.client == "raw" else fire
                results, seconds = asyncio.run(crowd(base_url, slot_id, args.requests))
                booked, seated = seats_in_database(engine, slot_id)
                created = sum(1 for r in results if r.status == 201)
                full = sum(1 for r in results if r.status == 409 and r.code == "slot_full")
                report = summary(results, seconds)
                report["correct"] = (
                    created == booked == seated == args.capacity and created + full == args.requests
                )
                reports.append(report)
        engine.dispose()
    database = "postgresql" if url.startswith("postgresql") else "sqlite"
    print(
        json.dumps(
            {
                "database": database,
                "workers": args.workers,
                "capacity": args.capacity,
                "client": args.client,
                "rounds": reports,
            },
            indent=2,
        )
    )
    return 0 if all(r["correct"] for r in reports) else 1


if __name__ == "__main__":
    raise SystemExit(main())
