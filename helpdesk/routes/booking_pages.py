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
from urllib.parse import urlencode

from pydantic import ValidationError
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from helpdesk import LANGUAGES
from helpdesk.booking import catalog
from helpdesk.booking.details import BookingDetails, booking_details
from helpdesk.booking.inputs import BookingCreate
from helpdesk.booking.models import Booking, translated
from helpdesk.booking.receipt import booking_for_receipt, receipt_token
from helpdesk.booking.service import (
    BookingError,
    BookingLimitReached,
    book,
)
from helpdesk.clock import utcnow
from helpdesk.errors import field_errors
from helpdesk.i18n import gettext_for, native_name
from helpdesk.routes._body import read_form
from helpdesk.routes._common import guides, zone
from helpdesk.routes._db import in_session
from helpdesk.routes._limits import booking_limits
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
    session_type_view,
    slot_id_of,
    slot_view,
    spoken,
)
from helpdesk.routes.kiosk import frame_context
from helpdesk.settings import Settings
from helpdesk.web.access import public
from helpdesk.web.errors import MESSAGES, error_context
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


def private_page(
    request: Request,
    template: str,
    context: dict[str, Any],
    language: str,
    status_code: int = 200,
) -> Response:
    flow = context.get("flow") or flow_params(request.query_params, language)
    if flow.get("channel") == "kiosk":
        # Reached from the kiosk: the page stays in the kiosk frame (bar, idle reset, receipt).
        context = {"kiosk": frame_context(request, language, flow.get("near", "")), **context}
    return render(
        request, template, context, language, status_code=status_code, headers=PRIVATE_PAGE
    )


def not_found_page(request: Request, language: str) -> Response:
    """The error page for a time, booking or receipt that is not there (a private page)."""
    context = error_context(request, 404, "not_found", language)
    return private_page(request, "error.html", context, language, status_code=404)


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
    # By default the citizen's own language, where staff speak it ("speaks=" asks for any
    # language). Danish is every member of staff's working language: no filter needed.
    preferred = language if "speaks" not in params and language != "da" else None
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

        def free(staff_language: str | None) -> list[catalog.SlotView]:
            if chosen_type is None:
                return []
            return catalog.find_slots(
                session,
                zone_info,
                now,
                session_type=chosen_type,
                location=chosen,
                language=staff_language,
                end=horizon,
                limit=400,
            )

        slots = free(speaks or preferred)
        nobody_speaks = bool(preferred and not slots)
        if nobody_speaks:
            slots = free(None)  # nobody speaks it: every time, and a plain word about it
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
            "speaks": speaks or (None if nobody_speaks else preferred),
            "nobody_speaks": native_name(preferred) if preferred and nobody_speaks else None,
        }

    context = await in_session(request, work)
    context.update(
        {
            "flow": flow,
            "topic": topic,
            "speaks_default": bool(preferred and not context["nobody_speaks"]),
            "speaks_name": native_name(context["speaks"]) if context["speaks"] else None,
            "staff_languages": language_choices(),
            "language_names": language_names(),
            "weeks": settings.booking_weeks_ahead,
            "extra_params": {k: v for k, v in params.items() if k != "lang"},
        }
    )
    return private_page(request, "booking/search.html", context, language)


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
        return not_found_page(request, language)
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
    return private_page(request, "booking/form.html", context, language, status_code)


@public
async def slot_form(request: Request) -> Response:
    language = page_language(request)
    slot_id = slot_id_of(request)
    if slot_id is None:
        return not_found_page(request, language)
    return await _form_page(request, slot_id, language, flow_params(request.query_params, language))


def error_message(code: str, language: str) -> str:
    return gettext_for(language, MESSAGES[code])


@public
async def submit_booking(request: Request) -> Response:
    form = await read_form(request)
    language = form_language(request, form)
    flow = flow_params(form, language)
    slot_id = slot_id_of(request)
    if slot_id is None:
        return not_found_page(request, language)
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
            return not_found_page(request, language)
        errors = {"form": error_message(error.code, language)}
        if isinstance(error, BookingLimitReached):
            # The form again with everything typed, the message saying how else to book.
            page = await _form_page(request, slot_id, language, flow, values, errors, 429)
            page.headers["Retry-After"] = str(error.retry_after)
            return page
        return await _form_page(request, slot_id, language, flow, values, errors, 422)
    settings: Settings = request.app.state.settings
    token = receipt_token(settings, outcome.booking)
    response = RedirectResponse(
        f"/book/receipt/{token}?{urlencode(flow)}", status_code=303, headers=PRIVATE_PAGE
    )
    if not outcome.replayed:
        details = await details_for(request, outcome.booking, outcome.booking.language)
        response.background = mail_task(request, outcome.booking, details, "booked")
    return response


async def _taken_page(
    request: Request, error: BookingError, language: str, flow: dict[str, str]
) -> Response:
    views = await in_session(
        request, lambda s: catalog.slot_views(s, error.alternatives, zone(request))
    )
    context = {
        "message": error_message(error.code, language),
        "alternatives": views,
        "flow": flow,
        "language_names": language_names(),
    }
    return private_page(request, "booking/taken.html", context, language, status_code=409)


async def details_for(request: Request, booking: Booking, language: str) -> BookingDetails:
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
        return not_found_page(request, language)
    details = await details_for(request, booking, language)
    context = {
        "booking": details,
        "reference_spoken": spoken(details.reference),
        "calendar_url": f"/book/receipt/{token}/calendar.ics",
        "manage_url": f"/book/manage?lang={language}",
        "emailed": bool(booking.email and settings.smtp_host),
        "flow": flow_params(request.query_params, language),
    }
    return private_page(request, "booking/receipt.html", context, language)


@public
async def receipt_calendar(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    token = request.path_params["token"]
    booking = await in_session(request, lambda s: booking_for_receipt(s, settings, token))
    if booking is None:
        return not_found_page(request, page_language(request))
    details = await details_for(request, booking, booking.language)
    body = calendar_for(request, details, booking)
    filename = f"booking-{(details.reference or 'helpdesk').replace('-', '')}.ics"
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={**PRIVATE_PAGE, "Content-Disposition": f'attachment; filename="{filename}"'},
    )


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
]
