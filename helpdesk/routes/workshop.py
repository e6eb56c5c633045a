"""The knowledge-base workshop in the browser: translation overview, guide editor with a live
preview, history with restore, and the audit log.

The domain work is :mod:`helpdesk.kb.workshop`; these routes turn forms into its input and its
errors back into a form with messages beside the fields. Everything works without JavaScript
(``/static/workshop.js`` only adds step buttons and the live preview); every form carries the
CSRF token. After a save the live knowledge base is refreshed at once, so triage, kiosk, widget
and guide pages of this process see the change; other processes follow within about a second.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sqlmodel import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from helpdesk import LANGUAGES, REFERENCE_LANGUAGES
from helpdesk.clock import utcnow
from helpdesk.dbtypes import parse_row_id
from helpdesk.i18n import N_, gettext_for, native_name
from helpdesk.kb import workshop
from helpdesk.kb.content import SLUG_PATTERN
from helpdesk.kb.diff import full_snapshot_lines, line_diff
from helpdesk.kb.labels import (
    ACTION_NAMES,
    CATEGORY_NAMES,
    FIELD_NAMES,
    SESSION_TYPE_NAMES,
    STATE_NAMES,
)
from helpdesk.routes._body import read_form
from helpdesk.routes._common import NO_STORE
from helpdesk.routes._db import acting_user, in_session
from helpdesk.routes._kb import refreshed_snapshot
from helpdesk.routes.workshop_views import (
    EXTRA_SOURCE_ROWS,
    MAX_STEP_FIELDS,
    EditorState,
    empty_values,
    error_summary,
    errors_by_field,
    language_view,
    new_state,
    options,
    overview_rows,
    parse_day,
    prefilled_phrases,
    preview_html,
    source_for,
    step_fields,
    unmet_cluster_questions,
    values_from_form,
)
from helpdesk.web.access import requires
from helpdesk.web.errors import MESSAGES, error_page, status_of
from helpdesk.web.locale import page_language
from helpdesk.web.templating import render

T = TypeVar("T")
DEMAND_DAYS = 30
"""The overview counts the citizens who asked in each language over this many days."""
AUDIT_PAGE_SIZE = 50

SAVED = N_("Saved. Triage, the kiosk, the chat widget and the guide pages use it now.")
RESTORED = N_("The version is restored as a new revision.")
CONFLICT = N_(
    "Someone else saved this version while you were editing. Your text is kept below. "
    "Compare it with the latest version (open it in a new tab); saving again replaces it."
)


# --- the translation overview -----------------------------------------------------------------


@requires("coordinator")
async def overview(request: Request) -> Response:
    language = page_language(request)
    show = request.query_params.get("show", "all")
    show = show if show in ("all", "stale", "missing") else "all"
    only = request.query_params.get("language") or None
    only = only if only in LANGUAGES else None
    since = utcnow().date() - dt.timedelta(days=DEMAND_DAYS)
    data = await in_session(request, lambda s: workshop.translation_overview(s, since=since))
    columns, rows = overview_rows(data, show, only)
    # Guides with at least one version in each state (what the filters will show).
    counts = {
        state: sum(1 for row in data.rows if any(c.state == state for c in row.cells.values()))
        for state in STATE_NAMES
    }
    context = {
        "columns": [language_view(code) for code in columns],
        "rows": rows,
        "asked": data.asked_by_language,
        "days": DEMAND_DAYS,
        "show": show,
        "only": only,
        "counts": counts,
        "state_names": {k: gettext_for(language, v) for k, v in STATE_NAMES.items()},
        "all_languages": [language_view(code) for code in LANGUAGES],
        "language_names": {code: native_name(code) for code in LANGUAGES},
    }
    return render(request, "workshop/overview.html", context, language, headers=NO_STORE)


# --- the editor -------------------------------------------------------------------------------


async def _load_editor(request: Request, slug: str, language: str) -> EditorState | None:
    wanted_source = request.query_params.get("source")

    def load(session: Session) -> EditorState | None:
        status = None
        try:
            values = workshop.current_snapshot(session, slug, language)
            status = workshop.version_status(session, slug, language)
            values["base_revision"] = status.latest_revision
            exists = True
        except workshop.WorkshopError as error:
            if error.code != "guide_version_not_found":
                return None
            exists = False
            values = {}
        source = source_for(session, slug, language, wanted_source)
        if not exists:
            # A new language version of a guide: the guide's fields and links from the source.
            reference = source.snapshot if source else {}
            if not reference:
                for code in REFERENCE_LANGUAGES:
                    try:
                        reference = workshop.current_snapshot(session, slug, code)
                        break
                    except workshop.WorkshopError:
                        continue
            if not reference:
                return None
            values = empty_values(reference)
            values["sources"] = list(reference.get("sources", []))
            values["review_status"] = "reviewed" if language in REFERENCE_LANGUAGES else "draft"
        return EditorState(
            slug=slug, language=language, values=values, exists=exists, status=status, source=source
        )

    return await in_session(request, load)


def _editor_page(request: Request, state: EditorState, status_code: int = 200) -> Response:
    language = page_language(request)
    if not state.step_fields:
        state.step_fields = step_fields(state.values)
    if state.preview is None:
        state.preview = preview_html(request, state.slug, state.language, state.values)
    sources = list(state.values.get("sources", []))
    sources += [{"title": "", "url": ""}] * EXTRA_SOURCE_ROWS
    errors = state.errors or {}
    context = {
        "state": state,
        "values": state.values,
        "version_language": language_view(state.language),
        "steps": list(state.values.get("steps", []))
        + [""] * (state.step_fields - len(state.values.get("steps", []))),
        "max_steps": MAX_STEP_FIELDS,
        "sources": sources,
        "errors": errors,
        "error_count": sum(len(v) for v in errors.values()),
        "error_summary": error_summary(errors, language),
        "field_names": {k: gettext_for(language, v) for k, v in FIELD_NAMES.items()},
        "categories": options(CATEGORY_NAMES, language),
        "session_types": options(SESSION_TYPE_NAMES, language),
        "state_names": {k: gettext_for(language, v) for k, v in STATE_NAMES.items()},
        "source_language": language_view(state.source.language) if state.source else None,
        "reference_languages": [language_view(code) for code in REFERENCE_LANGUAGES],
        "is_reference": state.language in REFERENCE_LANGUAGES,
        "slug_pattern": SLUG_PATTERN.strip("^$"),
    }
    return render(request, "workshop/editor.html", context, language, status_code, headers=NO_STORE)


def _version_language(request: Request) -> str | None:
    language = request.path_params["language"]
    return language if language in LANGUAGES else None


@requires("coordinator")
async def editor(request: Request) -> Response:
    slug, language = request.path_params["slug"], _version_language(request)
    state = await _load_editor(request, slug, language) if language else None
    if state is None:
        return error_page(request, 404, "not_found", page_language(request))
    notice = request.query_params.get("notice")
    if notice == "saved":
        state.message = gettext_for(page_language(request), SAVED)
    elif notice == "restored":
        state.message = gettext_for(page_language(request), RESTORED)
    return _editor_page(request, state)


async def _submit(
    request: Request, slug: str, language: str, state: EditorState, form: FormData, create: bool
) -> Response:
    """Save, or (the buttons that work without JavaScript) preview or add a step field."""
    page = page_language(request)
    values = values_from_form(form)
    state.values = values
    action = str(form.get("action") or "save")
    if action in ("preview", "add_step"):
        typed_steps = len(form.getlist("steps"))
        extra = 1 if action == "add_step" else 0
        state.step_fields = min(MAX_STEP_FIELDS, max(typed_steps + extra, 1))
        # Keep the empty fields the editor had, so "add step" really adds one.
        state.values = {**values, "steps": [str(s) for s in form.getlist("steps")]}
        state.preview = preview_html(request, slug, language, values)
        return _editor_page(request, state)
    actor = acting_user(request)
    try:
        result = await in_session(
            request,
            lambda s: workshop.save_version(s, slug, language, values, actor=actor, create=create),
        )
    except workshop.WorkshopError as error:
        if status_of(error) == 404:
            return error_page(request, 404, "not_found", page)
        state.errors = errors_by_field(error.field_errors, page)
        if error.code == "edit_conflict":
            state.conflict = True
            state.errors.setdefault("form", []).append(gettext_for(page, CONFLICT))
            # Saving again is a deliberate choice to replace the other editor's version.
            if state.status is not None:
                state.values["base_revision"] = state.status.latest_revision
        elif error.code == "guide_exists":
            message = MESSAGES.get(error.code, MESSAGES["invalid_request"])
            state.errors.setdefault("slug", []).append(gettext_for(page, message))
        elif not state.errors:
            message = MESSAGES.get(error.code, MESSAGES["invalid_request"])
            state.errors["form"] = [gettext_for(page, message)]
        return _editor_page(request, state, status_code=status_of(error))
    await refreshed_snapshot(request)
    query = urlencode({"notice": "saved"})
    return RedirectResponse(
        f"/workshop/guides/{result.slug}/{result.language}?{query}", status_code=303
    )


@requires("coordinator")
async def editor_submit(request: Request) -> Response:
    slug, language = request.path_params["slug"], _version_language(request)
    state = await _load_editor(request, slug, language) if language else None
    if state is None or language is None:
        return error_page(request, 404, "not_found", page_language(request))
    form = await read_form(request)
    return await _submit(request, slug, language, state, form, create=False)


# --- a new guide ------------------------------------------------------------------------------


@requires("coordinator")
async def new_guide(request: Request) -> Response:
    params = request.query_params
    language = params.get("language", "da")
    language = language if language in REFERENCE_LANGUAGES else "da"
    values = empty_values()
    values["review_status"] = "reviewed"
    start, end, cluster = parse_day(params.get("from")), parse_day(params.get("to")), None
    if start and end and params.get("cluster"):
        cluster = params["cluster"][:100]
        zone = ZoneInfo(request.app.state.settings.timezone)
        questions = await in_session(
            request, lambda s: unmet_cluster_questions(s, start, end, str(cluster), zone)
        )
        if questions:
            values["phrases"] = prefilled_phrases(questions)
    state = new_state(language, values)
    return _editor_page(request, state)


@requires("coordinator")
async def new_guide_submit(request: Request) -> Response:
    form = await read_form(request)
    slug = str(form.get("slug") or "").strip().lower()[:80]
    language = str(form.get("language") or "da")
    language = language if language in REFERENCE_LANGUAGES else "da"
    state = new_state(language, values_from_form(form), slug)
    return await _submit(request, slug, language, state, form, create=True)


# --- the live preview -------------------------------------------------------------------------


@requires("coordinator")
async def preview(request: Request) -> Response:
    """The editor's form in, the guide as citizens will see it out (an HTML fragment)."""
    form = await read_form(request)
    language = str(form.get("version_language") or form.get("language") or "da")
    language = language if language in LANGUAGES else "da"
    slug = str(form.get("slug") or "")
    html = preview_html(request, slug, language, values_from_form(form))
    return HTMLResponse(html, headers={"Content-Language": language, **NO_STORE})


# --- history and restore ----------------------------------------------------------------------


async def _history_page(
    request: Request,
    slug: str,
    chosen: int | None,
    problems: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    language = page_language(request)

    def load(session: Session) -> dict[str, Any] | None:
        try:
            revisions = workshop.list_revisions(session, slug)
        except workshop.WorkshopError:
            return None
        diff = None
        selected = next((r for r in revisions if r.id == chosen), None)
        if selected is not None:
            previous = next(
                (r for r in revisions if r.language == selected.language and r.id < selected.id),
                None,
            )
            after = workshop.get_revision(session, selected.id).snapshot
            before = workshop.get_revision(session, previous.id).snapshot if previous else {}
            diff = {
                "revision": selected,
                "previous": previous,
                "lines": line_diff(
                    full_snapshot_lines(before, language) if before else [],
                    full_snapshot_lines(after, language),
                ),
            }
        return {"revisions": revisions, "diff": diff}

    data = await in_session(request, load)
    if data is None:
        return error_page(request, 404, "not_found", language)
    latest: dict[str, int] = {}
    for revision in data["revisions"]:
        latest.setdefault(revision.language, revision.id)
    context = {
        "slug": slug,
        "revisions": data["revisions"],
        "latest": latest,
        "diff": data["diff"],
        "problems": problems,
        "action_names": {k: gettext_for(language, v) for k, v in ACTION_NAMES.items()},
        "field_names": {k: gettext_for(language, v) for k, v in FIELD_NAMES.items()},
        "language_names": {code: native_name(code) for code in LANGUAGES},
    }
    return render(
        request, "workshop/history.html", context, language, status_code, headers=NO_STORE
    )


@requires("coordinator")
async def history(request: Request) -> Response:
    chosen = parse_row_id(request.query_params.get("revision"))
    return await _history_page(request, request.path_params["slug"], chosen)


@requires("coordinator")
async def restore(request: Request) -> Response:
    slug = request.path_params["slug"]
    revision_id = parse_row_id(request.path_params["revision_id"])
    if revision_id is None:
        return error_page(request, 404, "not_found", page_language(request))
    actor = acting_user(request)

    def work(session: Session) -> workshop.SaveResult | None:
        detail = workshop.get_revision(session, revision_id)
        if detail.slug != slug:
            return None
        return workshop.restore_revision(session, revision_id, actor=actor)

    try:
        result = await in_session(request, work)
    except workshop.WorkshopError as error:
        if status_of(error) == 404:
            return error_page(request, 404, "not_found", page_language(request))
        # A snapshot that no longer validates (e.g. a phrase another guide uses now).
        language = page_language(request)
        problems = [
            gettext_for(language, MESSAGES.get(error.code, MESSAGES["invalid_request"])),
            *(p for items in errors_by_field(error.field_errors, language).values() for p in items),
        ]
        return await _history_page(request, slug, revision_id, problems, status_of(error))
    if result is None:
        return error_page(request, 404, "not_found", page_language(request))
    await refreshed_snapshot(request)
    return RedirectResponse(
        f"/workshop/guides/{result.slug}/{result.language}?notice=restored", status_code=303
    )


# --- the audit log ----------------------------------------------------------------------------


@requires("admin")
async def audit(request: Request) -> Response:
    language = page_language(request)
    raw = request.query_params.get("page", "1")
    page = int(raw) if raw.isdigit() and 0 < len(raw) < 7 and int(raw) > 0 else 1
    offset = (page - 1) * AUDIT_PAGE_SIZE
    entries = await in_session(
        request,
        lambda s: workshop.audit_entries(s, limit=AUDIT_PAGE_SIZE + 1, offset=offset),
    )
    context = {
        "entries": entries[:AUDIT_PAGE_SIZE],
        "page": page,
        "has_next": len(entries) > AUDIT_PAGE_SIZE,
    }
    return render(request, "workshop/audit.html", context, language, headers=NO_STORE)


routes = [
    Route("/workshop", overview, methods=["GET"], name="workshop"),
    Route("/workshop/guides/new", new_guide, methods=["GET"], name="workshop_new"),
    Route("/workshop/guides/new", new_guide_submit, methods=["POST"], name="workshop_create"),
    Route("/workshop/preview", preview, methods=["POST"], name="workshop_preview"),
    # Before the editor's {slug}/{language}: "history" is not a language.
    Route("/workshop/guides/{slug}/history", history, methods=["GET"], name="workshop_history"),
    Route(
        "/workshop/guides/{slug}/history/{revision_id}/restore",
        restore,
        methods=["POST"],
        name="workshop_restore",
    ),
    Route("/workshop/guides/{slug}/{language}", editor, methods=["GET"], name="workshop_editor"),
    Route(
        "/workshop/guides/{slug}/{language}",
        editor_submit,
        methods=["POST"],
        name="workshop_save",
    ),
    Route("/admin/audit", audit, methods=["GET"], name="admin_audit"),
]
