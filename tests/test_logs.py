"""Log redaction: message, arguments, tracebacks and the access log's query string, in every
process (also under plain ``uvicorn helpdesk.app:create_app --factory``); and
HELPDESK_LOG_FORMAT=json: one JSON object a line, redacted as well."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.booking_contention import free_port
from helpdesk.app import create_app
from helpdesk.db import make_engine
from helpdesk.logs import decode_urls, install_redaction, logging_config
from helpdesk.settings import Settings
from helpdesk.web.access import public

REPO = Path(__file__).resolve().parent.parent
#: A booking row as a database error would print it (the review found this in the log).
ROW = "{'name': 'Jens 01 01 90 1234', 'phone': '+4522334455', 'email': 'jens.hansen@example.dk'}"
LEAKS = ("01 01 90", "22334455", "jens.hansen@", "example.dk")


def assert_no_leaks(output: str) -> None:
    for leak in LEAKS:
        assert leak not in output, (leak, output)


@contextlib.contextmanager
def captured(logger_name: str) -> Iterator[io.StringIO]:
    """What a plain handler (no filter of its own) writes for ``logger_name``."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)


def test_message_arguments_and_traceback_are_redacted_for_every_handler() -> None:
    install_redaction()
    install_redaction()  # idempotent
    with captured("helpdesk.test.logs") as stream:
        logger = logging.getLogger("helpdesk.test.logs")
        logger.info("booking for %s, phone %s", "Jens 0101 90 1234", "+45 22 33 44 55")
        logger.info("contact %(email)s", {"email": "jens(at)example.dk"})
        try:
            raise ValueError(f"could not store {ROW}")
        except ValueError:
            logger.exception("booking failed on %s", "2026-12-07")
        logger.warning("slot %d of %d, %.1f%% full", 3, 4, 75.0)
    output = stream.getvalue()
    assert_no_leaks(output)
    assert "booking for Jens [CPR], phone [PHONE]" in output
    assert "contact [EMAIL]" in output
    assert "booking failed on 2026-12-07" in output  # a date is not a phone number
    assert "Traceback (most recent call last)" in output
    assert "ValueError: could not store {'name': 'Jens [CPR]', 'phone': '[PHONE]'" in output
    assert "slot 3 of 4, 75.0% full" in output


def test_database_errors_do_not_carry_the_row() -> None:
    engine = make_engine("sqlite://")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE person (name TEXT NOT NULL UNIQUE)"))
        connection.execute(text("INSERT INTO person VALUES (:name)"), {"name": "Jens Hansen"})
    with pytest.raises(SQLAlchemyError) as raised, engine.begin() as connection:
        connection.execute(text("INSERT INTO person VALUES (:name)"), {"name": "Jens Hansen"})
    assert "Jens Hansen" not in str(raised.value)
    assert "parameters hidden" in str(raised.value)
    engine.dispose()


async def test_an_unhandled_error_in_a_request_is_logged_redacted(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """A real request through the app's error handler: the traceback reaches the log without
    the personal data in the exception text."""

    async def failing(request: Request) -> Response:
        raise RuntimeError(f"database said no to {ROW}")

    app = create_app(settings)
    app.router.routes.insert(0, Route("/boom", public(failing)))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    caplog.set_level(logging.ERROR)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get("/boom?contact=jens.hansen%40example.dk")
    assert response.status_code == 500
    assert_no_leaks(response.text)
    assert "RuntimeError: database said no to" in caplog.text
    assert "[EMAIL]" in caplog.text
    assert_no_leaks(caplog.text)


def test_query_strings_are_decoded_before_redaction() -> None:
    assert decode_urls('"GET /x?contact=jens%40example.dk&q=a+b HTTP/1.1"') == (
        '"GET /x?contact=jens@example.dk&q=a b HTTP/1.1"'
    )
    # A decoded line break cannot forge a log line.
    assert decode_urls("/x?q=a%0Aforged") == "/x?q=a\\x0aforged"
    assert decode_urls("100% sure") == "100% sure"


def test_the_cli_log_config_redacts_too() -> None:
    config = logging_config("INFO")
    assert config["filters"]["redact"]["()"] == "helpdesk.logs.RedactingFilter"
    assert config["handlers"]["default"]["filters"] == ["redact"]


def test_plain_uvicorn_redacts_the_access_log_and_the_app_log(tmp_path: Path) -> None:
    """``uvicorn helpdesk.app:create_app --factory`` with uvicorn's own logging configuration
    (not ``helpdesk serve``): the access log's query strings come out decoded and redacted."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "HELPDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'uvicorn.db'}",
        "HELPDESK_SECRET_KEY": "uvicorn-log-secret",
        "HELPDESK_IMPORT_KB_ON_START": "false",
    }
    env.pop("HELPDESK_TEST_DATABASE_URL", None)
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
    ]
    log_path = tmp_path / "uvicorn.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            deadline = time.monotonic() + 120
            while True:
                assert process.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, log_path.read_text()
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                        break
                time.sleep(0.3)
            paths = [
                "/api/v1/bookings/ABCDEF?contact=jens.hansen%40example.dk",
                "/api/v1/bookings/ABCDEF?contact=%2B45+22+33+44+55",
                "/api/v1/search?q=cpr+0101901234+mail+jens%40example.dk",
                "/api/v1/search?q=x-Q3+01+01+90-1234",
                "/api/v1/search?q=x-Q5+0101+90+1234",
                "/api/v1/staff/day?location=dokk1&date=2026-12-07",
            ]
            for path in paths:
                httpx.get(base_url + path, timeout=10)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
    output = log_path.read_text()
    assert "GET /api/v1/bookings/ABCDEF?contact=[EMAIL]" in output, output
    assert "GET /api/v1/bookings/ABCDEF?contact=[PHONE]" in output, output
    assert "GET /api/v1/search?q=cpr [CPR] mail [EMAIL]" in output, output
    assert "q=x-Q3 [CPR]" in output, output
    assert "q=x-Q5 [CPR]" in output, output
    assert "date=2026-12-07" in output, output
    assert_no_leaks(output)
    for leak in ("%40", "%2B45", "0101+90", "01+01+90"):
        assert leak not in output, output


SCRIPT = """
import logging, logging.config
from helpdesk.logs import logging_config
from helpdesk.settings import Settings
settings = Settings.from_env()
logging.config.dictConfig(logging_config(settings.log_level, settings.log_format))
log = logging.getLogger("helpdesk.example")
log.info("booked for %s, phone %s", "jens@example.dk", "+45 22 33 44 55")
try:
    raise ValueError("parameters: {'cpr': '010190-1234', 'email': 'jens@example.dk'}")
except ValueError:
    log.exception("write failed")
"""


def run_with(log_format: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={"HELPDESK_LOG_FORMAT": log_format, "PATH": "/usr/bin:/bin"},
        timeout=60,
        check=True,
    )
    return done.stderr.splitlines()


def test_json_lines_are_redacted() -> None:
    lines = run_with("json")
    entries = [json.loads(line) for line in lines]
    assert len(entries) == 2
    first, second = entries
    assert first["level"] == "INFO"
    assert first["logger"] == "helpdesk.example"
    assert isinstance(first["process"], int)
    assert first["time"].endswith("+00:00")
    assert "jens@example.dk" not in first["message"]
    assert "22 33 44 55" not in first["message"]
    assert "[EMAIL]" in first["message"]
    assert second["message"] == "write failed"
    assert "ValueError" in second["exception"]
    assert "010190-1234" not in second["exception"]
    assert "jens@example.dk" not in second["exception"]


def test_plain_lines_carry_the_process_id() -> None:
    lines = run_with("plain")
    assert "jens@example.dk" not in lines[0]
    assert "] INFO helpdesk.example: booked for" in lines[0]
