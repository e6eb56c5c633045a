"""The booking API: places, session types, free slots, and bookings (``/api/v1``).

Thin: the rules are in :mod:`helpdesk.booking.service` (booking, cancelling, moving) and
:mod:`helpdesk.booking.catalog` (finding free times). The citizen's pages under ``/book`` are in
:mod:`helpdesk.routes.booking_pages`; what both use apart from handlers is in
:mod:`helpdesk.routes.booking_views`.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TypeVar

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from helpdesk import LANGUAGES
from helpdesk.booking import catalog
from helpdesk.booking.details import BookingDetails, booking_details
from helpdesk.booking.inputs import BookingCreate, BookingMove
from helpdesk.booking.models import Booking, Location, translated
from helpdesk.booking.service import (
    BookingError,
    book,
    cancel,
    find_booking,
    move,
)
from helpdesk.clock import utcnow
from helpdesk.openapi import Operation, QueryParam, operation
from helpdesk.routes._body import parse_json_body
from helpdesk.routes._common import guides, zone
from helpdesk.routes._db import in_session
from helpdesk.routes._limits import booking_limits, enforce_rate
from helpdesk.routes.api import BAD_INPUT, LANG_PARAM, wanted_language
from helpdesk.routes.booking_schemas import (
    BookingOut,
    PlaceList,
    SessionTypeList,
    SessionTypeOut,
    SlotConflict,
    SlotList,
)
from helpdesk.routes.booking_views import (
    CONTACT_HEADER,
    booking_out,
    conflict_response,
    contact_of,
    mail_task,
    parse_booking_body,
    parse_when,
    place_out,
    slot_out,
    topic_session_type,
)
from helpdesk.routes.schemas import ErrorResponse
from helpdesk.settings import Settings
from helpdesk.web.access import public
from helpdesk.web.errors import ApiError, api_error

T = TypeVar("T")

IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_PATTERN = re.compile(r"^[\x21-\x7e]{1,100}$")
MAX_SLOTS = 500

CONTACT_PARAM = QueryParam(
    "contact",
    "The phone number or e-mail given at booking (or send it in the X-Booking-Contact header, "
    "which stays out of server logs).",
)
CONTACT_HEADER_PARAM = QueryParam(
    CONTACT_HEADER, "The phone number or e-mail given at booking.", location="header"
)
CONFLICT = ("Full or no longer bookable: alternatives are listed", SlotConflict)
NOT_FOUND = ("No booking with that reference and contact", ErrorResponse)
LIMITED = (
    "Too many booking look-ups from this address (rate_limited); Retry-After says when to "
    "try again",
    ErrorResponse,
)


# --- endpoints ---------------------------------------------------------------------------------


@operation(
    Operation(
        summary="Places where sessions are held (listed ones), with addresses and accessibility",
        query=[LANG_PARAM],
        responses={200: ("The places", PlaceList), 422: BAD_INPUT},
        tags=["booking"],
    )
)
@public
async def list_locations(request: Request) -> JSONResponse:
    language = wanted_language(request)
    places = await in_session(request, catalog.locations)
    body = PlaceList(language=language, locations=[place_out(p, language) for p in places])
    return JSONResponse(body.model_dump(mode="json"), headers={"Content-Language": language})


@operation(
    Operation(
        summary="Kinds of session, their length, and the topics (guides) that lead to each",
        query=[LANG_PARAM],
        responses={200: ("The session types", SessionTypeList), 422: BAD_INPUT},
        tags=["booking"],
    )
)
@public
async def list_session_types(request: Request) -> JSONResponse:
    language = wanted_language(request)
    types = await in_session(request, catalog.session_types)
    known = await guides(request)
    items = [
        SessionTypeOut(
            slug=t.slug,
            name=translated(t.names, language) or t.slug,
            description=translated(t.descriptions, language),
            duration_minutes=t.duration_minutes,
            topics=sorted(
                slug for slug, g in known.items() if g.session_type == t.slug and g.kind == "guide"
            ),
        )
        for t in types
    ]
    body = SessionTypeList(language=language, session_types=items)
    return JSONResponse(body.model_dump(mode="json"), headers={"Content-Language": language})


@operation(
    Operation(
        summary="Free slots, soonest first, filtered by place, session type and staff language",
        query=[
            QueryParam("location", "A place's slug (unlisted places only when named here)."),
            QueryParam("session_type", 'A session type\'s slug, e.g. "digital-help".'),
            QueryParam(
                "language",
                "Only slots whose staff speak this language.",
                {"type": "string", "enum": list(LANGUAGES)},
            ),
            QueryParam("from", "From this date (local) or date-time; default now."),
            QueryParam("to", "Until the end of this date (local) or this date-time."),
            QueryParam(
                "available",
                "true (default): only slots with a free seat; false: full ones too.",
                {"type": "boolean"},
            ),
            QueryParam(
                "limit", f"At most this many (1-{MAX_SLOTS}, default 100).", {"type": "integer"}
            ),
        ],
        responses={
            200: ("The slots", SlotList),
            404: ("Unknown place", ErrorResponse),
            422: BAD_INPUT,
        },
        tags=["booking"],
    )
)
@public
async def list_slots(request: Request) -> JSONResponse:
    params = request.query_params
    zone_info = zone(request)
    language = params.get("language") or None
    if language is not None and language not in LANGUAGES:
        raise ApiError(422, "unknown_language")
    start = parse_when(params.get("from"), zone_info)
    end = parse_when(params.get("to"), zone_info, end_of_day=True)
    available = params.get("available", "true").lower()
    if available not in ("true", "false"):
        raise ApiError(422, "invalid_request")
    try:
        limit = int(params.get("limit", "100"))
    except ValueError as exc:
        raise ApiError(422, "invalid_request") from exc
    if not 1 <= limit <= MAX_SLOTS:
        raise ApiError(422, "invalid_request")
    settings: Settings = request.app.state.settings
    now = utcnow()
    horizon = now + dt.timedelta(weeks=settings.booking_weeks_ahead + 1)

    def work(session: Session) -> list[catalog.SlotView]:
        location = None
        if params.get("location"):
            location = catalog.location_by_slug(session, params["location"])
            if location is None:
                raise ApiError(404, "location_not_found")
        session_type = None
        if params.get("session_type"):
            session_type = catalog.session_type_by_slug(session, params["session_type"])
            if session_type is None:
                raise ApiError(422, "unknown_session_type")
        return catalog.find_slots(
            session,
            zone_info,
            now,
            session_type=session_type,
            location=location,
            language=language,
            start=start,
            end=min(end, horizon) if end else horizon,
            available_only=available == "true",
            limit=limit,
        )

    views = await in_session(request, work)
    return JSONResponse(SlotList(slots=[slot_out(v) for v in views]).model_dump(mode="json"))


async def _respond_with_booking(
    request: Request,
    booking: Booking,
    status_code: int,
    mail_kind: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    known = await guides(request)
    settings: Settings = request.app.state.settings

    def work(session: Session) -> tuple[BookingDetails, Location]:
        details = booking_details(session, booking, booking.language, zone(request), known)
        location = session.get(Location, booking.location_id)
        assert location is not None
        return details, location

    details, location = await in_session(request, work)
    body = booking_out(settings, booking, details, location)
    return JSONResponse(
        body.model_dump(mode="json"),
        status_code,
        headers={
            "Content-Language": booking.language,
            "Cache-Control": "no-store",
            **(headers or {}),
        },
        background=mail_task(request, booking, details, mail_kind) if mail_kind else None,
    )


async def _conflict(request: Request, error: BookingError) -> JSONResponse:
    views = await in_session(
        request, lambda s: catalog.slot_views(s, error.alternatives, zone(request))
    )
    return conflict_response(request, error, views)


@operation(
    Operation(
        summary="Book a seat in a slot; an Idempotency-Key header makes a repeated submit safe",
        body=BookingCreate,
        query=[
            QueryParam(
                IDEMPOTENCY_HEADER,
                "Any unique string (a UUID): a repeat with the same key and body returns the "
                "same booking (with Idempotent-Replayed: true) instead of a second one.",
                location="header",
            )
        ],
        responses={
            201: ("Booked", BookingOut),
            404: ("No such slot", ErrorResponse),
            409: CONFLICT,
            413: BAD_INPUT,
            415: BAD_INPUT,
            422: BAD_INPUT,
            429: (
                "Refused by a booking limit: booking_limit_contact (this phone number or "
                "e-mail holds the most future bookings allowed) or booking_limit_address (too "
                "many bookings from this network address in the last hour); Retry-After says "
                "when to try again, the message how to book by phone or at a desk",
                ErrorResponse,
            ),
        },
        tags=["booking"],
    )
)
@public
async def create_booking(request: Request) -> Response:
    body = await parse_booking_body(request, BookingCreate)
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is not None and not IDEMPOTENCY_PATTERN.fullmatch(key):
        raise ApiError(422, "invalid_idempotency_key")
    known = await guides(request)
    wanted_type = topic_session_type(known, body.topic)
    booking_request = body.request()
    limits = booking_limits(request)
    try:
        outcome = await in_session(
            request,
            lambda s: book(
                s,
                booking_request,
                idempotency_key=key,
                topic_session_type=wanted_type,
                limits=limits,
            ),
        )
    except BookingError as error:
        if error.alternatives or error.code in ("slot_full", "slot_unavailable"):
            return await _conflict(request, error)
        raise api_error(error) from error
    if outcome.replayed:
        return await _respond_with_booking(
            request, outcome.booking, 201, headers={"Idempotent-Replayed": "true"}
        )
    return await _respond_with_booking(request, outcome.booking, 201, mail_kind="booked")


BOOKING_QUERY = [CONTACT_PARAM, CONTACT_HEADER_PARAM]


@operation(
    Operation(
        summary="A booking, given its reference and the phone or e-mail it was made with",
        query=BOOKING_QUERY,
        responses={
            200: ("The booking", BookingOut),
            404: NOT_FOUND,
            422: BAD_INPUT,
            429: LIMITED,
        },
        tags=["booking"],
    )
)
@public
async def get_booking(request: Request) -> Response:
    await enforce_rate(request, "lookup")
    contact = contact_of(request)
    reference = request.path_params["reference"]
    try:
        booking = await in_session(request, lambda s: find_booking(s, reference, contact))
    except BookingError as error:
        raise api_error(error) from error
    return await _respond_with_booking(request, booking, 200)


@operation(
    Operation(
        summary="Cancel a booking (the seat is freed at once); cancelling twice is harmless",
        query=BOOKING_QUERY,
        responses={
            200: ("Cancelled", BookingOut),
            404: NOT_FOUND,
            409: ("The session has started or passed", ErrorResponse),
            422: BAD_INPUT,
            429: LIMITED,
        },
        tags=["booking"],
    )
)
@public
async def cancel_booking(request: Request) -> Response:
    await enforce_rate(request, "lookup")
    contact = contact_of(request)
    reference = request.path_params["reference"]

    try:
        change = await in_session(request, lambda s: cancel(s, reference, contact))
    except BookingError as error:
        raise api_error(error) from error
    return await _respond_with_booking(
        request, change.booking, 200, mail_kind="cancelled" if change.changed else None
    )


@operation(
    Operation(
        summary="Move a booking to another slot of the same session type, atomically",
        body=BookingMove,
        query=BOOKING_QUERY,
        responses={
            200: ("Moved", BookingOut),
            404: NOT_FOUND,
            409: CONFLICT,
            422: BAD_INPUT,
            429: LIMITED,
        },
        tags=["booking"],
    )
)
@public
async def move_booking(request: Request) -> Response:
    await enforce_rate(request, "lookup")
    contact = contact_of(request)
    reference = request.path_params["reference"]
    body = await parse_json_body(request, BookingMove)

    try:
        change = await in_session(request, lambda s: move(s, reference, contact, body.slot_id))
    except BookingError as error:
        if error.code in ("slot_full", "slot_unavailable"):
            return await _conflict(request, error)
        raise api_error(error) from error
    return await _respond_with_booking(
        request, change.booking, 200, mail_kind="moved" if change.changed else None
    )


routes = [
    Route("/api/v1/locations", list_locations, methods=["GET"], name="list_locations"),
    Route("/api/v1/session-types", list_session_types, methods=["GET"], name="list_session_types"),
    Route("/api/v1/slots", list_slots, methods=["GET"], name="list_slots"),
    Route("/api/v1/bookings", create_booking, methods=["POST"], name="create_booking"),
    Route("/api/v1/bookings/{reference}", get_booking, methods=["GET"], name="get_booking"),
    Route(
        "/api/v1/bookings/{reference}", cancel_booking, methods=["DELETE"], name="cancel_booking"
    ),
    Route("/api/v1/bookings/{reference}", move_booking, methods=["PATCH"], name="move_booking"),
]
