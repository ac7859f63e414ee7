"""The SQLite store: one file, opened through sqlite-utils, migrated on open, WAL mode."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from sqlite_utils import Database

from .errors import StoreError
from .migrations import migrations


def now() -> str:
    """UTC timestamp in ISO format, as stored in every *_at column."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Store:
    """All database work goes through here; `Store(path)` creates and migrates the file if needed."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        try:
            if str(self.path) != ":memory:":
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = Database(self.path)
            self.db.enable_wal()
            self.db.execute("PRAGMA foreign_keys = ON")
            self.db.execute("PRAGMA busy_timeout = 30000")
            migrations.apply(self.db)
        except (sqlite3.DatabaseError, OSError) as exc:
            raise StoreError(f"cannot open database {self.path}: {exc}") from exc

    def close(self) -> None:
        """Close the connection."""
        self.db.close()

    # -- papers -------------------------------------------------------------------------------
    def paper(self, paper_id: str) -> dict[str, Any] | None:
        """One paper row, or None."""
        rows = list(self.db["papers"].rows_where("id = ?", [paper_id]))
        return rows[0] if rows else None

    def upsert_paper(self, row: dict[str, Any]) -> None:
        """Insert or update a paper's metadata (JSON-encodes list fields, stamps times)."""
        row = dict(row)
        for key in ("authors", "categories"):
            if isinstance(row.get(key), (list, tuple)):
                row[key] = json.dumps(list(row[key]), ensure_ascii=False)
        existing = self.paper(row["id"])
        row["updated_at"] = now()
        if existing is None:
            row.setdefault("added_at", row["updated_at"])
            row.setdefault("status", "pending")
        self.db["papers"].upsert(row, pk="id", alter=False)

    def replace_passages(self, paper_id: str, passages: Iterable[dict[str, Any]], page_errors: Iterable[dict[str, Any]] = ()) -> int:
        """Atomically replace a paper's passages and page errors; returns the passage count."""
        rows = [dict(p, paper_id=paper_id, ord=i) for i, p in enumerate(passages)]
        with self.db.atomic():  # sqlite-utils commits each execute() outside BEGIN; `with conn:` did not hold
            self.db.execute("DELETE FROM passages WHERE paper_id = ?", [paper_id])
            self.db.execute("DELETE FROM page_errors WHERE paper_id = ?", [paper_id])
            if rows:
                self.db["passages"].insert_all(rows)
            errs = [dict(e, paper_id=paper_id) for e in page_errors]
            if errs:
                self.db["page_errors"].insert_all(errs, replace=True)
        return len(rows)

    def papers(self) -> list[dict[str, Any]]:
        """Every paper with its passage count, page count and languages, ordered by id."""
        sql = """
        SELECT p.*, COUNT(s.id) AS passage_count,
               GROUP_CONCAT(DISTINCT s.lang) AS langs
        FROM papers p LEFT JOIN passages s ON s.paper_id = p.id
        GROUP BY p.id ORDER BY p.id
        """
        return [dict(r) for r in self.db.query(sql)]

    # -- fetch log ----------------------------------------------------------------------------
    def log_fetch_start(self, kind: str, request: dict[str, Any]) -> int:
        """Open a fetch-log entry; returns its id."""
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
        self.db["fetch_log"].update(
            log_id,
            {
                "finished_at": now(),
                "hits": hits,
                "fetched": fetched,
                "skipped": skipped,
                "failed": len(failures),
                "failures": json.dumps(failures, ensure_ascii=False),
                "events": json.dumps(events or [], ensure_ascii=False, default=str),
            },
        )

    def fetch_log(self) -> list[dict[str, Any]]:
        """Every fetch-log entry, oldest first."""
        return [dict(r) for r in self.db["fetch_log"].rows_where(order_by="id")]
