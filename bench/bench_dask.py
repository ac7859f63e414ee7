"""Ray against Dask for distributed passage encoding: N one-thread workers each, one run.

    python bench/bench_dask.py               # ~2,000 passages, encoder `optical`, 1 and 2
    python bench/bench_dask.py --n 200 --encoder hashing --workers 1,2 --engines ray,dask

Settles, with numbers, the issue's "Ray (Ray Data map_batches with an actor pool holding
the model) unless Dask measures better for this workload". Every engine x pool size in
--workers encodes the same passages (bench_distributed.passages) with the same encoder:

  ray   bench_distributed.run, i.e. synth.index.workers.iter_encode: a local Ray started
        for the job, Ray Data map_batches over an actor pool of one-thread actors that
        load the encoder once each
  dask  a dask.distributed LocalCluster of N worker processes (threads_per_worker=1)
        and a Client, started for the job; a WorkerPlugin loads the encoder once per
        worker in its setup, torch on one thread (synth.index.workers.one_thread, as the
        Ray actors); blocks of synth.index.workers.ENCODE_BATCH texts (as the Ray path)
        go out with client.map and come back through as_completed, put back in order

Per configuration: passages/s end to end (cluster start, model loads and shutdown
included, for both engines), seconds to the first in-order block, passages/s after it
(the steady rate), and the max |difference| of the vectors against the first
configuration's (~0: same encoder, same texts). A Markdown table, then the ratio of each
pool size to the smallest per engine, and dask / ray per pool size.

Dask is not a dependency of synth: `pip install 'dask[distributed]'` to run its side.
Benchmarks print figures; they are not timed tests.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import bench_distributed

from synth.config import Settings
from synth.index.workers import ENCODE_BATCH, one_thread
from synth.errors import DistributedError

try:
    from distributed import Client, LocalCluster, WorkerPlugin, as_completed, get_worker
except ImportError:  # benchmark-only; main() says how to install it when it is needed
    DASK = False
    WorkerPlugin = object
else:
    DASK = True

if TYPE_CHECKING:
    from collections.abc import Iterator

PLUGIN = "synth-encoder"
INSTALL = "bench_dask.py needs Dask for --engines dask: .venv/bin/pip install 'dask[distributed]'"


class EncoderPlugin(WorkerPlugin):
    """Loads the encoder once in every Dask worker, torch on one thread (as EncodeWorker)."""

    name = PLUGIN

    def __init__(self, settings: Settings, encoder_name: str) -> None:
        self.settings = settings
        self.encoder_name = encoder_name
        self.encoder: Any = None

    def setup(self, worker: Any) -> None:
        from synth.index.encoders import load_encoder

        one_thread(1)
        self.encoder = load_encoder(self.encoder_name, self.settings)


def encode_block(texts: list[str], kind: str) -> np.ndarray:
    """One block on a Dask worker, with the encoder its EncoderPlugin loaded."""
    encoder = get_worker().plugins[PLUGIN].encoder
    return np.asarray(encoder.encode(texts, kind), dtype=np.float32)


def dask_blocks(
    texts: list[str], encoder: str, workers: int, settings: Settings
) -> Iterator[np.ndarray]:
    """Vectors of `texts` in consecutive blocks, in order, as a local Dask cluster of
    `workers` one-thread processes (started here, closed after) finishes them."""
    chunks = [texts[i : i + ENCODE_BATCH] for i in range(0, len(texts), ENCODE_BATCH)]
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        client.register_plugin(EncoderPlugin(settings, encoder))  # returns once loaded
        futures = client.map(encode_block, chunks, kind="passage", pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        pending: dict[int, np.ndarray] = {}
        nxt = 0
        for fut, vecs in as_completed(futures, with_results=True):
            pending[index[fut.key]] = vecs
            block = []  # a block that arrives early waits for those before it
            while nxt in pending:
                block.append(pending.pop(nxt))
                nxt += 1
            if block:
                yield np.concatenate(block)
        if nxt != len(chunks):
            raise RuntimeError(f"Dask returned {nxt} of {len(chunks)} blocks")


def dask_run(
    texts: list[str], encoder: str, workers: int, settings: Settings
) -> tuple[np.ndarray, float, float, int]:
    """As bench_distributed.run, on Dask: (vectors, seconds in all, seconds to the first
    block, texts in the first block)."""
    t0 = time.perf_counter()
    first_t, first_n, blocks = 0.0, 0, []
    for block in dask_blocks(texts, encoder, workers, settings):
        if not blocks:
            first_t, first_n = time.perf_counter() - t0, len(block)
        blocks.append(block)
    return np.concatenate(blocks), time.perf_counter() - t0, first_t, first_n


RUNS = {"ray": bench_distributed.run, "dask": dask_run}


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--n", type=int, default=2000, help="passages to encode")
    ap.add_argument("--encoder", default="optical", help="encoder name")
    ap.add_argument("--workers", default="1,2", help="comma-separated pool sizes")
    ap.add_argument("--engines", default="ray,dask", help="comma-separated: ray, dask")
    args = ap.parse_args()
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    sizes = [int(x) for x in args.workers.split(",")]
    if unknown := [e for e in engines if e not in RUNS]:
        ap.error(f"unknown engine(s) {', '.join(unknown)}: choose ray, dask")
    if "dask" in engines and not DASK:
        sys.exit(INSTALL)
    for name in ("distributed", "ray", "ray.data"):
        logging.getLogger(name).setLevel(logging.ERROR)
    settings = Settings.from_env()
    texts = bench_distributed.passages(args.n)
    avg = sum(map(len, texts)) / len(texts)
    print(
        f"{len(texts)} passages, {avg:.0f} characters average, encoder {args.encoder}"
    )
    print(f"blocks of {ENCODE_BATCH} texts; one-thread workers; times include start-up")
    print()
    rows: dict[tuple[str, int], tuple[float, float, float, float, float]] = {}
    ref = None
    for engine in engines:
        for w in sizes:
            try:
                vecs, total, first_t, first_n = RUNS[engine](
                    texts, args.encoder, w, settings
                )
            except DistributedError as exc:  # Ray missing or not startable: one line
                sys.exit(str(exc))
            rate = len(texts) / total
            steady = (len(texts) - first_n) / max(1e-9, total - first_t)
            if ref is None:
                ref = vecs
            same = vecs.shape == ref.shape
            diff = float(np.abs(vecs - ref).max()) if same else float("inf")
            rows[engine, w] = (total, rate, first_t, steady, diff)
    print(
        "| engine | workers | seconds | passages/s end to end | s to first block "
        "| passages/s steady | max abs diff vs first |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for (engine, w), (total, rate, first_t, steady, diff) in rows.items():
        print(
            f"| {engine} | {w} | {total:.1f} | {rate:.1f} | {first_t:.1f} "
            f"| {steady:.1f} | {diff:.2e} |"
        )
    print()
    base = min(sizes)
    for engine in engines:
        for w in sizes:
            if w != base:
                a, b = rows[engine, w], rows[engine, base]
                print(
                    f"{engine}: {w} / {base} worker(s) = {a[1] / b[1]:.2f}x end to end, "
                    f"{a[3] / b[3]:.2f}x steady"
                )
    if {"ray", "dask"} <= set(engines):
        for w in sizes:
            d, r = rows["dask", w], rows["ray", w]
            print(
                f"dask / ray at {w} worker(s) = {d[1] / r[1]:.2f}x end to end, "
                f"{d[3] / r[3]:.2f}x steady"
            )


if __name__ == "__main__":
    main()
