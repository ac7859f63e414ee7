"""The shipped offline verifier: frozen-encoder pair features -> small MLP stance head -> claim-level aggregator.

Per evidence text the stance head gives P(support / refute / nei). The aggregator turns the stances of the top-k
evidence into claim-level class probabilities (a multinomial logistic regression over a few order statistics),
and a calibration map turns the winning probability into `confidence` = probability the verdict is right.
Inference is numpy only; the weights are one .npz and one .json in synth/artifacts/verifier/.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from .base import LABELS, Judgement, Stance
from .pairs import pair_features

AGG_NAMES: tuple[str, ...] = (
    "max_support", "max_refute", "min_nei", "top_support", "top_refute", "top_nei", "mean_support",
    "mean_refute", "decisive_support", "decisive_refute", "max_align", "top_align", "n_evidence", "support_minus_refute",
)


@dataclass
class StanceHead:
    """Standardise, then Linear-ReLU-Linear (-> softmax over SUPPORTED / REFUTED / NOT_ENOUGH_INFO)."""

    mean: np.ndarray
    std: np.ndarray
    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray
    temperature: float = 1.0

    def logits(self, x: np.ndarray) -> np.ndarray:
        h = (x - self.mean) / self.std
        h = np.maximum(h @ self.w1.T + self.b1, 0.0)
        return h @ self.w2.T + self.b2

    def proba(self, x: np.ndarray) -> np.ndarray:
        """(n, 3) class probabilities for (n, d) pair features."""
        return softmax(self.logits(x) / self.temperature)


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def aggregate_features(probs: np.ndarray, align: np.ndarray) -> np.ndarray:
    """Claim-level inputs from the (k, 3) stance probabilities and (k,) alignments of evidence best first."""
    if len(probs) == 0:
        return np.array([0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0], dtype=np.float64)
    ps, pr, pn = probs[:, 0], probs[:, 1], probs[:, 2]
    d = int(np.argmax(np.maximum(ps, pr)))
    return np.array([
        ps.max(), pr.max(), pn.min(), ps[0], pr[0], pn[0], ps.mean(), pr.mean(), ps[d], pr[d],
        align.max(), align[0], np.log1p(len(probs)), ps.max() - pr.max(),
    ], dtype=np.float64)


@dataclass
class Aggregator:
    """Multinomial logistic regression over `AGG_NAMES`, then a temperature, then a calibration map on max-prob."""

    coef: np.ndarray  # (3, len(AGG_NAMES))
    intercept: np.ndarray  # (3,)
    temperature: float = 1.0
    calib_x: list[float] | None = None  # isotonic breakpoints: max-prob -> P(correct); None = identity
    calib_y: list[float] | None = None

    def proba(self, feats: np.ndarray) -> np.ndarray:
        return softmax((feats @ self.coef.T + self.intercept) / self.temperature)

    def confidence(self, p_max: np.ndarray | float) -> np.ndarray | float:
        if not self.calib_x:
            return p_max
        return np.interp(p_max, self.calib_x, self.calib_y)


class FeatureVerifier:
    """The offline verifier behind the `Verifier` protocol."""

    def __init__(self, encoder, head: StanceHead, aggregator: Aggregator, id: str, top_k: int = 5) -> None:
        self.encoder = encoder
        self.head = head
        self.aggregator = aggregator
        self.id = id
        self.top_k = top_k

    def stances(self, claim: str, evidence: Sequence[str]) -> list[Stance]:
        """One Stance per evidence text, in order."""
        if not evidence:
            return []
        x = pair_features(self.encoder, [claim] * len(evidence), list(evidence))
        p = self.head.proba(x)
        col = self._align_col(x.shape[1])
        return [Stance(float(a), float(b), float(c), float(x[i, col])) for i, (a, b, c) in enumerate(p)]

    def _align_col(self, width: int) -> int:
        from .pairs import align_column

        return align_column(width)

    def judge(self, claim: str, evidence: Sequence[str], retrieval_scores: Sequence[float] | None = None) -> Judgement:
        """Verdict over the first `top_k` evidence texts (best first); every text gets a stance."""
        stances = self.stances(claim, evidence)
        return self.judge_stances(stances, retrieval_scores)

    def judge_stances(self, stances: Sequence[Stance], retrieval_scores: Sequence[float] | None = None) -> Judgement:
        """Claim-level verdict from per-evidence stances (evidence best first)."""
        order = list(range(len(stances)))
        if retrieval_scores is not None and len(retrieval_scores) == len(stances):
            order.sort(key=lambda i: -float(retrieval_scores[i]))
        top = [stances[i] for i in order[: self.top_k]]
        probs = np.array([[s.p_support, s.p_refute, s.p_nei] for s in top]).reshape(-1, 3)
        align = np.array([s.align for s in top])
        p = self.aggregator.proba(aggregate_features(probs, align)[None])[0]
        k = int(np.argmax(p))
        conf = float(np.clip(self.aggregator.confidence(float(p[k])), 0.0, 1.0))
        return Judgement(LABELS[k], conf, list(stances))


def save(folder: Path, head: StanceHead, aggregator: Aggregator, meta: dict) -> None:
    """Write head.npz and verifier.json (aggregator, calibration, provenance) into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    np.savez(folder / "head.npz", mean=head.mean.astype(np.float32), std=head.std.astype(np.float32),
             w1=head.w1.astype(np.float32), b1=head.b1.astype(np.float32), w2=head.w2.astype(np.float32),
             b2=head.b2.astype(np.float32))
    doc = dict(meta)
    doc.update(
        head_temperature=head.temperature,
        aggregator=dict(names=list(AGG_NAMES), coef=aggregator.coef.tolist(), intercept=aggregator.intercept.tolist(),
                        temperature=aggregator.temperature, calib_x=aggregator.calib_x, calib_y=aggregator.calib_y),
    )
    (folder / "verifier.json").write_text(json.dumps(doc, indent=1))


def load(folder: Path) -> tuple[StanceHead, Aggregator, dict]:
    """Read what `save` wrote."""
    z = np.load(folder / "head.npz")
    meta = json.loads((folder / "verifier.json").read_text())
    head = StanceHead(*(z[k].astype(np.float64) for k in ("mean", "std", "w1", "b1", "w2", "b2")),
                      temperature=float(meta.get("head_temperature", 1.0)))
    a = meta["aggregator"]
    agg = Aggregator(np.array(a["coef"]), np.array(a["intercept"]), float(a["temperature"]), a.get("calib_x"), a.get("calib_y"))
    return head, agg, meta
