from __future__ import annotations

import json
import re

import pytest

import corpus_builder as cb
from synth.cli import cli
from synth.index.encoders.base import HashingEncoder
from synth.report.render import md_escape, render
from synth.store import Store
from synth.judge.run import RunParams
from synth.judge.audit import verify_claims
from synth.judge.question import verify_question

QUESTION = "Does optimal transport distillation improve cross-lingual retrieval for low-resource languages?"
HOSTILE = cb.Paper(
    "local:evil",
    "Evil | <b>title</b>",
    "en",
    [(1, "Our model is <script>alert(1)</script> **much** better | than [mBERT](http) on `retrieval` in Somali, "
         "as optimal transport distillation improves cross-lingual retrieval for low-resource languages.")],
    source="local",
)
SECTIONS = ["## Abstract", "## 1 Introduction", "## 2 Methodology", "## 3 Results", "## 4 Limitations", "## 5 Extracted Claims", "## References"]


@pytest.fixture
def store(db_path):
    s = cb.build(Store(db_path), (*cb.DEFAULT, HOSTILE))
    log = s.log_fetch_start("query", {"query": "optimal transport"})
    s.log_fetch_finish(log, hits=7, fetched=5, skipped=1, failures=[{"id": "x", "reason": "404"}])
    # the hashing test encoder is a bag of words: its z scale is far below a real encoder's, so the bar is lowered
    verify_question(s, QUESTION, HashingEncoder(), cb.OverlapVerifier(), RunParams(min_relevance=0.5))
    return s


def _table_rows(md: str) -> list[str]:
    section = md.split("## 5 Extracted Claims", 1)[1].split("## References", 1)[0]
    return [ln for ln in section.splitlines() if ln.startswith("|")][2:]


def test_markdown_report_has_every_section_and_true_counts(store):
    md = render(store, fmt="md")
    positions = [md.index(h) for h in SECTIONS]
    assert positions == sorted(positions)
    assert md.startswith("# Literature synthesis: ") and "synth 0.1.0" in md
    assert f"Research question: {md_escape(QUESTION)}" in md
    assert "**Answer.**" in md
    counts = {label: store.db.execute("SELECT COUNT(*) FROM verdicts WHERE label = ?", [label]).fetchone()[0] for label in ("SUPPORTED", "REFUTED", "NOT_ENOUGH_INFO")}
    for label, n in counts.items():
        assert f"| {label} | {n} |" in md
    assert f"| Claims extracted | {store.db['claims'].count} |" in md
    assert "| Fetch-log requests | 1 |" in md and "| Papers found (API hits) | 7 |" in md and "| Papers fetched | 5 |" in md
    used = store.db.execute("SELECT COUNT(*) FROM run_papers WHERE used = 1").fetchone()[0]
    assert f"| Papers used | {used} |" in md
    assert len(_table_rows(md)) == store.db["claims"].count
    assert "quality score" not in md.lower()


def test_references_are_numbered_cited_and_resolve(store):
    md = render(store, fmt="md")
    refs = md.split("## References", 1)[1]
    numbers = [int(n) for n in re.findall(r"^\[(\d+)\]", refs, re.MULTILINE)]
    assert numbers == list(range(1, len(numbers) + 1)) and numbers
    body = md.split("## References", 1)[0]
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", body)}
    assert cited == set(numbers)  # every reference is cited, every citation resolves
    assert "<https://arxiv.org/abs/2301.12566>" in refs
    assert "arxiv.org/abs/local" not in refs
    assert re.search(r"“.+” — \[\d+\], p\. \d+ \((?:en|sw|de|fr)\)", body)


def test_a_local_paper_with_a_doi_links_to_doi_org_and_a_bad_doi_to_nothing(store):
    cited = json.loads(render(store, fmt="json"))["references"]
    local = next(r for r in cited if r["id"].startswith("local:"))
    store.upsert_paper({"id": local["id"], "doi": "10.1093/nar/gkae102"})
    md = render(store, fmt="md")
    assert "<https://doi.org/10.1093/nar/gkae102>" in md.split("## References", 1)[1]
    from synth.report.bib import references, to_bibtex

    assert "https://doi.org/10.1093/nar/gkae102" in to_bibtex(references(store))
    store.upsert_paper({"id": local["id"], "doi": "10.1093/x\"><script>"})
    assert "<script>" not in render(store, fmt="html").split("References", 1)[1]


def test_claim_text_cannot_break_the_table_or_inject_markup(store):
    md = render(store, fmt="md")
    assert "<script>" not in md and "**much**" not in md and "[mBERT](http)" not in md
    assert "| Our model is &lt;script&gt;alert(1)&lt;/script&gt; \\*\\*much\\*\\* better \\| than \\[mBERT\\]" in md
    assert "Evil \\| &lt;b&gt;title&lt;/b&gt;." in md
    for row in _table_rows(md):
        assert len(re.findall(r"(?<!\\)\|", row)) == 5, row
    assert md_escape("a | b\n<script>**x**</script> [y](z) `c` _d_") == (
        r"a \| b &lt;script&gt;\*\*x\*\*&lt;/script&gt; \[y\](z) \`c\` \_d\_"
    )


def test_newline_inside_a_stored_claim_stays_in_one_row(store):
    rid = store.db.execute("SELECT id FROM runs").fetchone()[0]
    store.db["claims"].insert({"run_id": rid, "position": 999, "text": "Line one\nline | two **bold**.", "truncated": 0})
    md = render(store, fmt="md")
    assert any(r.startswith("| Line one line \\| two \\*\\*bold\\*\\*.") for r in _table_rows(md))


def test_html_report_is_autoescaped_and_has_inline_svg_charts(store):
    html = render(store, fmt="html")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert html.count("<svg") == 2 and "http-equiv" not in html and "<script" not in html
    assert "Evil | &lt;b&gt;title&lt;/b&gt;" in html
    assert "Our model is &lt;script&gt;alert(1)&lt;/script&gt; **much** better | than" in html
    for h in ("Abstract", "1 Introduction", "2 Methodology", "3 Results", "4 Limitations", "5 Extracted Claims", "References"):
        assert f"<h2>{h}</h2>" in html


def test_json_report_shape(store):
    data = json.loads(render(store, fmt="json"))
    assert set(data) == {"run", "question", "counts", "answer", "findings", "papers", "claims", "references"}
    assert data["question"] == QUESTION and data["run"]["kind"] == "question"
    assert data["counts"]["claims"] == len(data["claims"]) == store.db["claims"].count
    item = data["claims"][0]
    assert {"claim", "verdict", "confidence", "evidence"} <= set(item)
    assert {"paper_id", "page", "text", "lang", "score"} == set(item["evidence"][0])
    assert [r["n"] for r in data["references"]] == list(range(1, len(data["references"]) + 1))


def test_audit_run_renders_in_the_same_shape(store):
    verify_claims(store, ["Glacial rivers carry more sediment during the summer melt than in winter."], HashingEncoder(), cb.OverlapVerifier(), input_file="claims.txt")
    md = render(store)  # the latest run
    assert md.startswith("# Claim audit: claims.txt")
    positions = [md.index(h) for h in SECTIONS]
    assert positions == sorted(positions)
    assert len(_table_rows(md)) == 1


def test_corpus_that_does_not_address_the_question_says_so(db_path):
    s = cb.build(Store(db_path), (cb.GEOLOGY,))
    verify_question(s, "Which enzyme catalyses photosynthetic carbon fixation?", HashingEncoder(), cb.OverlapVerifier())
    md = render(s)
    assert "does not address this question" in md


def test_report_command_errors_are_one_line(runner, db_path):
    Store(db_path).close()
    result = runner.invoke(cli, ["--db", str(db_path), "report"])
    assert result.exit_code == 1 and "no runs" in result.output and len(result.output.strip().splitlines()) == 1


def test_report_command_unknown_run_and_formats(runner, store, db_path):
    result = runner.invoke(cli, ["--db", str(db_path), "report", "--run", "42"])
    assert result.exit_code == 1 and "no run with id 42" in result.output and "Traceback" not in result.output
    ok = runner.invoke(cli, ["--db", str(db_path), "report", "--run", "1", "--format", "json"], catch_exceptions=False)
    assert ok.exit_code == 0 and json.loads(ok.stdout)["run"]["id"] == 1
    html = runner.invoke(cli, ["--db", str(db_path), "report", "--format", "html"], catch_exceptions=False)
    assert html.stdout.startswith("<!DOCTYPE html>")


def test_a_synth_report_parses_back_to_its_claims(store):
    from synth.ingest.seeds import parse_report

    seed = parse_report(render(store, fmt="md"))
    texts = [r["text"] for r in store.db.query("SELECT text FROM claims ORDER BY position")]
    assert [c.text for c in seed.claims] == texts
    assert any("<script>" in t for t in texts)  # the hostile claim survives escaping and unescaping
    assert seed.question == QUESTION
