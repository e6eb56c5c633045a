"""Configuration, read once from the environment (``HELPDESK_*``).

Every setting is documented here and in README.md; a contract test checks that both agree.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DATABASE_URL = "sqlite:///helpdesk.db"
# Built by scripts/build-assets from node_modules and packaged in the wheel.
DEFAULT_ASSETS_DIR = Path(__file__).resolve().with_name("assets")


class SettingsError(ValueError):
    """A setting in the environment has a value that cannot be used."""


@dataclass(frozen=True)
class Settings:
    #: SQLAlchemy URL of the database. SQLite (the default, a file in the working directory)
    #: or PostgreSQL (``postgresql+psycopg://user@host/db``).
    database_url: str = DEFAULT_DATABASE_URL
    #: Key for signing cookies and CSRF tokens. When unset, a random key is made per process
    #: (fine for development; sessions do not survive a restart).
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    #: Days a redacted triage question is kept for the knowledge-base gap report.
    question_retention_days: int = 90
    #: Largest request body accepted, in bytes; larger ones get 413.
    max_body_bytes: int = 16 * 1024
    #: Import the guide files from helpdesk/kb into the database at start-up.
    import_kb_on_start: bool = True
    #: Public base URL used in links that leave the service (QR codes, e-mails); empty = relative.
    public_base_url: str = ""
    #: "development" or "production"; production requires an explicit secret key.
    environment: str = "development"
    #: Python logging level.
    log_level: str = "INFO"
    #: "plain" log lines, or "json" (one object a line); redacted either way.
    log_format: str = "plain"
    #: Seconds without a touch before the kiosk resets to its start screen.
    kiosk_idle_seconds: int = 90
    #: The front-end files served under /assets (dkfds, the Arabic-script font, Chart.js), as
    #: scripts/build-assets lays them out; by default inside the package.
    assets_dir: Path = DEFAULT_ASSETS_DIR
    #: Origins (``https://www.example.dk``) whose pages may call the API from the chat widget
    #: (CORS); ``*`` allows any site to embed it.
    widget_origins: tuple[str, ...] = ("*",)
    #: Connections each service process keeps open to the database (PostgreSQL; up to twice as
    #: many more under load). Budget: workers x 3 x this <= the server's max_connections.
    database_pool_size: int = 10
    #: Days after a booked session that its contact details (name, phone, e-mail, free-text
    #: needs) are deleted; what remains is anonymous statistics.
    booking_retention_days: int = 30
    #: Time zone of the opening schedules and of the times shown to citizens.
    timezone: str = "Europe/Copenhagen"
    #: How many weeks ahead slots are made from the opening schedules and offered for booking.
    booking_weeks_ahead: int = 6
    #: SMTP server for booking confirmations by e-mail; empty = no e-mail (the confirmation
    #: page and the .ics file are the receipt).
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: str = field(default="", repr=False)
    #: "starttls", "ssl" (implicit TLS, usually port 465) or "none" (loopback relays only).
    smtp_security: str = "starttls"
    #: The From address of confirmation e-mails.
    smtp_from: str = "Digital hjælp Aarhus <noreply@localhost>"
    #: Failed sign-ins allowed per account (and four times as many per network address) within
    #: ``login_window_minutes`` before further attempts are refused for a while.
    login_max_attempts: int = 5
    login_window_minutes: int = 15
    #: Hours a staff sign-in lasts without activity (the session cookie's lifetime).
    session_hours: int = 10
    #: Load demo locations, session types, staff and schedules at start-up (``serve --demo``).
    demo: bool = False
    #: Seconds between checks for knowledge-base changes made by other service processes (one
    #: tiny query); a change is rebuilt in the background and served when ready.
    kb_check_seconds: float = 1.0
    #: Addresses (or ``*``) of the reverse proxies whose X-Forwarded-For and X-Forwarded-Proto
    #: are believed; from anyone else these headers are ignored.
    forwarded_allow_ips: tuple[str, ...] = ("127.0.0.1",)
    #: Worker processes of ``helpdesk serve`` (its ``--workers`` option wins).
    workers: int = 1
    #: Networks whose callers may read /metrics without a token.
    metrics_networks: tuple[str, ...] = ("127.0.0.1/32", "::1/128")
    #: A bearer token that opens /metrics from anywhere; empty = no token access.
    metrics_token: str = field(default="", repr=False)

    @property
    def is_development(self) -> bool:
        return self.environment == "development"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = env.get(f"HELPDESK_{name}")
            return value.strip() if value is not None and value.strip() else None

        def get_int(name: str, default: int, minimum: int = 1) -> int:
            raw = get(name)
            if raw is None:
                return default
            try:
                value = int(raw)
            except ValueError as exc:
                raise SettingsError(f"HELPDESK_{name} must be a whole number, not {raw!r}") from exc
            if value < minimum:
                raise SettingsError(f"HELPDESK_{name} must be at least {minimum}")
            return value

        def get_float(name: str, default: float, minimum: float) -> float:
            raw = get(name)
            if raw is None:
                return default
            try:
                value = float(raw)
            except ValueError as exc:
                raise SettingsError(f"HELPDESK_{name} must be a number, not {raw!r}") from exc
            if not value >= minimum:
                raise SettingsError(f"HELPDESK_{name} must be at least {minimum}")
            return value

        def get_bool(name: str, default: bool) -> bool:
            raw = get(name)
            if raw is None:
                return default
            if raw.lower() in {"1", "true", "yes", "on"}:
                return True
            if raw.lower() in {"0", "false", "no", "off"}:
                return False
            raise SettingsError(f"HELPDESK_{name} must be true or false, not {raw!r}")

        environment = get("ENVIRONMENT") or "development"
        if environment not in {"development", "production"}:
            raise SettingsError("HELPDESK_ENVIRONMENT must be 'development' or 'production'")
        secret_key = get("SECRET_KEY")
        if secret_key is None and environment == "production":
            raise SettingsError("HELPDESK_SECRET_KEY must be set in production")
        log_format = (get("LOG_FORMAT") or "plain").lower()
        if log_format not in ("plain", "json"):
            raise SettingsError("HELPDESK_LOG_FORMAT must be 'plain' or 'json'")
        kwargs: dict[str, object] = {
            "database_url": normalise_database_url(get("DATABASE_URL") or DEFAULT_DATABASE_URL),
            "question_retention_days": get_int("QUESTION_RETENTION_DAYS", 90),
            "max_body_bytes": get_int("MAX_BODY_BYTES", 16 * 1024, minimum=1024),
            "import_kb_on_start": get_bool("IMPORT_KB_ON_START", True),
            "public_base_url": (get("PUBLIC_BASE_URL") or "").rstrip("/"),
            "environment": environment,
            "log_level": (get("LOG_LEVEL") or "INFO").upper(),
            "log_format": log_format,
            "kiosk_idle_seconds": get_int("KIOSK_IDLE_SECONDS", 90, minimum=10),
            "assets_dir": Path(get("ASSETS_DIR") or DEFAULT_ASSETS_DIR),
            "widget_origins": parse_origins(get("WIDGET_ORIGINS") or "*"),
            "database_pool_size": get_int("DATABASE_POOL_SIZE", 10),
            "booking_retention_days": get_int("BOOKING_RETENTION_DAYS", 30),
            "timezone": parse_timezone(get("TIMEZONE") or "Europe/Copenhagen"),
            "booking_weeks_ahead": get_int("BOOKING_WEEKS_AHEAD", 6),
            "smtp_host": get("SMTP_HOST") or "",
            "smtp_port": get_int("SMTP_PORT", 587),
            "smtp_username": get("SMTP_USERNAME") or "",
            "smtp_password": get("SMTP_PASSWORD") or "",
            "smtp_security": parse_choice(
                "SMTP_SECURITY", get("SMTP_SECURITY") or "starttls", ("starttls", "ssl", "none")
            ),
            "smtp_from": get("SMTP_FROM") or "Digital hjælp Aarhus <noreply@localhost>",
            "login_max_attempts": get_int("LOGIN_MAX_ATTEMPTS", 5),
            "login_window_minutes": get_int("LOGIN_WINDOW_MINUTES", 15),
            "session_hours": get_int("SESSION_HOURS", 10),
            "demo": get_bool("DEMO", False),
            "kb_check_seconds": get_float("KB_CHECK_SECONDS", 1.0, minimum=0.05),
            "forwarded_allow_ips": parse_addresses(get("FORWARDED_ALLOW_IPS") or "127.0.0.1"),
            "workers": get_int("WORKERS", 1),
            "metrics_networks": parse_networks(
                "HELPDESK_METRICS_NETWORKS", get("METRICS_NETWORKS") or "127.0.0.1/32,::1/128"
            ),
            "metrics_token": get("METRICS_TOKEN") or "",
        }
        if secret_key is not None:
            kwargs["secret_key"] = secret_key
        return cls(**kwargs)  # type: ignore[arg-type]


def normalise_database_url(url: str) -> str:
    """Accept the common spellings of a PostgreSQL URL and pick the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        # A relative SQLite path: make it absolute so that the app and Alembic agree.
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            return "sqlite:///" + str(Path(path).resolve())
    return url


def parse_addresses(raw: str) -> tuple[str, ...]:
    """Comma-separated IP addresses or networks (``10.0.0.0/8``), or ``*`` for any."""
    addresses = []
    for part in raw.split(","):
        address = part.strip()
        if not address:
            continue
        if address != "*":
            try:
                ipaddress.ip_network(address, strict=False)
            except ValueError as exc:
                raise SettingsError(
                    f"HELPDESK_FORWARDED_ALLOW_IPS must list IP addresses or networks "
                    f"(or *), not {address!r}"
                ) from exc
        addresses.append(address)
    return tuple(addresses) or ("127.0.0.1",)


def parse_networks(name: str, raw: str) -> tuple[str, ...]:
    """Comma-separated IP networks (``10.0.0.0/8``) or addresses, normalised to networks."""
    networks = []
    for part in raw.split(","):
        if part.strip():
            try:
                networks.append(str(ipaddress.ip_network(part.strip(), strict=False)))
            except ValueError as exc:
                raise SettingsError(
                    f"{name} must list IP networks like 10.0.0.0/8, not {part.strip()!r}"
                ) from exc
    return tuple(networks)


def parse_origins(raw: str) -> tuple[str, ...]:
    """A comma-separated list of origins (``scheme://host[:port]``), or ``*`` for any."""
    origins = []
    for part in raw.split(","):
        origin = part.strip().rstrip("/")
        if not origin:
            continue
        if origin != "*" and not re.fullmatch(r"https?://[^/?#\s]+", origin):
            raise SettingsError(
                f"HELPDESK_WIDGET_ORIGINS must list origins like https://www.example.dk "
                f"(or *), not {origin!r}"
            )
        origins.append(origin)
    return tuple(origins) or ("*",)


def parse_timezone(name: str) -> str:
    """An IANA time zone name (``Europe/Copenhagen``)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SettingsError(
            f"HELPDESK_TIMEZONE must be a time zone like Europe/Copenhagen, not {name!r}"
        ) from exc
    return name


def parse_choice(name: str, raw: str, choices: tuple[str, ...]) -> str:
    value = raw.lower()
    if value not in choices:
        raise SettingsError(f"HELPDESK_{name} must be one of {', '.join(choices)}, not {raw!r}")
    return value
