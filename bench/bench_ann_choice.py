"""Which ANN library backs synth's index: faiss-cpu, usearch or sqlite-vec, measured on the same vectors.

    python bench/bench_ann_choice.py [--n 100000] [--dim 384] [--queries 300]

Vectors are random but clustered (unit-norm, 2,000 centres plus noise, the shape of passage embeddings: many
near-neighbours per query), queries are fresh draws around the same centres. For each library it prints build
time, query latency p50 / p95 (one query at a time, as a claim's evidence search asks), recall@10 against exact
inner-product search, the index's size on disk and the growth of the process's resident memory while building.
Libraries that are not installed are skipped with a note. A benchmark prints figures; it is not a timed test.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

NOISE = 0.05  # per-coordinate noise around a centre: a point's cosine with its centre is about 0.7


def rss_mb() -> float:
    """Resident memory of this process in MB (psutil when present, else /proc)."""
    try:
        import psutil

        return psutil.Process().memory_info().rss / 2**20
    except ImportError:  # pragma: no cover
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_mb() -> float:
    """Peak resident memory of this process so far, in MB."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def clustered(n: int, dim: int, centres: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(n, dim) unit vectors around `centres` random centres, and the centres."""
    rng = np.random.default_rng(seed)
    c = rng.standard_normal((centres, dim)).astype(np.float32)
    c /= np.linalg.norm(c, axis=1, keepdims=True)
    out = np.empty((n, dim), dtype=np.float32)
    step = 50_000
    for s in range(0, n, step):
        m = min(step, n - s)
        x = c[rng.integers(0, centres, m)] + NOISE * rng.standard_normal((m, dim), dtype=np.float32)
        out[s : s + m] = x / np.linalg.norm(x, axis=1, keepdims=True)
    return out, c


def queries_near(centres: np.ndarray, q: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = centres[rng.integers(0, len(centres), q)] + NOISE * rng.standard_normal((q, centres.shape[1])).astype(np.float32)
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def exact_top(xb: np.ndarray, xq: np.ndarray, k: int) -> np.ndarray:
    out = np.empty((len(xq), k), dtype=np.int64)
    for i, q in enumerate(xq):
        s = xb @ q
        top = np.argpartition(-s, k)[:k]
        out[i] = top[np.argsort(-s[top])]
    return out


def recall(found: list[np.ndarray], truth: np.ndarray, k: int) -> float:
    return float(np.mean([len(set(map(int, f[:k])) & set(map(int, t[:k]))) / k for f, t in zip(found, truth)]))


def timed_queries(search, xq: np.ndarray) -> tuple[list[np.ndarray], float, float]:
    found, lat = [], []
    for q in xq:
        t = time.perf_counter()
        found.append(search(q))
        lat.append((time.perf_counter() - t) * 1000)
    return found, float(np.percentile(lat, 50)), float(np.percentile(lat, 95))


def bench_faiss(xb, xq, truth, k, tmp: Path, variant: str) -> dict | None:
    try:
        import faiss
    except ImportError:
        print("faiss-cpu not installed: skipped")
        return None
    d = xb.shape[1]
    gc.collect()
    before = rss_mb()
    t = time.perf_counter()
    if variant == "hnsw-flat":
        index = faiss.IndexHNSWFlat(d, 32, faiss.METRIC_INNER_PRODUCT)
    else:  # hnsw-sq8/fp16: scalar-quantised storage
        index = faiss.IndexHNSWSQ(d, faiss.ScalarQuantizer.QT_fp16, 32, faiss.METRIC_INNER_PRODUCT)
        index.train(xb[:20000])
    index.hnsw.efConstruction = 80
    index.add(xb)
    build = time.perf_counter() - t
    grew = peak_mb() - before
    path = tmp / f"faiss-{variant}.index"
    faiss.write_index(index, str(path))
    out = []
    for ef in EF_SEARCH:
        index.hnsw.efSearch = ef
        found, p50, p95 = timed_queries(lambda q: index.search(q[None, :], k)[1][0], xq)
        out.append(dict(lib=f"faiss {faiss.__version__} {variant} M=32 efC=80 efS={ef}", build=build, p50=p50, p95=p95,
                        recall=recall(found, truth, k), disk=path.stat().st_size / 2**20, mem=grew))  # fmt: skip
    return out


def bench_usearch(xb, xq, truth, k, tmp: Path, dtype: str) -> dict | None:
    try:
        import usearch
        from usearch.index import Index
    except ImportError:
        print("usearch not installed: skipped")
        return None
    gc.collect()
    before = rss_mb()
    t = time.perf_counter()
    index = Index(ndim=xb.shape[1], metric="ip", dtype=dtype, connectivity=16, expansion_add=128)
    index.add(np.arange(len(xb), dtype=np.uint64), xb)
    build = time.perf_counter() - t
    grew = peak_mb() - before
    path = tmp / f"usearch-{dtype}.usearch"
    index.save(str(path))
    out = []
    for ef in EF_SEARCH:
        index.expansion_search = ef
        found, p50, p95 = timed_queries(lambda q: index.search(q, k).keys, xq)
        out.append(dict(lib=f"usearch {usearch.__version__} {dtype} M=16 efC=128 efS={ef}", build=build, p50=p50,
                        p95=p95, recall=recall(found, truth, k), disk=path.stat().st_size / 2**20, mem=grew))  # fmt: skip
    return out


def bench_sqlite_vec(xb, xq, truth, k, tmp: Path) -> dict | None:
    try:
        import sqlite3

        import sqlite_vec
    except ImportError:
        print("sqlite-vec not installed: skipped")
        return None
    path = tmp / "vec.db"
    gc.collect()
    before = rss_mb()
    t = time.perf_counter()
    db = sqlite3.connect(path)
    if not hasattr(db, "enable_load_extension"):
        print("sqlite-vec: this Python's sqlite3 was built without extension loading: skipped")
        db.close()
        return None
    db.enable_load_extension(True)
    sqlite_vec.load(db)
    db.execute(f"CREATE VIRTUAL TABLE v USING vec0(embedding float[{xb.shape[1]}] distance_metric=cosine)")
    with db:
        db.executemany("INSERT INTO v(rowid, embedding) VALUES (?, ?)", ((i, x.tobytes()) for i, x in enumerate(xb)))
    build = time.perf_counter() - t
    grew = peak_mb() - before

    def search(q):
        rows = db.execute("SELECT rowid FROM v WHERE embedding MATCH ? AND k = ? ORDER BY distance", [q.tobytes(), k])
        return np.array([r[0] for r in rows])

    found, p50, p95 = timed_queries(search, xq)
    db.close()
    return [dict(lib=f"sqlite-vec {sqlite_vec.__version__} vec0 (exact scan)", build=build, p50=p50, p95=p95,
                 recall=recall(found, truth, k), disk=path.stat().st_size / 2**20, mem=grew)]  # fmt: skip


EF_SEARCH = (64, 128)
CANDIDATES = {
    "faiss-hnsw-flat": lambda *a: bench_faiss(*a, "hnsw-flat"),
    "faiss-hnsw-fp16": lambda *a: bench_faiss(*a, "hnsw-fp16"),
    "usearch-f32": lambda *a: bench_usearch(*a, "f32"),
    "usearch-f16": lambda *a: bench_usearch(*a, "f16"),
    "usearch-i8": lambda *a: bench_usearch(*a, "i8"),
    "sqlite-vec": bench_sqlite_vec,
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--dim", type=int, default=384)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("-k", type=int, default=10)
    ap.add_argument("--one", choices=sorted(CANDIDATES), help=argparse.SUPPRESS)  # one candidate, in a fresh process
    args = ap.parse_args()
    if args.one:
        xb, centres = clustered(args.n, args.dim, 2000, seed=1)
        xq = queries_near(centres, args.queries, seed=2)
        truth = exact_top(xb, xq, args.k)
        with tempfile.TemporaryDirectory() as tmp:
            rows = CANDIDATES[args.one](xb, xq, truth, args.k, Path(tmp)) or []
        for r in rows:
            print("ROW " + json.dumps(r), flush=True)
        return
    print(f"{args.n} clustered unit vectors, d={args.dim}, {args.queries} single queries, recall@{args.k} vs exact; "
          f"{os.cpu_count()} CPU cores; each library in a fresh process")  # fmt: skip
    rows = []
    for name in CANDIDATES:
        cmd = [sys.executable, __file__, "--one", name, "--n", str(args.n), "--dim", str(args.dim),
               "--queries", str(args.queries), "-k", str(args.k)]  # fmt: skip
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        for line in proc.stdout.splitlines():
            if line.startswith("ROW "):
                rows.append(json.loads(line[4:]))
            elif line.strip():
                print(line)
        if proc.returncode:
            print(f"{name}: failed: {proc.stderr.strip().splitlines()[-1:]}")
        print(f"  done: {name}", flush=True)
    print()
    print(f"| library / index | build s | p50 ms | p95 ms | recall@{args.k} | on disk MB | peak RSS growth MB |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['lib']} | {r['build']:.1f} | {r['p50']:.2f} | {r['p95']:.2f} | {r['recall']:.3f} | {r['disk']:.0f} | {r['mem']:.0f} |")


if __name__ == "__main__":
    main()
