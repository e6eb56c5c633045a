"""One process at a time, across workers and hosts: an exclusive lock named per task.

PostgreSQL: a session-level advisory lock (``pg_advisory_lock``) held on a connection of its
own, so every process and host using the database waits its turn. SQLite: an exclusive
``flock`` on a file beside the database (``helpdesk.db.start-up.lock``), which serves the
processes of one host, the only ones that can share a SQLite file. Used for the migrations and
the start-up's data work, which must not run twice at the same moment.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

logger = logging.getLogger(__name__)


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for ``pg_advisory_lock`` from a task's name."""
    digest = hashlib.sha256(f"helpdesk:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def sqlite_lock_path(url: str, name: str) -> Path | None:
    """The lock file beside a SQLite database; None for an in-memory database."""
    database = make_url(url).database
    if not database or database == ":memory:":
        return None
    return Path(f"{database}.{name}.lock")


@contextlib.contextmanager
def exclusive(url: str, name: str) -> Iterator[None]:
    """Holds the lock ``name`` for the database at ``url`` while the block runs (waits for it)."""
    if url.startswith("sqlite"):
        path = sqlite_lock_path(url, name)
        if path is None:
            yield
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        return
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            key = lock_key(name)
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
    finally:
        engine.dispose()
