"""Start a service command in its own process group, wait until it answers, stop it for sure.

Shared by the benchmarks and the tests that need a real server (the wheel, several workers).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    base_url: str
    process: subprocess.Popen[bytes]
    log: IO[bytes]

    def output(self) -> str:
        """Everything the server wrote so far (stdout and stderr)."""
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM to the process group (a graceful shutdown), SIGKILL if it does not end."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            return self.process.wait(timeout=10)


@contextlib.contextmanager
def running(
    command: Sequence[str],
    port: int,
    env: Mapping[str, str],
    cwd: Path,
    ready_path: str = "/healthz",
    timeout: float = 180.0,
) -> Iterator[Server]:
    """Runs ``command`` (which must listen on 127.0.0.1:``port``) until the block ends."""
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            list(command),
            cwd=cwd,
            env=dict(env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        server = Server(f"http://127.0.0.1:{port}", process, log)
        try:
            deadline = time.monotonic() + timeout
            while True:
                if process.poll() is not None:
                    raise RuntimeError(
                        f"server exited with {process.returncode}: {server.output()[-3000:]}"
                    )
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(server.base_url + ready_path, timeout=2.0).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"server not ready in time: {server.output()[-3000:]}")
                time.sleep(0.1)
            yield server
        finally:
            if process.poll() is None:
                server.stop()
