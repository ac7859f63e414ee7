"""Every listing has --json: `synth papers`, `synth runs` and `synth claims` agree with the database."""

from __future__ import annotations

import json

import pytest

import corpus_builder as cb
from synth.cli import cli
from synth.index.encoders.base import HashingEncoder
from synth.store import Store
from synth.judge.run import RunParams
from synth.judge.audit import verify_claims
from synth.judge.question import verify_question

QUESTION = "Does optimal transport distillation improve cross-lingual retrieval for low-resource languages?"
GIVEN = ["Glacial rivers carry more sediment during the summer melt than in winter."]


@pytest.fixture
def db(db_path):
    with Store(db_path) as store:
        cb.build(store)
        verify_question(store, QUESTION, HashingEncoder(), cb.OverlapVerifier(), RunParams(min_relevance=0.5))
        verify_claims(store, GIVEN, HashingEncoder(), cb.OverlapVerifier(), input_file="claims.txt")
    return db_path


def invoke(runner, db, *args: str):
    result = runner.invoke(cli, ["--db", str(db), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def test_papers_json_lists_every_paper(runner, db):
    papers = json.loads(invoke(runner, db, "papers", "--json").stdout)
    assert [p["id"] for p in papers] == sorted(p.id for p in cb.DEFAULT)
    optical = next(p for p in papers if p["id"] == cb.OPTICAL.id)
    assert optical == {"id": cb.OPTICAL.id, "title": cb.OPTICAL.title, "year": 2023, "pages": 3, "passages": 3,
                       "languages": ["en"], "status": "ok", "error": None, "doi": None, "language": None, "dropped_glyphs": None,
                       "references": []}  # fmt: skip


def test_runs_lists_question_counts_and_status(runner, db):
    runs = json.loads(invoke(runner, db, "runs", "--json").stdout)
    assert [(r["id"], r["kind"], r["status"]) for r in runs] == [(1, "question", "done"), (2, "claims", "done")]
    assert runs[0]["question"] == QUESTION and runs[1]["input_file"] == "claims.txt"
    with Store(db) as store:
        for r in runs:
            claims = store.run_claims(r["id"])
            assert r["claims"] == len(claims)
            for label in ("SUPPORTED", "REFUTED", "NOT_ENOUGH_INFO"):
                assert r[label] == sum(c["label"] == label for c in claims)
    text = invoke(runner, db, "runs").stdout.splitlines()
    assert text[0].startswith("id\tkind\tstatus") and len(text) == 3
    assert text[1].endswith(QUESTION) and "\tdone\t" in text[1]


def test_claims_json_lists_a_runs_claims_with_verdicts(runner, db):
    latest = json.loads(invoke(runner, db, "claims", "--json").stdout)
    assert [c["claim"] for c in latest] == GIVEN and latest[0]["run"] == 2
    claims = json.loads(invoke(runner, db, "claims", "--run", "1", "--json").stdout)
    with Store(db) as store:
        stored = store.run_claims(1)
    assert [c["claim"] for c in claims] == [c["text"] for c in stored]
    assert [c["verdict"] for c in claims] == [c["label"] for c in stored]
    first = claims[0]
    assert set(first) == {"id", "run", "position", "claim", "verdict", "confidence", "reason", "lang", "paper_id", "page", "truncated", "evidence"}
    assert first["evidence"] and set(first["evidence"][0]) == {"paper_id", "page", "text", "lang", "score"}


def test_claims_text_and_verdict_filter(runner, db):
    claims = json.loads(invoke(runner, db, "claims", "--run", "1", "--json").stdout)
    verdict = claims[0]["verdict"]
    only = json.loads(invoke(runner, db, "claims", "--run", "1", "--verdict", verdict.lower(), "--json").stdout)
    assert only and {c["verdict"] for c in only} == {verdict} and len(only) == sum(c["verdict"] == verdict for c in claims)
    lines = invoke(runner, db, "claims", "--run", "1").stdout.splitlines()
    assert lines[0] == "position\tverdict\tconfidence\tlang\tpaper\tpage\tclaim"
    assert len(lines) == len(claims) + 1
    assert all(len(line.split("\t")) == 7 for line in lines)


def test_claims_of_a_missing_run_is_a_one_line_error(runner, db):
    result = runner.invoke(cli, ["--db", str(db), "claims", "--run", "42", "--json"])
    assert result.exit_code == 1 and result.output.strip() == "Error: no run with id 42"
    result = runner.invoke(cli, ["--db", str(db), "claims", "--verdict", "MAYBE"])
    assert result.exit_code == 2 and "Traceback" not in result.output
