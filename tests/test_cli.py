"""The command line, run as a real subprocess (console script)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "helpdesk", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, **(env or {})},
        timeout=120,
        check=False,
    )


def test_kb_check_passes_on_the_real_files() -> None:
    result = run("kb", "check")
    assert result.returncode == 0, result.stderr
    assert "kb check: ok" in result.stdout


def test_triage_prints_json() -> None:
    result = run("triage", "jeg har mistet mit sundhedskort", "--lang", "da")
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert output["matches"][0]["slug"] == "health-card"
    assert output["language"] == "da"


def test_export_has_every_guide_language_and_phrase(tmp_path: Path, database_url: str) -> None:
    env = {"HELPDESK_DATABASE_URL": database_url}
    result = run("kb", "export", env=env)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert len(document["guides"]) >= 31
    for guide in document["guides"]:
        assert {"da", "en"} <= set(guide["translations"])
        assert all(len(v["phrases"]) >= 8 for v in guide["translations"].values())


def test_configuration_error_is_readable() -> None:
    result = run("purge", env={"HELPDESK_QUESTION_RETENTION_DAYS": "soon"})
    assert result.returncode != 0
    assert "HELPDESK_QUESTION_RETENTION_DAYS must be a whole number" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("argv", [["triage"], ["kb"], ["nonsense"]])
def test_usage_errors(argv: list[str]) -> None:
    result = run(*argv)
    assert result.returncode == 2
    assert "usage:" in result.stderr


def test_serve_demo_is_refused_in_production() -> None:
    # The demo's sign-in accounts have passwords printed in the README.
    production = {
        "HELPDESK_ENVIRONMENT": "production",
        "HELPDESK_SECRET_KEY": "x" * 32,
        "HELPDESK_PUBLIC_BASE_URL": "https://hjaelp.aarhus.dk",
        "HELPDESK_ALLOWED_HOSTS": "hjaelp.aarhus.dk",
        "HELPDESK_DATABASE_URL": "sqlite:////nonexistent/never-opened.db",
    }
    result = run("serve", "--demo", "--port", "1", env=production)
    assert result.returncode == 1
    assert "--demo cannot be used with HELPDESK_ENVIRONMENT=production" in result.stderr
