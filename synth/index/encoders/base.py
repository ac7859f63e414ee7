"""The Encoder seam: what retrieval, OT alignment and verification need from any text encoder."""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING, Literal, Protocol, Sequence, runtime_checkable

import numpy as np

if TYPE_CHECKING:  # torch is imported lazily; annotations only
    import torch

Kind = Literal["query", "passage"]


@runtime_checkable
class Encoder(Protocol):
    """A sentence encoder. `id` names the model (and adapter) exactly; it keys the embedding cache."""

    id: str

    def encode(self, texts: Sequence[str], kind: Kind = "passage") -> np.ndarray:
        """(n, d) float32, L2-normalised sentence embeddings."""
        ...

    def tokens(self, texts: Sequence[str], kind: Kind = "passage") -> "tuple[torch.Tensor, torch.Tensor]":
        """Token embeddings (n, L, d) and a bool mask (n, L) of real (non-special, non-pad) tokens."""
        ...


_WORD = re.compile(r"\w+", re.UNICODE)


class HashingEncoder:
    """Deterministic bag-of-words hashing encoder: no model, instant; for tests and as a lexical fallback."""

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.id = f"hashing-{dim}"

    def _vec(self, word: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha256(word.lower().encode()).digest()[:8], "little")
        return np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)

    def encode(self, texts: Sequence[str], kind: Kind = "passage") -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in _WORD.findall(t):
                out[i] += self._vec(w)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)

    def tokens(self, texts: Sequence[str], kind: Kind = "passage"):
        import torch

        words = [_WORD.findall(t) or [""] for t in texts]
        n, length = len(texts), max(len(w) for w in words)
        vecs = torch.zeros(n, length, self.dim)
        mask = torch.zeros(n, length, dtype=torch.bool)
        for i, ws in enumerate(words):
            for j, w in enumerate(ws):
                v = self._vec(w)
                vecs[i, j] = torch.from_numpy(v / np.linalg.norm(v))
                mask[i, j] = bool(w)
        return vecs, mask
