"""Verification runs: rank passages for a question, extract claims, retrieve evidence, judge, store everything."""

from __future__ import annotations

import re
from dataclasses import dataclass
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np

from . import __version__
from .claims import Candidate, candidates_from_passages, cue_strength, normalize, rank_and_select, split_sentences
from .errors import BadInputError, ModelError
from .results import ClaimResult, evidence_json
from .retrieve import RRF_K, Hit, Retriever, embed
from .store import Store
from .synthesis import (
    PROBES,
    RELEVANT_Z,
    build_findings,
    claim_score,
    corpus_scale,
    narrow_by_names,
    null_z,
    relevant_papers,
    spread_claims,
    word_set,
)
from .verifier.abstain import verdict_reason
from .verifier.base import LABELS


def default_dedup_cosine(encoder_id: str) -> float:
    """Cosine above which two claims count as the same claim (e5 puts distinct claims on one topic at 0.92-0.95)."""
    eid = encoder_id.lower()
    if "e5" in eid and "+" not in eid:
        return 0.97
    return 0.92


def repeated_sentences(rows: Sequence[dict[str, Any]], min_papers: int = 3) -> set[str]:
    """Normalised sentences that occur in at least `min_papers` papers: templates and boilerplate, not claims."""
    seen: dict[str, set[str]] = {}
    for r in rows:
        for sent in split_sentences(r["text"]):
            seen.setdefault(normalize(sent), set()).add(r["paper_id"])
    return {k for k, papers in seen.items() if len(papers) >= min_papers}


@dataclass
class RunOptions:
    """The knobs of a run (stored with it, and written into the report's methodology)."""

    max_papers: int = 10
    max_claims: int = 20
    k: int = 5
    min_relevance: float | None = None  # robust z a passage needs to bear on the question (synthesis.RELEVANT_Z)
    same_paper_weight: float = 0.5
    ranking_depth: int = 100
    dedup_jaccard: float = 0.7
    dedup_cosine: float | None = None
    evidence_passages: int = 30
    encoder_name: str | None = None  # as given to load_encoder (so `synth verify --resume` loads the same one)
    nli: str | None = None  # the NLI cross-encoder used instead of the shipped verifier, if any


# Judges many (claim, evidence texts, retrieval scores) at once, yielding Judgements in the same order.
JudgeMany = Callable[[Sequence[tuple[str, list[str], list[float]]]], Iterable[Any]]


@dataclass
class GivenClaim:
    """A claim given as input (from a file or a report's claims table)."""

    text: str
    verified: bool | None = None
    confidence: float | None = None
    truncated: bool = False


def _progress(iterable: Iterable, total: int, desc: str, show: bool) -> Iterable:
    if not show:
        return iterable
    from tqdm import tqdm

    return tqdm(iterable, total=total, desc=desc, unit="claim")


def _settings(encoder: Any, verifier: Any, opts: RunOptions, min_rel: float) -> dict[str, Any]:
    if opts.dedup_cosine is None:
        opts.dedup_cosine = default_dedup_cosine(getattr(encoder, "id", ""))
    return {
        "synth_version": __version__,
        "encoder": getattr(encoder, "id", str(encoder)),
        "verifier": getattr(verifier, "id", str(verifier)),
        "k": opts.k,
        "max_papers": opts.max_papers,
        "max_claims": opts.max_claims,
        "min_relevance": min_rel,
        "relevance": "robust z of the question-passage cosine against unrelated-field probes; a paper also needs "
        "half the best paper's z and, where the question names what only some papers mention, one of those names",
        "rrf_k": RRF_K,
        "same_paper_weight": opts.same_paper_weight,
        "ranking_depth": opts.ranking_depth,
        "dedup_jaccard": opts.dedup_jaccard,
        "dedup_cosine": opts.dedup_cosine,
        "evidence_passages": opts.evidence_passages,
        "encoder_name": opts.encoder_name,
        "nli": opts.nli,
    }


def _judge_and_store(
    store: Store,
    retriever: Retriever,
    verifier: Any,
    run_id: int,
    position: int,
    claim: dict[str, Any],
    opts: RunOptions,
) -> ClaimResult:
    """Retrieve evidence for one claim, judge it, store claim + evidence + verdict."""
    hits = _evidence(retriever, claim, opts)
    judgement = verifier.judge(claim["text"], [h.text for h in hits], [h.score for h in hits]) if hits else None
    return _store_judgement(store, verifier, run_id, position, claim, hits, judgement)


def _evidence(retriever: Retriever, claim: dict[str, Any], opts: RunOptions) -> list[Hit]:
    """The evidence hits for one claim (its own sentence and paper handled as the options say)."""
    return retriever.evidence(
        claim["text"],
        opts.k,
        exclude_passage=claim.get("passage_id"),
        own_paper=claim.get("paper_id"),
        same_paper_weight=opts.same_paper_weight,
        passages=opts.evidence_passages,
    )


def _store_judgement(
    store: Store,
    verifier: Any,
    run_id: int,
    position: int,
    claim: dict[str, Any],
    hits: list[Hit],
    judgement: Any,
) -> ClaimResult:
    """Store claim + evidence + verdict (`judgement` is None when there is no evidence) and return the result."""
    if judgement is not None:
        label, confidence, stances = judgement.label, float(judgement.confidence), list(judgement.stances)
    else:
        label, confidence, stances = "NOT_ENOUGH_INFO", 1.0, []
    if label not in LABELS:
        raise ModelError(f"verifier {getattr(verifier, 'id', verifier)} returned unknown label {label!r}")
    if label != "NOT_ENOUGH_INFO" and not hits:
        label = "NOT_ENOUGH_INFO"  # a verdict either way must carry evidence
    rows = []
    for rank, h in enumerate(hits):
        st = stances[rank] if rank < len(stances) else None
        rows.append(
            {
                "passage_id": h.passage_id,
                "paper_id": h.paper_id,
                "page": h.page,
                "lang": h.lang,
                "text": h.text,
                "retrieval_score": h.score,
                "align_score": getattr(st, "align", None),
                "p_support": getattr(st, "p_support", None),
                "p_refute": getattr(st, "p_refute", None),
                "p_nei": getattr(st, "p_nei", None),
                "score": getattr(st, "score", None),
            }
        )
    reason = verdict_reason(label, judgement if hits else None)
    verdict = {"label": label, "confidence": confidence, "verifier": getattr(verifier, "id", ""), "reason": reason}
    store.save_judged_claim(run_id, position, claim, rows, verdict)
    evidence = [evidence_json(h.paper_id, h.page, h.text, h.lang, h.score) for h in hits]
    return ClaimResult(claim["text"], label, confidence, evidence, bool(claim.get("truncated")), reason)


def _open_run(
    store: Store, resume: int | None, kind: str, question: str, input_file: str | None, settings: dict[str, Any]
) -> tuple[int, dict[int, str]]:
    """A new run, or the interrupted run `resume` taken over; returns (run id, position -> text of stored claims)."""
    if resume is None:
        return store.start_run(kind, question, input_file, settings), {}
    run = store.resume_run(resume)
    if run["kind"] != kind:
        raise BadInputError(f"run {resume} is a {run['kind']} run, not a {kind} run")
    return resume, store.stored_claims(resume)


def _already_stored(done: dict[int, str], run_id: int, position: int, text: str) -> bool:
    """Whether a resumed run stored this claim before it stopped (the same text at the same position)."""
    if position not in done:
        return False
    if done[position] != text:
        raise BadInputError(
            f"run {run_id} cannot be resumed: its claim {position} is no longer the same (the corpus or the input "
            "changed since it ran); start a new run"
        )
    return True


@contextmanager
def _closing_run(store: Store, run_id: int) -> Iterator[None]:
    """Close the run as `interrupted` (Ctrl-C, SIGTERM) or `failed` (an error) when its body does not finish.

    A SIGKILL leaves it `running`; the store shows such a run as interrupted once its process is gone."""
    try:
        yield
    except KeyboardInterrupt:
        store.stop_run(run_id, "interrupted", "stopped by Ctrl-C")
        raise
    except SystemExit as exc:
        store.stop_run(run_id, "interrupted", f"stopped by a signal (exit {exc.code})")
        raise
    except BaseException as exc:
        store.stop_run(run_id, "failed", " ".join(f"{type(exc).__name__}: {exc}".split())[:500])
        raise


def _require_corpus(retriever: Retriever) -> None:
    if len(retriever) == 0:
        raise BadInputError("no passages in the database: add papers first (synth fetch / synth add)")


def verify_question(
    store: Store,
    question: str,
    encoder: Any,
    verifier: Any,
    opts: RunOptions | None = None,
    *,
    progress: bool = False,
    on_result: Callable[[ClaimResult], None] | None = None,
    resume: int | None = None,
    settings: Any = None,
) -> tuple[int, list[ClaimResult]]:
    """A question run: rank passages, pick the papers, extract and rank claims, verify each. Returns (run id, results
    judged in this call). `resume` continues an interrupted run: the claims it stored are kept, not judged again.
    `settings` (synth.config.Settings; default: the environment's) gives the retriever its ANN settings."""
    opts = opts or RunOptions()
    question = (question or "").strip()
    if not question:
        raise BadInputError("the question is empty")
    retriever = Retriever(store, encoder, progress=progress, settings=settings)
    _require_corpus(retriever)
    min_rel = opts.min_relevance if opts.min_relevance is not None else RELEVANT_Z
    run_id, done = _open_run(store, resume, "question", question, None, _settings(encoder, verifier, opts, min_rel))
    with _closing_run(store, run_id):
        qv = embed(store, encoder, [question], "query")[0]
        hits = retriever.search(question, opts.ranking_depth, query_vec=qv)
        if not store.has_ranking(run_id):
            store.save_ranking(
                run_id,
                [
                    {"passage_id": h.passage_id, "rank": i, "bm25": h.bm25, "dense": h.dense, "fused": h.fused}
                    for i, h in enumerate(hits, start=1)
                ],
            )
        # Papers bearing on the question, decided relative to the corpus: every passage's cosine with the question
        # as a robust z-score (synthesis.relevant_papers); claims come from every relevant paper, up to max_papers.
        refs, cos = retriever.scan_cosines(np.vstack([qv[None, :], embed(store, encoder, list(PROBES), "query")]))
        cosines = cos[:, 0]
        z = null_z(cosines, cos[:, 1:])
        ranked_papers = relevant_papers(refs, z, min_z=min_rel)
        deciding = narrow_by_names(ranked_papers, lambda p: word_set(r["text"] for r in retriever.passages_of(p)), question)
        chosen = [r.paper_id for r in ranked_papers if r.used][: opts.max_papers]
        store.save_run_papers(
            run_id,
            [{"paper_id": r.paper_id, "rank": i, "score": round(r.z, 4), "used": int(r.paper_id in chosen)}
             for i, r in enumerate(ranked_papers, start=1)],
        )  # fmt: skip
        # boilerplate: sentences in 3+ papers of the corpus (of the chosen papers, when the corpus is too large to scan)
        repeated = repeated_sentences(retriever.rows if retriever.exact else [r for p in chosen for r in retriever.passages_of(p)])
        per_paper: dict[str, list[Candidate]] = {}
        n_cands = 0
        scale = corpus_scale(cosines, z)
        if chosen:
            for p in chosen:
                cands = [c for c in candidates_from_passages(retriever.passages_of(p)) if normalize(c.text) not in repeated]
                if not cands:
                    continue
                n_cands += len(cands)
                vecs = embed(store, encoder, [c.text for c in cands], "passage")
                kept = rank_and_select(
                    cands, qv, vecs, len(cands), jaccard_min=opts.dedup_jaccard, cosine_min=float(opts.dedup_cosine or 0.92)
                )
                for c in kept:
                    c.relevance = scale(c.relevance)
                    c.score = claim_score(c.relevance, c.cue, c.text)
                per_paper[p] = sorted(kept, key=lambda c: -c.score)
        selected = spread_claims(per_paper, opts.max_claims)
        results = []
        for pos, c in enumerate(_progress(selected, len(selected), "verifying", progress), start=1):
            claim = {"text": c.text, "paper_id": c.paper_id, "page": c.page, "passage_id": c.passage_id}
            if _already_stored(done, run_id, pos, c.text):
                continue
            res = _judge_and_store(store, retriever, verifier, run_id, pos, claim, opts)
            results.append(res)
            if on_result:
                on_result(res)
        stored = store.run_claims(run_id)
        if stored:
            vecs = embed(store, encoder, [c["text"] for c in stored], "passage")
            relevance = [claim_score(scale(float(v @ qv)), cue_strength(c["text"]), c["text"]) for c, v in zip(stored, vecs)]
            findings = build_findings(stored, vecs, lambda texts: embed(store, encoder, texts, "passage"), relevance)
            store.save_findings(run_id, [f.as_json() for f in findings])
        store.finish_run(
            run_id,
            {
                "papers_relevant": sum(r.used for r in ranked_papers),
                "passages_ranked": len(hits),
                "relevant_passages": int((z >= min_rel).sum()),
                "papers_ranked": len(ranked_papers),
                "papers_used": len(chosen),
                "candidates": n_cands,
                "best_z": round(ranked_papers[0].z, 3) if ranked_papers else None,
                "deciding_names": deciding,
            },
        )
    return run_id, results


def verify_claims(
    store: Store,
    given: Sequence[GivenClaim | str],
    encoder: Any,
    verifier: Any,
    opts: RunOptions | None = None,
    *,
    input_file: str | None = None,
    input_kind: str = "claims",
    question: str = "",
    title: str = "",
    progress: bool = False,
    on_result: Callable[[ClaimResult], None] | None = None,
    resume: int | None = None,
    judge_many: JudgeMany | None = None,
    settings: Any = None,
) -> tuple[int, list[ClaimResult]]:
    """An audit run over given claims (in input order); truncated claims are matched back to their corpus sentence.
    `resume` continues an interrupted run over the same input, judging only the claims it had not stored.
    `judge_many` judges the claims elsewhere (Ray workers, `synth.distributed.judge_claims`): evidence for every claim
    is retrieved here first, then the judgements are stored here in input order as they come back. `settings` as in
    `verify_question`."""
    opts = opts or RunOptions()
    items = [g if isinstance(g, GivenClaim) else GivenClaim(g) for g in given]
    items = [g for g in items if g.text.strip()]
    if not items:
        raise BadInputError("no claims to verify")
    retriever = Retriever(store, encoder, progress=progress, settings=settings)
    _require_corpus(retriever)
    min_rel = opts.min_relevance if opts.min_relevance is not None else RELEVANT_Z
    settings = _settings(encoder, verifier, opts, min_rel)
    settings["input_kind"] = input_kind  # claims (one per line) or report (its claims table)
    if title:
        settings["input_title"] = title
    run_id, done = _open_run(store, resume, "claims", question, input_file, settings)
    with _closing_run(store, run_id):
        results = []
        matched = truncated = 0
        pending: list[tuple[int, dict[str, Any], list[Hit]]] = []  # with judge_many: (position, claim, evidence)
        for pos, g in enumerate(_progress(items, len(items), "verifying", progress), start=1):
            claim = resolve_claim(retriever, g)
            matched += claim.get("passage_id") is not None
            truncated += bool(claim.get("truncated"))
            if _already_stored(done, run_id, pos, claim["text"]):
                continue
            if judge_many is not None:
                pending.append((pos, claim, _evidence(retriever, claim, opts)))
                continue
            res = _judge_and_store(store, retriever, verifier, run_id, pos, claim, opts)
            results.append(res)
            if on_result:
                on_result(res)
        if pending:
            asks = [(claim["text"], [h.text for h in hits], [h.score for h in hits]) for _, claim, hits in pending if hits]
            judged = iter(judge_many(asks))  # type: ignore[misc]
            for pos, claim, hits in _progress(pending, len(pending), "judging", progress):
                res = _store_judgement(store, verifier, run_id, pos, claim, hits, next(judged) if hits else None)
                results.append(res)
                if on_result:
                    on_result(res)
        papers = store.evidence_papers(run_id)
        store.save_run_papers(run_id, [{"paper_id": p, "rank": i, "score": None, "used": 1} for i, p in enumerate(papers, start=1)])
        store.finish_run(run_id, {"matched_in_corpus": matched, "truncated": truncated, "papers_used": len(papers)})
    return run_id, results


def resolve_claim(retriever: Retriever, g: GivenClaim) -> dict[str, Any]:
    """Find a given claim's sentence in the corpus (whole, or by prefix when truncated); mark it truncated if not found."""
    text = re.sub(r"\s+", " ", g.text).strip()
    unterminated = not re.search(r"[.!?。]['\"”’)\]]*$", text)
    found = retriever.find_sentence(text)
    if found is None and (g.truncated or unterminated):
        found = retriever.find_sentence(text, prefix=True)
    if found is not None:
        sent, src = found
        return {
            "text": sent,
            "input_text": g.text,
            "truncated": False,
            "paper_id": src.get("paper_id"),
            "page": src.get("page"),
            "passage_id": src.get("id"),
        }
    if g.truncated:
        # Verify what is there, without the word the cut went through.
        cut = re.sub(r"\s*\S*$", "", text) if not re.search(r"\W$", text) else text
        return {"text": cut or text, "input_text": g.text, "truncated": True}
    return {"text": text, "input_text": g.text, "truncated": False}


def read_claims_file(path: str) -> list[GivenClaim]:
    """One claim per non-empty line of a text file, in any encoding `synth add` reads (UTF-8, UTF-16, cp1252).

    Control characters inside a claim are kept (reports escape them); a binary file is refused with one line."""
    from pathlib import Path

    from .sources.local import decode_text, junk_share
    from .sources.passages import DEFAULT_LIMITS, read_limited

    p = Path(path)
    if not p.exists():
        raise BadInputError(f"claims file not found: {path}")
    text = decode_text(read_limited(p, DEFAULT_LIMITS.max_file_bytes)).replace("\x00", "")
    if junk_share(text) > 0.05:
        raise BadInputError(f"{path}: not a text file of claims (one claim per line)")
    lines = re.split(r"\r\n|\r|\n", text)  # not str.splitlines: \x1c-\x1e or U+2028 inside a claim is not a break
    return [GivenClaim(line.strip()) for line in lines if line.strip()]
