"""`helpdesk user` and `helpdesk token`, run as real subprocesses (and a real terminal)."""

from __future__ import annotations

import datetime as dt
import os
import pty
import re
import select
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session
from sqlmodel import select as sql_select

from helpdesk.accounts.models import ApiToken, LoginAttempt, User
from helpdesk.booking.models import AccountPlace, Location
from tests.conftest import REPO, clear_tables

SECRET = "a long and secret password"


@pytest.fixture
def accounts(db_engine: Engine) -> Iterator[Engine]:
    clear_tables(db_engine, "api_token", "login_attempt", "user_account")
    yield db_engine
    clear_tables(db_engine, "api_token", "login_attempt", "user_account")


def helpdesk(
    database_url: str, *args: str, password: str | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "HELPDESK_PASSWORD"}
    env["HELPDESK_DATABASE_URL"] = database_url
    if password is not None:
        env["HELPDESK_PASSWORD"] = password
    return subprocess.run(
        [sys.executable, "-m", "helpdesk", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        input=stdin,
        timeout=120,
        check=False,
    )


def test_user_add_with_the_password_from_the_environment(
    accounts: Engine, database_url: str
) -> None:
    result = helpdesk(
        database_url, "user", "add", "Mette", "--role", "coordinator", password=SECRET
    )
    assert result.returncode == 0, result.stderr
    assert SECRET not in result.stdout + result.stderr
    with Session(accounts) as session:
        user = session.exec(sql_select(User)).one()
    assert (user.username, user.role) == ("mette", "coordinator")
    assert user.password_hash.startswith("$argon2id$")
    again = helpdesk(database_url, "user", "add", "mette", "--role", "staff", password=SECRET)
    assert again.returncode == 1
    assert "already" in again.stderr
    short = helpdesk(database_url, "user", "add", "jens", "--role", "staff", password="short")
    assert short.returncode == 1
    assert "at least 10" in short.stderr
    bad_role = helpdesk(database_url, "user", "add", "jens", "--role", "boss", password=SECRET)
    assert bad_role.returncode == 2


def test_without_a_terminal_or_the_variable_it_says_what_to_do(
    accounts: Engine, database_url: str
) -> None:
    result = helpdesk(database_url, "user", "add", "jens", "--role", "staff", stdin="")
    assert result.returncode != 0
    assert "HELPDESK_PASSWORD" in result.stderr
    assert "Traceback" not in result.stderr


def test_user_add_asks_for_the_password_in_a_terminal(accounts: Engine, database_url: str) -> None:
    """getpass reads from the controlling terminal: run the command in a pseudo-terminal."""
    env = {key: value for key, value in os.environ.items() if key != "HELPDESK_PASSWORD"}
    env["HELPDESK_DATABASE_URL"] = database_url
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child process
        os.chdir(REPO)
        os.execve(
            sys.executable,
            [sys.executable, "-m", "helpdesk", "user", "add", "sara", "--role", "admin"],
            env,
        )
    screen = b""

    def read_until(marker: bytes, seconds: float = 60) -> None:
        nonlocal screen
        deadline = time.monotonic() + seconds
        while marker not in screen and time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if ready:
                try:
                    screen += os.read(fd, 1024)
                except OSError:
                    break
        assert marker in screen, screen

    read_until(b"Password: ")
    os.write(fd, SECRET.encode() + b"\n")
    read_until(b"Password again: ")
    os.write(fd, SECRET.encode() + b"\n")
    read_until(b"created")
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0
    assert SECRET.encode() not in screen  # not echoed
    with Session(accounts) as session:
        assert session.exec(sql_select(User)).one().role == "admin"


async def test_token_create_list_revoke(
    accounts: Engine, database_url: str, client: httpx.AsyncClient
) -> None:
    assert (
        helpdesk(
            database_url, "user", "add", "kiosk-api", "--role", "staff", password=SECRET
        ).returncode
        == 0
    )
    created = helpdesk(database_url, "token", "create", "kiosk-api", "--label", "kiosk at Gellerup")
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()
    assert created.stdout == token + "\n"  # the token alone on stdout
    assert re.fullmatch(r"hd_[A-Za-z0-9_-]{40,}", token)
    with Session(accounts) as session:
        assert token not in {r.token_hash for r in session.exec(sql_select(ApiToken)).all()}
    auth = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/api/v1/me", headers=auth)).status_code == 200
    listing = helpdesk(database_url, "token", "list")
    assert token[:10] in listing.stdout
    assert token not in listing.stdout
    assert "kiosk at Gellerup" in listing.stdout
    revoked = helpdesk(database_url, "token", "revoke", "--stdin", stdin=token + "\n")
    assert revoked.returncode == 0
    assert "1 token(s) revoked" in revoked.stdout
    assert (await client.get("/api/v1/me", headers=auth)).status_code == 401
    nothing = helpdesk(database_url, "token", "revoke", "--prefix", token[:10])
    assert nothing.returncode == 1
    unknown = helpdesk(database_url, "token", "create", "nobody")
    assert unknown.returncode == 1
    assert unknown.stdout == ""


def test_user_unlock_places_and_password_keeping_tokens(
    accounts: Engine, database_url: str
) -> None:
    added = helpdesk(database_url, "user", "add", "sara", "--role", "staff", password=SECRET)
    assert added.returncode == 0, added.stderr
    with Session(accounts) as session:
        now = dt.datetime.now(dt.UTC)
        for _ in range(3):
            session.add(
                LoginAttempt(username="sara", address_hash="x", attempted_at=now, succeeded=False)
            )
        session.add(Location(slug="cli-place", name="CLI place", kind="library"))
        session.commit()
    unlocked = helpdesk(database_url, "user", "unlock", "sara")
    assert unlocked.returncode == 0, unlocked.stderr
    assert "3 failed sign-in(s) of sara forgotten" in unlocked.stdout
    with Session(accounts) as session:
        assert session.exec(sql_select(LoginAttempt)).all() == []

    assert helpdesk(database_url, "user", "places", "sara").returncode == 2
    unknown = helpdesk(database_url, "user", "places", "sara", "nowhere")
    assert unknown.returncode == 1
    assert "nowhere" in unknown.stderr
    limited = helpdesk(database_url, "user", "places", "sara", "cli-place")
    assert limited.returncode == 0, limited.stderr
    with Session(accounts) as session:
        assert len(session.exec(sql_select(AccountPlace)).all()) == 1
    assert helpdesk(database_url, "user", "places", "sara", "--all").returncode == 0
    with Session(accounts) as session:
        assert session.exec(sql_select(AccountPlace)).all() == []
        session.delete(session.exec(sql_select(Location).where(Location.slug == "cli-place")).one())
        session.commit()

    token = helpdesk(database_url, "token", "create", "sara").stdout.strip()
    kept = helpdesk(
        database_url, "user", "password", "sara", "--keep-tokens", password=SECRET + "!"
    )
    assert kept.returncode == 0, kept.stderr
    with Session(accounts) as session:
        record = session.exec(sql_select(ApiToken)).one()
        assert record.revoked_at is None
        assert record.expires_at is not None
        assert record.expires_at - record.created_at == dt.timedelta(days=365)
    assert token.startswith("hd_")
    ended = helpdesk(database_url, "user", "password", "sara", password=SECRET + "?")
    assert "API tokens have ended" in ended.stdout
    with Session(accounts) as session:
        assert session.exec(sql_select(ApiToken)).one().revoked_at is not None
