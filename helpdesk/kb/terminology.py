"""One voice per language: the terminology sheets, and the check that guides keep to them.

``helpdesk/kb/terminology/<lang>.toml`` records, for one language, the form of address guides use
and, per concept (health card, Borgerservice, block, reactivate, ...), the one term to use and the
known wrong or misleading variants to avoid (a ``<lang>.md`` beside it gives the reasons, for
translators). ``helpdesk kb check`` warns where a guide's text uses a variant to avoid; the search
phrases are not checked, since they rightly hold what people type, wrong terms included.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from helpdesk.kb.content import KnowledgeBase

TERMINOLOGY_DIR = Path(__file__).with_name("terminology")
_NON_WORD = re.compile(r"[^\w]+")


def _words(text: str) -> str:
    """Case and punctuation folded, letters kept as written: "kağıt" and "kâğıt" differ here,
    as a sheet that prefers one of them means."""
    return " " + _NON_WORD.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip() + " "


class Term(BaseModel):
    model_config = ConfigDict(extra="forbid")

    concept: str
    use: str
    avoid: list[str] = Field(default_factory=list)
    note: str = ""


class Sheet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    language: str
    address: str = ""
    address_note: str = ""
    terms: list[Term] = Field(default_factory=list)


@dataclass(frozen=True)
class TermWarning:
    slug: str
    language: str
    field: str
    found: str
    use: str

    def __str__(self) -> str:
        return (
            f"{self.slug}/{self.language}: {self.field} uses {self.found!r}; "
            f"the terminology sheet says {self.use!r}"
        )


def load_sheets(directory: Path = TERMINOLOGY_DIR) -> dict[str, Sheet]:
    sheets = {}
    for path in sorted(directory.glob("*.toml")):
        sheet = Sheet.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
        sheets[sheet.language] = sheet
    return sheets


def terminology_warnings(kb: KnowledgeBase, sheets: dict[str, Sheet]) -> list[TermWarning]:
    """Where a guide's text (not its search phrases) uses a variant its language's sheet avoids.

    Compared word by word without case or punctuation, so that a variant is never found inside
    a longer word."""
    warnings = []
    for guide in kb.guides:
        for language, version in guide.translations.items():
            sheet = sheets.get(language)
            if sheet is None:
                continue
            texts = {
                "title": [version.title],
                "summary": [version.summary],
                "steps": version.steps,
                "bring": version.bring,
                "help_in_person": [version.help_in_person],
            }
            for field_name, values in texts.items():
                padded = [_words(value) for value in values]
                for term in sheet.terms:
                    for variant in term.avoid:
                        key = _words(variant)
                        if key.strip() and any(key in text for text in padded):
                            warnings.append(
                                TermWarning(guide.slug, language, field_name, variant, term.use)
                            )
    return warnings
