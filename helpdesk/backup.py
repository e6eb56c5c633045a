"""Backups of the whole database, and restoring one.

SQLite: the online backup API (``sqlite3.Connection.backup``), which copies a consistent
snapshot while the service keeps running; the backup file is itself a SQLite database.
PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore --clean`` (the PostgreSQL client tools
must be installed, in the version of the server or newer).

A restore replaces every table's contents with the backup's, then brings the schema up to date
(a backup from an older version is migrated). Stop the service first: processes that keep
running would go on with what they had cached (the triage index catches up by itself).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from helpdesk.db import migrate


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; the message says why."""


@dataclass(frozen=True)
class BackupReport:
    database: str
    file: str
    bytes: int

    def as_dict(self) -> dict[str, object]:
        return {"database": self.database, "file": self.file, "bytes": self.bytes}


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection URL without the password (which goes into PGPASSWORD instead, so that
    it is not visible in the process list)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} was not found; install the PostgreSQL client tools")
    return found


def _run(command: list[str], env: dict[str, str]) -> None:
    # A fixed tool with paths and a URL as separate arguments, no shell.
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip()[-2000:]}")


def backup(database_url: str, target: Path) -> BackupReport:
    """Writes a backup of the database to ``target`` (replacing it only once complete)."""
    url = make_url(database_url)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    if url.get_backend_name() == "sqlite":
        source = _sqlite_path(url)
        if not source.exists():
            raise BackupError(f"there is no database at {source}")
        with closing(sqlite3.connect(source)) as live, closing(sqlite3.connect(partial)) as copy:
            live.backup(copy)
            # The copy is a plain database file, not a write-ahead-log one.
            copy.execute("PRAGMA journal_mode=DELETE")
        kind = "sqlite"
    else:
        connection, env = _libpq(url)
        _run(
            [
                _tool("pg_dump"),
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--file={partial}",
                connection,
            ],
            env,
        )
        kind = "postgresql"
    os.replace(partial, target)
    return BackupReport(kind, str(target), target.stat().st_size)


def _check_sqlite_backup(source: Path) -> None:
    try:
        with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as backup_db:
            backup_db.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{source} is not a helpdesk SQLite backup ({exc})") from exc


def restore(database_url: str, source: Path) -> BackupReport:
    """Replaces the database's contents with the backup's, then migrates to the newest schema."""
    if not source.is_file():
        raise BackupError(f"there is no backup at {source}")
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        _check_sqlite_backup(source)
        target = _sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        # Page by page into the live file (its other connections see the result), so that the
        # write-ahead log and lock files stay consistent.
        with (
            closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as backup_db,
            closing(sqlite3.connect(target)) as live,
        ):
            backup_db.backup(live)
        kind = "sqlite"
    else:
        connection, env = _libpq(url)
        listing = subprocess.run(  # noqa: S603 (a fixed tool, a path, no shell)
            [_tool("pg_restore"), "--list", str(source)], capture_output=True, text=True
        )
        if listing.returncode != 0 or "alembic_version" not in listing.stdout:
            raise BackupError(f"{source} is not a helpdesk PostgreSQL backup (pg_dump -Fc)")
        _run(
            [
                _tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={connection}",
                str(source),
            ],
            env,
        )
        kind = "postgresql"
    migrate(database_url)
    return BackupReport(kind, str(source), source.stat().st_size)
