"""Settings are read once from the environment, validated, and every one is documented."""

import dataclasses
import re
from pathlib import Path

import pytest

from helpdesk.settings import Settings, SettingsError, env_name, normalise_database_url
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
        {"HELPDESK_TRUSTED_PROXIES": "10.0.0.0/8, proxy.example"},
    ],
)
def test_bad_values_are_refused_clearly(env: dict[str, str]) -> None:
    with pytest.raises(SettingsError, match="HELPDESK_"):
        Settings.from_env(env)


def test_production_refuses_a_short_secret_key() -> None:
    production = {
        "HELPDESK_ENVIRONMENT": "production",
        "HELPDESK_PUBLIC_BASE_URL": "https://hjaelp.aarhus.dk",
        "HELPDESK_ALLOWED_HOSTS": "hjaelp.aarhus.dk",
    }
    with pytest.raises(SettingsError, match="at least 32 bytes"):
        Settings.from_env({**production, "HELPDESK_SECRET_KEY": "x" * 31})
    settings = Settings.from_env({**production, "HELPDESK_SECRET_KEY": "x" * 32})
    assert not settings.is_development
    # Development keeps accepting a short key (tests, demos).
    assert Settings.from_env({"HELPDESK_SECRET_KEY": "x1"}).secret_key == "x1"


def test_trusted_proxies_are_read_as_networks() -> None:
    settings = Settings.from_env({"HELPDESK_TRUSTED_PROXIES": "10.0.0.5, 10.1.0.0/16,::1"})
    assert settings.trusted_proxies == ("10.0.0.5/32", "10.1.0.0/16", "::1/128")
    assert Settings.from_env({}).trusted_proxies == ()


def test_secret_is_never_printed() -> None:
    settings = Settings.from_env({"HELPDESK_SECRET_KEY": "hunter2-very-secret"})
    assert "hunter2" not in repr(settings)


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`(HELPDESK_[A-Z_]+)`", readme))
    for field in dataclasses.fields(Settings):
        assert f"HELPDESK_{field.name.upper()}" in documented, field.name


def settings_table(readme: str) -> dict[str, str]:
    """The README's settings table (under "Configuration"): each variable and its default cell."""
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    return dict(re.findall(r"^\| `(HELPDESK_[A-Z_]+)` \| ([^|]*) \|", section, re.MULTILINE))


def documented_default(cell: str) -> str:
    """What a default cell says: the first `code` in it, or "" for "empty (...)"."""
    cell = cell.strip()
    if cell.startswith("empty"):
        return ""
    code = re.match(r"`([^`]*)`", cell)
    assert code, f"the README's default {cell!r} names no value"
    return code.group(1)


def shown(value: object) -> str:
    """A default as the README writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, tuple):
        return ",".join(value)
    if isinstance(value, Path):
        return value.name
    return str(value)


def test_the_readme_settings_table_is_the_settings_both_ways() -> None:
    table = settings_table((REPO / "README.md").read_text(encoding="utf-8"))
    fields = {env_name(item.name): item for item in dataclasses.fields(Settings)}
    # Every setting is in the table, and the table holds nothing that is not a setting.
    assert set(fields) - set(table) == set()
    assert set(table) - set(fields) == set()
    for variable, cell in table.items():
        item = fields[variable]
        if item.default is dataclasses.MISSING:
            continue  # made per process (the secret key): "random per process"
        assert documented_default(cell) == shown(item.default), variable


def test_from_env_reads_the_defaults_the_fields_declare() -> None:
    # One source: with nothing set, from_env gives the dataclass's own defaults (the database
    # URL made absolute, and the secret key made per process, aside).
    read, declared = Settings.from_env({}), Settings()
    for item in dataclasses.fields(Settings):
        if item.name not in {"database_url", "secret_key"}:
            assert getattr(read, item.name) == getattr(declared, item.name), item.name
    assert read.database_url == normalise_database_url(declared.database_url)


PRODUCTION = {
    "HELPDESK_ENVIRONMENT": "production",
    "HELPDESK_SECRET_KEY": "a-production-secret-of-more-than-32-bytes",
    "HELPDESK_PUBLIC_BASE_URL": "https://hjaelp.aarhus.dk/",
    "HELPDESK_ALLOWED_HOSTS": "hjaelp.aarhus.dk, *.aarhus.dk",
}


def test_production_needs_a_public_base_url_and_its_host_names() -> None:
    settings = Settings.from_env(PRODUCTION)
    assert settings.public_base_url == "https://hjaelp.aarhus.dk"
    assert settings.allowed_hosts == ("hjaelp.aarhus.dk", "*.aarhus.dk")
    without_url = {k: v for k, v in PRODUCTION.items() if k != "HELPDESK_PUBLIC_BASE_URL"}
    with pytest.raises(SettingsError, match="HELPDESK_PUBLIC_BASE_URL must be set in production"):
        Settings.from_env(without_url)
    without_hosts = {k: v for k, v in PRODUCTION.items() if k != "HELPDESK_ALLOWED_HOSTS"}
    with pytest.raises(SettingsError, match="HELPDESK_ALLOWED_HOSTS"):
        Settings.from_env(without_hosts)
    with pytest.raises(SettingsError, match="HELPDESK_ALLOWED_HOSTS"):
        Settings.from_env({**PRODUCTION, "HELPDESK_ALLOWED_HOSTS": "*"})
    # Development answers to any host and builds no absolute links without a base URL.
    development = Settings.from_env({})
    assert development.allowed_hosts == ("*",)
    assert development.public_base_url == ""


@pytest.mark.parametrize(
    "env",
    [
        {"HELPDESK_PUBLIC_BASE_URL": "hjaelp.aarhus.dk"},
        {"HELPDESK_PUBLIC_BASE_URL": "javascript:alert(1)"},
        {"HELPDESK_ALLOWED_HOSTS": "https://hjaelp.aarhus.dk"},
        {"HELPDESK_ALLOWED_HOSTS": "hjaelp.*.dk"},
        {"HELPDESK_TRUSTED_NETWORKS": "10.0.0.0/33"},
        {"HELPDESK_TRUSTED_NETWORKS": "library"},
        {"HELPDESK_BOOKING_MAX_PER_CONTACT": "0"},
        {"HELPDESK_SMS_URL": "sms.example.dk/send"},
        {"HELPDESK_SMS_URL": "ftp://sms.example.dk"},
        {"HELPDESK_SMS_SENDER": "Aarhus Kommune Borgerservice"},
        {"HELPDESK_SMS_SENDER": "Aarhus<script>"},
        {"HELPDESK_REMINDER_HOURS": "-1"},
    ],
)
def test_bad_host_link_and_limit_settings_are_refused(env: dict[str, str]) -> None:
    with pytest.raises(SettingsError, match="HELPDESK_"):
        Settings.from_env(env)


def test_trusted_networks() -> None:
    settings = Settings.from_env({"HELPDESK_TRUSTED_NETWORKS": "10.20.0.0/16, 2001:db8::1/48"})
    assert settings.trusted_networks == ("10.20.0.0/16", "2001:db8::/48")
    assert settings.is_trusted_address("10.20.3.4")
    assert settings.is_trusted_address("2001:db8::99")
    assert not settings.is_trusted_address("10.21.0.1")
    assert not settings.is_trusted_address("testclient")  # not an address at all
    assert not Settings.from_env({}).is_trusted_address("10.20.3.4")


def test_sms_and_reminder_settings() -> None:
    settings = Settings.from_env({})
    assert (settings.sms_url, settings.reminder_hours, settings.sms_sender) == ("", 24, "Aarhus")
    assert "sms_token" not in repr(Settings.from_env({"HELPDESK_SMS_TOKEN": "gateway-secret"}))
    configured = Settings.from_env(
        {
            "HELPDESK_SMS_URL": "https://sms.example.dk/v1/send",
            "HELPDESK_SMS_SENDER": "+4589402000",
            "HELPDESK_REMINDER_HOURS": "0",
        }
    )
    assert configured.sms_url == "https://sms.example.dk/v1/send"
    assert configured.sms_sender == "+4589402000"
    assert configured.reminder_hours == 0  # no reminders
    # In production the token and the citizens' numbers travel only over TLS.
    assert Settings.from_env({**PRODUCTION, "HELPDESK_SMS_URL": "https://sms.example.dk/send"})
    with pytest.raises(SettingsError, match="HELPDESK_SMS_URL must be https"):
        Settings.from_env({**PRODUCTION, "HELPDESK_SMS_URL": "http://sms.example.dk/send"})
