"""Batched log-domain Sinkhorn (synth.index.ot) vs a per-pair POT loop, on token-sized cosine costs.

    nice .venv/bin/python bench/bench_ot.py [--pairs 64] [--reg 0.05] [--iters 100]

Prints wall times, the speed-up ratio and the largest plan difference to POT.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import ot as pot
import torch

from synth.index.ot import cosine_cost, ot_cost, sinkhorn_log


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pairs", type=int, default=64)
    ap.add_argument("--dim", type=int, default=384)
    ap.add_argument("--reg", type=float, default=0.05)
    ap.add_argument("--iters", type=int, default=100)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    warnings.filterwarnings("ignore", message="Sinkhorn did not converge")
    g = torch.Generator().manual_seed(0)
    lens_a = torch.randint(8, 33, (args.pairs,), generator=g)
    lens_b = torch.randint(8, 49, (args.pairs,), generator=g)
    n, m = int(lens_a.max()), int(lens_b.max())
    x = torch.randn(args.pairs, n, args.dim, generator=g)
    y = torch.randn(args.pairs, m, args.dim, generator=g)
    ma = torch.arange(n)[None] < lens_a[:, None]
    mb = torch.arange(m)[None] < lens_b[:, None]
    cost = cosine_cost(x, y)

    def batched():
        return sinkhorn_log(cost, ma, mb, reg=args.reg, n_iter=args.iters, tol=0.0)

    costs = [cost[i, : lens_a[i], : lens_b[i]].double().numpy() for i in range(args.pairs)]

    def loop(method: str):
        out = []
        for c in costs:
            a, b = np.full(c.shape[0], 1 / c.shape[0]), np.full(c.shape[1], 1 / c.shape[1])
            out.append(pot.sinkhorn(a, b, c, args.reg, method=method, numItermax=args.iters, stopThr=0.0))
        return out

    def best(fn):
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            res = fn()
            times.append(time.perf_counter() - t0)
        return min(times), res

    t_b, plan = best(batched)
    t_l, ref = best(lambda: loop("sinkhorn"))
    t_ll, ref_log = best(lambda: loop("sinkhorn_log"))
    diff = max(float(np.abs(plan[i, : lens_a[i], : lens_b[i]].double().numpy() - ref_log[i]).max())
               for i in range(args.pairs))
    tot = ot_cost(plan, cost).mean().item()
    print(f"{args.pairs} pairs, n<={n}, m<={m}, d={args.dim}, reg={args.reg}, {args.iters} iterations, "
          f"{args.threads} thread(s)")
    print(f"batched synth.index.ot.sinkhorn_log (torch, log domain): {1000 * t_b:8.1f} ms")
    print(f"POT loop, ot.sinkhorn method='sinkhorn' (numpy):   {1000 * t_l:8.1f} ms   ratio {t_l / t_b:5.1f}x")
    print(f"POT loop, ot.sinkhorn method='sinkhorn_log':       {1000 * t_ll:8.1f} ms   ratio {t_ll / t_b:5.1f}x")
    print(f"max |plan - POT sinkhorn_log plan| = {diff:.2e}; mean OT cost {tot:.4f}")


if __name__ == "__main__":
    main()
