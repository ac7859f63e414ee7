"""HNSW parameters for the ANN index, by measurement on the scale benchmark's synthetic corpus (bench/gen_corpus.py).

    python bench/tune_ann.py [--n 100000] [--params 16,128 32,256 32,512] [--ef 128 512 2048 4096] [--passage-queries]

For each M,efConstruction it builds a usearch index (f16, inner product, as synth/index/ann.py) over the generator's
vectors and, per ef, searches the 200 benchmark queries one at a time: p50 / p95 ms and recall@10 against exact
search, of the ANN top-10 and of its top-200 re-scored exactly (what the retriever does). `--passage-queries` uses the
same sentences' passage-side encodings as queries (in-distribution), to separate the index from the query shift.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))


def main() -> None:
    import gen_corpus
    from usearch.index import Index

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--params", nargs="+", default=["16,128", "32,256", "32,512"])
    ap.add_argument("--ef", type=int, nargs="+", default=[128, 512, 2048, 4096])
    ap.add_argument("--passage-queries", action="store_true")
    ap.add_argument("--work", type=Path, default=Path("/tmp/synth-scale"))
    args = ap.parse_args()
    v, _ = gen_corpus.corpus_vectors(args.n, "e5-small", cache=args.work)
    sents = gen_corpus.source_sentences()
    rng = np.random.default_rng(7)  # the queries of bench_scale.py
    pick = rng.choice(len(sents), size=200, replace=False)
    kind = "passage" if args.passage_queries else "query"
    qv, _ = gen_corpus.sentence_vectors([sents[i][1] for i in pick], "e5-small", kind, cache=args.work)
    qv = qv + gen_corpus.NOISE / np.sqrt(qv.shape[1]) * rng.standard_normal(qv.shape).astype(np.float32)
    qv /= np.linalg.norm(qv, axis=1, keepdims=True)
    scores = qv @ v.T
    truth = np.argsort(-scores, axis=1)[:, :10]
    print(f"{args.n} vectors, 200 {kind}-side queries")
    for spec in args.params:
        m, add = map(int, spec.split(","))
        index = Index(ndim=v.shape[1], metric="ip", dtype="f16", connectivity=m, expansion_add=add)
        t = time.perf_counter()
        for s in range(0, args.n, 10_000):
            index.add(np.arange(s, min(args.n, s + 10_000), dtype=np.uint64), v[s : s + 10_000])
        build = time.perf_counter() - t
        for ef in args.ef:
            index.expansion_search = ef
            ms, r10, r200 = [], [], []
            for q, exact in zip(qv, truth):
                t = time.perf_counter()
                keys = np.asarray(index.search(q, 200).keys, dtype=np.int64)
                ms.append((time.perf_counter() - t) * 1000)
                r10.append(len(set(keys[:10].tolist()) & set(exact.tolist())) / 10)
                r200.append(len(set(keys.tolist()) & set(exact.tolist())) / 10)
            print(f"M={m} efConstruction={add} build {build:.0f} s  ef={ef}: p50 {np.percentile(ms, 50):.2f} ms, "
                  f"p95 {np.percentile(ms, 95):.2f} ms, recall@10 top-10 {np.mean(r10):.3f}, "
                  f"top-200 re-scored {np.mean(r200):.3f}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
