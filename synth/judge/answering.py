"""Which papers answer the question, and which of their sentences: the reranker reads the candidate sentences of
the papers that bear on the question (judge.relevance) and decides, relative to the best answer in the corpus,
which papers answer it and in what order their claims are taken.

A paper is used when its best sentence scores within PAPER_MARGIN of the corpus's best (reranker logits: a margin
m means the best sentence is at most e^m times likelier to be the answer), not when it is merely on the topic; a
question answered by one paper uses one paper. What reads as a claim (the sentence filters of ingest) and what is
never one (references, acknowledgements, captions) is decided as for every run (judge.extract).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from ..ingest.sentences import normalize
from .claim import Claim
from .extract import candidates_from_passages
from .select import FIRST_SECTIONS

RERANK_SENTENCES = 160  # candidate sentences the reranker reads per question (the top passages by relevance z)
PASSAGES_PER_PAPER = 16  # ... at most this many passages of any one paper
PAPER_MARGIN = 2.5  # a paper answers when its best sentence is within this many logits of the corpus's best (the
#                    smallest margin keeping every answering COVID-QA dev document at BLEND: eval/choose_margins.py)
CLAIM_MARGIN = 4.0  # a used paper's sentences within this many logits of the corpus's best may be claims
PAPER_CLAIMS = 3  # ... and its best PAPER_CLAIMS sentences always (a paper that answers says more than one sentence)
SECTION_BONUS = 0.5  # logits added to abstract/results/discussion/conclusion sentences, taken from methods
LANG_ALLOWANCE = 2.0  # logits added to PAPER_MARGIN for a paper in another language than the question's (the
#                      reranker scores answers in other languages lower). On XQuAD-R dev paragraphs, the largest
#                      allowance keeping at most 0.15 of the on-topic papers that do not answer in other languages:
#                      answering papers in other languages kept 0.42 -> 0.72, those that do not 0.05 -> 0.11 (the
#                      reranker distilled across languages; eval/choose_margins.py --paragraphs 60 --versions 3
#                      --per-doc 12 --blend 0.3; the undistilled one needed 3.0 for 0.64 / 0.13)
BLEND = 0.3  # a sentence's answer score = the reranker's logit + BLEND x the encoder's relevance z of the sentence
#             (the encoder reads other languages better than the reranker; on dev documents, eval/choose_blend.py,
#             answer at rank 1 macro 0.726 -> 0.731 over 18 groups, question vs another language 0.567 -> 0.633)


class SentenceScorer(Protocol):
    """The seam of the reranker (judge.rerank.Reranker)."""

    id: str

    def scores(self, question: str, sentences: Sequence[str]) -> np.ndarray: ...


@dataclass
class AnswerScores:
    """The reranker's reading of the relevant papers: candidate claims with `answer_score`, best first; each
    paper's best score; how many sentences it read."""

    claims: list[Claim]
    by_paper: dict[str, float]
    read: int
    used: list[str] = field(default_factory=list)  # the papers that answer, best first
    lang_of: dict[str, str] = field(default_factory=dict)  # each paper's language (of most of its passages read)


def candidate_passages(passages_of: Any, passage_z: dict[int, float], papers: Sequence[str],
                       budget: int = RERANK_SENTENCES) -> list[dict[str, Any]]:  # fmt: skip
    """The passages whose sentences the reranker reads: of the given papers, the passages most relevant to the
    question (by z), at most PASSAGES_PER_PAPER per paper, until about `budget` sentences; in reading order per
    paper."""
    pool = []
    for paper in papers:
        rows = passages_of(paper)
        ranked = sorted(rows, key=lambda r: -passage_z.get(int(r["id"]), -np.inf))[:PASSAGES_PER_PAPER]
        pool.extend((passage_z.get(int(r["id"]), -np.inf), r.get("ord", 0), r) for r in ranked)
    pool.sort(key=lambda t: -t[0])
    chosen, sentences = [], 0
    for _, _, row in pool:
        if sentences >= budget:
            break
        chosen.append(row)
        sentences += max(1, (row.get("text") or "").count(". ") + 1)
    order = {id(r): i for i, r in enumerate(chosen)}
    return sorted(chosen, key=lambda r: (papers.index(r["paper_id"]), r.get("ord", 0), order[id(r)]))


def score_candidates(scorer: SentenceScorer, question: str, passages: Sequence[dict[str, Any]], skip: set[str],
                     relevance: Callable[[list[str]], np.ndarray] | None = None,
                     blend: float = BLEND) -> AnswerScores:  # fmt: skip
    """The answer score of every candidate claim of `passages` (sentences whose normalised form is in `skip`,
    boilerplate repeated across papers, left out): the reranker's logit, plus `blend` x the sentence's relevance z
    where `relevance` (sentences -> z with the question) is given."""
    by_paper_rows: dict[str, list[dict[str, Any]]] = {}
    for p in passages:
        by_paper_rows.setdefault(p["paper_id"], []).append(p)
    cands = [c for rows in by_paper_rows.values() for c in candidates_from_passages(rows) if normalize(c.text) not in skip]
    scores = scorer.scores(question, [c.text for c in cands]) if cands else np.zeros(0)
    if cands and relevance is not None and blend:
        z = np.asarray(relevance([c.text for c in cands]), dtype=np.float64)
        for c, zc in zip(cands, z):
            c.relevance = float(zc)
        scores = scores + blend * z
    best: dict[str, float] = {}
    for c, s in zip(cands, scores):
        c.answer_score = float(s)
        best[c.paper_id or ""] = max(best.get(c.paper_id or "", -np.inf), float(s))
    cands.sort(key=lambda c: -(c.answer_score or 0.0))
    langs = {paper: Counter(r.get("lang") for r in rows if r.get("lang")).most_common(1) for paper, rows in by_paper_rows.items()}
    return AnswerScores(cands, best, len(cands), lang_of={paper: m[0][0] for paper, m in langs.items() if m})


def answering_papers(scores: AnswerScores, topical: Sequence[str], max_papers: int, margin: float = PAPER_MARGIN,
                     question_lang: str | None = None, allowance: float = LANG_ALLOWANCE) -> list[str]:  # fmt: skip
    """The topical papers whose best sentence scores within `margin` of the best paper's (`margin + allowance` for a
    paper in another language than `question_lang`), best first."""
    scored = sorted((p for p in topical if p in scores.by_paper), key=lambda p: -scores.by_paper[p])
    if not scored:
        return []
    top = scores.by_paper[scored[0]]

    def room(paper: str) -> float:
        lang = scores.lang_of.get(paper)
        return margin + (allowance if question_lang and lang and lang != question_lang else 0.0)

    return [p for p in scored if scores.by_paper[p] >= top - room(p)][:max_papers]


def claim_order_score(claim: Claim) -> float:
    """The order a used paper's claims are taken in: the reranker's score, a paper's own findings (abstract,
    results, discussion, conclusion) a little before its methods."""
    bonus = SECTION_BONUS if claim.section_kind in FIRST_SECTIONS else (-SECTION_BONUS if claim.section_kind == "methods" else 0.0)
    return float(claim.answer_score or 0.0) + bonus


def answering_claims(scores: AnswerScores, used: Sequence[str], margin: float = CLAIM_MARGIN,
                     floor: int = PAPER_CLAIMS) -> dict[str, list[Claim]]:  # fmt: skip
    """Each used paper's candidate claims within `margin` of the corpus's best score (its best `floor` always),
    ordered by `claim_order_score`."""
    top = max((scores.by_paper[p] for p in used), default=0.0)
    out: dict[str, list[Claim]] = {}
    for paper in used:
        mine = [c for c in scores.claims if c.paper_id == paper]
        kept = [c for i, c in enumerate(mine) if i < floor or (c.answer_score or 0.0) >= top - margin]
        for c in kept:
            c.score = claim_order_score(c)
        out[paper] = sorted(kept, key=lambda c: -c.score)
    return out
