"""The admin pages for staff and their languages (``/admin/staff``), kinds of session
(``/admin/session-types``) and closures (``/admin/closures``, coordinators too): thin forms
around :mod:`helpdesk.booking.admin`, like :mod:`helpdesk.routes.admin_pages`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from helpdesk import LANGUAGES
from helpdesk.booking import admin
from helpdesk.booking.admin_inputs import (
    ClosureIn,
    SessionTypeIn,
    SessionTypePatch,
    StaffIn,
    StaffPatch,
)
from helpdesk.dbtypes import parse_row_id
from helpdesk.routes._body import read_form
from helpdesk.routes._common import zone
from helpdesk.routes._db import in_session
from helpdesk.routes.admin_views import (
    FormRefused,
    after_change,
    change,
    context,
    form_page,
    per_language,
    text,
    validated,
)
from helpdesk.web.access import requires
from helpdesk.web.locale import page_language


def _row_id(request: Request) -> int:
    value = parse_row_id(request.path_params["id"])
    if value is None:
        raise HTTPException(404)
    return value


def _languages(form: Any) -> list[str]:
    return [code for code in form.getlist("languages") if code in LANGUAGES]


# --- staff -------------------------------------------------------------------------------------


async def _staff_page(
    request: Request,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    members = await in_session(request, admin.list_staff)
    return form_page(
        request,
        "admin/staff.html",
        {"members": members},
        errors=errors,
        values=values,
        blank={"languages": ["da"]},
        status=status,
    )


@requires("admin")
async def staff(request: Request) -> Response:
    return await _staff_page(request)


@requires("admin")
async def create_staff(request: Request) -> Response:
    form = await read_form(request)
    language = page_language(request)
    values = {"name": text(form, "name"), "languages": _languages(form)}
    try:
        data = validated(StaffIn, values, language)
        ctx = context(request)
        result = await change(request, lambda s: admin.create_staff(s, ctx, data))
    except FormRefused as refused:
        return await _staff_page(request, refused.errors, values, refused.status)
    return after_change(request, result, "/admin/staff")


@requires("admin")
async def update_staff(request: Request) -> Response:
    staff_id = _row_id(request)
    form = await read_form(request)
    language = page_language(request)
    values = {
        "name": text(form, "name"),
        "languages": _languages(form),
        "active": form.get("active") == "on",
    }
    try:
        patch = validated(StaffPatch, values, language)
        ctx = context(request)
        result = await change(request, lambda s: admin.update_staff(s, ctx, staff_id, patch))
    except FormRefused as refused:
        return await _staff_page(request, refused.errors, None, refused.status)
    return after_change(request, result, "/admin/staff")


# --- session types -----------------------------------------------------------------------------


async def _types_page(
    request: Request,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    types = await in_session(request, admin.list_session_types)
    return form_page(
        request,
        "admin/session_types.html",
        {"types": types},
        errors=errors,
        values=values,
        blank={"duration_minutes": 30},
        status=status,
    )


@requires("admin")
async def session_types(request: Request) -> Response:
    return await _types_page(request)


@requires("admin")
async def create_session_type(request: Request) -> Response:
    form = await read_form(request)
    language = page_language(request)
    values = {
        "slug": text(form, "slug"),
        "duration_minutes": text(form, "duration_minutes"),
        "names": per_language(form, "names"),
    }
    try:
        data = validated(SessionTypeIn, values, language)
        ctx = context(request)
        result = await change(request, lambda s: admin.create_session_type(s, ctx, data))
    except FormRefused as refused:
        return await _types_page(request, refused.errors, values, refused.status)
    return after_change(request, result, "/admin/session-types")


@requires("admin")
async def update_session_type(request: Request) -> Response:
    slug = request.path_params["slug"]
    form = await read_form(request)
    language = page_language(request)
    values = {
        "duration_minutes": text(form, "duration_minutes"),
        "active": form.get("active") == "on",
    }
    try:
        patch = validated(SessionTypePatch, values, language)
        ctx = context(request)
        result = await change(request, lambda s: admin.update_session_type(s, ctx, slug, patch))
    except FormRefused as refused:
        return await _types_page(request, refused.errors, None, refused.status)
    return after_change(request, result, "/admin/session-types")


# --- closures ----------------------------------------------------------------------------------


async def _closures_page(
    request: Request,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    today = dt.datetime.now(zone(request)).date()

    def work(session: Session) -> dict[str, Any]:
        return {
            "closures": admin.list_closures(session, since=today),
            "places": [p for p in admin.list_locations(session) if p.active],
        }

    listing = await in_session(request, work)
    return form_page(
        request,
        "admin/closures.html",
        listing,
        errors=errors,
        values=values,
        blank={},
        status=status,
    )


@requires("coordinator")
async def closures(request: Request) -> Response:
    return await _closures_page(request)


@requires("coordinator")
async def create_closure(request: Request) -> Response:
    form = await read_form(request)
    language = page_language(request)
    values = {
        "location": text(form, "location"),
        "from": text(form, "from"),
        "to": text(form, "to") or text(form, "from"),
        "reason": text(form, "reason"),
    }
    try:
        data = validated(ClosureIn, {**values, "location": values["location"]}, language)
        ctx = context(request)
        result = await change(request, lambda s: admin.create_closure(s, ctx, data))
    except FormRefused as refused:
        return await _closures_page(request, refused.errors, values, refused.status)
    return after_change(request, result, "/admin/closures", data.reason)


@requires("coordinator")
async def delete_closure(request: Request) -> Response:
    closure_id = _row_id(request)
    ctx = context(request)
    try:
        result = await change(request, lambda s: admin.delete_closure(s, ctx, closure_id))
    except FormRefused as refused:
        raise HTTPException(404) from refused
    return after_change(request, result, "/admin/closures")


routes = [
    Route("/admin/staff", staff, methods=["GET"], name="admin_staff"),
    Route("/admin/staff", create_staff, methods=["POST"], name="admin_add_staff"),
    Route("/admin/staff/{id}", update_staff, methods=["POST"], name="admin_change_staff"),
    Route("/admin/session-types", session_types, methods=["GET"], name="admin_session_types"),
    Route(
        "/admin/session-types",
        create_session_type,
        methods=["POST"],
        name="admin_add_session_type",
    ),
    Route(
        "/admin/session-types/{slug}",
        update_session_type,
        methods=["POST"],
        name="admin_change_session_type",
    ),
    Route("/admin/closures", closures, methods=["GET"], name="admin_closures"),
    Route("/admin/closures", create_closure, methods=["POST"], name="admin_add_closure"),
    Route(
        "/admin/closures/{id}/delete",
        delete_closure,
        methods=["POST"],
        name="admin_remove_closure",
    ),
]
