"""Logging assisted sessions: the staff form (``/staff/sessions``) and ``POST /api/v1/sessions``.

Thin: the rules are in :mod:`helpdesk.helplog.service`. The form works without JavaScript
(radio "chips", checkboxes, plain POST with the CSRF token, POST-redirect-GET); a small script
adds a topic filter and the duration shortcuts. The last place used is remembered in the signed
session cookie, so that the next log at the same counter starts there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from pydantic import BaseModel, Field, ValidationError
from sqlmodel import Session, select
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from helpdesk import LANGUAGES
from helpdesk.booking import catalog
from helpdesk.booking.models import Booking, Location
from helpdesk.clock import utcnow
from helpdesk.dbtypes import parse_row_id
from helpdesk.errors import FieldError, field_errors
from helpdesk.helplog.models import AGE_BANDS, OTHER_TOPIC
from helpdesk.helplog.service import (
    FIELD_MESSAGES,
    MAX_DAYS_BACK,
    OTHER_LANGUAGE,
    AgeBand,
    Channel,
    FirstVisit,
    HelpLogError,
    HelpLogIn,
    LoggedHelp,
    Outcome,
    SelfReliance,
    SessionLanguage,
    log_help,
    logged_booking_ids,
    recent_logs,
)
from helpdesk.i18n import N_, gettext_for, native_name
from helpdesk.kb.content import Guide
from helpdesk.openapi import Operation, operation
from helpdesk.routes._body import parse_json_body, read_form
from helpdesk.routes._common import NO_STORE, guides, zone
from helpdesk.routes._db import in_session
from helpdesk.routes.api import BAD_INPUT
from helpdesk.routes.schemas import ErrorResponse
from helpdesk.web.access import requires
from helpdesk.web.errors import MESSAGES, api_error, request_language, status_of
from helpdesk.web.locale import page_language
from helpdesk.web.problems import by_field
from helpdesk.web.templating import render

#: The key of the last place used, in the signed session cookie.
LAST_LOCATION_KEY = "session_log_location"
QUICK_DURATIONS = (15, 30, 45, 60)

CHANNEL_LABELS = {
    "booked": N_("Booked"),
    "walk_in": N_("Walk-in"),
    "outreach": N_("Outreach"),
    "phone": N_("Phone"),
}
AGE_BAND_LABELS = {band: band for band in AGE_BANDS} | {"unknown": N_("Unknown")}
FIRST_VISIT_LABELS = {"yes": N_("Yes"), "no": N_("No"), "unknown": N_("Unknown")}
OUTCOME_LABELS = {
    "solved": N_("Solved"),
    "partly_solved": N_("Partly solved"),
    "referred": N_("Referred elsewhere"),
    "arranged": N_("Exemption or power of attorney arranged"),
    "not_solved": N_("Not solved"),
}
SELF_RELIANCE_LABELS = {
    "yes": N_("Yes"),
    "with_help": N_("With some help"),
    "no": N_("No"),
}
OTHER_LANGUAGE_LABEL = N_("Other language")


class SessionLogOut(BaseModel):
    id: int
    held_on: dt.date = Field(description="The local day of the session.")
    week: dt.date = Field(description="The Monday of its ISO week.")
    location: str = Field(description="The place's slug.")
    location_id: int
    channel: Channel
    topics: list[str]
    other_topic: str | None = Field(description="Redacted.")
    language: SessionLanguage
    interpreter: bool
    age_band: AgeBand
    first_visit: FirstVisit
    outcome: Outcome
    self_reliance: SelfReliance
    duration_minutes: int
    note: str | None = Field(description="Redacted: CPR numbers, phone numbers, e-mails.")
    booking: int | None
    created_at: dt.datetime

    @classmethod
    def of(cls, logged: LoggedHelp) -> SessionLogOut:
        log = logged.log
        return cls.model_validate(
            {
                **log.model_dump(exclude={"booking_id", "logged_by"}),
                "location": logged.location_slug,
                "topics": logged.topics,
                "booking": log.booking_id,
            }
        )


def _today(request: Request) -> dt.date:
    return utcnow().astimezone(zone(request)).date()


#: Fields the form requires although the API has a default for them.
FORM_REQUIRED = ("age_band", "first_visit")


def _form_position(field: str) -> int:
    """Errors are listed in the order of the form's fields."""
    order = list(FIELD_MESSAGES)
    return order.index(field) if field in order else len(order)


def _error_field(error: HelpLogError) -> str:
    return error.field or "form"


# --- the API -----------------------------------------------------------------------------------


@operation(
    Operation(
        summary="Log an assisted session, anonymously (staff)",
        body=HelpLogIn,
        responses={
            201: ("The stored log (note and other topic redacted)", SessionLogOut),
            401: ("Not signed in", ErrorResponse),
            404: ("Unknown place or booking", ErrorResponse),
            409: ("The booking is already logged, or cancelled", ErrorResponse),
            422: BAD_INPUT,
        },
        tags=["sessions"],
    )
)
@requires("staff")
async def create_session_log(request: Request) -> JSONResponse:
    # Each field's problem in the user's language, beside pydantic's own words.
    body = await parse_json_body(request, HelpLogIn, FIELD_MESSAGES)
    known = await guides(request)
    today = _today(request)
    user_id = request.state.principal.user_id

    def work(session: Session) -> LoggedHelp:
        return log_help(session, body, known_topics=known, logged_by=user_id, today=today)

    try:
        logged = await in_session(request, work)
    except HelpLogError as error:
        field = _error_field(error)
        details = [
            {
                "field": field,
                "problem": error.code,
                "message": gettext_for(request_language(request), MESSAGES[error.code]),
            }
        ]
        raise api_error(error, details) from error
    out = SessionLogOut.of(logged)
    return JSONResponse(out.model_dump(mode="json"), status_code=201, headers=NO_STORE)


# --- the staff form ----------------------------------------------------------------------------


def _topic_options(known: Mapping[str, Guide], language: str) -> list[tuple[str, str]]:
    return sorted(
        (
            (slug, guide.translation(language)[1].title)
            for slug, guide in known.items()
            if guide.kind == "guide"
        ),
        key=lambda item: item[1].casefold(),
    )


def _duration_values(minutes: int | None) -> dict[str, str]:
    if minutes is None:
        return {"duration": "", "duration_other": ""}
    if minutes in QUICK_DURATIONS:
        return {"duration": str(minutes), "duration_other": ""}
    return {"duration": "other", "duration_other": str(minutes)}


def _channel_of(session: Session, booking: Booking) -> str:
    """How a booked citizen came: a booking at an outreach place is outreach."""
    location = session.get(Location, booking.location_id)
    if location is not None and location.kind == "outreach":
        return "outreach"
    return "walk_in" if booking.channel == "walk-in" else "booked"


def _prefill(
    request: Request, session: Session, today: dt.date
) -> tuple[dict[str, Any], str | None]:
    """The form's starting values: from a booking, or a place and channel in the URL, or the
    place last used; and an error code when the booking cannot be logged."""
    values: dict[str, Any] = {
        "location": "",
        "channel": "walk_in",
        "topics": [],
        "other_topic": "",
        "language": "da",
        "interpreter": False,
        "age_band": "",
        "first_visit": "",
        "outcome": "",
        "self_reliance": "",
        "note": "",
        "booking": "",
        "held_on": today.isoformat(),
        **_duration_values(None),
    }
    params = request.query_params
    raw_booking = params.get("booking", "")
    problem = None
    booking_id = parse_row_id(raw_booking)
    if booking_id is not None:
        booking = session.get(Booking, booking_id)
        if booking is None:
            problem = "session_booking_not_found"
        else:
            local_day = booking.starts_at.astimezone(zone(request)).date()
            minutes = int((booking.ends_at - booking.starts_at).total_seconds() // 60)
            values.update(
                {
                    "location": str(booking.location_id),
                    "channel": _channel_of(session, booking),
                    "topics": [booking.topic] if booking.topic else [],
                    "language": booking.language,
                    "interpreter": booking.needs_interpreter,
                    "booking": str(booking.id),
                    "held_on": min(local_day, today).isoformat(),
                    **_duration_values(minutes),
                }
            )
            if booking.status == "cancelled":
                problem = "booking_cancelled"
            elif logged_booking_ids(session, [booking.id or 0]):
                problem = "session_already_logged"
            return values, problem
    slug = params.get("location") or request.session.get(LAST_LOCATION_KEY)
    if isinstance(slug, str) and slug:
        location = session.exec(select(Location).where(Location.slug == slug)).first()
        if location is not None:
            values["location"] = str(location.id)
            if location.kind == "outreach":
                values["channel"] = "outreach"
    if params.get("channel") in CHANNEL_LABELS:
        values["channel"] = params["channel"]
    return values, problem


def _form_values(form: FormData) -> dict[str, Any]:
    """What was typed, kept as text so that a form with errors shows it again unchanged."""

    def text(name: str) -> str:
        return str(form.get(name) or "").strip()

    return {
        "location": text("location"),
        "channel": text("channel"),
        "topics": [str(t) for t in form.getlist("topics") if str(t).strip()],
        "other_topic": str(form.get("other_topic") or ""),
        "language": text("language"),
        "interpreter": form.get("interpreter") == "1",
        "age_band": text("age_band"),
        "first_visit": text("first_visit"),
        "outcome": text("outcome"),
        "self_reliance": text("self_reliance"),
        "duration": text("duration"),
        "duration_other": text("duration_other"),
        "note": str(form.get("note") or ""),
        "booking": text("booking"),
        "held_on": text("held_on"),
    }


def _input_from(values: Mapping[str, Any]) -> dict[str, Any]:
    """The form's values as the API's fields (missing ones left out, so pydantic names them)."""
    duration = values["duration_other"] if values["duration"] == "other" else values["duration"]
    data: dict[str, Any] = {
        "topics": values["topics"],
        "interpreter": bool(values["interpreter"]),
        "other_topic": values["other_topic"] or None,
        "note": values["note"] or None,
    }
    for field in ("channel", "language", "age_band", "first_visit", "outcome", "self_reliance"):
        if values[field]:
            data[field] = values[field]
    location_id = parse_row_id(values["location"])
    if location_id is not None:
        data["location"] = location_id
    if duration:
        data["duration_minutes"] = duration
    if values["booking"]:
        data["booking"] = values["booking"]
    if values["held_on"]:
        data["held_on"] = values["held_on"]
    return data


async def _form_page(
    request: Request,
    values: Mapping[str, Any],
    errors: Mapping[str, str],
    status_code: int = 200,
) -> Response:
    language = page_language(request)
    today = _today(request)
    places = await in_session(request, lambda s: catalog.locations(s, include_unlisted=True))
    known = await guides(request)
    context = {
        "values": values,
        "errors": errors,
        "places": places,
        "topics": _topic_options(known, language),
        "channels": CHANNEL_LABELS,
        "age_bands": AGE_BAND_LABELS,
        "first_visits": FIRST_VISIT_LABELS,
        "outcomes": OUTCOME_LABELS,
        "self_reliance_options": SELF_RELIANCE_LABELS,
        "session_languages": [
            *({"code": code, "name": native_name(code)} for code in LANGUAGES),
            {"code": OTHER_LANGUAGE, "name": gettext_for(language, OTHER_LANGUAGE_LABEL)},
        ],
        "quick_durations": QUICK_DURATIONS,
        "other_topic": OTHER_TOPIC,
        "today": today,
        "earliest": today - dt.timedelta(days=MAX_DAYS_BACK),
    }
    return render(
        request, "staff/session_form.html", context, language, status_code, headers=NO_STORE
    )


@requires("staff")
async def new_session_page(request: Request) -> Response:
    today = _today(request)
    values, problem = await in_session(request, lambda s: _prefill(request, s, today))
    errors = {}
    if problem:
        errors["booking"] = gettext_for(page_language(request), MESSAGES[problem])
    return await _form_page(request, values, errors)


@requires("staff")
async def new_session_form(request: Request) -> Response:
    form = await read_form(request)
    values = _form_values(form)
    language = page_language(request)
    # The form asks for a conscious choice (where the API defaults to "unknown").
    problems = [
        FieldError((field,), "Field required", "missing")
        for field in FORM_REQUIRED
        if not values[field]
    ]
    data = None
    try:
        data = HelpLogIn.model_validate(_input_from(values))
    except ValidationError as exc:
        problems += field_errors(exc)
    if problems or data is None:
        messages = by_field(problems, language, FIELD_MESSAGES)
        in_form_order = {field: messages[field] for field in sorted(messages, key=_form_position)}
        return await _form_page(request, values, in_form_order, 422)
    known = await guides(request)
    today = _today(request)
    user_id = request.state.principal.user_id

    def work(session: Session) -> LoggedHelp:
        return log_help(session, data, known_topics=known, logged_by=user_id, today=today)

    try:
        logged = await in_session(request, work)
    except HelpLogError as error:
        errors = {_error_field(error): gettext_for(language, MESSAGES[error.code])}
        return await _form_page(request, values, errors, status_of(error))
    request.session[LAST_LOCATION_KEY] = logged.location_slug
    return RedirectResponse(
        f"/staff/sessions?{urlencode({'logged': logged.log.id})}", status_code=303
    )


@requires("staff")
async def sessions_page(request: Request) -> Response:
    language = page_language(request)
    zone_info = zone(request)
    today = _today(request)
    midnight = dt.datetime.combine(today, dt.time(), tzinfo=zone_info)
    user_id = request.state.principal.user_id

    def work(session: Session) -> tuple[list[LoggedHelp], dict[int, str]]:
        logs = recent_logs(session, user_id, midnight)
        names = {p.id or 0: p.name for p in catalog.locations(session, include_unlisted=True)}
        return logs, names

    logs, place_names = await in_session(request, work)
    known = await guides(request)
    titles = dict(_topic_options(known, language))
    raw = request.query_params.get("logged", "")
    just_logged = next((item for item in logs if str(item.log.id) == raw), None)
    rows = [
        {
            "id": item.log.id,
            "time": item.log.created_at.astimezone(zone_info),
            "place": place_names.get(item.log.location_id, item.location_slug),
            "channel": CHANNEL_LABELS[item.log.channel],
            "topics": [
                item.log.other_topic or gettext_for(language, N_("Other"))
                if topic == OTHER_TOPIC
                else titles.get(topic, topic)
                for topic in item.topics
            ],
            "outcome": OUTCOME_LABELS[item.log.outcome],
            "duration": item.log.duration_minutes,
            "location_slug": item.location_slug,
            "held_on": item.log.held_on,
            "booking": item.log.booking_id,
        }
        for item in logs
    ]
    context = {
        "rows": rows,
        "just_logged": next(
            (r for r in rows if just_logged and r["id"] == just_logged.log.id), None
        ),
        "total_minutes": sum(item.log.duration_minutes for item in logs),
        "channels": {key: label for key, label in CHANNEL_LABELS.items() if key != "booked"},
    }
    return render(request, "staff/sessions.html", context, language, headers=NO_STORE)


routes = [
    Route("/api/v1/sessions", create_session_log, methods=["POST"], name="session_log_api"),
    Route("/staff/sessions", sessions_page, methods=["GET"], name="staff_sessions"),
    Route("/staff/sessions/new", new_session_page, methods=["GET"], name="staff_session_new"),
    Route("/staff/sessions/new", new_session_form, methods=["POST"], name="staff_session_save"),
]
