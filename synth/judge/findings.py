"""Findings of a question run: claims grouped by aspect, the papers that state them, and the other papers that agree
or conflict, read from the verifier's stances on evidence that bears on the claim's own aspect."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from .select import reports_measurement

PAIR_Z = 2.5  # two claims speak to the same aspect when their cosine stands this far out among the run's claim pairs
MIN_PAIR_SPREAD = 0.05  # the least cosine spread of a run's claim pairs (a floor for runs of two or three claims)
EVIDENCE_Z = 1.5  # evidence bears on a claim's aspect at this z (lower: a translation or re-run scores below a paraphrase;
#                   chosen on the decisive refutations of the benchmark's otkd/coral runs and the demo run, see README)
_NUMBER = re.compile(r"\d+[.,]\d+|\d+\s*%")  # 13.7, 24,6, 63 %: specific numbers (not "3 sizes" or "2023")
_ENTITY = re.compile(r"\b(?:[A-Z][A-Za-z0-9-]*[A-Z0-9][A-Za-z0-9-]*|[A-Z][a-z]{2,})\b")  # OPTICAL, mBERT, XTREME-R, Swahili


def _centre_scale(scores: np.ndarray) -> tuple[float, float]:
    med = float(np.median(scores))
    return med, max(float(np.median(np.abs(scores - med))) * 1.4826, 1e-6)

def _terms(text: str) -> set[str]:
    """Entities and numbers of a claim: the aspects two claims must share to speak of the same thing."""
    return {m.group().casefold() for m in _ENTITY.finditer(text)} | {m.group().strip() for m in _NUMBER.finditer(text)}


class Aspects:
    """The test of whether two sentences speak to the same aspect: their cosine stands out among all pairs of the
    run's claims (robust z >= PAIR_Z, relative to the run, not a fixed cosine), or they share two entities or
    specific numbers."""

    def __init__(self, vectors: np.ndarray) -> None:
        v = _unit(vectors)
        upper = (v @ v.T)[np.triu_indices(len(v), k=1)] if len(v) > 1 else np.zeros(0)
        self.centre, self.scale = _centre_scale(upper) if upper.size else (0.0, 1.0)
        self.scale = max(self.scale, MIN_PAIR_SPREAD)  # two or three claims: a spread of ~0 would make any pair stand out

    def z(self, a: np.ndarray, b: np.ndarray) -> float:
        """The pair's cosine in robust z units of the run's claim pairs."""
        return (float(_unit(a[None])[0] @ _unit(b[None])[0]) - self.centre) / self.scale

    def same(self, a_text: str, a_vec: np.ndarray, b_text: str, b_vec: np.ndarray, min_z: float = PAIR_Z) -> bool:
        """Whether two sentences (text and vector each) speak to the same aspect."""
        return self.z(a_vec, b_vec) >= min_z or len(_terms(a_text) & _terms(b_text)) >= 2


def _unit(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float64)
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-9)


def group_findings(texts: Sequence[str], vectors: np.ndarray, links: Sequence[tuple[int, int]] = ()) -> list[list[int]]:
    """Claims grouped by aspect (single linkage over `Aspects.same`, and over `links`: pairs of claims the verifier
    read as stating the same thing or its opposite, in any languages). Groups come out ordered by first member."""
    n = len(texts)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    if n > 1:
        aspects = Aspects(vectors)
        for i in range(n):
            for j in range(i + 1, n):
                if aspects.same(texts[i], vectors[i], texts[j], vectors[j]):
                    parent[find(i)] = find(j)
    for i, j in links:
        parent[find(i)] = find(j)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    return sorted(groups.values(), key=lambda g: g[0])


LINK_Z = 1.0  # claims of two papers are compared with each other (by the verifier) from this aspect z up


@dataclass
class ClaimLinks:
    """What the verifier read between claims of different papers, in both directions: pairs stating the same thing
    (`agree`) and pairs stating opposites (`conflict`), as index pairs into the run's claims."""

    agree: list[tuple[int, int]] = field(default_factory=list)
    conflict: list[tuple[int, int]] = field(default_factory=list)


def link_claims(claims: Sequence[dict[str, Any]], vectors: np.ndarray,
                pair_stances: Callable[[str, list[str]], Sequence[Any]], min_z: float = LINK_Z) -> ClaimLinks:  # fmt: skip
    """Each claim read against the other papers' claims on a near aspect (pair z >= `min_z` or a shared number or
    entity), in both directions: a pair conflicts when either direction refutes decisively (and more than it
    supports), agrees when both directions support decisively. `pair_stances(claim, others)` gives one Stance per
    other text (the verifier's)."""
    links = ClaimLinks()
    if len(claims) < 2:
        return links
    aspects = Aspects(vectors)
    near: dict[int, list[int]] = {}
    for i, a in enumerate(claims):
        for j, b in enumerate(claims):
            if i != j and a.get("paper_id") != b.get("paper_id") and (
                aspects.z(vectors[i], vectors[j]) >= min_z or _terms(a["text"]) & _terms(b["text"])
            ):
                near.setdefault(i, []).append(j)
    stance: dict[tuple[int, int], Any] = {}
    for i, others in near.items():
        for j, st in zip(others, pair_stances(claims[i]["text"], [claims[j]["text"] for j in others])):
            stance[(i, j)] = st
    for (i, j), st in stance.items():
        if i > j or (j, i) not in stance:
            continue
        back = stance[(j, i)]
        if any(s.p_refute >= DECISIVE and s.p_refute > s.p_support for s in (st, back)):
            links.conflict.append((i, j))
        elif min(st.p_support, back.p_support) >= DECISIVE:
            links.agree.append((i, j))
    return links


def finding_label(texts: Sequence[str]) -> str:
    """A short label: the entities and numbers most of the finding's claims share (else its first claim's start)."""
    counts: dict[str, int] = {}
    shown: dict[str, str] = {}
    for t in texts:
        for m in _ENTITY.finditer(t):
            key = m.group().casefold()
            shown.setdefault(key, m.group())
            counts[key] = counts.get(key, 0) + 1
    common = [shown[k] for k, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if c >= max(2, len(texts) // 2)]
    if common:
        return ", ".join(common[:4])
    words = texts[0].split()
    return " ".join(words[:8]) + (" …" if len(words) > 8 else "")


@dataclass
class Finding:
    """Claims on one aspect, the papers that state them, the other papers that agree or conflict, and the evidence
    rows (ids) those stances rest on."""

    label: str
    claim_ids: list[int]
    paper_ids: list[str]
    agree: list[str] = field(default_factory=list)
    conflict: list[str] = field(default_factory=list)
    evidence_ids: list[int] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"label": self.label, "claim_ids": self.claim_ids, "paper_ids": self.paper_ids, "agree": self.agree,
                "conflict": self.conflict, "evidence_ids": self.evidence_ids}  # fmt: skip


DECISIVE = 0.5  # an evidence sentence speaks for or against a claim when the verifier gives that stance >= this


def _refutes(e: dict[str, Any]) -> bool:
    """Whether the verifier judged this evidence sentence to refute its claim (decisively, and more than support)."""
    pr, ps = e.get("p_refute") or 0.0, e.get("p_support") or 0.0
    return pr >= DECISIVE and pr > ps


def _supports(e: dict[str, Any]) -> bool:
    ps, pr = e.get("p_support") or 0.0, e.get("p_refute") or 0.0
    return ps >= DECISIVE and ps > pr


def stances_of_papers(claims: Sequence[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """Papers (other than the claims' own) whose evidence rows the verifier judged to support / refute the claims.
    A paper both supporting and refuting counts as conflicting only if its refutation is the stronger."""
    own = {c.get("paper_id") for c in claims}
    sup: dict[str, float] = {}
    ref: dict[str, float] = {}
    for c in claims:
        for e in c.get("evidence") or []:
            pid = e.get("paper_id")
            if not pid or pid in own:
                continue
            if _supports(e):
                sup[pid] = max(sup.get(pid, 0.0), e["p_support"])
            if _refutes(e):
                ref[pid] = max(ref.get(pid, 0.0), e["p_refute"])
    conflict = sorted(p for p in ref if ref[p] >= sup.get(p, 0.0))
    agree = sorted(p for p in sup if p not in conflict)
    return agree, conflict


def on_aspect(claims: Sequence[dict[str, Any]], vectors: np.ndarray, embed_texts: Callable[[list[str]], np.ndarray]) -> list[dict[str, Any]]:
    """The claims with only the decisive evidence rows (supporting or refuting) that bear on the claim's own aspect
    (`Aspects.same` at EVIDENCE_Z): a refutation from a sentence on another matter is the verifier's noise, not a
    conflict."""
    aspects = Aspects(vectors)
    rows = [(i, e) for i, c in enumerate(claims) for e in c.get("evidence") or [] if _supports(e) or _refutes(e)]
    ev_vecs = embed_texts([e["text"] for _, e in rows]) if rows else np.zeros((0, 1))
    kept: dict[int, list[dict[str, Any]]] = {}
    for (i, e), ev in zip(rows, ev_vecs):
        if aspects.same(claims[i]["text"], vectors[i], e["text"], ev, EVIDENCE_Z):
            kept.setdefault(i, []).append(e)
    return [{**c, "evidence": kept.get(i, [])} for i, c in enumerate(claims)]


def build_findings(
    claims: Sequence[dict[str, Any]],
    vectors: np.ndarray,
    embed_texts: Callable[[list[str]], np.ndarray],
    relevance: Sequence[float] | None = None,
    links: ClaimLinks | None = None,
) -> list[Finding]:
    """Findings of a run's claims (dicts with id, text, paper_id and their stored evidence rows; `vectors` theirs),
    most relevant first: a finding ranks by its best claim's `relevance` to the question (default: claim order),
    and lists its claims that report a measurement first (an answer sentence quotes results before set-up).
    Agreement and conflict rest only on evidence on the claim's aspect (`on_aspect`; `embed_texts` encodes it) and
    on `links`, the verifier's reading of the papers' claims against each other (`link_claims`), which also puts
    a claim and its restatement or opposite in another language into one finding."""
    links = links or ClaimLinks()
    judged = on_aspect(claims, np.asarray(vectors), embed_texts)
    groups = group_findings([c["text"] for c in claims], vectors, links.agree + links.conflict)
    if relevance is not None:  # the most relevant finding first; in each, measured results first, most relevant first
        groups.sort(key=lambda g: -max(relevance[i] for i in g))
        texts = [c["text"] for c in claims]
        groups = [sorted(g, key=lambda i: (not reports_measurement(texts[i]), -relevance[i])) for g in groups]
    out = []
    for g in groups:
        members = [judged[i] for i in g]
        papers = list(dict.fromkeys(c["paper_id"] for c in members if c.get("paper_id")))
        agree, conflict = stances_of_papers(members)
        # two stating papers whose claims refute each other conflict too
        for c in members:
            for e in c["evidence"]:
                if e.get("paper_id") in papers and e.get("paper_id") != c.get("paper_id") and _refutes(e):
                    conflict = sorted(set(conflict) | {e["paper_id"], c["paper_id"]})
        in_group = set(g)
        for i, j in links.conflict:  # the papers' own claims read against each other
            if i in in_group and j in in_group:
                conflict = sorted(set(conflict) | {claims[i]["paper_id"], claims[j]["paper_id"]})
        agree = [p for p in agree if p not in conflict]
        evidence_ids = [e["id"] for c in members for e in c["evidence"] if e.get("id") is not None]
        label = finding_label([c["text"] for c in members])
        out.append(Finding(label, [c["id"] for c in members], papers, agree, conflict, evidence_ids))
    return out
