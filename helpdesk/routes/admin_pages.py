"""The admin pages for places and their opening hours (``/admin/places``), in the workshop's
style: thin forms around :mod:`helpdesk.booking.admin`, CSRF-protected, every message in the
page's language. A change that cancels bookings answers with the list of them (the citizens
are told after the response). Staff, session types and closures are in
:mod:`helpdesk.routes.admin_people_pages`."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from helpdesk.booking import admin
from helpdesk.booking.admin_inputs import LocationIn, LocationPatch, ScheduleIn
from helpdesk.dbtypes import parse_row_id
from helpdesk.routes._body import read_form
from helpdesk.routes._common import NO_STORE
from helpdesk.routes._db import in_session
from helpdesk.routes.admin_views import (
    FormRefused,
    after_change,
    change,
    context,
    form_page,
    labels,
    per_language,
    saved_notice,
    text,
    validated,
)
from helpdesk.web.access import requires
from helpdesk.web.locale import page_language
from helpdesk.web.templating import render

PLACE_FIELDS = ("name", "kind", "address", "postcode", "city")


def _place_values(form: Any) -> dict[str, Any]:
    values: dict[str, Any] = {name: text(form, name) for name in PLACE_FIELDS}
    values["step_free"] = form.get("step_free") == "on"
    values["listed"] = form.get("listed") == "on"
    values["notes"] = per_language(form, "notes")
    values["drop_in"] = per_language(form, "drop_in")
    return values


async def _places_page(
    request: Request,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    places = await in_session(request, admin.list_locations)
    return form_page(
        request,
        "admin/places.html",
        {"places": places},
        errors=errors,
        values=values,
        blank={"kind": "library", "step_free": True, "listed": True},
        status=status,
    )


@requires("admin")
async def places(request: Request) -> Response:
    return await _places_page(request)


@requires("admin")
async def create_place(request: Request) -> Response:
    form = await read_form(request)
    language = page_language(request)
    values = {"slug": text(form, "slug"), **_place_values(form)}
    if values["kind"] == "outreach" and form.get("listed") != "on":
        values["listed"] = False
    try:
        data = validated(LocationIn, values, language)
        ctx = context(request)
        result = await change(request, lambda s: admin.create_location(s, ctx, data))
    except FormRefused as refused:
        return await _places_page(request, refused.errors, values, refused.status)
    return after_change(request, result, f"/admin/places/{result.item.slug}")


async def _place_page(
    request: Request,
    slug: str,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    schedule_errors: dict[str, str] | None = None,
    schedule_values: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    language = page_language(request)

    def work(session: Session) -> dict[str, Any]:
        try:
            place = admin.get_location(session, slug)
        except admin.AdminError as error:
            raise HTTPException(404) from error
        return {
            "place": place,
            "schedules": admin.list_schedules(session, slug),
            "staff": [m for m in admin.list_staff(session) if m.active],
            "session_types": [t for t in admin.list_session_types(session) if t.active],
        }

    found = await in_session(request, work)
    place = found["place"]
    page = {
        **found,
        "errors": errors or {},
        "values": values
        or {
            **{name: getattr(place, name) for name in (*PLACE_FIELDS, "step_free", "listed")},
            "notes": place.notes,
            "drop_in": place.drop_in,
            "active": place.active,
        },
        "schedule_errors": schedule_errors or {},
        "schedule_values": schedule_values or {"capacity": 1, "staff": []},
        "notice": saved_notice(request, language),
        "booking_link": f"{request.app.state.settings.public_base_url}/book?location={slug}",
        **labels(language),
    }
    return render(request, "admin/place.html", page, language, headers=NO_STORE, status_code=status)


@requires("admin")
async def place(request: Request) -> Response:
    return await _place_page(request, request.path_params["slug"])


@requires("admin")
async def update_place(request: Request) -> Response:
    slug = request.path_params["slug"]
    form = await read_form(request)
    language = page_language(request)
    values = {**_place_values(form), "active": form.get("active") == "on"}
    try:
        patch = validated(LocationPatch, values, language)
        ctx = context(request)
        result = await change(request, lambda s: admin.update_location(s, ctx, slug, patch))
    except FormRefused as refused:
        return await _place_page(request, slug, refused.errors, values, status=refused.status)
    return after_change(request, result, f"/admin/places/{slug}")


@requires("admin")
async def create_schedule(request: Request) -> Response:
    slug = request.path_params["slug"]
    form = await read_form(request)
    language = page_language(request)
    values: dict[str, Any] = {
        "location": slug,
        "session_type": text(form, "session_type"),
        "weekday": text(form, "weekday"),
        "date": text(form, "date"),
        "starts": text(form, "starts"),
        "ends": text(form, "ends"),
        "capacity": text(form, "capacity"),
        "staff": [v for v in form.getlist("staff") if isinstance(v, str) and v.isdigit()],
        "valid_from": text(form, "valid_from"),
        "valid_to": text(form, "valid_to"),
    }
    if values["date"]:
        values["weekday"] = None
    try:
        data = validated(ScheduleIn, values, language)
        ctx = context(request)
        result = await change(request, lambda s: admin.create_schedule(s, ctx, data))
    except FormRefused as refused:
        return await _place_page(
            request,
            slug,
            schedule_errors=refused.errors,
            schedule_values=values,
            status=refused.status,
        )
    return after_change(request, result, f"/admin/places/{slug}")


@requires("admin")
async def delete_schedule(request: Request) -> Response:
    schedule_id = parse_row_id(request.path_params["id"])
    if schedule_id is None:
        raise HTTPException(404)
    ctx = context(request)
    try:
        result = await change(request, lambda s: admin.delete_schedule(s, ctx, schedule_id))
    except FormRefused as refused:
        raise HTTPException(404) from refused
    return after_change(request, result, f"/admin/places/{result.item.location.slug}")


routes = [
    Route("/admin/places", places, methods=["GET"], name="admin_places"),
    Route("/admin/places", create_place, methods=["POST"], name="admin_create_place"),
    Route("/admin/places/{slug}", place, methods=["GET"], name="admin_place"),
    Route("/admin/places/{slug}", update_place, methods=["POST"], name="admin_update_place"),
    Route(
        "/admin/places/{slug}/schedules",
        create_schedule,
        methods=["POST"],
        name="admin_place_schedule",
    ),
    Route(
        "/admin/schedules/{id}/delete",
        delete_schedule,
        methods=["POST"],
        name="admin_end_schedule",
    ),
]
