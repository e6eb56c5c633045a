"""Resident memory of one service process once it is ready.

    python bench/memory.py           # an empty database
    python bench/memory.py --demo    # with the demo data (places, schedules, a year of history)

Starts `helpdesk serve` on a free loopback port with a fresh SQLite database, waits for /healthz,
sends a few triage requests, and prints the process's resident set size (VmRSS) and peak (VmHWM).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def memory_kb(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0])
    return fields


def main() -> int:
    demo = "--demo" in sys.argv[1:]
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = {"HELPDESK_DATABASE_URL": f"sqlite:///{tmp}/bench.db", "PATH": "/usr/bin:/bin"}
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "helpdesk",
                "serve",
                "--port",
                str(port),
                *(["--demo"] if demo else []),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            start = time.monotonic()
            url = f"http://127.0.0.1:{port}"
            while True:
                try:
                    if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() - start > 600 or process.poll() is not None:
                    print("the service did not become ready", file=sys.stderr)
                    return 1
                time.sleep(0.2)
            ready_after = time.monotonic() - start
            ready = memory_kb(process.pid)
            for text in ("mitid låst", "lost my passport", "فقدت البطاقة الصفراء", "hej"):
                httpx.post(f"{url}/api/v1/triage", json={"text": text}, timeout=10)
            after = memory_kb(process.pid)
            print(f"ready after {ready_after:.1f} s")
            print(f"resident memory once ready: {ready['VmRSS'] / 1024:.0f} MB")
            print(
                f"resident memory after triage requests: {after['VmRSS'] / 1024:.0f} MB "
                f"(peak {after['VmHWM'] / 1024:.0f} MB)"
            )
        finally:
            process.terminate()
            process.wait(timeout=20)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
