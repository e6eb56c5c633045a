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

from helpdesk import lifecycle
from helpdesk.errors import DomainError
from helpdesk.logs import install_redaction
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
from helpdesk.settings import Settings
from helpdesk.web.access import AccessControlMiddleware, public
from helpdesk.web.auth import SESSION_COOKIE, CSRFMiddleware, make_authenticator
from helpdesk.web.client import TrustedProxyMiddleware
from helpdesk.web.errors import (
    ApiError,
    handle_api_error,
    handle_domain_error,
    handle_http_exception,
    handle_server_error,
)
from helpdesk.web.middleware import BodySizeLimitMiddleware, SecurityHeadersMiddleware

logger = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).with_name("static")


async def home(request: Request) -> RedirectResponse:
    return RedirectResponse("/guides", status_code=307)


async def run_daily(settings: Settings, db: Engine) -> None:
    """The daily jobs (:func:`helpdesk.lifecycle.daily`) once a day, off the event loop."""
    while True:
        await asyncio.sleep(lifecycle.DAILY_INTERVAL_SECONDS)
        try:
            await run_in_threadpool(lifecycle.daily, settings, db)
        except Exception:
            logger.exception("daily jobs failed; will try again tomorrow")


def create_app(settings: Settings | None = None) -> Starlette:
    # Every process that serves the app redacts its logs, however it was started (uvicorn
    # --factory with workers, helpdesk serve, tests); idempotent.
    install_redaction()
    settings = settings or Settings.from_env()

    def assets(package_dir: str) -> StaticFiles:
        # check_dir=False: without `npm ci` the pages still render, only unstyled.
        return StaticFiles(directory=settings.assets_dir / package_dir, check_dir=False)

    db = lifecycle.open_database(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.knowledge_base = await run_in_threadpool(lifecycle.start_up, settings, db)
        task = asyncio.create_task(run_daily(settings, db))
        try:
            yield
        finally:
            task.cancel()
            db.dispose()

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
            Route("/", public(home), methods=["GET"], name="home"),
            Mount("/static", app=public(StaticFiles(directory=STATIC_DIR)), name="static"),
            Mount("/assets/dkfds", app=public(assets("dkfds/dist")), name="dkfds"),
            Mount("/assets/chartjs", app=public(assets("chart.js/dist")), name="chartjs"),
            Mount(
                "/assets/fonts/arabic",
                app=public(assets("@fontsource/ibm-plex-sans-arabic")),
                name="arabic_font",
            ),
        ],
        middleware=[
            # Outermost: who the client is (X-Forwarded-* only from HELPDESK_TRUSTED_PROXIES),
            # before anything reads the address or the scheme.
            Middleware(TrustedProxyMiddleware, trusted_proxies=settings.trusted_proxies),
            # Every response, error pages included, gets CSP, framing and sniffing rules.
            Middleware(SecurityHeadersMiddleware, production=not settings.is_development),
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
    # Who the caller is: a staff session cookie or an API bearer token (helpdesk.web.auth).
    app.state.authenticator = make_authenticator(db)
    return app
