"""The booking API: places, session types, free slots, and bookings (``/api/v1``).

Thin: the rules are in :mod:`helpdesk.booking.service` (booking, cancelling, moving) and
:mod:`helpdesk.booking.catalog` (finding free times). The citizen's pages under ``/book`` are in
:mod:`helpdesk.routes.booking_pages` and share the helpers here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from functools import cache
from typing import TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlmodel import Session
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from helpdesk import LANGUAGES
from helpdesk.booking import catalog
from helpdesk.booking.contact import InvalidContact, normalise_email, normalise_phone
from helpdesk.booking.details import BookingDetails, booking_details
from helpdesk.booking.ics import booking_calendar
from helpdesk.booking.mail import confirmation_message, mail_enabled, send
from helpdesk.booking.models import Booking, Location, translated
from helpdesk.booking.service import (
    BookingError,
    BookingLimitReached,
    BookingRequest,
    Needs,
    book,
    cancel,
    find_booking,
    move,
)
from helpdesk.dbtypes import parse_row_id
from helpdesk.errors import ApiError, error_body, request_language
from helpdesk.kb.content import Guide
from helpdesk.kb.models import utcnow
from helpdesk.openapi import Operation, QueryParam, operation
from helpdesk.routes._body import parse_json_body
from helpdesk.routes._db import in_session
from helpdesk.routes.api import BAD_INPUT, LANG_PARAM, wanted_language
from helpdesk.routes.booking_schemas import (
    BookingCreate,
    BookingMove,
    BookingOut,
    NeedsIn,
    NeedsOut,
    PlaceList,
    PlaceOut,
    SessionTypeList,
    SessionTypeOut,
    SessionTypeRef,
    SlotConflict,
    SlotList,
    SlotOut,
)
from helpdesk.routes.schemas import ErrorResponse
from helpdesk.settings import Settings
from helpdesk.web.access import public
from helpdesk.web.ratelimit import booking_limits, enforce_rate

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

CONTACT_HEADER = "X-Booking-Contact"
IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_PATTERN = re.compile(r"^[\x21-\x7e]{1,100}$")
MAX_SLOTS = 500
RECEIPT_SALT = "helpdesk-booking-receipt"

ERROR_STATUS = {
    "slot_not_found": 404,
    "location_not_found": 404,
    "booking_not_found": 404,
    "slot_full": 409,
    "slot_unavailable": 409,
    "booking_not_changeable": 409,
    "booking_changed": 409,
    "idempotency_key_reused": 422,
    "topic_needs_other_session_type": 422,
    "move_other_session_type": 422,
    "contact_required": 422,
    "unknown_session_type": 422,
    "invalid_request": 422,
    "booking_limit_contact": 429,
    "booking_limit_address": 429,
}

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


# --- shared helpers (API and pages) ------------------------------------------------------------


@cache
def zone_named(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone(request: Request) -> ZoneInfo:
    return zone_named(request.app.state.settings.timezone)


async def guides(request: Request) -> Mapping[str, Guide]:
    live = request.app.state.knowledge_base
    snapshot = await run_in_threadpool(lambda: live.current)
    return snapshot.guides  # type: ignore[no-any-return]


def topic_session_type(guides: Mapping[str, Guide], topic: str | None) -> str | None:
    """The session type the topic's guide calls for (None without a topic)."""
    if topic is None:
        return None
    guide = guides.get(topic)
    if guide is None:
        raise ApiError(422, "unknown_topic")
    return guide.session_type


def receipt_token(settings: Settings, booking: Booking) -> str:
    """An unguessable link name for the booking's receipt: "<id>-<keyed hash>".

    The hash covers the reference, so the link dies when the reference is purged, and it
    reveals neither the reference nor any contact detail (browser history on a kiosk).
    """
    return f"{booking.id}-{_receipt_mac(settings, booking.id, booking.reference)}"


def _receipt_mac(settings: Settings, booking_id: int | None, reference: str | None) -> str:
    message = f"{RECEIPT_SALT}:{booking_id}:{reference}".encode()
    return hmac.new(settings.secret_key.encode(), message, hashlib.sha256).hexdigest()[:32]


def booking_for_receipt(session: Session, settings: Settings, token: str) -> Booking | None:
    """The booking a receipt link names, while it still has its reference (not yet purged)."""
    raw_id, _, mac = token.partition("-")
    booking_id = parse_row_id(raw_id)
    if booking_id is None or len(mac) != 32:
        return None
    booking = session.get(Booking, booking_id)
    if booking is None or booking.reference is None:
        return None
    expected = _receipt_mac(settings, booking.id, booking.reference)
    return booking if hmac.compare_digest(expected, mac) else None


def booking_urls(settings: Settings, booking: Booking) -> dict[str, str]:
    base = settings.public_base_url
    token = receipt_token(settings, booking)
    return {
        "confirmation_url": f"{base}/book/receipt/{token}",
        "calendar_url": f"{base}/book/receipt/{token}/calendar.ics",
        "manage_url": f"{base}/book/manage?lang={booking.language}",
    }


def absolute_manage_url(request: Request, language: str) -> str | None:
    """The cancel-or-move link for e-mails and calendar files: only ever from
    ``HELPDESK_PUBLIC_BASE_URL``, never from the request's Host header (which a caller chooses:
    the municipality's own mailer would send a link to any site). None without it."""
    base: str = request.app.state.settings.public_base_url
    return f"{base}/book/manage?lang={language}" if base else None


def place_out(location: Location, language: str) -> PlaceOut:
    return PlaceOut(
        slug=location.slug,
        name=location.name,
        kind=location.kind,
        address=location.address,
        postcode=location.postcode,
        city=location.city,
        step_free=location.step_free,
        latitude=location.latitude,
        longitude=location.longitude,
        notes=translated(location.notes, language),
        drop_in=translated(location.drop_in, language),
    )


def slot_out(view: catalog.SlotView) -> SlotOut:
    return SlotOut(
        id=view.id,
        start=view.local_start,
        end=view.local_end,
        location=view.location.slug,
        session_type=view.session_type.slug,
        capacity=view.capacity,
        remaining=view.remaining,
        languages=[code for code in view.languages if code in LANGUAGES],
    )


def booking_out(
    settings: Settings, booking: Booking, details: BookingDetails, location: Location
) -> BookingOut:
    return BookingOut(
        reference=details.reference or "",
        status=booking.status,
        start=details.local_start,
        end=details.local_end,
        location=place_out(location, details.language),
        session_type=SessionTypeRef(slug=details.session_type_slug, name=details.session_type_name),
        language=booking.language,
        topic=booking.topic,
        topic_title=details.topic_title,
        what_to_bring=details.bring,
        needs=NeedsOut.of(booking),
        name=booking.name,
        phone=booking.phone,
        email=booking.email,
        **booking_urls(settings, booking),
    )


def normalised_contact(phone: str | None, email: str | None) -> tuple[str | None, str | None]:
    """Both optional, at least one required; raises ApiError in the citizen's language."""
    phone = (phone or "").strip() or None
    email = (email or "").strip() or None
    if phone is None and email is None:
        raise ApiError(422, "contact_required")
    try:
        return (
            normalise_phone(phone) if phone else None,
            normalise_email(email) if email else None,
        )
    except InvalidContact as exc:
        raise ApiError(422, exc.code) from exc


def needs_from(needs: NeedsIn) -> Needs:
    return Needs(
        interpreter=needs.interpreter,
        wheelchair=needs.wheelchair,
        own_device=needs.own_device,
        note=needs.note,
    )


def calendar_for(request: Request, details: BookingDetails, booking: Booking) -> bytes:
    uid = f"booking-{booking.id}"
    return booking_calendar(details, uid, absolute_manage_url(request, details.language))


def mail_task(
    request: Request, booking: Booking, details: BookingDetails, kind: str
) -> BackgroundTask | None:
    """The confirmation e-mail, sent after the response (never inside the transaction)."""
    settings: Settings = request.app.state.settings
    if not mail_enabled(settings) or not booking.email:
        return None
    message = confirmation_message(
        settings,
        details,
        booking.email,
        absolute_manage_url(request, details.language),
        calendar_for(request, details, booking) if kind != "cancelled" else None,
        kind,
    )
    return BackgroundTask(send, settings, message)


def conflict_response(
    request: Request, error: BookingError, views: list[catalog.SlotView]
) -> JSONResponse:
    language = request_language(request)
    body = error_body(error.code, language, None, **error.params)
    body["alternatives"] = [slot_out(view).model_dump(mode="json") for view in views]
    return JSONResponse(body, ERROR_STATUS[error.code], headers={"Content-Language": language})


def booking_error(error: BookingError) -> ApiError:
    headers = None
    if isinstance(error, BookingLimitReached):
        headers = {"Retry-After": str(error.retry_after)}
    return ApiError(ERROR_STATUS.get(error.code, 422), error.code, None, headers, **error.params)


def parse_when(
    raw: str | None, zone_info: ZoneInfo, end_of_day: bool = False
) -> dt.datetime | None:
    """A query date ("2026-12-01", local) or date-time (with or without an offset)."""
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            if end_of_day:
                day += dt.timedelta(days=1)
            return dt.datetime.combine(day, dt.time(), tzinfo=zone_info)
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ApiError(422, "invalid_date") from exc
    return value if value.tzinfo else value.replace(tzinfo=zone_info)


async def parse_booking_body(request: Request, model: type[M]) -> M:
    """Like parse_json_body, and errors come in the language the citizen chose in the body."""
    try:
        data = json.loads(await request.body())
    except (UnicodeDecodeError, json.JSONDecodeError):
        data = None
    if isinstance(data, dict) and data.get("language") in LANGUAGES:
        request.state.language = data["language"]
    return await parse_json_body(request, model)


def contact_of(request: Request) -> str:
    contact = request.headers.get(CONTACT_HEADER) or request.query_params.get("contact")
    if not contact or not contact.strip():
        raise ApiError(422, "contact_required")
    return contact[:254]


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
    name = " ".join(body.name.split())
    if not name:
        raise ApiError(422, "name_required")
    phone, email = normalised_contact(body.phone, body.email)
    known = await guides(request)
    wanted_type = topic_session_type(known, body.topic)
    booking_request = BookingRequest(
        slot_id=body.slot_id,
        name=name,
        language=body.language,
        phone=phone,
        email=email,
        topic=body.topic,
        needs=needs_from(body.needs),
        channel=body.channel,
    )
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
        raise booking_error(error) from error
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
        raise booking_error(error) from error
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
        raise booking_error(error) from error
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
        raise booking_error(error) from error
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
