"""Triage against /healthz over real HTTP, side by side.

    python bench/http_throughput.py                     # 1 process, a fresh SQLite database
    python bench/http_throughput.py --workers 2 --database-url postgresql://...
    python bench/http_throughput.py --seconds 30 --connections 32 --tool httpx
    python bench/http_throughput.py --distinct          # no question asked twice

Starts `helpdesk serve` in a subprocess on a free loopback port, then loads `GET /healthz` and
`POST /api/v1/triage` (questions cycled from bench/data/synthetic-questions.tsv, every language)
one after the other with the same number of connections and prints requests per second, p50
and p99 for both, and triage's share of /healthz. The load comes from `wrk` when it is
installed (`apt-get install wrk`) and otherwise from an httpx async client in this process,
which is slower than the server for /healthz: its ratio is then an overestimate, and the figures
say which tool made them.

The service keeps its engine's recent answers (helpdesk.triage.answers), so the 200 questions,
cycled, are answered from there after their first round, as a question citizens ask again and
again would be. ``--distinct`` numbers every request's question (in letters: " qb", " qc",
...), so that none repeats and the engine works out every answer: the worst case, a stream of
new questions.

Every triage event is written: the server's event count is checked against the requests
answered once the server has stopped (a graceful shutdown flushes the queue).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.server import free_port, running

REPO = Path(__file__).resolve().parents[1]
QUESTIONS = REPO / "bench" / "data" / "synthetic-questions.tsv"
TARGET_RATIO = 0.5
TARGET_P99_MS = 50.0


@dataclass
class Result:
    name: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


def questions(count: int = 200) -> list[str]:
    with QUESTIONS.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    step = max(1, len(rows) // count)
    return [row["question"] for row in rows[::step]][:count]


def lua_string(value: str) -> str:
    # A Lua long bracket string holds any JSON text except its own closing bracket.
    assert "]==]" not in value
    return f"[==[{value}]==]"


#: Where a request's number goes in a question with ``--distinct``.
NUMBER = "@@number@@"


def request_bodies(distinct: bool) -> list[str]:
    """The triage request bodies, JSON; with ``distinct``, each has NUMBER after its question."""
    suffix = f" {NUMBER}" if distinct else ""
    return [
        json.dumps({"text": question + suffix, "channel": "web"}, ensure_ascii=False)
        for question in questions()
    ]


def letters(number: int) -> str:
    """``number`` in letters ("b", "c", ..., "ba", ...): digits would be taken for a phone or CPR
    number and removed before the engine sees the question, which would then repeat."""
    word = ""
    while True:
        number, digit = divmod(number, 26)
        word = "abcdefghijklmnopqrstuvwxyz"[digit] + word
        if number == 0:
            return "q" + word


def numbered(body: str, number: int) -> str:
    return body.replace(NUMBER, letters(number))


def wrk_script(bodies: list[str]) -> str:
    # Each body in two halves around NUMBER (the second empty without --distinct); every
    # request puts its own number between them.
    halves = [body.split(NUMBER, 1) if NUMBER in body else [body, ""] for body in bodies]
    listed = ",\n".join(f"{{{lua_string(a)}, {lua_string(b)}}}" for a, b in halves)
    number_them = "true" if any(NUMBER in body for body in bodies) else "false"
    return f"""
local bodies = {{
{listed}
}}
local numbered = {number_them}
local counter = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local letters = function(n)
  local word = ""
  repeat
    local digit = n % 26
    word = string.char(97 + digit) .. word
    n = (n - digit) / 26
  until n == 0
  return "q" .. word
end
setup = function(thread)
  thread:set("offset", math.random(1, 1000000000))
end
request = function()
  counter = counter + 1
  local body = bodies[(counter % #bodies) + 1]
  if numbered then
    return wrk.format(nil, nil, nil, body[1] .. letters(offset + counter) .. body[2])
  end
  return wrk.format(nil, nil, nil, body[1])
end
"""


def parse_wrk(name: str, output: str, seconds: float) -> Result:
    def milliseconds(label: str) -> float:
        match = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
        if match is None:
            raise RuntimeError(f"no {label} latency in wrk's output:\n{output}")
        factor = {"us": 0.001, "ms": 1.0, "s": 1000.0}[match.group(2)]
        return float(match.group(1)) * factor

    total = re.search(r"(\d+) requests in ([\d.]+)(m?s)", output)
    if total is None:
        raise RuntimeError(f"no request count in wrk's output:\n{output}")
    took = float(total.group(2)) * (1.0 if total.group(3) == "s" else 0.001)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    errors = int(non_2xx.group(1)) if non_2xx else 0
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return Result(
        name, int(total.group(1)), took or seconds, milliseconds("50%"), milliseconds("99%"), errors
    )


def run_wrk(
    base_url: str, name: str, path: str, connections: int, seconds: float, script: Path | None
) -> Result:
    command = [
        "wrk",
        "--latency",
        "-t",
        "2",
        "-c",
        str(connections),
        "-d",
        f"{max(1, round(seconds))}s",
    ]
    if script is not None:
        command += ["-s", str(script)]
    done = subprocess.run([*command, base_url + path], capture_output=True, text=True, check=True)
    if "Non-2xx" in done.stdout or "Socket errors" in done.stdout:
        print(done.stdout, file=sys.stderr)  # which errors, to tell timeouts from refusals
    return parse_wrk(name, done.stdout, seconds)


async def run_httpx(
    base_url: str, name: str, path: str, connections: int, seconds: float, bodies: list[str] | None
) -> Result:
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:
        start = time.perf_counter()
        deadline = start + seconds

        async def one_connection(offset: int) -> None:
            nonlocal errors
            counter = offset
            while time.perf_counter() < deadline:
                began = time.perf_counter()
                if bodies is None:
                    response = await client.get(path)
                else:
                    counter += 1
                    response = await client.post(
                        path,
                        content=numbered(bodies[counter % len(bodies)], counter),
                        headers={"Content-Type": "application/json"},
                    )
                latencies.append((time.perf_counter() - began) * 1000)
                if response.status_code != 200:
                    errors += 1

        # Far apart, so that with --distinct no two connections number a question alike.
        await asyncio.gather(*(one_connection(i * 10_000_000) for i in range(connections)))
        took = time.perf_counter() - start
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return Result(name, len(latencies), took, statistics.median(latencies), p99, errors)


def count_events(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM triage_event")).scalar_one())
    finally:
        engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--database-url", help="default: a fresh SQLite file in a temporary directory"
    )
    parser.add_argument("--tool", choices=("auto", "wrk", "httpx"), default="auto")
    parser.add_argument(
        "--distinct",
        action="store_true",
        help="number every question, so that none repeats (no earlier answer to take)",
    )
    args = parser.parse_args()
    tool = args.tool
    if tool == "auto":
        tool = "wrk" if shutil.which("wrk") else "httpx"
    bodies = request_bodies(args.distinct)

    with tempfile.TemporaryDirectory() as tmp:
        database_url = args.database_url or f"sqlite:///{tmp}/throughput.db"
        port = free_port()
        env = {
            **os.environ,
            "HELPDESK_DATABASE_URL": database_url,
            "HELPDESK_SECRET_KEY": "throughput-bench",
            # One client address sends everything: the per-address triage limit is not measured.
            "HELPDESK_TRIAGE_MAX_PER_ADDRESS_MINUTE": "1000000",
            "HELPDESK_LOG_LEVEL": "WARNING",
        }
        command = [sys.executable, "-m", "helpdesk", "serve", "--port", str(port)]
        if args.workers > 1:
            command += ["--workers", str(args.workers)]
        before = count_events(database_url) if args.database_url else 0
        script = Path(tmp) / "triage.lua"
        script.write_text(wrk_script(bodies), encoding="utf-8")
        with running(command, port, env, cwd=Path(tmp)) as server:
            # Warm-up: connections, the first requests of each kind.
            warm = min(3.0, args.seconds)
            results: list[Result] = []
            answered = 0
            for name, path, is_triage in (
                ("/healthz", "/healthz", False),
                ("triage", "/api/v1/triage", True),
            ):
                if tool == "wrk":
                    warmed = run_wrk(
                        server.base_url,
                        name,
                        path,
                        args.connections,
                        warm,
                        script if is_triage else None,
                    )
                    results.append(
                        run_wrk(
                            server.base_url,
                            name,
                            path,
                            args.connections,
                            args.seconds,
                            script if is_triage else None,
                        )
                    )
                else:
                    warmed = asyncio.run(
                        run_httpx(
                            server.base_url,
                            name,
                            path,
                            args.connections,
                            warm,
                            bodies if is_triage else None,
                        )
                    )
                    results.append(
                        asyncio.run(
                            run_httpx(
                                server.base_url,
                                name,
                                path,
                                args.connections,
                                args.seconds,
                                bodies if is_triage else None,
                            )
                        )
                    )
                if is_triage:
                    answered = warmed.requests + results[-1].requests
            stopped = server.stop()
        recorded = count_events(database_url) - before

    healthz, triage = results
    ratio = triage.per_second / healthz.per_second
    print(
        f"{args.workers} worker(s), {args.connections} connections, {args.seconds:g} s each, "
        f"load from {tool}, database {'PostgreSQL' if 'postgresql' in database_url else 'SQLite'}, "
        f"{'every question new' if args.distinct else '200 questions cycled'}"
    )
    print(f"{'':10} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for result in results:
        print(
            f"{result.name:10} {result.per_second:9.0f} {result.p50_ms:8.1f} "
            f"{result.p99_ms:8.1f} {result.errors:7d}"
        )
    print(f"triage / healthz throughput: {ratio:.2f} (target >= {TARGET_RATIO})")
    print(f"triage p99: {triage.p99_ms:.1f} ms (target < {TARGET_P99_MS:g} ms)")
    # wrk does not count the requests in flight when it stops: a few more events than answers.
    print(
        f"triage events written: {recorded} for {answered} triage answers counted "
        f"(server exit code {stopped})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
