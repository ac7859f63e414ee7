"""A sentence-transformers CrossEncoder NLI model behind the Verifier protocol (for users with the model at hand).

The model reads (evidence, claim) pairs; its labels are mapped by name (entailment -> support, contradiction ->
refute, neutral -> nei). The verdict is the most decisive evidence's label when it is confident, else
NOT_ENOUGH_INFO; the confidence is that probability (uncalibrated: an NLI model's own softmax).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import numpy as np

from ...errors import ModelError
from .base import Judgement, Stance

if TYPE_CHECKING:
    from ...config import Settings


class CrossEncoderVerifier:
    """Verdicts from an NLI cross-encoder (e.g. cross-encoder/nli-deberta-v3-base)."""

    def __init__(self, model, name: str, threshold: float = 0.5) -> None:
        self.model = model
        self.id = f"nli:{name}"
        self.threshold = threshold
        id2label = getattr(getattr(model, "config", None), "id2label", None) or {0: "contradiction", 1: "entailment", 2: "neutral"}
        names = {int(i): str(v).lower() for i, v in id2label.items()}
        try:
            self.order = [next(i for i, v in names.items() if v.startswith(k)) for k in ("entail", "contra", "neutral")]
        except StopIteration as exc:
            raise ModelError(f"NLI model {name!r} has labels {sorted(names.values())}, not entailment/contradiction/neutral") from exc

    @classmethod
    def load(cls, name: str, settings: "Settings") -> "CrossEncoderVerifier":
        """Load `name` (a local path or a Hugging Face name) with sentence-transformers; ModelError on failure."""
        try:
            from sentence_transformers import CrossEncoder

            model = CrossEncoder(name, cache_folder=str(settings.home / "models"))
        except Exception as exc:  # noqa: BLE001 - the user needs one line, whatever went wrong
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise ModelError(f"cannot load NLI model {name!r}: {first}") from exc
        return cls(model, name)

    def stances(self, claim: str, evidence: Sequence[str]) -> list[Stance]:
        """One Stance per evidence text, in order."""
        if not evidence:
            return []
        logits = np.asarray(self.model.predict([(e, claim) for e in evidence], apply_softmax=False), dtype=np.float64)
        logits = logits.reshape(len(evidence), -1)
        p = np.exp(logits - logits.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        return [Stance(float(r[self.order[0]]), float(r[self.order[1]]), float(r[self.order[2]])) for r in p]

    def judge(self, claim: str, evidence: Sequence[str], retrieval_scores: Sequence[float] | None = None) -> Judgement:
        """Most decisive evidence wins if its probability passes the threshold; otherwise NOT_ENOUGH_INFO."""
        stances = self.stances(claim, evidence)
        if not stances:
            return Judgement("NOT_ENOUGH_INFO", 0.5, [])
        best = max(stances, key=lambda s: s.score)
        if best.score >= self.threshold:
            label = "SUPPORTED" if best.p_support >= best.p_refute else "REFUTED"
            return Judgement(label, best.score, stances)
        return Judgement("NOT_ENOUGH_INFO", float(np.mean([s.p_nei for s in stances])), stances)
