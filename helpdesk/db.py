"""Database engine, sessions and migrations (SQLite by default, PostgreSQL in production)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, create_engine

from helpdesk.locks import exclusive

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

# One session factory per engine, made on first use; it goes when its engine goes.
_session_factories: WeakKeyDictionary[Engine, sessionmaker[Session]] = WeakKeyDictionary()


def make_engine(url: str, pool_size: int = 10) -> Engine:
    # A database error must not carry its statement's parameters (a booking's name, phone and
    # e-mail) into exception text and from there into the log.
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            hide_parameters=True,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            # WAL lets readers work while one writer writes; foreign keys are off by default.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            # Deleted personal data is overwritten with zeros, not left in free pages.
            cursor.execute("PRAGMA secure_delete=ON")
            cursor.close()

        return engine
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=2 * pool_size,
        hide_parameters=True,
    )


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(url: str) -> None:
    """Bring the schema to the newest migration (idempotent). One process at a time: workers
    starting together on a fresh database would otherwise all create the same tables."""
    with exclusive(url, "migrate"):
        command.upgrade(alembic_config(url), "head")


def flush_deleted_data(engine: Engine) -> None:
    """After a purge: on SQLite, copy the write-ahead log into the database and truncate it, so
    that old page images holding purged data do not linger in the -wal file. (PostgreSQL's
    autovacuum reclaims dead rows on its own.)"""
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """The engine's own session factory, which :func:`session_scope` opens every session with.

    Session hooks are registered here, not on every Session in the process (the metrics rollup's
    flush hook: :func:`helpdesk.lifecycle.open_database`), so two services in one process (the
    tests make several) keep to their own.
    """
    factory = _session_factories.get(engine)
    if factory is None:
        factory = sessionmaker(engine, class_=Session, expire_on_commit=False)
        _session_factories[engine] = factory
    return factory


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error: nothing half-written."""
    with session_factory(engine)() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
