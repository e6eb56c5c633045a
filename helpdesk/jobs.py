"""Periodic jobs that must run once across all service processes and hosts.

Every process checks now and then; the first to find a job due takes a lease on its row in
``job_run`` with one conditional UPDATE (so two processes can never both win), runs it, and marks
it finished. A process that dies mid-job leaves a lease that runs out (:data:`LEASE`), after which
another process takes the job over. Works the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from collections.abc import Callable

from sqlalchemy import Column, DateTime, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, SQLModel, col

from helpdesk import telemetry
from helpdesk.db import session_scope

logger = logging.getLogger(__name__)

#: How long a process may hold a job before another may take it over.
LEASE = dt.timedelta(hours=1)


class JobRun(SQLModel, table=True):
    __tablename__ = "job_run"

    name: str = Field(primary_key=True, max_length=40)
    #: Times the job was started (taken) in all processes together.
    runs: int = 0
    last_started_at: dt.datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    last_finished_at: dt.datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    lease_until: dt.datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    #: Which process holds (or last held) the job: host and process id.
    holder: str = Field(default="", max_length=120)


def this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def claim(engine: Engine, name: str, every: dt.timedelta, now: dt.datetime | None = None) -> bool:
    """True if this process has just taken the job (it was due and nobody holds it)."""
    now = now or _now()
    try:
        with session_scope(engine) as session:
            if session.get(JobRun, name) is None:
                session.add(JobRun(name=name))
    except IntegrityError:
        pass  # another process made the row at the same moment
    with session_scope(engine) as session:
        taken = session.execute(
            update(JobRun)
            .where(
                col(JobRun.name) == name,
                (col(JobRun.lease_until).is_(None)) | (col(JobRun.lease_until) < now),
                (col(JobRun.last_finished_at).is_(None))
                | (col(JobRun.last_finished_at) <= now - every),
            )
            .values(
                lease_until=now + LEASE,
                last_started_at=now,
                holder=this_process(),
                runs=col(JobRun.runs) + 1,
            )
        )
        return bool(taken.rowcount)  # type: ignore[attr-defined]


def release(engine: Engine, name: str, *, finished: bool) -> None:
    """Gives the lease back; ``finished`` marks the run done (else it is due again at once)."""
    values: dict[str, object] = {"lease_until": None}
    if finished:
        values["last_finished_at"] = _now()
    with session_scope(engine) as session:
        session.execute(
            update(JobRun)
            .where(col(JobRun.name) == name, col(JobRun.holder) == this_process())
            .values(**values)
        )


def run_if_due(engine: Engine, name: str, every: dt.timedelta, job: Callable[[], object]) -> bool:
    """Runs ``job`` if it is due and no other process runs it; True if it ran here."""
    if not claim(engine, name, every):
        return False
    try:
        report = job()
    except BaseException:
        release(engine, name, finished=False)
        telemetry.JOB_RUNS.labels(name, "failed").inc()
        raise
    release(engine, name, finished=True)
    telemetry.JOB_RUNS.labels(name, "done").inc()
    logger.info("job %s ran in this process: %s", name, report)
    return True
