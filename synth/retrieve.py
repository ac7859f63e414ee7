"""Hybrid retrieval over the stored passages: SQLite FTS5/BM25 and dense cosine, fused by reciprocal rank."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import numpy as np

from .claims import normalize, reject_reason, split_sentences
from .encoders.cache import embed as cached_embed
from .store import Store

_NOT_EVIDENCE = {"question", "caption", "boilerplate", "citation", "formula", "short"}
RRF_K = 60  # the usual reciprocal-rank-fusion constant (Cormack et al., 2009)

# Function words left out of the FTS query (they match everything and only add noise to BM25).
_STOP = set(
    """a an and are as at be by can do does for from has have how in is it its of on or that the their this to was
    were what when where which who why will with we our these those than then there into about over under between
    via using used use does do did compare compared versus vs
    na ya wa za la kwa ni katika kama hii huo hiyo kwamba au cha vya
    der die das und ist sind ein eine einer für mit von zu im auf den dem des als wie oder nicht
    le la les et est sont un une des du de pour avec dans par sur que qui ou pas au aux""".split()
)


def embed(store: Store, encoder: Any, texts: Sequence[str], kind: str) -> np.ndarray:
    """Embeddings through the shared cache (nothing is encoded twice); an empty list gives a (0, 1) array."""
    if not texts:
        return np.zeros((0, 1), dtype=np.float32)
    return np.asarray(cached_embed(store, encoder, list(texts), kind), dtype=np.float32)


def fts_query(text: str) -> str:
    """An FTS5 OR-query of the distinct content words of `text` (each quoted, so no FTS syntax leaks in)."""
    words = []
    for w in re.findall(r"\w+", text.casefold()):
        if len(w) > 1 and w not in _STOP and w not in words:
            words.append(w)
    return " OR ".join(f'"{w}"' for w in words[:64])


def bm25_search(store: Store, text: str, limit: int = 200) -> list[tuple[int, float]]:
    """(passage id, BM25 score, higher = better) for passages sharing words with `text`."""
    q = fts_query(text)
    if not q:
        return []
    return store.bm25(q, limit)


def rrf(rankings: Iterable[Sequence[int]], k: int = RRF_K) -> dict[int, float]:
    """Reciprocal-rank fusion: sum over rankings of 1 / (k + rank), rank starting at 1."""
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, key in enumerate(ranking, start=1):
            fused[key] = fused.get(key, 0.0) + 1.0 / (k + rank)
    return fused


@dataclass
class Hit:
    """One retrieved passage (or sentence of a passage) with its scores."""

    passage_id: int
    paper_id: str
    page: int | None
    lang: str | None
    text: str
    bm25: float = 0.0
    dense: float = 0.0
    fused: float = 0.0
    score: float = 0.0


class Retriever:
    """Loads every passage once, embeds them through the cache, answers hybrid queries and evidence look-ups."""

    def __init__(self, store: Store, encoder: Any, *, pool: int = 200, progress: bool = False) -> None:
        self.store = store
        self.encoder = encoder
        self.pool = pool
        self.rows = store.all_passages()
        self.index = {r["id"]: i for i, r in enumerate(self.rows)}
        self.matrix = self._embed_passages(progress)

    def _embed_passages(self, progress: bool) -> np.ndarray:
        texts = [r["text"] for r in self.rows]
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        if not progress:
            return embed(self.store, self.encoder, texts, "passage")
        from tqdm import tqdm

        parts = []
        step = 256
        for i in tqdm(range(0, len(texts), step), desc="embedding passages", unit="batch", leave=False):
            parts.append(embed(self.store, self.encoder, texts[i : i + step], "passage"))
        return np.vstack(parts)

    def __len__(self) -> int:
        return len(self.rows)

    def passages_of(self, paper_id: str) -> list[dict[str, Any]]:
        """A paper's passages in reading order."""
        return [r for r in self.rows if r["paper_id"] == paper_id]

    def search(self, text: str, limit: int | None = None, query_vec: np.ndarray | None = None) -> list[Hit]:
        """Passages for `text`, best first: RRF of the BM25 ranking and the dense (cosine) ranking."""
        if not self.rows:
            return []
        pool = self.pool
        lexical = [(pid, s) for pid, s in bm25_search(self.store, text, pool) if pid in self.index]
        qv = query_vec if query_vec is not None else embed(self.store, self.encoder, [text], "query")[0]
        cos = self.matrix @ qv
        top = np.argsort(-cos)[:pool]
        dense_ids = [self.rows[i]["id"] for i in top]
        fused = rrf([[pid for pid, _ in lexical], dense_ids])
        bm = dict(lexical)
        hits = []
        for pid, f in sorted(fused.items(), key=lambda kv: -kv[1])[: limit or pool]:
            r = self.rows[self.index[pid]]
            hits.append(
                Hit(pid, r["paper_id"], r["page"], r["lang"], r["text"], bm.get(pid, 0.0), float(cos[self.index[pid]]), f, f)
            )
        return hits

    def evidence(
        self,
        claim: str,
        k: int = 5,
        *,
        exclude_passage: int | None = None,
        own_paper: str | None = None,
        same_paper_weight: float = 0.5,
        passages: int = 30,
    ) -> list[Hit]:
        """Top-k evidence sentences for a claim from the whole corpus, every language.

        Candidate passages come from hybrid search; each is split into sentences and every sentence is scored by
        its cosine with the claim. The claim's own sentence never counts; sentences of the claim's own paper are
        down-weighted by `same_paper_weight` (evidence from other papers is what verifies). A sentence's score is
        its cosine; the ranking uses the weighted score. Identical sentences are kept once.
        """
        claim_key = normalize(claim)
        qv = embed(self.store, self.encoder, [claim], "query")[0]
        cands: list[Hit] = []
        for hit in self.search(claim, passages, query_vec=qv):
            for sent in split_sentences(hit.text):
                key = normalize(sent)
                if len(key) < 12 or key == claim_key or reject_reason(sent) in _NOT_EVIDENCE:
                    continue
                if hit.passage_id == exclude_passage and (claim_key in key or key in claim_key):
                    continue
                cands.append(Hit(hit.passage_id, hit.paper_id, hit.page, hit.lang, sent, hit.bm25, 0.0, hit.fused))
        if not cands:
            return []
        vecs = embed(self.store, self.encoder, [c.text for c in cands], "passage")
        cos = vecs @ qv
        seen: set[str] = set()
        for c, s in zip(cands, cos):
            c.dense = float(s)
            weight = same_paper_weight if own_paper and c.paper_id == own_paper else 1.0
            c.score = float(s) * weight
        out = []
        for c in sorted(cands, key=lambda h: -h.score):
            key = normalize(c.text)
            if key in seen:
                continue
            seen.add(key)
            out.append(c)
            if len(out) == k:
                break
        return out

    def find_sentence(self, text: str, *, prefix: bool = False) -> tuple[str, dict[str, Any]] | None:
        """The corpus sentence equal to `text` (or starting with it when `prefix`), on normalised text.

        Candidates come from FTS (the words as a phrase, then all of them in any order); the match is then
        checked exactly on normalised text, also across a passage break.
        """
        words = re.findall(r"\w+", text)
        if prefix and words and not re.search(r"[\s\W]$", text):
            words = words[:-1]  # the last word may be cut mid-word
        if not words:
            return None
        key = normalize(" ".join(words)) if prefix else normalize(text)
        queries = ['"' + " ".join(words) + '"', " AND ".join(f'"{w}"' for w in dict.fromkeys(w.casefold() for w in words))]
        from .claims import passage_sentences

        for q in queries:
            for pid in self.store.fts_ids(q, 50):
                if pid not in self.index:
                    continue
                i = self.index[pid]
                row = self.rows[i]
                group = [row]
                if i + 1 < len(self.rows) and self.rows[i + 1]["paper_id"] == row["paper_id"]:
                    group.append(self.rows[i + 1])
                for sent, src in passage_sentences(group):
                    if src.get("id") != pid:
                        continue
                    nk = normalize(sent)
                    if (nk.startswith(key) if prefix else nk == key):
                        return sent, src
        return None
