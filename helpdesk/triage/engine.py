"""The triage decision: ``guide``, ``clarify`` or ``human``.

A question goes through three stages:

1. **The safety net** (:mod:`helpdesk.triage.safety`), before anything else: a question that
   speaks of suicide, violence at home, someone controlling the citizen's money or MitID, or
   acute danger gets that crisis entry's answer and a person (``human``, ``sensitive``).
2. **Intents**: asking for a person, or another sensitive situation (homelessness, a death).
3. **Ranking and the learned decision.** Every guide and referral (an out-of-scope pointer) is
   scored by two views of the same index: its best single search phrase (a close paraphrase
   wins outright) and its whole bag of phrases, titles and aliases in all languages. A long
   question is also scored sentence by sentence, so that a story with one clear problem finds
   it. The decision (:mod:`helpdesk.triage.decision`) then weighs features of the ranking with
   models trained on labelled data: give the guide, point to the referral, ask "which of these?",
   or hand off to a person.

:meth:`TriageEngine.analyse` does all the scoring and :meth:`TriageEngine.decide` only decides,
so that the trainer (``bench/train_decision.py``) replays exactly what the service does.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, NamedTuple, TypeVar, cast

import numpy as np

from helpdesk.kb.content import KnowledgeBase
from helpdesk.normalize import normalize
from helpdesk.triage.decision import CrisisFeatures, DecisionPolicy, Features
from helpdesk.triage.index import NgramIndex, char_ngrams
from helpdesk.triage.langid import LanguageGuess, LanguageIdentifier
from helpdesk.triage.safety import MAX_TRIGGER_WORDS, Trigger, TriggerMatcher

Outcome = Literal["guide", "clarify", "human"]
Reason = Literal[
    "matched", "ambiguous", "no_match", "asked_for_person", "sensitive", "out_of_scope", "empty"
]
OwnerKind = Literal["guide", "referral", "crisis", "intent"]
T = TypeVar("T")
PERSON_INTENT = "human"
SENSITIVE_INTENT = "sensitive"
PLEA_INTENT = "plea"
"""A plea that names no one ("please help me"): closer than asking for a person, no hand-off."""
FIGURATIVE_INTENT = "figurative"
"""Exaggeration about a thing ("this app is killing me"): see :meth:`TriageEngine.literal`."""
EVERYDAY_INTENTS = frozenset({PERSON_INTENT, PLEA_INTENT})
"""Intents whose phrases are in everyday words, like the guides' and the referrals' phrases (the
figurative and sensitive intents speak of hard things in the crisis entries' words): such a word
is never a typo of a crisis trigger, nor a word only crisis entries use."""
FIGURATIVE_MIN = 0.6
"""A sentence whose closest figurative phrase scores at least this (cosine)..."""
FIGURATIVE_LEAD = 0.2
"""...and beats its closest crisis phrase by this much is not taken as a crisis by its trigger
phrases (the learned model still judges the question). Set high on purpose: characters cannot
tell "appen slår mig ihjel" from "min mand slår mig ihjel" well (0.61 against 0.63 measured)."""
TOPIC_WORDS = 2
"""A question of at most this many words, none of them used only by crisis entries, that a guide's
phrase matches at least as closely as any crisis phrase names that guide's topic: the safety
net's model does not judge it ("folkepension" matched "han tager min folkepension" in a crisis
entry and scored 0.68; a crisis said in one or two words is a trigger phrase or a crisis word)."""
MAX_CANDIDATES = 3
SEGMENT_WORDS = 12
"""A question longer than this is also scored by sentences (and windows of this many words)."""
MAX_SEGMENTS = 8
VERBATIM = 0.99
"""A short question this close (cosine) to one of the best entry's own phrases or its title, and to
no other entry's, is answered with that entry whatever the model says: the knowledge base says so
in so many words (a search phrase names one entry; the validator checks it)."""
BAG_NORM_POWER = 0.5
"""A bag of phrases is divided by its length to this power, not by its length (pivoted length
normalisation): a full cosine favoured entries with few phrases, so new guides took questions from
well-phrased old ones ("forny kørekort" went to the driving-licence app). Measured on the tune
halves (right guide ranked first, phrase weight 0.2): 1.0 -> 93.0 %, 0.8 -> 92.4 %, 0.6 -> 94.6 %,
0.5 -> 94.6 %, 0.4 -> 93.3 % (measured before pivoting around the mean length)."""
KEY_LENGTH = 5
"""Words are compared by their first letters, so that inflections share a key."""
MIN_WORD_LENGTH = 3
DISTINCTIVE_SHARE = 0.08
"""A word known to at most this share of the entries (and at least to 2) tells entries apart."""
_SENTENCE_BREAK = re.compile(r"[.!?;:\n\r؟؛]+|,\s+")


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
    answer: str | None = None
    """The crisis or referral entry that answers a ``human`` outcome (``sensitive`` from the
    safety net, ``out_of_scope``): its slug."""


class Owner(NamedTuple):
    """A guide, referral, crisis entry or intent. A tuple: it is a dictionary key in every
    score table, and a tuple hashes in C (a frozen dataclass's hash was a tenth of the time of a
    long question)."""

    kind: OwnerKind
    name: str


@dataclass(frozen=True)
class Analysis:
    """Everything the decision needs about one question, computed once."""

    language: LanguageGuess
    scores: dict[Owner, float]
    """Per entry: the whole question's score, its best phrase and its bag weighted, plus the
    rare words it knows."""
    best_sentence: dict[Owner, float]
    """Per entry: the score of the question's best sentence (long questions only)."""
    best_phrase: dict[Owner, float]
    """Per entry: its best single phrase against the question or any of its sentences."""
    bag: dict[Owner, float]
    keys: tuple[str, ...]
    """The question's word keys (see :data:`KEY_LENGTH`)."""
    crisis_triggers: frozenset[str] = frozenset()
    _derived: dict[str, object] = field(default_factory=dict, init=False, repr=False, compare=False)
    """What is worked out from the scores, kept: the trainer decides each question thousands of
    times, with other thresholds."""

    def remember(self, key: str, work_out: Callable[[], T]) -> T:
        """``work_out()``, computed once per analysis (the scores never change)."""
        if key not in self._derived:
            self._derived[key] = work_out()
        return cast(T, self._derived[key])

    def ranked(self, kinds: tuple[OwnerKind, ...] = ("guide", "referral")) -> tuple[Owner, ...]:
        def rank() -> tuple[Owner, ...]:
            owners = [o for o in self.scores if o.kind in kinds]
            return tuple(sorted(owners, key=lambda o: (-self.scores[o], o.name)))

        return self.remember("ranked " + " ".join(kinds), rank)


def combine(
    best_phrase: dict[Owner, float],
    bag: dict[Owner, float],
    phrase_weight: float,
    words: dict[Owner, float] | None = None,
    word_weight: float = 0.0,
) -> dict[Owner, float]:
    """One score per entry: its best phrase and its bag, weighted, and the rare words it knows."""
    scores = {
        owner: phrase_weight * best_phrase.get(owner, 0.0)
        + (1 - phrase_weight) * bag.get(owner, 0.0)
        for owner in best_phrase.keys() | bag.keys()
    }
    if words and word_weight:
        for owner, value in words.items():
            scores[owner] = scores.get(owner, 0.0) + word_weight * value
    return scores


def best_of(scores: dict[Owner, float], kinds: tuple[OwnerKind, ...]) -> float:
    """The highest score among the entries of these kinds (0 when none scores)."""
    return max((s for o, s in scores.items() if o.kind in kinds), default=0.0)


def shown(score: float) -> float:
    """A score as the API shows it: 0 to 1 (a short entry's pivoted bag score may pass 1)."""
    return round(min(score, 1.0), 4)


def word_keys(normalised: str) -> list[str]:
    return [w[:KEY_LENGTH] for w in normalised.split() if len(w) >= MIN_WORD_LENGTH]


def question_keys(normalised: str) -> tuple[str, ...]:
    """A question's word keys, each once, in order."""
    return tuple(dict.fromkeys(word_keys(normalised)))


def segments(text: str) -> list[str]:
    """A long question's sentences (long ones cut into overlapping windows), normalised."""
    if len(normalize(text).split()) <= SEGMENT_WORDS:
        return []
    found: list[str] = []
    step = SEGMENT_WORDS // 2
    for part in _SENTENCE_BREAK.split(text):
        words = normalize(part).split()
        if len(words) <= SEGMENT_WORDS:
            if words:
                found.append(" ".join(words))
            continue
        for start in range(0, len(words) - step, step):
            found.append(" ".join(words[start : start + SEGMENT_WORDS]))
    if len(found) > MAX_SEGMENTS:
        stride = math.ceil(len(found) / MAX_SEGMENTS)
        found = found[::stride]
    return found


class TriageEngine:
    """Built once per knowledge-base version; :meth:`triage` is then pure and thread-safe."""

    def __init__(
        self,
        knowledge_base: KnowledgeBase,
        policy: DecisionPolicy | None = None,
        previous: TriageEngine | None = None,
    ):
        """``previous``: the engine of the last version of the knowledge base, whose work on
        unchanged text is reused (normalised phrases, the language model of unchanged languages),
        so that rebuilding after an edit is quicker. The result is the same either way."""
        self.policy = policy or DecisionPolicy.load()
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
        triggers: list[Trigger] = []
        vocabularies: list[frozenset[str]] = []
        everyday_words: set[str] = set()

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
            if owner.kind in ("guide", "referral") or (
                owner.kind == "intent" and owner.name in EVERYDAY_INTENTS
            ):
                everyday_words.update(w for text in normalised for w in text.split())
            vocabularies.append(frozenset(k for text in normalised for k in word_keys(text)))

        for guide in knowledge_base.guides:
            texts = list(guide.aliases)
            for language, version in guide.translations.items():
                texts += [version.title, *version.phrases]
                samples.setdefault(language, []).extend(
                    [version.title, version.summary, *version.steps, *version.phrases]
                )
                if guide.kind == "crisis":
                    for phrase in version.phrases:
                        words = tuple(normalise(phrase).split())
                        if len(words) <= MAX_TRIGGER_WORDS:
                            triggers.append(Trigger(guide.slug, words))
            # A crisis entry matches on its phrases; its title ("You are not alone") is no signal.
            add(
                Owner(guide.kind, guide.slug),
                texts
                if guide.kind != "crisis"
                else [p for v in guide.translations.values() for p in v.phrases],
            )
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
        self._bags = NgramIndex(bag_texts, norm_power=BAG_NORM_POWER)
        self._vocabulary = dict(zip(owners, vocabularies, strict=True))
        answerable = [v for o, v in self._vocabulary.items() if o.kind in ("guide", "referral")]
        frequency = Counter(k for vocabulary in answerable for k in vocabulary)
        limit = max(2, round(DISTINCTIVE_SHARE * len(answerable)))
        self._distinctive = frozenset(k for k, n in frequency.items() if n <= limit)
        # Word evidence: each key's entries, and its weight by how few entries know it (a key no
        # entry knows still counts in the question's total, at the highest weight).
        self._unknown_word_weight = math.log(1 + len(answerable))
        self._word_weights = {
            k: math.log((1 + len(answerable)) / (1 + n)) for k, n in frequency.items()
        }
        known_by: defaultdict[str, list[Owner]] = defaultdict(list)
        for owner, vocabulary in self._vocabulary.items():
            if owner.kind in ("guide", "referral"):
                for k in vocabulary:
                    if self._word_weights[k] > 0:  # a key every entry knows tells nothing
                        known_by[k].append(owner)
        self._known_by = dict(known_by)
        # Words only crisis entries use ("slår", "abuse", "انتحار"): a signal for the safety net.
        # Not everyday words (see EVERYDAY_INTENTS): "I want to talk to someone" is said in a
        # crisis and at the desk alike (Persian "حرف بزنم" raised a crisis alarm), and "keeps",
        # "every", "بدي" are in crisis phrases only because no guide phrase happened to use them.
        crisis_vocabulary = {
            k for o, v in self._vocabulary.items() if o.kind == "crisis" for k in v
        }
        # (The guides' and referrals' keys are among the everyday words' keys.)
        everyday_keys = {w[:KEY_LENGTH] for w in everyday_words}
        self._crisis_keys = frozenset(crisis_vocabulary - everyday_keys)
        self._triggers = TriggerMatcher(triggers, everyday_words)
        self.language_identifier: LanguageIdentifier = LanguageIdentifier(
            samples, previous=previous.language_identifier if previous is not None else None
        )
        self._normalised: dict[str, str] = normalised_texts
        self.phrase_count = len(phrase_texts)

    def identify_language(self, text: str, ui_language: str | None = None) -> LanguageGuess:
        return self.language_identifier.identify(text, prior=ui_language)

    def component_scores(self, normalised: str) -> tuple[dict[Owner, float], dict[Owner, float]]:
        """Per entry and intent: its best single phrase (cosine), and how much of the question its
        whole bag of phrases covers."""
        if not self._owners:
            return {}, {}
        grams = char_ngrams(normalised)  # both indexes search the same n-grams
        phrase_scores = self._phrases.search(normalised, grams)
        best = np.maximum.reduceat(phrase_scores, self._owner_starts)
        bag = self._bags.search(normalised, grams)
        best_phrase = {self._owners[i]: float(best[i]) for i in np.flatnonzero(best)}
        return best_phrase, {self._owners[i]: float(bag[i]) for i in np.flatnonzero(bag)}

    def word_scores(self, keys: tuple[str, ...]) -> dict[Owner, float]:
        """Per guide and referral: the share of the question's word weight (see
        :meth:`__init__`) in words it knows."""
        total = sum(self._word_weights.get(k, self._unknown_word_weight) for k in keys)
        scores: defaultdict[Owner, float] = defaultdict(float)
        for k in keys:
            for owner in self._known_by.get(k, ()):
                scores[owner] += self._word_weights[k] / total
        return dict(scores)

    def _combine(
        self,
        best_phrase: dict[Owner, float],
        bag: dict[Owner, float],
        words: dict[Owner, float] | None = None,
    ) -> dict[Owner, float]:
        return combine(best_phrase, bag, self.policy.phrase_weight, words, self.policy.word_weight)

    def search(self, text: str, limit: int = 8, floor: float = 0.05) -> list[Match]:
        """Guides ranked by relevance, with no decision: for staff searching as they type."""
        normalised = normalize(text)
        if not normalised:
            return []
        words = self.word_scores(question_keys(normalised))
        scored = self._combine(*self.component_scores(normalised), words)
        ranked = sorted(
            (Match(o.name, shown(s)) for o, s in scored.items() if o.kind == "guide"),
            key=lambda m: (-m.score, m.slug),
        )
        return [m for m in ranked if m.score >= floor][:limit]

    def analyse(self, text: str, ui_language: str | None = None) -> Analysis | None:
        """Score a question against everything; ``None`` when it has no words."""
        normalised = normalize(text)
        if not normalised:
            return None
        guess = self.identify_language(text, ui_language)
        whole_phrase, bag = self.component_scores(normalised)
        # The ranking is the whole question's: measured on our sets, ranking a long story by its
        # best sentence picks a side remark as often as the problem. Sentences are evidence of
        # confidence instead (one clear sentence about the best guide), and the safety net's.
        best_sentence: dict[Owner, float] = {}
        best_phrase = dict(whole_phrase)
        for segment in segments(text):
            part_phrase, part_bag = self.component_scores(segment)
            for owner, value in self._combine(part_phrase, part_bag).items():
                if value > best_sentence.get(owner, 0.0):
                    best_sentence[owner] = value
            for owner, value in part_phrase.items():
                if value > best_phrase.get(owner, 0.0):
                    best_phrase[owner] = value
        keys = question_keys(normalised)
        return Analysis(
            language=guess,
            scores=self._combine(whole_phrase, bag, self.word_scores(keys)),
            best_sentence=best_sentence,
            best_phrase=best_phrase,
            bag=bag,
            keys=keys,
            crisis_triggers=self.literal(text, self._triggers.matches(normalised)),
        )

    def literal(self, text: str, triggers: set[str]) -> frozenset[str]:
        """The crisis entries whose trigger phrases the question means literally.

        "Slår mig ihjel", "is killing me", "beni öldürecek" are as often said of an app as of a
        person. Each sentence with a trigger is compared with the figurative phrases (an intent
        in the knowledge base) and the crisis phrases: a trigger found only in sentences that read
        clearly more like exaggeration about a thing does not decide. A trigger in any literal
        sentence, or across two sentences, still does (recall first). Only questions with a
        trigger pay for this."""
        if not triggers:
            return frozenset()
        figurative = Owner("intent", FIGURATIVE_INTENT)
        literal: set[str] = set()
        exaggerated: set[str] = set()
        for part in _SENTENCE_BREAK.split(text):
            sentence = normalize(part)
            found = self._triggers.matches(sentence) if sentence else set()
            if not found:
                continue
            phrase, _ = self.component_scores(sentence)
            closest = phrase.get(figurative, 0.0)
            if closest >= FIGURATIVE_MIN and closest >= best_of(phrase, ("crisis",)) + (
                FIGURATIVE_LEAD
            ):
                exaggerated |= found
            else:
                literal |= found
        return frozenset(triggers - (exaggerated - literal))

    def features(self, analysis: Analysis) -> Features | None:
        """The decision's view of the ranking; ``None`` when no guide or referral scores."""
        return analysis.remember("features", lambda: self._features(analysis))

    def _features(self, analysis: Analysis) -> Features | None:
        ranked = analysis.ranked()
        if not ranked:
            return None
        top = ranked[0]
        second = analysis.scores[ranked[1]] if len(ranked) > 1 else 0.0
        vocabulary = self._vocabulary.get(top, frozenset())
        known = [k for k in analysis.keys if k in vocabulary]
        distinctive = sum(k in self._distinctive for k in known)
        person = analysis.scores.get(Owner("intent", PERSON_INTENT), 0.0)
        return Features(
            score=analysis.scores[top],
            margin=analysis.scores[top] - second,
            sentence_score=analysis.best_sentence.get(top, 0.0),
            best_phrase=analysis.best_phrase.get(top, 0.0),
            bag=analysis.bag.get(top, 0.0),
            distinctive_words=min(distinctive, 4) / 4,
            coverage=len(known) / len(analysis.keys) if analysis.keys else 0.0,
            length=math.log1p(len(analysis.keys)),
            language_confidence=analysis.language.confidence,
            referral=1.0 if top.kind == "referral" else 0.0,
            person_intent=person,
            referral_gap=best_of(analysis.scores, ("referral",))
            - best_of(analysis.scores, ("guide",)),
        )

    def crisis_features(self, analysis: Analysis) -> CrisisFeatures:
        return analysis.remember("crisis features", lambda: self._crisis_features(analysis))

    def _crisis_features(self, analysis: Analysis) -> CrisisFeatures:
        crisis_words = sum(k in self._crisis_keys for k in analysis.keys)
        crisis_phrase = best_of(analysis.best_phrase, ("crisis",))
        # A question that reads like a guide, a referral, everyday exaggeration or asking for a
        # person is less likely a crisis than its crisis words alone say.
        other = max(
            best_of(analysis.best_phrase, ("guide", "referral")),
            analysis.best_phrase.get(Owner("intent", FIGURATIVE_INTENT), 0.0),
            analysis.best_phrase.get(Owner("intent", PERSON_INTENT), 0.0),
        )
        return CrisisFeatures(
            crisis_phrase=crisis_phrase,
            crisis_lead=crisis_phrase - other,
            crisis_score=max(
                best_of(analysis.scores, ("crisis",)), best_of(analysis.best_sentence, ("crisis",))
            ),
            crisis_words=min(crisis_words, 3) / 3,
        )

    def verbatim(self, analysis: Analysis, top: Owner) -> bool:
        """The question (short, not scored by sentences) is one of ``top``'s own phrases and
        close to no other guide's or referral's phrase."""
        if analysis.best_sentence or analysis.best_phrase.get(top, 0.0) < VERBATIM:
            return False
        others = (
            s
            for o, s in analysis.best_phrase.items()
            if o != top and o.kind in ("guide", "referral")
        )
        return max(others, default=0.0) < VERBATIM

    def crisis(self, analysis: Analysis, policy: DecisionPolicy | None = None) -> str | None:
        """The crisis entry the question speaks of, if any: a trigger phrase, or the learned
        model's judgement; the entry is the closest one."""
        p = policy or self.policy
        similar = {o.name: s for o, s in analysis.best_phrase.items() if o.kind == "crisis"}
        if analysis.crisis_triggers:
            return max(analysis.crisis_triggers, key=lambda slug: (similar.get(slug, 0.0), slug))
        if not similar:
            return None
        features = self.crisis_features(analysis)
        if (
            len(analysis.keys) <= TOPIC_WORDS
            and features.crisis_words == 0
            and features.crisis_lead <= 0
        ):
            return None
        if p.crisis.probability(features) < p.crisis_min:
            return None
        return max(similar.items(), key=lambda item: (item[1], item[0]))[0]

    def triage(self, text: str, ui_language: str | None = None) -> TriageResult:
        analysis = self.analyse(text, ui_language)
        if analysis is None:
            guess = self.identify_language(text, ui_language)
            return TriageResult("human", "empty", guess.language, guess.confidence)
        return self.decide(analysis)

    def decide(self, analysis: Analysis, policy: DecisionPolicy | None = None) -> TriageResult:
        """Turn an analysis into an outcome. Separate from scoring so that the trainer can
        replay it with another policy."""
        p = policy or self.policy
        language, confidence = analysis.language.language, analysis.language.confidence

        def hand_off(reason: Reason, answer: str | None = None) -> TriageResult:
            return TriageResult(
                "human", reason, language, confidence, offer_person=True, answer=answer
            )

        crisis = self.crisis(analysis, p)
        if crisis is not None:
            return hand_off("sensitive", crisis)

        guides = analysis.ranked(("guide",))
        best_guide = analysis.scores[guides[0]] if guides else 0.0
        # An intent is a formula ("I want to talk to a person"): judged by its closest phrase,
        # against the closest phrase of any guide.
        guide_phrase = best_of(analysis.best_phrase, ("guide",))
        # The closer of the two decides: "I need help from a person" shares words with "I am in
        # a crisis and need help now", and must not be answered as a crisis.
        # A plea ("Fadlan i caawi", closing a story about housing benefit) is closer to asking
        # for a person than to any guide, letter for letter; closer still to a plea, it is not.
        intents: tuple[tuple[str, Reason | None], ...] = (
            (SENSITIVE_INTENT, "sensitive"),
            (PERSON_INTENT, "asked_for_person"),
            (PLEA_INTENT, None),
        )
        closest = max(
            intents, key=lambda item: analysis.best_phrase.get(Owner("intent", item[0]), 0.0)
        )
        score = analysis.best_phrase.get(Owner("intent", closest[0]), 0.0)
        wanted = closest[1]
        if wanted is not None and score >= p.intent_min and score >= guide_phrase + p.intent_margin:
            return hand_off(wanted)

        features = self.features(analysis)
        if features is None:
            return hand_off("no_match")
        top = analysis.ranked()[0]
        accept = p.accept.probability(features)
        if self.verbatim(analysis, top) or accept >= p.accept_min:
            if top.kind == "referral":
                return hand_off("out_of_scope", top.name)
            matches = [Match(o.name, shown(analysis.scores[o])) for o in guides[:MAX_CANDIDATES]]
            return TriageResult(
                "guide",
                "matched",
                language,
                confidence,
                matches,
                offer_person=top.name in self._sensitive_slugs,
            )
        if guides and p.shortlist.probability(features) >= p.shortlist_min:
            floor = p.shortlist_ratio * best_guide
            close = [o for o in guides[:MAX_CANDIDATES] if analysis.scores[o] >= floor]
            if len(close) < 2:
                close = list(guides[:2])
            matches = [Match(o.name, shown(analysis.scores[o])) for o in close]
            offer = any(m.slug in self._sensitive_slugs for m in matches)
            return TriageResult("clarify", "ambiguous", language, confidence, matches, offer)
        if top.kind == "referral" and accept >= p.referral_min:
            return hand_off("out_of_scope", top.name)
        return hand_off("no_match")
