"""The application factory: ``create_app(settings=None)``."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import datetime as dt
import gc
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from helpdesk import telemetry
from helpdesk.accounts.auth import SESSION_COOKIE, CSRFMiddleware, make_authenticator
from helpdesk.booking.maintenance import run_booking_maintenance
from helpdesk.db import make_engine, migrate, session_scope
from helpdesk.errors import ApiError, handle_api_error, handle_http_exception, handle_server_error
from helpdesk.events.service import purge_questions
from helpdesk.events.writer import EventWriter
from helpdesk.jobs import run_if_due
from helpdesk.kb.files import LoadResult, load_knowledge_base
from helpdesk.kb.live import LiveKnowledgeBase
from helpdesk.kb.store import import_guides_safely
from helpdesk.locks import exclusive
from helpdesk.metrics import rollup as metrics_rollup
from helpdesk.middleware import BodySizeLimitMiddleware
from helpdesk.routes import (
    accounts,
    api,
    booking,
    booking_pages,
    coordinator,
    guide_edit,
    health,
    kiosk,
    pages,
    sessions,
    staff,
    staff_day,
    widget,
    workshop,
)
from helpdesk.sessions.history import load_demo_history
from helpdesk.settings import Settings
from helpdesk.web import metrics as metrics_endpoint
from helpdesk.web.access import AccessControlMiddleware, public
from helpdesk.web.assets import AssetFiles
from helpdesk.web.metrics import RequestMetricsMiddleware

logger = logging.getLogger(__name__)
DAILY_JOBS = "daily"
DAILY_JOBS_EVERY = dt.timedelta(days=1)
# How often each process checks whether the daily jobs are due (one small UPDATE).
JOBS_CHECK_SECONDS = 5 * 60
STATIC_DIR = Path(__file__).with_name("static")


async def home(request: Request) -> RedirectResponse:
    return RedirectResponse("/guides", status_code=307)


def release_free_memory() -> None:
    """Start-up (the guide import, the demo history, building the index) frees far more than it
    keeps, and glibc holds freed memory in its arenas unless asked to give it back: about 50 MB
    resident with the demo data. Elsewhere than glibc there is nothing to do."""
    gc.collect()
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    libc.malloc_trim(0)


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings.from_env()

    def assets(package_dir: str) -> StaticFiles:
        # Built into the package by scripts/build-assets; when missing, 404s (pages unstyled).
        return AssetFiles(settings.assets_dir / package_dir)

    db = make_engine(settings.database_url, pool_size=settings.database_pool_size)
    events = EventWriter(db)
    # Triage events are rolled up by local day (helpdesk.metrics.rollup).
    metrics_rollup.set_timezone(settings.timezone)

    def daily_jobs() -> dict[str, int]:
        with session_scope(db) as session:
            purged = purge_questions(session, settings.question_retention_days)
        # Booking contact details past retention; slots for the weeks ahead.
        return {"question_texts_cleared": purged, **run_booking_maintenance(db, settings)}

    def prepare_data() -> LoadResult:
        migrate(settings.database_url)
        loaded = load_knowledge_base()
        if loaded.errors:
            # The files are checked in CI (helpdesk kb check); a bad file must not take the
            # service down, and what is valid is still imported.
            logger.warning(
                "knowledge base files have %d problem(s); run 'helpdesk kb check'",
                len(loaded.errors),
            )
        with session_scope(db) as session:
            if settings.import_kb_on_start:
                report = import_guides_safely(session, loaded.knowledge_base.guides)
                logger.info("knowledge base import: %s", report.as_dict())
        if settings.demo:
            # Demo places, session types, staff and schedules (idempotent).
            logger.info("booking demo data: %s", run_booking_maintenance(db, settings, demo=True))
        # The purges and the coming weeks' slots: once a day across all processes and hosts.
        run_if_due(db, DAILY_JOBS, DAILY_JOBS_EVERY, daily_jobs)
        if settings.demo:
            # A year of anonymous session logs and triage events, once, for the dashboard.
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
                        metrics_rollup.rebuild(session, settings.timezone)
            except Exception:
                logger.exception("demo history failed; the service runs without it")
        with session_scope(db) as session:
            if metrics_rollup.rebuild_if_behind(session, settings.timezone):
                logger.info("metrics rollups rebuilt from the session logs and triage events")
        return loaded

    def start_up() -> LiveKnowledgeBase:
        # Workers and replicas start together: one at a time through the data work (a
        # PostgreSQL advisory lock, or a file lock beside a SQLite database).
        with exclusive(settings.database_url, "start-up"):
            loaded = prepare_data()
        live = LiveKnowledgeBase(
            db, loaded.knowledge_base.intents, check_interval=settings.kb_check_seconds
        )
        live.refresh(force=True)
        release_free_memory()
        return live

    async def daily_jobs_when_due() -> None:
        # Every process looks now and then; the lease in job_run lets one of them run the jobs.
        while True:
            await asyncio.sleep(JOBS_CHECK_SECONDS)
            try:
                await run_in_threadpool(run_if_due, db, DAILY_JOBS, DAILY_JOBS_EVERY, daily_jobs)
            except Exception:
                logger.exception("daily jobs failed; they are tried again at the next check")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.knowledge_base = await run_in_threadpool(start_up)
        task = asyncio.create_task(daily_jobs_when_due())
        # Triage events are written in batches in the background; close() writes the rest.
        events.start()
        try:
            yield
        finally:
            task.cancel()
            await events.close()
            db.dispose()
            telemetry.process_stopped()

    app = Starlette(
        debug=False,
        routes=[
            *health.routes,
            *api.routes,
            *guide_edit.routes,
            *pages.routes,
            *staff.routes,
            *kiosk.routes,
            *widget.routes,
            *booking.routes,
            *booking_pages.routes,
            *accounts.routes,
            *staff_day.routes,
            *coordinator.routes,
            *sessions.routes,
            *workshop.routes,
            *metrics_endpoint.routes,
            Route("/", public(home), methods=["GET"], name="home"),
            Mount("/static", app=public(StaticFiles(directory=STATIC_DIR)), name="static"),
            Mount("/assets/dkfds", app=public(assets("dkfds")), name="dkfds"),
            Mount("/assets/chartjs", app=public(assets("chartjs")), name="chartjs"),
            Mount(
                "/assets/fonts/arabic",
                app=public(assets("fonts/arabic")),
                name="arabic_font",
            ),
        ],
        middleware=[
            # Outermost: every request counted and timed by route, whatever answers it.
            Middleware(RequestMetricsMiddleware),
            # Outermost, so that preflights and error responses carry the CORS headers too: the
            # chat widget (/widget.js) calls the API from other sites' pages.
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.widget_origins),
                allow_methods=["GET", "POST"],
                allow_headers=["Content-Type"],
                allow_credentials=False,
                max_age=600,
            ),
            Middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes),
            # Staff sign-in: a signed cookie (itsdangerous), set only once someone signs in or
            # opens the sign-in form; citizens' pages and the kiosk never get one.
            Middleware(
                SessionMiddleware,
                secret_key=settings.secret_key,
                session_cookie=SESSION_COOKIE,
                max_age=settings.session_hours * 60 * 60,
                same_site="lax",
                https_only=not settings.is_development,
            ),
            Middleware(AccessControlMiddleware),
            # Inside the access control: anonymous callers are sent to sign in first.
            Middleware(CSRFMiddleware),
        ],
        exception_handlers={
            ApiError: handle_api_error,
            HTTPException: handle_http_exception,
            Exception: handle_server_error,
        },
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.events = events
    # Who the caller is: a staff session cookie or an API bearer token (helpdesk.accounts).
    app.state.authenticator = make_authenticator(db)
    return app
