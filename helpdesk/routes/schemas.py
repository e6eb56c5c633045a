"""The JSON API's request and response bodies: the one definition the OpenAPI document uses."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from helpdesk import Language
from helpdesk.dbtypes import WORDS_PATTERN, InputModel
from helpdesk.kb.content import Source

Channel = Literal["kiosk", "chat", "counter", "web"]
MAX_QUESTION_CHARS = 500


class TriageRequest(InputModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    text: str = Field(
        description=f"The citizen's question, 1 to {MAX_QUESTION_CHARS} characters (not only "
        "white space).",
        # Documented only: the route refuses it with its own messages (empty_text ...).
        json_schema_extra={
            "minLength": 1,
            "maxLength": MAX_QUESTION_CHARS,
            "pattern": WORDS_PATTERN,
        },
    )
    lang: Language | None = Field(
        default=None, description="The front end's UI language: a hint, not the answer."
    )
    channel: Channel = "web"
    location: str | None = Field(
        default=None,
        description="The place the question is asked at: the kiosk's place (`/kiosk?location=`), "
        "as a place's slug from /api/v1/locations. Kept with the anonymous triage event for the "
        "self-service figures per place; a slug of no known place is kept as no place.",
        max_length=60,
        pattern=r"^[A-Za-z0-9_-]+$",
    )


class TriageMatch(BaseModel):
    slug: str
    title: str
    score: float
    url: str


class TriageResponse(BaseModel):
    outcome: Literal["guide", "clarify", "human"] = Field(
        description="`guide`: show `matches[0]`. `clarify`: ask which of `matches` fits, with a "
        '"none of these" choice that leads to a person. `human`: offer a person (`reason` says '
        "why; `answer` may carry what to show first)."
    )
    reason: Literal[
        "matched",
        "ambiguous",
        "no_match",
        "asked_for_person",
        "sensitive",
        "out_of_scope",
        "empty",
    ] = Field(
        description="`matched` and `ambiguous` go with `guide` and `clarify`. With `human`: "
        "`sensitive`, the safety net recognised a crisis (suicidal thoughts, violence or threats "
        "at home, someone controlling the citizen's money, MitID or papers, acute danger) or "
        "another sensitive situation: show `answer` (calm words and numbers to call) "
        "prominently, with the person offer; `out_of_scope`, the question belongs to another "
        "service: `answer` says where to ask; `no_match`, no guide fits; `asked_for_person`; "
        "`empty`, no words."
    )
    language: Language = Field(description="The language the question was identified as.")
    language_confidence: float
    matches: list[TriageMatch]
    message: str = Field(description="A short sentence to show as is, in `language`.")
    offer_person: bool = Field(description="Offer a session with a person as well.")
    feedback_token: str = Field(description="Send with POST /api/v1/feedback.")
    answer: GuideDetail | None = Field(
        default=None,
        description="With `reason` `sensitive` (a crisis entry, `category` `crisis`) or "
        "`out_of_scope` (a referral, `category` `referral`): the knowledge-base entry to show, "
        "in `language`; its `steps_html` are the places to call or go, with tap-to-call links.",
    )


class FeedbackRequest(InputModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    token: str = Field(min_length=1, max_length=64)
    helpful: bool


class FeedbackResponse(BaseModel):
    recorded: bool


class GuideSummary(BaseModel):
    slug: str
    language: Language
    fallback: bool
    category: str
    title: str
    summary: str
    review_status: Literal["draft", "reviewed"]
    url: str


class GuideList(BaseModel):
    language: Language
    guides: list[GuideSummary]


class GuideDetail(BaseModel):
    slug: str
    language: Language = Field(description="The language actually served.")
    requested_language: Language
    fallback: bool = Field(description="True when the requested language version is missing.")
    category: str
    aliases: list[str]
    sensitive: bool
    session_type: str
    title: str
    summary: str
    steps: list[str]
    bring: list[str]
    help_in_person: str
    phrases: list[str]
    sources: list[Source]
    review_status: Literal["draft", "reviewed"]
    draft_notice: str | None = Field(description="Shown to the citizen when a draft is served.")
    last_checked: dt.date
    available_languages: list[Language]
    summary_display: str = Field(
        description=(
            "Read-only: the summary as plain text to show, its phone numbers, codes and links "
            "isolated left to right (U+2066 … U+2069) so that they read right in Arabic and "
            "Persian."
        )
    )
    steps_html: list[str] = Field(
        description="Read-only: each step's simple Markdown as sanitised HTML (inline, for an li)."
    )
    bring_html: list[str] = Field(
        description="Read-only: each item to bring as sanitised HTML (inline, for an li)."
    )
    help_in_person_html: str = Field(
        description="Read-only: help in person as sanitised HTML (paragraphs, lists, links)."
    )
    stale: bool = Field(
        default=False,
        description="The Danish or English source changed after this version was last saved.",
    )
    reviewed_at: dt.datetime | None = Field(
        default=None, description="When a fluent reviewer last marked this version reviewed."
    )


class GuideSaved(GuideDetail):
    """The saved language version, as GET returns it, with its workshop status."""

    revision: int = Field(description="The new revision (send as base_revision next time).")
    created: bool = Field(description="A new guide or a new language version.")
    stale_languages: list[Language] = Field(description="Languages this save marked stale.")
    reviewed_by: str | None
    updated_by: str | None
    updated_at: dt.datetime


class RevisionItem(BaseModel):
    id: int
    language: Language
    created_at: dt.datetime
    actor: str = Field(description="The staff username, or files for an import.")
    action: Literal["create", "edit", "restore", "import", "review"]
    changed_fields: list[str]


class RevisionList(BaseModel):
    slug: str
    revisions: list[RevisionItem] = Field(description="Newest first.")


class AuditItem(BaseModel):
    id: int
    at: dt.datetime
    actor: str
    action: str
    target: str = Field(description='What changed, e.g. "guide:mitid-new-phone/ar".')
    summary: str


class AuditList(BaseModel):
    entries: list[AuditItem] = Field(description="Newest first.")


class ErrorDetail(BaseModel):
    code: str
    message: str
    language: Language
    details: list[dict[str, object]] | None = None


class ErrorResponse(BaseModel):
    error: ErrorDetail


class Health(BaseModel):
    status: Literal["ok"]
    guides: int = Field(description="Guides proper; crisis answers and referrals not counted")


class SearchResult(BaseModel):
    slug: str
    language: Language
    title: str
    summary: str
    score: float
    url: str


class SearchResponse(BaseModel):
    query: str
    results: list[SearchResult]
