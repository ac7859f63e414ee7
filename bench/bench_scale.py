"""Retrieval at scale: ANN index build time, memory, query latency and recall@10 against exact search.

    python bench/bench_scale.py [--sizes 100000 1000000] [--queries 200] [--ef 128 256] [--work /tmp/synth-scale]

For each size it makes a synthetic corpus with bench/gen_corpus.py (the project's own text and bitext recombined;
passage vectors are Dirichlet-weighted mixes of real sentence encodings plus noise, not per-passage encodings: see
that file), then, each step in a fresh process so that peak memory is that step's own.

Sizes up to --full-max (default 100,000) are measured end to end through the store:

  index   `synth.index.ann.sync` over the corpus (every vector cached): build seconds, index file MB, peak RSS
  truth   exact top-10 by inner product over every stored vector, streamed from the embeddings table
  query   a retriever in ANN mode opened the way `synth verify` opens it (index checked against the store), then per
          query: the ANN top-10 alone and the whole hybrid `Retriever.search` (FTS5 BM25 + ANN + exact re-scoring,
          30 passages as `evidence` asks): latency p50 / p95; peak RSS of the process (no encoder loaded: query
          vectors were encoded beforehand)

Larger sizes measure the ANN part alone (no SQLite passage rows: writing 10^6 rows with FTS5 is a separate cost, not
the index's): vectors straight from the generator into a usearch index built with synth/index/ann.py's parameters (dtype,
connectivity, expansion_add), exact top-10 by numpy, and a fresh query process that opens the saved index
memory-mapped (`view=True`, as `synth.index.ann.AnnIndex` does): p50 / p95 and its peak RSS.

recall@10 is printed two ways: plain (|ANN top-10 ∩ exact top-10| / 10) and tie-aware (an ANN hit counts when its
exact cosine >= the exact 10th cosine - 1e-6), so that ties can neither hide nor fake misses. "retriever" is what
`Retriever.search` ranks by: the ANN's `pool` candidates re-scored by exact cosine.
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


def _queries(work: Path, n: int, encoder: str, queries: int, info: dict) -> None:
    import gen_corpus

    sents = gen_corpus.source_sentences()
    rng = np.random.default_rng(7)
    pick = rng.choice(len(sents), size=queries, replace=False)
    qtexts = [sents[i][1] for i in pick]
    qv, _ = gen_corpus.sentence_vectors(qtexts, encoder, "query", cache=work)
    qv = qv + gen_corpus.NOISE / np.sqrt(qv.shape[1]) * rng.standard_normal(qv.shape).astype(np.float32)
    qv /= np.linalg.norm(qv, axis=1, keepdims=True)
    np.save(work / f"queries-{n}.npy", qv.astype(np.float32))
    (work / f"queries-{n}.json").write_text(json.dumps({"texts": qtexts, "info": info}))


def step_gen(work: Path, n: int, encoder: str, queries: int) -> dict:
    import gen_corpus

    db = work / f"scale-{n}.db"
    for p in work.glob(f"scale-{n}.db*"):
        p.unlink()
    info = gen_corpus.build(db, n, encoder, cache=work)
    _queries(work, n, encoder, queries, info)
    return {"gen_s": info["seconds"], "vec_s": info["vector_seconds"], "languages": len(info["languages"])}


def _enc(work: Path, n: int):
    import gen_corpus

    info = json.loads((work / f"queries-{n}.json").read_text())["info"]
    return gen_corpus.CachedOnly(info["encoder"], info["dim"])


def step_index(work: Path, n: int) -> dict:
    from synth.index import ann
    from synth.store import Store

    with Store(work / f"scale-{n}.db") as store:
        res = ann.sync(store, _enc(work, n), rebuild=True)
    return {"build_s": res.seconds, "index_mb": res.bytes / 2**20, "count": res.count, "index_peak_mb": peak_mb()}


def _topk(qv: np.ndarray, batches, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-k (ids, scores) by inner product over (ids, matrix) batches."""
    best_s = np.full((len(qv), k), -np.inf, dtype=np.float32)
    best_i = np.zeros((len(qv), k), dtype=np.int64)
    for ids, m in batches:
        s = qv @ m.T
        cat_s = np.concatenate([best_s, s], axis=1)
        cat_i = np.concatenate([best_i, np.broadcast_to(ids, s.shape)], axis=1)
        top = np.argpartition(-cat_s, k, axis=1)[:, :k]
        best_s, best_i = np.take_along_axis(cat_s, top, 1), np.take_along_axis(cat_i, top, 1)
    order = np.argsort(-best_s, axis=1)
    return np.take_along_axis(best_i, order, 1), np.take_along_axis(best_s, order, 1)


def step_truth(work: Path, n: int, k: int = 10) -> dict:
    from synth.index.encoders.cache import text_sha256
    from synth.store import Store

    qv = np.load(work / f"queries-{n}.npy")
    model = f"{_enc(work, n).id}|passage"

    def batches(store):
        for batch in store.passage_texts(20_000):
            ids = np.array([i for i, _ in batch], dtype=np.int64)
            shas = [text_sha256(t) for _, t in batch]
            have = store.vectors(model, shas)
            yield ids, np.stack([have[s] for s in shas])

    with Store(work / f"scale-{n}.db") as store:
        ids, scores = _topk(qv, batches(store), k)
    np.save(work / f"truth-{n}.npy", ids)
    np.save(work / f"truth-scores-{n}.npy", scores)
    return {}


def _recall(ids: np.ndarray, cos: np.ndarray, exact: np.ndarray, exact_s: np.ndarray) -> tuple[float, float]:
    """(plain, tie-aware) recall@10 of ANN `ids` with exact cosines `cos`."""
    plain = len(set(ids[:10].tolist()) & set(exact.tolist())) / 10
    tie = min(10, int((cos[:10] >= exact_s[9] - 1e-6).sum())) / 10
    return plain, tie


def step_query(work: Path, n: int, efs: list[int]) -> dict:
    from synth.index.retrieve import Retriever, embed
    from synth.store import Store

    qv = np.load(work / f"queries-{n}.npy")
    texts = json.loads((work / f"queries-{n}.json").read_text())["texts"]
    truth, truth_s = np.load(work / f"truth-{n}.npy"), np.load(work / f"truth-scores-{n}.npy")
    out: dict = {"ef": {}}
    with Store(work / f"scale-{n}.db") as store:
        for ef in efs:
            t = time.perf_counter()
            r = Retriever(store, _enc(work, n), ann_min_passages=0, ann_expansion_search=ef)
            open_s = time.perf_counter() - t
            ann_ms, hyb_ms, rec, rec_t, pool_r, pool_t = [], [], [], [], [], []

            def exact_cos(ids, q, r=r):
                rows = store.passages_by_id([int(i) for i in ids])
                cand = [int(i) for i in ids if int(i) in rows]
                return np.array(cand, dtype=np.int64), embed(store, r.encoder, [rows[i]["text"] for i in cand], "passage") @ q

            for q, text, exact, exact_s in zip(qv, texts, truth, truth_s):
                t = time.perf_counter()
                ids, _ = r.ann.search(q, 10)
                ann_ms.append((time.perf_counter() - t) * 1000)
                ids, cos = exact_cos(ids, q)
                a, b = _recall(ids, cos, exact, exact_s)
                rec.append(a), rec_t.append(b)
                # what the retriever ranks by: the ANN's `pool` candidates re-scored by exact cosine from the cache
                pool, _ = r.ann.search(q, r.pool)
                cand, cos = exact_cos(pool, q)
                order = np.argsort(-cos)
                a, b = _recall(cand[order], cos[order], exact, exact_s)
                pool_r.append(a), pool_t.append(b)
                t = time.perf_counter()
                r.search(text, 30, query_vec=q)
                hyb_ms.append((time.perf_counter() - t) * 1000)
            out["ef"][ef] = {"open_s": open_s, "ann_p50": float(np.percentile(ann_ms, 50)),
                             "ann_p95": float(np.percentile(ann_ms, 95)), "hyb_p50": float(np.percentile(hyb_ms, 50)),
                             "hyb_p95": float(np.percentile(hyb_ms, 95)), "recall": float(np.mean(rec)),
                             "recall_tie": float(np.mean(rec_t)), "recall_pool": float(np.mean(pool_r)),
                             "recall_pool_tie": float(np.mean(pool_t)), "pool": r.pool}  # fmt: skip
    out["query_peak_mb"] = peak_mb()
    return out


def step_verify(work: Path, n: int, encoder: str, efs: list[int], mode: str) -> dict:
    """A whole `synth verify` process on the corpus (encoder and verifier loaded, index opened as verify opens it):
    wall seconds, peak RSS and peak anonymous memory. mode "claims": 20 of the queries as a --claims run; "question": a --question run, which
    also ranks the whole corpus for the question."""
    import os
    import tempfile

    texts = json.loads((work / f"queries-{n}.json").read_text())["texts"]
    env = dict(os.environ, SYNTH_ANN_EF=str(efs[0]))
    cmd = [sys.executable, "-c", "from synth.cli import cli; cli()", "--db", str(work / f"scale-{n}.db"), "verify",
           "--encoder", encoder, "--max-claims", "20"]  # fmt: skip
    claims = None
    if mode == "claims":
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
            f.write("\n".join(texts[:20]) + "\n")
        claims = f.name
    cmd += ["--claims", claims] if claims else ["--question", texts[0]]
    t = time.perf_counter()
    anon = 0  # peak anonymous (private) memory, sampled: ru_maxrss also counts the memory-mapped index's file pages
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) as proc:
        status = Path(f"/proc/{proc.pid}/status")
        while proc.poll() is None:
            try:
                anon = max(anon, next(int(x.split()[1]) for x in status.read_text().splitlines() if x.startswith("RssAnon")))
            except (OSError, StopIteration):
                pass
            time.sleep(0.05)
        out, err = proc.communicate()
    wall = time.perf_counter() - t
    if claims:
        os.unlink(claims)
    if proc.returncode != 0:
        raise RuntimeError(f"synth verify exited {proc.returncode}: {err.strip()[-300:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {f"verify_{mode}_s": wall, f"verify_{mode}_peak_mb": peak, f"verify_{mode}_anon_mb": anon / 1024,
            f"verify_{mode}_out": out.strip()[-200:]}  # fmt: skip


# --- ANN part alone (no store), for sizes above --full-max ---------------------------------------------------------


def vstep_gen(work: Path, n: int, encoder: str, queries: int) -> dict:
    import gen_corpus

    v, info = gen_corpus.corpus_vectors(n, encoder, cache=work)
    np.save(work / f"vectors-{n}.npy", v)
    _queries(work, n, encoder, queries, info)
    return {"gen_s": info["seconds"], "vec_s": info["seconds"]}


def vstep_index(work: Path, n: int) -> dict:
    from synth.index import ann

    _, Index = ann._usearch()
    v = np.load(work / f"vectors-{n}.npy", mmap_mode="r")
    t = time.perf_counter()
    index = Index(ndim=v.shape[1], metric="ip", dtype=ann.DTYPE, connectivity=ann.CONNECTIVITY, expansion_add=ann.EXPANSION_ADD)
    for s in range(0, n, ann.SCAN_BATCH):  # in batches, as sync adds them
        index.add(np.arange(s, min(n, s + ann.SCAN_BATCH), dtype=np.uint64), np.ascontiguousarray(v[s : s + ann.SCAN_BATCH]))
    path = work / f"vectors-{n}.usearch"
    index.save(str(path))
    return {"build_s": time.perf_counter() - t, "index_mb": path.stat().st_size / 2**20, "count": len(index),
            "index_peak_mb": peak_mb()}  # fmt: skip


def vstep_truth(work: Path, n: int, k: int = 10) -> dict:
    qv = np.load(work / f"queries-{n}.npy")
    v = np.load(work / f"vectors-{n}.npy", mmap_mode="r")
    step = 50_000
    ids, scores = _topk(qv, ((np.arange(s, min(n, s + step)), np.asarray(v[s : s + step])) for s in range(0, n, step)), k)
    np.save(work / f"truth-{n}.npy", ids)
    np.save(work / f"truth-scores-{n}.npy", scores)
    return {}


def vstep_query(work: Path, n: int, efs: list[int]) -> dict:
    import inspect

    from synth.index import ann
    from synth.index.retrieve import Retriever

    POOL = inspect.signature(Retriever.__init__).parameters["pool"].default  # the candidates the retriever re-scores

    qv = np.load(work / f"queries-{n}.npy")
    truth, truth_s = np.load(work / f"truth-{n}.npy"), np.load(work / f"truth-scores-{n}.npy")
    v = np.load(work / f"vectors-{n}.npy", mmap_mode="r")  # for the exact cosines of the hits only (after timing)
    out: dict = {"ef": {}}
    for ef in efs:
        t = time.perf_counter()
        idx = ann.AnnIndex(work / f"vectors-{n}.usearch", expansion_search=ef)
        open_s = time.perf_counter() - t
        ms, hits, pool_ms, pools = [], [], [], []
        for q in qv:
            t = time.perf_counter()
            ids, _ = idx.search(q, 10)
            ms.append((time.perf_counter() - t) * 1000)
            hits.append(ids)
            t = time.perf_counter()  # what the retriever asks for: its pool of candidates, to re-score exactly
            ids, _ = idx.search(q, POOL)
            pool_ms.append((time.perf_counter() - t) * 1000)
            pools.append(ids)
        peak = peak_mb()  # before reading any vectors for the recall check
        rec = [_recall(ids, np.array([float(v[i] @ q) for i in ids]), ex, es)
               for ids, q, ex, es in zip(hits, qv, truth, truth_s)]  # fmt: skip
        rescored = []
        for ids, q, ex, es in zip(pools, qv, truth, truth_s):
            ids = np.sort(np.asarray(ids, dtype=np.int64))
            cos = np.asarray(v[ids]) @ q
            order = np.argsort(-cos)
            rescored.append(_recall(ids[order], cos[order], ex, es))
        out["ef"][ef] = {"open_s": open_s, "ann_p50": float(np.percentile(ms, 50)), "ann_p95": float(np.percentile(ms, 95)),
                         "recall": float(np.mean([a for a, _ in rec])), "recall_tie": float(np.mean([b for _, b in rec])),
                         "pool_p95": float(np.percentile(pool_ms, 95)), "pool": POOL,
                         "recall_pool": float(np.mean([a for a, _ in rescored])),
                         "recall_pool_tie": float(np.mean([b for _, b in rescored])),
                         "query_peak_mb": peak}  # fmt: skip
    out["query_peak_mb"] = max(e["query_peak_mb"] for e in out["ef"].values())
    return out


def run_step(args: argparse.Namespace, step: str, n: int, efs: list[int] | None = None) -> dict:
    saved = args.work / f"step-{step}-{n}.json"
    if args.reuse and step in ("vgen", "vindex", "vtruth", "gen", "index", "truth") and saved.exists():
        return json.loads(saved.read_text())
    cmd = [sys.executable, __file__, "--step", step, "--n", str(n), "--work", str(args.work), "--encoder", args.encoder,
           "--queries", str(args.queries), "--ef", *map(str, efs or args.ef)]  # fmt: skip
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=args.step_timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"{step} step over {args.step_timeout} s on this machine"}
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            saved.write_text(line[7:])
            return json.loads(line[7:])
    return {"error": f"{step} step failed: {(proc.stderr.strip().splitlines() or ['?'])[-1]}"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--encoder", default="e5-small")
    ap.add_argument("--ef", type=int, nargs="+", default=[128], help="HNSW search breadths (SYNTH_ANN_EF) to measure")
    ap.add_argument("--full-max", type=int, default=100_000, help="largest size measured through the store")
    ap.add_argument("--work", type=Path, default=Path("/tmp/synth-scale"))
    ap.add_argument("--step-timeout", type=int, default=1800)
    ap.add_argument("--reuse", action="store_true", help="reuse the corpus, index and truth already in --work")
    ap.add_argument("--verify", nargs="*", default=[], choices=["verify-claims", "verify-question"],
                    help="sizes measured through the store: also run a whole `synth verify` process (its peak RSS)")
    ap.add_argument("--step", help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    w, n, e, qn = args.work, args.n, args.encoder, args.queries
    if args.step:
        fn = {"gen": lambda: step_gen(w, n, e, qn), "index": lambda: step_index(w, n), "truth": lambda: step_truth(w, n),
              "query": lambda: step_query(w, n, args.ef), "vgen": lambda: vstep_gen(w, n, e, qn),
              "vindex": lambda: vstep_index(w, n), "vtruth": lambda: vstep_truth(w, n),
              "vquery": lambda: vstep_query(w, n, args.ef), "verify-claims": lambda: step_verify(w, n, e, args.ef, "claims"),
              "verify-question": lambda: step_verify(w, n, e, args.ef, "question")}[args.step]  # fmt: skip
        print("RESULT " + json.dumps(fn()), flush=True)
        return
    import os

    from synth.index import ann

    args.work.mkdir(parents=True, exist_ok=True)
    print(f"synthetic corpora (bench/gen_corpus.py: the project's text recombined; vectors: {args.encoder} sentence "
          f"encodings mixed with random weights + noise), {args.queries} queries, ef {args.ef}, index {ann.DTYPE} "
          f"M={ann.CONNECTIVITY} expansion_add={ann.EXPANSION_ADD}, {os.cpu_count()} CPU cores")  # fmt: skip
    rows = []
    for n in args.sizes:
        row: dict = {"n": n, "full": n <= args.full_max}
        steps = ("gen", "index", "truth", "query", *args.verify) if row["full"] else ("vgen", "vindex", "vtruth", "vquery")
        for step in steps:
            t = time.perf_counter()
            if step == "vquery":  # one process per ef: each opens the index once, so its peak RSS is that of one open
                parts = [run_step(args, step, n, [ef]) for ef in args.ef]
                out = next((p for p in parts if "error" in p), None) or {
                    "ef": {k: v for p in parts for k, v in p["ef"].items()},
                    "query_peak_mb": max(p["query_peak_mb"] for p in parts)}  # fmt: skip
            else:
                out = run_step(args, step, n)
            print(f"  {n}: {step} {time.perf_counter() - t:.0f} s {out.get('error', '')}", flush=True)
            row.update(out)
            if "error" in out:
                break
        rows.append(row)
    print()
    print("| passages | gen vectors s | index build s | index MB | build peak RSS MB | ef | open s | ANN top-10 p50 / p95 ms "
          "| hybrid `search` p50 / p95 ms | recall@10 ANN plain / tie-aware | retriever (pool re-scored) plain / tie-aware "
          "| query process peak RSS MB |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        what = f"{r['n']:,}" + ("" if r["full"] else " (ANN only)")
        if "query_peak_mb" not in r:
            print(f"| {what} | not measured: {r.get('error')} ||||||||||")
            continue
        for ef, m in r["ef"].items():
            hyb = f"{m['hyb_p50']:.1f} / {m['hyb_p95']:.1f}" if "hyb_p50" in m else "-"
            if "pool_p95" in m:  # ANN only: the retriever's pool search instead of the whole hybrid search
                hyb = f"ANN top-{m['pool']} p95 {m['pool_p95']:.1f}"
            pool = f"{m['recall_pool']:.3f} / {m['recall_pool_tie']:.3f}" if "recall_pool" in m else "-"
            print(f"| {what} | {r['vec_s']:.1f} | {r['build_s']:.0f} | {r['index_mb']:.0f} | {r['index_peak_mb']:.0f} | {ef} "
                  f"| {m['open_s']:.1f} | {m['ann_p50']:.2f} / {m['ann_p95']:.2f} | {hyb} "
                  f"| {m['recall']:.3f} / {m['recall_tie']:.3f} | {pool} | {m.get('query_peak_mb', r['query_peak_mb']):.0f} |")  # fmt: skip

    for r in rows:
        for mode in ("claims", "question"):
            if f"verify_{mode}_peak_mb" in r:
                print(f"{r['n']:,} passages, `synth verify --{mode}` (ef {args.ef[0]}): {r[f'verify_{mode}_s']:.0f} s, "
                      f"peak RSS {r[f'verify_{mode}_peak_mb']:.0f} MB (anonymous, sampled every 50 ms: "
                      f"{r.get(f'verify_{mode}_anon_mb', float('nan')):.0f} MB; the rest is file pages, mostly the "
                      f"memory-mapped index); it printed: {r[f'verify_{mode}_out']!r}")  # fmt: skip


if __name__ == "__main__":
    main()
