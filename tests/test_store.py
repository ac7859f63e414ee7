from __future__ import annotations

import sqlite3

import pytest

from synth.cli import cli
from synth.errors import StoreError
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
    assert rows == [{"id": "2301.12566", "title": "OPTICAL", "year": 2023, "pages": 2, "passages": 2, "languages": ["en", "sw"],
                     "status": "ok", "error": None, "doi": None, "language": None, "dropped_glyphs": None,
                     "references": []}]


def test_bad_database_is_one_line_error(tmp_path, runner):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    result = runner.invoke(cli, ["--db", str(bad), "papers"])
    assert result.exit_code == 1
    assert "cannot open database" in result.output
    assert "Traceback" not in result.output


def test_a_failed_claim_write_leaves_nothing_behind(db_path):
    """A claim, its evidence and its verdict are one transaction: an error in the last insert keeps none of them."""
    with Store(db_path) as store:
        run_id = store.start_run("claims", "", None, {})
        evidence = [{"passage_id": 1, "paper_id": "p", "text": "e", "retrieval_score": 0.5}]
        with pytest.raises(sqlite3.OperationalError, match="no column named nope"):
            store.save_judged_claim(run_id, 1, {"text": "c"}, evidence, {"label": "SUPPORTED", "nope": 1})
        assert store.stored_claims(run_id) == {}
        assert store.db["evidence"].count == 0
        store.save_judged_claim(run_id, 1, {"text": "c"}, evidence, {"label": "SUPPORTED", "confidence": 0.9, "verifier": "v"})
        assert store.stored_claims(run_id) == {1: "c"} and store.db["verdicts"].count == 1


def test_runs_of_a_dead_process_read_as_interrupted_and_can_be_resumed(db_path):
    with Store(db_path) as store:
        run_id = store.start_run("claims", "", "x.txt", {})
        assert store.run(run_id)["status"] == "running"  # this process is alive
        store.db["runs"].update(run_id, {"pid": 2**22 + 12345})  # no such process
        assert store.run(run_id)["status"] == "interrupted"
        store.resume_run(run_id)
        assert store.run(run_id)["status"] == "running"
        counts = store.finish_run(run_id, {"extra": 1})
        assert counts["claims"] == 0 and counts["extra"] == 1 and store.run(run_id)["status"] == "done"
        with pytest.raises(StoreError, match="is done"):
            store.resume_run(run_id)


def test_a_database_from_a_newer_synth_is_refused(db_path, runner):
    Store(db_path).close()
    con = sqlite3.connect(db_path)
    con.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('synth', 'm999_future', 'x')")
    con.commit()
    con.close()
    result = runner.invoke(cli, ["--db", str(db_path), "papers"])
    assert result.exit_code == 1 and "written by a newer synth" in result.output and "m999_future" in result.output


def test_an_interrupt_right_after_begin_leaves_no_open_transaction(tmp_path):
    """SIGTERM / Ctrl-C landing just after BEGIN: the transaction is rolled back, so the next write (closing the run
    as interrupted) commits instead of joining a transaction nobody commits."""
    store = Store(tmp_path / "t.db")
    real = store.db.conn

    class Interrupting:
        def __init__(self) -> None:
            self.armed = True

        def execute(self, sql, *args):
            cur = real.execute(sql, *args)
            if self.armed and sql == "BEGIN IMMEDIATE":
                self.armed = False
                raise KeyboardInterrupt
            return cur

        def __getattr__(self, name):
            return getattr(real, name)

    store.db.conn = Interrupting()
    with pytest.raises(KeyboardInterrupt):
        with store.transaction():
            pass
    store.db.conn = real
    assert not real.in_transaction
    with store.transaction() as db:
        db.execute("CREATE TABLE marker (x)")
    other = sqlite3.connect(tmp_path / "t.db")
    assert other.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'marker'").fetchone()[0] == 1
