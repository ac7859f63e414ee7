"""Claim extraction: whole sentences that state a finding, a method property, a dataset fact or a comparison."""

from __future__ import annotations

import re
from typing import Any, Sequence

import numpy as np

from ..ingest.sentences import cue_strength, passage_sentences, reject_reason, tokens
from .claim import Claim

NOT_CLAIMS = ("references", "acknowledgements", "caption")  # sections whose sentences are never a paper's claims

_REFS_HEADING = re.compile(
    r"^\s*(?:\d+\.?\s*)?(?:references|bibliography|literatur(?:verzeichnis)?|références|marejeleo)\s*(?:$|\n|\[|\d)", re.I
)
_YEAR = re.compile(r"\b(?:19|20)\d{2}[a-z]?\b")
_BIB = re.compile(r"\b(?:In Proc\w*|Proceedings|arXiv|pp\.|Vol\.|Conference|Journal|Transactions|Association for)\b|\b[A-Z]\.\s?[A-Z]?\.?\s?[A-Z][a-z]+,")


def is_reference_list(passage: dict[str, Any]) -> bool:
    """A bibliography passage: under a References heading, or dense with years and bibliographic markers."""
    text = passage.get("text") or ""
    if _REFS_HEADING.match(passage.get("section") or "") or _REFS_HEADING.match(text):
        return True
    return len(_YEAR.findall(text)) >= 3 and len(_BIB.findall(text)) >= 2


def candidates_from_passages(passages: Sequence[dict[str, Any]]) -> list[Claim]:
    """Candidate claims of one paper's passages (dicts with id, paper_id, page, text), in reading order.

    Extraction stops at the bibliography (a References heading or a passage that reads as a reference list).
    """
    out = []
    body = []
    for p in passages:
        if is_reference_list(p):
            break
        body.append(p)
    for sent, src in passage_sentences(body):
        if reject_reason(sent) is None:
            kind = src.get("section_kind")
            if kind in NOT_CLAIMS:
                continue
            out.append(Claim(sent, src.get("paper_id", ""), src.get("page"), src.get("id"), section_kind=kind,
                             cue=cue_strength(sent)))  # fmt: skip
    return out


def jaccard(a: set[str], b: set[str]) -> float:
    """Token Jaccard similarity."""
    return len(a & b) / len(a | b) if a and b else 0.0


def dedupe(cands: Sequence[Claim], vectors: np.ndarray | None = None, *, jaccard_min: float = 0.7, cosine_min: float = 0.92) -> list[Claim]:
    """Drop near-duplicates (token Jaccard or embedding cosine above the thresholds), keeping the earlier (better) one."""
    kept: list[int] = []
    toks = [tokens(c.text) for c in cands]
    for i in range(len(cands)):
        dup = False
        for j in kept:
            if jaccard(toks[i], toks[j]) >= jaccard_min:
                dup = True
            elif vectors is not None and float(vectors[i] @ vectors[j]) >= cosine_min:
                dup = True
            if dup:
                break
        if not dup:
            kept.append(i)
    return [cands[i] for i in kept]


def rank_and_select(
    cands: Sequence[Claim],
    question_vec: np.ndarray,
    cand_vecs: np.ndarray,
    max_claims: int,
    *,
    cue_weight: float = 0.15,
    jaccard_min: float = 0.7,
    cosine_min: float = 0.92,
) -> list[Claim]:
    """Rank candidates by cosine with the question (plus a small cue bonus), merge near-duplicates, keep the top."""
    if not cands:
        return []
    rel = cand_vecs @ question_vec
    for c, r in zip(cands, rel):
        c.relevance = float(r)
        c.score = float(r) + cue_weight * c.cue
    order = sorted(range(len(cands)), key=lambda i: -cands[i].score)
    ranked = [cands[i] for i in order]
    kept = dedupe(ranked, cand_vecs[order], jaccard_min=jaccard_min, cosine_min=cosine_min)
    return kept[:max_claims]
