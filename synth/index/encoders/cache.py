"""The embedding cache: float32 blobs in the `embeddings` table, keyed by `"{encoder.id}|{kind}"` and text sha256.

Every command goes through `embed`, so a text is encoded at most once per encoder and kind.
"""

from __future__ import annotations

import hashlib
import itertools
import sys
from typing import TYPE_CHECKING, Callable, Iterable, Sequence

import numpy as np

from ...errors import ModelError
from .base import Encoder, Kind

if TYPE_CHECKING:
    from ...store import Store

def text_sha256(text: str) -> str:
    """The cache key of a text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def cache_key(encoder: Encoder, kind: Kind) -> str:
    """The `model` column value for an encoder and kind."""
    return f"{encoder.id}|{kind}"


def cached_vectors(
    store: "Store",
    model: str,
    shas: Sequence[str],
    texts: Sequence[str],
    encode: Callable[[list[str]], np.ndarray],
    batch_size: int = 64,
    on_batch: Callable[[int, int], None] | None = None,
) -> tuple[dict[str, np.ndarray], int]:
    """The vectors of `texts` (whose sha256 are `shas`) cached under `model`, encoding those it lacks with
    `encode` in batches (each distinct text once) and storing each batch; `on_batch(n, total)` follows progress.
    Returns (sha256 -> vector, texts encoded)."""
    have = store.vectors(model, shas)
    missing: dict[str, str] = {}
    for sha, text in zip(shas, texts):
        if sha not in have:
            missing.setdefault(sha, text)
    todo = list(missing.items())
    for start in range(0, len(todo), batch_size):
        batch = todo[start : start + batch_size]
        vecs = np.asarray(encode([t for _, t in batch]), dtype=np.float32)
        store.save_vectors(model, [(sha, v) for (sha, _), v in zip(batch, vecs)])
        have.update({sha: v for (sha, _), v in zip(batch, vecs)})
        if on_batch is not None:
            on_batch(len(batch), len(todo))
    return have, len(todo)


def embed(
    store: "Store",
    encoder: Encoder,
    texts: Sequence[str],
    kind: Kind = "passage",
    batch_size: int = 64,
    progress: bool = False,
) -> np.ndarray:
    """(n, d) float32 embeddings of `texts`, encoding only those not cached yet (each distinct text once)."""
    texts = list(texts)
    model = cache_key(encoder, kind)
    shas = [text_sha256(t) for t in texts]
    bars: list = []

    def advance(n: int, total: int) -> None:  # a bar only when something is encoded
        if not bars:
            from tqdm import tqdm

            bars.append(tqdm(total=total, desc=f"encoding ({encoder.id})", unit="text", file=sys.stderr))
        bars[0].update(n)

    try:
        have, _ = cached_vectors(store, model, shas, texts, lambda batch: encoder.encode(batch, kind), batch_size,
                                 advance if progress else None)  # fmt: skip
    finally:
        for bar in bars:
            bar.close()
    if not texts:
        dim = getattr(encoder, "dim", 0)
        return np.zeros((0, dim), dtype=np.float32)
    return np.stack([have[s] for s in shas]).astype(np.float32, copy=False)


def embed_missing(
    store: "Store",
    model: str,
    texts: Iterable[str],
    encode_blocks: Callable[[list[str]], Iterable[np.ndarray]],
) -> int:
    """Encode the texts not cached under `model` (a `cache_key`), each distinct text once, and store them.

    `encode_blocks(todo)` yields consecutive (m, d) blocks of vectors in the order of `todo` as they are ready
    (from Ray workers, say); the caller's process stores each block as it arrives, in one short transaction, so the
    encoding side never writes the database. Returns how many texts were encoded."""
    missing: dict[str, str] = {}
    stream = iter(texts)
    while part := list(itertools.islice(stream, 5000)):  # look up the cache in slices, not one huge query per call
        shas = [text_sha256(t) for t in part]
        have = store.vectors(model, shas)
        for sha, text in zip(shas, part):
            if sha not in have:
                missing.setdefault(sha, text)
    if not missing:
        return 0
    todo_shas, todo = list(missing), list(missing.values())
    done = 0
    for block in encode_blocks(todo):
        vecs = np.asarray(block, dtype=np.float32)
        store.save_vectors(model, list(zip(todo_shas[done : done + len(vecs)], vecs)))
        done += len(vecs)
    if done != len(todo):
        raise ModelError(f"the encoder gave {done} vectors for {len(todo)} texts")
    return done
