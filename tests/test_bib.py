"""`synth report --format bib` / `csl`: the report's references for a reference manager, parsed back by pybtex."""

from __future__ import annotations

import json

import pytest
from pybtex.database import parse_string

import corpus_builder as cb
from synth.cli import cli
from synth.index.encoders.base import HashingEncoder
from synth.store import Store
from synth.judge.run import RunParams
from synth.judge.question import verify_question

QUESTION = "Does optimal transport distillation improve cross-lingual retrieval for low-resource languages?"
HOSTILE = cb.Paper(
    "local:evil",
    "Evil {unbalanced | 100% & <b>title</b> \u202e",
    "en",
    [(1, "Optimal transport distillation improves cross-lingual retrieval for low-resource languages in Somali, "
         "as our model shows on every benchmark we tried.")],
    source="local",
    authors=["Ann {O'Brien", "de la Cruz, Maria"],
)


@pytest.fixture
def db(db_path):
    with Store(db_path) as store:
        cb.build(store, (*cb.DEFAULT, HOSTILE))
        store.upsert_paper({"id": cb.OPTICAL.id, "categories": ["cs.IR", "cs.CL"]})
        verify_question(store, QUESTION, HashingEncoder(), cb.OverlapVerifier(), RunParams(min_relevance=0.5))
    return db_path


def _report(runner, db, fmt: str) -> str:
    result = runner.invoke(cli, ["--db", str(db), "report", "--format", fmt], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_bibtex_parses_back_and_holds_every_cited_paper(runner, db):
    cited = json.loads(_report(runner, db, "json"))["references"]
    assert len(cited) >= 3 and any(r["url"] is None for r in cited)
    bib = parse_string(_report(runner, db, "bib"), "bibtex")
    entries = list(bib.entries.values())
    assert len(entries) == len(cited)
    by_eprint = {e.fields.get("eprint"): e for e in entries}
    for ref in cited:
        if ref["url"]:  # an arXiv paper
            entry = by_eprint[ref["id"]]
            assert entry.type == "misc" and entry.fields["archivePrefix"] == "arXiv"
            assert entry.fields["doi"] == f"10.48550/arXiv.{ref['id']}"
            assert entry.fields["url"] == f"https://arxiv.org/abs/{ref['id']}"
            assert entry.fields["year"] == ref["year"]
        else:  # a local file: @misc with its title
            entry = next(e for e in entries if "eprint" not in e.fields and e.fields["title"].startswith(ref["title"][:4]))
            assert entry.type == "misc"
    optical = by_eprint[cb.OPTICAL.id]
    assert optical.fields["primaryClass"] == "cs.IR"
    assert optical.fields["title"] == cb.OPTICAL.title
    assert [str(p) for p in optical.persons["author"]] == ["Author, A.", "Author, B."]


def test_special_characters_cannot_break_the_bibtex(runner, db):
    text = _report(runner, db, "bib")
    bib = parse_string(text, "bibtex")  # unbalanced braces, %, & and a bidi override still parse
    evil = next(e for e in bib.entries.values() if "Evil" in e.fields["title"])
    assert r"100\% \&" in evil.fields["title"] and r"\textbraceleft{}unbalanced" in evil.fields["title"]
    assert "U+202E" in evil.fields["title"] and "\u202e" not in text
    assert len(evil.persons["author"]) == 2
    assert len(set(bib.entries)) == len(bib.entries)  # citation keys are unique


def test_csl_json_items_for_reference_managers(runner, db):
    cited = json.loads(_report(runner, db, "json"))["references"]
    items = json.loads(_report(runner, db, "csl"))
    assert len(items) == len(cited)
    optical = next(i for i in items if i.get("number") == f"arXiv:{cb.OPTICAL.id}")
    assert optical["type"] == "article" and optical["title"] == cb.OPTICAL.title
    assert optical["issued"] == {"date-parts": [[2023, 1, 29]]}
    assert optical["author"][0] == {"family": "Author", "given": "A."}
    local = next(i for i in items if i["title"].startswith("Evil"))
    assert local["type"] == "document" and "DOI" not in local


def test_bib_of_a_missing_run_is_a_one_line_error(runner, db):
    result = runner.invoke(cli, ["--db", str(db), "report", "--run", "99", "--format", "bib"])
    assert result.exit_code == 1
    assert result.output.strip() == "Error: no run with id 99"
