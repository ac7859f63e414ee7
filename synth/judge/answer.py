"""The extractive answer of a question run, built from its stored findings and claims (quoted whole, numbers as
stated): who reports what, and whether other papers corroborate or contradict it."""

from __future__ import annotations

from typing import Any, Sequence

from ..ingest.sentences import normalize

MAX_SENTENCES = 8  # the answer's length, in sentences (the 3-8)
QUOTES_PER_SENTENCE = 3  # claims quoted in one answer sentence


def _quote(claim: dict[str, Any], cite: Any) -> str:
    lang = claim.get("lang")
    return f"[{cite(claim['paper_id'])}] reports “{claim['text']}”" + (f" ({lang})" if lang and lang != "en" else "")


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
    """An extractive answer of at most MAX_SENTENCES sentences, one per finding, built only from stored claims
    (quoted whole, numbers as stated): who reports what, and whether other papers corroborate or contradict it.
    Findings come in their stored order (most relevant to the question first); a claim the answer has already
    quoted (as another claim's refutation) is not quoted again. `cite(paper_id)` gives a reference number."""
    if not addressed or not findings:
        return {"addressed": False, "text": not_addressed, "sentences": []}
    by_id = {c["id"]: c for c in claims}
    ordered = sorted(findings, key=lambda f: f["n"])
    sentences: list[dict[str, Any]] = []
    said: set[str] = set()  # sentences the answer has quoted already (a claim quoted as another's refutation)
    for f in ordered:
        if len(sentences) >= MAX_SENTENCES:
            break
        members = [by_id[i] for i in f["claim_ids"] if i in by_id and normalize(by_id[i]["text"]) not in said]
        if not members:
            continue
        quoted = _quoted_claims(members)
        body = "; ".join(_quote(c, cite) for c in quoted)
        stating = {c.get("paper_id") for c in quoted}
        conflict = list(f["conflict"])
        agree = [p for p in f["agree"] if p not in stating]
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
            parts.append("the papers state it independently" if len(stating) > 1
                         else "stated by this paper only, not corroborated elsewhere")  # fmt: skip
        tail = "; " + "; ".join(parts)
        papers = list(dict.fromkeys([c["paper_id"] for c in quoted] + agree + conflict))
        sentences.append({"text": body + tail + ".", "claim_ids": [c["id"] for c in quoted], "paper_ids": papers})
    return {"addressed": True, "text": " ".join(s["text"] for s in sentences), "sentences": sentences}
