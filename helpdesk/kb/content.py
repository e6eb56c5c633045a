"""Guide content as plain data, shared by the file loader, the database store, triage and the API.

These models are the one definition of what a valid guide is: the loader, ``helpdesk kb check``
and the API all validate through them.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from pydantic_core import PydanticCustomError

from helpdesk import LANGUAGES
from helpdesk.dbtypes import InputModel

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
MIN_PHRASES = 8
MAX_PHRASES = 120
"""Enough for a crisis entry's many ways of saying it, in script, colloquial and transliterated
(80 was reached by the Arabic and Persian crisis entries, whose recall needs the breadth)."""

ReviewStatus = Literal["draft", "reviewed"]
Category = Literal[
    "mitid", "digital-post", "id-cards", "registration-money", "everyday", "crisis", "referral"
]
#: What an entry is for, from its category: a guide to follow; a crisis answer (the safety net:
#: calm words, numbers to call, a person); a referral (out of scope: where the question is
#: answered instead). All three are written and edited as guides.
Kind = Literal["guide", "crisis", "referral"]
NOT_GUIDE_CATEGORIES: dict[str, Kind] = {"crisis": "crisis", "referral": "referral"}
SessionType = Literal["digital-help", "citizen-service"]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]


class Source(InputModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: ShortText
    url: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]

    @field_validator("url")
    @classmethod
    def _https_url(cls, value: str) -> str:
        parts = urlsplit(value)
        host = parts.hostname or ""
        if parts.scheme != "https" or "." not in host or " " in value or host.startswith("."):
            # A type of its own, so that the web layer can translate it (helpdesk.web.problems).
            raise PydanticCustomError(
                "https_link", "not a well-formed https link: {url}", {"url": repr(value)}
            )
        return value


# The field rules of a guide, written once: the file format (Guide, Translation) and the
# workshop's input (helpdesk.kb.workshop.VersionIn) declare their fields with these types.
Aliases = Annotated[list[ShortText], Field(max_length=20)]
Steps = Annotated[list[Text], Field(min_length=1, max_length=20)]
Bring = Annotated[list[ShortText], Field(max_length=20)]
Phrases = Annotated[list[ShortText], Field(min_length=MIN_PHRASES, max_length=MAX_PHRASES)]
Sources = Annotated[list[Source], Field(min_length=1, max_length=10)]


class Translation(InputModel):
    """One language version of a guide."""

    model_config = ConfigDict(extra="forbid")

    review_status: ReviewStatus
    last_checked: dt.date
    title: ShortText
    summary: ShortText
    steps: Steps
    bring: Bring = Field(default_factory=list)
    help_in_person: Text
    phrases: Phrases
    sources: Sources


class Guide(InputModel):
    """A guide with all its language versions."""

    model_config = ConfigDict(extra="forbid")

    slug: Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=80)]
    category: Category
    aliases: Aliases = Field(default_factory=list)
    sensitive: bool = False
    session_type: SessionType = "digital-help"
    translations: dict[str, Translation]

    @field_validator("translations")
    @classmethod
    def _known_languages(cls, value: dict[str, Translation]) -> dict[str, Translation]:
        unknown = sorted(set(value) - set(LANGUAGES))
        if unknown:
            raise ValueError(f"unknown language(s): {', '.join(unknown)}")
        return {lang: value[lang] for lang in LANGUAGES if lang in value}

    @property
    def kind(self) -> Kind:
        return NOT_GUIDE_CATEGORIES.get(self.category, "guide")

    def translation(self, language: str) -> tuple[str, Translation]:
        """The version in ``language``, else English, else Danish: (language served, version)."""
        for candidate in (language, "en", "da"):
            if candidate in self.translations:
                return candidate, self.translations[candidate]
        first = next(iter(self.translations))
        return first, self.translations[first]


class Intent(BaseModel):
    """A non-guide request that triage recognises (asking for a person, a crisis)."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
    description: str = ""
    phrases: dict[str, list[ShortText]]


class KnowledgeBase(BaseModel):
    """Everything triage needs: the guides and the intents."""

    guides: list[Guide]
    intents: list[Intent] = Field(default_factory=list)

    def by_slug(self) -> dict[str, Guide]:
        return {guide.slug: guide for guide in self.guides}
