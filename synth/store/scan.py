"""Passage access that does not hold the corpus in memory: scans in id order, look-ups by id, by paper, by position.

The ANN index (synth/index/ann.py) and the large-corpus mode of the retriever use these instead of `all_passages`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlite_utils import Database

_KEYS = ("id", "paper_id", "page", "lang", "text", "ord", "section", "section_kind")
_COLS = "s.id, s.paper_id, s.page, s.lang, s.text, s.ord, s.section, s.section_kind"
# Passages that are never evidence nor claims (reference lists, acknowledgements, funding, contributions: the kinds
# of synth.ingest.sections.BACK_MATTER) are stored but left out of every scan the retriever and the index read.
NOT_BACK_MATTER = "(s.section_kind IS NULL OR s.section_kind NOT IN ('references', 'acknowledgements'))"
_CHUNK = 500  # ids per SELECT (well under SQLite's variable limit)


def _row(r: Sequence[Any]) -> dict[str, Any]:
    return dict(zip(_KEYS, r), text=r[4] or "")


class ScanMixin:
    """Streaming and keyed reads of passages, and which cached vectors are missing."""

    db: Database

    def passage_texts(self, batch: int = 10_000) -> Iterator[list[tuple[int, str]]]:
        """(passage id, text) of every passage of a stored paper, in id order, `batch` rows at a time (keyset paging,
        so memory stays flat however large the corpus)."""
        last = -1
        while True:
            rows = self.db.execute(
                "SELECT s.id, s.text FROM passages s JOIN papers p ON p.id = s.paper_id WHERE s.id > ? "
                f"AND {NOT_BACK_MATTER} ORDER BY s.id LIMIT ?",
                [last, batch],
            ).fetchall()
            if not rows:
                return
            yield [(int(i), t or "") for i, t in rows]
            last = int(rows[-1][0])

    def passages_in_order(self, batch: int = 10_000) -> Iterator[list[dict[str, Any]]]:
        """Every passage of a stored paper in reading order (as `all_passages`), `batch` rows at a time."""
        last: tuple[str, int] = ("", -1)
        while True:
            rows = self.db.execute(
                f"SELECT {_COLS} FROM passages s JOIN papers p ON p.id = s.paper_id "
                f"WHERE (s.paper_id, s.ord) > (?, ?) AND {NOT_BACK_MATTER} ORDER BY s.paper_id, s.ord LIMIT ?",
                [*last, batch],
            ).fetchall()
            if not rows:
                return
            yield [_row(r) for r in rows]
            last = (rows[-1][1], int(rows[-1][5]))

    def passages_by_id(self, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """The passage rows (id, paper_id, page, lang, text, ord, section) for `ids` that exist, keyed by id."""
        out: dict[int, dict[str, Any]] = {}
        unique = list(dict.fromkeys(int(i) for i in ids))
        for start in range(0, len(unique), _CHUNK):
            part = unique[start : start + _CHUNK]
            marks = ",".join("?" * len(part))
            rows = self.db.execute(
                f"SELECT {_COLS} FROM passages s JOIN papers p ON p.id = s.paper_id WHERE s.id IN ({marks})", part
            ).fetchall()
            out.update({int(r[0]): _row(r) for r in rows})
        return out

    def passages_of_paper(self, paper_id: str) -> list[dict[str, Any]]:
        """A paper's passages in reading order (back matter left out)."""
        rows = self.db.execute(
            f"SELECT {_COLS} FROM passages s WHERE s.paper_id = ? AND {NOT_BACK_MATTER} ORDER BY s.ord", [paper_id]
        )
        return [_row(r) for r in rows.fetchall()]

    def passage_at(self, paper_id: str, ord: int) -> dict[str, Any] | None:
        """The passage at position `ord` of a paper, or None."""
        r = self.db.execute(f"SELECT {_COLS} FROM passages s WHERE s.paper_id = ? AND s.ord = ?", [paper_id, ord]).fetchone()
        return _row(r) if r else None

    def missing_vectors(self, model: str, shas: Sequence[str]) -> set[str]:
        """The sha256 values among `shas` that have no cached vector for `model` (reads keys only, not blobs)."""
        unique = list(dict.fromkeys(shas))
        have: set[str] = set()
        for start in range(0, len(unique), _CHUNK):
            part = unique[start : start + _CHUNK]
            marks = ",".join("?" * len(part))
            rows = self.db.execute(
                f"SELECT sha256 FROM embeddings WHERE model = ? AND sha256 IN ({marks})", [model, *part]
            ).fetchall()
            have.update(r[0] for r in rows)
        return set(unique) - have
