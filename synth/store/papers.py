"""Papers, their passages (with FTS5), per-page errors and the fetch log."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Iterable

from .base import now
from .scan import NOT_BACK_MATTER

if TYPE_CHECKING:
    from sqlite_utils import Database


class PapersMixin:
    """Every query on papers, passages, page_errors, passages_fts and fetch_log."""

    db: "Database"

    # -- papers ---------------------------------------------------------------------------------
    def paper(self, paper_id: str) -> dict[str, Any] | None:
        """One paper row, or None."""
        rows = list(self.db["papers"].rows_where("id = ?", [paper_id]))
        return rows[0] if rows else None

    def upsert_paper(self, row: dict[str, Any]) -> None:
        """Insert or update a paper's metadata (JSON-encodes list fields, stamps times); one transaction."""
        row = dict(row)
        for key in ("authors", "categories"):
            if isinstance(row.get(key), (list, tuple)):
                row[key] = json.dumps(list(row[key]), ensure_ascii=False)
        with self.transaction():  # type: ignore[attr-defined]
            existing = self.paper(row["id"])
            row["updated_at"] = now()
            if existing is None:
                row.setdefault("added_at", row["updated_at"])
                row.setdefault("status", "pending")
            self.db["papers"].upsert(row, pk="id", alter=False)

    def replace_passages(
        self, paper_id: str, passages: Iterable[dict[str, Any]], page_errors: Iterable[dict[str, Any]] = ()
    ) -> int:
        """Atomically replace a paper's passages and page errors; returns the passage count."""
        rows = [dict(p, paper_id=paper_id, ord=i) for i, p in enumerate(passages)]
        errs = [dict(e, paper_id=paper_id) for e in page_errors]
        with self.transaction():  # type: ignore[attr-defined]
            self.db.execute("DELETE FROM passages WHERE paper_id = ?", [paper_id])
            self.db.execute("DELETE FROM page_errors WHERE paper_id = ?", [paper_id])
            if rows:
                self.db["passages"].insert_all(rows)
            if errs:
                self.db["page_errors"].insert_all(errs, replace=True)
        return len(rows)

    def store_paper(
        self,
        row: dict[str, Any],
        passages: Iterable[dict[str, Any]],
        page_errors: Iterable[dict[str, Any]] = (),
        references: Iterable[dict[str, Any]] = (),
    ) -> int:
        """A paper with all its passages and reference entries, as one transaction (never a paper with half of its
        passages)."""
        with self.transaction():  # type: ignore[attr-defined]
            self.upsert_paper(row)
            self.db.execute("DELETE FROM paper_references WHERE paper_id = ?", [row["id"]])
            refs = [dict(r, paper_id=row["id"], ord=i) for i, r in enumerate(references)]
            if refs:
                self.db["paper_references"].insert_all(refs)
            return self.replace_passages(row["id"], passages, page_errors)

    def references_of(self, paper_id: str) -> list[dict[str, Any]]:
        """A paper's reference entries in order: label, raw, doi, arxiv_id, year."""
        sql = "SELECT label, raw, doi, arxiv_id, year FROM paper_references WHERE paper_id = ? ORDER BY ord"
        keys = ("label", "raw", "doi", "arxiv_id", "year")
        return [dict(zip(keys, r)) for r in self.db.execute(sql, [paper_id]).fetchall()]

    def papers(self) -> list[dict[str, Any]]:
        """Every paper with its passage count and languages, ordered by id."""
        sql = """
        SELECT p.*, COUNT(s.id) AS passage_count,
               GROUP_CONCAT(DISTINCT s.lang) AS langs
        FROM papers p LEFT JOIN passages s ON s.paper_id = p.id
        GROUP BY p.id ORDER BY p.id
        """
        return [dict(r) for r in self.db.query(sql)]

    # -- passages -------------------------------------------------------------------------------
    def passage_count(self) -> int:
        """Stored passages."""
        return int(self.db.execute("SELECT COUNT(*) FROM passages").fetchone()[0])

    def all_passages(self) -> list[dict[str, Any]]:
        """Every passage of a stored paper in reading order, back matter left out: id, paper_id, page, lang, text, ord,
        section, section_kind."""
        rows = self.db.execute(
            "SELECT s.id, s.paper_id, s.page, s.lang, s.text, s.ord, s.section, s.section_kind FROM passages s "
            f"JOIN papers p ON p.id = s.paper_id WHERE {NOT_BACK_MATTER} ORDER BY s.paper_id, s.ord"
        ).fetchall()
        keys = ("id", "paper_id", "page", "lang", "text", "ord", "section", "section_kind")
        return [dict(zip(keys, r), text=r[4] or "") for r in rows]

    def bm25(self, fts_query: str, limit: int) -> list[tuple[int, float]]:
        """(passage id, BM25 score, higher = better) for an FTS5 query."""
        sql = (
            "SELECT f.rowid, bm25(passages_fts) AS b FROM passages_fts f JOIN passages s ON s.id = f.rowid "
            f"WHERE passages_fts MATCH ? AND {NOT_BACK_MATTER} ORDER BY b LIMIT ?"
        )
        return [(int(r[0]), -float(r[1])) for r in self.db.execute(sql, [fts_query, limit]).fetchall()]

    def fts_ids(self, fts_query: str, limit: int = 50) -> list[int]:
        """Passage ids matching an FTS5 query, in index order ([] when the query is not valid FTS syntax)."""
        import sqlite3

        try:
            rows = self.db.execute("SELECT rowid FROM passages_fts WHERE passages_fts MATCH ? LIMIT ?", [fts_query, limit])
            return [int(r[0]) for r in rows]
        except sqlite3.OperationalError:  # an FTS syntax corner case is just "no match"
            return []

    def corpus_summary(self) -> dict[str, Any]:
        """Papers, papers with text, passages and passages per language."""
        q = self.db.execute
        langs = {r[0] or "?": r[1] for r in q("SELECT lang, COUNT(*) FROM passages GROUP BY lang ORDER BY COUNT(*) DESC")}
        return {
            "papers": q("SELECT COUNT(*) FROM papers").fetchone()[0],
            "papers_with_text": q("SELECT COUNT(DISTINCT paper_id) FROM passages").fetchone()[0],
            "passages": sum(langs.values()),
            "languages": langs,
        }

    # -- fetch log ------------------------------------------------------------------------------
    def log_fetch_start(self, kind: str, request: dict[str, Any]) -> int:
        """Open a fetch-log entry; returns its id."""
        with self.transaction():  # type: ignore[attr-defined]
            table = self.db["fetch_log"]
            table.insert(
                {
                    "started_at": now(),
                    "kind": kind,
                    "request": json.dumps(request, ensure_ascii=False, default=str),
                    "hits": 0,
                    "fetched": 0,
                    "skipped": 0,
                    "failed": 0,
                    "failures": "[]",
                    "events": "[]",
                }
            )
            return int(table.last_pk)

    def log_fetch_finish(
        self,
        log_id: int,
        *,
        hits: int,
        fetched: int,
        skipped: int,
        failures: list[dict[str, Any]],
        events: list[dict[str, Any]] | None = None,
    ) -> None:
        """Close a fetch-log entry with its outcome."""
        with self.transaction():  # type: ignore[attr-defined]
            self.db["fetch_log"].update(log_id, {"finished_at": now(), **_outcome(hits, fetched, skipped, failures, events)})

    def log_fetch_progress(
        self,
        log_id: int,
        *,
        request: dict[str, Any],
        hits: int,
        fetched: int,
        skipped: int,
        failures: list[dict[str, Any]],
        events: list[dict[str, Any]] | None = None,
    ) -> None:
        """Record how far an unfinished fetch got (a paged query's listing position lives in its request), so that
        a run killed before it finishes still leaves where to resume."""
        with self.transaction():  # type: ignore[attr-defined]
            self.db["fetch_log"].update(
                log_id,
                {"request": json.dumps(request, ensure_ascii=False, default=str), **_outcome(hits, fetched, skipped, failures, events)},
            )

    def last_query_fetch(self, search_query: str) -> dict[str, Any] | None:
        """The latest fetch-log entry that listed this arXiv search (request.search_query), with its request and
        failures decoded; None if no fetch listed it."""
        row = self.db.execute(
            "SELECT id, request, failures FROM fetch_log WHERE json_valid(request) "
            "AND json_extract(request, '$.search_query') = ? ORDER BY id DESC LIMIT 1",
            [search_query],
        ).fetchone()
        if row is None:
            return None
        return {"id": row[0], "request": json.loads(row[1]), "failures": json.loads(row[2] or "[]")}

    def fetch_log(self) -> list[dict[str, Any]]:
        """Every fetch-log entry, oldest first (an entry without finished_at was interrupted)."""
        return [dict(r) for r in self.db["fetch_log"].rows_where(order_by="id")]


def _outcome(hits: int, fetched: int, skipped: int, failures: list[dict[str, Any]],
             events: list[dict[str, Any]] | None) -> dict[str, Any]:  # fmt: skip
    """The fetch-log columns of a fetch's outcome so far."""
    return {
        "hits": hits,
        "fetched": fetched,
        "skipped": skipped,
        "failed": len(failures),
        "failures": json.dumps(failures, ensure_ascii=False),
        "events": json.dumps(events or [], ensure_ascii=False, default=str),
    }
