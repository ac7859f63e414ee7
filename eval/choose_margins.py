"""Choose the question run's paper margin (synth.judge.answering.PAPER_MARGIN) on the reranker's dev documents.

    python eval/choose_margins.py [--docs 10] [--per-doc 20]

Dev documents (synth.train.reranker.data: index % 10 == 1) were neither trained on nor are test documents. Each dev
question is asked of a small corpus: its own document and `--docs - 1` other dev documents of the same source (for
COVID-QA: other COVID papers, i.e. papers on the topic that do not answer the question). Each document offers its
`--per-doc` sentences nearest the question (the encoder's cosine, as a run's most relevant passages do); the
reranker scores them; a document's score is its best sentence's. For margins m it prints how often the answering
document is kept (its score within m of the best document's) and how many other documents are kept, per source.
The margin shipped is the smallest whose answering-document recall on COVID-QA dev (real papers) is >= 0.95.
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
        if it.dev and it.qlang == it.slang:
            by_source[it.source].append(it)
    rng = random.Random(11)
    for source, items in sorted(by_source.items()):
        docs = {it.doc: it.sentences for it in items}
        if len(docs) < 2:
            continue
        gaps, others_kept = [], defaultdict(list)
        for it in rng.sample(items, min(args.questions, len(items))):
            other_docs = rng.sample([d for d in docs if d != it.doc], min(args.docs - 1, len(docs) - 1))
            q = encoder.encode([it.question], "query")[0]
            best = {}
            for doc in [it.doc, *other_docs]:
                sents = docs[doc]
                cos = encoder.encode(sents, "passage") @ q
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
