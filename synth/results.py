"""A judged claim as users see it: one JSON shape for `synth verify --json` and `synth report --format json`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def evidence_json(paper_id: str, page: int | None, text: str, lang: str | None, score: float | None) -> dict[str, Any]:
    """One evidence item: paper, page, the sentence, its language and retrieval score (4 decimals)."""
    return {"paper_id": paper_id, "page": page, "text": text, "lang": lang, "score": None if score is None else round(score, 4)}


@dataclass
class ClaimResult:
    """One judged claim, as printed by `synth verify --json` and listed in the JSON report."""

    claim: str
    verdict: str
    confidence: float
    evidence: list[dict[str, Any]] = field(default_factory=list)
    truncated: bool = False
    reason: str | None = None  # why NOT_ENOUGH_INFO: no_evidence / unsettled (synth.verifier.abstain); None otherwise

    def as_json(self) -> dict[str, Any]:
        return {
            "claim": self.claim,
            "verdict": self.verdict,
            "confidence": round(self.confidence, 4),
            "reason": self.reason,
            "truncated": self.truncated,
            "evidence": self.evidence,
        }
