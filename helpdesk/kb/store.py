"""The knowledge base in the database: import from files, reading it back, and the bookkeeping
every change shares (revisions, stale marks, the generation counter).

Files and the workshop (``helpdesk.kb.workshop``) both write here. The rule that lets them live
together: a language version (or a guide's shared fields) is updated from the files only when the
file itself changed since the last import (``file_hash``); otherwise the database wins, so an edit
made in the workshop survives every restart. New guides and versions in the files are imported.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from helpdesk import LANGUAGES, REFERENCE_LANGUAGES
from helpdesk.clock import utcnow
from helpdesk.kb.content import Guide, Translation
from helpdesk.kb.models import (
    AuditLogRecord,
    GuideRecord,
    GuideRevisionRecord,
    GuideTranslationRecord,
    KbGenerationRecord,
)

IMPORT_ACTOR = "files"
GUIDE_FIELDS = ("category", "aliases", "sensitive", "session_type")
TRANSLATION_FIELDS = tuple(Translation.model_fields)
#: A change to one of these in the Danish or English version makes the other languages stale
#: (search phrases, sources and dates are not something a translation follows line by line).
SOURCE_CONTENT_FIELDS = ("title", "summary", "steps", "bring", "help_in_person")


def _hash(data: Any) -> str:
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _guide_fields(guide: Guide) -> dict[str, Any]:
    return guide.model_dump(mode="json", exclude={"translations"})


def _translation_fields(translation: Translation) -> dict[str, Any]:
    data = translation.model_dump(mode="python")
    data["sources"] = [source.model_dump() for source in translation.sources]
    return data


def guide_values(record: GuideRecord) -> dict[str, Any]:
    return {name: getattr(record, name) for name in GUIDE_FIELDS}


def translation_values(version: GuideTranslationRecord) -> dict[str, Any]:
    return {name: getattr(version, name) for name in TRANSLATION_FIELDS}


def version_snapshot(record: GuideRecord, version: GuideTranslationRecord) -> dict[str, Any]:
    """A language version with its guide's shared fields, JSON-ready: what a revision keeps and
    what ``PUT /api/v1/guides/{slug}?lang=`` accepts."""
    data = {**guide_values(record), **translation_values(version)}
    data["last_checked"] = version.last_checked.isoformat()
    snapshot: dict[str, Any] = json.loads(json.dumps(data, ensure_ascii=False))
    return snapshot


def changed_fields(before: dict[str, Any] | None, after: dict[str, Any]) -> list[str]:
    if before is None:
        return sorted(after)
    return sorted(name for name in after if before.get(name) != after[name])


# --- bookkeeping shared by the import and the workshop --------------------------------------


def bump_generation(session: Session) -> None:
    """Raise the counter other processes poll, in the caller's transaction."""
    table = KbGenerationRecord.__table__  # type: ignore[attr-defined]
    bumped = session.execute(
        update(table).where(table.c.id == 1).values(generation=table.c.generation + 1)
    )
    if bumped.rowcount == 0:  # type: ignore[attr-defined]
        try:
            with session.begin_nested():
                session.add(KbGenerationRecord(id=1, generation=1))
        except IntegrityError:  # another process created it at the same moment
            session.execute(
                update(table).where(table.c.id == 1).values(generation=table.c.generation + 1)
            )


def kb_generation(session: Session) -> int:
    """The change counter: one indexed single-row read, cheap enough to do every second."""
    row = session.exec(select(KbGenerationRecord.generation).where(KbGenerationRecord.id == 1))
    return row.first() or 0


def add_revision(
    session: Session,
    record: GuideRecord,
    version: GuideTranslationRecord,
    *,
    actor: str,
    action: str,
    fields: list[str],
) -> GuideRevisionRecord:
    assert record.id is not None
    revision = GuideRevisionRecord(
        guide_id=record.id,
        language=version.language,
        actor=actor,
        action=action,
        changed_fields=fields,
        snapshot=version_snapshot(record, version),
    )
    session.add(revision)
    session.flush()
    return revision


def add_audit(session: Session, *, actor: str, action: str, target: str, summary: str) -> None:
    session.add(AuditLogRecord(actor=actor, action=action, target=target, summary=summary[:500]))


def mark_others_stale(
    session: Session, guide_id: int, keep: Iterable[str], now: dt.datetime
) -> list[str]:
    """Mark the guide's language versions other than ``keep`` stale; returns those newly marked."""
    kept = set(keep)
    marked = []
    versions = session.exec(
        select(GuideTranslationRecord).where(GuideTranslationRecord.guide_id == guide_id)
    ).all()
    for other in versions:
        if other.language in kept:
            continue
        if not other.stale:
            other.stale, other.stale_since = True, now
            marked.append(other.language)
    return [language for language in LANGUAGES if language in marked]


# --- import from files ------------------------------------------------------------------------


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    #: Versions the files did not change but the workshop did: left as the workshop saved them.
    kept_edits: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "kept_edits": self.kept_edits,
        }


def import_guides(session: Session, guides: list[Guide]) -> ImportReport:
    """Bring the files' guides into the database; a second run changes nothing.

    Counts are per language version. A version whose file is unchanged since the last import is
    not touched, even when the workshop has edited it since (the database wins); a changed file is
    applied as an ``import`` revision, and a changed Danish or English source marks the other
    languages stale, unless their files changed in the same import.
    """
    report = ImportReport()
    now = utcnow()
    existing = {r.slug: r for r in session.exec(select(GuideRecord)).all()}
    for guide in guides:
        fields = _guide_fields(guide)
        digest = _hash(fields)
        record = existing.get(guide.slug)
        if record is None:
            record = GuideRecord(**fields, content_hash=digest, file_hash=digest)
            session.add(record)
            session.flush()
        elif record.file_hash != digest:
            if record.content_hash != digest:
                for key, value in fields.items():
                    setattr(record, key, value)
                record.content_hash = digest
                record.updated_at, record.updated_by = now, None
            record.file_hash = digest
        assert record.id is not None
        versions = {
            v.language: v
            for v in session.exec(
                select(GuideTranslationRecord).where(GuideTranslationRecord.guide_id == record.id)
            ).all()
        }
        changed_languages: dict[str, list[str]] = {}
        for language, translation in guide.translations.items():
            values = _translation_fields(translation)
            version_digest = _hash(values)
            version = versions.get(language)
            if version is None:
                version = GuideTranslationRecord(
                    guide_id=record.id,
                    language=language,
                    content_hash=version_digest,
                    file_hash=version_digest,
                    **values,
                )
                session.add(version)
                session.flush()
                add_revision(
                    session,
                    record,
                    version,
                    actor=IMPORT_ACTOR,
                    action="import",
                    fields=sorted(values),
                )
                report.created += 1
            elif version.file_hash == version_digest:
                if version.content_hash == version_digest:
                    report.unchanged += 1
                else:
                    report.kept_edits += 1
            elif version.content_hash == version_digest:
                # The file caught up with the database (an export committed to git).
                version.file_hash = version_digest
                report.unchanged += 1
            else:
                before = translation_values(version)
                for key, value in values.items():
                    setattr(version, key, value)
                version.content_hash = version.file_hash = version_digest
                version.updated_at, version.updated_by = now, None
                version.stale, version.stale_since = False, None
                fields_changed = changed_fields(before, translation_values(version))
                changed_languages[language] = fields_changed
                add_revision(
                    session,
                    record,
                    version,
                    actor=IMPORT_ACTOR,
                    action="import",
                    fields=fields_changed,
                )
                report.updated += 1
        sources_changed = any(
            set(fields_changed) & set(SOURCE_CONTENT_FIELDS)
            for language, fields_changed in changed_languages.items()
            if language in REFERENCE_LANGUAGES
        )
        if sources_changed:
            mark_others_stale(session, record.id, changed_languages, now)
    if report.created or report.updated:
        add_audit(
            session,
            actor=IMPORT_ACTOR,
            action="import",
            target="kb:files",
            summary=f"imported from files: {report.created} created, {report.updated} updated",
        )
        bump_generation(session)
    session.flush()
    return report


def import_guides_safely(session: Session, guides: list[Guide]) -> ImportReport:
    """Import; if another process imported the same guides at the same moment, try once more."""
    try:
        with session.begin_nested():
            return import_guides(session, guides)
    except IntegrityError:
        return import_guides(session, guides)


# --- reading back -----------------------------------------------------------------------------


def to_guide(record: GuideRecord, versions: Iterable[GuideTranslationRecord]) -> Guide:
    return Guide.model_validate(
        {
            **guide_values(record),
            "slug": record.slug,
            "translations": {v.language: translation_values(v) for v in versions},
        }
    )


@dataclass(frozen=True)
class PublicStatus:
    """What the public guide endpoints say about a language version besides its content."""

    stale: bool
    reviewed_at: dt.datetime | None
    updated_at: dt.datetime


def load_guides(session: Session) -> list[Guide]:
    """Every guide in the database, with all its language versions, ordered by slug."""
    return load_guides_with_status(session)[0]


def load_guides_with_status(
    session: Session,
) -> tuple[list[Guide], dict[tuple[str, str], PublicStatus]]:
    records = session.exec(select(GuideRecord).order_by(col(GuideRecord.slug))).all()
    versions: dict[int, list[GuideTranslationRecord]] = {}
    for version in session.exec(select(GuideTranslationRecord)).all():
        versions.setdefault(version.guide_id, []).append(version)
    guides, status = [], {}
    for record in records:
        own = versions.get(record.id or 0, [])
        guides.append(to_guide(record, own))
        for v in own:
            status[(record.slug, v.language)] = PublicStatus(v.stale, v.reviewed_at, v.updated_at)
    return guides, status


def knowledge_base_version(session: Session) -> str:
    """A fingerprint of the stored guides and their public status; changes with any of them."""
    rows = [
        (v.guide_id, v.language, v.content_hash, v.stale, str(v.reviewed_at))
        for v in session.exec(select(GuideTranslationRecord)).all()
    ]
    guide_rows = session.exec(select(GuideRecord.slug, GuideRecord.content_hash)).all()
    return _hash(sorted(rows) + sorted(map(tuple, guide_rows)))
