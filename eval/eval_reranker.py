"""Held-out question -> answer-sentence ranking: the retrieval encoder alone against encoder + reranker.

    python eval/eval_reranker.py [--per-group 40] [--depth 20] [--encoder optical] [--reranker DIR]

For each held-out question (documents never trained on: synth.train.reranker.data), the candidates are all the
sentences of its document (a whole COVID-QA paper, an XQuAD-R article in the question's language or in English,
an AfriQA passage). The encoder ranks them by cosine (the question as a query); the reranker re-scores the
encoder's top `depth` (what a question run does). Prints answer-at-rank-1 and within-5 per source and language pair
for both, with the number of questions; el, th, tr (XQuAD-R), yor and swa (AfriQA) were never trained on.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "qadata"

# (source, question language, sentence language) groups reported; None: every held-out item of the source
GROUPS = [
    ("covid-qa", "en", "en"), ("piaf", "fr", "fr"),
    ("xquad-r", "en", "en"), ("xquad-r", "de", "en"), ("xquad-r", "ar", "en"), ("xquad-r", "zh", "en"),
    ("xquad-r", "el", "en"), ("xquad-r", "th", "en"), ("xquad-r", "tr", "en"), ("xquad-r", "de", "de"),
    ("xquad-r", "tr", "tr"), ("mlqa-r", "de", "de"), ("mlqa-r", "ar", "ar"), ("mlqa-r", "hi", "hi"),
    ("afriqa", "hau", "en"), ("afriqa", "swa", "en"), ("afriqa", "yor", "en"),
]  # fmt: skip


def rank_of(scores: np.ndarray, answer: int) -> int:
    """1-based rank of `answer` under `scores` (ties count against it)."""
    return int((scores >= scores[answer]).sum())


def evaluate(items, encoder, reranker, depth: int) -> dict[str, dict[str, float]]:
    """Rank-1 and within-5 of the encoder alone and of encoder + reranker over `items`."""
    enc_ranks, rr_ranks = [], []
    for it in items:
        q = encoder.encode([it.question], "query")[0]
        s = encoder.encode(it.sentences, "passage")
        cos = s @ q
        enc_ranks.append(rank_of(cos, it.answer))
        top = np.argsort(-cos, kind="stable")[:depth]
        if reranker is None:
            continue
        rr = reranker.scores(it.question, [it.sentences[i] for i in top])
        full = np.full(len(cos), -np.inf)
        full[top] = rr
        rr_ranks.append(rank_of(full, it.answer) if it.answer in set(top.tolist()) else len(cos))
    out = {"encoder": _summary(enc_ranks)}
    if reranker is not None:
        out["reranker"] = _summary(rr_ranks)
    return out


def _summary(ranks: list[int]) -> dict[str, float]:
    r = np.asarray(ranks)
    return {"n": len(r), "at1": round(float((r == 1).mean()), 3), "at5": round(float((r <= 5).mean()), 3)}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--qadata", type=Path, default=SHARED)
    ap.add_argument("--per-group", type=int, default=40)
    ap.add_argument("--depth", type=int, default=20)
    ap.add_argument("--encoder", default="optical")
    ap.add_argument("--reranker", type=Path, default=None, help="artefact folder (default: the shipped one)")
    ap.add_argument("--no-reranker", action="store_true")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--skip", type=int, default=0, help="leave out the first N groups of GROUPS (resume a long run)")
    args = ap.parse_args(argv)

    from synth.config import Settings
    from synth.index.encoders.load import load_encoder
    from synth.judge import rerank
    from synth.train.reranker.data import all_items

    settings = Settings.from_env()
    encoder = load_encoder(args.encoder, settings)
    reranker = None if args.no_reranker else rerank.load(settings, args.reranker)
    by_group = defaultdict(list)
    for it in all_items(args.qadata):
        if it.held_out:
            by_group[(it.source, it.qlang, it.slang)].append(it)
    rng = random.Random(7)
    table = {}
    t0 = time.time()
    for key in GROUPS[args.skip :]:
        pool = by_group.get(key, [])
        sample = rng.sample(pool, min(args.per_group, len(pool)))
        if sample:
            table["/".join(key)] = evaluate(sample, encoder, reranker, args.depth)
            row = table["/".join(key)]
            print("/".join(key).ljust(22), json.dumps(row), flush=True)
    for name in ("encoder", "reranker"):
        rows = [v[name] for v in table.values() if name in v]
        if rows:
            print(f"macro {name}: at1 {np.mean([r['at1'] for r in rows]):.3f} at5 {np.mean([r['at5'] for r in rows]):.3f}")
    print(f"{time.time() - t0:.0f} s")
    if args.json:
        args.json.write_text(json.dumps(table, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
