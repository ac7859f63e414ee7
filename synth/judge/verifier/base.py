"""The Verifier seam: judge a claim against candidate evidence texts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, Sequence

LABELS = ("SUPPORTED", "REFUTED", "NOT_ENOUGH_INFO")


@dataclass
class Stance:
    """How one evidence text bears on a claim: class probabilities and the OT coverage of the claim."""

    p_support: float
    p_refute: float
    p_nei: float
    align: float = 0.0

    @property
    def score(self) -> float:
        """Decisiveness of this evidence: the larger of support and refute."""
        return max(self.p_support, self.p_refute)


@dataclass
class Judgement:
    """A claim-level verdict with a calibrated confidence (probability the verdict is right)."""

    label: str
    confidence: float
    stances: list[Stance] = field(default_factory=list)
    reason: str | None = None  # why NOT_ENOUGH_INFO (abstain.py: no_evidence / unsettled); None for a decided verdict
    raw_label: str | None = None  # the verdict and confidence before abstention, when abstention was applied
    raw_confidence: float | None = None


class Verifier(Protocol):
    """Anything that can judge a claim; `id` names the model and version (stored with every verdict)."""

    id: str

    def judge(self, claim: str, evidence: Sequence[str], retrieval_scores: Sequence[float] | None = None) -> Judgement:
        """Verdict for `claim` given evidence texts (best first); stances are in the order of `evidence`."""
        ...
