"""The OpenAPI document agrees with the code: a bounded schemathesis run over every operation.

A real server (``helpdesk serve --demo``, so there are places, session types and slots to book)
runs in its own process on its own database: a fresh SQLite file, or, on PostgreSQL, a schema
of its own in the test database (what the run writes never reaches the other tests). The
schemathesis command line then tries every operation of /api/v1/openapi.json, once with a
staff bearer token and once with a coordinator's, with every check that can hold here
(tests/schemathesis.toml says which cannot, and why): no server error, and every answer's
status, headers and body as the document says.

Bounded for a loaded machine: few examples per operation, a fixed seed (the same cases each
run), one worker, and a time budget.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from helpdesk.accounts.service import create_token, create_user
from helpdesk.db import session_scope
from helpdesk.settings import normalise_database_url

CONFIG = Path(__file__).with_name("schemathesis.toml")
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
#: Per run (one per role): examples per operation, and the most seconds it may take (the run
#: ends on its own much sooner; schemathesis's --max-time would instead fuzz until it is spent).
MAX_EXAMPLES = 5
MAX_SECONDS = 240
START_SECONDS = 120
OPERATIONS = 44


@dataclass
class LiveServer:
    url: str
    tokens: dict[str, str]
    log: Path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _own_database(database_url: str, directory: Path) -> tuple[str, str | None]:
    """A database URL for the server alone, and the PostgreSQL schema to drop afterwards."""
    if not database_url.startswith("postgresql"):
        return f"sqlite:///{directory / 'conformance.db'}", None
    schema = f"conformance_{os.getpid()}_{secrets.token_hex(3)}"
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    separator = "&" if "?" in database_url else "?"
    return f"{database_url}{separator}options=-csearch_path%3D{schema}", schema


def _drop_schema(database_url: str, schema: str) -> None:
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()


@pytest.fixture(scope="module")
def live_server(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    directory = tmp_path_factory.mktemp("conformance")
    server_url, schema = _own_database(database_url, directory)
    port = _free_port()
    log = directory / "server.log"
    env = {
        **os.environ,
        "HELPDESK_DATABASE_URL": server_url,
        "HELPDESK_SECRET_KEY": secrets.token_hex(32),
        "HELPDESK_LOG_LEVEL": "WARNING",
        # One client sends every request: the per-address limits are tested elsewhere.
        "HELPDESK_TRIAGE_MAX_PER_ADDRESS_MINUTE": "100000",
        "HELPDESK_LOOKUP_MAX_PER_ADDRESS_HOUR": "100000",
        "HELPDESK_BOOKING_MAX_PER_ADDRESS_HOUR": "100000",
    }
    command = [sys.executable, "-m", "helpdesk", "serve", "--demo", "--port", str(port)]
    with log.open("wb") as output:
        server = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            assert server.poll() is None, f"the server stopped: {log.read_text()[-3000:]}"
            try:
                if httpx.get(f"{base}/healthz", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not start in time"
            time.sleep(0.5)
        engine = create_engine(normalise_database_url(server_url))
        tokens = {}
        with session_scope(engine) as session:
            for role in ("staff", "coordinator"):
                create_user(session, f"conformance-{role}", role, secrets.token_urlsafe(16))
                tokens[role], _ = create_token(session, f"conformance-{role}", "schemathesis")
        engine.dispose()
        yield LiveServer(base, tokens, log)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if schema:
            _drop_schema(database_url, schema)


@pytest.mark.parametrize("role", ["staff", "coordinator"])
def test_every_operation_answers_as_documented(
    live_server: LiveServer, role: str, tmp_path: Path
) -> None:
    command = [
        str(SCHEMATHESIS),
        "--config-file",
        str(CONFIG),
        "run",
        f"{live_server.url}/api/v1/openapi.json",
        "--header",
        f"Authorization: Bearer {live_server.tokens[role]}",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        "1",
        "--workers",
        "1",
        "--no-shrink",
    ]
    run = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=MAX_SECONDS,
        env={**os.environ, "NO_COLOR": "1"},
        cwd=tmp_path,
    )
    report = run.stdout + run.stderr
    assert run.returncode == 0, report[-20000:] + "\nserver log:\n" + live_server.log.read_text()
    # It tried every operation: a run that reached none (no schema, no server) proves nothing.
    tested = re.search(r"Selected: (\d+)/(\d+)\s+Tested: (\d+)", report)
    assert tested, report[-3000:]
    assert tested.groups() == (str(OPERATIONS),) * 3, report[-3000:]
