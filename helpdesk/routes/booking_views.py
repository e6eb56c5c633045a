"""What the booking API (:mod:`helpdesk.routes.booking`) and the citizen's pages
(:mod:`helpdesk.routes.booking_pages`) share apart from their handlers: output mappers, links,
the receipt link, the confirmation mail task, and reading a booking request.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError
from sqlmodel import Session
from starlette.background import BackgroundTask
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse

from helpdesk import LANGUAGES
from helpdesk.booking import catalog
from helpdesk.booking.details import BookingDetails
from helpdesk.booking.ics import booking_calendar
from helpdesk.booking.inputs import INPUT_CODES
from helpdesk.booking.mail import confirmation_message, mail_enabled, send
from helpdesk.booking.models import Booking, Location, SessionType, Slot, translated
from helpdesk.booking.receipt import book_link, manage_link, receipt_token
from helpdesk.booking.service import (
    BookingError,
)
from helpdesk.booking.sms import cancellation_text, send_sms, sms_enabled
from helpdesk.dbtypes import parse_row_id
from helpdesk.errors import FieldError
from helpdesk.i18n import native_name
from helpdesk.kb.content import Guide
from helpdesk.routes._body import decode_json, parse_json_body
from helpdesk.routes._common import checked_date, zone
from helpdesk.routes.booking_schemas import (
    BookingOut,
    NeedsOut,
    PlaceOut,
    SessionTypeRef,
    SlotOut,
)
from helpdesk.settings import Settings
from helpdesk.web.errors import ApiError, error_body, request_language, status_of
from helpdesk.web.locale import page_language
from helpdesk.web.problems import by_field, field_name

M = TypeVar("M", bound=BaseModel)

CONTACT_HEADER = "X-Booking-Contact"


# --- the API's answers and links -------------------------------------------------------------


def topic_session_type(guides: Mapping[str, Guide], topic: str | None) -> str | None:
    """The session type the topic's guide calls for (None without a topic)."""
    if topic is None:
        return None
    guide = guides.get(topic)
    if guide is None:
        raise ApiError(422, "unknown_topic")
    return guide.session_type


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
    return manage_link(request.app.state.settings, language)


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


def sms_task(request: Request, booking: Booking, details: BookingDetails) -> BackgroundTask | None:
    """The text message that a booking was cancelled by staff, sent after the response; None
    without a gateway (``HELPDESK_SMS_URL``) or a phone number."""
    settings: Settings = request.app.state.settings
    if not sms_enabled(settings) or not booking.phone:
        return None
    text = cancellation_text(details, book_link(settings, details.language))
    return BackgroundTask(send_sms, settings, booking.phone, text)


def conflict_response(
    request: Request, error: BookingError, views: list[catalog.SlotView]
) -> JSONResponse:
    language = request_language(request)
    body = error_body(error.code, language, None, **error.params)
    body["alternatives"] = [slot_out(view).model_dump(mode="json") for view in views]
    return JSONResponse(body, status_of(error), headers={"Content-Language": language})


def parse_when(
    raw: str | None, zone_info: ZoneInfo, end_of_day: bool = False
) -> dt.datetime | None:
    """A query date ("2026-12-01", local) or date-time (with or without an offset)."""
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    try:
        if len(text) == 10:
            day = checked_date(dt.date.fromisoformat(text))
            if end_of_day:
                day += dt.timedelta(days=1)
            return dt.datetime.combine(day, dt.time(), tzinfo=zone_info)
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ApiError(422, "invalid_date") from exc
    # Within the service's years, so that the offset and the time zone can be applied.
    checked_date(value.date())
    return value if value.tzinfo else value.replace(tzinfo=zone_info)


async def parse_booking_body(request: Request, model: type[M]) -> M:
    """Like parse_json_body, and errors come in the language the citizen chose in the body."""
    try:
        data = decode_json(await request.body())
    except ApiError:
        data = None  # parse_json_body below answers it
    if isinstance(data, dict) and data.get("language") in LANGUAGES:
        request.state.language = data["language"]
    try:
        return await parse_json_body(request, model)
    except ApiError as error:
        # Refused by the booking's own rules (and otherwise well-formed): answered with the
        # rule's code, "name_required" rather than "invalid_request".
        invalid = error.__cause__
        if isinstance(invalid, ValidationError):
            codes = [problem["type"] for problem in invalid.errors()]
            if all(code in INPUT_CODES for code in codes):
                raise ApiError(422, codes[0]) from invalid
        raise


def contact_of(request: Request) -> str:
    contact = request.headers.get(CONTACT_HEADER) or request.query_params.get("contact")
    if not contact or not contact.strip():
        raise ApiError(422, "contact_required")
    return contact[:254]


# --- the citizen's pages ---------------------------------------------------------------------


CHANNELS = ("web", "kiosk", "chat", "counter", "phone")


def _clean_slug(raw: str | None) -> str | None:
    if not raw:
        return None
    slug = "".join(ch for ch in raw if ch.isalnum() or ch == "-")[:80]
    return slug or None


def flow_params(source: Mapping[str, Any], language: str) -> dict[str, str]:
    """What travels from page to page: the topic, the channel, the kiosk's place, the language."""
    params = {"lang": language}
    topic = _clean_slug(source.get("topic"))
    if topic:
        params["topic"] = topic
    channel = source.get("channel")
    if channel in CHANNELS and channel != "web":
        params["channel"] = channel
    near = _clean_slug(source.get("near"))
    if near:
        params["near"] = near
    if params.get("channel") == "kiosk" and source.get("textsize") in ("1", "2", "3"):
        params["textsize"] = str(source.get("textsize"))  # the kiosk's text size, kept
    return params


def guide_context(guides_by_slug: Mapping[str, Guide], topic: str | None, language: str) -> Any:
    guide = guides_by_slug.get(topic) if topic else None
    if guide is None:
        return None
    _, version = guide.translation(language)
    return {"slug": guide.slug, "title": version.title, "session_type": guide.session_type}


def session_type_view(session_type: SessionType, language: str) -> dict[str, Any]:
    return {
        "slug": session_type.slug,
        "name": translated(session_type.names, language) or session_type.slug,
        "description": translated(session_type.descriptions, language),
        "minutes": session_type.duration_minutes,
    }


def language_choices() -> list[dict[str, str]]:
    return [{"code": code, "name": native_name(code)} for code in LANGUAGES]


def language_names() -> dict[str, str]:
    return {code: native_name(code) for code in LANGUAGES}


def spoken(reference: str | None) -> str:
    """ "K7M-4QX" → "K 7 M, 4 Q X": a screen reader reads it letter by letter."""
    if not reference:
        return ""
    return ", ".join(" ".join(group) for group in reference.split("-"))


#: The form's fields that show their own problem; any other is shown above the form.
FORM_FIELDS = ("name", "phone", "email")


def form_errors(problems: list[FieldError], language: str) -> dict[str, str]:
    """Each problem beside its field; "contact_required" beside the phone and e-mail pair."""
    placed = [
        replace(problem, loc=("contact",))
        if problem.type == "contact_required"
        else problem
        if field_name(problem) in FORM_FIELDS
        else replace(problem, loc=())
        for problem in problems
    ]
    return by_field(placed, language)


def checked(form: FormData, name: str) -> bool:
    return form.get(name) in ("1", "on", "true", "yes")


def form_language(request: Request, form: FormData) -> str:
    """The language the form was filled in (its hidden ``lang``), else the page's language."""
    chosen = form.get("lang")
    return chosen if isinstance(chosen, str) and chosen in LANGUAGES else page_language(request)


def manage_fields(form: FormData) -> tuple[str, str]:
    return str(form.get("reference") or "")[:20], str(form.get("contact") or "")[:254]


def place_view(location: Location, language: str) -> dict[str, Any]:
    return {"location": location, "notes": translated(location.notes, language)}


def slot_view(session: Session, slot_id: int, request: Request) -> catalog.SlotView | None:
    slot = session.get(Slot, slot_id)
    if slot is None:
        return None
    return catalog.slot_views(session, [slot], zone(request))[0]


def slot_id_of(request: Request) -> int | None:
    return parse_row_id(request.path_params["slot_id"])
