from __future__ import annotations

import sqlite3

from synth.cli import cli
from synth.store import Store


def test_store_migrates_and_uses_wal(db_path):
    store = Store(db_path)
    tables = set(store.db.table_names())
    assert {"papers", "passages", "passages_fts", "fetch_log", "embeddings", "runs", "claims", "evidence", "verdicts"} <= tables
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store.close()
    # re-opening applies nothing twice
    again = Store(db_path)
    names = [r["name"] for r in again.db["_sqlite_migrations"].rows]
    assert len(names) == len(set(names))


def test_passages_are_replaced_atomically_and_searchable(db_path):
    store = Store(db_path)
    store.upsert_paper({"id": "2301.12566", "title": "OPTICAL", "authors": ["A", "B"], "source": "arxiv"})
    store.replace_passages("2301.12566", [{"page": 1, "text": "Optimal transport distillation works.", "lang": "en"}])
    store.replace_passages("2301.12566", [{"page": 1, "text": "Sinkhorn plans align tokens.", "lang": "en"}, {"page": 2, "text": "Swahili retrieval.", "lang": "en"}])
    assert store.db["passages"].count == 2
    hits = list(store.db.query("SELECT rowid FROM passages_fts WHERE passages_fts MATCH 'sinkhorn'"))
    assert len(hits) == 1


def test_papers_command_lists_json(db_path, runner):
    store = Store(db_path)
    store.upsert_paper({"id": "2301.12566", "title": "OPTICAL", "published": "2023-01-29", "source": "arxiv", "pages": 2, "status": "ok"})
    store.replace_passages("2301.12566", [{"page": 1, "text": "x", "lang": "en"}, {"page": 2, "text": "y", "lang": "sw"}])
    result = runner.invoke(cli, ["--db", str(db_path), "papers", "--json"], catch_exceptions=False)
    assert result.exit_code == 0
    import json

    rows = json.loads(result.stdout)
    assert rows == [{"id": "2301.12566", "title": "OPTICAL", "year": 2023, "pages": 2, "passages": 2, "languages": ["en", "sw"], "status": "ok"}]


def test_bad_database_is_one_line_error(tmp_path, runner):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    result = runner.invoke(cli, ["--db", str(bad), "papers"])
    assert result.exit_code == 1
    assert "cannot open database" in result.output
    assert "Traceback" not in result.output
