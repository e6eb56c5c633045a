"""Database tables of the knowledge base (the live store; files are imported into it)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class GuideRecord(SQLModel, table=True):
    __tablename__ = "guide"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True, index=True)
    category: str = Field(max_length=40)
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    sensitive: bool = False
    session_type: str = Field(default="digital-help", max_length=40)
    content_hash: str = Field(default="", max_length=64)
    updated_at: dt.datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


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
    updated_at: dt.datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
