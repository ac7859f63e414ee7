"""An audit run: given claims (a file, one per line, or a report's claims table) matched back to the corpus, each
judged against evidence from the whole corpus, in input order."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

from ..config import Settings
from ..errors import BadInputError
from ..index.encoders.base import Encoder
from ..index.retrieve import Hit, Retriever
from ..store import Store
from .claim import Claim, JudgedClaim
from .run import (
    JudgeMany,
    RunParams,
    already_stored,
    closing_run,
    corpus_retriever,
    evidence_for,
    judge_and_store,
    open_run,
    progress_bar,
    store_judgement,
)
from .verifier.base import Verifier


def verify_claims(
    store: Store,
    given: Sequence[Claim | str],
    encoder: Encoder,
    verifier: Verifier,
    params: RunParams | None = None,
    *,
    input_file: str | None = None,
    question: str = "",
    progress: bool = False,
    on_result: Callable[[JudgedClaim], None] | None = None,
    resume: int | None = None,
    judge_many: JudgeMany | None = None,
    settings: Settings | None = None,
) -> tuple[int, list[JudgedClaim]]:
    """An audit run over given claims (in input order); truncated claims are matched back to their corpus sentence.
    `resume` continues an interrupted run over the same input, judging only the claims it had not stored.
    `judge_many` judges the claims elsewhere (Ray workers, `synth.judge.workers.judge_claims`): evidence for every
    claim is retrieved here first, then the judgements are stored here in input order as they come back. `params`
    carry the input's kind and title (`input_kind`, `input_title`); `settings` as in `verify_question`."""
    params = params or RunParams()
    if params.input_kind is None:
        params.input_kind = "claims"
    items = [g if isinstance(g, Claim) else Claim(g) for g in given]
    items = [g for g in items if g.text.strip()]
    if not items:
        raise BadInputError("no claims to verify")
    retriever = corpus_retriever(store, encoder, progress, settings)
    run_id, done = open_run(store, resume, "claims", question, input_file, params.as_stored(encoder, verifier))
    with closing_run(store, run_id):
        results: list[JudgedClaim] = []
        matched = truncated = 0
        pending: list[tuple[int, Claim, list[Hit]]] = []  # with judge_many: (position, claim, evidence)
        for pos, g in enumerate(progress_bar(items, len(items), "verifying", progress), start=1):
            claim = resolve_claim(retriever, g)
            matched += claim.passage_id is not None
            truncated += claim.truncated
            if already_stored(done, run_id, pos, claim.text):
                continue
            if judge_many is not None:
                pending.append((pos, claim, evidence_for(retriever, claim, params)))
                continue
            _emit(judge_and_store(store, retriever, verifier, run_id, pos, claim, params), results, on_result)
        if pending:
            asks = [(claim.text, [h.text for h in hits], [h.score for h in hits]) for _, claim, hits in pending if hits]
            judged = iter(judge_many(asks))  # type: ignore[misc]
            for pos, claim, hits in progress_bar(pending, len(pending), "judging", progress):
                res = store_judgement(store, verifier, run_id, pos, claim, hits, next(judged) if hits else None)
                _emit(res, results, on_result)
        papers = store.evidence_papers(run_id)
        store.save_run_papers(run_id, [{"paper_id": p, "rank": i, "score": None, "used": 1} for i, p in enumerate(papers, start=1)])
        store.finish_run(run_id, {"matched_in_corpus": matched, "truncated": truncated, "papers_used": len(papers)})
    return run_id, results


def _emit(result: JudgedClaim, results: list[JudgedClaim], on_result: Callable[[JudgedClaim], None] | None) -> None:
    results.append(result)
    if on_result:
        on_result(result)


def resolve_claim(retriever: Retriever, given: Claim) -> Claim:
    """Find a given claim's sentence in the corpus (whole, or by prefix when truncated); mark it truncated if not found."""
    text = re.sub(r"\s+", " ", given.text).strip()
    unterminated = not re.search(r"[.!?。]['\"”’)\]]*$", text)
    found = retriever.find_sentence(text)
    if found is None and (given.truncated or unterminated):
        found = retriever.find_sentence(text, prefix=True)
    if found is not None:
        sent, src = found
        return Claim(sent, src.get("paper_id"), src.get("page"), src.get("id"), input_text=given.text)
    if given.truncated:
        # Verify what is there, without the word the cut went through.
        cut = re.sub(r"\s*\S*$", "", text) if not re.search(r"\W$", text) else text
        return Claim(cut or text, input_text=given.text, truncated=True)
    return Claim(text, input_text=given.text)


def read_claims_file(path: str) -> list[Claim]:
    """One claim per non-empty line of a text file, in any encoding `synth add` reads (UTF-8, UTF-16, cp1252).

    Control characters inside a claim are kept (reports escape them); a binary file is refused with one line."""
    from ..ingest.passages import DEFAULT_LIMITS, read_limited
    from ..ingest.text import decode_text, junk_share

    p = Path(path)
    if not p.exists():
        raise BadInputError(f"claims file not found: {path}")
    text = decode_text(read_limited(p, DEFAULT_LIMITS.max_file_bytes)).replace("\x00", "")
    if junk_share(text) > 0.05:
        raise BadInputError(f"{path}: not a text file of claims (one claim per line)")
    lines = re.split(r"\r\n|\r|\n", text)  # not str.splitlines: \x1c-\x1e or U+2028 inside a claim is not a break
    return [Claim(line.strip()) for line in lines if line.strip()]
