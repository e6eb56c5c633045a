"""The citizen's booking pages under ``/book``: server-rendered, plain forms, no JavaScript.

Flow: ``/book`` (soonest free times, filters) → ``/book/slots/{id}`` (a short form) →
``/book/receipt/{token}`` (reference, time and place, what to bring, .ics). ``/book/manage``
cancels or moves with the reference and the phone or e-mail. A triage hand-off arrives as
``/book?topic=<guide>&lang=<xx>``; a kiosk adds ``channel=kiosk`` and ``near=<its place>``.

These pages set no cookie and are never cached: they may be used on a shared kiosk.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from helpdesk import LANGUAGES
from helpdesk.booking import catalog
from helpdesk.booking.details import BookingDetails, booking_details
from helpdesk.booking.inputs import BookingCreate
from helpdesk.booking.models import Booking, Slot, translated
from helpdesk.booking.receipt import booking_for_receipt, receipt_token
from helpdesk.booking.service import (
    BookingError,
    BookingLimitReached,
    alternative_slots,
    book,
    cancel,
    find_booking,
    move,
)
from helpdesk.clock import utcnow
from helpdesk.dbtypes import parse_row_id
from helpdesk.errors import field_errors
from helpdesk.i18n import gettext_for, native_name
from helpdesk.routes._common import guides, zone
from helpdesk.routes._db import in_session
from helpdesk.routes._limits import booking_limits, check_rate
from helpdesk.routes.booking_views import (
    calendar_for,
    checked,
    flow_params,
    form_errors,
    form_language,
    guide_context,
    language_choices,
    language_names,
    mail_task,
    manage_fields,
    session_type_view,
    slot_id_of,
    slot_view,
    spoken,
)
from helpdesk.settings import Settings
from helpdesk.web.access import public
from helpdesk.web.errors import MESSAGES
from helpdesk.web.locale import page_language
from helpdesk.web.templating import render

#: A citizen's booking pages: never cached, and their address (a receipt token) never sent on.
PRIVATE_PAGE = {
    "Cache-Control": "no-store, max-age=0",
    "Referrer-Policy": "no-referrer",
}
PER_PLACE = 4
PER_CHOSEN_PLACE = 16
MOVE_CHOICES = 8


def _page(
    request: Request,
    template: str,
    context: dict[str, Any],
    language: str,
    status_code: int = 200,
) -> Response:
    return render(
        request, template, context, language, status_code=status_code, headers=PRIVATE_PAGE
    )


@public
async def search(request: Request) -> Response:
    """The soonest free times, by place; filters for place, kind of session, staff language."""
    language = page_language(request)
    params = request.query_params
    flow = flow_params(params, language)
    known = await guides(request)
    topic = guide_context(known, flow.get("topic"), language)
    if topic is None:
        flow.pop("topic", None)
    speaks = params.get("speaks") if params.get("speaks") in LANGUAGES else None
    settings: Settings = request.app.state.settings
    now = utcnow()
    horizon = now + dt.timedelta(weeks=settings.booking_weeks_ahead)
    zone_info = zone(request)

    def work(session: Session) -> dict[str, Any]:
        types = catalog.session_types(session)
        wanted_type = topic["session_type"] if topic else params.get("session_type")
        chosen_type = next((t for t in types if t.slug == wanted_type), None)
        if chosen_type is None:
            chosen_type = next((t for t in types if t.slug == "digital-help"), None)
        if chosen_type is None and types:
            chosen_type = types[0]
        chosen = (
            catalog.location_by_slug(session, params["location"])
            if params.get("location")
            else None
        )
        near = catalog.location_by_slug(session, flow["near"]) if "near" in flow else None
        slots = (
            catalog.find_slots(
                session,
                zone_info,
                now,
                session_type=chosen_type,
                location=chosen,
                language=speaks,
                end=horizon,
                limit=400,
            )
            if chosen_type is not None
            else []
        )
        places = catalog.by_place(
            slots, near=chosen or near, per_place=PER_CHOSEN_PLACE if chosen else PER_PLACE
        )
        listed = catalog.locations(session)
        if chosen is not None and chosen not in listed:
            listed = [chosen, *listed]
        return {
            "session_types": [session_type_view(t, language) for t in types],
            "session_type": session_type_view(chosen_type, language) if chosen_type else None,
            "places": places,
            "locations": listed,
            "chosen_location": chosen,
            "drop_in": [
                {"name": loc.name, "text": translated(loc.drop_in, language)}
                for loc in listed
                if translated(loc.drop_in, language)
            ],
            "citizen_service": next((loc for loc in listed if loc.kind == "citizen-service"), None),
        }

    context = await in_session(request, work)
    context.update(
        {
            "flow": flow,
            "topic": topic,
            "speaks": speaks,
            "speaks_name": native_name(speaks) if speaks else None,
            "staff_languages": language_choices(),
            "language_names": language_names(),
            "weeks": settings.booking_weeks_ahead,
            "extra_params": {k: v for k, v in params.items() if k != "lang"},
        }
    )
    return _page(request, "booking/search.html", context, language)


async def _form_page(
    request: Request,
    slot_id: int,
    language: str,
    flow: dict[str, str],
    values: Mapping[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    view = await in_session(request, lambda s: slot_view(s, slot_id, request))
    if view is None:
        return _page(request, "not_found.html", {}, language, status_code=404)
    known = await guides(request)
    topic = guide_context(known, flow.get("topic"), language)
    values = dict(values or {})
    values.setdefault("language", request.query_params.get("speaks") or language)
    context = {
        "slot": view,
        "session_type": session_type_view(view.session_type, language),
        "flow": flow,
        "topic": topic,
        "values": values,
        "errors": errors or {},
        "form_key": values.get("form_key") or "form-" + secrets.token_urlsafe(18),
        "booking_languages": language_choices(),
        "location_notes": translated(view.location.notes, language),
        "retention_days": request.app.state.settings.booking_retention_days,
        "extra_params": {k: v for k, v in request.query_params.items() if k != "lang"},
    }
    return _page(request, "booking/form.html", context, language, status_code)


@public
async def slot_form(request: Request) -> Response:
    language = page_language(request)
    slot_id = slot_id_of(request)
    if slot_id is None:
        return _page(request, "not_found.html", {}, language, status_code=404)
    return await _form_page(request, slot_id, language, flow_params(request.query_params, language))


def _message(code: str, language: str) -> str:
    return gettext_for(language, MESSAGES[code])


@public
async def submit_booking(request: Request) -> Response:
    form = await request.form()
    language = form_language(request, form)
    flow = flow_params(form, language)
    slot_id = slot_id_of(request)
    if slot_id is None:
        return _page(request, "not_found.html", {}, language, status_code=404)
    values = {
        key: str(form.get(key) or "")
        for key in ("name", "phone", "email", "language", "note", "form_key")
    }
    values.update({key: checked(form, key) for key in ("interpreter", "wheelchair", "own_device")})  # type: ignore[misc]
    booking_language = values["language"] if values["language"] in LANGUAGES else language
    known = await guides(request)
    topic = guide_context(known, flow.get("topic"), language)
    # The API's input model checks the form too: the input rules live in one place.
    try:
        body = BookingCreate.model_validate(
            {
                "slot_id": slot_id,
                "name": values["name"],
                "phone": values["phone"] or None,
                "email": values["email"] or None,
                "language": booking_language,
                "topic": topic["slug"] if topic else None,
                "needs": {
                    "interpreter": values["interpreter"],
                    "wheelchair": values["wheelchair"],
                    "own_device": values["own_device"],
                    "note": values["note"] or None,
                },
                "channel": flow.get("channel", "web"),
            }
        )
    except ValidationError as exc:
        errors = form_errors(field_errors(exc), language)
        return await _form_page(request, slot_id, language, flow, values, errors, 422)
    form_key = str(values["form_key"])
    request_data = body.request()
    limits = booking_limits(request)
    try:
        outcome = await in_session(
            request,
            lambda s: book(
                s,
                request_data,
                # A double click on "Book" sends the same form twice: one booking.
                idempotency_key=form_key if form_key.startswith("form-") else None,
                topic_session_type=topic["session_type"] if topic else None,
                limits=limits,
            ),
        )
    except BookingError as error:
        if error.code in ("slot_full", "slot_unavailable"):
            return await _taken_page(request, error, language, flow)
        if error.code == "slot_not_found":
            return _page(request, "not_found.html", {}, language, status_code=404)
        errors = {"form": _message(error.code, language)}
        if isinstance(error, BookingLimitReached):
            # The form again with everything typed, the message saying how else to book.
            page = await _form_page(request, slot_id, language, flow, values, errors, 429)
            page.headers["Retry-After"] = str(error.retry_after)
            return page
        return await _form_page(request, slot_id, language, flow, values, errors, 422)
    settings: Settings = request.app.state.settings
    token = receipt_token(settings, outcome.booking)
    response = RedirectResponse(
        f"/book/receipt/{token}?lang={language}", status_code=303, headers=PRIVATE_PAGE
    )
    if not outcome.replayed:
        details = await _details(request, outcome.booking, outcome.booking.language)
        response.background = mail_task(request, outcome.booking, details, "booked")
    return response


async def _taken_page(
    request: Request, error: BookingError, language: str, flow: dict[str, str]
) -> Response:
    views = await in_session(
        request, lambda s: catalog.slot_views(s, error.alternatives, zone(request))
    )
    context = {
        "message": _message(error.code, language),
        "alternatives": views,
        "flow": flow,
        "language_names": language_names(),
    }
    return _page(request, "booking/taken.html", context, language, status_code=409)


async def _details(request: Request, booking: Booking, language: str) -> BookingDetails:
    known = await guides(request)
    return await in_session(
        request, lambda s: booking_details(s, booking, language, zone(request), known)
    )


@public
async def receipt(request: Request) -> Response:
    language = page_language(request)
    settings: Settings = request.app.state.settings
    token = request.path_params["token"]
    booking = await in_session(request, lambda s: booking_for_receipt(s, settings, token))
    if booking is None:
        return _page(request, "not_found.html", {}, language, status_code=404)
    details = await _details(request, booking, language)
    context = {
        "booking": details,
        "reference_spoken": spoken(details.reference),
        "calendar_url": f"/book/receipt/{token}/calendar.ics",
        "manage_url": f"/book/manage?lang={language}",
        "emailed": bool(booking.email and settings.smtp_host),
        "flow": flow_params(request.query_params, language),
    }
    return _page(request, "booking/receipt.html", context, language)


@public
async def receipt_calendar(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    token = request.path_params["token"]
    booking = await in_session(request, lambda s: booking_for_receipt(s, settings, token))
    if booking is None:
        return _page(request, "not_found.html", {}, page_language(request), status_code=404)
    details = await _details(request, booking, booking.language)
    body = calendar_for(request, details, booking)
    filename = f"booking-{(details.reference or 'helpdesk').replace('-', '')}.ics"
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={**PRIVATE_PAGE, "Content-Disposition": f'attachment; filename="{filename}"'},
    )


# --- cancel or move ----------------------------------------------------------------------------


@public
async def manage_form(request: Request) -> Response:
    language = page_language(request)
    context = {"values": {}, "error": None, "flow": flow_params(request.query_params, language)}
    return _page(request, "booking/manage.html", context, language)


async def _booking_page(
    request: Request,
    booking: Booking,
    reference: str,
    contact: str,
    language: str,
    message: str | None = None,
    status_code: int = 200,
) -> Response:
    details = await _details(request, booking, language)
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
    return _page(request, "booking/manage_booking.html", context, language, status_code)


async def _lookup_limited(request: Request, form: FormData, language: str) -> Response | None:
    """The look-up form with the "too many requests" message (429), when this address has
    looked up too many bookings (guessing references); None when within the limit."""
    decision = await check_rate(request, "lookup")
    if decision.allowed:
        return None
    context = {
        "values": {"reference": str(form.get("reference") or "")[:20]},
        "error": _message("rate_limited", language),
        "flow": flow_params(form, language),
    }
    page = _page(request, "booking/manage.html", context, language, status_code=429)
    page.headers["Retry-After"] = str(decision.retry_after)
    return page


@public
async def manage_lookup(request: Request) -> Response:
    form = await request.form()
    language = form_language(request, form)
    if (limited := await _lookup_limited(request, form, language)) is not None:
        return limited
    reference, contact = manage_fields(form)
    try:
        booking = await in_session(request, lambda s: find_booking(s, reference, contact))
    except BookingError as error:
        context = {
            "values": {"reference": reference, "contact": contact},
            "error": _message(error.code, language),
            "flow": flow_params(form, language),
        }
        return _page(request, "booking/manage.html", context, language, status_code=404)
    return await _booking_page(request, booking, reference, contact, language)


@public
async def manage_cancel(request: Request) -> Response:
    form = await request.form()
    language = form_language(request, form)
    if (limited := await _lookup_limited(request, form, language)) is not None:
        return limited
    reference, contact = manage_fields(form)
    try:
        change = await in_session(request, lambda s: cancel(s, reference, contact))
    except BookingError as error:
        if error.code == "booking_not_found":
            context = {
                "values": {"reference": reference},
                "error": _message(error.code, language),
                "flow": flow_params(form, language),
            }
            return _page(request, "booking/manage.html", context, language, status_code=404)
        booking = await in_session(request, lambda s: find_booking(s, reference, contact))
        return await _booking_page(
            request, booking, reference, contact, language, _message(error.code, language), 409
        )
    details = await _details(request, change.booking, language)
    response = _page(
        request,
        "booking/cancelled.html",
        {"booking": details, "flow": flow_params(form, language)},
        language,
    )
    if change.changed:
        mail_details = await _details(request, change.booking, change.booking.language)
        response.background = mail_task(request, change.booking, mail_details, "cancelled")
    return response


@public
async def manage_move(request: Request) -> Response:
    form = await request.form()
    language = form_language(request, form)
    if (limited := await _lookup_limited(request, form, language)) is not None:
        return limited
    reference, contact = manage_fields(form)
    raw_slot = str(form.get("slot_id") or "")
    try:
        booking = await in_session(request, lambda s: find_booking(s, reference, contact))
    except BookingError as error:
        context = {
            "values": {"reference": reference},
            "error": _message(error.code, language),
            "flow": flow_params(form, language),
        }
        return _page(request, "booking/manage.html", context, language, status_code=404)
    slot_id = parse_row_id(raw_slot)
    if slot_id is None:
        return await _booking_page(
            request,
            booking,
            reference,
            contact,
            language,
            _message("choose_a_time", language),
            422,
        )
    try:
        change = await in_session(request, lambda s: move(s, reference, contact, slot_id))
    except BookingError as error:
        booking = await in_session(request, lambda s: find_booking(s, reference, contact))
        return await _booking_page(
            request, booking, reference, contact, language, _message(error.code, language), 409
        )
    settings: Settings = request.app.state.settings
    token = receipt_token(settings, change.booking)
    response = RedirectResponse(
        f"/book/receipt/{token}?lang={language}", status_code=303, headers=PRIVATE_PAGE
    )
    if change.changed:
        details = await _details(request, change.booking, change.booking.language)
        response.background = mail_task(request, change.booking, details, "moved")
    return response


routes = [
    Route("/book", search, methods=["GET"], name="book"),
    Route("/book/slots/{slot_id}", slot_form, methods=["GET"], name="book_slot_form"),
    Route("/book/slots/{slot_id}", submit_booking, methods=["POST"], name="book_slot"),
    Route("/book/receipt/{token}", receipt, methods=["GET"], name="book_receipt"),
    Route(
        "/book/receipt/{token}/calendar.ics",
        receipt_calendar,
        methods=["GET"],
        name="book_receipt_calendar",
    ),
    Route("/book/manage", manage_form, methods=["GET"], name="book_manage_form"),
    Route("/book/manage", manage_lookup, methods=["POST"], name="book_manage"),
    Route("/book/manage/cancel", manage_cancel, methods=["POST"], name="book_cancel"),
    Route("/book/manage/move", manage_move, methods=["POST"], name="book_move"),
]
