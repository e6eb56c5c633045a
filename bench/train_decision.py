"""Train triage's decision on our own labelled sets and write helpdesk/triage/decision.toml.

    python bench/train_decision.py            # trains, prints the figures, writes the file
    python bench/train_decision.py --check    # trains and fails unless the file is reproduced

Training data: the "tune" half of each of our own blind sets (``bench.evaluation.OWN_SETS``);
the "holdout" halves and the shared dev set are never seen here, and ``bench/triage_eval.py``
reports on them. First the ranking's two weights, the pair that ranks the right guide first most
often: an entry's best phrase against its bag of phrases (``phrase_weight``), and the rare whole
words it knows (``word_weight``). Every question is then analysed once by the real engine, and:

1. ``crisis_min``, the safety net's similarity threshold: the lowest on the grid whose false
   alarms on the questions that are not crises stay within ``MAX_FALSE_ALARMS`` (recall first).
2. Two logistic models over the ranking's features (scikit-learn, standardised features, fixed
   regularisation): ``accept`` (the best entry is the right answer) and ``shortlist`` (the right
   guide is among the best three).
3. The thresholds on their probabilities, on a grid, scored on *cross-validated* predictions
   (each question decided by models that did not see it), by replaying the engine's own
   ``decide``: right answers count, "which of these?" costs a little, and any setting with more
   wrong guides than ``MAX_WRONG_GUIDE`` is rejected; a shortlist with the right guide in it
   counts for something (``SHORTLIST_VALUE``), since it beats "no guide found", and so does an
   out-of-scope question pointed to where it is answered (``REFERRAL_VALUE``). The figures are
   averaged over ``CV_REPEATS`` cross-validation splits; of the settings within one standard
   error of the best, the one that asks "which of these?" most readily wins.

The result is deterministic (seeded folds, lbfgs); ``--check`` is what the test suite runs.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tomllib
from dataclasses import replace
from pathlib import Path

import numpy as np
import tomli_w

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.evaluation import HAND_OFF_LABELS, OWN_SETS, Example, half, load_examples, score
from helpdesk.kb.files import load_knowledge_base
from helpdesk.normalize import normalize
from helpdesk.triage.decision import (
    DECISION_FILE,
    CrisisFeatures,
    DecisionPolicy,
    Features,
    LogisticModel,
    feature_names,
)
from helpdesk.triage.engine import Analysis, Owner, TriageEngine, combine, question_keys

MAX_FALSE_ALARMS = 0.015
MAX_WRONG_GUIDE = 0.01
"""On the cross-validated figures averaged over the splits (the issue's limit is 1.5 %). It was
0.008 on one fixed split, which three random splits in five failed at every accept_min."""
WRONG_GUIDE_COST = 2.0
"""Below the cap, each wrong guide still costs: a wrong guide is worse than an honest "ask a
person" (the citizen follows steps that do not fit), so of two settings otherwise alike the one
with fewer wrong guides wins. (Measured when it was added: on the tune halves accept_min 0.9 and
0.95 gave the same two wrong guides, so it did not move the choice; on the holdout halves 0.9
gave 6 against 4. Reported, not tuned on.)"""
CLARIFY_COST = 0.3
SHORTLIST_VALUE = 0.5
REFERRAL_VALUE = 0.5
FOLDS = 5
CV_REPEATS = 5
"""Cross-validation splits whose figures are averaged when choosing the thresholds."""
REGULARISATION = 1.0
CRISIS_GRID = [round(float(x), 3) for x in np.arange(0.05, 0.991, 0.01)]
ACCEPT_GRID = [round(float(x), 3) for x in np.arange(0.30, 0.951, 0.05)]
SHORTLIST_GRID = [round(float(x), 3) for x in np.arange(0.15, 0.851, 0.1)]
RATIO_GRID = [0.6, 0.75, 0.9]
# Highest first: ties keep the stricter pointer.
REFERRAL_GRID = [0.95, 0.7, 0.5, 0.3, 0.15]
# At least 0.2: a question in a guide's own words must find that guide whatever the bags say.
PHRASE_WEIGHT_GRID = [0.2, 0.3, 0.4, 0.5]
WORD_WEIGHT_GRID = [0.0, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2]
INTENT_GRID = [0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7]
# An explicit request for a person may trail the best guide a little, never needs to beat it:
# asking for a person is the citizen's right, whatever else the question mentions.
INTENT_MARGIN_GRID = [-0.15, -0.1, -0.05, 0.0]


Components = tuple[dict[Owner, float], dict[Owner, float], dict[Owner, float]]


def choose_ranking_weights(engine: TriageEngine, examples: list[Example]) -> tuple[float, float]:
    """The phrase and word weights that, together, rank the right guide first most often; ties
    go to the better mean reciprocal rank, then to the smaller weights (no word evidence unless
    it helps).

    Jointly because, when the phrase weight was chosen first (with no word evidence) and the word
    weight after it, 170 new intent phrases, which only move the bags' n-gram weights a little,
    made phrase weight 0.3 win by one question and the word weight then 0, while the pair
    (0.2, 0.025) stayed the best of the grid by two."""
    guide_examples = [e for e in examples if e.expected not in HAND_OFF_LABELS]
    components: list[Components] = []
    for example in guide_examples:
        normalised = normalize(example.question)
        words = engine.word_scores(question_keys(normalised))
        components.append((*engine.component_scores(normalised), words))

    def ranking_quality(phrase_weight: float, word_weight: float) -> tuple[int, float]:
        first = 0
        reciprocal_ranks = 0.0
        for example, (phrase, bag, words) in zip(guide_examples, components, strict=True):
            scored = combine(phrase, bag, phrase_weight, words, word_weight)
            answerable = sorted(
                (o for o in scored if o.kind in ("guide", "referral")),
                key=lambda o: (-scored[o], o.name),
            )
            names = [o.name for o in answerable]
            if example.expected in names:
                rank = names.index(example.expected) + 1
                first += rank == 1
                reciprocal_ranks += 1 / rank
        return first, round(reciprocal_ranks / len(guide_examples), 9)

    _, phrase_weight, word_weight = max(
        (
            (ranking_quality(phrase_weight, word_weight), -phrase_weight, -word_weight)
            for phrase_weight in PHRASE_WEIGHT_GRID
            for word_weight in WORD_WEIGHT_GRID
        ),
    )
    return -phrase_weight, -word_weight


def intent_objective(
    engine: TriageEngine, kept: list[tuple[Example, Analysis]], policy: DecisionPolicy
) -> float:
    """Right person hand-offs (asked for, or another sensitive situation) minus guides lost."""
    value = 0.0
    for example, analysis in kept:
        result = engine.decide(analysis, policy)
        if result.reason in ("asked_for_person", "sensitive") and result.answer is None:
            value += 1.0 if example.expected in HAND_OFF_LABELS else -1.5
    return value


def training_examples() -> list[tuple[str, Example]]:
    return [
        (name, example)
        for name, path in OWN_SETS.items()
        for example in half(load_examples(path), "tune")
    ]


def fit(
    x: np.ndarray, y: np.ndarray, kind: type[Features] | type[CrisisFeatures] = Features
) -> LogisticModel:
    from sklearn.linear_model import LogisticRegression

    means = x.mean(axis=0)
    scales = x.std(axis=0)
    scales[scales == 0] = 1.0
    # The safety net weighs a missed crisis more than a false alarm: classes are balanced.
    balance = "balanced" if kind is CrisisFeatures else None
    model = LogisticRegression(
        C=REGULARISATION, solver="lbfgs", max_iter=1000, class_weight=balance
    )
    model.fit((x - means) / scales, y)
    return LogisticModel(
        feature_names(kind),
        tuple(float(w) for w in model.coef_[0]),
        float(model.intercept_[0]),
        tuple(float(m) for m in means),
        tuple(float(s) for s in scales),
    )


def labels(analysis: Analysis, expected: str) -> tuple[int, int]:
    ranked = analysis.ranked()
    top = ranked[0]
    accept = (top.kind == "guide" and top.name == expected) or (
        top.kind == "referral" and expected == "out_of_scope"
    )
    shortlist = expected in [o.name for o in analysis.ranked(("guide",))[:3]]
    return int(accept), int(shortlist)


def objective(s: dict[str, float], capped: bool = True) -> float:
    """The value of one run's figures; -1 beyond the cap on wrong guides (when ``capped``)."""
    if capped and s["wrong_guide"] > MAX_WRONG_GUIDE:
        return -1.0
    # human_recall: the questions that want a hand-off (no guide fits, out of scope, a crisis)
    # and got one.
    # top3: "which of these?" with the right guide among the choices is worth more than "no
    # guide found" (the citizen picks it in one tap); without it, the grid preferred hand-offs
    # for clear questions with one distracting clause ("mit mitid er låst, mit cpr er ...").
    # out_of_scope_referred: an out-of-scope question pointed to where it is answered (a
    # referral) is worth more than "no guide found"; without it, a feature that told referrals
    # apart better was spent on hand-offs without the pointer (19 referrals of 48 became 7).
    return float(
        s["top1"]
        + SHORTLIST_VALUE * s["top3"]
        + s["human_recall"]
        + REFERRAL_VALUE * s["out_of_scope_referred"]
        + 0.5 * s["min_language_top1"]
        - CLARIFY_COST * s["clarify_rate"]
        - WRONG_GUIDE_COST * s["wrong_guide"]
    )


def train() -> tuple[DecisionPolicy, dict[str, float]]:
    examples_by_set = training_examples()
    examples = [e for _, e in examples_by_set]
    engine = TriageEngine(load_knowledge_base().knowledge_base, DecisionPolicy.neutral())
    # 0. How the ranking weighs an entry's best phrase against its bag, and rare words.
    phrase_weight, word_weight = choose_ranking_weights(engine, examples)
    engine.policy = replace(engine.policy, phrase_weight=phrase_weight, word_weight=word_weight)
    analyses = [engine.analyse(e.question) for e in examples]
    kept = [(e, a) for e, a in zip(examples, analyses, strict=True) if a is not None]
    examples = [e for e, _ in kept]
    analyses_ = [a for _, a in kept]

    # 1. The safety net's model, on the questions no trigger phrase caught, and its threshold:
    #    the most crises recognised (cross-validated) with false alarms within the limit.
    untriggered = [(e, a) for e, a in kept if not a.crisis_triggers]
    crisis_features = [engine.crisis_features(a) for _, a in untriggered]
    cx = np.asarray([f.vector() for f in crisis_features])
    cy = np.asarray([int(e.expected == "sensitive") for e, _ in untriggered])
    crisis_folds = np.arange(len(untriggered)) % FOLDS
    crisis_probability = np.zeros(len(untriggered))
    for fold in range(FOLDS):
        model = fit(cx[crisis_folds != fold], cy[crisis_folds != fold], CrisisFeatures)
        for j in np.flatnonzero(crisis_folds == fold):
            crisis_probability[j] = model.probability(crisis_features[int(j)])
    triggered_alarms = sum(1 for e, a in kept if a.crisis_triggers and e.expected != "sensitive")
    not_crisis = sum(e.expected != "sensitive" for e, _ in kept)
    crisis_min = 1.0
    for threshold in CRISIS_GRID:
        alarms = triggered_alarms + int(((crisis_probability >= threshold) & (cy == 0)).sum())
        if alarms <= MAX_FALSE_ALARMS * not_crisis:
            crisis_min = threshold
            break
    base = replace(engine.policy, crisis=fit(cx, cy, CrisisFeatures), crisis_min=crisis_min)
    # The hand-offs to a person (asking for one, other sensitive situations): the most right
    # hand-offs of those kinds against guides lost (ties: the stricter setting).
    best_intents: tuple[float, float, float] | None = None
    for intent_min, intent_margin in itertools.product(
        reversed(INTENT_GRID), reversed(INTENT_MARGIN_GRID)
    ):
        policy = replace(base, intent_min=intent_min, intent_margin=intent_margin)
        value = intent_objective(engine, kept, policy)
        if best_intents is None or value > best_intents[0] + 1e-9:
            best_intents = (value, intent_min, intent_margin)
    assert best_intents is not None
    base = replace(base, intent_min=best_intents[1], intent_margin=best_intents[2])

    # 2. The models, on the questions that reach the ranking.
    rows: list[int] = []
    vectors: list[tuple[float, ...]] = []
    targets: list[tuple[int, int]] = []
    for i, (example, analysis) in enumerate(kept):
        features = engine.features(analysis)
        if features is None or engine.crisis(analysis, base) is not None:
            continue
        rows.append(i)
        vectors.append(features.vector())
        targets.append(labels(analysis, example.expected))
    x = np.asarray(vectors)
    y_accept = np.asarray([t[0] for t in targets])
    y_shortlist = np.asarray([t[1] for t in targets])

    # 3. Thresholds on cross-validated predictions: fold k is decided by models trained without it.
    #    Repeated with CV_REPEATS splits and averaged: on one split, one question more or less in
    #    the data moved shortlist_min by a step and top-1 on the holdout halves by four questions.
    splits: list[tuple[dict[int, DecisionPolicy], DecisionPolicy]] = []
    for repeat in range(CV_REPEATS):
        fold_of = np.random.default_rng(repeat).permutation(len(rows)) % FOLDS
        fold_policies = []
        for fold in range(FOLDS):
            train_rows = fold_of != fold
            fold_policies.append(
                replace(
                    base,
                    accept=fit(x[train_rows], y_accept[train_rows]),
                    shortlist=fit(x[train_rows], y_shortlist[train_rows]),
                )
            )
        by_row = {row: fold_policies[int(fold_of[j])] for j, row in enumerate(rows)}
        splits.append((by_row, fold_policies[0]))

    def replay(
        accept_min: float, shortlist_min: float, shortlist_ratio: float, referral_min: float
    ) -> tuple[float, float]:
        """The objective on the splits' averaged figures, and its standard error."""
        summaries = []
        for by_row, fallback in splits:
            results = [
                engine.decide(
                    analysis,
                    replace(
                        by_row.get(i, fallback),
                        accept_min=accept_min,
                        shortlist_min=shortlist_min,
                        shortlist_ratio=shortlist_ratio,
                        referral_min=referral_min,
                    ),
                )
                for i, analysis in enumerate(analyses_)
            ]
            summaries.append(score(examples, results).summary())
        # The figures averaged over the splits, then valued: valued split by split, the cap on
        # wrong guides made each split worth its objective or -1, and the average counted the
        # splits that happened to pass it (the choice was noise between 0.55 and 0.65).
        mean = {k: float(np.mean([s[k] for s in summaries])) for k in summaries[0]}
        spread = np.std([objective(s, capped=False) for s in summaries], ddof=1)
        return objective(mean), float(spread / np.sqrt(len(summaries)))

    grid = [
        (
            *replay(accept_min, shortlist_min, ratio, referral_min=1.0),
            (accept_min, shortlist_min, ratio),
        )
        for accept_min, shortlist_min, ratio in itertools.product(
            ACCEPT_GRID, SHORTLIST_GRID, RATIO_GRID
        )
    ]  # referral_min 1.0: no pointer beyond accept yet
    best_value, best_error, _ = max(grid, key=lambda g: g[0])
    # Settings within one standard error of the best are as good as the data can tell (measured:
    # 0.55 and 0.65 for shortlist_min swapped places with one question more). Of those, the one
    # that asks "which of these?" most readily: the question keeps its "none of these, ask a
    # person" choice, and a clear question is not handed off. Then the stricter accept_min.
    objective_value, _, (accept_min, shortlist_min, ratio) = min(
        (g for g in grid if g[0] >= best_value - best_error),
        key=lambda g: (g[2][1], -g[2][0], g[2][2]),
    )
    # Then the pointer to a referral for what would otherwise be "no guide found".
    referral_min = 1.0
    for candidate in REFERRAL_GRID:
        if candidate >= accept_min:
            continue
        value, _ = replay(
            accept_min=accept_min,
            shortlist_min=shortlist_min,
            shortlist_ratio=ratio,
            referral_min=candidate,
        )
        if value > objective_value + 1e-9:
            objective_value, referral_min = value, candidate
    policy = replace(
        base,
        accept=fit(x, y_accept),
        shortlist=fit(x, y_shortlist),
        accept_min=accept_min,
        shortlist_min=shortlist_min,
        shortlist_ratio=ratio,
        referral_min=referral_min,
    )
    results = [engine.decide(a, policy) for a in analyses_]
    summary = score(examples, results).summary()
    counts: dict[str, int] = {}
    for name, _ in examples_by_set:
        counts[name] = counts.get(name, 0) + 1
    policy = replace(
        policy,
        trained_on={
            "halves": "tune",
            "sets": counts,
            "questions": len(examples),
            "ranked": len(rows),
            "cross_validated_objective": round(objective_value, 4),
        },
    )
    return policy, summary


def render(policy: DecisionPolicy, summary: dict[str, float]) -> str:
    header = [
        "# Written by bench/train_decision.py from the tune halves of bench/data/*.tsv;",
        "# do not edit by hand. In-sample figures on that data:",
        "# " + ", ".join(f"{k} {v:.3f}" for k, v in summary.items()),
    ]
    return "\n".join(header) + "\n" + tomli_w.dumps(policy.to_dict())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail unless the file is reproduced")
    args = parser.parse_args()
    policy, summary = train()
    print("thresholds:", policy.to_dict()["thresholds"])
    print("in-sample on the tune halves:", {k: round(v, 3) for k, v in summary.items()})
    if args.check:
        committed = DecisionPolicy.from_dict(tomllib.loads(DECISION_FILE.read_text("utf-8")))
        fresh = DecisionPolicy.from_dict(policy.to_dict())
        if not same_policy(committed, fresh):
            print(f"{DECISION_FILE} is not what the training produces; run this script")
            return 1
        print(f"{DECISION_FILE} is reproduced")
        return 0
    DECISION_FILE.write_text(render(policy, summary), encoding="utf-8")
    print(f"wrote {DECISION_FILE}")
    return 0


def same_policy(a: DecisionPolicy, b: DecisionPolicy, tolerance: float = 1e-4) -> bool:
    if a.to_dict()["thresholds"] != b.to_dict()["thresholds"]:
        return False
    for model_a, model_b in (
        (a.accept, b.accept),
        (a.shortlist, b.shortlist),
        (a.crisis, b.crisis),
    ):
        pairs = zip(
            (*model_a.weights, model_a.bias, *model_a.means, *model_a.scales),
            (*model_b.weights, model_b.bias, *model_b.means, *model_b.scales),
            strict=True,
        )
        if any(abs(x - y) > tolerance * max(1.0, abs(x)) for x, y in pairs):
            return False
    return True


if __name__ == "__main__":
    raise SystemExit(main())
