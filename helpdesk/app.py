"""The application factory: ``create_app(settings=None)``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy.engine import Engine
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

from helpdesk import lifecycle, telemetry
from helpdesk.errors import DomainError
from helpdesk.events.writer import EventWriter
from helpdesk.logs import install_redaction
from helpdesk.ratelimit import RateCounter
from helpdesk.routes import (
    accounts,
    admin_api,
    admin_pages,
    admin_people_pages,
    api,
    booking,
    booking_manage,
    booking_pages,
    bursts,
    coordinator,
    guide_edit,
    health,
    helplog,
    kiosk,
    pages,
    staff,
    staff_day,
    widget,
    workshop,
)
from helpdesk.settings import Settings
from helpdesk.triage.live import LiveKnowledgeBase
from helpdesk.web import metrics as metrics_endpoint
from helpdesk.web.access import AccessControlMiddleware, public
from helpdesk.web.assets import AssetFiles
from helpdesk.web.auth import SESSION_COOKIE, CSRFMiddleware, make_authenticator
from helpdesk.web.client import TrustedProxyMiddleware
from helpdesk.web.errors import (
    ApiError,
    handle_api_error,
    handle_domain_error,
    handle_http_exception,
    handle_server_error,
)
from helpdesk.web.hosts import AllowedHostsMiddleware
from helpdesk.web.metrics import RequestMetricsMiddleware
from helpdesk.web.middleware import (
    BodySizeLimitMiddleware,
    SecurityHeadersMiddleware,
    UnstorableUrlMiddleware,
)

logger = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).with_name("static")


async def home(request: Request) -> RedirectResponse:
    return RedirectResponse("/guides", status_code=307)


async def run_jobs(settings: Settings, db: Engine, live: LiveKnowledgeBase) -> None:
    """The daily jobs (:func:`helpdesk.lifecycle.daily`) once a day and the reminders
    (:func:`helpdesk.lifecycle.send_reminders`) every quarter of an hour, across all processes,
    off the event loop: every process looks now and then, the leases in job_run let one run
    each."""
    while True:
        await asyncio.sleep(lifecycle.JOBS_CHECK_SECONDS)
        try:
            await run_in_threadpool(lifecycle.daily_when_due, settings, db)
        except Exception:
            logger.exception("daily jobs failed; they are tried again at the next check")
        try:
            await run_in_threadpool(
                lifecycle.reminders_when_due, settings, db, lambda: live.current.guides
            )
        except Exception:
            logger.exception("reminders failed; they are tried again at the next check")


def create_app(settings: Settings | None = None) -> Starlette:
    # Every process that serves the app redacts its logs, however it was started (uvicorn
    # --factory with workers, helpdesk serve, tests); idempotent.
    install_redaction()
    settings = settings or Settings.from_env()

    def assets(package_dir: str) -> StaticFiles:
        # Built into the package by scripts/build-assets; when missing, 404s (pages unstyled).
        return AssetFiles(settings.assets_dir / package_dir)

    db = lifecycle.open_database(settings)
    events = EventWriter(db)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        live = await run_in_threadpool(lifecycle.start_up, settings, db)
        app.state.knowledge_base = live
        task = asyncio.create_task(run_jobs(settings, db, live))
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
            *booking_manage.routes,
            *accounts.routes,
            *staff_day.routes,
            *coordinator.routes,
            *bursts.routes,
            *admin_api.routes,
            *admin_pages.routes,
            *admin_people_pages.routes,
            *helplog.routes,
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
            # Who the client is (X-Forwarded-* only from HELPDESK_TRUSTED_PROXIES), before
            # anything reads the address or the scheme.
            Middleware(TrustedProxyMiddleware, trusted_proxies=settings.trusted_proxies),
            # Every response, error pages included, gets CSP, framing and sniffing rules.
            Middleware(SecurityHeadersMiddleware, production=not settings.is_development),
            # Before anything else: a request for a host name that is not ours is refused.
            Middleware(AllowedHostsMiddleware, allowed_hosts=settings.allowed_hosts),
            # Outside the rest, so that preflights and error responses carry the CORS headers
            # too: the chat widget (/widget.js) calls the API from other sites' pages.
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.widget_origins),
                allow_methods=["GET", "POST"],
                allow_headers=["Content-Type"],
                allow_credentials=False,
                max_age=600,
            ),
            Middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes),
            Middleware(UnstorableUrlMiddleware),
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
            DomainError: handle_domain_error,
            HTTPException: handle_http_exception,
            Exception: handle_server_error,
        },
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.events = events
    # Per-address limits: counted in this process, written to the database in batches.
    app.state.rate_counter = RateCounter()
    # Who the caller is: a staff session cookie or an API bearer token (helpdesk.web.auth).
    app.state.authenticator = make_authenticator(db)
    return app
