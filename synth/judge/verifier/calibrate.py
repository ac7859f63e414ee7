"""Calibration and the small maths the verifier's heads share: softmax, temperature scaling, ECE and the map
from a verdict's probability to the probability that it is right.

Imported by model.py (inference), interact.py and train.py (fitting); imports nothing of theirs, so they form no
import cycle. numpy only at import; scikit-learn inside the functions that fit a map.
"""

from __future__ import annotations

from typing import Callable

import numpy as np


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax over the last axis (shifted by the max, so large logits do not overflow)."""
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def fit_temperature(logits: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None) -> float:
    """The temperature that minimises the (weighted) NLL of softmax(logits / T) (grid search, robust and enough)."""
    grid = np.exp(np.linspace(np.log(0.3), np.log(5.0), 80))
    w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    nll = [-(w * np.log(softmax(logits / t)[np.arange(len(y)), y] + 1e-12)).sum() / w.sum() for t in grid]
    return float(grid[int(np.argmin(nll))])


def ece(conf, correct, bins: int = 10, weights: np.ndarray | None = None) -> float:
    """Expected calibration error with equal-width bins (each case counted by its weight when given)."""
    conf, correct = np.asarray(conf, dtype=float), np.asarray(correct, dtype=float)
    w = np.ones(len(conf)) if weights is None else np.asarray(weights, dtype=float)
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        m = (conf > lo) & (conf <= hi) if lo > 0 else (conf >= lo) & (conf <= hi)
        if m.any():
            gap = np.average(conf[m], weights=w[m]) - np.average(correct[m], weights=w[m])
            total += w[m].sum() / w.sum() * abs(gap)
    return float(total)


def _calibrator(method: str, p_max: np.ndarray, correct: np.ndarray,
                w: np.ndarray | None = None) -> Callable[[np.ndarray], np.ndarray]:
    """A monotone map max-probability -> P(correct): isotonic regression or Platt scaling on logit(p_max)."""
    if method == "isotonic":
        from sklearn.isotonic import IsotonicRegression

        iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
        return iso.fit(p_max, correct.astype(float), sample_weight=w).predict
    from sklearn.linear_model import LogisticRegression

    logit = lambda p: np.log(np.clip(p, 1e-4, 1 - 1e-4) / (1 - np.clip(p, 1e-4, 1 - 1e-4)))[:, None]  # noqa: E731
    lr = LogisticRegression(C=1e4, max_iter=1000).fit(logit(p_max), correct.astype(int), sample_weight=w)
    return lambda p: lr.predict_proba(logit(np.asarray(p, dtype=float)))[:, 1]


def fit_confidence_map(p_max: np.ndarray, correct: np.ndarray, points: int = 20, folds: int = 5,
                       log: Callable = print,
                       sample_weight: np.ndarray | None = None) -> tuple[list[float], list[float]]:
    """The map max-probability -> P(correct), stored as (x, y) breakpoints for np.interp. Isotonic regression or
    Platt scaling, whichever has the lower cross-validated ECE (both weighted by `sample_weight` when given); the
    breakpoints sit at inner quantiles of p_max, so that a handful of extreme cases cannot pin the ends to 0 or 1."""
    idx = np.arange(len(p_max)) % folds
    w = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
    best = None
    for method in ("isotonic", "platt"):
        conf = np.zeros(len(p_max))
        for f in range(folds):
            train = idx != f
            fn = _calibrator(method, p_max[train], correct[train], None if w is None else w[train])
            conf[~train] = fn(p_max[~train])
        err = ece(conf, correct, weights=w)
        log(f"confidence map {method}: cross-validated ECE {err:.4f}")
        if best is None or err < best[0]:
            best = (err, method)
    fn = _calibrator(best[1], p_max, correct, w)
    xs = np.unique(np.quantile(p_max, np.linspace(0.025, 0.975, points)))
    return [float(x) for x in xs], [float(v) for v in fn(xs)]
