"""Shared by the triage benchmark and the threshold tuner: load a labelled TSV, score a run."""

from __future__ import annotations

import csv
import zlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from helpdesk.triage.engine import TriageResult

REPO = Path(__file__).resolve().parents[1]
DEFAULT_TSV = REPO.parent / "shared" / "eval" / "triage-dev.tsv"
DATA = REPO / "bench" / "data"
SYNTHETIC_TSV = DATA / "synthetic-questions.tsv"
#: Our own labelled sets, each written blind (by someone who saw the topic catalogue, never the
#: guides' phrases): the decision is trained on their "tune" halves and reported on the others.
OWN_SETS: dict[str, Path] = {
    "synthetic": SYNTHETIC_TSV,
    "crisis": DATA / "crisis.tsv",
    "near-misses": DATA / "near-misses.tsv",
    "out-of-scope": DATA / "out-of-scope.tsv",
    "long-stories": DATA / "long-stories.tsv",
    "transliterated": DATA / "transliterated.tsv",
    "short-queries": DATA / "short-queries.tsv",
}
#: Labels that expect a hand-off rather than a guide.
HAND_OFF_LABELS = ("human", "out_of_scope", "sensitive")


@dataclass(frozen=True)
class Example:
    language: str
    expected: str
    question: str


def load_examples(path: Path) -> list[Example]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [Example(r["lang"].strip(), r["expect"].strip(), r["question"]) for r in rows]


def half(examples: list[Example], which: str) -> list[Example]:
    """A fixed split of a set: "tune" for the tuner, "holdout" to report.

    By a hash of each question, not by row position: the set is written in blocks (three Danish,
    three English, then one per other language), and every other row would leave whole languages
    out of one half.
    """
    if which not in ("tune", "holdout", "all"):
        raise ValueError(which)
    if which == "all":
        return examples
    wanted = 0 if which == "tune" else 1
    return [e for e in examples if zlib.crc32(e.question.encode("utf-8")) % 2 == wanted]


@dataclass
class Score:
    total: int = 0
    guide_questions: int = 0
    top1: int = 0
    top3: int = 0
    human_expected: int = 0
    human_correct: int = 0
    human_given: int = 0
    human_given_correct: int = 0
    wrong_guide: int = 0
    language_total: int = 0
    language_correct: int = 0
    sensitive_expected: int = 0
    sensitive_recognised: int = 0
    not_sensitive: int = 0
    false_alarms: int = 0
    out_of_scope_expected: int = 0
    out_of_scope_handed_off: int = 0
    out_of_scope_referred: int = 0
    clarified: int = 0
    per_language: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    failures: list[str] = field(default_factory=list)

    def add(self, example: Example, result: TriageResult) -> None:
        self.total += 1
        slugs = [m.slug for m in result.matches]
        offered = result.outcome in ("guide", "clarify")
        self.clarified += result.outcome == "clarify"
        if example.expected == "sensitive":
            self.sensitive_expected += 1
            self.sensitive_recognised += result.reason == "sensitive"
        else:
            self.not_sensitive += 1
            self.false_alarms += result.reason == "sensitive"
        if example.expected == "out_of_scope":
            self.out_of_scope_expected += 1
            self.out_of_scope_handed_off += result.outcome == "human"
            self.out_of_scope_referred += result.reason == "out_of_scope"
        hand_off = example.expected in HAND_OFF_LABELS
        if hand_off:
            self.human_expected += 1
            self.human_correct += result.outcome == "human"
        else:
            self.guide_questions += 1
            hit1 = offered and slugs[:1] == [example.expected]
            self.top1 += hit1
            self.top3 += offered and example.expected in slugs[:3]
            self.per_language[example.language][0] += hit1
            self.per_language[example.language][1] += 1
        if result.outcome == "human":
            self.human_given += 1
            self.human_given_correct += hand_off
        if result.outcome == "guide" and slugs[0] != example.expected:
            self.wrong_guide += 1
        if example.language not in ("mixed",) and len(example.language) == 2:
            self.language_total += 1
            self.language_correct += result.language == example.language
        right = (result.outcome == "human") == hand_off and (
            (hand_off and (example.expected != "sensitive" or result.reason == "sensitive"))
            or (offered and slugs[:1] == [example.expected])
        )
        if not right:
            self.failures.append(
                f"{example.language}\t{example.expected}\t{result.outcome}/{result.reason}:"
                f"{result.answer or ','.join(slugs[:3])}"
                f"\t{example.question}"
            )

    @staticmethod
    def rate(part: int, whole: int) -> float:
        return part / whole if whole else 0.0

    def summary(self) -> dict[str, float]:
        return {
            "top1": self.rate(self.top1, self.guide_questions),
            "top3": self.rate(self.top3, self.guide_questions),
            "human_recall": self.rate(self.human_correct, self.human_expected),
            "human_precision": self.rate(self.human_given_correct, self.human_given),
            "wrong_guide": self.rate(self.wrong_guide, self.total),
            "language_id": self.rate(self.language_correct, self.language_total),
            "sensitive_recall": self.rate(self.sensitive_recognised, self.sensitive_expected),
            "false_alarms": self.rate(self.false_alarms, self.not_sensitive),
            "out_of_scope_handed_off": self.rate(
                self.out_of_scope_handed_off, self.out_of_scope_expected
            ),
            "out_of_scope_referred": self.rate(
                self.out_of_scope_referred, self.out_of_scope_expected
            ),
            "clarify_rate": self.rate(self.clarified, self.total),
            "min_language_top1": min(
                (self.rate(c, n) for c, n in self.per_language.values()), default=0.0
            ),
        }


def score(examples: Iterable[Example], results: Iterable[TriageResult]) -> Score:
    total = Score()
    for example, result in zip(examples, results, strict=True):
        total.add(example, result)
    return total
