"""The knowledge-base workshop: editing guides and their language versions in the database.

Plain domain logic (no HTTP): the caller passes a SQLModel session and commits. Every save is
validated like ``helpdesk kb check`` validates the files, keeps a revision (a full snapshot) and an
audit entry, marks translations stale when their Danish or English source changes, and raises the
knowledge-base generation so that every service process rebuilds its triage index.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from pydantic import ConfigDict, Field, ValidationError
from sqlalchemy import func
from sqlmodel import Session, col, select

from helpdesk import LANGUAGES, REFERENCE_LANGUAGES
from helpdesk.clock import utcnow
from helpdesk.dbtypes import InputModel
from helpdesk.errors import DomainError, FieldError, field_errors
from helpdesk.events.models import TriageEvent
from helpdesk.kb.content import (
    SLUG_PATTERN,
    Aliases,
    Bring,
    Category,
    Guide,
    Phrases,
    ReviewStatus,
    SessionType,
    ShortText,
    Sources,
    Steps,
    Text,
)
from helpdesk.kb.files import KB_DIR, load_intents
from helpdesk.kb.models import (
    AuditLogRecord,
    GuideRecord,
    GuideRevisionRecord,
    GuideTranslationRecord,
)
from helpdesk.kb.store import (
    GUIDE_FIELDS,
    SOURCE_CONTENT_FIELDS,
    TRANSLATION_FIELDS,
    _hash,
    add_audit,
    add_revision,
    bump_generation,
    changed_fields,
    guide_values,
    mark_others_stale,
    translation_values,
    version_snapshot,
)
from helpdesk.normalize import normalize
from helpdesk.privacy import redact_cpr

Action = Literal["create", "edit", "restore", "import", "review"]
CellState = Literal["missing", "draft", "reviewed", "stale"]

# Defence in depth: the content is plain text (with simple Markdown), rendered through a
# sanitiser; text that looks like HTML or script is refused outright with a clear message.
_HTML_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!?][^>]*>")
_EVENT_ATTRIBUTE = re.compile(r"\bon[a-z]+\s*=", re.IGNORECASE)
_SCRIPT_URL = re.compile(r"\b(?:javascript|vbscript|data)\s*:", re.IGNORECASE)


# --- the interface's data types ---------------------------------------------------------------


class WorkshopError(DomainError):
    """A save or lookup that cannot be done, with a problem per field for ``guide_invalid``."""

    def __init__(self, code: str, field_errors: list[FieldError] | None = None) -> None:
        super().__init__(code)
        self.field_errors: list[FieldError] = field_errors or []


class VersionIn(InputModel):
    """One language version with its guide's shared fields: the JSON ``GET
    /api/v1/guides/{slug}?lang=xx`` returns. Read-only fields of that answer are ignored."""

    model_config = ConfigDict(extra="ignore")

    # Shared by every language version of the guide.
    category: Category
    aliases: Aliases = Field(default_factory=list)
    sensitive: bool = False
    session_type: SessionType = "digital-help"
    # This language version.
    title: ShortText
    summary: ShortText
    steps: Steps
    bring: Bring = Field(default_factory=list)
    help_in_person: Text
    phrases: Phrases
    sources: Sources
    review_status: ReviewStatus = "draft"
    last_checked: dt.date | None = Field(default=None, description="Defaults to today.")
    base_revision: int | None = Field(
        default=None,
        description="The revision the edit started from; a newer one answers 409 edit_conflict.",
    )


@dataclass(frozen=True)
class SaveResult:
    slug: str
    language: str
    revision: int
    created: bool
    stale_languages: list[str]


@dataclass(frozen=True)
class VersionStatus:
    review_status: str
    reviewed_by: str | None
    reviewed_at: dt.datetime | None
    stale: bool
    stale_since: dt.datetime | None
    updated_at: dt.datetime
    updated_by: str | None
    latest_revision: int | None


@dataclass(frozen=True)
class RevisionInfo:
    id: int
    slug: str
    language: str
    created_at: dt.datetime
    actor: str
    action: str
    changed_fields: list[str]


@dataclass(frozen=True)
class RevisionDetail(RevisionInfo):
    snapshot: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OverviewCell:
    state: CellState
    reviewed_by: str | None = None
    reviewed_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    stale_since: dt.datetime | None = None


@dataclass(frozen=True)
class OverviewRow:
    slug: str
    title: str
    category: str
    cells: dict[str, OverviewCell]


@dataclass(frozen=True)
class TranslationOverview:
    since: dt.date
    rows: list[OverviewRow]
    #: Triage events since ``since`` identified in each language: where citizens are asking.
    asked_by_language: dict[str, int]


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: dt.datetime
    actor: str
    action: str
    target: str
    summary: str


# --- helpers ----------------------------------------------------------------------------------


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands back naive UTC wall time for plain DateTime columns."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


def _guide(session: Session, slug: str, *, for_update: bool = False) -> GuideRecord | None:
    query = select(GuideRecord).where(GuideRecord.slug == slug)
    if for_update:
        query = query.with_for_update()
    return session.exec(query).first()


def _require_guide(session: Session, slug: str) -> GuideRecord:
    record = _guide(session, slug)
    if record is None:
        raise WorkshopError("guide_not_found")
    return record


def _versions(session: Session, guide_id: int) -> dict[str, GuideTranslationRecord]:
    rows = session.exec(
        select(GuideTranslationRecord).where(GuideTranslationRecord.guide_id == guide_id)
    ).all()
    return {row.language: row for row in rows}


def _latest_revision(session: Session, guide_id: int, language: str) -> int | None:
    return session.exec(
        select(func.max(GuideRevisionRecord.id)).where(
            GuideRevisionRecord.guide_id == guide_id, GuideRevisionRecord.language == language
        )
    ).first()


def _strings(value: Any, loc: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if isinstance(value, str):
        yield loc, value
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*loc, index))
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _strings(item, (*loc, str(key)))


def _markup_errors(data: Mapping[str, Any]) -> list[FieldError]:
    errors = []
    for name in ("title", "summary", "steps", "bring", "help_in_person", "phrases", "aliases"):
        for loc, text in _strings(data.get(name), (name,)):
            if _HTML_TAG.search(text) or _EVENT_ATTRIBUTE.search(text):
                errors.append(
                    FieldError(loc, "HTML is not allowed; write plain text or Markdown", "html")
                )
            elif _SCRIPT_URL.search(text):
                errors.append(
                    FieldError(
                        loc, "script links are not allowed; use an https link", "script_link"
                    )
                )
    for loc, text in _strings(data.get("sources"), ("sources",)):
        if loc[-1] == "title" and (_HTML_TAG.search(text) or _EVENT_ATTRIBUTE.search(text)):
            errors.append(FieldError(loc, "HTML is not allowed; write plain text", "html"))
    return errors


@lru_cache(maxsize=1)
def _intent_phrases() -> dict[str, str]:
    """Normalised intent phrase -> intent name (the intents live in files, not the database)."""
    owners = {}
    for intent in load_intents(KB_DIR, []):
        for phrases in intent.phrases.values():
            for phrase in phrases:
                owners[normalize(phrase)] = intent.name
    return owners


def _shared_phrase_errors(session: Session, slug: str, phrases: list[str]) -> list[FieldError]:
    """kb check's rule: a search phrase names one guide only (after normalisation)."""
    wanted = {normalize(p): i for i, p in enumerate(phrases)}
    rows = session.exec(
        select(GuideRecord.slug, GuideTranslationRecord.phrases)
        .join(GuideTranslationRecord, col(GuideTranslationRecord.guide_id) == col(GuideRecord.id))
        .where(GuideRecord.slug != slug)
    ).all()
    clash: dict[int, tuple[str, str]] = {}
    for other_slug, other_phrases in rows:
        for phrase in other_phrases:
            index = wanted.get(normalize(phrase))
            if index is not None:
                clash.setdefault(index, ("guide", other_slug))
    for key, index in wanted.items():
        if key in _intent_phrases():
            clash.setdefault(index, ("intent", _intent_phrases()[key]))
    return [
        FieldError(
            ("phrases", index),
            f"this search phrase is already used by {kind} {owner}",
            "phrase_taken",
            {"owner": owner},
        )
        for index, (kind, owner) in sorted(clash.items())
    ]


def _validate(
    session: Session,
    slug: str,
    language: str,
    data: Mapping[str, Any],
    others: dict[str, GuideTranslationRecord],
) -> tuple[VersionIn, Guide]:
    errors = _markup_errors(data)
    try:
        body = VersionIn.model_validate(data)
    except ValidationError as exc:
        raise WorkshopError("guide_invalid", field_errors(exc) + errors) from exc
    translations: dict[str, Any] = {
        lang: translation_values(v) for lang, v in others.items() if lang != language
    }
    translations[language] = {
        **body.model_dump(include=set(TRANSLATION_FIELDS)),
        "last_checked": body.last_checked or dt.date.today(),
    }
    try:
        guide = Guide.model_validate(
            {
                **body.model_dump(include=set(GUIDE_FIELDS)),
                "slug": slug,
                "translations": translations,
            }
        )
    except ValidationError as exc:
        for item in field_errors(exc):
            if item.loc[:2] == ("translations", language):
                errors.append(dataclasses.replace(item, loc=item.loc[2:]))
            elif item.loc[:1] == ("translations",):
                other = item.loc[1] if len(item.loc) > 1 else "?"
                errors.append(
                    FieldError((), f"the stored {other} version is invalid", "stored_invalid")
                )
            else:
                errors.append(item)
    else:
        if language in REFERENCE_LANGUAGES and body.review_status != "reviewed":
            errors.append(
                FieldError(
                    ("review_status",),
                    "the Danish and English versions are the reference and must be reviewed",
                    "reference_not_reviewed",
                )
            )
        errors += _shared_phrase_errors(session, slug, body.phrases)
    if errors:
        raise WorkshopError("guide_invalid", errors)
    return body, guide


# --- saving -----------------------------------------------------------------------------------


def _without_cpr(value: Any) -> Any:
    if isinstance(value, str):
        return redact_cpr(value)
    if isinstance(value, Mapping):
        return {key: _without_cpr(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_cpr(item) for item in value]
    return value


def save_version(
    session: Session,
    slug: str,
    language: str,
    data: Mapping[str, Any],
    *,
    actor: str,
    create: bool = False,
) -> SaveResult:
    """Validate and save one language version (and its guide's shared fields).

    ``create=True`` makes a new guide: the slug must be free and the first version is Danish or
    English. A change to the Danish or English text marks the other languages stale; saving a
    version clears its own stale mark; "reviewed" records who and when.
    """
    return _save(session, slug, language, data, actor=actor, create=create, action=None)


def _save(
    session: Session,
    slug: str,
    language: str,
    data: Mapping[str, Any],
    *,
    actor: str,
    create: bool,
    action: Action | None,
) -> SaveResult:
    if language not in LANGUAGES:
        raise WorkshopError("unknown_language")
    record = _guide(session, slug, for_update=True)
    if create:
        if record is not None:
            raise WorkshopError("guide_exists")
        problems = []
        if not re.fullmatch(SLUG_PATTERN, slug) or len(slug) > 80:
            problems.append(
                FieldError(
                    ("slug",), "use lower-case letters, digits and single hyphens", "slug_format"
                )
            )
        if language not in REFERENCE_LANGUAGES:
            problems.append(
                FieldError(
                    ("language",),
                    "a new guide starts with its Danish or English version",
                    "reference_first",
                )
            )
        if problems:
            raise WorkshopError("guide_invalid", problems)
    elif record is None:
        raise WorkshopError("guide_not_found")

    # Guide text is published, so public phone numbers and e-mails stay; a CPR number never does.
    data = _without_cpr(data)
    versions = _versions(session, record.id) if record is not None and record.id else {}
    latest = _latest_revision(session, record.id, language) if record and record.id else None
    body, guide = _validate(session, slug, language, data, versions)
    if body.base_revision is not None and body.base_revision != latest:
        raise WorkshopError("edit_conflict")
    now = utcnow()

    # The guide's shared fields.
    shared = guide.model_dump(mode="json", include=set(GUIDE_FIELDS))
    guide_changes: list[str] = []
    if record is None:
        record = GuideRecord(
            slug=slug, **shared, content_hash=_hash({"slug": slug, **shared}), updated_by=actor
        )
        session.add(record)
        session.flush()
    else:
        guide_changes = changed_fields(guide_values(record), shared)
        if guide_changes:
            for key in guide_changes:
                setattr(record, key, shared[key])
            record.content_hash = _hash({"slug": slug, **shared})
            record.updated_at, record.updated_by = now, actor
    assert record.id is not None

    # The language version.
    values = guide.translations[language].model_dump(mode="python")
    values["sources"] = [dict(s) for s in values["sources"]]
    version = versions.get(language)
    created = version is None
    was_stale = bool(version and version.stale)
    before_status = version.review_status if version else None
    if version is None:
        version = GuideTranslationRecord(guide_id=record.id, language=language, **values)
        session.add(version)
        version_changes = sorted(values)
    else:
        version_changes = changed_fields(translation_values(version), values)
        for key in version_changes:
            setattr(version, key, values[key])
    if not (created or version_changes or guide_changes or was_stale):
        # Nothing to save: no revision, no new generation.
        assert latest is not None
        return SaveResult(slug, language, latest, False, [])

    version.content_hash = _hash(values)
    version.updated_at, version.updated_by = now, actor
    version.stale, version.stale_since = False, None
    if body.review_status == "reviewed":
        if created or version_changes or before_status != "reviewed" or was_stale:
            version.reviewed_by, version.reviewed_at = actor, now
    else:
        version.reviewed_by = version.reviewed_at = None
    session.flush()

    stale: list[str] = []
    source_changed = set(version_changes) & set(SOURCE_CONTENT_FIELDS)
    if language in REFERENCE_LANGUAGES and source_changed and not created:
        # A reference version that was catching up with the other one does not make it stale.
        keep = set(REFERENCE_LANGUAGES) if was_stale else {language}
        stale = mark_others_stale(session, record.id, keep, now)
    kind: Action = action or ("create" if created else "edit")
    fields = sorted(set(version_changes) | set(guide_changes))
    revision = add_revision(session, record, version, actor=actor, action=kind, fields=fields)
    summary = f"{kind}: {', '.join(fields) or 'marked up to date'}"
    if stale:
        summary += f"; marked stale: {', '.join(stale)}"
    add_audit(
        session,
        actor=actor,
        action=f"guide.{kind}",
        target=f"guide:{slug}/{language}",
        summary=summary,
    )
    bump_generation(session)
    session.flush()
    assert revision.id is not None
    return SaveResult(slug, language, revision.id, created, stale)


def set_review_status(
    session: Session, slug: str, language: str, status: Literal["draft", "reviewed"], *, actor: str
) -> None:
    """Mark a version reviewed (by ``actor``, now) or back to draft, without other changes."""
    record = _require_guide(session, slug)
    assert record.id is not None
    version = _versions(session, record.id).get(language)
    if version is None:
        raise WorkshopError("guide_version_not_found")
    if status not in ("draft", "reviewed"):
        raise WorkshopError("guide_invalid", [FieldError(("review_status",), "draft or reviewed")])
    if status == "draft" and language in REFERENCE_LANGUAGES:
        raise WorkshopError(
            "guide_invalid",
            [
                FieldError(
                    ("review_status",),
                    "the Danish and English versions are the reference and must be reviewed",
                    "reference_not_reviewed",
                )
            ],
        )
    if version.review_status == status and not (status == "reviewed" and version.stale):
        return
    now = utcnow()
    version.review_status = status
    version.content_hash = _hash(translation_values(version))
    version.updated_at, version.updated_by = now, actor
    if status == "reviewed":
        version.reviewed_by, version.reviewed_at = actor, now
        version.stale, version.stale_since = False, None
    else:
        version.reviewed_by = version.reviewed_at = None
    session.flush()
    add_revision(session, record, version, actor=actor, action="review", fields=["review_status"])
    add_audit(
        session,
        actor=actor,
        action="guide.review",
        target=f"guide:{slug}/{language}",
        summary=f"review status: {status}",
    )
    bump_generation(session)
    session.flush()


def restore_revision(session: Session, revision_id: int, *, actor: str) -> SaveResult:
    """Save an old revision's snapshot as the current version: a new revision, same rules."""
    detail = get_revision(session, revision_id)
    return _save(
        session,
        detail.slug,
        detail.language,
        detail.snapshot,
        actor=actor,
        create=False,
        action="restore",
    )


# --- reading ----------------------------------------------------------------------------------


def guide_exists(session: Session, slug: str) -> bool:
    return _guide(session, slug) is not None


def version_status(session: Session, slug: str, language: str) -> VersionStatus:
    record = _require_guide(session, slug)
    assert record.id is not None
    version = _versions(session, record.id).get(language)
    if version is None:
        raise WorkshopError("guide_version_not_found")
    updated_at = _aware(version.updated_at)
    assert updated_at is not None
    return VersionStatus(
        review_status=version.review_status,
        reviewed_by=version.reviewed_by,
        reviewed_at=version.reviewed_at,
        stale=version.stale,
        stale_since=version.stale_since,
        updated_at=updated_at,
        updated_by=version.updated_by,
        latest_revision=_latest_revision(session, record.id, language),
    )


def current_snapshot(session: Session, slug: str, language: str) -> dict[str, Any]:
    """The stored version in the shape :class:`VersionIn` accepts (for an editor to start from)."""
    record = _require_guide(session, slug)
    assert record.id is not None
    version = _versions(session, record.id).get(language)
    if version is None:
        raise WorkshopError("guide_version_not_found")
    return version_snapshot(record, version)


def _revision_info(row: GuideRevisionRecord, slug: str) -> RevisionInfo:
    assert row.id is not None
    return RevisionInfo(
        id=row.id,
        slug=slug,
        language=row.language,
        created_at=row.created_at,
        actor=row.actor,
        action=row.action,
        changed_fields=list(row.changed_fields),
    )


def list_revisions(session: Session, slug: str, language: str | None = None) -> list[RevisionInfo]:
    """A guide's history, newest first (one language, or all)."""
    record = _require_guide(session, slug)
    query = select(GuideRevisionRecord).where(GuideRevisionRecord.guide_id == record.id)
    if language is not None:
        query = query.where(GuideRevisionRecord.language == language)
    rows = session.exec(query.order_by(col(GuideRevisionRecord.id).desc())).all()
    return [_revision_info(row, slug) for row in rows]


def get_revision(session: Session, revision_id: int) -> RevisionDetail:
    found = session.exec(
        select(GuideRevisionRecord, GuideRecord.slug)
        .join(GuideRecord, col(GuideRecord.id) == col(GuideRevisionRecord.guide_id))
        .where(GuideRevisionRecord.id == revision_id)
    ).first()
    if found is None:
        raise WorkshopError("revision_not_found")
    row, slug = found
    info = _revision_info(row, slug)
    return RevisionDetail(**vars(info), snapshot=dict(row.snapshot))


def translation_overview(session: Session, *, since: dt.date) -> TranslationOverview:
    """Guides x languages with their state, and how many citizens asked in each language."""
    records = session.exec(select(GuideRecord).order_by(col(GuideRecord.slug))).all()
    by_guide: dict[int, dict[str, GuideTranslationRecord]] = {}
    for stored in session.exec(select(GuideTranslationRecord)).all():
        by_guide.setdefault(stored.guide_id, {})[stored.language] = stored
    rows = []
    for record in records:
        versions = by_guide.get(record.id or 0, {})
        cells = {}
        for language in LANGUAGES:
            version = versions.get(language)
            if version is None:
                cells[language] = OverviewCell("missing")
                continue
            state: CellState = "stale" if version.stale else version.review_status  # type: ignore[assignment]
            cells[language] = OverviewCell(
                state=state,
                reviewed_by=version.reviewed_by,
                reviewed_at=version.reviewed_at,
                updated_at=_aware(version.updated_at),
                stale_since=version.stale_since,
            )
        title_version = versions.get("da") or versions.get("en") or next(iter(versions.values()))
        rows.append(OverviewRow(record.slug, title_version.title, record.category, cells))
    start = dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC)
    counts = session.exec(
        select(TriageEvent.language, func.count())
        .where(TriageEvent.created_at >= start)
        .group_by(TriageEvent.language)
    ).all()
    asked = Counter(dict.fromkeys(LANGUAGES, 0))
    asked.update({language: count for language, count in counts if language in LANGUAGES})
    return TranslationOverview(since=since, rows=rows, asked_by_language=dict(asked))


def audit_entries(session: Session, *, limit: int = 100, offset: int = 0) -> list[AuditEntry]:
    """The newest first."""
    rows = session.exec(
        select(AuditLogRecord)
        .order_by(col(AuditLogRecord.at).desc(), col(AuditLogRecord.id).desc())
        .offset(offset)
        .limit(limit)
    ).all()
    return [
        AuditEntry(
            id=row.id or 0,
            at=row.at,
            actor=row.actor,
            action=row.action,
            target=row.target,
            summary=row.summary,
        )
        for row in rows
    ]
