"""Session-log tests run in the booking test world (places, session types, slots) with a staff
account; session logs are cleared before and after each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from tests.accounts.helpers import make_user
from tests.booking.conftest import World, world  # noqa: F401  (the fixture)
from tests.conftest import clear_tables

SESSION_TABLES = ("help_log_topic", "help_log")


@pytest.fixture
def logs(world: World) -> Iterator[World]:  # noqa: F811
    clear_tables(world.engine, *SESSION_TABLES)
    yield world
    clear_tables(world.engine, *SESSION_TABLES)


@pytest.fixture
def staff(db_engine: Engine) -> Iterator[str]:
    clear_tables(db_engine, "help_log_topic", "help_log")
    clear_tables(db_engine, "api_token", "login_attempt", "user_account")
    make_user(db_engine, "mette", "staff")
    yield "mette"
    clear_tables(db_engine, "help_log_topic", "help_log")
    clear_tables(db_engine, "api_token", "login_attempt", "user_account")
