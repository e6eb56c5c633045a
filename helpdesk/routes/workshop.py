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
import difflib
import importlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode

from markupsafe import Markup
from pydantic import ValidationError
from sqlmodel import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from helpdesk import LANGUAGES, REFERENCE_LANGUAGES
from helpdesk.accounts.auth import csrf_token
from helpdesk.dbtypes import parse_row_id
from helpdesk.errors import FieldError
from helpdesk.i18n import N_, gettext_for, is_rtl, native_name
from helpdesk.kb import workshop
from helpdesk.kb.content import SLUG_PATTERN, Source
from helpdesk.kb.models import utcnow
from helpdesk.kb.store import GUIDE_FIELDS
from helpdesk.privacy import redact_cpr, redact_personal_data
from helpdesk.routes._db import acting_user, in_session
from helpdesk.routes._kb import refreshed_snapshot
from helpdesk.triage.messages import draft_notice
from helpdesk.web.access import requires
from helpdesk.web.errors import MESSAGES, status_of
from helpdesk.web.locale import page_language
from helpdesk.web.problems import problem_text
from helpdesk.web.templating import render, render_to_string

T = TypeVar("T")
NO_STORE = {"Cache-Control": "no-store"}
EXTRA_STEP_FIELDS = 2
"""Empty step fields offered under the filled ones (without JavaScript, "Add step" adds more)."""
EXTRA_SOURCE_ROWS = 1
MAX_STEP_FIELDS = 20
DEMAND_DAYS = 30
"""The overview counts the citizens who asked in each language over this many days."""
AUDIT_PAGE_SIZE = 50

CATEGORY_NAMES = {
    "mitid": N_("MitID"),
    "digital-post": N_("Digital Post"),
    "id-cards": N_("Passport, driving licence and ID"),
    "registration-money": N_("Registration and money"),
    "everyday": N_("Everyday digital life"),
}
SESSION_TYPE_NAMES = {
    "digital-help": N_("Digital help (30 min)"),
    "citizen-service": N_("Citizen service (20 min)"),
}
STATE_NAMES = {
    "missing": N_("Missing"),
    "draft": N_("Draft"),
    "reviewed": N_("Reviewed"),
    "stale": N_("Out of date"),
}
ACTION_NAMES = {
    "create": N_("Created"),
    "edit": N_("Edited"),
    "restore": N_("Restored"),
    "import": N_("Imported from the files"),
    "review": N_("Review status"),
}
FIELD_NAMES = {
    "slug": N_("Short name (slug)"),
    "language": N_("Language"),
    "category": N_("Category"),
    "aliases": N_("Other names"),
    "sensitive": N_("Sensitive matter"),
    "session_type": N_("Kind of session"),
    "title": N_("Title"),
    "summary": N_("Summary"),
    "steps": N_("Steps"),
    "bring": N_("What to bring"),
    "help_in_person": N_("Help in person"),
    "phrases": N_("Search phrases"),
    "sources": N_("Links"),
    "review_status": N_("Review status"),
    "last_checked": N_("Last checked"),
}
LINE_PROBLEM = N_("Line %(line)s: %(problem)s")
STEP_LABEL = N_("Step %(number)s")
LINK_LABEL = N_("Link %(number)s")
SAVED = N_("Saved. Triage, the kiosk, the chat widget and the guide pages use it now.")
RESTORED = N_("The version is restored as a new revision.")
CONFLICT = N_(
    "Someone else saved this version while you were editing. Your text is kept below. "
    "Compare it with the latest version (open it in a new tab); saving again replaces it."
)


# --- helpers ----------------------------------------------------------------------------------


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _text(form: FormData, name: str) -> str:
    # A CPR number never belongs in a guide; phone numbers and e-mails may (Borgerservice's).
    return redact_cpr(str(form.get(name) or "")).strip()


def values_from_form(form: FormData) -> dict[str, Any]:
    """The editor form as the dict ``save_version`` takes (and the form re-renders from)."""
    steps = [redact_cpr(str(step)).strip() for step in form.getlist("steps")]
    titles = [redact_cpr(str(title)).strip() for title in form.getlist("source_title")]
    urls = [str(url).strip() for url in form.getlist("source_url")]
    sources = [
        {"title": title, "url": url}
        for title, url in zip(titles, urls, strict=False)
        if title or url
    ]
    raw_base = str(form.get("base_revision") or "")
    return {
        "category": str(form.get("category") or ""),
        "aliases": _lines(_text(form, "aliases")),
        "sensitive": form.get("sensitive") == "1",
        "session_type": str(form.get("session_type") or ""),
        "title": _text(form, "title"),
        "summary": _text(form, "summary"),
        "steps": [step for step in steps if step],
        "bring": _lines(_text(form, "bring")),
        "help_in_person": _text(form, "help_in_person"),
        "phrases": _lines(_text(form, "phrases")),
        "sources": sources,
        "review_status": str(form.get("review_status") or "draft"),
        "base_revision": parse_row_id(raw_base),
    }


def field_errors(errors: Iterable[FieldError], language: str) -> dict[str, list[str]]:
    """Errors by form field: "title", "steps.2", "sources.0.url", "phrases" ... "form"."""
    out: dict[str, list[str]] = {}
    for error in errors:
        loc, problem = error.loc, problem_text(error, language)
        head = str(loc[0]) if loc else "form"
        index = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else None
        if head == "steps" and index is not None:
            key = f"steps.{index}"
        elif head == "sources" and index is not None and len(loc) > 2:
            key = f"sources.{index}.{loc[2]}"
        elif head in ("phrases", "bring", "aliases") and index is not None:
            key = head
            problem = gettext_for(language, LINE_PROBLEM, line=index + 1, problem=problem)
        elif head in FIELD_NAMES or head == "form":
            key = head
        else:
            key = "form"
        out.setdefault(key, []).append(problem)
    return out


def _language_view(code: str) -> dict[str, Any]:
    return {"code": code, "name": native_name(code), "rtl": is_rtl(code)}


def _options(names: Mapping[str, str], language: str) -> list[tuple[str, str]]:
    return [(key, gettext_for(language, name)) for key, name in names.items()]


def _valid_sources(sources: Iterable[Mapping[str, Any]]) -> list[Source]:
    """Only links that would pass validation are shown in a preview (never javascript:)."""
    valid = []
    for source in sources:
        try:
            valid.append(Source.model_validate(source))
        except ValidationError:
            continue
    return valid


def preview_html(request: Request, slug: str, language: str, values: Mapping[str, Any]) -> Markup:
    """The version as citizens will see it: the public page's own partial, in its language."""
    guide = {
        "slug": slug or "preview",
        "language": language,
        "fallback": False,
        "title": values.get("title", ""),
        "summary": values.get("summary", ""),
        "steps": values.get("steps", []),
        "bring": values.get("bring", []),
        "help_in_person": values.get("help_in_person", ""),
        "sources": _valid_sources(values.get("sources", [])),
        "draft_notice": draft_notice(language)
        if values.get("review_status") != "reviewed"
        else None,
        "last_checked": dt.date.today(),
    }
    return render_to_string(request, "workshop/_preview.html", {"guide": guide}, language)


# --- the translation overview -----------------------------------------------------------------


@dataclass(frozen=True)
class OverviewRowView:
    slug: str
    title: str
    cells: list[tuple[str, workshop.OverviewCell]]
    urgency: int


def _overview_rows(
    overview: workshop.TranslationOverview, show: str, only: str | None
) -> tuple[list[str], list[OverviewRowView]]:
    asked = overview.asked_by_language
    others = sorted(
        (code for code in LANGUAGES if code not in REFERENCE_LANGUAGES),
        key=lambda code: (-asked.get(code, 0), LANGUAGES.index(code)),
    )
    columns = [*REFERENCE_LANGUAGES, *others]
    if only:
        columns = [only]

    def weight(code: str, cell: workshop.OverviewCell) -> int:
        # Missing or out-of-date versions in languages citizens ask in matter most; then drafts.
        factor = {"missing": 3, "stale": 3, "draft": 1}.get(cell.state, 0)
        return factor * (asked.get(code, 0) + 1)

    rows = []
    for row in overview.rows:
        cells = [(code, row.cells[code]) for code in columns]
        if show in ("stale", "missing") and not any(cell.state == show for _, cell in cells):
            continue
        urgency = sum(weight(code, cell) for code, cell in cells)
        rows.append(OverviewRowView(row.slug, row.title, cells, urgency))
    rows.sort(key=lambda r: (-r.urgency, r.slug))
    return columns, rows


@requires("coordinator")
async def overview(request: Request) -> Response:
    language = page_language(request)
    show = request.query_params.get("show", "all")
    show = show if show in ("all", "stale", "missing") else "all"
    only = request.query_params.get("language") or None
    only = only if only in LANGUAGES else None
    since = utcnow().date() - dt.timedelta(days=DEMAND_DAYS)
    data = await in_session(request, lambda s: workshop.translation_overview(s, since=since))
    columns, rows = _overview_rows(data, show, only)
    # Guides with at least one version in each state (what the filters will show).
    counts = {
        state: sum(1 for row in data.rows if any(c.state == state for c in row.cells.values()))
        for state in STATE_NAMES
    }
    context = {
        "columns": [_language_view(code) for code in columns],
        "rows": rows,
        "asked": data.asked_by_language,
        "days": DEMAND_DAYS,
        "show": show,
        "only": only,
        "counts": counts,
        "state_names": {k: gettext_for(language, v) for k, v in STATE_NAMES.items()},
        "all_languages": [_language_view(code) for code in LANGUAGES],
        "language_names": {code: native_name(code) for code in LANGUAGES},
        "csrf_token": csrf_token(request),
        "principal": request.state.principal,
    }
    return render(request, "workshop/overview.html", context, language, headers=NO_STORE)


# --- the editor -------------------------------------------------------------------------------


def _empty_values(guide_level: Mapping[str, Any] | None = None) -> dict[str, Any]:
    values: dict[str, Any] = {
        "category": "everyday",
        "aliases": [],
        "sensitive": False,
        "session_type": "digital-help",
        "title": "",
        "summary": "",
        "steps": [],
        "bring": [],
        "help_in_person": "",
        "phrases": [],
        "sources": [],
        "review_status": "draft",
        "base_revision": None,
    }
    if guide_level:
        values.update({k: guide_level[k] for k in GUIDE_FIELDS if k in guide_level})
    return values


def snapshot_lines(snapshot: Mapping[str, Any], language: str) -> list[str]:
    """A version as labelled lines, for a readable line diff."""

    def label(name: str) -> str:
        return gettext_for(language, FIELD_NAMES[name])

    lines = [f"{label('title')}: {snapshot.get('title', '')}"]
    lines.append(f"{label('summary')}: {snapshot.get('summary', '')}")
    for number, step in enumerate(snapshot.get("steps", []), start=1):
        lines.append(f"{label('steps')} {number}: {step}")
    lines += [f"{label('bring')}: {item}" for item in snapshot.get("bring", [])]
    lines.append(f"{label('help_in_person')}: {snapshot.get('help_in_person', '')}")
    return lines


def full_snapshot_lines(snapshot: Mapping[str, Any], language: str) -> list[str]:
    """Everything a revision keeps, including phrases, links and the guide-level fields."""

    def label(name: str) -> str:
        return gettext_for(language, FIELD_NAMES[name])

    lines = snapshot_lines(snapshot, language)
    lines += [f"{label('phrases')}: {phrase}" for phrase in snapshot.get("phrases", [])]
    lines += [
        f"{label('sources')}: {source.get('title', '')} <{source.get('url', '')}>"
        for source in snapshot.get("sources", [])
    ]
    named = {"review_status": STATE_NAMES, "category": CATEGORY_NAMES}
    named["session_type"] = SESSION_TYPE_NAMES
    for name, names in named.items():
        value = str(snapshot.get(name, ""))
        lines.append(
            f"{label(name)}: {gettext_for(language, names[value]) if value in names else value}"
        )
    if snapshot.get("sensitive"):
        lines.append(label("sensitive"))
    lines += [f"{label('aliases')}: {alias}" for alias in snapshot.get("aliases", [])]
    return lines


def line_diff(before: list[str], after: list[str]) -> list[tuple[str, str]]:
    """(kind, line) with kind "same", "removed" or "added", in reading order."""
    out: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out += [("same", line) for line in before[i1:i2]]
        else:
            out += [("removed", line) for line in before[i1:i2]]
            out += [("added", line) for line in after[j1:j2]]
    return out


@dataclass(frozen=True)
class SourceView:
    language: str
    snapshot: dict[str, Any]
    # When this version is out of date: the source as it was when it was last saved -> now.
    changes: list[tuple[str, str]] | None


def _source_for(
    session: Session, slug: str, language: str, wanted: str | None
) -> SourceView | None:
    """The Danish or English version shown beside a translation (the newer one by default)."""
    candidates = [code for code in REFERENCE_LANGUAGES if code != language]
    statuses: dict[str, workshop.VersionStatus] = {}
    for code in candidates:
        try:
            statuses[code] = workshop.version_status(session, slug, code)
        except workshop.WorkshopError:
            continue
    if not statuses:
        return None
    if wanted in statuses:
        source = wanted
    else:
        source = max(statuses, key=lambda code: statuses[code].updated_at)
    assert source is not None
    current = workshop.current_snapshot(session, slug, source)
    changes = None
    try:
        mine = workshop.version_status(session, slug, language)
    except workshop.WorkshopError:
        mine = None
    if mine is not None and mine.stale:
        changes = _source_changes(session, slug, source, mine.updated_at, current)
    return SourceView(source, current, changes)


def _source_changes(
    session: Session,
    slug: str,
    source: str,
    since: dt.datetime,
    current: Mapping[str, Any],
) -> list[tuple[str, str]]:
    """The source's text as it was when the translation was last saved, against the source now."""
    revisions = workshop.list_revisions(session, slug, source)
    older = [r for r in revisions if _aware(r.created_at) <= _aware(since)]
    if not older:
        return []
    then = workshop.get_revision(session, older[0].id).snapshot
    return line_diff(snapshot_lines(then, source), snapshot_lines(current, source))


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


@dataclass
class EditorState:
    slug: str
    language: str
    values: dict[str, Any]
    is_new: bool = False
    exists: bool = True
    status: workshop.VersionStatus | None = None
    source: SourceView | None = None
    step_fields: int = 0
    errors: dict[str, list[str]] | None = None
    message: str | None = None
    conflict: bool = False
    preview: Markup | None = None


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
        source = _source_for(session, slug, language, wanted_source)
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
            values = _empty_values(reference)
            values["sources"] = list(reference.get("sources", []))
            values["review_status"] = "reviewed" if language in REFERENCE_LANGUAGES else "draft"
        return EditorState(
            slug=slug, language=language, values=values, exists=exists, status=status, source=source
        )

    return await in_session(request, load)


def _step_fields(values: Mapping[str, Any], extra: int = EXTRA_STEP_FIELDS) -> int:
    return min(MAX_STEP_FIELDS, max(len(values.get("steps", [])) + extra, 1))


def error_anchor(key: str) -> str | None:
    """The id of the form field an error key belongs to (the summary links to it)."""
    parts = key.split(".")
    if parts[0] == "steps":
        return f"step-{int(parts[1]) + 1}" if len(parts) > 1 else "step-1"
    if parts[0] == "sources":
        if len(parts) > 2 and parts[2] in ("title", "url"):
            return f"source-{parts[2]}-{int(parts[1]) + 1}"
        return "source-title-1"
    if parts[0] == "review_status":
        return "review-draft"
    if parts[0] == "form":
        return None
    return "field-" + parts[0].replace("_", "-")


def _error_summary(
    errors: Mapping[str, list[str]], language: str
) -> list[tuple[str | None, str, str]]:
    """(field id to link to, field label, message) for the summary above the form."""
    out: list[tuple[str | None, str, str]] = []
    for key, messages in errors.items():
        parts = key.split(".")
        label = gettext_for(language, FIELD_NAMES[parts[0]]) if parts[0] in FIELD_NAMES else ""
        if parts[0] == "steps" and len(parts) > 1:
            label = gettext_for(language, STEP_LABEL, number=int(parts[1]) + 1)
        elif parts[0] == "sources" and len(parts) > 2:
            label = gettext_for(language, LINK_LABEL, number=int(parts[1]) + 1)
        out += [(error_anchor(key), label, message) for message in messages]
    return out


def _editor_page(request: Request, state: EditorState, status_code: int = 200) -> Response:
    language = page_language(request)
    if not state.step_fields:
        state.step_fields = _step_fields(state.values)
    if state.preview is None:
        state.preview = preview_html(request, state.slug, state.language, state.values)
    sources = list(state.values.get("sources", []))
    sources += [{"title": "", "url": ""}] * EXTRA_SOURCE_ROWS
    errors = state.errors or {}
    context = {
        "state": state,
        "values": state.values,
        "version_language": _language_view(state.language),
        "steps": list(state.values.get("steps", []))
        + [""] * (state.step_fields - len(state.values.get("steps", []))),
        "max_steps": MAX_STEP_FIELDS,
        "sources": sources,
        "errors": errors,
        "error_count": sum(len(v) for v in errors.values()),
        "error_summary": _error_summary(errors, language),
        "field_names": {k: gettext_for(language, v) for k, v in FIELD_NAMES.items()},
        "categories": _options(CATEGORY_NAMES, language),
        "session_types": _options(SESSION_TYPE_NAMES, language),
        "state_names": {k: gettext_for(language, v) for k, v in STATE_NAMES.items()},
        "source_language": _language_view(state.source.language) if state.source else None,
        "reference_languages": [_language_view(code) for code in REFERENCE_LANGUAGES],
        "is_reference": state.language in REFERENCE_LANGUAGES,
        "slug_pattern": SLUG_PATTERN.strip("^$"),
        "csrf_token": csrf_token(request),
        "principal": request.state.principal,
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
        return render(request, "not_found.html", {}, page_language(request), status_code=404)
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
            return render(request, "not_found.html", {}, page, status_code=404)
        state.errors = field_errors(error.field_errors, page)
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
        return render(request, "not_found.html", {}, page_language(request), status_code=404)
    form = await request.form()
    return await _submit(request, slug, language, state, form, create=False)


# --- a new guide ------------------------------------------------------------------------------


def unmet_cluster_questions(
    session: Session, start: dt.date, end: dt.date, cluster_id: str
) -> list[str] | None:
    """The questions of one unmet-demand cluster, from the metrics package.

    Imported lazily: the workshop does not depend on the metrics package being there. None when
    it is not there or the cluster is unknown.
    """
    try:
        metrics: Any = importlib.import_module("helpdesk.metrics")
        unmet_demand = getattr(metrics, "unmet_demand", None)
        if unmet_demand is None:
            unmet_demand = importlib.import_module("helpdesk.metrics.unmet").unmet_demand
    except (ImportError, AttributeError):
        return None
    for cluster in unmet_demand(session, start, end):
        # A suppressed group stays hidden here too (the small-number rule of the dashboard).
        if str(cluster.id) == cluster_id and not getattr(cluster, "suppressed", False):
            return [str(question) for question in cluster.questions]
    return None


def _parse_day(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def prefilled_phrases(questions: Iterable[str], limit: int = 60) -> list[str]:
    """Questions as search phrases: redacted (again), one line each, no repeats."""
    phrases: list[str] = []
    seen: set[str] = set()
    for question in questions:
        phrase = " ".join(redact_personal_data(question).split())[:300]
        if phrase and phrase.casefold() not in seen:
            seen.add(phrase.casefold())
            phrases.append(phrase)
    return phrases[:limit]


def _new_state(language: str, values: dict[str, Any], slug: str = "") -> EditorState:
    return EditorState(slug=slug, language=language, values=values, is_new=True, exists=False)


@requires("coordinator")
async def new_guide(request: Request) -> Response:
    params = request.query_params
    language = params.get("language", "da")
    language = language if language in REFERENCE_LANGUAGES else "da"
    values = _empty_values()
    values["review_status"] = "reviewed"
    start, end, cluster = _parse_day(params.get("from")), _parse_day(params.get("to")), None
    if start and end and params.get("cluster"):
        cluster = params["cluster"][:100]
        questions = await in_session(
            request, lambda s: unmet_cluster_questions(s, start, end, str(cluster))
        )
        if questions:
            values["phrases"] = prefilled_phrases(questions)
    state = _new_state(language, values)
    return _editor_page(request, state)


@requires("coordinator")
async def new_guide_submit(request: Request) -> Response:
    form = await request.form()
    slug = str(form.get("slug") or "").strip().lower()[:80]
    language = str(form.get("language") or "da")
    language = language if language in REFERENCE_LANGUAGES else "da"
    state = _new_state(language, values_from_form(form), slug)
    return await _submit(request, slug, language, state, form, create=True)


# --- the live preview -------------------------------------------------------------------------


@requires("coordinator")
async def preview(request: Request) -> Response:
    """The editor's form in, the guide as citizens will see it out (an HTML fragment)."""
    form = await request.form()
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
        return render(request, "not_found.html", {}, language, status_code=404)
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
        "csrf_token": csrf_token(request),
        "principal": request.state.principal,
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
        return render(request, "not_found.html", {}, page_language(request), status_code=404)
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
            return render(request, "not_found.html", {}, page_language(request), 404)
        # A snapshot that no longer validates (e.g. a phrase another guide uses now).
        language = page_language(request)
        problems = [
            gettext_for(language, MESSAGES.get(error.code, MESSAGES["invalid_request"])),
            *(p for items in field_errors(error.field_errors, language).values() for p in items),
        ]
        return await _history_page(request, slug, revision_id, problems, status_of(error))
    if result is None:
        return render(request, "not_found.html", {}, page_language(request), status_code=404)
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
        "csrf_token": csrf_token(request),
        "principal": request.state.principal,
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
