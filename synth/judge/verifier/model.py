"""The shipped offline verifier: frozen-encoder pair features -> stance heads -> claim-level aggregator.

Per evidence text two stance heads give P(support / refute / nei): an MLP on pooled pair features and a
token-interaction model on the token states (interact.py); their geometric mixture is the stance. The aggregator turns the stances of the top-k
evidence into claim-level class probabilities (a multinomial logistic regression over a few order statistics),
and a calibration map turns the winning probability into `confidence` = probability the verdict is right.
The weights are two .npz files and one .json in synth/artifacts/verifier/.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from ...config import BASE_ENCODER
from .base import LABELS, Judgement, Stance
from .calibrate import softmax
from .pairs import EncodedText, align_column, combine, encode_pairs

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

    def save_npz(self, path: Path) -> None:
        """Weights (float32) and temperature in one .npz."""
        np.savez(path, temperature=self.temperature,
                 **{k: getattr(self, k).astype(np.float32) for k in ("mean", "std", "w1", "b1", "w2", "b2")})

    @classmethod
    def load_npz(cls, path: Path, temperature: float | None = None) -> "StanceHead":
        """What `save_npz` wrote; `temperature` overrides the stored one (artefacts keep it in verifier.json)."""
        z = np.load(path)
        t = temperature if temperature is not None else float(z["temperature"]) if "temperature" in z.files else 1.0
        return cls(*(z[k].astype(np.float64) for k in ("mean", "std", "w1", "b1", "w2", "b2")), temperature=t)


class Ensemble:
    """Several heads of one kind (the fold heads of a fit) as one: the geometric mean of their probabilities.
    `proba` takes whatever its members take."""

    def __init__(self, members: Sequence) -> None:
        self.members = list(members)

    def proba(self, *args) -> np.ndarray:
        logp = np.mean([np.log(m.proba(*args) + 1e-9) for m in self.members], axis=0)
        return softmax(logp)


def mix_stances(p_mlp: np.ndarray, p_int: np.ndarray | None, weight: float) -> np.ndarray:
    """Geometric mixture of the two heads' (n, 3) probabilities: `weight` on the interaction head."""
    if p_int is None or weight <= 0.0:
        return p_mlp
    return softmax((1.0 - weight) * np.log(p_mlp + 1e-9) + weight * np.log(p_int + 1e-9))


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

    def __init__(self, encoder, head: "StanceHead | Ensemble", aggregator: Aggregator, id: str, top_k: int = 5,
                 interact=None, mix: float = 0.0, abstention=None) -> None:
        self.encoder = encoder
        self.head = head
        self.aggregator = aggregator
        self.id = id
        self.top_k = top_k
        self.interact = interact  # an interact.InteractHead, or None for the MLP alone
        self.mix = mix
        self.abstention = abstention  # an abstain.Abstention, or None: the verdict is the aggregator's argmax

    def stance_proba(self, X: np.ndarray, enc_c: Sequence[EncodedText], enc_e: Sequence[EncodedText]) -> np.ndarray:
        """(n, 3) stance probabilities of pairs with features X and encodings enc_c / enc_e."""
        return stance_proba(self.head, self.interact, self.mix, X, enc_c, enc_e)

    def stances(self, claim: str, evidence: Sequence[str]) -> list[Stance]:
        """One Stance per evidence text, in order."""
        if not evidence:
            return []
        claims = [claim] * len(evidence)
        enc_c, enc_e = encode_pairs(self.encoder, claims, list(evidence))
        x = combine(claims, list(evidence), enc_c, enc_e)
        p = self.stance_proba(x, enc_c, enc_e)
        col = align_column(x.shape[1])
        return [Stance(float(a), float(b), float(c), float(x[i, col])) for i, (a, b, c) in enumerate(p)]

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
        judgement = Judgement(LABELS[k], conf, list(stances))
        return self.abstention.apply(judgement) if self.abstention is not None else judgement


def stance_proba(head: "StanceHead | Ensemble", interact, mix: float, X: np.ndarray, enc_c: Sequence[EncodedText],
                 enc_e: Sequence[EncodedText]) -> np.ndarray:
    """The stance of pairs: the MLP on X, mixed with the interaction head on the token states when there is one."""
    p = head.proba(X)
    if interact is None or mix <= 0.0 or len(X) == 0:
        return p
    return mix_stances(p, interact.proba(enc_c, enc_e, scalar_columns(X)), mix)


def scalar_columns(X: np.ndarray) -> np.ndarray:
    """The dense + lexical cue columns of pair features (everything after [u*v, |u-v|])."""
    from .features import SCALAR_NAMES
    from .pairs import DENSE_NAMES

    return X[:, X.shape[1] - len(DENSE_NAMES) - len(SCALAR_NAMES) :]


def _members(x) -> list:
    return list(x.members) if isinstance(x, Ensemble) else [x]


def _member_file(stem: str, i: int, n: int) -> str:
    return f"{stem}.npz" if n == 1 else f"{stem}-{i}.npz"


def save(folder: Path, head, aggregator: Aggregator, meta: dict, interact=None, mix: float = 0.0) -> None:
    """Write head.npz, interact.npz (if any) and verifier.json (aggregator, calibration, provenance) into `folder`.
    An `Ensemble` of heads is written as head-0.npz, head-1.npz, ... (and interact-0.npz, ...)."""
    folder.mkdir(parents=True, exist_ok=True)
    heads = _members(head)
    for i, h in enumerate(heads):
        h.save_npz(folder / _member_file("head", i, len(heads)))
    doc = dict(meta, members=len(heads))
    if interact is not None:
        from dataclasses import asdict

        its = _members(interact)
        for i, it in enumerate(its):
            np.savez(folder / _member_file("interact", i, len(its)), **it.state())
        doc.update(interact=dict(config=asdict(its[0].config), temperature=[it.temperature for it in its], mix=mix))
    doc.update(
        head_temperature=[h.temperature for h in heads],
        aggregator=dict(names=list(AGG_NAMES), coef=aggregator.coef.tolist(), intercept=aggregator.intercept.tolist(),
                        temperature=aggregator.temperature, calib_x=aggregator.calib_x, calib_y=aggregator.calib_y),
    )
    (folder / "verifier.json").write_text(json.dumps(doc, indent=1))


def load(folder: Path) -> tuple[StanceHead | Ensemble, Aggregator, dict]:
    """Read what `save` wrote (the interaction head, if any, with `load_interact`)."""
    meta = json.loads((folder / "verifier.json").read_text())
    n = int(meta.get("members", 1))
    temps = np.broadcast_to(np.asarray(meta.get("head_temperature", 1.0), dtype=float), (n,))
    heads = [StanceHead.load_npz(folder / _member_file("head", i, n), temperature=float(temps[i])) for i in range(n)]
    head = heads[0] if n == 1 else Ensemble(heads)
    a = meta["aggregator"]
    agg = Aggregator(np.array(a["coef"]), np.array(a["intercept"]), float(a["temperature"]), a.get("calib_x"), a.get("calib_y"))
    return head, agg, meta


def load_interact(folder: Path, meta: dict):
    """(InteractHead, mix weight) from `folder`, or (None, 0.0) when the artefact has no interaction head."""
    spec = meta.get("interact")
    if not spec:
        return None, 0.0
    from .interact import InteractConfig, InteractHead

    n = int(meta.get("members", 1))
    temps = np.broadcast_to(np.asarray(spec["temperature"], dtype=float), (n,))
    heads = []
    for i in range(n):
        z = np.load(folder / _member_file("interact", i, n))
        heads.append(InteractHead.from_state(InteractConfig(**spec["config"]), {k: z[k] for k in z.files}, float(temps[i])))
    return (heads[0] if n == 1 else Ensemble(heads)), float(spec["mix"])


def from_folder(folder: Path, encoder=None, settings=None, id: str | None = None,
                abstain: bool | None = None) -> FeatureVerifier:
    """The verifier stored in `folder` on top of `encoder` (default: the encoder it names, loaded with `settings`).
    Verdicts abstain with the thresholds of the folder's abstain.json unless `abstain` (default: the setting
    `verifier.abstain`, on) is False."""
    from .abstain import load_abstention

    head, agg, meta = load(folder)
    if abstain is None:
        abstain = settings.verifier.abstain if settings is not None else True
    interact, mix = load_interact(folder, meta)
    if encoder is None:
        from ...index.encoders import load_encoder  # type: ignore[attr-defined]

        encoder = load_encoder(meta.get("encoder", BASE_ENCODER), settings)
    abstention = load_abstention(folder) if abstain else None
    if id is None:  # the id stored with every verdict says whether, and at which thresholds, verdicts abstained
        id = meta.get("id", "synth-verifier")
        if abstention is not None and abstention.active:
            id += f"+abstain-S{abstention.supported:.2f}-R{abstention.refuted:.2f}"
    return FeatureVerifier(encoder, head, agg, id=id, top_k=int(meta.get("top_k", 5)), interact=interact, mix=mix,
                           abstention=abstention)
