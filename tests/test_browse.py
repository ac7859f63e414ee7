"""`synth browse`: the database in Datasette with synth's metadata; every canned query runs on a real database."""

from __future__ import annotations

import asyncio
import json

import pytest

import corpus_builder as cb
from synth.cli import cli
from synth.index.encoders.base import HashingEncoder
from synth.store import Store
from synth.judge.run import RunParams
from synth.judge.question import verify_question

pytest.importorskip("datasette", reason="Datasette comes with the browse extra: pip install '.[browse]'")

from synth.report import browse  # noqa: E402

QUESTION = "Does optimal transport distillation improve cross-lingual retrieval for low-resource languages?"
LONG_QUOTE = "Optimal transport distillation " + "keeps every token aligned across languages, " * 60 + "end of quote."


@pytest.fixture
def db(db_path):
    with Store(db_path) as store:
        cb.build(store)
        log = store.log_fetch_start("ids", {"ids": ["2301.99999"]})
        store.log_fetch_finish(log, hits=1, fetched=0, skipped=0, failures=[{"id": "2301.99999", "reason": "HTTP 404"}])
        run_id, _ = verify_question(store, QUESTION, HashingEncoder(), cb.OverlapVerifier(), RunParams(min_relevance=0.5))
        claim = store.run_claims(run_id)[0]
        store.db["evidence"].insert(
            {"claim_id": claim["id"], "rank": 99, "paper_id": cb.GERMAN.id, "page": 1, "lang": "de", "text": LONG_QUOTE,
             "retrieval_score": 0.1, "p_support": 0.2, "p_refute": 0.1, "p_nei": 0.7}
        )  # fmt: skip
    return db_path


def get(ds, path: str):
    """One request through Datasette's own test client."""
    return asyncio.run(ds.client.get(path))


def rows(ds, name: str, **params: str) -> list[dict]:
    query = "&".join(f"{k}={v}" for k, v in {"run": "", "verdict": "", "lang": "", **params}.items())
    response = get(ds, f"/synth/{name}.json?_shape=array&{query}")
    assert response.status_code == 200, (name, response.text[:500])
    return response.json()


def test_every_canned_query_runs_on_a_real_database(db):
    ds = browse.app(db)
    names = set(browse.canned_queries())
    assert {"claims_by_verdict", "findings", "evidence_by_language", "evidence_quotes", "papers_per_run", "fetch_failures"} <= names
    with Store(db) as store:
        run = store.run()
        claims = store.run_claims(run["id"])
        used = [p for p in store.run_papers(run["id"]) if p["used"]]
        findings = store.findings(run["id"])
    for name in names:
        assert rows(ds, name) or name == "findings" and not findings, name
    for name in names:  # and with the run named explicitly
        assert rows(ds, name, run=str(run["id"])) == rows(ds, name), name

    listed = rows(ds, "claims_by_verdict")
    assert sorted(r["claim"] for r in listed) == sorted(c["text"] for c in claims)
    refuted = rows(ds, "claims_by_verdict", verdict="refuted")
    assert refuted and {r["verdict"] for r in refuted} == {"REFUTED"}
    assert all(r["evidence"].startswith("“") and "p. " in r["evidence"] for r in listed)

    assert [r["paper_id"] for r in rows(ds, "papers_per_run")] == [p["paper_id"] for p in used]
    assert rows(ds, "fetch_failures") == [
        {"fetch_log_id": 1, "started_at": rows(ds, "fetch_failures")[0]["started_at"], "kind": "ids",
         "paper": "2301.99999", "reason": "HTTP 404"}
    ]  # fmt: skip
    by_lang = {r["lang"]: r for r in rows(ds, "evidence_by_language")}
    assert "de" in by_lang and sum(r["evidence"] for r in by_lang.values()) == sum(len(c["evidence"]) for c in claims)
    german = rows(ds, "evidence_quotes", lang="de")
    assert german and {r["lang"] for r in german} == {"de"}
    if findings:
        assert rows(ds, "findings")[0]["stated_by"]


def test_findings_name_agreeing_and_conflicting_papers_by_title(db):
    with Store(db) as store:
        run_id = store.run()["id"]
        claim_ids = [c["id"] for c in store.run_claims(run_id)[:2]]
        store.save_findings(run_id, [{"label": "OT distillation helps", "claim_ids": claim_ids, "paper_ids": [cb.OPTICAL.id],
                                      "agree": [cb.FRENCH.id], "conflict": [cb.FOLLOWUP.id]}])  # fmt: skip
    (finding,) = rows(browse.app(db), "findings")
    assert finding["stated_by"] == cb.OPTICAL.title
    assert finding["agreeing"] == cb.FRENCH.title and finding["agreeing_papers"] == 1
    assert finding["conflicting"] == cb.FOLLOWUP.title and finding["conflicting_papers"] == 1
    assert finding["claims"].count("“") == 2


def test_tables_are_described_and_labelled(db):
    ds = browse.app(db)
    meta = browse.metadata(db)["databases"]["synth"]["tables"]
    with Store(db) as store:
        tables = [t for t in store.db.table_names() if not t.startswith("passages_fts")]
    assert set(tables) <= set(meta), set(tables) - set(meta)
    assert all(meta[t].get("description") for t in tables)
    page = get(ds, "/synth/claims").text
    assert "The claims of each run, whole" in page and "The whole claim" in page  # table and column descriptions
    passages = get(ds, "/synth/passages").text
    assert cb.OPTICAL.title in passages  # passages show their paper by title (papers.label_column)
    home = get(ds, "/synth").text
    assert "Claims by verdict" in home and "Evidence by language" in home and "_sqlite_migrations" not in home


def test_evidence_quotes_are_shown_whole(db):
    ds = browse.app(db)
    html = get(ds, "/synth/evidence_quotes?run=&lang=de").text
    assert "end of quote.”" in html and len(LONG_QUOTE) > 2048  # over Datasette's default cut
    assert "col-quote" in html and browse.stylesheet_url()[:40] in html


def test_browse_prints_metadata_for_a_plain_datasette_call(runner, db):
    result = runner.invoke(cli, ["--db", str(db), "browse", "--metadata"], catch_exceptions=False)
    assert result.exit_code == 0
    meta = json.loads(result.stdout)
    assert list(meta["databases"]) == ["synth"]  # named after the file, as Datasette names it
    assert "claims_by_verdict" in meta["databases"]["synth"]["queries"]
    other = db.with_name("demo.db")
    db.rename(other)
    result = runner.invoke(cli, ["--db", str(other), "browse", "--metadata"], catch_exceptions=False)
    assert list(json.loads(result.stdout)["databases"]) == ["demo"]


def test_browse_without_a_database_is_a_one_line_error(runner, tmp_path):
    missing = tmp_path / "nothing.db"
    result = runner.invoke(cli, ["--db", str(missing), "browse"])
    assert result.exit_code == 1
    assert result.output.strip().startswith("Error: no database at") and len(result.output.strip().splitlines()) == 1
    assert not missing.exists()


def test_synth_browse_serves_the_database_over_http(db):
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "synth.cli", "--db", str(db), "browse", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}/synth/claims_by_verdict.json?_shape=array&run=&verdict=REFUTED"
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    listed = json.loads(response.read())
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "synth browse did not start"
                time.sleep(0.2)
        assert listed and {r["verdict"] for r in listed} == {"REFUTED"}
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=15)
    assert "Traceback" not in out, out


def test_browse_without_datasette_says_how_to_install_it(runner, db, monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "datasette", None)  # as if the browse extra were not installed
    result = runner.invoke(cli, ["--db", str(db), "browse"])
    assert result.exit_code == 1
    assert result.output.strip() == "Error: synth browse needs Datasette: pip install 'synth[browse]'"
