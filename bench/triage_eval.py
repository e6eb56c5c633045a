"""Measure triage on a labelled TSV: accuracy per language, hand-off decisions, latency.

    python bench/triage_eval.py                      # ../shared/eval/triage-dev.tsv
    python bench/triage_eval.py --tsv other.tsv --failures
    python bench/triage_eval.py --inflate 10         # also: a knowledge base ten times larger
    python bench/triage_eval.py --tsv bench/data/synthetic-questions.tsv --half holdout
    python bench/triage_eval.py --own                # every own set's holdout half, by category

Columns: lang, expect (a guide slug; "human" for no guide; "out_of_scope" for a question that
belongs to another service; "sensitive" for a crisis), question. The UI language is not given to
the engine unless --ui-lang-prior is set: the question alone must carry it.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.evaluation import DEFAULT_TSV, OWN_SETS, Example, half, load_examples, score
from helpdesk import LANGUAGES
from helpdesk.kb.content import Guide, KnowledgeBase
from helpdesk.kb.files import load_knowledge_base
from helpdesk.triage.engine import TriageEngine, TriageResult


def inflate(kb: KnowledgeBase, factor: int, seed: int = 7) -> KnowledgeBase:
    """Add (factor - 1) synthetic copies of every guide, with shuffled and respelled phrases, so
    that the index has factor times as many phrases and as varied a vocabulary."""
    rng = random.Random(seed)
    alphabet = "abcdefghijklmnopqrstuvwxyz"

    def respell(phrase: str) -> str:
        words = phrase.split()
        rng.shuffle(words)
        out = []
        for word in words:
            if len(word) > 3:
                i = rng.randrange(len(word))
                word = word[:i] + rng.choice(alphabet) + word[i + 1 :]
            out.append(word)
        return " ".join(out)

    guides = list(kb.guides)
    for copy in range(1, factor):
        for guide in kb.guides:
            translations = {
                lang: version.model_copy(
                    update={"phrases": [f"{respell(p)} x{copy}" for p in version.phrases]}
                )
                for lang, version in guide.translations.items()
            }
            guides.append(
                Guide.model_validate(
                    {
                        **guide.model_dump(),
                        "slug": f"{guide.slug}-synthetic-{copy}",
                        "aliases": [],
                        "translations": {k: v.model_dump() for k, v in translations.items()},
                    }
                )
            )
    return KnowledgeBase(guides=guides, intents=kb.intents)


def measure(
    engine: TriageEngine, examples: list[Example], ui_prior: bool, repeat: int
) -> tuple[list[TriageResult], list[float]]:
    results: list[TriageResult] = []
    timings: list[float] = []
    for example in examples:
        prior = example.language if ui_prior and example.language in LANGUAGES else None
        result = engine.triage(example.question, prior)
        for _ in range(repeat):
            start = time.perf_counter()
            engine.triage(example.question, prior)
            timings.append((time.perf_counter() - start) * 1000)
        results.append(result)
    return results, timings


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def report(
    label: str,
    engine: TriageEngine,
    examples: list[Example],
    args: argparse.Namespace,
    build_ms: float,
) -> None:
    results, timings = measure(engine, examples, args.ui_lang_prior, args.repeat)
    total = score(examples, results)
    s = total.summary()
    print(f"== {label}: {engine.phrase_count} phrases indexed, built in {build_ms:.0f} ms")
    print(
        f"questions: {total.total} ({total.guide_questions} expect a guide, "
        f"{total.human_expected} expect a person)"
    )
    print(f"top-1 accuracy: {s['top1']:.1%}   top-3 accuracy: {s['top3']:.1%}")
    for language in sorted(total.per_language):
        correct, count = total.per_language[language]
        print(f"  {language:6} top-1 {correct / count:6.1%}  ({correct}/{count})")
    print(
        f"human decisions: recall {s['human_recall']:.1%} "
        f"({total.human_correct}/{total.human_expected}), precision {s['human_precision']:.1%} "
        f"({total.human_given_correct}/{total.human_given})"
    )
    print(
        f"wrong guide given with outcome 'guide': {s['wrong_guide']:.1%} "
        f"({total.wrong_guide}/{total.total})"
    )
    if total.sensitive_expected:
        print(
            f"crisis recognised (reason sensitive): {s['sensitive_recall']:.1%} "
            f"({total.sensitive_recognised}/{total.sensitive_expected})"
        )
    print(
        f"false crisis alarms: {s['false_alarms']:.1%} ({total.false_alarms}/{total.not_sensitive})"
    )
    if total.out_of_scope_expected:
        print(
            f"out of scope handed off: {s['out_of_scope_handed_off']:.1%} "
            f"({total.out_of_scope_handed_off}/{total.out_of_scope_expected}), "
            f"with a referral {total.out_of_scope_referred}"
        )
    print(f'"which of these?": {s["clarify_rate"]:.1%}')
    print(
        f"language identification: {s['language_id']:.1%} "
        f"({total.language_correct}/{total.language_total})"
    )
    if timings:
        print(
            f"latency per question: p50 {statistics.median(timings):.2f} ms, "
            f"p99 {percentile(timings, 0.99):.2f} ms, max {max(timings):.2f} ms "
            f"({len(timings)} calls)"
        )
    if args.failures:
        print("failures (lang, expected, got, question):")
        for line in total.failures:
            print("  " + line)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tsv", type=Path, default=DEFAULT_TSV)
    parser.add_argument(
        "--inflate",
        type=int,
        default=0,
        metavar="N",
        help="also measure with a knowledge base N times larger",
    )
    parser.add_argument("--repeat", type=int, default=20, help="timed calls per question")
    parser.add_argument(
        "--ui-lang-prior", action="store_true", help="pass the labelled language as the UI language"
    )
    parser.add_argument("--failures", action="store_true", help="list the questions missed")
    parser.add_argument(
        "--half",
        choices=["all", "tune", "holdout"],
        default="all",
        help="only the tune or holdout half of the TSV (a fixed split by question)",
    )
    parser.add_argument(
        "--own",
        action="store_true",
        help="report each of our own sets (bench/data) separately, and all of them together "
        "(with --half: default holdout)",
    )
    args = parser.parse_args()

    kb = load_knowledge_base().knowledge_base
    if args.own:
        which = "holdout" if args.half == "all" else args.half
        engine = TriageEngine(kb)
        together: list[Example] = []
        for name, path in OWN_SETS.items():
            examples = half(load_examples(path), which)
            together += examples
            report(f"{name} ({which} half)", engine, examples, args, 0)
        report(f"all own sets ({which} halves)", engine, together, args, 0)
        return 0
    examples = half(load_examples(args.tsv), args.half)
    gc.collect()
    tracemalloc.start()
    start = time.perf_counter()
    engine = TriageEngine(kb)
    build_ms = (time.perf_counter() - start) * 1000
    index_mb = tracemalloc.get_traced_memory()[0] / 1e6
    tracemalloc.stop()
    report("real knowledge base", engine, examples, args, build_ms)
    print(f"engine memory (Python allocations): {index_mb:.1f} MB")
    if args.inflate > 1:
        big = inflate(kb, args.inflate)
        start = time.perf_counter()
        big_engine = TriageEngine(big)
        build_ms = (time.perf_counter() - start) * 1000
        report(
            f"knowledge base inflated x{args.inflate} ({len(big.guides)} guides)",
            big_engine,
            examples,
            args,
            build_ms,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
