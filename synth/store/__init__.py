"""The store: the one boundary between synth and its SQLite file. No SQL lives outside this package.

`Store(path)` opens (creating and migrating if needed) the database; use it as a context manager so it is closed.
Each logical write is one transaction: a paper with its passages, a claim with its evidence and verdict, a run's
finish. By concept: papers.py (papers, passages, fetch log), runs.py (runs, claims, evidence, verdicts),
embeddings.py (the vector cache), scan.py (streaming and keyed passage reads
for large corpora), base.py (opening, migrations, transactions).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import StoreBase, now
from .embeddings import EmbeddingsMixin
from .papers import PapersMixin
from .runs import RUN_STATUSES, RunsMixin, effective_status
from .scan import ScanMixin

if TYPE_CHECKING:
    from ..config import Settings

__all__ = ["Store", "open_store", "now", "RUN_STATUSES", "effective_status"]


class Store(PapersMixin, RunsMixin, EmbeddingsMixin, ScanMixin, StoreBase):
    """All database work goes through here; `Store(path)` creates and migrates the file if needed."""

    def __enter__(self) -> "Store":
        return self


def open_store(settings: "Settings") -> Store:
    """The store named by the settings (`--db` / SYNTH_DB)."""
    return Store(settings.db)
