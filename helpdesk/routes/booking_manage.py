"""The citizen's "cancel or move a booking" pages under ``/book/manage``: the reference and the
phone or e-mail the booking was made with find it (look-ups are rate-limited per address, so that
references cannot be guessed); cancelling frees the seat, moving offers the nearest times of the
same kind.

These pages set no cookie and are never cached: they may be used on a shared kiosk.
"""

from __future__ import annotations

from urllib.parse import urlencode

from sqlmodel import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from helpdesk.booking import catalog
from helpdesk.booking.models import Booking, Slot
from helpdesk.booking.receipt import receipt_token
from helpdesk.booking.service import (
    BookingError,
    alternative_slots,
    cancel,
    find_booking,
    move,
)
from helpdesk.clock import utcnow
from helpdesk.dbtypes import parse_row_id
from helpdesk.routes._body import read_form
from helpdesk.routes._common import zone
from helpdesk.routes._db import in_session
from helpdesk.routes._limits import check_rate
from helpdesk.routes.booking_pages import (
    MOVE_CHOICES,
    PRIVATE_PAGE,
    details_for,
    error_message,
    private_page,
)
from helpdesk.routes.booking_views import (
    flow_params,
    form_language,
    mail_task,
    manage_fields,
)
from helpdesk.settings import Settings
from helpdesk.web.access import public
from helpdesk.web.locale import page_language


@public
async def manage_form(request: Request) -> Response:
    language = page_language(request)
    context = {"values": {}, "error": None, "flow": flow_params(request.query_params, language)}
    return private_page(request, "booking/manage.html", context, language)


async def _booking_page(
    request: Request,
    booking: Booking,
    reference: str,
    contact: str,
    language: str,
    message: str | None = None,
    status_code: int = 200,
) -> Response:
    details = await details_for(request, booking, language)
    choices: list[catalog.SlotView] = []
    if booking.status == "booked" and booking.starts_at > utcnow():

        def alternatives(session: Session) -> list[catalog.SlotView]:
            current = session.get(Slot, booking.slot_id) if booking.slot_id else None
            if current is None:
                return []
            found = alternative_slots(session, current, utcnow(), limit=MOVE_CHOICES)
            return catalog.slot_views(session, found, zone(request))

        choices = await in_session(request, alternatives)
    context = {
        "booking": details,
        "reference": reference,
        "contact": contact,
        "choices": choices,
        "message": message,
        "changeable": booking.status == "booked" and booking.starts_at > utcnow(),
        "flow": flow_params(request.query_params, language),
    }
    return private_page(request, "booking/manage_booking.html", context, language, status_code)


def _lookup_form(
    request: Request,
    form: FormData,
    language: str,
    values: dict[str, str],
    code: str,
    status_code: int,
) -> Response:
    """The look-up form again, with what to keep of what was typed and why it failed."""
    context = {
        "values": values,
        "error": error_message(code, language),
        "flow": flow_params(form, language),
    }
    return private_page(request, "booking/manage.html", context, language, status_code=status_code)


async def _lookup_limited(request: Request, form: FormData, language: str) -> Response | None:
    """The look-up form with the "too many requests" message (429), when this address has
    looked up too many bookings (guessing references); None when within the limit."""
    decision = await check_rate(request, "lookup")
    if decision.allowed:
        return None
    values = {"reference": str(form.get("reference") or "")[:20]}
    page = _lookup_form(request, form, language, values, "rate_limited", 429)
    page.headers["Retry-After"] = str(decision.retry_after)
    return page


@public
async def manage_lookup(request: Request) -> Response:
    form = await read_form(request)
    language = form_language(request, form)
    if (limited := await _lookup_limited(request, form, language)) is not None:
        return limited
    reference, contact = manage_fields(form)
    try:
        booking = await in_session(request, lambda s: find_booking(s, reference, contact))
    except BookingError as error:
        values = {"reference": reference, "contact": contact}
        return _lookup_form(request, form, language, values, error.code, 404)
    return await _booking_page(request, booking, reference, contact, language)


@public
async def manage_cancel(request: Request) -> Response:
    form = await read_form(request)
    language = form_language(request, form)
    if (limited := await _lookup_limited(request, form, language)) is not None:
        return limited
    reference, contact = manage_fields(form)
    try:
        change = await in_session(request, lambda s: cancel(s, reference, contact))
    except BookingError as error:
        if error.code == "booking_not_found":
            values = {"reference": reference}
            return _lookup_form(request, form, language, values, error.code, 404)
        booking = await in_session(request, lambda s: find_booking(s, reference, contact))
        return await _booking_page(
            request, booking, reference, contact, language, error_message(error.code, language), 409
        )
    details = await details_for(request, change.booking, language)
    response = private_page(
        request,
        "booking/cancelled.html",
        {"booking": details, "flow": flow_params(form, language)},
        language,
    )
    if change.changed:
        mail_details = await details_for(request, change.booking, change.booking.language)
        response.background = mail_task(request, change.booking, mail_details, "cancelled")
    return response


@public
async def manage_move(request: Request) -> Response:
    form = await read_form(request)
    language = form_language(request, form)
    if (limited := await _lookup_limited(request, form, language)) is not None:
        return limited
    reference, contact = manage_fields(form)
    raw_slot = str(form.get("slot_id") or "")
    try:
        booking = await in_session(request, lambda s: find_booking(s, reference, contact))
    except BookingError as error:
        return _lookup_form(request, form, language, {"reference": reference}, error.code, 404)
    slot_id = parse_row_id(raw_slot)
    if slot_id is None:
        return await _booking_page(
            request,
            booking,
            reference,
            contact,
            language,
            error_message("choose_a_time", language),
            422,
        )
    try:
        change = await in_session(request, lambda s: move(s, reference, contact, slot_id))
    except BookingError as error:
        booking = await in_session(request, lambda s: find_booking(s, reference, contact))
        return await _booking_page(
            request, booking, reference, contact, language, error_message(error.code, language), 409
        )
    settings: Settings = request.app.state.settings
    token = receipt_token(settings, change.booking)
    response = RedirectResponse(
        f"/book/receipt/{token}?{urlencode(flow_params(form, language))}",
        status_code=303,
        headers=PRIVATE_PAGE,
    )
    if change.changed:
        details = await details_for(request, change.booking, change.booking.language)
        response.background = mail_task(request, change.booking, details, "moved")
    return response


routes = [
    Route("/book/manage", manage_form, methods=["GET"], name="book_manage_form"),
    Route("/book/manage", manage_lookup, methods=["POST"], name="book_manage"),
    Route("/book/manage/cancel", manage_cancel, methods=["POST"], name="book_cancel"),
    Route("/book/manage/move", manage_move, methods=["POST"], name="book_move"),
]
