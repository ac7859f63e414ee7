"""The embedding cache table: float32 blobs keyed by model key and text sha256."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Sequence

import numpy as np

if TYPE_CHECKING:
    from sqlite_utils import Database

_CHUNK = 500  # sha256 values per SELECT (well under SQLite's variable limit)


class EmbeddingsMixin:
    """Every query on the embeddings table."""

    db: "Database"

    def vectors(self, model: str, shas: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored vectors among `shas` for `model`."""
        found: dict[str, np.ndarray] = {}
        unique = list(dict.fromkeys(shas))
        for start in range(0, len(unique), _CHUNK):
            part = unique[start : start + _CHUNK]
            marks = ",".join("?" * len(part))
            rows = self.db.execute(
                f"SELECT sha256, vector FROM embeddings WHERE model = ? AND sha256 IN ({marks})", [model, *part]
            ).fetchall()
            for sha, blob in rows:
                found[sha] = np.frombuffer(blob, dtype=np.float32)
        return found

    def save_vectors(self, model: str, items: Iterable[tuple[str, np.ndarray]]) -> None:
        """Store (sha256, vector) pairs for `model` in one short transaction (a re-stored text replaces its row)."""
        rows = [
            {"model": model, "sha256": sha, "dim": int(v.shape[0]), "vector": np.asarray(v, dtype=np.float32).tobytes()}
            for sha, v in items
        ]
        if rows:
            with self.transaction():  # type: ignore[attr-defined]
                self.db["embeddings"].insert_all(rows, replace=True)
