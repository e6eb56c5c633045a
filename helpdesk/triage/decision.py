"""The decision learned from data: is this a crisis, and how sure may triage be of its best guide?

Scores alone do not say it. A long story scores lower than a three-word question for the right
guide; one shared word ("bus", "school", "passport") can give an unrelated question a fair
score; a citizen in crisis rarely uses the words of a crisis phrase. So the decision looks at
*features* (the best score and the gap to the next, how many of the question's words the guide
knows and how many of those tell guides apart, the question's length, the language identifier's
confidence, whether the best entry is a referral; for the safety net, how close the question and
its sentences come to the crisis entries and how many of its words only crisis entries use) and
three logistic models, trained by ``bench/train_decision.py`` on our own labelled sets, turn
them into probabilities:

- ``crisis``: the question speaks of a crisis (besides the safety net's trigger phrases);
- ``accept``: the best entry is the right answer (a guide to give, or a referral to point to);
- ``shortlist``: the right guide is among the best three (worth asking "which of these?").

The thresholds on those probabilities are chosen by the same script on cross-validated
predictions. All of it lives in ``decision.toml``: data, not code.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

DECISION_FILE = Path(__file__).with_name("decision.toml")


@dataclass(frozen=True)
class Features:
    """What the guide decision sees of one ranking (the best entry against the rest)."""

    score: float
    """The best entry's score on the whole question."""
    margin: float
    """Its lead over the next entry."""
    sentence_score: float
    """Its score on the question's best sentence (0 for a short question)."""
    best_phrase: float
    """Its best single phrase (cosine), whole question or sentence."""
    bag: float
    """How much of the question its bag of phrases covers."""
    distinctive_words: float
    """Question words the entry knows that few entries know (0-4, over 4): one shared word is
    weak evidence; three are strong."""
    coverage: float
    """Share of the question's words the entry knows."""
    length: float
    """log(1 + words in the question)."""
    language_confidence: float
    referral: float
    """1 when the best entry is a referral (out of scope), else 0."""
    person_intent: float
    """How much the question reads like asking for a person."""
    referral_gap: float
    """The best referral's score less the best guide's: near 0 or above, the question may
    belong to another service even when a guide ranks first."""

    def vector(self) -> tuple[float, ...]:
        return as_vector(self)


@dataclass(frozen=True)
class CrisisFeatures:
    """What the safety net's model sees of a question: evidence of a crisis only. (Measured: with
    "how little the question resembles any guide" as a feature, the model learned that whatever
    matches no guide is a crisis, and "I want to talk to a person" became one.)"""

    crisis_phrase: float
    """The best crisis phrase (cosine) against the question or any of its sentences."""
    crisis_lead: float
    """How much closer the question comes to a crisis phrase than to any guide's or referral's
    phrase (negative: it reads more like a guide)."""
    crisis_score: float
    """The best crisis entry's score (best phrase and bag) on the whole question or on its best
    sentence. (Measured: scored on sentences only, it was 0 for every short question, and the
    model learned that a long question is more likely a crisis.)"""
    crisis_words: float
    """Question words that only crisis entries use (0-3, over 3)."""

    def vector(self) -> tuple[float, ...]:
        return as_vector(self)


def feature_names(kind: type[Features] | type[CrisisFeatures]) -> tuple[str, ...]:
    return tuple(f.name for f in fields(kind))


def as_vector(features: Features | CrisisFeatures) -> tuple[float, ...]:
    """The features in :func:`feature_names` order, as a model reads them. (Not
    ``dataclasses.astuple``: it deep-copies every value, a third of the trainer's time.)"""
    return tuple(float(getattr(features, name)) for name in feature_names(type(features)))


@dataclass(frozen=True)
class LogisticModel:
    features: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float
    #: Feature scaling learned with the weights: (x - mean) / scale.
    means: tuple[float, ...]
    scales: tuple[float, ...]

    def probability(self, features: Features | CrisisFeatures) -> float:
        # The model's own feature names (checked against the class when it was loaded) pick the
        # values: the class's fields are not worked out again for every decision.
        z = self.bias
        for name, w, m, s in zip(self.features, self.weights, self.means, self.scales, strict=True):
            z += w * (float(getattr(features, name)) - m) / s
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))

    @classmethod
    def from_table(
        cls, table: dict[str, Any], kind: type[Features] | type[CrisisFeatures]
    ) -> LogisticModel:
        names = tuple(table["features"])
        if names != feature_names(kind):
            raise ValueError(f"model features {list(names)} are not {list(feature_names(kind))}")
        return cls(
            names,
            tuple(map(float, table["weights"])),
            float(table["bias"]),
            tuple(map(float, table["means"])),
            tuple(map(float, table["scales"])),
        )

    def to_table(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "weights": [round(w, 6) for w in self.weights],
            "bias": round(self.bias, 6),
            "means": [round(m, 6) for m in self.means],
            "scales": [round(s, 6) for s in self.scales],
        }


def neutral_model(kind: type[Features] | type[CrisisFeatures]) -> LogisticModel:
    """A model that says 0.5 to everything (before training)."""
    n = len(feature_names(kind))
    return LogisticModel(feature_names(kind), (0.0,) * n, 0.0, (0.0,) * n, (1.0,) * n)


@dataclass(frozen=True)
class DecisionPolicy:
    accept: LogisticModel
    shortlist: LogisticModel
    crisis: LogisticModel
    accept_min: float = 0.5
    """``accept`` at least this: the best entry is the answer."""
    shortlist_min: float = 0.5
    """Else ``shortlist`` at least this: ask "which of these?"."""
    shortlist_ratio: float = 0.7
    """Guides scoring at least this share of the best one are offered with it."""
    referral_min: float = 0.5
    """A question that would be handed off with "no guide found" and whose best entry is a
    referral is pointed to it when ``accept`` is at least this (a hand-off either way; the
    pointer says where to ask)."""
    crisis_min: float = 0.5
    """``crisis`` at least this (or a trigger phrase): the crisis answer and a person."""
    intent_min: float = 0.5
    """Asking for a person (or another sensitive situation) decides when the question comes
    this close to one of the intent's phrases..."""
    intent_margin: float = -0.1
    """...and within this of the closest guide phrase (negative: may trail it)."""
    phrase_weight: float = 0.4
    """Weight of an entry's best single phrase against its whole bag of phrases."""
    word_weight: float = 0.0
    """Weight of the question's whole words an entry knows, by how rare they are among entries
    ("taty", "gult", "ukradziono"), added to its score: the words that tell sibling guides
    apart, which n-grams of common words can outweigh."""
    trained_on: dict[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def neutral(cls) -> DecisionPolicy:
        return cls(neutral_model(Features), neutral_model(Features), neutral_model(CrisisFeatures))

    @classmethod
    def load(cls, path: Path = DECISION_FILE) -> DecisionPolicy:
        return cls.from_dict(tomllib.loads(path.read_text(encoding="utf-8")))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DecisionPolicy:
        thresholds = {k: float(v) for k, v in data.get("thresholds", {}).items()}
        return cls(
            accept=LogisticModel.from_table(data["accept"], Features),
            shortlist=LogisticModel.from_table(data["shortlist"], Features),
            crisis=LogisticModel.from_table(data["crisis"], CrisisFeatures),
            trained_on=dict(data.get("trained_on", {})),
            **thresholds,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "trained_on": self.trained_on,
            "thresholds": {
                "accept_min": round(self.accept_min, 4),
                "shortlist_min": round(self.shortlist_min, 4),
                "shortlist_ratio": round(self.shortlist_ratio, 4),
                "referral_min": round(self.referral_min, 4),
                "crisis_min": round(self.crisis_min, 4),
                "intent_min": round(self.intent_min, 4),
                "intent_margin": round(self.intent_margin, 4),
                "phrase_weight": round(self.phrase_weight, 4),
                "word_weight": round(self.word_weight, 4),
            },
            "crisis": self.crisis.to_table(),
            "accept": self.accept.to_table(),
            "shortlist": self.shortlist.to_table(),
        }
