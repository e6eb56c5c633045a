"""Booking out the calendar: one anonymous client tries to book every free seat.

The reproduction of the security review's finding B1 (issue 14, item 1): before the booking
limits, one client from one address booked 1,621 seats in 665 slots (every place, six weeks
ahead) in 19 s. This starts a real uvicorn with the demo places and schedules on a scratch
database, lists every free slot over HTTP (``GET /api/v1/slots``), then books every free seat
with made-up names and phone numbers, ``--parallel`` requests at a time, all from 127.0.0.1.
It reports what it got and exits 0 only if it was stopped at the per-address limit.

    .venv/bin/python -m bench.booking_exhaustion                      # SQLite, temporary file
    .venv/bin/python -m bench.booking_exhaustion \\
        --database-url postgresql://postgres@127.0.0.1:5432/helpdesk_bench_exhaustion

The database must be a scratch one (the demo data is loaded into it).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import tempfile
import time
from collections import Counter
from typing import Any

import httpx

from bench.booking_contention import running_server
from helpdesk.db import migrate
from helpdesk.settings import Settings, normalise_database_url

PAGE = 500


async def free_slots(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    """Every slot with a free seat, soonest first, page by page."""
    slots: list[dict[str, Any]] = []
    seen: set[int] = set()
    start: str | None = None
    while True:
        params = {"limit": str(PAGE), **({"from": start} if start else {})}
        response = await client.get("/api/v1/slots", params=params)
        response.raise_for_status()
        page = [s for s in response.json()["slots"] if s["id"] not in seen]
        if not page:
            return slots
        slots += page
        seen.update(s["id"] for s in page)
        start = page[-1]["start"]


async def book_everything(
    client: httpx.AsyncClient, slots: list[dict[str, Any]], parallel: int
) -> list[tuple[int, str | None]]:
    seats = [slot["id"] for slot in slots for _ in range(slot["remaining"])]
    gate = asyncio.Semaphore(parallel)

    async def one(number: int, slot_id: int) -> tuple[int, str | None]:
        body = {
            "slot_id": slot_id,
            "name": f"Bot {number}",
            # A new number each time, as an attacker would (so the per-contact limit alone
            # would not stop it).
            "phone": f"+45 2{number // 1000000 % 10} {number // 10000 % 100:02d} "
            f"{number // 100 % 100:02d} {number % 100:02d}",
            "language": "da",
        }
        async with gate:
            response = await client.post("/api/v1/bookings", json=body)
        code = None
        with contextlib.suppress(ValueError, KeyError, TypeError):
            code = response.json()["error"]["code"]
        return response.status_code, code

    return list(await asyncio.gather(*(one(n, s) for n, s in enumerate(seats))))


async def attack(base_url: str, parallel: int) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        slots = await free_slots(client)
        began = time.perf_counter()
        results = await book_everything(client, slots, parallel)
        seconds = time.perf_counter() - began
        left = await free_slots(client)
    statuses = Counter(f"{status} {code or ''}".strip() for status, code in results)
    return {
        "slots_offered": len(slots),
        "free_seats": sum(s["remaining"] for s in slots),
        "requests": len(results),
        "seconds": round(seconds, 1),
        "answers": dict(statuses.most_common()),
        "booked": sum(1 for status, _ in results if status == 201),
        "free_seats_left": sum(s["remaining"] for s in left),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--parallel", type=int, default=8, help="requests in flight at once")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    limit = Settings.from_env().booking_max_per_address_hour
    with tempfile.TemporaryDirectory() as tmp:
        url = normalise_database_url(args.database_url or f"sqlite:///{tmp}/exhaustion.db")
        migrate(url)
        demo = {"HELPDESK_DEMO": "true"}
        with running_server(url, args.workers, extra_env=demo) as base_url:
            report = asyncio.run(attack(base_url, args.parallel))
    report["database"] = "postgresql" if url.startswith("postgresql") else "sqlite"
    report["limit_per_address_hour"] = limit
    report["measured_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    report["stopped_at_the_limit"] = report["booked"] <= limit < report["free_seats"]
    print(json.dumps(report, indent=2))
    return 0 if report["stopped_at_the_limit"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
