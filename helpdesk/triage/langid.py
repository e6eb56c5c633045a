"""Identifying which of the eight languages a question is written in.

A character n-gram naive Bayes model trained at start-up on the knowledge base's own text in each
language (titles, steps, search phrases): small (a few MB), domain-aware ("sundhedskort",
"nasıl", "sideen"), and with nothing to download. The writing system decides first (Arabic script:
ar or fa; Cyrillic: uk), the model decides within it, and the caller's UI language is a prior
that matters most where the text says least (one or two words).
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import repeat

from helpdesk import LANGUAGES

_ARABIC_SCRIPT = {"ar", "fa"}
_CYRILLIC_SCRIPT = {"uk"}
_LATIN_SCRIPT = {"da", "en", "tr", "pl", "so"}
# Arabic, Persian and Ukrainian are also written in Latin letters (Arabizi, Finglish, Latin
# Ukrainian or Russian), on phones without the keyboard. The knowledge base's Latin-script
# phrases in those languages train a model of their own ("ar-latn"), a candidate for Latin text,
# whose answer is the language itself: the citizen is answered in their own script.
_TRANSLITERATED = ("ar", "fa", "uk")
_LATIN_SUFFIX = "-latn"
_WORD = re.compile(r"[^\W\d_]+")
_NGRAM_SIZES = (1, 2, 3, 4)
# Product names that read the same in every language say nothing about the language.
_NEUTRAL_WORDS = frozenset(
    {
        "mitid",
        "nemid",
        "cpr",
        "aula",
        "nemkonto",
        "eboks",
        "e",
        "boks",
        "dk",
        "app",
        "sms",
        "borger",
        "skat",
        "sundhed",
        "pdf",
        "ok",
        "ics",
        "iphone",
        "android",
        "gmail",
        "ereolen",
    }
)
PRIOR_WEIGHT = 1.5
"""Log-odds bonus for the caller's UI language. Set by hand, not tuned: the labelled sets carry no
UI language. It decides one- and two-word questions and is outweighed by a sentence."""


def _script_of(char: str) -> str | None:
    code = ord(char)
    if 0x0600 <= code <= 0x06FF or 0x0750 <= code <= 0x077F or 0xFB50 <= code <= 0xFEFF:
        return "arabic"
    if 0x0400 <= code <= 0x052F:
        return "cyrillic"
    if char.isalpha() and code < 0x0250:
        return "latin"
    return None


def _script_counts(text: str) -> Counter[str]:
    return Counter(s for s in map(_script_of, text) if s)


def _mostly_latin(text: str) -> bool:
    scripts = _script_counts(text)
    return scripts.get("latin", 0) > sum(scripts.values()) / 2


def _light_normalise(text: str) -> str:
    # Keep the letters that tell languages apart (æ, ş, ł, پ, ی); drop only vowel marks and case.
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in text if not (0x064B <= ord(ch) <= 0x065F or ord(ch) == 0x0670))


def _words(text: str) -> list[str]:
    return [w for w in _WORD.findall(_light_normalise(text)) if w not in _NEUTRAL_WORDS]


def _ngrams(words: Iterable[str]) -> Iterable[str]:
    for word in words:
        padded = f" {word} "
        for size in _NGRAM_SIZES:
            for start in range(len(padded) - size + 1):
                gram = padded[start : start + size]
                if gram.strip():
                    yield gram


@dataclass(frozen=True)
class LanguageGuess:
    language: str
    confidence: float
    """Posterior probability of ``language`` among the candidates (0–1)."""
    evidence: int
    """How many letters the decision rests on; few letters means the prior decided."""


class LanguageIdentifier:
    def __init__(
        self,
        samples: Mapping[str, Iterable[str]],
        smoothing: float = 0.1,
        previous: LanguageIdentifier | None = None,
    ) -> None:
        """Train on ``samples`` per language. A ``previous`` identifier lends the counts of every
        language whose samples did not change, so that an edit in one language retrains one."""
        self._smoothing = smoothing
        self._digests: dict[str, str] = {}
        #: Per language: log(count + smoothing) of every n-gram seen, and the sum of the counts.
        self._log_counts: dict[str, dict[str, float]] = {}
        self._count_sums: dict[str, int] = {}
        reusable = previous if previous is not None and previous._smoothing == smoothing else None
        by_model: dict[str, list[str]] = {}
        for language in LANGUAGES:
            for sample in samples.get(language, []):
                key = language
                if language in _TRANSLITERATED and _mostly_latin(sample):
                    key = language + _LATIN_SUFFIX
                by_model.setdefault(key, []).append(sample)
        self._models = [*LANGUAGES, *(lang + _LATIN_SUFFIX for lang in _TRANSLITERATED)]
        for language in self._models:
            text = " ".join(by_model.get(language, []))
            digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
            self._digests[language] = digest
            if reusable is not None and reusable._digests.get(language) == digest:
                self._log_counts[language] = reusable._log_counts[language]
                self._count_sums[language] = reusable._count_sums[language]
                continue
            counter = Counter(_ngrams(_words(text)))
            self._log_counts[language] = {
                gram: math.log(count + smoothing) for gram, count in counter.items()
            }
            self._count_sums[language] = sum(counter.values())
        vocabulary: set[str] = set()
        for table in self._log_counts.values():
            vocabulary.update(table)
        size = len(vocabulary) + 1
        # log P(gram | language) = log(count + smoothing) - log(total): the total is kept apart so
        # that one language's table can be reused when another language's samples change.
        self._log_totals = {
            language: math.log(self._count_sums[language] + smoothing * size)
            for language in self._models
        }
        self._latin_candidates = _LATIN_SCRIPT | {
            lang + _LATIN_SUFFIX
            for lang in _TRANSLITERATED
            if self._count_sums[lang + _LATIN_SUFFIX] > 0
        }
        self._unseen = math.log(smoothing)

    def identify(self, text: str, prior: str | None = None) -> LanguageGuess:
        words = _words(text)
        scripts = _script_counts("".join(words))
        if scripts.get("arabic", 0) >= max(scripts.get("latin", 0) // 2, 1):
            candidates = _ARABIC_SCRIPT
        elif scripts.get("cyrillic", 0) >= max(scripts.get("latin", 0) // 2, 1):
            candidates = _CYRILLIC_SCRIPT
        else:
            candidates = self._latin_candidates
        if prior not in LANGUAGES:
            prior = None
        evidence = sum(scripts.values())
        scores: dict[str, float] = {}
        grams = list(_ngrams(words))
        # In the models' fixed order: a question of product names only ("nemkonto") scores the
        # same in every language, and a set's order would change from run to run (Danish wins).
        for language in (m for m in self._models if m in candidates):
            table, unseen = self._log_counts[language], self._unseen
            score = sum(map(table.get, grams, repeat(unseen, len(grams))))
            score -= len(grams) * self._log_totals[language]
            # Scale so that the model's evidence grows gently with length; naive Bayes is
            # otherwise overconfident on long texts and the prior would never count.
            score /= max(len(grams), 1) ** 0.5
            if language.removesuffix(_LATIN_SUFFIX) == prior:
                score += PRIOR_WEIGHT
            scores[language] = score
        if prior is not None and prior in candidates and evidence == 0:
            return LanguageGuess(prior, 1.0, 0)
        best = max(scores, key=scores.__getitem__)
        top = scores[best]
        total = sum(math.exp(value - top) for value in scores.values())
        return LanguageGuess(best.removesuffix(_LATIN_SUFFIX), 1.0 / total, evidence)
