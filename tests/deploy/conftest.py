"""A fresh, empty database per test: a SQLite file, and a PostgreSQL database of its own when
HELPDESK_TEST_DATABASE_URL is a PostgreSQL URL (its name plus a suffix, dropped afterwards)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from helpdesk.settings import normalise_database_url


def fresh_postgres_database(test_url: str, suffix: str) -> Iterator[str]:
    url = make_url(test_url)
    name = f"{url.database}_{suffix}"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    test_url = os.environ.get("HELPDESK_TEST_DATABASE_URL", "")
    if not test_url.startswith("postgres"):
        pytest.skip(
            "needs HELPDESK_TEST_DATABASE_URL=postgresql://... (the PostgreSQL run of .ci/run); "
            "the SQLite case runs here"
        )
    suffix = request.node.originalname.removeprefix("test_")[:24]
    yield from fresh_postgres_database(normalise_database_url(test_url), suffix)
