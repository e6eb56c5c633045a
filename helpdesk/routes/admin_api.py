"""The admin JSON API, ``/api/v1/admin``: places, staff, session types, opening schedules and
closures, with bearer tokens (or a staff sign-in). Admin role; coordinators may manage closures.

Thin: the rules are in :mod:`helpdesk.booking.admin`. A change is one transaction with its slots
made or withdrawn; the bookings it cancelled are listed in the answer and the citizens told
after the response (:func:`helpdesk.booking.notify.notify_affected`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlmodel import Session
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from helpdesk.booking import admin
from helpdesk.booking.admin_inputs import (
    ClosureIn,
    LocationIn,
    LocationPatch,
    ScheduleIn,
    SchedulePatch,
    SessionTypeIn,
    SessionTypePatch,
    StaffIn,
    StaffPatch,
)
from helpdesk.booking.notify import notify_affected
from helpdesk.dbtypes import parse_row_id
from helpdesk.openapi import Operation, QueryParam, operation
from helpdesk.routes._body import parse_json_body
from helpdesk.routes._common import NO_STORE, zone
from helpdesk.routes._db import acting_user, in_session
from helpdesk.routes.admin_schemas import (
    ClosureChange,
    ClosureList,
    ClosureOut,
    LocationAdminList,
    LocationAdminOut,
    LocationChange,
    ScheduleChange,
    ScheduleList,
    ScheduleOut,
    SessionTypeAdminList,
    SessionTypeAdminOut,
    SessionTypeChange,
    StaffChange,
    StaffList,
    StaffOut,
    change_fields,
    closure_out,
    location_out,
    schedule_out,
    session_type_out,
    staff_out,
)
from helpdesk.routes.api import BAD_INPUT
from helpdesk.routes.schemas import ErrorResponse
from helpdesk.web.access import requires
from helpdesk.web.errors import ApiError, api_error, request_language
from helpdesk.web.problems import problem_text

T = TypeVar("T")
TAGS = ["admin"]
UNAUTHORISED = {
    401: ("No valid bearer token or sign-in", ErrorResponse),
    403: (
        "The account's role may not do this, or (closures: place_not_allowed) the account is "
        "limited to other places",
        ErrorResponse,
    ),
    # A control character or broken text in the path or query (invalid_character).
    422: BAD_INPUT,
}
NOT_FOUND = ("Not found", ErrorResponse)
CONFLICT = (
    "A slug already taken, or opening hours that overlap (details per field)",
    ErrorResponse,
)


def context(request: Request) -> admin.AdminContext:
    return admin.AdminContext(
        actor=acting_user(request),
        settings=request.app.state.settings,
        user_id=request.state.principal.user_id,
    )


async def run(request: Request, work: Callable[[Session], T]) -> T:
    """Database work in one transaction; an :class:`AdminError` answered with its status and a
    message per field in the caller's language."""
    try:
        return await in_session(request, work)
    except admin.AdminError as error:
        language = request_language(request)
        details = [
            {
                "field": ".".join(str(part) for part in problem.loc) or "(body)",
                "problem": problem.message,
                "message": problem_text(problem, language),
            }
            for problem in error.problems
        ]
        raise api_error(error, details or None) from error


def answer(
    request: Request,
    body: BaseModel,
    status: int = 200,
    result: admin.AdminResult[Any] | None = None,
    reason: str = "",
) -> JSONResponse:
    """The JSON answer; the citizens whose bookings the change cancelled are told after it."""
    task = None
    if result is not None and result.affected:
        task = BackgroundTask(
            notify_affected, request.app.state.settings, list(result.affected), reason
        )
    return JSONResponse(
        body.model_dump(mode="json", by_alias=True), status, headers=NO_STORE, background=task
    )


def row_id(request: Request, code: str) -> int:
    value = parse_row_id(request.path_params["id"])
    if value is None:
        raise ApiError(404, code)
    return value


def base_url(request: Request) -> str:
    return str(request.app.state.settings.public_base_url)


# --- places ------------------------------------------------------------------------------------


@operation(
    Operation(
        summary="All places, listed or not, active or not",
        responses={200: ("The places", LocationAdminList), **UNAUTHORISED},
        tags=TAGS,
    )
)
@requires("admin")
async def list_locations(request: Request) -> Response:
    places = await run(request, admin.list_locations)
    base = base_url(request)
    return answer(request, LocationAdminList(locations=[location_out(p, base) for p in places]))


@operation(
    Operation(
        summary="One place",
        responses={200: ("The place", LocationAdminOut), 404: NOT_FOUND, **UNAUTHORISED},
        tags=TAGS,
    )
)
@requires("admin")
async def get_location(request: Request) -> Response:
    slug = request.path_params["slug"]
    place = await run(request, lambda s: admin.get_location(s, slug))
    return answer(request, location_out(place, base_url(request)))


@operation(
    Operation(
        summary="Add a place (an outreach place is unlisted unless said otherwise)",
        body=LocationIn,
        responses={201: ("Added", LocationChange), 409: CONFLICT, 422: BAD_INPUT, **UNAUTHORISED},
        tags=TAGS,
    )
)
@requires("admin")
async def create_location(request: Request) -> Response:
    data = await parse_json_body(request, LocationIn)
    ctx = context(request)
    result = await run(request, lambda s: admin.create_location(s, ctx, data))
    body = LocationChange(
        location=location_out(result.item, base_url(request)),
        **change_fields(result, zone(request)),
    )
    return answer(request, body, 201, result)


@operation(
    Operation(
        summary="Change a place; active=false takes it out of service (never deleted): its "
        "slots are withdrawn and the bookings in them cancelled, listed and notified",
        body=LocationPatch,
        responses={
            200: ("Changed", LocationChange),
            404: NOT_FOUND,
            422: BAD_INPUT,
            **UNAUTHORISED,
        },
        tags=TAGS,
    )
)
@requires("admin")
async def update_location(request: Request) -> Response:
    slug = request.path_params["slug"]
    patch = await parse_json_body(request, LocationPatch)
    ctx = context(request)
    result = await run(request, lambda s: admin.update_location(s, ctx, slug, patch))
    body = LocationChange(
        location=location_out(result.item, base_url(request)),
        **change_fields(result, zone(request)),
    )
    return answer(request, body, 200, result)


# --- staff -------------------------------------------------------------------------------------


@operation(
    Operation(
        summary="Staff who hold sessions, with their languages",
        responses={200: ("The staff", StaffList), **UNAUTHORISED},
        tags=TAGS,
    )
)
@requires("admin")
async def list_staff(request: Request) -> Response:
    members = await run(request, admin.list_staff)
    return answer(request, StaffList(staff=[staff_out(m) for m in members]))


@operation(
    Operation(
        summary="One member of staff",
        responses={200: ("The member of staff", StaffOut), 404: NOT_FOUND, **UNAUTHORISED},
        tags=TAGS,
    )
)
@requires("admin")
async def get_staff(request: Request) -> Response:
    staff_id = row_id(request, "staff_not_found")
    member = await run(request, lambda s: admin.get_staff(s, staff_id))
    return answer(request, staff_out(member))


@operation(
    Operation(
        summary="Add a member of staff; their languages are those the slots they work offer",
        body=StaffIn,
        responses={201: ("Added", StaffChange), 422: BAD_INPUT, **UNAUTHORISED},
        tags=TAGS,
    )
)
@requires("admin")
async def create_staff(request: Request) -> Response:
    data = await parse_json_body(request, StaffIn)
    ctx = context(request)
    result = await run(request, lambda s: admin.create_staff(s, ctx, data))
    body = StaffChange(staff=staff_out(result.item), **change_fields(result, zone(request)))
    return answer(request, body, 201, result)


@operation(
    Operation(
        summary="Change a member of staff (languages, name, active); the slots follow at once",
        body=StaffPatch,
        responses={200: ("Changed", StaffChange), 404: NOT_FOUND, 422: BAD_INPUT, **UNAUTHORISED},
        tags=TAGS,
    )
)
@requires("admin")
async def update_staff(request: Request) -> Response:
    staff_id = row_id(request, "staff_not_found")
    patch = await parse_json_body(request, StaffPatch)
    ctx = context(request)
    result = await run(request, lambda s: admin.update_staff(s, ctx, staff_id, patch))
    body = StaffChange(staff=staff_out(result.item), **change_fields(result, zone(request)))
    return answer(request, body, 200, result)


# --- session types -----------------------------------------------------------------------------


@operation(
    Operation(
        summary="Kinds of session, active or not",
        responses={200: ("The session types", SessionTypeAdminList), **UNAUTHORISED},
        tags=TAGS,
    )
)
@requires("admin")
async def list_session_types(request: Request) -> Response:
    types = await run(request, admin.list_session_types)
    return answer(request, SessionTypeAdminList(session_types=[session_type_out(t) for t in types]))


@operation(
    Operation(
        summary="One kind of session",
        responses={
            200: ("The session type", SessionTypeAdminOut),
            404: NOT_FOUND,
            **UNAUTHORISED,
        },
        tags=TAGS,
    )
)
@requires("admin")
async def get_session_type(request: Request) -> Response:
    slug = request.path_params["slug"]
    found = await run(request, lambda s: admin.get_session_type(s, slug))
    return answer(request, session_type_out(found))


@operation(
    Operation(
        summary="Add a kind of session",
        body=SessionTypeIn,
        responses={
            201: ("Added", SessionTypeChange),
            409: CONFLICT,
            422: BAD_INPUT,
            **UNAUTHORISED,
        },
        tags=TAGS,
    )
)
@requires("admin")
async def create_session_type(request: Request) -> Response:
    data = await parse_json_body(request, SessionTypeIn)
    ctx = context(request)
    result = await run(request, lambda s: admin.create_session_type(s, ctx, data))
    body = SessionTypeChange(
        session_type=session_type_out(result.item),
        **change_fields(result, zone(request)),
    )
    return answer(request, body, 201, result)


@operation(
    Operation(
        summary="Change a kind of session; a new length or active=false withdraws its slots "
        "(their bookings are cancelled, listed and notified)",
        body=SessionTypePatch,
        responses={
            200: ("Changed", SessionTypeChange),
            404: NOT_FOUND,
            422: BAD_INPUT,
            **UNAUTHORISED,
        },
        tags=TAGS,
    )
)
@requires("admin")
async def update_session_type(request: Request) -> Response:
    slug = request.path_params["slug"]
    patch = await parse_json_body(request, SessionTypePatch)
    ctx = context(request)
    result = await run(request, lambda s: admin.update_session_type(s, ctx, slug, patch))
    body = SessionTypeChange(
        session_type=session_type_out(result.item),
        **change_fields(result, zone(request)),
    )
    return answer(request, body, 200, result)


# --- schedules ---------------------------------------------------------------------------------

LOCATION_FILTER = QueryParam("location", "Only this place's schedules (its slug).")


@operation(
    Operation(
        summary="Opening schedules and dated visits in force",
        query=[LOCATION_FILTER],
        responses={200: ("The schedules", ScheduleList), 404: NOT_FOUND, **UNAUTHORISED},
        tags=TAGS,
    )
)
@requires("admin")
async def list_schedules(request: Request) -> Response:
    location = request.query_params.get("location") or None
    views = await run(request, lambda s: admin.list_schedules(s, location))
    return answer(request, ScheduleList(schedules=[schedule_out(v) for v in views]))


@operation(
    Operation(
        summary="One schedule",
        responses={200: ("The schedule", ScheduleOut), 404: NOT_FOUND, **UNAUTHORISED},
        tags=TAGS,
    )
)
@requires("admin")
async def get_schedule(request: Request) -> Response:
    schedule_id = row_id(request, "schedule_not_found")
    view = await run(request, lambda s: admin.get_schedule(s, schedule_id))
    return answer(request, schedule_out(view))


@operation(
    Operation(
        summary="Add weekly opening hours, or a dated visit (date); its slots are made at once",
        body=ScheduleIn,
        responses={
            201: ("Added", ScheduleChange),
            409: CONFLICT,
            422: BAD_INPUT,
            **UNAUTHORISED,
        },
        tags=TAGS,
    )
)
@requires("admin")
async def create_schedule(request: Request) -> Response:
    data = await parse_json_body(request, ScheduleIn)
    ctx = context(request)
    result = await run(request, lambda s: admin.create_schedule(s, ctx, data))
    body = ScheduleChange(
        schedule=schedule_out(result.item), **change_fields(result, zone(request))
    )
    return answer(request, body, 201, result)


@operation(
    Operation(
        summary="Change a schedule; slots it no longer allows are withdrawn and their bookings "
        "cancelled, listed and notified",
        body=SchedulePatch,
        responses={
            200: ("Changed", ScheduleChange),
            404: NOT_FOUND,
            409: CONFLICT,
            422: BAD_INPUT,
            **UNAUTHORISED,
        },
        tags=TAGS,
    )
)
@requires("admin")
async def update_schedule(request: Request) -> Response:
    schedule_id = row_id(request, "schedule_not_found")
    patch = await parse_json_body(request, SchedulePatch)
    ctx = context(request)
    result = await run(request, lambda s: admin.update_schedule(s, ctx, schedule_id, patch))
    body = ScheduleChange(
        schedule=schedule_out(result.item), **change_fields(result, zone(request))
    )
    return answer(request, body, 200, result)


@operation(
    Operation(
        summary="End a schedule: its slots ahead are withdrawn and their bookings cancelled, "
        "listed and notified",
        responses={200: ("Ended", ScheduleChange), 404: NOT_FOUND, **UNAUTHORISED},
        tags=TAGS,
    )
)
@requires("admin")
async def delete_schedule(request: Request) -> Response:
    schedule_id = row_id(request, "schedule_not_found")
    ctx = context(request)
    result = await run(request, lambda s: admin.delete_schedule(s, ctx, schedule_id))
    body = ScheduleChange(
        schedule=schedule_out(result.item),
        deleted=result.deleted,
        **change_fields(result, zone(request)),
    )
    return answer(request, body, 200, result)


# --- closures ----------------------------------------------------------------------------------


@operation(
    Operation(
        summary="Closures (staff days and the like; the Danish public holidays need none)",
        responses={200: ("The closures", ClosureList), **UNAUTHORISED},
        tags=TAGS,
    )
)
@requires("coordinator")
async def list_closures(request: Request) -> Response:
    views = await run(request, admin.list_closures)
    return answer(request, ClosureList(closures=[closure_out(v) for v in views]))


@operation(
    Operation(
        summary="One closure",
        responses={200: ("The closure", ClosureOut), 404: NOT_FOUND, **UNAUTHORISED},
        tags=TAGS,
    )
)
@requires("coordinator")
async def get_closure(request: Request) -> Response:
    closure_id = row_id(request, "closure_not_found")
    view = await run(request, lambda s: admin.get_closure(s, closure_id))
    return answer(request, closure_out(view))


@operation(
    Operation(
        summary="Close a place (or every place, location null) for some days: its slots are "
        "withdrawn, and the answer lists the bookings cancelled (the citizens are notified)",
        body=ClosureIn,
        responses={201: ("Added", ClosureChange), 422: BAD_INPUT, **UNAUTHORISED},
        tags=TAGS,
    )
)
@requires("coordinator")
async def create_closure(request: Request) -> Response:
    data = await parse_json_body(request, ClosureIn)
    ctx = context(request)
    result = await run(request, lambda s: admin.create_closure(s, ctx, data))
    body = ClosureChange(closure=closure_out(result.item), **change_fields(result, zone(request)))
    return answer(request, body, 201, result, data.reason)


@operation(
    Operation(
        summary="Remove a closure: the days' slots come back",
        responses={200: ("Removed", ClosureChange), 404: NOT_FOUND, **UNAUTHORISED},
        tags=TAGS,
    )
)
@requires("coordinator")
async def delete_closure(request: Request) -> Response:
    closure_id = row_id(request, "closure_not_found")
    ctx = context(request)
    result = await run(request, lambda s: admin.delete_closure(s, ctx, closure_id))
    body = ClosureChange(closure=closure_out(result.item), **change_fields(result, zone(request)))
    return answer(request, body, 200, result)


PREFIX = "/api/v1/admin"
routes = [
    Route(f"{PREFIX}/locations", list_locations, methods=["GET"], name="admin_list_locations"),
    Route(f"{PREFIX}/locations", create_location, methods=["POST"], name="admin_create_location"),
    Route(f"{PREFIX}/locations/{{slug}}", get_location, methods=["GET"], name="admin_get_location"),
    Route(
        f"{PREFIX}/locations/{{slug}}",
        update_location,
        methods=["PATCH"],
        name="admin_update_location",
    ),
    Route(f"{PREFIX}/staff", list_staff, methods=["GET"], name="admin_list_staff"),
    Route(f"{PREFIX}/staff", create_staff, methods=["POST"], name="admin_create_staff"),
    Route(f"{PREFIX}/staff/{{id}}", get_staff, methods=["GET"], name="admin_get_staff"),
    Route(f"{PREFIX}/staff/{{id}}", update_staff, methods=["PATCH"], name="admin_update_staff"),
    Route(
        f"{PREFIX}/session-types",
        list_session_types,
        methods=["GET"],
        name="admin_list_session_types",
    ),
    Route(
        f"{PREFIX}/session-types",
        create_session_type,
        methods=["POST"],
        name="admin_create_session_type",
    ),
    Route(
        f"{PREFIX}/session-types/{{slug}}",
        get_session_type,
        methods=["GET"],
        name="admin_get_session_type",
    ),
    Route(
        f"{PREFIX}/session-types/{{slug}}",
        update_session_type,
        methods=["PATCH"],
        name="admin_update_session_type",
    ),
    Route(f"{PREFIX}/schedules", list_schedules, methods=["GET"], name="admin_list_schedules"),
    Route(f"{PREFIX}/schedules", create_schedule, methods=["POST"], name="admin_create_schedule"),
    Route(f"{PREFIX}/schedules/{{id}}", get_schedule, methods=["GET"], name="admin_get_schedule"),
    Route(
        f"{PREFIX}/schedules/{{id}}",
        update_schedule,
        methods=["PATCH"],
        name="admin_update_schedule",
    ),
    Route(
        f"{PREFIX}/schedules/{{id}}",
        delete_schedule,
        methods=["DELETE"],
        name="admin_delete_schedule",
    ),
    Route(f"{PREFIX}/closures", list_closures, methods=["GET"], name="admin_list_closures"),
    Route(f"{PREFIX}/closures", create_closure, methods=["POST"], name="admin_create_closure"),
    Route(f"{PREFIX}/closures/{{id}}", get_closure, methods=["GET"], name="admin_get_closure"),
    Route(
        f"{PREFIX}/closures/{{id}}",
        delete_closure,
        methods=["DELETE"],
        name="admin_delete_closure",
    ),
]
