"""The staff day view: one place, one day; who is coming, in which language, with what needs.

Staff mark citizens arrived or no-show and register walk-ins. The page works without
JavaScript (plain forms with the CSRF token); the same actions exist in the API for bearer-token
clients.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from helpdesk import LANGUAGES
from helpdesk.booking import catalog
from helpdesk.booking.contact import display_phone
from helpdesk.booking.inputs import AttendanceUpdate, WalkInCreate
from helpdesk.booking.models import Booking, Location, SessionType, Slot, translated
from helpdesk.booking.places import visible_places
from helpdesk.booking.reference import format_reference
from helpdesk.booking.service import (
    BookingError,
    Needs,
    WalkIn,
    day_bookings,
    register_walk_in,
    set_attendance,
)
from helpdesk.clock import utcnow
from helpdesk.dbtypes import parse_row_id
from helpdesk.helplog.service import logged_booking_ids
from helpdesk.i18n import N_, gettext_for, native_name
from helpdesk.kb.content import Guide
from helpdesk.kb.store import add_audit
from helpdesk.openapi import Operation, QueryParam, operation
from helpdesk.routes._body import parse_json_body, read_form
from helpdesk.routes._common import DATE_SCHEMA, NO_STORE, guides, query_date, zone
from helpdesk.routes._db import in_session
from helpdesk.routes.api import BAD_INPUT
from helpdesk.routes.booking_schemas import (
    NeedsOut,
    StaffBookingOut,
    StaffDay,
)
from helpdesk.routes.schemas import ErrorResponse
from helpdesk.web.access import requires
from helpdesk.web.errors import MESSAGES, ApiError, api_error
from helpdesk.web.locale import page_language
from helpdesk.web.templating import render

STAFF_LANGUAGE = "da"
WALK_IN_REGISTERED = N_("The walk-in is registered.")


def day_bounds(day: dt.date, zone_info: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(), tzinfo=zone_info)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone_info)
    return start, end


def parse_day(raw: str | None, zone_info: ZoneInfo) -> dt.date:
    """The ``date`` asked for (see :func:`query_date`), today when none is."""
    return query_date(raw) or utcnow().astimezone(zone_info).date()


def record_day_read(session: Session, actor: str, location: Location, day: dt.date) -> None:
    """Write down that ``actor`` opened a place's day: citizens' names, phones and e-mails."""
    add_audit(
        session,
        actor=actor,
        action="read-bookings",
        target=f"place-day:{location.slug}/{day.isoformat()}",
        summary="staff day view (names, phones, e-mails of the day's bookings)",
    )


def _day_data(
    session: Session, location: Location, day: dt.date, zone_info: ZoneInfo, viewer_id: int
) -> dict[str, Any]:
    start, end = day_bounds(day, zone_info)
    rows = day_bookings(session, location.id or 0, start, end, viewer_id=viewer_id)
    slots = session.exec(
        select(Slot)
        .where(
            Slot.location_id == location.id,
            col(Slot.starts_at) >= start,
            col(Slot.starts_at) < end,
        )
        .order_by(col(Slot.starts_at))
    ).all()
    return {
        "rows": rows,
        "slots": catalog.slot_views(session, slots, zone_info),
        "types": catalog.session_types(session),
    }


def _topic_title(known: Mapping[str, Guide], slug: str | None, language: str) -> str | None:
    guide = known.get(slug) if slug else None
    return guide.translation(language)[1].title if guide else slug


@requires("staff")
async def day_page(request: Request) -> Response:
    language = page_language(request)
    zone_info = zone(request)
    try:
        day = parse_day(request.query_params.get("date"), zone_info)
    except ApiError:
        day = utcnow().astimezone(zone_info).date()
    wanted = request.query_params.get("location")
    principal = request.state.principal

    def work(session: Session) -> dict[str, Any]:
        # Only the places this account may see are offered (helpdesk user places).
        places = visible_places(
            session, principal.user_id, catalog.locations(session, include_unlisted=True)
        )
        location = next((p for p in places if p.slug == wanted), places[0] if places else None)
        data = _day_data(session, location, day, zone_info, principal.user_id) if location else {}
        if location is not None:
            record_day_read(session, principal.username, location, day)
        booking_ids = [booking.id or 0 for booking, _ in data.get("rows", [])]
        logged = logged_booking_ids(session, booking_ids)
        return {"places": places, "location": location, "logged": logged, **data}

    data = await in_session(request, work)
    known = await guides(request)
    rows = []
    for booking, session_type in data.get("rows", []):
        rows.append(
            {
                "booking": booking,
                "reference": format_reference(booking.reference) if booking.reference else None,
                "time": booking.starts_at.astimezone(zone_info),
                "session_type": translated(session_type.names, language) or session_type.slug,
                "language": native_name(booking.language),
                "language_code": booking.language,
                "topic": _topic_title(known, booking.topic, language),
                "phone": display_phone(booking.phone) if booking.phone else None,
                "logged": booking.id in data["logged"],
            }
        )
    counts = {
        status: sum(1 for row in rows if row["booking"].status == status)
        for status in ("booked", "arrived", "no_show", "cancelled")
    }
    counts["walk_in"] = sum(1 for row in rows if row["booking"].channel == "walk-in")
    topics = sorted(
        ((slug, guide.translation(language)[1].title) for slug, guide in known.items()),
        key=lambda item: item[1],
    )
    now = utcnow()
    context = {
        "places": data["places"],
        "location": data["location"],
        "day": day,
        "previous_day": day - dt.timedelta(days=1),
        "next_day": day + dt.timedelta(days=1),
        "rows": rows,
        "counts": counts,
        "open_slots": [s for s in data.get("slots", []) if s.remaining > 0 and s.ends_at > now],
        "slots": data.get("slots", []),
        "session_types": [
            {"slug": t.slug, "name": translated(t.names, language) or t.slug}
            for t in data.get("types", [])
        ],
        "walk_in_languages": [{"code": code, "name": native_name(code)} for code in LANGUAGES],
        "topics": topics,
        "message": _notice(request.query_params.get("notice"), language),
    }
    return render(request, "booking/staff_day.html", context, language, headers=NO_STORE)


def _notice(code: str | None, language: str) -> str | None:
    """A notice named by code in the URL (never free text from the URL: no spoofed messages)."""
    if code == "walk_in_registered":
        return gettext_for(language, WALK_IN_REGISTERED)
    if code in MESSAGES:
        return gettext_for(language, MESSAGES[code])
    return None


def _back(form: FormData, notice: str | None = None) -> RedirectResponse:
    params = {
        "location": str(form.get("location") or ""),
        "date": str(form.get("date") or ""),
    }
    if notice:
        params["notice"] = notice
    return RedirectResponse(f"/staff/day?{urlencode(params)}", status_code=303)


def _booking_id(request: Request) -> int:
    booking_id = parse_row_id(request.path_params["booking_id"])
    if booking_id is None:
        raise BookingError("booking_not_found")
    return booking_id


@requires("staff")
async def attendance_form(request: Request) -> Response:
    form = await read_form(request)
    status = str(form.get("status") or "")
    try:
        booking_id = _booking_id(request)
        viewer = request.state.principal.user_id
        await in_session(request, lambda s: set_attendance(s, booking_id, status, viewer_id=viewer))
    except BookingError as error:
        return _back(form, error.code)
    return _back(form)


def _walk_in_from_form(session: Session, form: FormData) -> WalkIn:
    location = catalog.location_by_slug(session, str(form.get("location") or ""))
    session_type = catalog.session_type_by_slug(session, str(form.get("session_type") or ""))
    if location is None:
        raise BookingError("location_not_found")
    if session_type is None:
        raise BookingError("unknown_session_type")
    language = str(form.get("language") or STAFF_LANGUAGE)
    raw_slot = str(form.get("slot_id") or "")
    return WalkIn(
        location_id=location.id or 0,
        session_type_id=session_type.id or 0,
        language=language if language in LANGUAGES else STAFF_LANGUAGE,
        topic=str(form.get("topic") or "") or None,
        needs=Needs(
            interpreter=form.get("interpreter") == "1",
            wheelchair=form.get("wheelchair") == "1",
            own_device=form.get("own_device") == "1",
            note=str(form.get("note") or "")[:300] or None,
        ),
        slot_id=parse_row_id(raw_slot),
    )


@requires("staff")
async def walk_in_form(request: Request) -> Response:
    form = await read_form(request)
    known = await guides(request)
    if form.get("topic") and str(form.get("topic")) not in known:
        return _back(form, "unknown_topic")
    try:
        await in_session(request, lambda s: register_walk_in(s, _walk_in_from_form(s, form)))
    except BookingError as error:
        return _back(form, error.code)
    return _back(form, "walk_in_registered")


# --- the same for API clients ------------------------------------------------------------------


def staff_booking_out(
    booking: Booking, session_type: SessionType, zone_info: ZoneInfo
) -> StaffBookingOut:
    return StaffBookingOut(
        id=booking.id or 0,
        reference=format_reference(booking.reference) if booking.reference else None,
        status=booking.status,
        channel=booking.channel,
        start=booking.starts_at.astimezone(zone_info),
        end=booking.ends_at.astimezone(zone_info),
        session_type=session_type.slug,
        language=booking.language,
        topic=booking.topic,
        needs=NeedsOut.of(booking),
        name=booking.name,
        phone=booking.phone,
        email=booking.email,
    )


@operation(
    Operation(
        summary="A place's bookings and walk-ins for one day (staff)",
        query=[
            QueryParam("location", "The place's slug.", required=True),
            QueryParam(
                "date", "The day (YYYY-MM-DD, local, 2000 to 2100); default today.", DATE_SCHEMA
            ),
        ],
        responses={
            200: ("The day", StaffDay),
            401: ("Not signed in", ErrorResponse),
            403: ("The account is limited to other places", ErrorResponse),
            404: ("Unknown place", ErrorResponse),
            422: BAD_INPUT,
        },
        tags=["staff"],
    )
)
@requires("staff")
async def day_api(request: Request) -> JSONResponse:
    zone_info = zone(request)
    day = parse_day(request.query_params.get("date"), zone_info)
    slug = request.query_params.get("location", "")
    principal = request.state.principal

    def work(session: Session) -> StaffDay:
        location = catalog.location_by_slug(session, slug)
        if location is None:
            raise ApiError(404, "location_not_found")
        start, end = day_bounds(day, zone_info)
        try:
            rows = day_bookings(session, location.id or 0, start, end, viewer_id=principal.user_id)
        except BookingError as error:
            # An account limited to other places (the only refusal day_bookings makes).
            raise ApiError(403, "forbidden") from error
        record_day_read(session, principal.username, location, day)
        return StaffDay(
            location=location.slug,
            date=day,
            bookings=[staff_booking_out(b, t, zone_info) for b, t in rows],
        )

    body = await in_session(request, work)
    return JSONResponse(body.model_dump(mode="json"), headers=NO_STORE)


@operation(
    Operation(
        summary="Mark a booking arrived or no-show (or back to booked) (staff)",
        body=AttendanceUpdate,
        responses={
            200: ("The booking", StaffBookingOut),
            401: ("Not signed in", ErrorResponse),
            404: ("No such booking", ErrorResponse),
            409: ("Cancelled bookings cannot be marked", ErrorResponse),
            422: BAD_INPUT,
        },
        tags=["staff"],
    )
)
@requires("staff")
async def attendance_api(request: Request) -> JSONResponse:
    body = await parse_json_body(request, AttendanceUpdate)
    zone_info = zone(request)
    try:
        booking_id = _booking_id(request)

        viewer = request.state.principal.user_id

        def work(session: Session) -> StaffBookingOut:
            booking = set_attendance(session, booking_id, body.status, viewer_id=viewer)
            session_type = session.get(SessionType, booking.session_type_id)
            assert session_type is not None
            return staff_booking_out(booking, session_type, zone_info)

        out = await in_session(request, work)
    except BookingError as error:
        raise api_error(error) from error
    return JSONResponse(out.model_dump(mode="json"))


@operation(
    Operation(
        summary="Register a walk-in (anonymous), optionally seated in a slot (staff)",
        body=WalkInCreate,
        responses={
            201: ("Registered", StaffBookingOut),
            401: ("Not signed in", ErrorResponse),
            404: ("Unknown place or slot", ErrorResponse),
            409: ("The slot is full", ErrorResponse),
            422: BAD_INPUT,
        },
        tags=["staff"],
    )
)
@requires("staff")
async def walk_in_api(request: Request) -> JSONResponse:
    body = await parse_json_body(request, WalkInCreate)
    known = await guides(request)
    if body.topic is not None and body.topic not in known:
        raise ApiError(422, "unknown_topic")
    zone_info = zone(request)

    def work(session: Session) -> StaffBookingOut:
        location = catalog.location_by_slug(session, body.location)
        session_type = catalog.session_type_by_slug(session, body.session_type)
        if location is None:
            raise BookingError("location_not_found")
        if session_type is None:
            raise BookingError("unknown_session_type")
        walk_in = WalkIn(
            location_id=location.id or 0,
            session_type_id=session_type.id or 0,
            language=body.language,
            topic=body.topic,
            needs=body.needs.needs(),
            slot_id=body.slot_id,
        )
        booking = register_walk_in(session, walk_in)
        return staff_booking_out(booking, session_type, zone_info)

    try:
        out = await in_session(request, work)
    except BookingError as error:
        raise api_error(error) from error
    return JSONResponse(out.model_dump(mode="json"), status_code=201)


routes = [
    Route("/staff/day", day_page, methods=["GET"], name="staff_day"),
    Route(
        "/staff/day/bookings/{booking_id}/attendance",
        attendance_form,
        methods=["POST"],
        name="staff_day_attendance",
    ),
    Route("/staff/day/walk-ins", walk_in_form, methods=["POST"], name="staff_day_walk_in"),
    Route("/api/v1/staff/day", day_api, methods=["GET"], name="staff_day_api"),
    Route(
        "/api/v1/staff/bookings/{booking_id}/attendance",
        attendance_api,
        methods=["POST"],
        name="staff_attendance_api",
    ),
    Route("/api/v1/staff/walk-ins", walk_in_api, methods=["POST"], name="staff_walk_in_api"),
]
