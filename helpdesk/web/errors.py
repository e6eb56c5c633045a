"""How errors are answered over HTTP: ``{"error": {"code", "message"}}`` with the right status,
the message in the user's language. Bad input is never a 500.

The one place that knows, for every error code, its message (:data:`MESSAGES`) and, for the
domain's errors (:class:`helpdesk.errors.DomainError`), the HTTP status (:data:`STATUS`). The
domains raise codes; routes raise :class:`ApiError` for problems of the HTTP request itself.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Match, Route
from starlette.types import Scope

from helpdesk.errors import DomainError
from helpdesk.i18n import N_, Nn_, Plural, gettext_for, negotiate_language

logger = logging.getLogger(__name__)

# Message ids, in English (the source language of the catalogs).
MESSAGES: dict[str, str | Plural] = {
    "invalid_json": N_("The request body is not valid JSON."),
    "json_too_deep": N_("The request body is nested too deeply. Please send simpler JSON."),
    "invalid_character": N_(
        "The text contains a character that cannot be used here (a control character such as "
        "NUL, or a broken one). Please remove it and try again."
    ),
    "invalid_request": N_("Some fields are missing or have the wrong type."),
    "empty_text": N_("Please write your question in a few words."),
    "text_too_long": Nn_(
        "The question is too long. Please use at most %(limit)d character.",
        "The question is too long. Please use at most %(limit)d characters.",
        "limit",
    ),
    "body_too_large": Nn_(
        "The request is too large. The limit is %(limit)d byte.",
        "The request is too large. The limit is %(limit)d bytes.",
        "limit",
    ),
    "unsupported_media_type": N_(
        "Please send the request as JSON (Content-Type: application/json)."
    ),
    "guide_not_found": N_("There is no guide with that name."),
    "feedback_not_found": N_("That answer could not be found. It may have expired."),
    "unknown_language": N_("That language is not available."),
    "not_found": N_("The page was not found."),
    "unauthorized": N_("Please sign in with a staff account."),
    "forbidden": N_("Your account does not have access to this."),
    "method_not_allowed": N_("That method is not allowed here."),
    "unknown_host": N_("This service does not answer to that host name."),
    "server_error": N_(
        "Something went wrong on our side. Please try again, or ask a member of staff."
    ),
    # Booking
    "slot_not_found": N_("That time does not exist. Please choose another time."),
    "slot_full": N_("Sorry, that time has just been taken. Please choose another time."),
    "slot_unavailable": N_("That time can no longer be booked. Please choose another time."),
    "choose_a_time": N_("Please choose a time."),
    "booking_not_found": N_(
        "We found no booking with that reference and phone number or e-mail. "
        "Please check both and try again."
    ),
    "booking_not_changeable": N_(
        "This booking can no longer be changed online. Please contact Borgerservice."
    ),
    "booking_changed": N_("The booking was changed at the same moment. Please try again."),
    "contact_required": N_(
        "Please give a phone number or an e-mail address, so that we can reach you."
    ),
    "name_required": N_("Please write your name."),
    "invalid_phone": N_(
        "That phone number does not look right. Numbers abroad need + and the country code."
    ),
    "invalid_email": N_("That e-mail address does not look right."),
    "unknown_topic": N_("There is no guide with that name."),
    "unknown_session_type": N_("There is no such kind of appointment."),
    "location_not_found": N_("There is no such place."),
    "topic_needs_other_session_type": N_(
        "This matter needs another kind of appointment. "
        "Please choose one of the times offered for it."
    ),
    "move_other_session_type": N_(
        "A booking can only be moved to a time of the same kind. Please choose another time."
    ),
    "invalid_idempotency_key": N_(
        "The Idempotency-Key header must be 1 to 100 visible characters."
    ),
    "idempotency_key_reused": N_(
        "This Idempotency-Key was already used for a different booking. Use a new key."
    ),
    "invalid_date": N_("Please give dates as YYYY-MM-DD, for example 2026-12-01."),
    "booking_limit_contact": N_(
        "This phone number or e-mail address already holds as many upcoming bookings as we "
        "allow online. Cancel one to book another time, or call Borgerservice or come to a "
        "desk at a library or Borgerservice: staff will book a time for you."
    ),
    "booking_limit_address": N_(
        "Too many bookings have been made from this connection in the last hour. Please try "
        "again later, or call Borgerservice or come to a desk at a library or Borgerservice: "
        "staff will book a time for you."
    ),
    "rate_limited": N_(
        "Too many requests from this connection. Please wait a little and try again."
    ),
    # Session logs
    "session_booking_not_found": N_("There is no booking with that number."),
    "booking_cancelled": N_("That booking was cancelled, so no session can be logged for it."),
    "session_already_logged": N_("A session has already been logged for that booking."),
    "other_topic_required": N_('Please describe the topic "Other" in a few words.'),
    "held_on_out_of_range": N_("The day must be today or within the last 31 days."),
    # Metrics
    "invalid_period": N_("The start date must be on or before the end date."),
    "date_out_of_range": N_("Please choose dates from the year 2000 to 2100."),
    "group_by_required": N_("Please give group_by: one or more of %(allowed)s."),
    "unknown_group_by": N_("Unknown group_by: %(names)s. Use one or more of %(allowed)s."),
    # Knowledge-base workshop
    "guide_invalid": N_("The guide cannot be saved yet. Please correct the fields listed."),
    "guide_exists": N_("A guide with that name already exists."),
    "guide_version_not_found": N_("The guide has no version in that language yet."),
    "edit_conflict": N_(
        "Someone else saved this guide while you were editing. "
        "Please reload it and make your changes again."
    ),
    "revision_not_found": N_("That version of the guide could not be found."),
    # Administration (helpdesk.booking.admin)
    "admin_invalid": N_("This cannot be saved yet. Please correct the fields listed."),
    "slug_taken": N_("That short name is already taken. Please choose another."),
    "schedule_overlap": N_(
        "These opening hours overlap other hours of the same kind at the same place."
    ),
    "staff_not_found": N_("There is no such member of staff."),
    "schedule_not_found": N_("There are no such opening hours."),
    "closure_not_found": N_("There is no such closure."),
    "place_not_allowed": N_(
        "Your account is limited to certain places and may not change this one (or all places)."
    ),
    "session_type_not_found": N_("There is no such kind of appointment."),
    # Accounts
    "csrf_failed": N_("The form has expired. Please go back, reload the page and try again."),
}


#: The HTTP status of each code a domain raises (:class:`helpdesk.errors.DomainError`).
STATUS: dict[str, int] = {
    # Bookings (helpdesk.booking)
    "slot_not_found": 404,
    "location_not_found": 404,
    "booking_not_found": 404,
    "slot_full": 409,
    "slot_unavailable": 409,
    "booking_not_changeable": 409,
    "booking_changed": 409,
    "booking_limit_contact": 429,
    "booking_limit_address": 429,
    "idempotency_key_reused": 422,
    "topic_needs_other_session_type": 422,
    "move_other_session_type": 422,
    "contact_required": 422,
    "name_required": 422,
    "invalid_phone": 422,
    "invalid_email": 422,
    "unknown_session_type": 422,
    "invalid_request": 422,
    "invalid_character": 422,
    # Administration (helpdesk.booking.admin)
    "admin_invalid": 422,
    "slug_taken": 409,
    "schedule_overlap": 409,
    "staff_not_found": 404,
    "schedule_not_found": 404,
    "closure_not_found": 404,
    "session_type_not_found": 404,
    "place_not_allowed": 403,
    # Help logs (helpdesk.helplog)
    "session_booking_not_found": 404,
    "session_already_logged": 409,
    "booking_cancelled": 409,
    "unknown_topic": 422,
    "other_topic_required": 422,
    "held_on_out_of_range": 422,
    # The knowledge-base workshop (helpdesk.kb)
    "guide_not_found": 404,
    "guide_version_not_found": 404,
    "revision_not_found": 404,
    "guide_exists": 409,
    "edit_conflict": 409,
    "guide_invalid": 422,
    "unknown_language": 422,
    # Metrics (helpdesk.metrics)
    "unknown_group_by": 422,
}


def status_of(error: DomainError) -> int:
    """The HTTP status a domain error is answered with (422 for a code not in the table)."""
    return STATUS.get(error.code, 422)


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        **params: object,
    ) -> None:
        super().__init__(code)
        self.status, self.code, self.details, self.params = status, code, details, params
        self.headers = headers


def request_language(request: Request) -> str:
    """The language to answer an error in: a ``lang`` the handler found, else the headers."""
    explicit = getattr(request.state, "language", None) or request.query_params.get("lang")
    return negotiate_language(
        explicit=explicit,
        cookie=request.cookies.get("helpdesk_lang"),
        accept_language=request.headers.get("accept-language"),
    )


def error_body(
    code: str, language: str, details: list[dict[str, Any]] | None = None, **params: object
) -> dict[str, Any]:
    error: dict[str, Any] = {
        "code": code,
        "message": gettext_for(language, MESSAGES[code], **params),
        "language": language,
    }
    if details:
        error["details"] = details
    return {"error": error}


#: The heading of a browser's error page, by status (and for a few codes, by code).
PAGE_TITLES: dict[int, str] = {
    400: N_("The request could not be answered"),
    403: N_("No access"),
    404: N_("Not found"),
    405: N_("Not possible here"),
    413: N_("The request could not be answered"),
    422: N_("The request could not be answered"),
    429: N_("Please wait a moment"),
    500: N_("Something went wrong"),
}
CODE_TITLES: dict[str, str] = {"csrf_failed": N_("The form has expired")}
#: Paths of the staff's pages: their error pages look like them and lead back to them.
STAFF_PATHS = ("/staff", "/coordinator", "/workshop", "/admin", "/login", "/logout")


def wants_page(request: Request) -> bool:
    """A browser asking for a page (``Accept: text/html``, not the API): it gets an HTML error
    page in its language with a way back; everyone else gets the JSON error."""
    if request.url.path.startswith("/api/"):
        return False
    return "text/html" in request.headers.get("accept", "").lower()


def is_staff_path(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in STAFF_PATHS)


def error_page(
    request: Request,
    status: int,
    code: str,
    language: str | None = None,
    headers: Mapping[str, str] | None = None,
    params: Mapping[str, object] | None = None,
) -> Response:
    """The error as a page (``error.html``): what happened in the user's language, and the way
    back (the staff pages or the guides; a sign-in as someone else when access is refused)."""
    from helpdesk.web.templating import render

    language = language or request_language(request)
    return render(
        request,
        "error.html",
        error_context(request, status, code, language, params),
        language,
        status_code=status,
        headers={**(headers or {}), "Vary": "Accept", "Cache-Control": "no-store"},
    )


def error_context(
    request: Request,
    status: int,
    code: str,
    language: str,
    params: Mapping[str, object] | None = None,
) -> dict[str, Any]:
    """What ``error.html`` shows, for a page that renders it with headers of its own (the
    booking pages: never cached, no referrer)."""
    path = request.url.path
    staff = is_staff_path(path)
    target = path + (f"?{request.url.query}" if request.url.query else "")
    return {
        "status": status,
        "code": code,
        "title": gettext_for(language, CODE_TITLES.get(code) or PAGE_TITLES.get(status, "")),
        "message": gettext_for(language, MESSAGES[code], **(params or {})),
        "staff_area": staff,
        "sign_in": f"/login?next={quote(target, safe='/')}"
        if staff and status in (401, 403)
        else None,
    }


def error_response(
    request: Request,
    status: int,
    code: str,
    details: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
    params: Mapping[str, object] | None = None,
) -> Response:
    """The one error answer: a page for a browser that asks for one (:func:`wants_page`), the
    JSON ``{"error": ...}`` for everyone else, in the user's language either way."""
    language = request_language(request)
    if wants_page(request):
        try:
            return error_page(request, status, code, language, headers, params)
        except Exception:
            # The page needs templates (and, for the staff's, the database); the error must be
            # answered even when they fail.
            logger.exception("the error page for %s could not be made", code)
    headers = {"Content-Language": language, **(headers or {})}
    if not request.url.path.startswith("/api/"):
        headers["Vary"] = "Accept"
    body = error_body(code, language, details, **(params or {}))
    return JSONResponse(body, status, headers=headers)


def scope_error_response(scope: Scope, status: int, code: str, **params: object) -> Response:
    """An error answered by ASGI middleware before any route (no request state, no ``lang``
    yet): in the language the caller's Accept-Language asks for; a page for a browser."""
    language = negotiate_language(accept_language=Headers(scope=scope).get("accept-language"))
    request = Request(scope)
    if wants_page(request):
        try:
            return error_page(request, status, code, language, params=params)
        except Exception:
            logger.exception("the error page for %s could not be made", code)
    body = error_body(code, language, None, **params)
    return JSONResponse(body, status, headers={"Content-Language": language})


async def handle_api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(request, exc.status, exc.code, exc.details, exc.headers, exc.params)


def retry_headers(error: DomainError) -> dict[str, str] | None:
    """``Retry-After`` for a refusal that says when to try again (a limit reached)."""
    retry_after = getattr(error, "retry_after", None)
    return {"Retry-After": str(retry_after)} if retry_after is not None else None


def api_error(error: DomainError, details: list[dict[str, Any]] | None = None) -> ApiError:
    """A domain error as the API answers it (its status from :data:`STATUS`)."""
    return ApiError(status_of(error), error.code, details, retry_headers(error), **error.params)


async def handle_domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    return error_response(
        request, status_of(exc), exc.code, headers=retry_headers(exc), params=exc.params
    )


async def handle_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large"}.get(
        exc.status_code, "invalid_request"
    )
    params: dict[str, object] = {}
    if code == "body_too_large":
        params["limit"] = request.app.state.settings.max_body_bytes
    headers = exc.headers
    if exc.status_code == 405:
        headers = {**(headers or {}), "Allow": allowed_methods(request)}
    return error_response(request, exc.status_code, code, headers=headers, params=params)


def allowed_methods(request: Request) -> str:
    """The methods of every route at the request's path, for a 405's ``Allow`` header.

    Starlette names only the first route that matches the path, and a path here often has one
    route per method (``GET`` and ``PUT /api/v1/guides/{slug}``).
    """
    methods: set[str] = set()
    for route in request.app.routes:
        if (
            isinstance(route, Route)
            and route.methods
            and route.matches(request.scope)[0] != Match.NONE
        ):
            methods |= route.methods
    return ", ".join(sorted(methods))


async def handle_server_error(request: Request, exc: Exception) -> Response:
    # The traceback goes to the log (redacted by the logging filter), never to the client.
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(request, 500, "server_error")
