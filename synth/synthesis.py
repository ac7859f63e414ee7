"""Synthesis of a question run: which papers bear on the question, which claims to take from each, how the claims
group into findings, which papers agree or conflict, and the extractive answer built from the stored claims.

Relevance is decided relative to the corpus, never by an absolute cosine: each passage's cosine with the question is
compared with the cosines the same passage has with PROBES, questions from many unrelated fields. Their median is
what "unrelated" scores on this passage with this encoder; the spread of probe cosines over the corpus is the unit.
So the encoder's cosine scale and a corpus's own topic cancel out, and a question from another field scores like a
probe: nothing stands out, and the run says the corpus does not address it.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from .claims import normalize

RELEVANT_Z = 3.0  # a passage bears on the question when its cosine is this many probe spreads above the probes'
NEAR_TOP = 0.5  # ... and a paper counts when its best passage also reaches this share of the best paper's z (chosen on otkd-clir: recall 1.0)
CLAIMS_PER_PAPER = 3  # claims taken from each relevant paper before any paper gets more
CUE_WEIGHT_Z = 1.0  # a claim's score: its robust z plus this times its cue strength (0..1: results, numbers)
MEASURE_Z = 2.0  # ... plus this when it reports a measurement (a number): a paper's results before its set-up
MAX_SENTENCES = 8  # the answer's length, in sentences (the 3-8)
QUOTES_PER_SENTENCE = 3  # claims quoted in one answer sentence
PAIR_Z = 2.5  # two claims speak to the same aspect when their cosine stands this far out among the run's claim pairs
MIN_PAIR_SPREAD = 0.05  # the least cosine spread of a run's claim pairs (a floor for runs of two or three claims)
EVIDENCE_Z = 1.5  # evidence bears on a claim's aspect at this z (lower: a translation or re-run scores below a paraphrase;
#                   chosen on the decisive refutations of the benchmark's otkd/coral runs and the demo run, see README)

NAME_SIMILARITY = 0.75  # a word spells a name of the question when their difflib ratio reaches this (Hausa ~ haoussa)
_NUMBER = re.compile(r"\d+[.,]\d+|\d+\s*%")  # 13.7, 24,6, 63 %: specific numbers (not "3 sizes" or "2023")
_ENTITY = re.compile(r"\b(?:[A-Z][A-Za-z0-9-]*[A-Z0-9][A-Za-z0-9-]*|[A-Z][a-z]{2,})\b")  # OPTICAL, mBERT, XTREME-R, Swahili
_NAME = re.compile(r"\b[a-z]*[A-Z][\w-]*")  # names in a question: Hausa, isiZulu, XLM-R, Swahili-English, DHW


def _centre_scale(scores: np.ndarray) -> tuple[float, float]:
    med = float(np.median(scores))
    return med, max(float(np.median(np.abs(scores - med))) * 1.4826, 1e-6)


def corpus_scale(cosines: np.ndarray, z: np.ndarray):
    """A function turning any cosine with the question into the z scale of `z` (a linear fit of z on cosine)."""
    cos = np.asarray(cosines, dtype=np.float64)
    if cos.size < 2 or float(np.ptp(cos)) < 1e-9:
        return lambda c: 0.0
    slope, intercept = np.polyfit(cos, np.asarray(z, dtype=np.float64), 1)
    return lambda c: float(slope * float(c) + intercept)


@dataclass
class PaperRelevance:
    """A paper's relevance to the question: the z-score of its best passage, and whether it counts."""

    paper_id: str
    z: float
    best_passage: int
    used: bool = False
    names: list[str] = field(default_factory=list)  # the question's names this paper mentions (narrow_by_names)


# Questions from fields far from any one corpus (a few per field, in English): the null that relevance is measured
# against. A corpus on one of these fields moves the median of the probes little.
PROBES = (
    "What causes the tides in the ocean?",
    "How long should bread dough rise before baking?",
    "Which team won the football world cup final?",
    "What are the symptoms of iron deficiency anaemia?",
    "How do volcanoes form at subduction zones?",
    "What is the best way to prune apple trees in winter?",
    "How does compound interest grow a savings account?",
    "Who painted the ceiling of the Sistine Chapel?",
    "What is the boiling point of water at high altitude?",
    "How do bees communicate the location of flowers?",
    "What were the main causes of the French Revolution?",
    "How do you change a flat tyre on a bicycle?",
    "What is the legal drinking age in different countries?",
    "How are diamonds formed deep in the Earth?",
    "Which vitamins are found in citrus fruit?",
    "How does a refrigerator keep food cold?",
    "What is the plot of Shakespeare's Hamlet?",
    "How many moons does Jupiter have?",
    "What training plan helps run a first marathon?",
    "How do glaciers carve valleys in mountains?",
    "What is the history of the Silk Road trade?",
    "How should a violin be tuned?",
    "What determines the price of crude oil?",
    "How do antibiotics kill bacteria?",
)


def null_z(cosines: np.ndarray, probe_cosines: np.ndarray, chunk: int = 50_000) -> np.ndarray:
    """Each passage's cosine with the question against its cosines with the probes: (cos - median over probes) /
    the corpus-wide spread of probe cosines (median of per-passage MADs, x 1.4826). Computed `chunk` passages at a
    time (float64 temporaries of a 10^6-passage corpus would take ~1 GB), with the same numbers."""
    cos = np.asarray(cosines, dtype=np.float64)
    probes = np.asarray(probe_cosines).reshape(len(cos), -1)
    if cos.size == 0:
        return cos
    centre = np.empty(len(cos))
    mad = np.empty(len(cos))
    for s in range(0, len(cos), chunk):
        block = probes[s : s + chunk].astype(np.float64)
        centre[s : s + chunk] = np.median(block, axis=1)
        mad[s : s + chunk] = np.median(np.abs(block - centre[s : s + chunk, None]), axis=1)
    spread = float(np.median(mad)) * 1.4826
    return (cos - centre) / max(spread, 1e-6)


@dataclass
class PassageRefs:
    """Which passage and paper each row of a corpus-wide scan is, as arrays: a million dicts would take ~300 MB."""

    ids: np.ndarray  # passage ids (int64), in the scan's order
    paper_index: np.ndarray  # int32 index into `papers`, per passage
    papers: list[str]  # paper ids, in order of first appearance
    _code: dict[str, int] = field(default_factory=dict, repr=False, compare=False)  # paper id -> its index

    def __post_init__(self) -> None:
        self._code = {p: i for i, p in enumerate(self.papers)}

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def from_rows(cls, rows: Iterable[dict[str, Any]]) -> PassageRefs:
        """From passage rows with "id" and "paper_id"."""
        refs = cls(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32), [])
        refs.extend(rows)
        return refs

    def extend(self, rows: Iterable[dict[str, Any]]) -> None:
        """Append passage rows (with "id" and "paper_id")."""
        rows = list(rows)
        codes = np.empty(len(rows), dtype=np.int32)
        for j, r in enumerate(rows):
            code = self._code.get(r["paper_id"])
            if code is None:
                code = self._code[r["paper_id"]] = len(self.papers)
                self.papers.append(r["paper_id"])
            codes[j] = code
        self.ids = np.concatenate([self.ids, np.fromiter((r["id"] for r in rows), dtype=np.int64, count=len(rows))])
        self.paper_index = np.concatenate([self.paper_index, codes])


def relevant_papers(refs: PassageRefs, z: np.ndarray, min_z: float = RELEVANT_Z) -> list[PaperRelevance]:
    """Every paper with its best passage's z (null_z), best first; `used` marks those that bear on the question:
    best z >= `min_z` and at least NEAR_TOP of the best paper's (a paper far below the top is only topical)."""
    z = np.asarray(z, dtype=np.float64)
    if not len(refs):
        return []
    order = np.lexsort((-z, refs.paper_index))  # by paper, its best passage first (the earliest of equal ones)
    codes = refs.paper_index[order]
    best = order[np.r_[True, codes[1:] != codes[:-1]]]  # one per paper, in order of first appearance
    ranked = sorted((PaperRelevance(refs.papers[refs.paper_index[i]], float(z[i]), int(refs.ids[i])) for i in best),
                    key=lambda p: -p.z)  # fmt: skip
    if ranked:
        top = ranked[0].z
        for p in ranked:
            p.used = p.z >= min_z and p.z >= NEAR_TOP * top
    return ranked


def fold(text: str) -> str:
    """Case- and accent-folded text (Suaíli -> suaili): the form names are compared in."""
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def question_names(question: str) -> list[str]:
    """The names a question asks about (proper nouns and acronyms: Hausa, isiZulu, XLM-R), folded, hyphenated
    compounds split (Swahili-English: swahili, english). The question's first word is capitalised, not a name."""
    names = []
    for m in _NAME.finditer(question):
        if m.start() == 0:
            continue
        names.extend(part for part in fold(m.group()).split("-") if len(part) >= 2)
    return list(dict.fromkeys(names))


def word_set(texts: Iterable[str]) -> set[str]:
    """The folded words of some texts (what `mentions` looks names up in)."""
    return {w for t in texts for w in re.findall(r"\w+", fold(t))}


def mentions(name: str, words: set[str]) -> bool:
    """Whether a name occurs among the words, spelt as in another language: exactly (short acronyms: OT, KD), inside
    a compound (Zulu in Zulu-Anfragen, Swahili in Kiswahili), or nearly (Hausa ~ haoussa, Yoruba ~ ioruba)."""
    if name in words:
        return True
    if len(name) < 4:
        return False
    for w in words:
        if name in w or (len(w) >= 4 and w in name and len(w) >= len(name) - 2):
            return True
        if abs(len(w) - len(name)) <= 3 and difflib.SequenceMatcher(None, name, w).ratio() >= NAME_SIMILARITY:
            return True
    return False


def narrow_by_names(ranked: Sequence[PaperRelevance], words_of: Callable[[str], set[str]], question: str) -> list[str]:
    """Among the papers marked used, the names of the question that the most relevant paper mentions but not all
    of the others do decide: a paper that mentions none of those names is on the topic but not on this question,
    and is set unused. A name every used paper mentions (the field's own: OT, KD) decides nothing, and neither does
    one the best paper lacks (a benchmark named in passing, a name spelt too differently). `ranked` is best first.
    Returns the deciding names."""
    used = [p for p in ranked if p.used]
    names = question_names(question)
    for p in used:
        words = words_of(p.paper_id)
        p.names = [n for n in names if mentions(n, words)]
    deciding = [n for n in used[0].names if sum(n in p.names for p in used) < len(used)] if used else []
    if deciding:
        for p in used:
            p.used = any(n in p.names for n in deciding)
    return deciding


_MEASURE = re.compile(r"\d")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")


def reports_measurement(text: str) -> bool:
    """Whether a sentence states a number other than a year (0.412, 2,4 vezes, 63%, von 212 auf 168)."""
    return bool(_MEASURE.search(_YEAR.sub("", text)))


def claim_score(z: float, cue: float, text: str) -> float:
    """How directly a claim answers the question: its relevance z, its cue strength, and whether it measures."""
    return z + CUE_WEIGHT_Z * cue + (MEASURE_Z if reports_measurement(text) else 0.0)


def spread_claims(per_paper: dict[str, list[Any]], max_claims: int, per_paper_first: int = CLAIMS_PER_PAPER) -> list[Any]:
    """Claims from every relevant paper: each paper's best `per_paper_first` first (round robin in paper order),
    then the rest by score, up to `max_claims`. Each list in `per_paper` is ordered best first."""
    out: list[Any] = []
    for rnd in range(per_paper_first):
        for items in per_paper.values():
            if rnd < len(items) and len(out) < max_claims:
                out.append(items[rnd])
    rest = sorted((c for items in per_paper.values() for c in items[per_paper_first:]), key=lambda c: -c.score)
    out.extend(rest[: max(0, max_claims - len(out))])
    return out


# -- findings ------------------------------------------------------------------------------------------------------
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


def group_findings(texts: Sequence[str], vectors: np.ndarray) -> list[list[int]]:
    """Claims grouped by aspect (single linkage over `Aspects.same`). Groups come out ordered by first member."""
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
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    return sorted(groups.values(), key=lambda g: g[0])


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
) -> list[Finding]:
    """Findings of a run's claims (dicts with id, text, paper_id and their stored evidence rows; `vectors` theirs),
    most relevant first: a finding ranks by its best claim's `relevance` to the question (default: claim order),
    and lists its claims that report a measurement first (an answer sentence quotes results before set-up).
    Agreement and conflict rest only on evidence on the claim's aspect (`on_aspect`; `embed_texts` encodes it)."""
    judged = on_aspect(claims, np.asarray(vectors), embed_texts)
    groups = group_findings([c["text"] for c in claims], vectors)
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
        agree = [p for p in agree if p not in conflict]
        evidence_ids = [e["id"] for c in members for e in c["evidence"] if e.get("id") is not None]
        label = finding_label([c["text"] for c in members])
        out.append(Finding(label, [c["id"] for c in members], papers, agree, conflict, evidence_ids))
    return out


# -- the answer ------------------------------------------------------------------------------------------------------
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
