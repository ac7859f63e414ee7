"""The claim as it travels through a run: extracted (or given), scored, judged, stored, and shown to users.

`Claim` is the one claim record from extraction to the store; `JudgedClaim` is a claim with its verdict and evidence,
in the one JSON shape of `synth verify --json` and `synth report --format json`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Claim:
    """A whole sentence stated as a claim, with where it comes from and how well it answers the question."""

    text: str
    paper_id: str | None = None  # the paper that states it (None: a given claim not found in the corpus)
    page: int | None = None
    passage_id: int | None = None
    input_text: str | None = None  # an audit run's claim as given, before it was matched back to the corpus
    truncated: bool = False  # an audit run's claim cut short in its input and not found whole in the corpus
    section_kind: str | None = None  # the normalised section it stands in (synth.ingest.sections)
    cue: float = 0.0  # 0..1: how strongly the sentence reads as a claim (ingest.sentences.cue_strength)
    relevance: float = 0.0  # its relevance to the question (cosine while ranking, then the run's z scale)
    score: float = 0.0  # the order claims are taken in (judge.select.claim_score)
    answer_score: float | None = None  # how well it answers the question (judge.answering: the reranker's logit plus
    #                                     BLEND x its relevance z; None: not reranked)

    def as_row(self) -> dict[str, Any]:
        """The fields the store keeps with the claim."""
        row = {"text": self.text, "input_text": self.input_text, "truncated": self.truncated,
               "paper_id": self.paper_id, "page": self.page, "passage_id": self.passage_id}  # fmt: skip
        if self.answer_score is not None:
            row["answer_score"] = round(self.answer_score, 4)
        return row


def evidence_json(paper_id: str, page: int | None, text: str, lang: str | None, score: float | None) -> dict[str, Any]:
    """One evidence item: paper, page, the sentence, its language and retrieval score (4 decimals)."""
    return {"paper_id": paper_id, "page": page, "text": text, "lang": lang, "score": None if score is None else round(score, 4)}


@dataclass
class JudgedClaim:
    """A claim with its verdict, calibrated confidence and evidence items (`evidence_json`)."""

    claim: Claim
    verdict: str
    confidence: float
    evidence: list[dict[str, Any]] = field(default_factory=list)
    reason: str | None = None  # why NOT_ENOUGH_INFO: no_evidence / unsettled (judge.verifier.abstain); None otherwise

    def as_json(self) -> dict[str, Any]:
        return {
            "claim": self.claim.text,
            "verdict": self.verdict,
            "confidence": round(self.confidence, 4),
            "reason": self.reason,
            "truncated": self.claim.truncated,
            "evidence": self.evidence,
        }
