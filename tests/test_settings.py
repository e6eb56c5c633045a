"""Settings are read once from the environment, validated, and every one is documented."""

import dataclasses
import re

import pytest

from helpdesk.settings import Settings, SettingsError
from tests.conftest import REPO


def test_defaults() -> None:
    settings = Settings.from_env({})
    assert settings.database_url.startswith("sqlite:///")
    assert settings.database_url.endswith("helpdesk.db")
    assert settings.max_body_bytes == 16 * 1024
    assert settings.secret_key  # a random one for development


def test_postgres_urls_use_psycopg() -> None:
    settings = Settings.from_env({"HELPDESK_DATABASE_URL": "postgres://u@h/db"})
    assert settings.database_url == "postgresql+psycopg://u@h/db"


@pytest.mark.parametrize(
    "env",
    [
        {"HELPDESK_QUESTION_RETENTION_DAYS": "soon"},
        {"HELPDESK_QUESTION_RETENTION_DAYS": "0"},
        {"HELPDESK_IMPORT_KB_ON_START": "maybe"},
        {"HELPDESK_ENVIRONMENT": "staging"},
        {"HELPDESK_ENVIRONMENT": "production"},  # without a secret key
    ],
)
def test_bad_values_are_refused_clearly(env: dict[str, str]) -> None:
    with pytest.raises(SettingsError, match="HELPDESK_"):
        Settings.from_env(env)


def test_secret_is_never_printed() -> None:
    settings = Settings.from_env({"HELPDESK_SECRET_KEY": "hunter2-very-secret"})
    assert "hunter2" not in repr(settings)


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`(HELPDESK_[A-Z_]+)`", readme))
    for field in dataclasses.fields(Settings):
        assert f"HELPDESK_{field.name.upper()}" in documented, field.name
