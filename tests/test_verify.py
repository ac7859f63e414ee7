from __future__ import annotations

import json
import re

import pytest

import corpus_builder as cb
from synth.cli import cli
from synth.store import Store

QUESTION = "Does optimal transport distillation improve cross-lingual retrieval for low-resource languages?"


@pytest.fixture
def corpus(db_path, monkeypatch):
    """The generated corpus, and the test-double verifier wired in (orchestration tests only)."""
    monkeypatch.setattr("synth.commands.verify.load_verifier", lambda settings, nli: cb.OverlapVerifier())
    cb.build(Store(db_path)).close()
    return db_path


def _run(runner, db, *args):
    return runner.invoke(cli, ["--db", str(db), "--quiet", *args], catch_exceptions=False)


def test_question_run_stores_ranking_claims_evidence_and_verdicts(runner, corpus):
    result = _run(runner, corpus, "verify", "--question", QUESTION, "--encoder", "hashing", "--max-claims", "8")
    assert result.exit_code == 0, result.output
    line = result.stdout.strip()
    n = int(re.match(r"run 1: (\d+) claims:", line).group(1))
    assert 1 <= n <= 8 and "SUPPORTED" in line and "NOT_ENOUGH_INFO" in line
    db = Store(corpus).db
    assert db["claims"].count == n and db["verdicts"].count == n
    assert db["run_ranking"].count > 0
    used = [r["paper_id"] for r in db.query("SELECT paper_id FROM run_papers WHERE used = 1")]
    assert cb.OPTICAL.id in used and cb.GEOLOGY.id not in used
    # every SUPPORTED/REFUTED verdict has evidence, and evidence never quotes the claim's own sentence
    bad = list(
        db.query(
            "SELECT c.id FROM claims c JOIN verdicts v ON v.claim_id = c.id WHERE v.label != 'NOT_ENOUGH_INFO' "
            "AND NOT EXISTS (SELECT 1 FROM evidence e WHERE e.claim_id = c.id)"
        )
    )
    assert bad == []
    assert list(db.query("SELECT 1 FROM evidence e JOIN claims c ON c.id = e.claim_id WHERE e.text = c.text")) == []
    texts = [r["text"] for r in db.query("SELECT text FROM claims")]
    assert all(t.endswith(".") and not t.startswith(("Figure", "Jedwali", "Copyright")) for t in texts)


def test_json_lines_follow_the_input_order_of_given_claims(runner, corpus, tmp_path):
    claims = tmp_path / "claims.txt"
    given = [
        "The loss is defined as the Frobenius inner product of the transportation plan and the cost matrix.",
        "Glacial rivers carry more sediment during the summer melt than in winter.",
        "Volcanoes on Mars are taller than any on Earth.",
    ]
    claims.write_text("\n".join(given) + "\n\n", encoding="utf-8")
    result = _run(runner, corpus, "verify", "--claims", str(claims), "--encoder", "hashing", "--json")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["claim"] for r in rows] == given
    assert set(rows[0]) >= {"claim", "verdict", "confidence", "evidence"}
    assert set(rows[0]["evidence"][0]) == {"paper_id", "page", "text", "lang", "score"}
    assert rows[0]["verdict"] == "REFUTED"  # the double sees the follow-up paper's negation
    assert rows[0]["evidence"][0]["paper_id"] == cb.FOLLOWUP.id


def test_claims_from_report_match_truncated_claims_back(runner, corpus, tmp_path):
    report = tmp_path / "seed.txt"
    report.write_text(
        "# Seed\n\nResearch question: Does OT help?.\n\n## 5 Extracted Claims\n\nClaim\tVerified\tConfidence\n"
        "OPTICAL outperforms the neural machine translation baseline by 13.7% MAP on Swah\t✓\t0.2\n"
        "Glaciers melt faster on south-facing slopes than on the northern sides of the same mount\t✓\t0.3\n"
        "\n## References\n\n- <http://arxiv.org/abs/2301.12566v1>\n",
        encoding="utf-8",
    )
    result = _run(runner, corpus, "verify", "--claims-from-report", str(report), "--encoder", "hashing", "--json")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows[0]["claim"] == "OPTICAL outperforms the neural machine translation baseline by 13.7% MAP on Swahili retrieval."
    assert rows[0]["truncated"] is False
    assert rows[1]["truncated"] is True
    run = next(Store(corpus).db.query("SELECT * FROM runs"))
    assert run["kind"] == "claims" and run["question"] == "Does OT help?"


@pytest.mark.parametrize(
    "args, message",
    [
        (["verify", "--question", "   "], "question is empty"),
        (["verify", "--claims", "/nonexistent/claims.txt"], "not found"),
        (["verify", "--claims-from-report", "/nonexistent/seed.txt"], "not found"),
        (["verify"], "exactly one of"),
    ],
)
def test_bad_input_is_a_one_line_error(runner, corpus, args, message):
    result = runner.invoke(cli, ["--db", str(corpus), *args])
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_empty_database_is_a_one_line_error(runner, db_path):
    result = runner.invoke(cli, ["--db", str(db_path), "verify", "--question", QUESTION, "--encoder", "hashing"])
    assert result.exit_code == 1
    assert "no papers" in result.output and len(result.output.strip().splitlines()) == 1


def test_question_run_over_an_ingested_multilingual_txt_corpus(runner, db_path, tmp_path, monkeypatch):
    monkeypatch.setattr("synth.commands.verify.load_verifier", lambda settings, nli: cb.OverlapVerifier())
    store = cb.ingest(Store(db_path), tmp_path / "files")
    langs = {r["lang"] for r in store.db.query("SELECT DISTINCT lang FROM passages")}
    assert {"en", "sw", "de", "fr"} <= langs
    store.close()
    result = _run(runner, db_path, "verify", "-Q", "Frobenius inner product loss of the transportation plan", "--encoder", "hashing", "--json")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows[0]["claim"] in (
        "The loss is defined as the Frobenius inner product of the transportation plan and the cost matrix.",
        "Contrary to the original report, the loss is not the Frobenius inner product of the transportation plan and the cost matrix.",
    )
    assert all(r["claim"][-1] in ".!" for r in rows)


def test_progress_goes_to_stderr_and_stdout_keeps_only_the_summary(runner, corpus, monkeypatch):
    monkeypatch.setenv("SYNTH_RERANK", "0")  # relevance alone: every relevant paper gives claims up to --max-claims
    result = runner.invoke(cli, ["--db", str(corpus), "verify", "-Q", QUESTION, "--encoder", "hashing", "--max-claims", "2"], catch_exceptions=False)
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 1 and result.stdout.startswith("run 1: 2 claims: ")
    assert "verifying" in result.stderr


def test_a_sentence_repeated_across_papers_is_boilerplate_not_a_claim():
    from synth.judge.question import repeated_sentences

    note = "This summary was written for the demo corpus and is not the original paper."
    rows = [{"paper_id": p, "text": f"{note} Paper {p} improves recall by {i} points."} for i, p in enumerate("abc")]
    keys = repeated_sentences(rows)
    assert len(keys) == 1 and repeated_sentences(rows[:2]) == set()


def test_empty_claims_file_is_a_one_line_error(runner, corpus, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n  \n", encoding="utf-8")
    result = runner.invoke(cli, ["--db", str(corpus), "verify", "--claims", str(empty)])
    assert result.exit_code == 1 and "no claims" in result.output and len(result.output.strip().splitlines()) == 1


def test_claims_files_in_other_encodings_are_read_and_binary_is_refused(tmp_path):
    from synth.errors import BadInputError
    from synth.judge.audit import read_claims_file

    claims = ["Le modèle surpasse la traduction de 13,7 points.", "Das Modell übertrifft mBERT\x1c deutlich."]
    for encoding in ("latin-1", "utf-16", "utf-16-le", "utf-8-sig"):
        path = tmp_path / f"{encoding}.txt"
        path.write_bytes("\r\n".join(claims).encode(encoding, errors="replace") if encoding == "latin-1" else "\n".join(claims).encode(encoding))
        texts = [c.text for c in read_claims_file(str(path))]
        assert texts[0] == claims[0] and len(texts) == 2, encoding
    junk = tmp_path / "junk.txt"
    junk.write_bytes(bytes(range(256)) * 50)
    with pytest.raises(BadInputError, match="not a text file of claims"):
        read_claims_file(str(junk))


def test_back_matter_is_never_a_claim_nor_evidence_nor_embedded(db_path):
    from synth.index.encoders.base import HashingEncoder
    from synth.judge.question import verify_question
    from synth.judge.run import RunParams

    store = cb.build(Store(db_path))
    thanks = ("Optimal transport distillation improves cross-lingual retrieval for low-resource languages, "
              "as the funders of this work at the Foundation believed when they supported it in 2023.")  # fmt: skip
    paper = store.paper(cb.OPTICAL.id)
    rows = store.passages_of_paper(cb.OPTICAL.id)
    back = [{"page": 3, "text": thanks, "lang": "en", "section": "Acknowledgements", "section_kind": "acknowledgements"},
            {"page": 3, "text": thanks.replace("funders", "reviewers"), "lang": "en", "section": "References",
             "section_kind": "references"}]  # fmt: skip
    store.store_paper(paper, [{k: r[k] for k in ("page", "text", "lang", "section")} for r in rows] + back)
    run_id, _ = verify_question(store, QUESTION, HashingEncoder(), cb.OverlapVerifier(), RunParams(min_relevance=0.5))
    claims = store.run_claims(run_id)
    assert claims
    said = [c["text"] for c in claims] + [e["text"] for c in claims for e in c["evidence"]]
    assert not [s for s in said if "funders" in s or "reviewers" in s]
    assert not [t for batch in store.passage_texts() for _, t in batch if "funders" in t]  # what the index embeds
