"""Retrieval at scale: ANN index build time, memory, query latency and recall@10 against exact search.

    python bench/bench_scale.py [--sizes 100000 1000000] [--queries 200] [--encoder e5-small] [--work /tmp/synth-scale]

For each size it makes a synthetic corpus with bench/gen_corpus.py (the project's own text and bitext recombined;
passage vectors are recombined real encodings, not per-passage encodings: see that file), then, each step in a
fresh process so that peak memory is that step's own:

  index   `synth.ann.sync` over the corpus (every vector cached): build seconds, index file MB, peak RSS
  truth   exact top-10 by inner product over every stored vector, streamed from the embeddings table
  query   a retriever in ANN mode opened the way `synth verify` opens it (index checked against the store), then per
          query: the ANN top-10 alone (recall@10 against exact) and the whole hybrid `Retriever.search` (FTS5 BM25
          + ANN + exact re-scoring, 30 passages as `evidence` asks): latency p50 / p95; peak RSS of the process
          (no encoder loaded: query vectors were encoded beforehand)

A size whose step does not finish within --step-timeout seconds is printed as not measured, with the reason.
Benchmarks print figures; they are not timed tests.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def step_gen(work: Path, n: int, encoder: str, queries: int) -> dict:
    import gen_corpus

    db = work / f"scale-{n}.db"
    for p in work.glob(f"scale-{n}.db*"):
        p.unlink()
    info = gen_corpus.build(db, n, encoder)
    sents = gen_corpus.source_sentences()
    rng = np.random.default_rng(7)
    pick = rng.choice(len(sents), size=queries, replace=False)
    qtexts = [sents[i][1] for i in pick]
    qv, _ = gen_corpus.sentence_vectors(qtexts, encoder, "query")
    qv = qv + 0.5 / np.sqrt(qv.shape[1]) * rng.standard_normal(qv.shape).astype(np.float32)
    qv /= np.linalg.norm(qv, axis=1, keepdims=True)
    np.save(work / f"queries-{n}.npy", qv.astype(np.float32))
    (work / f"queries-{n}.json").write_text(json.dumps({"texts": qtexts, "info": info}))
    return {"gen_s": info["seconds"], "languages": len(info["languages"])}


def _enc(work: Path, n: int):
    import gen_corpus

    info = json.loads((work / f"queries-{n}.json").read_text())["info"]
    return gen_corpus.CachedOnly(info["encoder"], info["dim"])


def step_index(work: Path, n: int) -> dict:
    from synth import ann
    from synth.store import Store

    with Store(work / f"scale-{n}.db") as store:
        res = ann.sync(store, _enc(work, n), rebuild=True)
    return {"build_s": res.seconds, "index_mb": res.bytes / 2**20, "count": res.count, "index_peak_mb": peak_mb()}


def step_truth(work: Path, n: int, k: int = 10) -> dict:
    from synth.encoders.cache import text_sha256
    from synth.store import Store

    qv = np.load(work / f"queries-{n}.npy")
    model = f"{_enc(work, n).id}|passage"
    best_s = np.full((len(qv), k), -np.inf, dtype=np.float32)
    best_i = np.zeros((len(qv), k), dtype=np.int64)
    with Store(work / f"scale-{n}.db") as store:
        for batch in store.passage_texts(20_000):
            ids = np.array([i for i, _ in batch], dtype=np.int64)
            shas = [text_sha256(t) for _, t in batch]
            have = store.vectors(model, shas)
            m = np.stack([have[s] for s in shas])
            s = qv @ m.T  # (q, b)
            cat_s = np.concatenate([best_s, s], axis=1)
            cat_i = np.concatenate([best_i, np.broadcast_to(ids, s.shape)], axis=1)
            top = np.argpartition(-cat_s, k, axis=1)[:, :k]
            best_s, best_i = np.take_along_axis(cat_s, top, 1), np.take_along_axis(cat_i, top, 1)
    np.save(work / f"truth-{n}.npy", best_i)
    return {}


def step_query(work: Path, n: int, ef: int) -> dict:
    from synth.retrieve import Retriever, embed
    from synth.store import Store

    qv = np.load(work / f"queries-{n}.npy")
    texts = json.loads((work / f"queries-{n}.json").read_text())["texts"]
    truth = np.load(work / f"truth-{n}.npy")
    with Store(work / f"scale-{n}.db") as store:
        t = time.perf_counter()
        r = Retriever(store, _enc(work, n), ann_min_passages=0, ann_expansion_search=ef)
        open_s = time.perf_counter() - t
        ann_ms, hyb_ms, rec, rec_pool = [], [], [], []
        for q, text, exact in zip(qv, texts, truth):
            t = time.perf_counter()
            ids, _ = r.ann.search(q, 10)
            ann_ms.append((time.perf_counter() - t) * 1000)
            rec.append(len(set(ids.tolist()) & set(exact.tolist())) / 10)
            # what the retriever ranks by: the ANN's `pool` candidates re-scored by exact cosine from the cache
            pool, _ = r.ann.search(q, r.pool)
            rows = store.passages_by_id(pool.tolist())
            cand = [int(i) for i in pool if int(i) in rows]
            cos = embed(store, r.encoder, [rows[i]["text"] for i in cand], "passage") @ q
            top = [cand[i] for i in np.argsort(-cos)[:10]]
            rec_pool.append(len(set(top) & set(exact.tolist())) / 10)
            t = time.perf_counter()
            r.search(text, 30, query_vec=q)
            hyb_ms.append((time.perf_counter() - t) * 1000)
    return {"open_s": open_s, "ann_p50": float(np.percentile(ann_ms, 50)), "ann_p95": float(np.percentile(ann_ms, 95)),
            "hyb_p50": float(np.percentile(hyb_ms, 50)), "hyb_p95": float(np.percentile(hyb_ms, 95)),
            "recall": float(np.mean(rec)), "recall_pool": float(np.mean(rec_pool)), "query_peak_mb": peak_mb()}  # fmt: skip


def run_step(args: argparse.Namespace, step: str, n: int) -> dict:
    cmd = [sys.executable, __file__, "--step", step, "--n", str(n), "--work", str(args.work), "--encoder", args.encoder,
           "--queries", str(args.queries), "--ef", str(args.ef)]  # fmt: skip
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=args.step_timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"{step} step over {args.step_timeout} s on this machine"}
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    return {"error": f"{step} step failed: {(proc.stderr.strip().splitlines() or ['?'])[-1]}"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--encoder", default="e5-small")
    ap.add_argument("--ef", type=int, default=128, help="HNSW search breadth (SYNTH_ANN_EF)")
    ap.add_argument("--work", type=Path, default=Path("/tmp/synth-scale"))
    ap.add_argument("--step-timeout", type=int, default=900)
    ap.add_argument("--step", choices=["gen", "index", "truth", "query"], help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.step:
        fn = {"gen": lambda: step_gen(args.work, args.n, args.encoder, args.queries),
              "index": lambda: step_index(args.work, args.n), "truth": lambda: step_truth(args.work, args.n),
              "query": lambda: step_query(args.work, args.n, args.ef)}[args.step]  # fmt: skip
        print("RESULT " + json.dumps(fn()), flush=True)
        return
    import os

    args.work.mkdir(parents=True, exist_ok=True)
    print(f"synthetic corpora (bench/gen_corpus.py: the project's text recombined; vectors = {args.encoder} encodings "
          f"of its sentences, recombined with noise), {args.queries} queries, ef={args.ef}, {os.cpu_count()} CPU cores")  # fmt: skip
    rows = []
    for n in args.sizes:
        row: dict = {"n": n}
        for step in ("gen", "index", "truth", "query"):
            t = time.perf_counter()
            out = run_step(args, step, n)
            print(f"  {n}: {step} {time.perf_counter() - t:.0f} s {out.get('error', '')}", flush=True)
            row.update(out)
            if "error" in out:
                break
        rows.append(row)
    print()
    print("| passages | index build s | index MB | build peak RSS MB | open s | ANN p50 / p95 ms | hybrid search p50 / p95 ms "
          "| recall@10 ANN top-10 / retriever (200 re-scored) | query process peak RSS MB |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        if "query_peak_mb" not in r:
            print(f"| {r['n']:,} | not measured: {r.get('error')} |||||||")
            continue
        print(f"| {r['n']:,} | {r['build_s']:.0f} | {r['index_mb']:.0f} | {r['index_peak_mb']:.0f} | {r['open_s']:.1f} "
              f"| {r['ann_p50']:.2f} / {r['ann_p95']:.2f} | {r['hyb_p50']:.1f} / {r['hyb_p95']:.1f} | {r['recall']:.3f} / {r['recall_pool']:.3f} "
              f"| {r['query_peak_mb']:.0f} |")  # fmt: skip


if __name__ == "__main__":
    main()
