"""The safety net: a question that speaks of a crisis gets the crisis answer and a person, first.

It is checked on every question before any guide. Two signals, recall first:

- **Trigger phrases.** A short phrase of a crisis entry (up to :data:`MAX_TRIGGER_WORDS` words,
  such as "slår mig" or "kill myself") fires when its words occur in that order anywhere in the
  question, with at most one other word between two of them and a typo allowed in a longer word.
  This finds a crisis buried in a long story about MitID. A phrase of two words also matches in
  the other order (Polish "tnę się" and "się tnę", Danish "mig slår han": word order is free in
  several of the languages). A word the knowledge base uses outside the crisis entries is taken
  as itself, never as a typo of a trigger word: Persian "بگیرم" (to get) is one letter from
  "بمیرم" (to die), Arabizi "intizar" (waiting) one from "intihar".
- **Similarity.** The question (and each of its sentences) is close to a crisis entry's longer
  example phrases: the caller compares the best phrase score with a learned threshold.

The phrases are knowledge-base content (entries with ``category = "crisis"``), edited in the
workshop like any guide; nothing here names a crisis.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import Levenshtein
from rapidfuzz.process import extract

MAX_TRIGGER_WORDS = 6
MAX_GAP = 1
"""Other words allowed between two words of a trigger ("slår **han** mig")."""
FUZZY_MIN_LENGTH = 5
"""Words this long may differ by one edit (a typo) and still match."""
FUZZY_TWO_EDITS_LENGTH = 9
"""Words this long may differ by two edits: a transliterated word is spelt several ways
("prokydaietsia", "prokydayetsya"), and a long word is rarely two edits from another."""
VARIANT_CACHE = 8192
"""Question words whose trigger variants each matcher remembers (the fuzzy search is the cost)."""


@dataclass(frozen=True)
class Trigger:
    owner: str
    words: tuple[str, ...]


class TriggerMatcher:
    """Finds short phrases inside a normalised question, in order (two words in either order),
    with small gaps and typos."""

    def __init__(self, triggers: Iterable[Trigger], everyday_words: Iterable[str] = ()) -> None:
        """``everyday_words``: words in use outside the crisis entries (normalised), which are
        never read as a typo of a trigger word."""
        by_first: defaultdict[str, list[Trigger]] = defaultdict(list)
        vocabulary: set[str] = set()
        for trigger in triggers:
            if 0 < len(trigger.words) <= MAX_TRIGGER_WORDS:
                by_first[trigger.words[0]].append(trigger)
                vocabulary.update(trigger.words)
                if len(trigger.words) == 2:
                    swapped = Trigger(trigger.owner, trigger.words[::-1])
                    by_first[swapped.words[0]].append(swapped)
        self._by_first = dict(by_first)
        self._long_words = tuple(sorted(w for w in vocabulary if len(w) >= FUZZY_MIN_LENGTH))
        self._vocabulary = frozenset(vocabulary)
        self._by_loose_spelling = _loose_index(self._vocabulary)
        self._everyday = frozenset(everyday_words)
        self.size = sum(len(v) for v in self._by_first.values())
        # Per matcher, keyed by the word alone: a module-wide cache keyed by the vocabulary too
        # hashed the 2,000 long trigger words again for every word of every question.
        self._variants = lru_cache(maxsize=VARIANT_CACHE)(self._find_variants)

    def _find_variants(self, word: str) -> frozenset[str]:
        """The trigger words that ``word`` may stand for: itself, and one typo away if long and
        it may be a misspelling (not a word in everyday use)."""
        found = {word} & self._vocabulary
        # Transliteration writes one sound as "y" or "i" ("moyu", "moiu"): a word that differs
        # from a trigger word only so matches it, however short.
        if "y" in word or "i" in word:
            found.update(self._by_loose_spelling.get(_loose(word), ()))
        if word not in self._everyday and len(word) >= FUZZY_MIN_LENGTH:
            edits = 2 if len(word) >= FUZZY_TWO_EDITS_LENGTH else 1
            for candidate, distance, _ in extract(
                word, self._long_words, scorer=Levenshtein.distance, score_cutoff=edits, limit=None
            ):
                # Both words long enough for the edits: "prokydaietsia" is not two edits from a
                # seven-letter word by chance.
                if distance <= 1 or len(candidate) >= FUZZY_TWO_EDITS_LENGTH:
                    found.add(candidate)
        return frozenset(found)

    def matches(self, normalised: str) -> set[str]:
        """The owners whose triggers occur in the question."""
        words = normalised.split()
        variants = [self._variants(word) for word in words]
        found: set[str] = set()
        for start, candidates in enumerate(variants):
            for first in candidates:
                for trigger in self._by_first.get(first, ()):
                    if trigger.owner not in found and _follows(trigger.words, variants, start):
                        found.add(trigger.owner)
        return found


def _follows(words: Sequence[str], variants: Sequence[frozenset[str]], start: int) -> bool:
    position = start
    for word in words[1:]:
        window = range(position + 1, min(position + 2 + MAX_GAP, len(variants)))
        position = next((i for i in window if word in variants[i]), -1)
        if position < 0:
            return False
    return True


def _loose(word: str) -> str:
    return word.replace("y", "i")


def _loose_index(vocabulary: frozenset[str]) -> dict[str, frozenset[str]]:
    index: defaultdict[str, set[str]] = defaultdict(set)
    for word in vocabulary:
        index[_loose(word)].add(word)
    return {key: frozenset(words) for key, words in index.items()}
