"""The demo's sign-in accounts: one per role, made once, and the README's "Demo sign-in:" line
names each with its real password."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from helpdesk.accounts.models import User
from helpdesk.accounts.service import verify_credentials
from helpdesk.db import session_scope
from helpdesk.demo.accounts import DEMO_ACCOUNTS, load_demo_accounts
from helpdesk.settings import Settings, SettingsError
from tests.conftest import REPO


def readme_sign_in() -> list[tuple[str, str]]:
    """The (username, password) pairs of the README's line that starts "Demo sign-in:"."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    lines = [line for line in readme.splitlines() if line.startswith("Demo sign-in:")]
    assert len(lines) == 1, lines
    return re.findall(r"`([^`]+)` / `([^`]+)`", lines[0])


def test_the_readme_line_names_every_demo_account_with_its_password() -> None:
    assert readme_sign_in() == [(name, password) for name, _, password in DEMO_ACCOUNTS]
    assert [role for _, role, _ in DEMO_ACCOUNTS] == ["staff", "coordinator", "admin"]


def test_the_readme_says_first_which_pages_to_open_and_how_to_sign_in() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(readme) if line.startswith("Demo sign-in:"))
    assert at < 50, "the sign-in line is not on the README's first screen"
    first_screen = "\n".join(readme[:at])
    for page in ("/kiosk?location=dokk1", "/widget-demo", "/login", "/staff", "/coordinator"):
        assert f"(http://127.0.0.1:8000{page})" in first_screen, page


def test_demo_accounts_are_made_once_and_sign_in(db_engine: Engine) -> None:
    names = [name for name, _, _ in DEMO_ACCOUNTS]
    with session_scope(db_engine) as session:
        session.execute(delete(User).where(col(User.username).in_(names)))
    try:
        with session_scope(db_engine) as session:
            assert load_demo_accounts(session) == {"demo_accounts_created": 3}
        with session_scope(db_engine) as session:
            assert load_demo_accounts(session) == {"demo_accounts_created": 0}
        with Session(db_engine) as session:
            for name, role, password in DEMO_ACCOUNTS:
                user = verify_credentials(session, name, password)
                assert user is not None, name
                assert user.role == role
                assert verify_credentials(session, name, "wrong-password") is None
    finally:
        with session_scope(db_engine) as session:
            session.execute(delete(User).where(col(User.username).in_(names)))


def test_production_refuses_the_demo() -> None:
    production = {
        "HELPDESK_ENVIRONMENT": "production",
        "HELPDESK_SECRET_KEY": "x" * 32,
        "HELPDESK_PUBLIC_BASE_URL": "https://hjaelp.aarhus.dk",
        "HELPDESK_ALLOWED_HOSTS": "hjaelp.aarhus.dk",
    }
    assert not Settings.from_env(production).demo
    with pytest.raises(SettingsError, match="HELPDESK_DEMO must not be used in production"):
        Settings.from_env({**production, "HELPDESK_DEMO": "true"})
