"""Configuration, read once from the environment (``HELPDESK_*``).

Each setting is written once, as a field of :class:`Settings` with its default and how its
variable is read (:func:`setting`); :meth:`Settings.from_env` reads them all from that. Every
setting is documented here and in README.md's settings table; a contract test checks that the
two agree both ways, defaults included.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import MISSING, Field, dataclass, field, fields
from pathlib import Path
from typing import Any, get_type_hints

DEFAULT_DATABASE_URL = "sqlite:///helpdesk.db"
# Built by scripts/build-assets from node_modules and packaged in the wheel.
DEFAULT_ASSETS_DIR = Path(__file__).resolve().with_name("assets")
MIN_PRODUCTION_SECRET_BYTES = 32


class SettingsError(ValueError):
    """A setting in the environment has a value that cannot be used."""


def setting(
    default: Any,
    *,
    parse: Callable[[str, str], Any] | None = None,
    minimum: float | None = None,
    secret: bool = False,
) -> Any:
    """A setting's one definition: its default, and how ``HELPDESK_<NAME>`` is read.

    ``parse(variable, raw)`` turns the variable's text into the value (it is also applied to a
    string default, so that the default goes through the same normalising); without it the
    field's type decides (whole number, number, true/false, text, path). ``minimum`` bounds a
    number (whole numbers are at least 1 unless said otherwise).
    """
    metadata = {"parse": parse, "minimum": minimum}
    return field(default=default, repr=not secret, metadata=metadata)


def parse_environment(variable: str, raw: str) -> str:
    if raw not in {"development", "production"}:
        raise SettingsError(f"{variable} must be 'development' or 'production'")
    return raw


def parse_log_level(variable: str, raw: str) -> str:
    return raw.upper()


def parse_log_format(variable: str, raw: str) -> str:
    return parse_choice(variable, raw, ("plain", "json"))


def parse_smtp_security(variable: str, raw: str) -> str:
    return parse_choice(variable, raw, ("starttls", "ssl", "none"))


@dataclass(frozen=True)
class Settings:
    #: SQLAlchemy URL of the database. SQLite (the default, a file in the working directory)
    #: or PostgreSQL (``postgresql+psycopg://user@host/db``).
    database_url: str = setting(
        DEFAULT_DATABASE_URL, parse=lambda _, raw: normalise_database_url(raw)
    )
    #: Key for signing cookies and CSRF tokens. When unset, a random key is made per process
    #: (fine for development; sessions do not survive a restart). Required in production.
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    #: Days a redacted triage question is kept for the knowledge-base gap report.
    question_retention_days: int = setting(90)
    #: Largest request body accepted, in bytes; larger ones get 413.
    max_body_bytes: int = setting(16 * 1024, minimum=1024)
    #: Import the guide files from helpdesk/kb into the database at start-up.
    import_kb_on_start: bool = setting(True)
    #: Public base URL used in links that leave the service (QR codes, e-mails, .ics files):
    #: the only source of absolute links there, never the request's Host header. Empty =
    #: relative links, or none in e-mails. Required in production.
    public_base_url: str = setting("", parse=lambda _, raw: parse_base_url(raw))
    #: "development" or "production"; production requires an explicit secret key, a public
    #: base URL and the allowed host names.
    environment: str = setting("development", parse=parse_environment)
    #: Python logging level.
    log_level: str = setting("INFO", parse=parse_log_level)
    #: "plain" log lines, or "json" (one object a line); redacted either way.
    log_format: str = setting("plain", parse=parse_log_format)
    #: Seconds without a touch before the kiosk resets to its start screen.
    kiosk_idle_seconds: int = setting(90, minimum=10)
    #: The front-end files served under /assets (dkfds, the Arabic-script font, Chart.js), as
    #: scripts/build-assets lays them out; by default inside the package.
    assets_dir: Path = setting(DEFAULT_ASSETS_DIR)
    #: Origins (``https://www.example.dk``) whose pages may call the API from the chat widget
    #: (CORS); ``*`` allows any site to embed it.
    widget_origins: tuple[str, ...] = setting(("*",), parse=lambda _, raw: parse_origins(raw))
    #: Connections each service process keeps open to the database (PostgreSQL; up to twice as
    #: many more under load). Budget: workers x 3 x this <= the server's max_connections.
    database_pool_size: int = setting(10)
    #: Days after a booked session that its contact details (name, phone, e-mail, free-text
    #: needs) are deleted; what remains is anonymous statistics.
    booking_retention_days: int = setting(30)
    #: Time zone of the opening schedules and of the times shown to citizens.
    timezone: str = setting("Europe/Copenhagen", parse=lambda _, raw: parse_timezone(raw))
    #: How many weeks ahead slots are made from the opening schedules and offered for booking.
    booking_weeks_ahead: int = setting(6)
    #: Close every place on the Danish public holidays (the ``holidays`` package's calendar).
    public_holidays: bool = setting(True)
    #: Close every place on Christmas Eve (24 December), all day.
    closed_christmas_eve: bool = setting(True)
    #: Close every place on Constitution Day (5 June) from this local time (HH:MM); empty =
    #: open all day.
    closed_constitution_day_from: str = setting("12:00", parse=lambda v, raw: parse_clock(v, raw))
    #: SMTP server for booking confirmations by e-mail; empty = no e-mail (the confirmation
    #: page and the .ics file are the receipt).
    smtp_host: str = setting("")
    smtp_port: int = setting(587)
    smtp_username: str = setting("")
    smtp_password: str = setting("", secret=True)
    #: "starttls", "ssl" (implicit TLS, usually port 465) or "none" (loopback relays only).
    smtp_security: str = setting("starttls", parse=parse_smtp_security)
    #: The From address of confirmation e-mails.
    smtp_from: str = setting("Digital hjælp Aarhus <noreply@localhost>")
    #: Failed sign-ins allowed for one account from one network address within
    #: ``login_window_minutes``; then that pair is refused until the window passes. Other
    #: addresses can still sign in to the account.
    login_max_attempts: int = setting(5)
    login_window_minutes: int = setting(15)
    #: Failed sign-ins for one account from all addresses together within
    #: ``login_account_window_minutes`` before the account is refused everywhere for a while:
    #: much higher than the per-address limit, so that nobody can lock a colleague out cheaply.
    login_account_max_attempts: int = setting(50)
    login_account_window_minutes: int = setting(5)
    #: Failed sign-ins from one network address (any accounts) within ``login_window_minutes``
    #: before each further attempt from it is slowed down (never refused outright).
    login_address_slow_after: int = setting(20)
    #: Days a new API bearer token works; a new password ends a user's tokens unless kept.
    token_lifetime_days: int = setting(365)
    #: Reverse proxies (comma-separated addresses or CIDR networks) whose ``X-Forwarded-For``
    #: and ``X-Forwarded-Proto`` are believed; empty = none, the peer address is the client.
    trusted_proxies: tuple[str, ...] = setting(
        (), parse=lambda variable, raw: parse_networks(raw, variable)
    )
    #: Hours a staff sign-in lasts without activity (the session cookie's lifetime).
    session_hours: int = setting(10)
    #: Load demo locations, session types, staff, schedules and sign-in accounts at start-up
    #: (``serve --demo``); refused in production.
    demo: bool = setting(False)
    #: Seconds between checks for knowledge-base changes made by other service processes (one
    #: tiny query); a change is rebuilt in the background and served when ready.
    kb_check_seconds: float = setting(1.0, minimum=0.05)
    #: Host names the service answers to (Starlette's TrustedHostMiddleware; ``*.example.dk``
    #: matches subdomains). ``*`` (any) is the development default; production must list them.
    allowed_hosts: tuple[str, ...] = setting(("*",), parse=lambda _, raw: parse_hosts(raw))
    #: Future bookings one phone number or e-mail address may hold at once.
    booking_max_per_contact: int = setting(2)
    #: Bookings one network address may make in an hour (counted in the database).
    booking_max_per_address_hour: int = setting(10)
    #: Networks (CIDR) of library kiosks and offices where many citizens share one address.
    trusted_networks: tuple[str, ...] = setting((), parse=lambda _, raw: parse_networks(raw))
    #: Bookings an address in ``trusted_networks`` may make in an hour.
    booking_max_per_trusted_address_hour: int = setting(60)
    #: Triage questions one network address may ask in a minute (ten times as many from a
    #: trusted network).
    triage_max_per_address_minute: int = setting(60)
    #: Booking look-ups (reference + contact: view, cancel, move) one network address may make
    #: in an hour (ten times as many from a trusted network).
    lookup_max_per_address_hour: int = setting(60)
    #: Worker processes of ``helpdesk serve`` (its ``--workers`` option wins).
    workers: int = setting(1)
    #: Networks whose callers may read /metrics without a token.
    metrics_networks: tuple[str, ...] = setting(
        ("127.0.0.1/32", "::1/128"), parse=lambda variable, raw: parse_networks(raw, variable)
    )
    #: A bearer token that opens /metrics from anywhere; empty = no token access.
    metrics_token: str = setting("", secret=True)
    #: Hours before a booked session that its reminder (SMS and/or e-mail) is sent; 0 = none.
    reminder_hours: int = setting(24, minimum=0)
    #: The SMS gateway's address (a JSON POST, helpdesk.booking.sms); empty = no SMS at all.
    sms_url: str = setting("", parse=lambda variable, raw: parse_sms_url(variable, raw))
    #: The gateway's API token, sent as ``Authorization: Bearer ...`` (never logged).
    sms_token: str = setting("", secret=True)
    #: The sender the citizen sees: a name of up to 11 letters and digits, or a phone number.
    sms_sender: str = setting("Aarhus", parse=lambda variable, raw: parse_sms_sender(variable, raw))

    @property
    def is_development(self) -> bool:
        return self.environment == "development"

    def is_trusted_address(self, address: str) -> bool:
        """Whether ``address`` lies in one of ``trusted_networks``."""
        return address_in_networks(address, self.trusted_networks)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings from ``HELPDESK_<NAME>`` variables; unset (or blank) means the default."""
        env = os.environ if environ is None else environ
        types = get_type_hints(cls)
        values: dict[str, Any] = {}
        for item in fields(cls):
            variable = env_name(item.name)
            raw = (env.get(variable) or "").strip() or None
            if item.default is MISSING:
                # A default made per process (the secret key): only a value given replaces it.
                if raw is not None:
                    values[item.name] = raw
                continue
            values[item.name] = _read(variable, raw, item, types[item.name])
        if values["environment"] == "production":
            _check_production(values)
        return cls(**values)


def _check_production(values: Mapping[str, Any]) -> None:
    if "secret_key" not in values:
        raise SettingsError(f"{env_name('secret_key')} must be set in production")
    if len(values["secret_key"].encode("utf-8")) < MIN_PRODUCTION_SECRET_BYTES:
        # The key signs session cookies: a short one can be guessed offline from any cookie
        # (HMAC brute force), so production refuses to start with one.
        raise SettingsError(
            f"{env_name('secret_key')} must be at least {MIN_PRODUCTION_SECRET_BYTES} "
            "bytes in production (e.g. python -c 'import secrets; "
            "print(secrets.token_urlsafe(48))')"
        )
    # Links in e-mails and calendar files must never be built from a request's Host header,
    # and a production server answers only to its own names.
    if not values["public_base_url"]:
        raise SettingsError(
            f"{env_name('public_base_url')} must be set in production (the address citizens "
            "use, e.g. https://hjaelp.aarhus.dk): links in e-mails and calendar files are "
            "built from it"
        )
    if values["sms_url"].startswith("http://"):
        # The gateway's token and the citizens' phone numbers travel in the request.
        raise SettingsError(f"{env_name('sms_url')} must be https:// in production")
    if values["demo"]:
        # The demo has made-up bookings and sign-in accounts whose passwords the README prints.
        raise SettingsError(f"{env_name('demo')} must not be used in production")
    if "*" in values["allowed_hosts"]:
        raise SettingsError(
            f"{env_name('allowed_hosts')} must list the service's host names in production "
            "(e.g. hjaelp.aarhus.dk), not *"
        )


def env_name(name: str) -> str:
    """The environment variable of a setting: ``timezone`` is ``HELPDESK_TIMEZONE``."""
    return f"HELPDESK_{name.upper()}"


def _read(variable: str, raw: str | None, item: Field[Any], kind: Any) -> Any:
    parse: Callable[[str, str], Any] | None = item.metadata.get("parse")
    minimum: float | None = item.metadata.get("minimum")
    if parse is not None:
        if raw is None:
            return parse(variable, item.default) if isinstance(item.default, str) else item.default
        return parse(variable, raw)
    if raw is None:
        return item.default
    if kind is bool:
        if raw.lower() in {"1", "true", "yes", "on"}:
            return True
        if raw.lower() in {"0", "false", "no", "off"}:
            return False
        raise SettingsError(f"{variable} must be true or false, not {raw!r}")
    if kind is int:
        try:
            whole = int(raw)
        except ValueError as exc:
            raise SettingsError(f"{variable} must be a whole number, not {raw!r}") from exc
        if whole < (1 if minimum is None else minimum):
            raise SettingsError(f"{variable} must be at least {1 if minimum is None else minimum}")
        return whole
    if kind is float:
        try:
            number = float(raw)
        except ValueError as exc:
            raise SettingsError(f"{variable} must be a number, not {raw!r}") from exc
        if minimum is not None and not number >= minimum:
            raise SettingsError(f"{variable} must be at least {minimum}")
        return number
    if kind is Path:
        return Path(raw)
    return raw


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


def parse_clock(variable: str, raw: str) -> str:
    """A local time of day as HH:MM, or empty."""
    raw = raw.strip()
    if not raw:
        return ""
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", raw):
        raise SettingsError(f"{variable} must be a time of day as HH:MM, or empty")
    return raw


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


def parse_choice(variable: str, raw: str, choices: tuple[str, ...]) -> str:
    value = raw.lower()
    if value not in choices:
        raise SettingsError(f"{variable} must be one of {', '.join(choices)}, not {raw!r}")
    return value


def parse_base_url(raw: str) -> str:
    """``https://host[:port][/path]`` without a trailing slash, or empty."""
    url = raw.strip().rstrip("/")
    if url and not re.fullmatch(r"https?://[^/?#\s]+(/[^?#\s]*)?", url):
        raise SettingsError(
            f"HELPDESK_PUBLIC_BASE_URL must be like https://hjaelp.aarhus.dk, not {raw!r}"
        )
    return url


def parse_sms_url(variable: str, raw: str) -> str:
    """The SMS gateway's ``https://`` (or, for a gateway on the same host, ``http://``) URL."""
    url = raw.strip()
    if url and not re.fullmatch(r"https?://[^/?#\s]+(/[^#\s]*)?", url):
        raise SettingsError(
            f"{variable} must be the gateway's URL, like https://sms.example.dk/send, not {raw!r}"
        )
    return url


def parse_sms_sender(variable: str, raw: str) -> str:
    """An alphanumeric sender (1-11 letters, digits, spaces) or a phone number (+ and digits)."""
    sender = raw.strip()
    if not re.fullmatch(r"[A-Za-z0-9 ]{1,11}|\+?[0-9]{3,15}", sender):
        raise SettingsError(
            f"{variable} must be up to 11 letters and digits (Aarhus) or a phone number, "
            f"not {raw!r}"
        )
    return sender


def parse_hosts(raw: str) -> tuple[str, ...]:
    """A comma-separated list of host names (``*.example.dk`` for subdomains), or ``*``."""
    hosts = []
    for part in raw.split(","):
        host = part.strip().lower()
        if not host:
            continue
        if host != "*" and not re.fullmatch(r"(\*\.)?[a-z0-9.-]+|\[[0-9a-f:.]+\]", host):
            raise SettingsError(
                f"HELPDESK_ALLOWED_HOSTS must list host names like hjaelp.aarhus.dk "
                f"(no scheme or port), not {part.strip()!r}"
            )
        hosts.append(host)
    return tuple(hosts) or ("*",)


def parse_networks(raw: str, variable: str = "HELPDESK_TRUSTED_NETWORKS") -> tuple[str, ...]:
    """A comma-separated list of networks in CIDR notation (``10.20.0.0/16``, ``2001:db8::/48``);
    a bare address is a network of one."""
    networks = []
    for part in raw.split(","):
        text = part.strip()
        if not text:
            continue
        try:
            networks.append(str(ipaddress.ip_network(text, strict=False)))
        except ValueError as exc:
            raise SettingsError(
                f"{variable} must list networks like 10.20.0.0/16, not {text!r}"
            ) from exc
    return tuple(networks)


def address_in_networks(address: str, networks: tuple[str, ...]) -> bool:
    if not networks:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(network) for network in networks)
