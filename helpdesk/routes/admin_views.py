"""What the admin pages share: reading a form into an admin input model, a refused change's
messages by field, the answer after a change (the list of bookings it cancelled, the citizens
told after the response), and the labels of weekdays and kinds of place."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from babel import Locale
from pydantic import BaseModel, ValidationError
from sqlmodel import Session
from starlette.background import BackgroundTask
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from helpdesk import LANGUAGES
from helpdesk.booking import admin
from helpdesk.booking.notify import notify_affected
from helpdesk.errors import FieldError, field_errors
from helpdesk.i18n import N_, gettext_for, native_name
from helpdesk.routes._common import NO_STORE, zone
from helpdesk.routes._db import acting_user, in_session
from helpdesk.web.errors import MESSAGES, status_of
from helpdesk.web.locale import page_language
from helpdesk.web.templating import render

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

KINDS = {
    "citizen-service": N_("Citizen service"),
    "library": N_("Library"),
    "outreach": N_("Outreach"),
}
SAVED = N_("Saved. It applies at once: the bookable times have been updated.")


class FormRefused(Exception):
    """A form that cannot be saved: its messages by field, and the status to answer with."""

    def __init__(self, errors: dict[str, str], status: int = 422) -> None:
        super().__init__("form refused")
        self.errors, self.status = errors, status


def context(request: Request) -> admin.AdminContext:
    return admin.AdminContext(
        actor=acting_user(request),
        settings=request.app.state.settings,
        user_id=request.state.principal.user_id,
    )


def text(form: FormData, name: str) -> str | None:
    """A form field's text, None when empty."""
    value = str(form.get(name) or "").strip()
    return value or None


def per_language(form: FormData, prefix: str) -> dict[str, str]:
    """``notes_da``, ``notes_en`` … as {"da": …, "en": …} (empty ones left out)."""
    return {code: value for code in LANGUAGES if (value := text(form, f"{prefix}_{code}"))}


def messages(problems: list[FieldError], language: str) -> dict[str, str]:
    from helpdesk.web.problems import problem_text

    out: dict[str, str] = {}
    for problem in problems:
        name = str(problem.loc[0]) if problem.loc else "form"
        out.setdefault(name, problem_text(problem, language))
    return out


def validated(model: type[M], data: Mapping[str, Any], language: str) -> M:
    """The form's data as ``model``, or :class:`FormRefused` with a message per field."""
    try:
        return model.model_validate({k: v for k, v in data.items() if v is not None})
    except ValidationError as exc:
        raise FormRefused(messages(field_errors(exc), language)) from exc


async def change(request: Request, work: Callable[[Session], T]) -> T:
    """Run an admin change in one transaction; a refusal as :class:`FormRefused`."""
    try:
        return await in_session(request, work)
    except admin.AdminError as error:
        language = page_language(request)
        errors = messages(error.problems, language)
        if not errors:
            errors["form"] = gettext_for(language, MESSAGES[error.code])
        raise FormRefused(errors, status_of(error)) from error


def after_change(
    request: Request, result: admin.AdminResult[Any], back: str, reason: str = ""
) -> Response:
    """Back to the page with "saved", or, where the change cancelled bookings, the list of them
    for staff (the citizens are told after the response)."""
    if not result.affected:
        return RedirectResponse(f"{back}?saved=1", status_code=303, headers=NO_STORE)
    task = BackgroundTask(
        notify_affected, request.app.state.settings, list(result.affected), reason
    )
    language = page_language(request)
    zone_info = zone(request)
    rows = [
        {"item": item, "starts": item.starts_at.astimezone(zone_info)} for item in result.affected
    ]
    response = render(
        request,
        "admin/affected.html",
        {"rows": rows, "back": back, "native_name": native_name},
        language,
        headers=NO_STORE,
    )
    response.background = task
    return response


def saved_notice(request: Request, language: str) -> str | None:
    return gettext_for(language, SAVED) if request.query_params.get("saved") else None


def labels(language: str) -> dict[str, Any]:
    return {
        # Babel's own names of the days: Monday is 0 there as here.
        "weekdays": [Locale.parse(language).days["format"]["wide"][day] for day in range(7)],
        "kinds": {kind: gettext_for(language, label) for kind, label in KINDS.items()},
        "all_languages": [(code, native_name(code)) for code in LANGUAGES],
    }


def form_page(
    request: Request,
    template: str,
    listing: Mapping[str, Any],
    *,
    errors: dict[str, str] | None,
    values: dict[str, Any] | None,
    blank: dict[str, Any],
    status: int,
) -> Response:
    """An admin page: what it lists, its form (the values typed, or ``blank`` ones) with a
    message per field, the "saved" notice, and the labels every admin page uses."""
    language = page_language(request)
    page = {
        **listing,
        "errors": errors or {},
        "values": values or blank,
        "notice": saved_notice(request, language),
        **labels(language),
    }
    return render(request, template, page, language, headers=NO_STORE, status_code=status)
