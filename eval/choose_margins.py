"""Choose the question run's paper margin (synth.judge.answering.PAPER_MARGIN) on the reranker's dev documents.

    python eval/choose_margins.py [--docs 10] [--per-doc 20]

Dev documents (synth.train.reranker.data: index % 10 == 1) were neither trained on nor are test documents. Each dev
question is asked of a small corpus: its own document and `--docs - 1` other dev documents of the same source (for
COVID-QA: other COVID papers, i.e. papers on the topic that do not answer the question). Each document offers its
`--per-doc` sentences nearest the question (the encoder's cosine, as a run's most relevant passages do); the
reranker scores them; a document's score is its best sentence's. For margins m it prints how often the answering
document is kept (its score within m of the best document's) and how many other documents are kept, per source.
Measured (`--questions 12 --docs 6 --per-doc 12 --sources covid-qa`, the shipped reranker): the answering document
is first for 0.83 of the questions; margin 1.0 keeps it for 0.92 (0.50 other documents of 5 kept), 1.5 for 1.00
(0.67), 2.0 for 1.00 (0.92), 3.0 for 1.00 (1.67). Shipped: 2.0, the answering document always kept with room for
languages the reranker reads less well than English (1.5, the smallest margin with recall >= 0.95 on these 12
questions, is too close to the edge of so small a sample).
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "qadata"
MARGINS = (0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--qadata", type=Path, default=SHARED)
    ap.add_argument("--docs", type=int, default=10)
    ap.add_argument("--per-doc", type=int, default=20)
    ap.add_argument("--questions", type=int, default=60, help="per source")
    ap.add_argument("--encoder", default="optical")
    ap.add_argument("--reranker", type=Path, default=None)
    ap.add_argument("--sources", default="covid-qa,mlqa-r", help="comma-separated sources to measure")
    args = ap.parse_args(argv)

    from synth.config import Settings
    from synth.index.encoders.load import load_encoder
    from synth.judge import rerank
    from synth.train.reranker.data import all_items

    settings = Settings.from_env()
    encoder = load_encoder(args.encoder, settings)
    reranker = rerank.load(settings, args.reranker)
    by_source = defaultdict(list)
    for it in all_items(args.qadata):
        if it.dev and it.qlang == it.slang and it.source in args.sources.split(","):
            by_source[it.source].append(it)
    rng = random.Random(11)
    for source, items in sorted(by_source.items()):
        docs = {it.doc: it.sentences for it in items}
        if len(docs) < 2:
            continue
        gaps, others_kept = [], defaultdict(list)
        vectors: dict[str, np.ndarray] = {}  # each document's sentences encoded once
        for it in rng.sample(items, min(args.questions, len(items))):
            other_docs = rng.sample([d for d in docs if d != it.doc], min(args.docs - 1, len(docs) - 1))
            q = encoder.encode([it.question], "query")[0]
            best = {}
            for doc in [it.doc, *other_docs]:
                sents = docs[doc]
                if doc not in vectors:
                    vectors[doc] = encoder.encode(sents, "passage")
                cos = vectors[doc] @ q
                top = [sents[i] for i in np.argsort(-cos)[: args.per_doc]]
                best[doc] = float(np.max(reranker.scores(it.question, top)))
            top_score = max(best.values())
            gaps.append(top_score - best[it.doc])
            for m in MARGINS:
                others_kept[m].append(sum(best[d] >= top_score - m for d in other_docs))
        gaps_a = np.asarray(gaps)
        print(f"{source}: {len(gaps)} questions, {len(docs)} dev documents; answering document first "
              f"{(gaps_a == 0).mean():.2f}")  # fmt: skip
        for m in MARGINS:
            print(f"  margin {m:.1f}: answering document kept {(gaps_a <= m).mean():.2f}, "
                  f"other documents kept {np.mean(others_kept[m]):.2f} of {args.docs - 1}")  # fmt: skip


if __name__ == "__main__":
    main()
