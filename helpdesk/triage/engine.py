"""The triage decision: ``guide``, ``clarify`` or ``human``.

Every guide is scored against the question by two views of the same index: its best single
search phrase (a close paraphrase wins outright) and its whole bag of phrases, titles and
aliases in all languages (a question that combines words from several phrases, or that is in a
language whose phrases are thin but names "MitID"). Intents (asking for a person, a crisis) are
scored the same way. The thresholds that turn scores into outcomes are data
(``thresholds.toml``), written by ``bench/tune_triage.py`` from the labelled dev set.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from helpdesk.kb.content import KnowledgeBase
from helpdesk.triage.index import NgramIndex
from helpdesk.triage.langid import LanguageGuess, LanguageIdentifier
from helpdesk.triage.normalize import normalize

Outcome = Literal["guide", "clarify", "human"]
Reason = Literal["matched", "ambiguous", "no_match", "asked_for_person", "sensitive", "empty"]
THRESHOLDS_FILE = Path(__file__).with_name("thresholds.toml")
PERSON_INTENT = "human"
SENSITIVE_INTENT = "sensitive"
MAX_CANDIDATES = 3


@dataclass(frozen=True)
class Thresholds:
    guide_min: float = 0.30
    """A best guide scoring below this is no match: the citizen is offered a person."""
    clarify_margin: float = 0.06
    """Guides within this distance of the best are close enough to ask "which of these?"."""
    intent_min: float = 0.45
    """An intent (asking for a person, a crisis) scoring at least this decides the outcome."""
    intent_margin: float = 0.0
    """...provided it also beats the best guide by this much (negative: may trail it)."""
    phrase_weight: float = 0.6
    """Weight of the best single phrase against the guide's whole bag of phrases."""

    @classmethod
    def load(cls, path: Path = THRESHOLDS_FILE) -> Thresholds:
        if not path.exists():
            return cls()
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return cls(**{k: float(v) for k, v in data.get("thresholds", {}).items()})


@dataclass(frozen=True)
class Match:
    slug: str
    score: float


@dataclass(frozen=True)
class TriageResult:
    outcome: Outcome
    reason: Reason
    language: str
    language_confidence: float
    matches: list[Match] = field(default_factory=list)
    offer_person: bool = False
    """True when a person should be offered as well as the guide (sensitive topics)."""


@dataclass(frozen=True)
class Owner:
    kind: Literal["guide", "intent"]
    name: str


def combine(
    best_phrase: dict[Owner, float], bag: dict[Owner, float], phrase_weight: float
) -> dict[Owner, float]:
    """One score per guide or intent: its best phrase and its bag, weighted."""
    return {
        owner: phrase_weight * best_phrase.get(owner, 0.0)
        + (1 - phrase_weight) * bag.get(owner, 0.0)
        for owner in best_phrase.keys() | bag.keys()
    }


def rank_guides(scored: dict[Owner, float]) -> list[Match]:
    return sorted(
        (Match(o.name, round(s, 4)) for o, s in scored.items() if o.kind == "guide"),
        key=lambda m: (-m.score, m.slug),
    )


class TriageEngine:
    """Built once per knowledge-base version; :meth:`triage` is then pure and thread-safe."""

    def __init__(
        self,
        knowledge_base: KnowledgeBase,
        thresholds: Thresholds | None = None,
        previous: TriageEngine | None = None,
    ):
        """``previous``: the engine of the last version of the knowledge base, whose work on
        unchanged text is reused (normalised phrases, the language model of unchanged languages),
        so that rebuilding after an edit is quicker. The result is the same either way."""
        self.thresholds = thresholds or Thresholds.load()
        known: dict[str, str] = previous._normalised if previous is not None else {}
        normalised_texts: dict[str, str] = {}

        def normalise(text: str) -> str:
            result = known.get(text)
            if result is None:
                result = normalize(text)
            normalised_texts[text] = result
            return result

        self._sensitive_slugs = {g.slug for g in knowledge_base.guides if g.sensitive}
        owners: list[Owner] = []
        phrase_texts: list[str] = []
        phrase_owner_ids: list[int] = []
        bag_texts: list[str] = []
        samples: dict[str, list[str]] = {}

        def add(owner: Owner, texts: list[str]) -> None:
            normalised = [n for n in map(normalise, texts) if n]
            if not normalised:
                return  # nothing to match on; an owner without phrases would break reduceat
            owner_id = len(owners)
            owners.append(owner)
            for text in dict.fromkeys(normalised):
                phrase_owner_ids.append(owner_id)
                phrase_texts.append(text)
            bag_texts.append(" ".join(normalised))

        for guide in knowledge_base.guides:
            texts = list(guide.aliases)
            for language, version in guide.translations.items():
                texts += [version.title, *version.phrases]
                samples.setdefault(language, []).extend(
                    [version.title, version.summary, *version.steps, *version.phrases]
                )
            add(Owner("guide", guide.slug), texts)
        for intent in knowledge_base.intents:
            texts = []
            for language, phrases in intent.phrases.items():
                texts += phrases
                samples.setdefault(language, []).extend(phrases)
            add(Owner("intent", intent.name), texts)

        self._owners = owners
        # Phrases are stored owner by owner: the best phrase of each owner is one reduceat.
        self._owner_starts = np.searchsorted(phrase_owner_ids, np.arange(len(owners)))
        self._phrases = NgramIndex(phrase_texts, groups=phrase_owner_ids)
        self._bags = NgramIndex(bag_texts)
        self.language_identifier: LanguageIdentifier = LanguageIdentifier(
            samples, previous=previous.language_identifier if previous is not None else None
        )
        self._normalised: dict[str, str] = normalised_texts
        self.phrase_count = len(phrase_texts)

    def identify_language(self, text: str, ui_language: str | None = None) -> LanguageGuess:
        return self.language_identifier.identify(text, prior=ui_language)

    def component_scores(self, normalised: str) -> tuple[dict[Owner, float], dict[Owner, float]]:
        """Per guide and intent: its best single phrase (cosine), and how much of the question its
        whole bag of phrases covers."""
        if not self._owners:
            return {}, {}
        phrase_scores = self._phrases.search(normalised)
        best = np.maximum.reduceat(phrase_scores, self._owner_starts)
        bag = self._bags.search(normalised)
        best_phrase = {self._owners[i]: float(best[i]) for i in np.flatnonzero(best)}
        return best_phrase, {self._owners[i]: float(bag[i]) for i in np.flatnonzero(bag)}

    def search(self, text: str, limit: int = 8, floor: float = 0.05) -> list[Match]:
        """Guides ranked by relevance, with no decision: for staff searching as they type."""
        normalised = normalize(text)
        if not normalised:
            return []
        scored = combine(*self.component_scores(normalised), self.thresholds.phrase_weight)
        return [m for m in rank_guides(scored) if m.score >= floor][:limit]

    def triage(self, text: str, ui_language: str | None = None) -> TriageResult:
        guess = self.identify_language(text, ui_language)
        normalised = normalize(text)
        if not normalised:
            return TriageResult("human", "empty", guess.language, guess.confidence)
        best_phrase, bag = self.component_scores(normalised)
        return self.decide(best_phrase, bag, guess, self.thresholds)

    def decide(
        self,
        best_phrase: dict[Owner, float],
        bag: dict[Owner, float],
        guess: LanguageGuess,
        t: Thresholds,
    ) -> TriageResult:
        """Turn scores into an outcome. Separate from scoring so that the tuner can replay it."""
        scored = combine(best_phrase, bag, t.phrase_weight)
        ranked = rank_guides(scored)
        best_score = ranked[0].score if ranked else 0.0
        close = [m for m in ranked[:MAX_CANDIDATES] if m.score >= best_score - t.clarify_margin]
        language, confidence = guess.language, guess.confidence

        intents = {o.name: s for o, s in scored.items() if o.kind == "intent"}
        hand_offs: tuple[tuple[str, Reason], ...] = (
            (SENSITIVE_INTENT, "sensitive"),
            (PERSON_INTENT, "asked_for_person"),
        )
        for intent, reason in hand_offs:
            score = intents.get(intent, 0.0)
            if score >= t.intent_min and score >= best_score + t.intent_margin:
                # The topic still travels with the hand-off (for the booking), if there is one.
                topic = close[:1] if best_score >= t.guide_min else []
                return TriageResult(
                    "human",
                    reason,
                    language,
                    confidence,
                    topic,
                    offer_person=True,
                )

        if best_score < t.guide_min:
            return TriageResult("human", "no_match", language, confidence, offer_person=True)
        if len(close) > 1:
            offer = any(m.slug in self._sensitive_slugs for m in close)
            return TriageResult("clarify", "ambiguous", language, confidence, close, offer)
        top = ranked[0]
        return TriageResult(
            "guide",
            "matched",
            language,
            confidence,
            ranked[:MAX_CANDIDATES],
            offer_person=top.slug in self._sensitive_slugs,
        )
