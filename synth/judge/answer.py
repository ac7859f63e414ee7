"""The extractive answer of a question run, built from its stored findings and claims (quoted whole, numbers as
stated): first the sentences that answer the question best (where the reranker scored them), then who reports what,
and whether other papers corroborate or contradict it; findings stated by one paper each, with nobody agreeing or
disagreeing, are listed together in one sentence."""

from __future__ import annotations

from typing import Any, Sequence

from ..ingest.sentences import normalize

MAX_SENTENCES = 8  # the answer's length, in sentences (the 3-8)
QUOTES_PER_SENTENCE = 3  # claims quoted in one answer sentence
BEST_ANSWERS = 2  # the answer opens with at most this many best-answering sentences ...
BEST_MARGIN = 1.0  # ... those within this many reranker logits of the best one


def _quote(claim: dict[str, Any], cite: Any) -> str:
    lang = claim.get("lang")
    return f"[{cite(claim['paper_id'])}] reports “{claim['text']}”" + (f" ({lang})" if lang and lang != "en" else "")


def _where(claim: dict[str, Any], cite: Any) -> str:
    """[n], p. 4, French: where a quoted sentence stands."""
    parts = [f"[{cite(claim['paper_id'])}]"]
    if claim.get("page"):
        parts.append(f"p. {claim['page']}")
    lang = claim.get("lang")
    if lang and lang != "en":
        parts.append(lang)
    return ", ".join(parts)


def best_answers(claims: Sequence[dict[str, Any]], most: int = BEST_ANSWERS,
                 margin: float = BEST_MARGIN) -> list[dict[str, Any]]:  # fmt: skip
    """The claims that answer the question best: the reranker's top claim and those within `margin` of it (at most
    `most`, one per paper); none when no reranker scored the claims."""
    scored = sorted((c for c in claims if c.get("answer_score") is not None), key=lambda c: -c["answer_score"])
    out: list[dict[str, Any]] = []
    for c in scored:
        if len(out) >= most or c["answer_score"] < scored[0]["answer_score"] - margin:
            break
        if all(o["paper_id"] != c["paper_id"] for o in out):
            out.append(c)
    return out


def _opening(best: Sequence[dict[str, Any]], cite: Any) -> dict[str, Any]:
    """The answer's first sentence: the best-answering claims quoted whole with paper, page and language."""
    quotes = "; ".join(f"“{c['text']}” ({_where(c, cite)})" for c in best)
    return {"text": f"The best answer in the corpus: {quotes}.", "claim_ids": [c["id"] for c in best],
            "paper_ids": list(dict.fromkeys(c["paper_id"] for c in best)), "kind": "answer"}  # fmt: skip


def _refutations(members: Sequence[dict[str, Any]], papers: Sequence[str], cite: Any,
                 allowed: set[int] | None, already: set[str]) -> tuple[str, list[str]]:  # fmt: skip
    """"in contrast, [n] reports “…”" for each conflicting paper: its most decisive refuting evidence sentence among
    the finding's own (`allowed` ids; None: any) and not `already` quoted, quoted whole as stored (so both sides'
    numbers are in the answer). Returns the phrase and the sentences it quotes."""
    parts, said = [], []
    for pid in papers[:2]:
        best = None
        for c in members:
            for e in c.get("evidence") or []:
                if (allowed is not None and e.get("id") not in allowed) or normalize(e["text"]) in already:
                    continue
                if e.get("paper_id") == pid and (best is None or (e.get("p_refute") or 0) > (best.get("p_refute") or 0)):
                    best = e
        if best is not None:
            lang = best.get("lang")
            parts.append(f"[{cite(pid)}] reports “{best['text']}”" + (f" ({lang})" if lang and lang != "en" else ""))
            said.append(best["text"])
    return ("in contrast, " + "; ".join(parts)) if parts else "", said


def _quoted_claims(members: Sequence[dict[str, Any]], most: int = QUOTES_PER_SENTENCE) -> list[dict[str, Any]]:
    """The claims one answer sentence quotes, in the finding's order (most relevant first): each stating paper's
    first claim, then further claims while there is room."""
    firsts: dict[Any, dict[str, Any]] = {}
    for c in members:
        firsts.setdefault(c.get("paper_id"), c)
    rest = [c for c in members if firsts[c.get("paper_id")] is not c]
    return (list(firsts.values()) + rest)[:most]


def build_answer(findings: Sequence[dict[str, Any]], claims: Sequence[dict[str, Any]], cite: Any,
                 addressed: bool, not_addressed: str) -> dict[str, Any]:  # fmt: skip
    """An extractive answer of at most MAX_SENTENCES sentences built only from stored claims (quoted whole, numbers
    as stated): the best-answering claims first (`best_answers`), then one sentence per finding that others agree or
    disagree with, then the findings stated by one paper only, together. Findings come in their stored order (most
    relevant to the question first); a claim already quoted is not quoted again. `cite(paper_id)` gives a
    reference number."""
    if not addressed or not findings:
        return {"addressed": False, "text": not_addressed, "sentences": []}
    by_id = {c["id"]: c for c in claims}
    best = best_answers(claims)
    sentences: list[dict[str, Any]] = [_opening(best, cite)] if best else []
    said = {normalize(c["text"]) for c in best}  # sentences the answer has quoted already
    alone: list[dict[str, Any]] = []  # the claims of findings one paper states, nobody agreeing or disagreeing
    n_alone = 0
    for f in sorted(findings, key=lambda f: f["n"]):
        if len(sentences) + n_alone >= MAX_SENTENCES:  # at most MAX_SENTENCES findings quoted, as before
            break
        members = [by_id[i] for i in f["claim_ids"] if i in by_id and normalize(by_id[i]["text"]) not in said]
        if not members:
            continue
        sentence = _finding_sentence(f, members, cite, said)
        if sentence is None:
            quoted = _quoted_claims(members)
            alone.extend(quoted)
            said.update(normalize(c["text"]) for c in quoted)
            n_alone += 1
        else:
            sentences.append(sentence)
    if alone:
        sentences.append(_alone_sentence(alone, cite))
    return {"addressed": True, "text": " ".join(s["text"] for s in sentences), "sentences": sentences}


def _alone_sentence(claims: Sequence[dict[str, Any]], cite: Any) -> dict[str, Any]:
    """Findings that one paper states and nobody agrees or disagrees with, listed together in one sentence."""
    head = "Stated by one paper only" if len(claims) == 1 else "Stated by one paper each"
    body = "; ".join(_quote(c, cite) for c in claims)
    return {"text": f"{head}, not corroborated elsewhere: {body}.", "claim_ids": [c["id"] for c in claims],
            "paper_ids": list(dict.fromkeys(c["paper_id"] for c in claims)), "kind": "alone"}  # fmt: skip


def _finding_sentence(f: dict[str, Any], members: list[dict[str, Any]], cite: Any,
                      said: set[str]) -> dict[str, Any] | None:  # fmt: skip
    """One finding's answer sentence (its claims, then who conflicts and who corroborates), or None when a single
    paper states it and nobody agrees or disagrees. Adds what it quotes to `said`."""
    quoted = _quoted_claims(members)
    stating = {c.get("paper_id") for c in quoted}
    conflict = list(f["conflict"])
    agree = [p for p in f["agree"] if p not in stating]
    if len(stating) == 1 and not agree and not conflict:
        return None
    body = "; ".join(_quote(c, cite) for c in quoted)
    refs = lambda ps: ", ".join(f"[{cite(p)}]" for p in ps)  # noqa: E731
    parts = []
    if len([p for p in conflict if p in stating]) >= 2:
        parts.append("these statements conflict")
    allowed = set(f["evidence_ids"]) if f.get("evidence_ids") is not None else None
    said.update(normalize(c["text"]) for c in quoted)
    against, quoted_against = _refutations(members, [p for p in conflict if p not in stating], cite, allowed, said)
    said.update(normalize(t) for t in quoted_against)
    if against:
        parts.append(against)
    if agree:
        parts.append(f"corroborated by {refs(agree)}")
    if not parts:
        parts.append("the papers state it independently")
    papers = list(dict.fromkeys([c["paper_id"] for c in quoted] + agree + conflict))
    return {"text": body + "; " + "; ".join(parts) + ".", "claim_ids": [c["id"] for c in quoted], "paper_ids": papers,
            "kind": "finding"}  # fmt: skip
