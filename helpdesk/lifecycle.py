"""The service's life cycle: opening the database, starting up, and the daily jobs.

One place for what the app's lifespan (:func:`helpdesk.app.create_app`), the command line
(``helpdesk purge``, ``kb import``, ``kb export``, the account commands) and the tests each did
on their own before: each calls these functions, so that a job means the same everywhere.

Several service processes (``helpdesk serve --workers N``, replicas) start and run together:
the start-up's data work runs one process at a time (:func:`helpdesk.locks.exclusive`), and the
daily jobs run once across all of them, under a lease in ``job_run`` (:mod:`helpdesk.jobs`).
"""

from __future__ import annotations

import ctypes
import datetime as dt
import gc
import logging
from collections.abc import Callable, Mapping
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from helpdesk.accounts.service import purge_login_attempts
from helpdesk.booking.admin import holiday_rules
from helpdesk.booking.reminders import send_due_reminders
from helpdesk.booking.schedule import materialise_slots
from helpdesk.booking.service import purge_contact_details
from helpdesk.clock import utcnow
from helpdesk.db import flush_deleted_data, make_engine, migrate, session_factory, session_scope
from helpdesk.demo.accounts import load_demo_accounts
from helpdesk.demo.booking import load_demo
from helpdesk.demo.history import load_demo_history
from helpdesk.events.service import purge_questions
from helpdesk.jobs import run_if_due
from helpdesk.kb.content import Guide
from helpdesk.kb.files import LoadResult, load_knowledge_base
from helpdesk.kb.store import ImportReport, import_guides_safely
from helpdesk.locks import exclusive
from helpdesk.metrics import rollup
from helpdesk.ratelimit import purge_rate_windows
from helpdesk.settings import Settings
from helpdesk.triage.live import LiveKnowledgeBase

logger = logging.getLogger(__name__)
#: The daily jobs' row in ``job_run``, and how long after a run they are due again.
DAILY_JOBS = "daily"
DAILY_JOBS_EVERY = dt.timedelta(days=1)
#: The reminders' row in ``job_run``, and how often they are looked for.
REMINDER_JOBS = "reminders"
REMINDERS_EVERY = dt.timedelta(minutes=15)
#: How often each service process checks whether the daily jobs or the reminders are due (one
#: small UPDATE each); the lease lets one process run them.
JOBS_CHECK_SECONDS = 5 * 60


def open_database(settings: Settings) -> Engine:
    """The service's engine, its sessions keeping the metrics rollups in step (in the service's
    time zone). Everything that writes session logs or triage events opens the database here."""
    engine = make_engine(settings.database_url, pool_size=settings.database_pool_size)
    rollup.keep_in_step(session_factory(engine), settings.timezone)
    return engine


def import_guide_files(db: Engine, loaded: LoadResult) -> ImportReport:
    """The guide files into the database (idempotent; the workshop's edits win over files that
    did not change since they were last imported)."""
    with session_scope(db) as session:
        return import_guides_safely(session, loaded.knowledge_base.guides)


def purge(settings: Settings, db: Engine, now: dt.datetime | None = None) -> dict[str, int]:
    """Personal data past its retention period: triage question texts, booking contact details,
    sign-in attempts and old rate-limit windows (address hashes). Then, on SQLite, the
    write-ahead log is emptied so that no old page image of what was purged lingers there."""
    now = now or utcnow()
    with session_scope(db) as session:
        questions = purge_questions(session, settings.question_retention_days, now)
    with session_scope(db) as session:
        contacts = purge_contact_details(session, settings.booking_retention_days, now)
        attempts = purge_login_attempts(session, now)
        windows = purge_rate_windows(session, now)
    flush_deleted_data(db)
    return {
        "question_texts_cleared": questions,
        "booking_contacts_purged": contacts,
        "login_attempts_deleted": attempts,
        "rate_limit_windows_deleted": windows,
    }


def make_slots(
    settings: Settings, db: Engine, now: dt.datetime | None = None, *, demo: bool = False
) -> dict[str, int]:
    """Bookable slots for the coming weeks from the opening schedules (after loading the demo
    places, session types, staff and schedules when ``demo``)."""
    now = now or utcnow()
    zone = ZoneInfo(settings.timezone)
    report: dict[str, int] = {}
    if demo:
        with session_scope(db) as session:
            report.update(load_demo(session, zone, settings.booking_weeks_ahead, now, settings))
    with session_scope(db) as session:
        report.update(
            materialise_slots(
                session, zone, settings.booking_weeks_ahead, now, holiday_rules(settings)
            ).as_dict()
        )
    return report


def daily(
    settings: Settings, db: Engine, now: dt.datetime | None = None, *, demo: bool = False
) -> dict[str, int]:
    """The daily jobs, also run at start-up: the coming weeks' slots, then the purge.

    A failing job is logged, not raised, and does not stop the other: a service process must
    start (and keep serving what exists) even if, say, two processes collided making slots; the
    next day's run catches up.
    """
    jobs: list[tuple[str, Callable[[], dict[str, int]]]] = [
        ("slots", lambda: make_slots(settings, db, now, demo=demo)),
        ("purge", lambda: purge(settings, db, now)),
    ]
    report: dict[str, int] = {}
    for name, job in jobs:
        try:
            report.update(job())
        except Exception:
            logger.exception("daily job %r failed; it runs again tomorrow", name)
    return report


def send_reminders(
    settings: Settings,
    db: Engine,
    guides: Mapping[str, Guide] | None = None,
    now: dt.datetime | None = None,
) -> dict[str, int]:
    """The reminders due now (``HELPDESK_REMINDER_HOURS`` before each booked session), by SMS
    and/or e-mail; each booking's reminder is taken atomically, so it is sent once even if two
    processes run this at the same time (:mod:`helpdesk.booking.reminders`)."""
    return send_due_reminders(settings, db, guides, now).as_dict()


def reminders_when_due(
    settings: Settings, db: Engine, guides: Callable[[], Mapping[str, Guide]] | None = None
) -> bool:
    """The reminders (:func:`send_reminders`) if they are due (every :data:`REMINDERS_EVERY`)
    and no other process looks for them now; True if they ran here. ``guides`` gives the live
    knowledge base's guides (what to bring, in the e-mail)."""
    return run_if_due(
        db,
        REMINDER_JOBS,
        REMINDERS_EVERY,
        lambda: send_reminders(settings, db, guides() if guides else None),
    )


def load_demo_data(settings: Settings, db: Engine) -> None:
    """A year of anonymous session logs and triage events, once, for the dashboard. A failure
    is logged: the service runs without the history."""
    try:
        history = load_demo_history(
            db,
            question_retention_days=settings.question_retention_days,
            timezone=settings.timezone,
        )
        logger.info("demo history: %s", history or "already there")
        if history:
            # The bulk load bypasses the ORM hooks that keep the rollups in step.
            with session_scope(db) as session:
                rollup.rebuild(session, settings.timezone)
    except Exception:
        logger.exception("demo history failed; the service runs without it")


def daily_when_due(settings: Settings, db: Engine) -> bool:
    """The daily jobs (:func:`daily`) if they are due and no other process runs them; True if
    they ran here. Every service process calls this now and then, and at start-up."""
    return run_if_due(db, DAILY_JOBS, DAILY_JOBS_EVERY, lambda: daily(settings, db))


def prepare_data(settings: Settings, db: Engine) -> LoadResult:
    """The start-up's data work: migrate, import the guide files, the demo booking data and
    sign-in accounts (when asked), the daily jobs if due, the demo history, and the rollups
    caught up."""
    migrate(settings.database_url)
    loaded = load_knowledge_base()
    if loaded.errors:
        # The files are checked in CI (helpdesk kb check); a bad file must not take the
        # service down, and what is valid is still imported.
        logger.warning(
            "knowledge base files have %d problem(s); run 'helpdesk kb check'",
            len(loaded.errors),
        )
    if settings.import_kb_on_start:
        logger.info("knowledge base import: %s", import_guide_files(db, loaded).as_dict())
    if settings.demo:
        # Demo places, session types, staff and schedules, and their slots: at every start
        # (idempotent), whether or not the daily jobs are due.
        try:
            logger.info("booking demo data: %s", make_slots(settings, db, demo=True))
        except Exception:
            logger.exception("demo booking data failed; the service runs without it")
        # Sign-in accounts with the README's published passwords: never outside development
        # (production settings refuse the demo too; this is the second lock).
        if settings.is_development:
            with session_scope(db) as session:
                logger.info("demo accounts: %s", load_demo_accounts(session))
    # The coming weeks' slots and the purge: once a day across all processes and hosts.
    daily_when_due(settings, db)
    if settings.demo:
        load_demo_data(settings, db)
    with session_scope(db) as session:
        if rollup.rebuild_if_behind(session, settings.timezone):
            logger.info("metrics rollups rebuilt from the session logs and triage events")
    return loaded


def start_up(settings: Settings, db: Engine) -> LiveKnowledgeBase:
    """Everything before the first request: the data work (:func:`prepare_data`), then the
    live knowledge base. Workers and replicas start together: one at a time through the data
    work (a PostgreSQL advisory lock, or a file lock beside a SQLite database)."""
    with exclusive(settings.database_url, "start-up"):
        loaded = prepare_data(settings, db)
    live = LiveKnowledgeBase(
        db, loaded.knowledge_base.intents, check_interval=settings.kb_check_seconds
    )
    live.refresh(force=True)
    release_free_memory()
    return live


def release_free_memory() -> None:
    """Start-up (the guide import, the demo history, building the index) frees far more than it
    keeps, and glibc holds freed memory in its arenas unless asked to give it back: about 50 MB
    resident with the demo data. Elsewhere than glibc there is nothing to do."""
    gc.collect()
    # What start-up kept (the index, the guides) lives as long as the process: out of the
    # collector's way, a full collection no longer walks it (it paused answers for 100 ms).
    gc.freeze()
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    libc.malloc_trim(0)
