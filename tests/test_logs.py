"""HELPDESK_LOG_FORMAT=json: one JSON object a line, personal data redacted in the message and
in the traceback (run in a real subprocess with the service's logging configuration)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import REPO

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
