"""Verdicts that abstain: SUPPORTED or REFUTED only when the calibrated probability that the verdict is right
reaches a threshold chosen on the training folds, NOT_ENOUGH_INFO otherwise, and why a verdict is NOT_ENOUGH_INFO.

The thresholds live in `abstain.json` beside the verifier weights (written by scripts/abstain_threshold.py from the
out-of-fold verdicts of the training claim sets). Reasons are stored with each verdict as short codes:
`no_evidence` (nothing retrieved, or every evidence text's stance is dominated by NOT_ENOUGH_INFO) and
`unsettled` (some evidence leans one way, but not far enough to decide); SUPPORTED and REFUTED have none.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Sequence

from .base import Judgement, Stance

NO_EVIDENCE = "no_evidence"
UNSETTLED = "unsettled"
REASON_TEXT = {
    NO_EVIDENCE: "no evidence addresses the claim",
    UNSETTLED: "evidence addresses it but does not settle it",
}
ABSTAIN_FILE = "abstain.json"


def addresses(stance: Stance) -> bool:
    """Whether one evidence text bears on the claim either way: support or refutation outweighs NOT_ENOUGH_INFO."""
    return max(stance.p_support, stance.p_refute) > stance.p_nei


def nei_reason(stances: Sequence[Any]) -> str:
    """Why a NOT_ENOUGH_INFO verdict: `unsettled` when some evidence addresses the claim, else `no_evidence`."""
    return UNSETTLED if any(s is not None and addresses(s) for s in stances) else NO_EVIDENCE


def verdict_reason(label: str, judgement: Any) -> str | None:
    """The reason stored with a verdict: None for SUPPORTED / REFUTED; for NOT_ENOUGH_INFO the verifier's own reason
    when it gives one, else `nei_reason` of its stances (`no_evidence` when there is no judgement: nothing retrieved)."""
    if label != "NOT_ENOUGH_INFO":
        return None
    if judgement is None:
        return NO_EVIDENCE
    return getattr(judgement, "reason", None) or nei_reason(list(getattr(judgement, "stances", []) or []))


@dataclass(frozen=True)
class Abstention:
    """Per-label thresholds on the calibrated confidence, and the confidence an abstained verdict gets (the share of
    the training folds' abstained verdicts of that label whose gold label was NOT_ENOUGH_INFO)."""

    supported: float
    refuted: float
    nei_confidence_supported: float = 0.5
    nei_confidence_refuted: float = 0.5

    @property
    def active(self) -> bool:
        """Whether any verdict can abstain (a threshold of 0 keeps every verdict of its label)."""
        return self.supported > 0.0 or self.refuted > 0.0

    def threshold(self, label: str) -> float | None:
        return {"SUPPORTED": self.supported, "REFUTED": self.refuted}.get(label)

    def apply(self, judgement: Judgement) -> Judgement:
        """The judgement with abstention: a SUPPORTED / REFUTED verdict below its label's threshold becomes
        NOT_ENOUGH_INFO (reason `unsettled`, or `no_evidence` when no stance addresses the claim); a
        NOT_ENOUGH_INFO verdict gets its reason. `raw_label` / `raw_confidence` keep the verdict before."""
        out = replace(judgement, raw_label=judgement.label, raw_confidence=judgement.confidence)
        t = self.threshold(judgement.label)
        if t is not None and judgement.confidence >= t:
            return replace(out, reason=None)
        if t is None:  # NOT_ENOUGH_INFO already
            return replace(out, reason=nei_reason(judgement.stances))
        conf = self.nei_confidence_supported if judgement.label == "SUPPORTED" else self.nei_confidence_refuted
        return replace(out, label="NOT_ENOUGH_INFO", confidence=conf, reason=nei_reason(judgement.stances))

    def as_json(self) -> dict[str, float]:
        return {"supported": self.supported, "refuted": self.refuted,
                "nei_confidence_supported": self.nei_confidence_supported,
                "nei_confidence_refuted": self.nei_confidence_refuted}  # fmt: skip


def load_abstention(folder: Path) -> Abstention | None:
    """The thresholds stored beside a verifier artefact (`abstain.json`), or None when it has none."""
    path = Path(folder) / ABSTAIN_FILE
    if not path.is_file():
        return None
    doc = json.loads(path.read_text())
    t = doc["thresholds"]
    return Abstention(float(t["supported"]), float(t["refuted"]), float(t.get("nei_confidence_supported", 0.5)),
                      float(t.get("nei_confidence_refuted", 0.5)))  # fmt: skip
