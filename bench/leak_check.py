"""Find knowledge-base text that copies an evaluation question.

    python bench/leak_check.py                    # bench/data/*.tsv and ../shared/eval/*.tsv
    python bench/leak_check.py --tsv some.tsv     # only these sets

The rule is "never paste evaluation questions into the knowledge base": a search phrase, a crisis
trigger or a title that copies a question we measure with makes the figures measure our memory,
not the engine. This compares every phrase and title of every entry (guides, crisis answers,
referrals; every language) and every intent phrase with every question, both normalised as
triage sees them, and lists the near-copies. Exit status 1 when there is one.

What counts as a copy (tuned so that a shared short term such as "mitid låst" is not one):

- **equal** after normalisation, with at least :data:`EQUAL_MIN_WORDS` words (one or two equal
  words are the name of a thing, "pas", "mitid låst": listed with ``--all``, allowed);
- **similar**: a phrase of at least :data:`SIMILAR_MIN_WORDS` words with a character similarity
  (rapidfuzz ``ratio``) of at least :data:`SIMILAR_MIN_RATIO` to the whole question;
- **contained**: a phrase of at least :data:`CONTAINED_MIN_WORDS` words found in the question in
  order, with at most one word in :data:`CONTAINED_WORDS_PER_MISS` missing, at least
  :data:`CONTAINED_MIN_SHARE` of its weight (words weighted by rarity) and its rarest word: a
  clause lifted out of a longer question with a word or two changed ("min eks læser stadig min
  e-boks og ved nu hvor jeg bor" from "min eks har stadig adgang til min e-boks ..., han ved hvor
  jeg bor nu"), not a question on another topic in the same words ("hvad skal jeg have med når
  jeg brevstemmer" against "... når jeg skal have nyt pas").

A title is translated from the shared topic catalogue, which the question writers saw too, so a
question may echo it: only a title equal to a question counts.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz
from rapidfuzz.distance import LCSseq

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.evaluation import DATA, DEFAULT_TSV, load_examples
from helpdesk.kb.content import KnowledgeBase
from helpdesk.kb.files import load_knowledge_base
from helpdesk.normalize import normalize

EQUAL_MIN_WORDS = 3
SIMILAR_MIN_WORDS = 4
SIMILAR_MIN_RATIO = 88.0
CONTAINED_MIN_WORDS = 5
CONTAINED_WORDS_PER_MISS = 6
CONTAINED_MIN_SHARE = 0.8


@dataclass(frozen=True)
class KbText:
    """One piece of matchable knowledge-base text and where it lives."""

    where: str  # e.g. "crisis-control/da phrase", "sensitive intent/en"
    text: str
    is_title: bool = False


@dataclass(frozen=True)
class EvalQuestion:
    where: str  # e.g. "crisis.tsv:74"
    question: str


@dataclass(frozen=True)
class Leak:
    kb: KbText
    question: EvalQuestion
    rule: str  # "equal", "similar 91", "contained 11/12 words, 93% of the weight"
    counted: bool = True  # False: a shared short term or a title's echo, listed but allowed

    def __str__(self) -> str:
        return (
            f"{self.kb.where}: {self.kb.text!r}\n"
            f"    {self.rule} {self.question.where}: {self.question.question!r}"
        )


def kb_texts(kb: KnowledgeBase) -> list[KbText]:
    """Every phrase and title the engine indexes or shows, with where it comes from."""
    texts: list[KbText] = []
    for guide in kb.guides:
        for lang, version in guide.translations.items():
            texts.append(KbText(f"{guide.slug}/{lang} title", version.title, is_title=True))
            texts += [KbText(f"{guide.slug}/{lang} phrase", p) for p in version.phrases]
    for intent in kb.intents:
        for lang, phrases in intent.phrases.items():
            texts += [KbText(f"{intent.name} intent/{lang}", p) for p in phrases]
    return texts


def eval_questions(paths: Iterable[Path]) -> list[EvalQuestion]:
    questions: list[EvalQuestion] = []
    for path in paths:
        for row, example in enumerate(load_examples(path), start=2):  # row 1 is the header
            questions.append(EvalQuestion(f"{path.name}:{row}", example.question))
    return questions


def default_sets() -> list[Path]:
    sets = sorted(DATA.rglob("*.tsv"))
    return sets + ([DEFAULT_TSV] if DEFAULT_TSV.exists() else [])


def _weighted_in_order(
    phrase: Sequence[str], question: Sequence[str], idf: Mapping[str, float]
) -> float:
    """The share of the phrase's weight (words by rarity) found in the question, in order."""
    previous = [0.0] * (len(question) + 1)
    for word in phrase:
        weight = idf.get(word, 0.0)
        current = [0.0]
        for j, other in enumerate(question, start=1):
            best = max(previous[j], current[j - 1])
            if word == other:
                best = max(best, previous[j - 1] + weight)
            current.append(best)
        previous = current
    total = sum(idf.get(word, 0.0) for word in phrase)
    return previous[-1] / total if total else 0.0


def _rule(phrase: Sequence[str], question: Sequence[str], idf: Mapping[str, float]) -> str | None:
    """Why ``phrase`` is a copy of ``question`` (both normalised, as words), or None."""
    if phrase == question:
        return "equal"
    if len(phrase) >= SIMILAR_MIN_WORDS:
        ratio = fuzz.ratio(" ".join(phrase), " ".join(question))
        if ratio >= SIMILAR_MIN_RATIO:
            return f"similar {ratio:.0f}"
    if len(phrase) >= CONTAINED_MIN_WORDS:
        in_order = LCSseq.similarity(phrase, question)
        if len(phrase) - in_order <= len(phrase) // CONTAINED_WORDS_PER_MISS:
            weighted = _weighted_in_order(phrase, question, idf)
            # The phrase's rarest word says what it is about ("brevstemmer" in "hvad skal jeg
            # have med når jeg brevstemmer"): a question without it is about something else.
            rarest = max(phrase, key=lambda word: idf.get(word, 0.0))
            if weighted >= CONTAINED_MIN_SHARE and rarest in question:
                return f"contained {in_order}/{len(phrase)} words, {weighted:.0%} of the weight"
    return None


def _idf(documents: Iterable[Sequence[str]]) -> dict[str, float]:
    """Inverse document frequency: a word most texts share weighs little."""
    counts: defaultdict[str, int] = defaultdict(int)
    total = 0
    for words in documents:
        total += 1
        for word in set(words):
            counts[word] += 1
    return {word: math.log((1 + total) / (1 + count)) for word, count in counts.items()}


def find_leaks(texts: Iterable[KbText], questions: Iterable[EvalQuestion]) -> list[Leak]:
    """The knowledge-base texts that copy a question, one entry per (text, question) pair."""
    normalised_questions = [(q, normalize(q.question).split()) for q in questions]
    normalised_texts = [(t, normalize(t.text).split()) for t in texts]
    idf = _idf([words for _, words in normalised_questions + normalised_texts])
    # Candidates by shared words, so that not every pair is compared: a copy shares most words.
    by_word: defaultdict[str, set[int]] = defaultdict(set)
    for number, (_, words) in enumerate(normalised_questions):
        for word in words:
            by_word[word].add(number)
    leaks: list[Leak] = []
    for text, words in normalised_texts:
        if not words:
            continue
        shared: defaultdict[int, int] = defaultdict(int)
        for word in set(words):
            for number in by_word.get(word, ()):
                shared[number] += 1
        distinct = len(set(words))
        for number, count in shared.items():
            # Every rule needs most of the phrase's words in the question (a similarity of 88
            # over whole strings cannot leave half the words out).
            if count < 0.5 * distinct:
                continue
            question, question_words = normalised_questions[number]
            rule = _rule(words, question_words, idf)
            if rule is not None:
                leaks.append(Leak(text, question, rule, counted=_counted(text, words, rule)))
    return leaks


def _counted(text: KbText, words: Sequence[str], rule: str) -> bool:
    """Whether a match is a copy, rather than a shared term or an echo of a title.

    One or two words equal to a question are the name of a thing ("pas", "mitid låst"): the
    one- and two-word query set is made of such names, and a guide must carry them. A title is
    translated from the shared topic catalogue, which the question writers saw too: a question
    may echo it; only a title equal to a question counts.
    """
    if rule == "equal":
        return len(words) >= EQUAL_MIN_WORDS
    return not text.is_title


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tsv", type=Path, action="append", help="an evaluation set (repeatable)")
    parser.add_argument(
        "--all", action="store_true", help="also list the shared short terms and title echoes"
    )
    args = parser.parse_args()
    loaded = load_knowledge_base()
    if loaded.errors:
        print("\n".join(loaded.errors), file=sys.stderr)
        return 2
    sets = args.tsv or default_sets()
    matches = find_leaks(kb_texts(loaded.knowledge_base), eval_questions(sets))
    allowed = [match for match in matches if not match.counted]
    leaks = [match for match in matches if match.counted]
    if allowed and args.all:
        print("Allowed (a shared one- or two-word term, or a title that a question echoes):")
        for match in allowed:
            print(match)
        print()
    for leak in leaks:
        print(leak)
    names = ", ".join(path.name for path in sets)
    print(
        f"{len(leaks)} near-copies of evaluation questions ({names}); "
        f"{len(allowed)} shared short terms or title echoes allowed"
        + ("" if args.all else " (--all lists them)")
    )
    return 1 if leaks else 0


if __name__ == "__main__":
    raise SystemExit(main())
