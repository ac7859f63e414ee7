"""Fit the verifier: the stance heads (MLP on pair features, token-interaction model), then the claim-level
aggregator and its calibration.

Out-of-fold stance predictions feed the aggregator (the heads never judge pairs they were trained on), and
out-of-fold aggregator probabilities choose the mixture of the two heads, the temperature and the isotonic
confidence map.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Callable

import numpy as np

from .model import AGG_NAMES, Aggregator, StanceHead, aggregate_features, mix_stances, save, scalar_columns, softmax

# pair weights by source: the 62k NLI pairs would otherwise drown the claim-like sources (our field set, SciFact,
# generated refutations) that the verifier is for
SOURCE_WEIGHT = {"scifact": 2.0, "field": 3.0, "xnli": 0.25, "snli": 0.25, "xnli-x": 0.5}
AGG_C_GRID = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)  # aggregator L2 strengths tried (on standardised features)
MIX_GRID = (0.0, 0.25, 0.5, 0.75, 1.0)  # weights of the interaction head tried in the stance mixture


def _fold(group: str, k: int) -> int:
    return int(hashlib.md5(group.encode()).hexdigest(), 16) % k


def fit_head(X: np.ndarray, y: np.ndarray, w: np.ndarray, val: np.ndarray, seed: int = 0, hidden: int = 256,
             epochs: int = 30, log: Callable = print, checkpoint: Path | None = None) -> StanceHead:
    """Train Linear-ReLU-Linear with dropout (AdamW, weighted cross-entropy, early stop on the `val` rows)."""
    import torch

    torch.manual_seed(seed)
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    tr = ~val
    mean = X[tr].mean(0)
    std = X[tr].std(0) + 1e-4
    Xt = torch.tensor((X - mean) / std, dtype=torch.float32, device=dev)
    yt = torch.tensor(y, dtype=torch.long, device=dev)
    wt = torch.tensor(w, dtype=torch.float32, device=dev)
    net = torch.nn.Sequential(torch.nn.Dropout(0.1), torch.nn.Linear(X.shape[1], hidden), torch.nn.ReLU(),
                              torch.nn.Dropout(0.5), torch.nn.Linear(hidden, 3)).to(dev)
    opt = torch.optim.AdamW(net.parameters(), lr=3e-4, weight_decay=1e-2)
    tri = np.flatnonzero(tr)
    vai = np.flatnonzero(val)
    best, best_state, bad, start = np.inf, None, 0, 0
    if checkpoint and checkpoint.exists():
        ck = torch.load(checkpoint, map_location=dev)
        net.load_state_dict(ck["net"]), opt.load_state_dict(ck["opt"])
        best, best_state, bad, start = ck["best"], ck["best_state"], ck["bad"], ck["epoch"] + 1
    rng = np.random.default_rng(seed)
    for epoch in range(start, epochs):
        net.train()
        perm = rng.permutation(tri)
        for s in range(0, len(perm), 256):
            b = torch.as_tensor(perm[s : s + 256], device=dev)
            loss = (torch.nn.functional.cross_entropy(net(Xt[b]), yt[b], reduction="none") * wt[b]).sum() / wt[b].sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
        net.eval()
        if len(vai) == 0:  # nothing held out: keep the last epoch
            best_state = {k: v.detach().cpu().clone() for k, v in net.state_dict().items()}
            continue
        with torch.no_grad():
            vl = float(torch.nn.functional.cross_entropy(net(Xt[vai]), yt[vai]))
            va = float((net(Xt[vai]).argmax(1) == yt[vai]).float().mean())
        log(f"head epoch {epoch}: val loss {vl:.4f} acc {va:.3f}")
        if vl < best - 1e-4:
            best, bad = vl, 0
            best_state = {k: v.detach().cpu().clone() for k, v in net.state_dict().items()}
        else:
            bad += 1
        if checkpoint:
            torch.save(dict(net=net.state_dict(), opt=opt.state_dict(), best=best, best_state=best_state, bad=bad, epoch=epoch), checkpoint)
        if bad >= 4:
            break
    net.load_state_dict(best_state)
    lin1, lin2 = net[1], net[4]
    head = StanceHead(mean, std, lin1.weight.detach().cpu().numpy().astype(np.float64), lin1.bias.detach().cpu().numpy().astype(np.float64),
                      lin2.weight.detach().cpu().numpy().astype(np.float64), lin2.bias.detach().cpu().numpy().astype(np.float64))
    head.temperature = fit_temperature(head.logits(X[val]), y[val]) if val.any() else 1.0
    log(f"head temperature {head.temperature:.3f}")
    return head


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """The temperature that minimises the NLL of softmax(logits / T) (grid search, robust and enough here)."""
    grid = np.exp(np.linspace(np.log(0.3), np.log(5.0), 80))
    nll = [-np.log(softmax(logits / t)[np.arange(len(y)), y] + 1e-12).mean() for t in grid]
    return float(grid[int(np.argmin(nll))])


def fit_isotonic(p_max: np.ndarray, correct: np.ndarray, points: int = 20) -> tuple[list[float], list[float]]:
    """Isotonic map max-probability -> P(correct), stored as (x, y) breakpoints for np.interp."""
    from sklearn.isotonic import IsotonicRegression

    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(p_max, correct.astype(float))
    xs = np.unique(np.quantile(p_max, np.linspace(0, 1, points)))
    return [float(x) for x in xs], [float(v) for v in iso.predict(xs)]


def fit_aggregator(A: np.ndarray, yc: np.ndarray, log: Callable = print) -> tuple[float, float, object, np.ndarray]:
    """Standardised multinomial LR on claim-level features A: (OOF log-loss, C, unfitted model, OOF logits), C
    chosen by 5-fold out-of-fold log-loss."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict

    mu, sd = A.mean(0), A.std(0) + 1e-6
    Z = (A - mu) / sd
    best = None
    for C in AGG_C_GRID:
        lr = LogisticRegression(C=C, max_iter=5000, class_weight="balanced")  # refuted claims are rare: keep their recall
        oof_c = cross_val_predict(lr, Z, yc, cv=5, method="decision_function")
        nll = -np.log(softmax(oof_c)[np.arange(len(yc)), yc] + 1e-12).mean()
        if best is None or nll < best[0] - 1e-4:
            best = (nll, C, lr, oof_c)
    log(f"aggregator: best C={best[1]}, OOF log-loss {best[0]:.4f}")
    return best


def fit_all(X: np.ndarray, pairs: list[dict], claim_sets: list[dict], cache, encoder, out: Path, seed: int = 13,
            log: Callable = print, folds: int = 3, encoder_name: str = "e5-small", interact_epochs: int = 4,
            checkpoints: Path | None = None) -> None:
    """Train everything and write head.npz, interact.npz and verifier.json into `out`. With `checkpoints`, each
    finished fold's out-of-fold stances and the final interaction head are kept there, so a killed run resumes."""
    from .interact import fit_interact
    from .pairs import align_column, combine

    y = np.array([p["label"] for p in pairs])
    w = np.array([SOURCE_WEIGHT.get(p["source"], 1.0) for p in pairs])
    groups = [p["group"] for p in pairs]
    val = np.array([_fold(g, 10) == 0 for g in groups])
    memo: dict[tuple[str, str], object] = {}

    def enc(kind: str, text: str):
        if (kind, text) not in memo:
            memo[kind, text] = cache.get(kind, text, dtype=np.float16)
        return memo[kind, text]

    C = [enc("query", p["claim"]) for p in pairs]
    E = [enc("passage", p["evidence"]) for p in pairs]
    S = scalar_columns(X)

    # features of every (claim, evidence) of the claim-level sets
    flat = [(i, c["claim"], e) for i, c in enumerate(claim_sets) for e in c["evidence"]]
    Fc = [enc("query", f[1]) for f in flat]
    Fe = [enc("passage", f[2]) for f in flat]
    Xc = combine([f[1] for f in flat], [f[2] for f in flat], Fc, Fe) if flat else np.zeros((0, X.shape[1]))
    owner = np.array([f[0] for f in flat])
    set_groups = [c.get("group", f"set{i}") for i, c in enumerate(claim_sets)]
    set_fold = np.array([_fold(g, folds) for g in set_groups])

    # out-of-fold stances: fold f's heads never saw the groups of fold f's claim sets
    p_mlp, p_int = np.zeros((len(flat), 3)), np.zeros((len(flat), 3))
    grp_fold = np.array([_fold(g, folds) if g.startswith(("scifact", "field")) else -1 for g in groups])
    # checkpoints belong to these exact pairs, claim sets and settings
    tag = hashlib.md5(json.dumps([[(p["claim"], p["evidence"], p["label"]) for p in pairs],
                                  [(c["claim"], c["evidence"], c["label"]) for c in claim_sets],
                                  seed, interact_epochs, folds]).encode()).hexdigest()[:10]
    for f in range(folds):
        keep = grp_fold != f
        rows = np.flatnonzero(np.isin(owner, np.flatnonzero(set_fold == f)))
        ck = checkpoints / f"oof-{tag}-{f}-of-{folds}.npz" if checkpoints else None
        if ck and ck.exists():
            z = np.load(ck)
            p_mlp[rows], p_int[rows] = z["mlp"], z["int"]
            log(f"fold {f}: out-of-fold stances from {ck}")
            continue
        log(f"fold {f}: heads on {keep.sum()} pairs")
        h = fit_head(X[keep], y[keep], w[keep], val[keep], seed=seed + f, log=log)
        p_mlp[rows] = h.proba(Xc[rows])
        ki = np.flatnonzero(keep)
        it = fit_interact([C[i] for i in ki], [E[i] for i in ki], S[keep], y[keep], w[keep], val[keep], seed=seed + f,
                          epochs=interact_epochs, log=log)
        p_int[rows] = it.proba([Fc[i] for i in rows], [Fe[i] for i in rows], scalar_columns(Xc[rows]))
        if ck:
            np.savez(ck, mlp=p_mlp[rows], int=p_int[rows])

    align_col = align_column(X.shape[1])
    yc = np.array([c["label"] for c in claim_sets])
    best = None
    for mix in MIX_GRID:
        probs = mix_stances(p_mlp, p_int, mix)
        A = np.stack([aggregate_features(probs[owner == i], Xc[owner == i, align_col]) for i in range(len(claim_sets))])
        log(f"stance mixture {mix}:")
        res = fit_aggregator(A, yc, log=log)
        if best is None or res[0] < best[1][0] - 1e-4:
            best = (mix, res, A)
    mix, (_, agg_c, lr, oof), A = best
    temp = fit_temperature(oof, yc)
    p = softmax(oof / temp)
    correct = p.argmax(1) == yc
    cx, cy = fit_isotonic(p.max(1), correct)
    log(f"chosen: mixture {mix}, C={agg_c}; aggregator OOF accuracy {correct.mean():.3f}, temperature {temp:.3f}")
    for src in sorted({c.get("source", "?") for c in claim_sets}):
        m = np.array([c.get("source") == src for c in claim_sets])
        log(f"  {src}: OOF accuracy {correct[m].mean():.3f} (n={m.sum()})")
    mu, sd = A.mean(0), A.std(0) + 1e-6
    lr.fit((A - mu) / sd, yc)
    agg = Aggregator(lr.coef_ / sd, lr.intercept_ - (lr.coef_ * (mu / sd)).sum(1), temp, cx, cy)

    log("final heads on all pairs")
    head = fit_head(X, y, w, val, seed=seed, log=log)
    interact = None
    if mix > 0:
        from .interact import InteractHead

        ck = checkpoints / f"final-interact-{tag}.npz" if checkpoints else None
        if ck and ck.exists():
            interact = InteractHead.load_npz(ck)
            log(f"final interaction head from {ck}")
        else:
            interact = fit_interact(C, E, S, y, w, val, seed=seed, epochs=interact_epochs, log=log)
            if ck:
                interact.save_npz(ck)
    meta = dict(
        id="synth-verifier-e5small-interact-2" if interact is not None else "synth-verifier-e5small-mlp-2",
        encoder=encoder_name,  # the name load_encoder takes
        encoder_id=getattr(encoder, "id", encoder_name),
        top_k=5,
        agg_features=list(AGG_NAMES),
        trained_on=sorted({p["source"] for p in pairs}),
        n_pairs=len(pairs),
        n_claim_sets=len(claim_sets),
        aggregator_C=agg_c,
    )
    save(out, head, agg, meta, interact=interact, mix=mix)
    log(f"wrote {out}")
