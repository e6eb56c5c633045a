"""Memory under a steady load: does a service process grow?

    python bench/soak.py                    # 10 minutes, demo data, one process
    python bench/soak.py --minutes 3 --no-demo --workers 2

Starts `helpdesk serve` (a fresh SQLite database in a temporary directory) and, once ready,
keeps 8 connections busy with a mix of what citizens and staff do (triage questions cycled from
bench/data, guide pages, the kiosk, the guide API, /healthz) for the given time. Every 30 s it
prints the resident memory (VmRSS) of each service process and the requests done. The summary
compares the first sample after a one-minute warm-up with the last: a process that keeps
growing under the same load leaks.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from itertools import cycle
from pathlib import Path

import httpx

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.http_throughput import questions
from bench.server import free_port, running

SAMPLE_SECONDS = 30.0
WARM_UP_SECONDS = 60.0
CONNECTIONS = 8
PAGES = (
    "/guides/mitid-locked?lang=da",
    "/guides/health-card?lang=ar",
    "/kiosk?lang=uk",
    "/api/v1/guides?lang=tr",
    "/guides?lang=en",
    "/healthz",
)


def service_pids(parent: int) -> list[int]:
    """The server and, with workers, its worker processes."""
    children = Path(f"/proc/{parent}/task/{parent}/children")
    found = [int(pid) for pid in children.read_text().split()] if children.exists() else []
    return found or [parent]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def load(base_url: str, until: float, counter: list[int]) -> None:
    bodies = cycle(json.dumps({"text": q, "channel": "kiosk"}) for q in questions())
    pages = cycle(PAGES)
    limits = httpx.Limits(max_connections=CONNECTIONS)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as client:

        async def one_connection() -> None:
            turn = 0
            while time.monotonic() < until:
                turn += 1
                if turn % 2:
                    await client.post(
                        "/api/v1/triage",
                        content=next(bodies),
                        headers={"Content-Type": "application/json"},
                    )
                else:
                    await client.get(next(pages))
                counter[0] += 1

        await asyncio.gather(*(one_connection() for _ in range(CONNECTIONS)))


async def soak(base_url: str, parent: int, seconds: float) -> list[tuple[float, list[float]]]:
    started = time.monotonic()
    counter = [0]
    worker = asyncio.create_task(load(base_url, started + seconds, counter))
    samples: list[tuple[float, list[float]]] = []
    while not worker.done():
        elapsed = time.monotonic() - started
        memory = [rss_mb(pid) for pid in service_pids(parent)]
        samples.append((elapsed, memory))
        print(
            f"{elapsed:6.0f} s  requests {counter[0]:7d}  RSS MB "
            + " ".join(f"{m:6.1f}" for m in memory),
            flush=True,
        )
        await asyncio.wait({worker}, timeout=SAMPLE_SECONDS)
    await worker
    samples.append((time.monotonic() - started, [rss_mb(pid) for pid in service_pids(parent)]))
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--no-demo", action="store_true", help="without the demo data")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        env = {
            **os.environ,
            "HELPDESK_DATABASE_URL": f"sqlite:///{tmp}/soak.db",
            # One client address sends everything: the per-address triage limit is not measured.
            "HELPDESK_TRIAGE_MAX_PER_ADDRESS_MINUTE": "1000000",
            "HELPDESK_LOG_LEVEL": "WARNING",
        }
        command = [sys.executable, "-m", "helpdesk", "serve", "--port", str(port)]
        command += ["--workers", str(args.workers)] + ([] if args.no_demo else ["--demo"])
        with running(command, port, env, cwd=Path(tmp), timeout=600) as server:
            ready = [rss_mb(pid) for pid in service_pids(server.process.pid)]
            print("ready: RSS MB " + " ".join(f"{m:.1f}" for m in ready))
            samples = asyncio.run(soak(server.base_url, server.process.pid, args.minutes * 60))
    warm = next((m for t, m in samples if t >= WARM_UP_SECONDS), samples[0][1])
    last = samples[-1][1]
    print(
        f"after warm-up {' '.join(f'{m:.1f}' for m in warm)} MB, at the end "
        f"{' '.join(f'{m:.1f}' for m in last)} MB, growth "
        f"{' '.join(f'{b - a:+.1f}' for a, b in zip(warm, last, strict=False))} MB "
        f"over {samples[-1][0] / 60:.1f} min"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
