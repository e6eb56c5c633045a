"""The knowledge base in the database: idempotent import from files, and reading it back."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from helpdesk.kb.content import Guide, Translation
from helpdesk.kb.models import GuideRecord, GuideTranslationRecord, utcnow


def _hash(data: Any) -> str:
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _guide_fields(guide: Guide) -> dict[str, Any]:
    return guide.model_dump(mode="json", exclude={"translations"})


def _translation_fields(translation: Translation) -> dict[str, Any]:
    data = translation.model_dump(mode="python")
    data["sources"] = [source.model_dump() for source in translation.sources]
    return data


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


def import_guides(session: Session, guides: list[Guide]) -> ImportReport:
    """Create or update guides and their language versions; a second run changes nothing.

    Counts are per language version. Rows whose content is unchanged are not touched (their
    ``updated_at`` stays), so an import at every start-up is cheap and leaves no trace.
    """
    report = ImportReport()
    existing = {r.slug: r for r in session.exec(select(GuideRecord)).all()}
    for guide in guides:
        fields = _guide_fields(guide)
        digest = _hash(fields)
        record = existing.get(guide.slug)
        if record is None:
            record = GuideRecord(**fields, content_hash=digest)
            session.add(record)
            session.flush()
        elif record.content_hash != digest:
            for key, value in fields.items():
                setattr(record, key, value)
            record.content_hash = digest
            record.updated_at = utcnow()
        assert record.id is not None
        versions = {
            v.language: v
            for v in session.exec(
                select(GuideTranslationRecord).where(GuideTranslationRecord.guide_id == record.id)
            ).all()
        }
        for language, translation in guide.translations.items():
            values = _translation_fields(translation)
            version_digest = _hash(values)
            version = versions.get(language)
            if version is None:
                session.add(
                    GuideTranslationRecord(
                        guide_id=record.id, language=language, content_hash=version_digest, **values
                    )
                )
                report.created += 1
            elif version.content_hash != version_digest:
                for key, value in values.items():
                    setattr(version, key, value)
                version.content_hash = version_digest
                version.updated_at = utcnow()
                report.updated += 1
            else:
                report.unchanged += 1
    session.flush()
    return report


def import_guides_safely(session: Session, guides: list[Guide]) -> ImportReport:
    """Import; if another process imported the same guides at the same moment, try once more."""
    try:
        with session.begin_nested():
            return import_guides(session, guides)
    except IntegrityError:
        return import_guides(session, guides)


def _to_guide(record: GuideRecord, versions: list[GuideTranslationRecord]) -> Guide:
    translations = {
        v.language: {
            "review_status": v.review_status,
            "last_checked": v.last_checked,
            "title": v.title,
            "summary": v.summary,
            "steps": v.steps,
            "bring": v.bring,
            "help_in_person": v.help_in_person,
            "phrases": v.phrases,
            "sources": v.sources,
        }
        for v in versions
    }
    return Guide.model_validate(
        {
            "slug": record.slug,
            "category": record.category,
            "aliases": record.aliases,
            "sensitive": record.sensitive,
            "session_type": record.session_type,
            "translations": translations,
        }
    )


def load_guides(session: Session) -> list[Guide]:
    """Every guide in the database, with all its language versions, ordered by slug."""
    records = session.exec(select(GuideRecord).order_by(GuideRecord.slug)).all()
    versions: dict[int, list[GuideTranslationRecord]] = {}
    for version in session.exec(select(GuideTranslationRecord)).all():
        versions.setdefault(version.guide_id, []).append(version)
    return [_to_guide(r, versions.get(r.id or 0, [])) for r in records]


def knowledge_base_version(session: Session) -> str:
    """A fingerprint of the stored guides; changes whenever any guide or version changes."""
    rows = session.exec(
        select(
            GuideTranslationRecord.guide_id,
            GuideTranslationRecord.language,
            GuideTranslationRecord.content_hash,
        )
    ).all()
    guide_rows = session.exec(select(GuideRecord.slug, GuideRecord.content_hash)).all()
    return _hash(sorted(map(tuple, rows)) + sorted(map(tuple, guide_rows)))
