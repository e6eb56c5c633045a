"""The daily jobs as the service, the command line and the tests run them (helpdesk.lifecycle)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy.engine import Engine

from helpdesk import lifecycle
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
