"""Migration 0009 renames the help-session tables (``session_log`` → ``help_log``) by copying:
the logs and their topics survive both ways, and new logs get fresh ids afterwards."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from alembic import command
from sqlalchemy import inspect, text

from helpdesk.db import alembic_config, make_engine, migrate, session_scope
from helpdesk.demo.booking import load_demo
from helpdesk.helplog.service import HelpLogIn, log_help

ZONE = ZoneInfo("Europe/Copenhagen")


def _log(url: str, note: str) -> int:
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            logged = log_help(
                session,
                HelpLogIn.model_validate(
                    {
                        "location": "dokk1",
                        "channel": "walk_in",
                        "topics": ["other"],
                        "other_topic": "a form from the bank",
                        "language": "da",
                        "outcome": "solved",
                        "self_reliance": "yes",
                        "duration_minutes": 15,
                        "note": note,
                    }
                ),
                known_topics=set(),
                logged_by=None,
                today=dt.datetime.now(ZONE).date(),
            )
            return logged.log.id or 0
    finally:
        engine.dispose()


def _rows(url: str, log_table: str, topic_table: str, key: str) -> tuple[list[str], list[str]]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            notes = [row[0] for row in connection.execute(text(f"SELECT note FROM {log_table}"))]
            topics = [
                row[0]
                for row in connection.execute(
                    text(f"SELECT l.note FROM {topic_table} t JOIN {log_table} l ON l.id = t.{key}")
                )
            ]
            return notes, topics
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_help_logs_survive_the_rename_both_ways(fresh_database: str) -> None:
    migrate(fresh_database)
    engine = make_engine(fresh_database)
    try:
        with session_scope(engine) as session:
            load_demo(session, ZONE, 1, dt.datetime.now(dt.UTC))
    finally:
        engine.dispose()
    first = _log(fresh_database, "before the downgrade")

    command.downgrade(alembic_config(fresh_database), "0008")
    assert {"session_log", "session_topic"} <= _tables(fresh_database)
    assert not {"help_log", "help_log_topic"} & _tables(fresh_database)
    assert _rows(fresh_database, "session_log", "session_topic", "session_id") == (
        ["before the downgrade"],
        ["before the downgrade"],
    )

    migrate(fresh_database)
    assert not {"session_log", "session_topic"} & _tables(fresh_database)
    assert _rows(fresh_database, "help_log", "help_log_topic", "log_id") == (
        ["before the downgrade"],
        ["before the downgrade"],
    )
    # The ids were copied; the next log follows them rather than clashing with one.
    assert _log(fresh_database, "after the upgrade") > first
