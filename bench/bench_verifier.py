"""Cost of judging: the v3 (features) and v4 (cross) verifiers on the same claims and evidence, in one run.

    make demo && python bench/bench_verifier.py [--db db/demo.db] [--run N] [--threads 2] [--repeat 2]

Reads the claims of a stored run (default: the latest) with their evidence texts, loads each verifier once (models
loaded before timing), judges every claim `--repeat` times and prints wall seconds per pass, claims/s, pairs/s and
the ratio v4 / v3. Both verifiers see exactly the same inputs in the same process. Wall times include whatever else
runs on the machine: run it on an idle machine, or compare the ratio only.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=Path("db/demo.db"))
    ap.add_argument("--run", type=int, default=None)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--models", default="features,cross")
    args = ap.parse_args(argv)

    import torch

    torch.set_num_threads(args.threads)
    from synth.config import Settings
    from synth.store import Store
    from synth.judge.verifier import load_verifier

    if not args.db.is_file():
        sys.exit(f"error: no database at {args.db} (run `make demo` first)")
    store = Store(args.db)
    run = store.run(args.run)
    items = [(c["text"], [e["text"] for e in c["evidence"]], [e["retrieval_score"] for e in c["evidence"]])
             for c in store.run_claims(run["id"]) if c["evidence"]]
    pairs = sum(min(5, len(e)) for _, e, _ in items)
    print(f"run {run['id']}: {len(items)} claims with evidence, {pairs} (claim, evidence) pairs in the top 5")
    times = {}
    for name in args.models.split(","):
        verifier = load_verifier(Settings.from_env(verifier_model=name))
        verifier.judge(*items[0])  # warm-up: first-call allocations are not judging
        best = float("inf")
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            for claim, evidence, scores in items:
                verifier.judge(claim, evidence, scores)
            best = min(best, time.perf_counter() - t0)
        times[name] = best
        print(f"{name:<9} {verifier.id}: {best:.2f} s per pass, {len(items) / best:.1f} claims/s, {pairs / best:.1f} pairs/s")
    if len(times) == 2:
        a, b = list(times)
        print(f"ratio {b} / {a}: {times[b] / times[a]:.2f}x the time")


if __name__ == "__main__":
    main()
