"""SciFact for the scripts: claims and corpus from ../shared/scifact, hybrid retrieval, claim-level evidence sets.

Retrieval is hybrid: TF-IDF (word 1-2 grams, BM25-like sublinear tf) over title + abstract fused by reciprocal
rank with e5 dense similarity to the titles; then the sentences of the top abstracts are ranked by TF-IDF,
the best few re-ranked with e5 dense similarity. Encodings go through the cache the caller passes.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

SCIFACT_LABEL = {"SUPPORT": 0, "CONTRADICT": 1}  # SciFact evidence labels -> index in synth's LABELS (2: NEI)


def load_corpus(shared: Path) -> dict[int, dict]:
    """The SciFact corpus (5,183 abstracts) by doc_id."""
    return {d["doc_id"]: d for d in map(json.loads, open(shared / "scifact" / "corpus.jsonl", encoding="utf-8"))}


def load_claims(shared: Path, split: str) -> list[dict]:
    """SciFact claims of `split` (train / dev) with their gold claim label 0 support, 1 contradict, 2 NEI."""
    out = []
    for c in map(json.loads, open(shared / "scifact" / f"claims_{split}.jsonl", encoding="utf-8")):
        labels = [SCIFACT_LABEL[s["label"]] for sets in c["evidence"].values() for s in sets]
        c["gold"] = labels[0] if labels else 2
        out.append(c)
    return out


class Retriever:
    """Hybrid abstract retrieval then sentence selection over the SciFact corpus."""

    def __init__(self, corpus: dict[int, dict]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.corpus = corpus
        self.ids = list(corpus)
        docs = [corpus[i]["title"] + " " + " ".join(corpus[i]["abstract"]) for i in self.ids]
        self.doc_vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, stop_words="english", min_df=1)
        self.doc_m = self.doc_vec.fit_transform(docs)
        self.sent_vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, stop_words="english")
        self.sent_vec.fit([s for i in self.ids for s in corpus[i]["abstract"]])
        self.title_emb: np.ndarray | None = None

    def embed_titles(self, cache, encoder) -> None:
        titles = [self.corpus[i]["title"] for i in self.ids]
        cache.fill(encoder, [("passage", t) for t in titles])
        self.title_emb = np.stack([cache.get("passage", t).vec for t in titles])

    def docs(self, claim: str, claim_vec: np.ndarray | None, k: int = 3, rrf: int = 60) -> list[int]:
        """Top-k abstract ids: reciprocal-rank fusion of TF-IDF and (if titles are embedded) dense title scores."""
        lex = (self.doc_m @ self.doc_vec.transform([claim]).T).toarray().ravel()
        rank = {i: 1.0 / (rrf + r) for r, i in enumerate(np.argsort(-lex)[:100])}
        if claim_vec is not None and self.title_emb is not None:
            dense = self.title_emb @ claim_vec
            for r, i in enumerate(np.argsort(-dense)[:100]):
                rank[i] = rank.get(i, 0.0) + 1.0 / (rrf + r)
        best = sorted(rank, key=lambda i: -rank[i])[:k]
        return [self.ids[i] for i in best]

    def candidates(self, claim: str, doc_ids: list[int], k: int = 8) -> list[tuple[str, float]]:
        """The k sentences of `doc_ids` closest to the claim by TF-IDF, with that score."""
        sents = [s for d in doc_ids for s in self.corpus[d]["abstract"]]
        if not sents:
            return []
        sc = (self.sent_vec.transform(sents) @ self.sent_vec.transform([claim]).T).toarray().ravel()
        order = np.argsort(-sc)[:k]
        return [(sents[i], float(sc[i])) for i in order]


def rerank(claim_vec: np.ndarray, cands: list[tuple[str, float]], sent_vecs: list[np.ndarray], k: int) -> list[tuple[str, float]]:
    """Fuse TF-IDF and dense sentence scores (z-scored sum); keep the top k, best first, with the fused score."""
    if not cands:
        return []
    lex = np.array([s for _, s in cands])
    dense = np.array([float(v @ claim_vec) for v in sent_vecs])
    z = lambda a: (a - a.mean()) / (a.std() + 1e-6)  # noqa: E731
    fused = z(lex) + z(dense) if len(cands) > 1 else lex + dense
    order = np.argsort(-fused)[:k]
    return [(cands[i][0], float(fused[i])) for i in order]


def evidence_sets(shared: Path, split: str, encoder, cache, k_docs: int = 3, k_cand: int = 8, k: int = 5,
                  limit: int | None = None, retriever: Retriever | None = None) -> list[dict]:
    """Per claim of `split`: dict(claim, evidence (best first), scores, label, source='scifact')."""
    claims = load_claims(shared, split)[:limit]
    retriever = retriever or Retriever(load_corpus(shared))
    retriever.embed_titles(cache, encoder)
    cache.fill(encoder, [("query", c["claim"]) for c in claims])
    cand = {}
    for c in claims:
        qv = cache.get("query", c["claim"]).vec
        cand[c["id"]] = retriever.candidates(c["claim"], retriever.docs(c["claim"], qv, k_docs), k_cand)
    cache.fill(encoder, [("passage", s) for v in cand.values() for s, _ in v])
    out = []
    for c in claims:
        qv = cache.get("query", c["claim"]).vec
        cs = cand[c["id"]]
        top = rerank(qv, cs, [cache.get("passage", s).vec for s, _ in cs], k)
        out.append(dict(claim=c["claim"], evidence=[s for s, _ in top], scores=[s for _, s in top], label=c["gold"], group=f"scifact{c['id']}",
                        source="scifact", claim_lang="en", evidence_lang="en"))
    return out


def with_gold_evidence(shared: Path, split: str, sets: list[dict], k: int = 5) -> list[dict]:
    """For each labelled claim of `sets` (from `evidence_sets`), a copy whose evidence starts with the claim's gold
    rationale sentences (the retrieved ones after them, k in all): the verdict when the deciding sentences are
    in front of the verifier. NEI claims have no rationale and are left out."""
    corpus = load_corpus(shared)
    gold = {f"scifact{c['id']}": c for c in load_claims(shared, split)}
    out = []
    for s in sets:
        c = gold.get(s["group"])
        if c is None or c["gold"] == 2:
            continue
        rationale = [corpus[int(d)]["abstract"][i] for d, ss in c["evidence"].items() for e in ss for i in e["sentences"]][:k]
        rest = [e for e in s["evidence"] if e not in rationale]
        out.append(dict(s, evidence=(rationale + rest)[:k], scores=None, source="scifact-gold"))
    return out
