"""The coordinator's view of booking bursts (many bookings from one address in a short time)
and the one action that cancels a burst: ``/coordinator/bookings/bursts``.

Thin: finding and cancelling are in :mod:`helpdesk.booking.bursts`; the citizens who left an
e-mail address get the usual cancellation e-mail, and those who left a phone number a text
message when an SMS gateway is configured, sent after the response.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from sqlmodel import Session, select
from starlette.background import BackgroundTasks
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from helpdesk.booking.bursts import Burst, cancel_burst, find_bursts
from helpdesk.booking.details import BookingDetails, booking_details
from helpdesk.booking.models import Booking, Location
from helpdesk.booking.sms import sms_enabled
from helpdesk.i18n import N_, Nn_, gettext_for
from helpdesk.routes._body import read_form
from helpdesk.routes._common import NO_STORE, guides, zone
from helpdesk.routes._db import acting_user, in_session
from helpdesk.routes.booking_views import mail_task, sms_task
from helpdesk.web.access import requires
from helpdesk.web.auth import csrf_token
from helpdesk.web.locale import page_language
from helpdesk.web.templating import render

CANCELLED = Nn_(
    "%(count)s booking from the burst was cancelled.",
    "%(count)s bookings from the burst were cancelled.",
    "count",
)
NOTHING = N_("Nothing was cancelled: those bookings were already cancelled or have passed.")


def _when(raw: object) -> dt.datetime | None:
    try:
        value = dt.datetime.fromisoformat(str(raw))
    except ValueError:
        return None
    return value if value.tzinfo else None


@requires("coordinator")
async def bursts_page(request: Request) -> Response:
    language = page_language(request)
    zone_info = zone(request)

    def work(session: Session) -> tuple[list[Burst], dict[int, str]]:
        found = find_bursts(session)
        places = {p.id or 0: p.name for p in session.exec(select(Location)).all()}
        return found, places

    found, places = await in_session(request, work)
    notice = None
    raw = request.query_params.get("cancelled")
    if raw is not None and raw.isdigit():
        count = int(raw)
        notice = gettext_for(language, CANCELLED if count else NOTHING, count=count)
    rows: list[dict[str, Any]] = [
        {
            "burst": burst,
            "first": burst.first.astimezone(zone_info),
            "last": burst.last.astimezone(zone_info),
            "places": sorted(places.get(i, "?") for i in burst.location_ids),
        }
        for burst in found
    ]
    context = {
        "rows": rows,
        "notice": notice,
        "csrf_token": csrf_token(request),
        "principal": request.state.principal,
        "sms": sms_enabled(request.app.state.settings),
    }
    return render(request, "coordinator/bursts.html", context, language, headers=NO_STORE)


@requires("coordinator")
async def cancel_burst_action(request: Request) -> Response:
    form = await read_form(request)
    client_hash = str(form.get("client_hash") or "")[:64]
    first, last = _when(form.get("first")), _when(form.get("last"))
    if len(client_hash) != 64 or first is None or last is None:
        return RedirectResponse("/coordinator/bookings/bursts?cancelled=0", status_code=303)
    actor = acting_user(request)
    known = await guides(request)
    zone_info = zone(request)

    def work(session: Session) -> list[tuple[Booking, BookingDetails]]:
        cancelled = cancel_burst(session, client_hash, first, last, actor=actor)
        return [(b, booking_details(session, b, b.language, zone_info, known)) for b in cancelled]

    cancelled = await in_session(request, work)
    tasks = BackgroundTasks()
    for booking, details in cancelled:
        # An e-mail to whoever gave an address, a text message to whoever gave a phone number.
        for task in (
            mail_task(request, booking, details, "cancelled"),
            sms_task(request, booking, details),
        ):
            if task is not None:
                tasks.add_task(task.func, *task.args, **task.kwargs)
    query = urlencode({"cancelled": len(cancelled)})
    return RedirectResponse(
        f"/coordinator/bookings/bursts?{query}", status_code=303, background=tasks
    )


routes = [
    Route("/coordinator/bookings/bursts", bursts_page, methods=["GET"], name="bursts"),
    Route(
        "/coordinator/bookings/bursts/cancel",
        cancel_burst_action,
        methods=["POST"],
        name="cancel_burst",
    ),
]
