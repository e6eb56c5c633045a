"""`helpdesk backup FILE` and `helpdesk restore FILE --yes` round-trip bookings, guides and
session logs (run as the real command line, on SQLite and, in the PostgreSQL run, on PostgreSQL
with pg_dump/pg_restore)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlmodel import Session, select

from helpdesk.booking.models import Location
from helpdesk.db import make_engine, migrate, session_scope
from helpdesk.demo.booking import load_demo
from helpdesk.helplog.models import HelpLog
from helpdesk.kb.store import import_guides_safely
from tests.conftest import REPO, make_guide, make_translation, phrases

ZONE = ZoneInfo("Europe/Copenhagen")


def helpdesk(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "helpdesk", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "HELPDESK_DATABASE_URL": database_url},
        timeout=300,
        check=False,
    )


def contents(database_url: str) -> dict[str, Any]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:

            def rows(query: str) -> list[tuple[Any, ...]]:
                return [tuple(row) for row in connection.execute(text(query))]

            return {
                "bookings": rows(
                    "SELECT reference, name, phone, email, slot_id, status FROM booking "
                    "ORDER BY reference"
                ),
                "slots": rows("SELECT count(*), sum(booked) FROM slot"),
                "guides": rows(
                    "SELECT g.slug, t.language, t.title FROM guide g "
                    "JOIN guide_translation t ON t.guide_id = g.id ORDER BY 1, 2"
                ),
                "session_logs": rows("SELECT held_on, note FROM help_log ORDER BY id"),
            }
    finally:
        engine.dispose()


def fill(database_url: str) -> None:
    migrate(database_url)
    engine = make_engine(database_url)
    now = dt.datetime.now(dt.UTC)
    try:
        with session_scope(engine) as session:
            # Places, session types, schedules, slots and a few booked demo citizens.
            load_demo(session, ZONE, 2, now)
        guide = make_guide(
            "backup-drill",
            {
                "da": make_translation("Øvelse i genskabelse", phrases("øvelse genskab")),
                "en": make_translation("Restore drill", phrases("restore drill")),
            },
        )
        with session_scope(engine) as session:
            import_guides_safely(session, [guide])
        with Session(engine) as session:
            dokk1 = session.exec(select(Location).where(Location.slug == "dokk1")).one()
        today = now.astimezone(ZONE).date()
        with session_scope(engine) as session:
            session.add(
                HelpLog(
                    held_on=today,
                    week=today - dt.timedelta(days=today.weekday()),
                    location_id=dokk1.id or 0,
                    channel="walk_in",
                    language="ar",
                    outcome="solved",
                    self_reliance="yes",
                    duration_minutes=20,
                    note="restore drill",
                )
            )
    finally:
        engine.dispose()


def spoil(database_url: str) -> None:
    """What a restore must undo: logs deleted, a guide edited, bookings gone."""
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM help_log"))
            connection.execute(text("UPDATE guide_translation SET title = 'spoilt'"))
            connection.execute(text("DELETE FROM booking"))
    finally:
        engine.dispose()


def test_backup_and_restore_round_trip(fresh_database: str, tmp_path: Path) -> None:
    fill(fresh_database)
    before = contents(fresh_database)
    assert len(before["bookings"]) >= 1
    assert ("backup-drill", "da", "Øvelse i genskabelse") in before["guides"]
    assert [note for _, note in before["session_logs"]] == ["restore drill"]

    backup_file = tmp_path / "helpdesk.backup"
    made = helpdesk(fresh_database, "backup", str(backup_file))
    assert made.returncode == 0, made.stderr
    assert backup_file.stat().st_size > 0
    assert '"bytes"' in made.stdout

    spoil(fresh_database)
    assert contents(fresh_database) != before

    # Without --yes nothing happens; a file that is not a backup is refused.
    refused = helpdesk(fresh_database, "restore", str(backup_file))
    assert refused.returncode == 2
    assert "--yes" in refused.stderr
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("hello")
    wrong = helpdesk(fresh_database, "restore", str(not_a_backup), "--yes")
    assert wrong.returncode == 1
    assert "not a helpdesk" in wrong.stderr
    assert "Traceback" not in wrong.stderr

    restored = helpdesk(fresh_database, "restore", str(backup_file), "--yes")
    assert restored.returncode == 0, restored.stderr
    assert contents(fresh_database) == before
