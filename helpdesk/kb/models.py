"""Database tables of the knowledge base (the live store; files are imported into it)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from helpdesk.clock import utcnow
from helpdesk.dbtypes import UTCDateTime


class GuideRecord(SQLModel, table=True):
    __tablename__ = "guide"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True, index=True)
    category: str = Field(max_length=40)
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    sensitive: bool = False
    session_type: str = Field(default="digital-help", max_length=40)
    content_hash: str = Field(default="", max_length=64)
    #: Hash of guide.toml as last imported: the import changes the row only when the file changed
    #: since (otherwise an edit made in the workshop wins).
    file_hash: str = Field(default="", max_length=64)
    updated_at: dt.datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    #: Username of the last editor; None when the row came from the files.
    updated_by: str | None = Field(default=None, max_length=80)


class GuideTranslationRecord(SQLModel, table=True):
    __tablename__ = "guide_translation"
    __table_args__ = (UniqueConstraint("guide_id", "language", name="uq_guide_translation"),)

    id: int | None = Field(default=None, primary_key=True)
    guide_id: int = Field(foreign_key="guide.id", index=True, ondelete="CASCADE")
    language: str = Field(max_length=8)
    review_status: str = Field(max_length=16)
    last_checked: dt.date
    title: str = Field(max_length=300)
    summary: str = Field(max_length=300)
    steps: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    bring: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    help_in_person: str = Field(sa_column=Column(Text, nullable=False))
    phrases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    sources: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    content_hash: str = Field(default="", max_length=64)
    #: Hash of the <lang>.toml content as last imported (see GuideRecord.file_hash).
    file_hash: str = Field(default="", max_length=64)
    updated_at: dt.datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    updated_by: str | None = Field(default=None, max_length=80)
    reviewed_by: str | None = Field(default=None, max_length=80)
    reviewed_at: dt.datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    #: The Danish or English source changed after this version was last saved.
    stale: bool = False
    stale_since: dt.datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )


class GuideRevisionRecord(SQLModel, table=True):
    """One saved state of a language version (with the guide-level fields): the history."""

    __tablename__ = "guide_revision"
    __table_args__ = (Index("ix_guide_revision_guide_language", "guide_id", "language"),)

    id: int | None = Field(default=None, primary_key=True)
    guide_id: int = Field(foreign_key="guide.id", ondelete="CASCADE")
    language: str = Field(max_length=8)
    created_at: dt.datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    #: Username, or "files" for an import.
    actor: str = Field(max_length=80)
    #: create | edit | restore | import | review
    action: str = Field(max_length=16)
    changed_fields: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    #: The whole language version plus the guide-level fields, in the shape the API accepts.
    snapshot: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class AuditLogRecord(SQLModel, table=True):
    """Who changed what in the knowledge base (staff actions only; never citizen data)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    actor: str = Field(max_length=80)
    action: str = Field(max_length=32)
    #: What was changed, e.g. "guide:mitid-new-phone/ar".
    target: str = Field(max_length=200)
    summary: str = Field(default="", max_length=500)


class KbGenerationRecord(SQLModel, table=True):
    """One row whose counter rises in the same transaction as every knowledge-base change: the
    cheap thing each service process polls to notice changes made by the others."""

    __tablename__ = "kb_generation"

    id: int = Field(default=1, primary_key=True)
    generation: int = 0
