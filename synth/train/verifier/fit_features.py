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

from ...config import BASE_ENCODER
from ...judge.verifier.calibrate import fit_confidence_map, fit_temperature, softmax
from ...judge.verifier.model import (
    AGG_NAMES,
    Aggregator,
    Ensemble,
    StanceHead,
    aggregate_features,
    mix_stances,
    save,
    scalar_columns,
)

# pair weights by source: the 62k NLI pairs would otherwise drown the claim-like sources (our field set, SciFact,
# generated refutations) that the verifier is for
SOURCE_WEIGHT = {"scifact": 2.0, "field": 3.0, "xnli": 0.25, "snli": 0.25, "xnli-x": 0.5}
AGG_C_GRID = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)  # aggregator L2 strengths tried (on standardised features)
MIX_GRID = (0.0, 0.25, 0.5, 0.75, 1.0)  # weights of the interaction head tried in the stance mixture
NEI_ONLY = ("max_align", "top_align")  # aggregator features that may only speak for or against NOT_ENOUGH_INFO


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


class TiedSoftmax:
    """Multinomial logistic regression (L2, balanced class weights) in which the `nei_only` features get a
    coefficient for NOT_ENOUGH_INFO alone: how well the evidence covers the claim can say whether it is decided,
    never which way. (Fitted freely, alignment also learnt "refuted" from training sets whose refutations are
    near-copies of their evidence with one number or word changed.)"""

    def __init__(self, C: float, nei_only: np.ndarray) -> None:
        self.C = C
        self.mask = np.ones((3, len(nei_only)), dtype=bool)
        self.mask[:2, nei_only] = False  # SUPPORTED / REFUTED rows of those columns stay 0

    def fit(self, Z: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None) -> "TiedSoftmax":
        """Fit on standardised features; classes balanced (by weight), each row weighted by `sample_weight`."""
        from scipy.optimize import minimize

        n, d = Z.shape
        sw = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        cw = sw.sum() / (3 * np.maximum(np.bincount(y, weights=sw, minlength=3), 1e-9))
        w = cw[y] * sw
        Y = np.eye(3)[y]
        k = int(self.mask.sum())

        def unpack(theta):
            W = np.zeros((3, d))
            W[self.mask] = theta[:k]
            return W, theta[k:]

        def f(theta):
            W, b = unpack(theta)
            logits = Z @ W.T + b
            logits -= logits.max(1, keepdims=True)
            logp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
            loss = -(w * (Y * logp).sum(1)).sum() * self.C + 0.5 * (W ** 2).sum()
            G = (np.exp(logp) - Y) * w[:, None] * self.C  # (n, 3)
            gW = G.T @ Z + W
            return loss, np.concatenate([gW[self.mask], G.sum(0)])

        res = minimize(f, np.zeros(k + 3), jac=True, method="L-BFGS-B", options=dict(maxiter=5000))
        self.coef_, self.intercept_ = unpack(res.x)
        return self

    def decision_function(self, Z: np.ndarray) -> np.ndarray:
        return Z @ self.coef_.T + self.intercept_


def fit_aggregator(A: np.ndarray, yc: np.ndarray, log: Callable = print,
                   sample_weight: np.ndarray | None = None) -> tuple[float, float, TiedSoftmax, np.ndarray]:
    """`TiedSoftmax` on standardised claim-level features A: (OOF log-loss, C, unfitted model, OOF logits), C
    chosen by 5-fold out-of-fold log-loss (weighted by `sample_weight` when given, as the fit is)."""
    from sklearn.model_selection import StratifiedKFold

    mu, sd = A.mean(0), A.std(0) + 1e-6
    Z = (A - mu) / sd
    # inputs after AGG_NAMES (the subject-match inputs of the cross-encoder verifier) may speak for any label
    nei_only = np.array([n in NEI_ONLY for n in AGG_NAMES] + [False] * (A.shape[1] - len(AGG_NAMES)))
    sw = np.ones(len(yc)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    best = None
    for C in AGG_C_GRID:
        oof_c = np.zeros((len(yc), 3))
        for tr, te in StratifiedKFold(5).split(Z, yc):
            oof_c[te] = TiedSoftmax(C, nei_only).fit(Z[tr], yc[tr], sw[tr]).decision_function(Z[te])
        nll = -(sw * np.log(softmax(oof_c)[np.arange(len(yc)), yc] + 1e-12)).sum() / sw.sum()
        if best is None or nll < best[0] - 1e-4:
            best = (nll, C, TiedSoftmax(C, nei_only), oof_c)
    log(f"aggregator: best C={best[1]}, OOF log-loss {best[0]:.4f}")
    return best


def fit_all(X: np.ndarray, pairs: list[dict], claim_sets: list[dict], cache, encoder, out: Path, seed: int = 13,
            log: Callable = print, folds: int = 3, encoder_name: str = BASE_ENCODER, interact_epochs: int = 4,
            checkpoints: Path | None = None, ship_folds: bool = False) -> None:
    """Train everything and write head.npz, interact.npz and verifier.json into `out`. With `checkpoints`, each
    finished fold's heads and the final interaction head are kept there, so a killed run resumes and changed claim
    sets are scored again without retraining. With `ship_folds` the fold heads are shipped as an ensemble (the
    stances at inference then come from the same models as the out-of-fold stances the aggregator was fitted on)
    instead of heads trained again on all pairs."""
    from ...judge.verifier.interact import InteractHead, fit_interact
    from ...judge.verifier.pairs import align_column, combine

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
    # checkpointed heads belong to these exact pairs, features and settings (not to the claim sets they score)
    tag = hashlib.md5(json.dumps([[(p["claim"], p["evidence"], p["label"], p["source"]) for p in pairs], seed,
                                  interact_epochs, folds, SOURCE_WEIGHT]).encode() + np.ascontiguousarray(X).tobytes()).hexdigest()[:10]
    fold_heads: list[tuple[StanceHead, InteractHead]] = []
    for f in range(folds):
        keep = grp_fold != f
        rows = np.flatnonzero(np.isin(owner, np.flatnonzero(set_fold == f)))
        ck = checkpoints / f"fold-{tag}-{f}-of-{folds}" if checkpoints else None
        if ck and (ck / "interact.npz").exists():
            h, it = StanceHead.load_npz(ck / "mlp.npz"), InteractHead.load_npz(ck / "interact.npz")
            log(f"fold {f}: heads from {ck}")
        else:
            log(f"fold {f}: heads on {keep.sum()} pairs")
            h = fit_head(X[keep], y[keep], w[keep], val[keep], seed=seed + f, log=log)
            ki = np.flatnonzero(keep)
            it = fit_interact([C[i] for i in ki], [E[i] for i in ki], S[keep], y[keep], w[keep], val[keep],
                              seed=seed + f, epochs=interact_epochs, log=log)
            if ck:  # the fold's heads, so that new claim sets are scored without training again
                ck.mkdir(parents=True, exist_ok=True)
                h.save_npz(ck / "mlp.npz")
                it.save_npz(ck / "interact.npz")
        fold_heads.append((h, it))
        p_mlp[rows] = h.proba(Xc[rows])
        p_int[rows] = it.proba([Fc[i] for i in rows], [Fe[i] for i in rows], scalar_columns(Xc[rows]))

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
    cx, cy = fit_confidence_map(p.max(1), correct, log=log)
    log(f"chosen: mixture {mix}, C={agg_c}; aggregator OOF accuracy {correct.mean():.3f}, temperature {temp:.3f}")
    for src in sorted({c.get("source", "?") for c in claim_sets}):
        m = np.array([c.get("source") == src for c in claim_sets])
        log(f"  {src}: OOF accuracy {correct[m].mean():.3f} (n={m.sum()})")
    mu, sd = A.mean(0), A.std(0) + 1e-6
    lr.fit((A - mu) / sd, yc)
    agg = Aggregator(lr.coef_ / sd, lr.intercept_ - (lr.coef_ * (mu / sd)).sum(1), temp, cx, cy)

    interact = None
    if ship_folds:
        log(f"shipping the {folds} fold heads as an ensemble")
        head = Ensemble([h for h, _ in fold_heads])
        interact = Ensemble([it for _, it in fold_heads]) if mix > 0 else None
    else:
        log("final heads on all pairs")
        head = fit_head(X, y, w, val, seed=seed, log=log)
    if mix > 0 and not ship_folds:
        ck = checkpoints / f"final-interact-{tag}.npz" if checkpoints else None
        if ck and ck.exists():
            interact = InteractHead.load_npz(ck)
            log(f"final interaction head from {ck}")
        else:
            interact = fit_interact(C, E, S, y, w, val, seed=seed, epochs=interact_epochs, log=log)
            if ck:
                interact.save_npz(ck)
    meta = dict(
        id=f"synth-verifier-e5small-{'interact' if interact is not None else 'mlp'}-3",
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
