"""The daily jobs as the service, the command line and the tests run them (helpdesk.lifecycle)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import delete
from sqlalchemy.engine import Engine

from helpdesk import lifecycle
from helpdesk.db import session_scope
from helpdesk.jobs import JobRun
from helpdesk.settings import Settings

PURGE_KEYS = {
    "question_texts_cleared",
    "booking_contacts_purged",
    "login_attempts_deleted",
    "rate_limit_windows_deleted",
}
SLOT_KEYS = {"created", "updated", "closed", "reopened"}


def test_the_daily_jobs_make_slots_and_purge(db_engine: Engine, settings: Settings) -> None:
    assert set(lifecycle.daily(settings, db_engine)) == SLOT_KEYS | PURGE_KEYS


def test_a_failing_daily_job_does_not_stop_the_other(
    db_engine: Engine, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    # A time zone that does not exist breaks making slots (the schedules are in local time),
    # and only that: the purge, which personal data must not wait for, still runs.
    nowhere = replace(settings, timezone="Nowhere/Atlantis")
    report = lifecycle.daily(nowhere, db_engine)
    assert set(report) == PURGE_KEYS
    assert "daily job 'slots' failed" in caplog.text


def runs_of_the_daily_jobs(db: Engine) -> int | None:
    with session_scope(db) as session:
        run = session.get(JobRun, lifecycle.DAILY_JOBS)
        return None if run is None else run.runs


def forget_the_daily_jobs(db: Engine) -> None:
    with session_scope(db) as session:
        session.execute(delete(JobRun))


def test_the_daily_jobs_run_once_a_day_across_processes(
    db_engine: Engine, settings: Settings
) -> None:
    # The lease in job_run: the first caller runs them, the next finds them done for today
    # (another worker, or this one at its next check), and a day later they are due again.
    forget_the_daily_jobs(db_engine)
    assert lifecycle.daily_when_due(settings, db_engine)
    assert not lifecycle.daily_when_due(settings, db_engine)
    with session_scope(db_engine) as session:
        run = session.get(JobRun, lifecycle.DAILY_JOBS)
        assert run is not None
        assert run.runs == 1
        assert run.lease_until is None
        assert run.last_finished_at is not None
        run.last_finished_at -= lifecycle.DAILY_JOBS_EVERY
    assert lifecycle.daily_when_due(settings, db_engine)
    assert runs_of_the_daily_jobs(db_engine) == 2


def test_start_up_runs_the_daily_jobs_only_when_due(db_engine: Engine, settings: Settings) -> None:
    forget_the_daily_jobs(db_engine)
    live = lifecycle.start_up(settings, db_engine)
    assert live.refresh().guides  # the guide files imported and served
    assert runs_of_the_daily_jobs(db_engine) == 1
    # A second process starting (a worker, a replica) does not run them again.
    lifecycle.start_up(settings, db_engine)
    assert runs_of_the_daily_jobs(db_engine) == 1
