"""Hybrid retrieval over the stored passages: SQLite FTS5/BM25 and dense cosine, fused by reciprocal rank."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..ingest.sentences import normalize, reject_reason, split_sentences
from ..store import Store
from .encoders.cache import embed as cached_embed

_NOT_EVIDENCE = {"question", "caption", "boilerplate", "citation", "formula", "short"}
RRF_K = 60  # the usual reciprocal-rank-fusion constant (Cormack et al., 2009)

# Function words left out of the FTS query (they match everything and only add noise to BM25).
_STOP = set(
    ["a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "does", "for", "from", "has", "have", "how", "in", "is", "it", "its", "of", "on", "or", "that", "the", "their", "this", "to", "was", "were", "what", "when", "where", "which", "who", "why", "will", "with", "we", "our", "these", "those", "than", "then", "there", "into", "about", "over", "under", "between", "via", "using", "used", "use", "does", "do", "did", "compare", "compared", "versus", "vs", "na", "ya", "wa", "za", "la", "kwa", "ni", "katika", "kama", "hii", "huo", "hiyo", "kwamba", "au", "cha", "vya", "der", "die", "das", "und", "ist", "sind", "ein", "eine", "einer", "für", "mit", "von", "zu", "im", "auf", "den", "dem", "des", "als", "wie", "oder", "nicht", "le", "la", "les", "et", "est", "sont", "un", "une", "des", "du", "de", "pour", "avec", "dans", "par", "sur", "que", "qui", "ou", "pas", "au", "aux"]
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


class Retriever:
    """Hybrid queries and evidence look-ups over every stored passage.

    Below `ann_min_passages` passages (Settings, SYNTH_ANN_MIN_PASSAGES) it loads every passage and vector once and
    ranks by exact cosine. From there on it syncs the ANN index beside the database (synth/index/ann.py: new passages are
    embedded and added, a stale index rebuilt), takes the dense candidates from it, re-scores them by exact cosine
    from the embedding cache, and reads passage rows by id: the corpus is never held in memory. `rows` and `matrix`
    still work in that mode, but materialise the whole corpus; `scan_cosines` streams instead.
    """

    def __init__(
        self,
        store: Store,
        encoder: Any,
        *,
        pool: int = 200,
        progress: bool = False,
        ann_min_passages: int | None = None,
        ann_expansion_search: int | None = None,
        settings: Any = None,
    ) -> None:
        self.store = store
        self.encoder = encoder
        self.pool = pool
        self.progress = progress
        self.ann: Any = None
        self._rows: list[dict[str, Any]] | None = None
        self._matrix: np.ndarray | None = None
        if settings is None:  # the environment's
            from ..config import Settings

            settings = Settings.from_env()
        ann_min_passages = settings.ann.min_passages if ann_min_passages is None else ann_min_passages
        ann_expansion_search = settings.ann.expansion_search if ann_expansion_search is None else ann_expansion_search
        n = store.passage_count()
        if (n and n >= ann_min_passages and str(store.path) != ":memory:"
                and self._open_ann(ann_expansion_search, settings.ann.expansion_add)):  # fmt: skip
            self._n = len(self.ann)
            return
        self._rows = store.all_passages()
        self._n = len(self._rows)
        self.index = {r["id"]: i for i, r in enumerate(self._rows)}
        self._matrix = self._embed_passages(progress)

    def _open_ann(self, expansion_search: int, expansion_add: int) -> bool:
        """Sync and open the ANN index; False (exact search, with a note) when the [scale] extra is missing."""
        from . import ann

        if not ann.available():
            print("note: the corpus is large but usearch is not installed (the [scale] extra): exact search, "
                  "all vectors in memory", file=sys.stderr)  # fmt: skip
            return False
        log = (lambda line: print(line, file=sys.stderr)) if self.progress else None
        res = ann.sync(self.store, self.encoder, progress=self.progress, log=log, expansion_add=expansion_add)
        self.ann = ann.AnnIndex(res.path, expansion_search) if res.count else None  # type: ignore[arg-type]
        return self.ann is not None

    @property
    def exact(self) -> bool:
        """Whether every passage and vector is held in memory and searched exactly (a corpus below the ANN bar)."""
        return self.ann is None

    @property
    def rows(self) -> list[dict[str, Any]]:
        """Every passage in reading order (loaded on first use when the ANN index serves the searches)."""
        if self._rows is None:
            self._rows = self.store.all_passages()
            self.index = {r["id"]: i for i, r in enumerate(self._rows)}
        return self._rows

    @property
    def matrix(self) -> np.ndarray:
        """(n, d) passage vectors in the order of `rows` (built on first use in ANN mode: the whole corpus in
        memory; use `scan_cosines` for large corpora)."""
        if self._matrix is None:
            _ = self.rows  # loads rows and index
            self._matrix = self._embed_passages(self.progress)
        return self._matrix

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
        return self._n

    def scan_cosines(self, vectors: np.ndarray, batch: int = 10_000) -> tuple[PassageRefs, np.ndarray]:
        """Cosines of every passage with each of `vectors` ((q, d) or (d,)), streamed through the embedding cache in
        batches: (which passage each row is, in reading order; (n, q) or (n,) float32). The same numbers as
        `matrix @ vectors.T` without holding the corpus's texts or vectors in memory."""
        q = np.asarray(vectors, dtype=np.float32)
        if self._matrix is not None:
            return PassageRefs.from_rows(self.rows), self._matrix @ q.T
        refs = PassageRefs.from_rows([])
        parts = []
        for part in self.store.passages_in_order(batch):
            refs.extend(part)
            parts.append(embed(self.store, self.encoder, [r["text"] for r in part], "passage") @ q.T)
        cos = np.concatenate(parts) if parts else np.zeros((0,) + q.shape[:-1], dtype=np.float32)
        return refs, cos.astype(np.float32, copy=False)

    def repeat_scope(self, papers: Sequence[str]) -> list[dict[str, Any]]:
        """The passages to look for sentences repeated across papers in: every passage when the corpus is held in
        memory, else only those of `papers` (a corpus too large to hold is not scanned)."""
        return self.rows if self.exact else [r for p in papers for r in self.passages_of(p)]

    def passages_of(self, paper_id: str) -> list[dict[str, Any]]:
        """A paper's passages in reading order."""
        if self._rows is None:
            return self.store.passages_of_paper(paper_id)
        return [r for r in self.rows if r["paper_id"] == paper_id]

    def search(self, text: str, limit: int | None = None, query_vec: np.ndarray | None = None) -> list[Hit]:
        """Passages for `text`, best first: RRF of the BM25 ranking and the dense (cosine) ranking."""
        if not self._n:
            return []
        if self._rows is None:
            return self._search_ann(text, limit, query_vec)
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

    def _search_ann(self, text: str, limit: int | None, query_vec: np.ndarray | None) -> list[Hit]:
        """`search` on the ANN index: its candidates are re-scored by exact cosine (vectors from the cache), so the
        dense ranking is exact within them; rows are read by id."""
        pool = self.pool
        lexical = bm25_search(self.store, text, pool)
        qv = query_vec if query_vec is not None else embed(self.store, self.encoder, [text], "query")[0]
        ann_ids, _ = self.ann.search(qv, pool)
        rows = self.store.passages_by_id([*ann_ids.tolist(), *(pid for pid, _ in lexical)])
        lexical = [(pid, s) for pid, s in lexical if pid in rows]
        cand = [int(i) for i in ann_ids if int(i) in rows]
        cos = dict(zip(cand, (embed(self.store, self.encoder, [rows[i]["text"] for i in cand], "passage") @ qv).tolist()))
        dense_ids = sorted(cand, key=lambda i: -cos[i])
        fused = rrf([[pid for pid, _ in lexical], dense_ids])
        best = sorted(fused.items(), key=lambda kv: -kv[1])[: limit or pool]
        lex_only = [pid for pid, _ in best if pid not in cos]
        if lex_only:
            cos.update(zip(lex_only, (embed(self.store, self.encoder, [rows[i]["text"] for i in lex_only], "passage") @ qv).tolist()))
        bm = dict(lexical)
        return [
            Hit(pid, rows[pid]["paper_id"], rows[pid]["page"], rows[pid]["lang"], rows[pid]["text"], bm.get(pid, 0.0),
                float(cos[pid]), f, f)
            for pid, f in best
        ]

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
        from ..ingest.sentences import passage_sentences

        for q in queries:
            for pid in self.store.fts_ids(q, 50):
                group = self._with_next(pid)
                if not group:
                    continue
                for sent, src in passage_sentences(group):
                    if src.get("id") != pid:
                        continue
                    nk = normalize(sent)
                    if (nk.startswith(key) if prefix else nk == key):
                        return sent, src
        return None

    def _with_next(self, pid: int) -> list[dict[str, Any]]:
        """The passage `pid` and the next one of its paper (a sentence may run across the break); [] if unknown."""
        if self._rows is None:
            row = self.store.passages_by_id([pid]).get(pid)
            if row is None:
                return []
            nxt = self.store.passage_at(row["paper_id"], row["ord"] + 1)
            return [row, nxt] if nxt else [row]
        if pid not in self.index:
            return []
        i = self.index[pid]
        row = self.rows[i]
        group = [row]
        if i + 1 < len(self.rows) and self.rows[i + 1]["paper_id"] == row["paper_id"]:
            group.append(self.rows[i + 1])
        return group
