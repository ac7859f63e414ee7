"""A question run as named stages: rank → choose papers → select claims → judge → group findings.

Each stage is a function with typed inputs and outputs; `verify_question` runs them in order inside one stored run.
(The last stage of the pipeline, the answer, is built from the stored findings when the report is rendered:
judge/answer.py.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..config import Settings
from ..errors import BadInputError
from ..index.encoders.base import Encoder
from ..index.retrieve import Hit, Retriever, embed
from ..ingest.langid import detect
from ..ingest.sentences import cue_strength, normalize, split_sentences
from ..store import Store
from .answering import (
    AnswerScores,
    SentenceScorer,
    answering_claims,
    answering_papers,
    candidate_passages,
    score_candidates,
)
from .claim import Claim, JudgedClaim
from .extract import candidates_from_passages, dedupe, rank_and_select
from .findings import Finding, build_findings, link_claims
from .relevance import PROBES, PaperRelevance, corpus_scale, narrow_by_names, null_z, relevant_papers, word_set
from .run import RunParams, already_stored, closing_run, corpus_retriever, judge_and_store, open_run, progress_bar
from .select import by_section_then_score, claim_score, spread_claims
from .verifier.base import Verifier


def repeated_sentences(rows: Sequence[dict[str, Any]], min_papers: int = 3) -> set[str]:
    """Normalised sentences that occur in at least `min_papers` papers: templates and boilerplate, not claims."""
    seen: dict[str, set[str]] = {}
    for r in rows:
        for sent in split_sentences(r["text"]):
            seen.setdefault(normalize(sent), set()).add(r["paper_id"])
    return {k for k, papers in seen.items() if len(papers) >= min_papers}


@dataclass
class Ranking:
    """Stage 1: the question's vector and the corpus's passages ranked for it (hybrid search)."""

    vector: np.ndarray
    hits: list[Hit]


@dataclass
class PaperChoice:
    """Stage 2: every paper's relevance (best first), the papers chosen, and the run's z scale."""

    ranked: list[PaperRelevance]
    chosen: list[str]
    deciding_names: list[str]
    relevant_passages: int
    scale: Callable[[float], float]  # any cosine with the question -> the run's relevance z
    answers: AnswerScores | None = None  # the reranker's reading of the topical papers (None: no reranker)


@dataclass
class ClaimSelection:
    """Stage 3: the claims to judge, in order, and how many candidates they were chosen from."""

    claims: list[Claim]
    candidates: int


def rank(store: Store, retriever: Retriever, encoder: Encoder, question: str, params: RunParams) -> Ranking:
    """Rank the corpus's passages for the question (BM25 and dense cosine, fused)."""
    vector = embed(store, encoder, [question], "query")[0]
    return Ranking(vector, retriever.search(question, params.ranking_depth, query_vec=vector))


def choose_papers(store: Store, retriever: Retriever, encoder: Encoder, question: str, ranking: Ranking,
                  params: RunParams, reranker: SentenceScorer | None = None) -> PaperChoice:  # fmt: skip
    """Papers bearing on the question, decided relative to the corpus: every passage's cosine with the question as a
    robust z-score against unrelated probes (judge.relevance). Without a reranker, claims come from every relevant
    paper, up to `max_papers`; with one, it reads the relevant papers' best passages and only the papers whose best
    sentence answers the question about as well as the corpus's best are used (judge.answering)."""
    probes = embed(store, encoder, list(PROBES), "query")
    refs, cos = retriever.scan_cosines(np.vstack([ranking.vector[None, :], probes]))
    cosines = cos[:, 0]
    z = null_z(cosines, cos[:, 1:])
    ranked = relevant_papers(refs, z, min_z=params.min_z)
    deciding = narrow_by_names(ranked, lambda p: word_set(r["text"] for r in retriever.passages_of(p)), question)
    chosen = [r.paper_id for r in ranked if r.used][: params.max_papers]
    choice = PaperChoice(ranked, chosen, deciding, int((z >= params.min_z).sum()), corpus_scale(cosines, z))
    if reranker is not None and chosen:
        def sentence_z(texts: list[str]) -> np.ndarray:
            vecs = embed(store, encoder, texts, "passage")
            return null_z(vecs @ ranking.vector, vecs @ probes.T)

        choice.answers = read_answers(retriever, reranker, question, refs, z, chosen, sentence_z)
        used = answering_papers(choice.answers, chosen, params.max_papers, question_lang=detect(question))
        choice.chosen = choice.answers.used = used
    return choice


def read_answers(retriever: Retriever, reranker: SentenceScorer, question: str, refs: Any, z: np.ndarray,
                 topical: list[str], sentence_z: Callable[[list[str]], np.ndarray] | None = None) -> AnswerScores:  # fmt: skip
    """The answer scores of the candidate claims in the topical papers' most relevant passages (the reranker's, with
    each sentence's relevance z from `sentence_z` blended in: judge.answering.score_candidates)."""
    codes = [refs.papers.index(p) for p in topical if p in refs.papers]
    mask = np.isin(refs.paper_index, codes)
    passage_z = dict(zip(refs.ids[mask].tolist(), z[mask].tolist()))
    passages = candidate_passages(retriever.passages_of, passage_z, topical)
    repeated = repeated_sentences(retriever.repeat_scope(topical))
    return score_candidates(reranker, question, passages, repeated, sentence_z)


def select_claims(store: Store, retriever: Retriever, encoder: Encoder, ranking: Ranking, papers: PaperChoice,
                  params: RunParams) -> ClaimSelection:  # fmt: skip
    """Each chosen paper's candidate claims (boilerplate repeated across papers left out), ranked for the question
    (by the reranker where it read them) and de-duplicated, then spread over the papers up to `max_claims`."""
    if papers.answers is not None:
        return _reranked_claims(store, encoder, papers.answers, params)
    repeated = repeated_sentences(retriever.repeat_scope(papers.chosen))
    per_paper: dict[str, list[Claim]] = {}
    n_candidates = 0
    for paper in papers.chosen:
        cands = [c for c in candidates_from_passages(retriever.passages_of(paper)) if normalize(c.text) not in repeated]
        if not cands:
            continue
        n_candidates += len(cands)
        vecs = embed(store, encoder, [c.text for c in cands], "passage")
        kept = rank_and_select(cands, ranking.vector, vecs, len(cands), jaccard_min=params.dedup_jaccard,
                               cosine_min=float(params.dedup_cosine or 0.92))  # fmt: skip
        for c in kept:
            c.relevance = papers.scale(c.relevance)
            c.score = claim_score(c.relevance, c.cue, c.text)
        per_paper[paper] = by_section_then_score(kept)
    return ClaimSelection(spread_claims(per_paper, params.max_claims), n_candidates)


def _reranked_claims(store: Store, encoder: Encoder, answers: AnswerScores, params: RunParams) -> ClaimSelection:
    """The used papers' claims that answer the question, best first, near-duplicates merged, spread over papers."""
    per_paper = {}
    for paper, cands in answering_claims(answers, answers.used).items():
        vecs = embed(store, encoder, [c.text for c in cands], "passage")
        per_paper[paper] = dedupe(cands, vecs, jaccard_min=params.dedup_jaccard, cosine_min=float(params.dedup_cosine or 0.92))
    return ClaimSelection(spread_claims(per_paper, params.max_claims), answers.read)


def judge(store: Store, retriever: Retriever, verifier: Verifier, run_id: int, selection: ClaimSelection,
          params: RunParams, done: dict[int, str], *, progress: bool = False,
          on_result: Callable[[JudgedClaim], None] | None = None) -> list[JudgedClaim]:  # fmt: skip
    """Judge each selected claim against evidence from the whole corpus and store it (claims a resumed run stored
    before are kept, not judged again)."""
    results = []
    for pos, claim in enumerate(progress_bar(selection.claims, len(selection.claims), "verifying", progress), start=1):
        if already_stored(done, run_id, pos, claim.text):
            continue
        res = judge_and_store(store, retriever, verifier, run_id, pos, claim, params)
        results.append(res)
        if on_result:
            on_result(res)
    return results


def group_findings(store: Store, encoder: Encoder, run_id: int, ranking: Ranking, papers: PaperChoice,
                   verifier: Verifier | None = None) -> list[Finding]:  # fmt: skip
    """The run's stored claims grouped into findings, most relevant to the question first (by the reranker's score
    where it read them), with agreeing and conflicting papers; with `verifier`, the papers' claims are also read
    against each other in both directions (findings.link_claims)."""
    stored = store.run_claims(run_id)
    if not stored:
        return []
    vecs = embed(store, encoder, [c["text"] for c in stored], "passage")
    if all(c.get("answer_score") is not None for c in stored):
        relevance = [float(c["answer_score"]) for c in stored]
    else:
        relevance = [claim_score(papers.scale(float(v @ ranking.vector)), cue_strength(c["text"]), c["text"])
                     for c, v in zip(stored, vecs)]  # fmt: skip
    links = None
    if verifier is not None:
        links = link_claims(stored, vecs, lambda claim, others: verifier.judge(claim, others).stances)
    return build_findings(stored, vecs, lambda texts: embed(store, encoder, texts, "passage"), relevance, links)


def _ranking_rows(hits: Sequence[Hit]) -> list[dict[str, Any]]:
    return [{"passage_id": h.passage_id, "rank": i, "bm25": h.bm25, "dense": h.dense, "fused": h.fused}
            for i, h in enumerate(hits, start=1)]  # fmt: skip


def _paper_rows(papers: PaperChoice) -> list[dict[str, Any]]:
    """The ranked papers as stored: the papers used first (in the order they answer, where a reranker read them),
    then the others by relevance z."""
    ranked = papers.ranked
    if papers.answers is not None:
        pos = {p: i for i, p in enumerate(papers.chosen)}
        ranked = sorted(ranked, key=lambda r: pos.get(r.paper_id, len(pos)))  # stable: the rest keep their z order
    rows = []
    for i, r in enumerate(ranked, start=1):
        row = {"paper_id": r.paper_id, "rank": i, "score": round(r.z, 4), "used": int(r.paper_id in papers.chosen)}
        if papers.answers is not None:
            best = papers.answers.by_paper.get(r.paper_id)
            row["answer_score"] = None if best is None else round(best, 4)
        rows.append(row)
    return rows


def _counts(ranking: Ranking, papers: PaperChoice, selection: ClaimSelection) -> dict[str, Any]:
    return {
        "papers_relevant": sum(r.used for r in papers.ranked),
        "passages_ranked": len(ranking.hits),
        "relevant_passages": papers.relevant_passages,
        "papers_ranked": len(papers.ranked),
        "papers_used": len(papers.chosen),
        "candidates": selection.candidates,
        "best_z": round(papers.ranked[0].z, 3) if papers.ranked else None,
        "deciding_names": papers.deciding_names,
        **({"reranked": papers.answers.read} if papers.answers is not None else {}),
    }


def verify_question(
    store: Store,
    question: str,
    encoder: Encoder,
    verifier: Verifier,
    params: RunParams | None = None,
    *,
    progress: bool = False,
    on_result: Callable[[JudgedClaim], None] | None = None,
    resume: int | None = None,
    settings: Settings | None = None,
    reranker: SentenceScorer | None = None,
) -> tuple[int, list[JudgedClaim]]:
    """A question run: the stages in order, stored as one run. Returns (run id, claims judged in this call).
    `resume` continues an interrupted run: the claims it stored are kept, not judged again. `settings` (default:
    the environment's) gives the retriever its ANN settings. `reranker` (judge.rerank) decides which papers and
    sentences answer the question; without one, relevance alone does."""
    params = params or RunParams()
    question = (question or "").strip()
    if not question:
        raise BadInputError("the question is empty")
    retriever = corpus_retriever(store, encoder, progress, settings)
    run_id, done = open_run(store, resume, "question", question, None, params.as_stored(encoder, verifier, reranker))
    with closing_run(store, run_id):
        ranking = rank(store, retriever, encoder, question, params)
        if not store.has_ranking(run_id):
            store.save_ranking(run_id, _ranking_rows(ranking.hits))
        papers = choose_papers(store, retriever, encoder, question, ranking, params, reranker)
        store.save_run_papers(run_id, _paper_rows(papers))
        selection = select_claims(store, retriever, encoder, ranking, papers, params)
        results = judge(store, retriever, verifier, run_id, selection, params, done, progress=progress,
                        on_result=on_result)  # fmt: skip
        findings = group_findings(store, encoder, run_id, ranking, papers, verifier if reranker is not None else None)
        if findings:
            store.save_findings(run_id, [f.as_json() for f in findings])
        store.finish_run(run_id, _counts(ranking, papers, selection))
    return run_id, results
