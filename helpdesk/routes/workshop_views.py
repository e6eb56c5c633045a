"""The workshop's forms and view models, apart from its handlers (:mod:`helpdesk.routes.workshop`):
the editor form as values and back, field errors beside their fields, the preview, the overview's
ranking and the source version shown beside a translation.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup
from pydantic import ValidationError
from sqlmodel import Session
from starlette.datastructures import FormData
from starlette.requests import Request

from helpdesk import LANGUAGES, REFERENCE_LANGUAGES
from helpdesk.dbtypes import parse_row_id
from helpdesk.errors import FieldError
from helpdesk.i18n import N_, gettext_for, is_rtl, native_name
from helpdesk.kb import workshop
from helpdesk.kb.content import Source
from helpdesk.kb.diff import line_diff, snapshot_lines
from helpdesk.kb.labels import FIELD_NAMES
from helpdesk.kb.store import GUIDE_FIELDS
from helpdesk.privacy import redact_cpr, redact_personal_data
from helpdesk.triage.messages import draft_notice
from helpdesk.web.problems import problem_text
from helpdesk.web.templating import render_to_string

EXTRA_STEP_FIELDS = 2
"""Empty step fields offered under the filled ones (without JavaScript, "Add step" adds more)."""
EXTRA_SOURCE_ROWS = 1
MAX_STEP_FIELDS = 20

LINE_PROBLEM = N_("Line %(line)s: %(problem)s")
STEP_LABEL = N_("Step %(number)s")
LINK_LABEL = N_("Link %(number)s")


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


def errors_by_field(errors: Iterable[FieldError], language: str) -> dict[str, list[str]]:
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


def language_view(code: str) -> dict[str, Any]:
    return {"code": code, "name": native_name(code), "rtl": is_rtl(code)}


def options(names: Mapping[str, str], language: str) -> list[tuple[str, str]]:
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


@dataclass(frozen=True)
class OverviewRowView:
    slug: str
    title: str
    cells: list[tuple[str, workshop.OverviewCell]]
    urgency: int


def overview_rows(
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


def empty_values(guide_level: Mapping[str, Any] | None = None) -> dict[str, Any]:
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


@dataclass(frozen=True)
class SourceView:
    language: str
    snapshot: dict[str, Any]
    # When this version is out of date: the source as it was when it was last saved -> now.
    changes: list[tuple[str, str]] | None


def source_for(session: Session, slug: str, language: str, wanted: str | None) -> SourceView | None:
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


def step_fields(values: Mapping[str, Any], extra: int = EXTRA_STEP_FIELDS) -> int:
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


def error_summary(
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


def unmet_cluster_questions(
    session: Session, start: dt.date, end: dt.date, cluster_id: str, zone: ZoneInfo
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
    for cluster in unmet_demand(session, start, end, zone=zone):
        # A suppressed group stays hidden here too (the small-number rule of the dashboard).
        if str(cluster.id) == cluster_id and not getattr(cluster, "suppressed", False):
            return [str(question) for question in cluster.questions]
    return None


def parse_day(raw: str | None) -> dt.date | None:
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


def new_state(language: str, values: dict[str, Any], slug: str = "") -> EditorState:
    return EditorState(slug=slug, language=language, values=values, is_new=True, exists=False)
