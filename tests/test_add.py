"""`synth add` and synth.ingest.files on real files: PDFs from tests/pdfgen.py, .txt and .md."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pdfgen import blank_pdf, english_paper, german_paper, truncated_pdf_bytes

from synth.cli import cli
from synth.ingest.files import file_sha256, ingest_file, local_paper_id
from synth.store import Store

TXT = """Notes on Optimal Transport

1 Introduction
Sinkhorn iterations give a soft alignment between tokens. They are cheap and differentiable.

2 Results
The student improves retrieval for Swahili queries.
"""
MD = """# Cross-lingual Retrieval Notes

Dense retrievers map queries and passages into one space. **Distillation** helps low-resource languages.

## Method

We align token vectors with [optimal transport](https://example.org). The plan is computed with Sinkhorn.

## References

1. Cuturi, M. Sinkhorn distances. 2013.
"""


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    d = tmp_path / "papers"
    (d / "sub").mkdir(parents=True)
    english_paper(d / "en.pdf")
    german_paper(d / "sub" / "de.pdf")
    blank_pdf(d / "scan.pdf")
    (d / "sub" / "cut.pdf").write_bytes(truncated_pdf_bytes())
    (d / "notes.txt").write_text(TXT)
    (d / "sub" / "notes.md").write_text(MD)
    (d / "image.png").write_bytes(b"\x89PNG not a paper")  # not a supported suffix: ignored inside a folder
    return d


def add(runner, db_path, *args):
    return runner.invoke(cli, ["--db", str(db_path), "--quiet", "add", *map(str, args)], catch_exceptions=False)


def papers_json(runner, db_path):
    result = runner.invoke(cli, ["--db", str(db_path), "papers", "--json"], catch_exceptions=False)
    assert result.exit_code == 0
    return {row["title"]: row for row in json.loads(result.stdout)}


def test_add_folder_stores_papers_and_reports_failures(runner, db_path, corpus):
    result = add(runner, db_path, corpus)
    assert result.exit_code == 1  # two files failed: a truncated PDF and a scan without a text layer
    assert result.stdout.startswith("added 4, skipped 0, failed 2")
    failed_lines = sorted((ln for ln in result.stderr.splitlines() if ln.startswith("failed:")), key=lambda ln: "scan" in ln)
    assert len(failed_lines) == 2 and "cut.pdf" in failed_lines[0] and "incomplete PDF" in failed_lines[0]
    assert "scan.pdf" in failed_lines[1] and failed_lines[1].endswith("no text layer (scanned PDF?)")
    assert "Traceback" not in result.output

    rows = papers_json(runner, db_path)
    en = rows["Optimal Transport Distillation for Cross-Lingual Retrieval"]
    assert en["status"] == "ok" and en["pages"] == 3 and en["passages"] > 20 and en["languages"] == ["en"]
    de = rows["Destillation mit optimalem Transport für die sprachübergreifende Suche"]
    assert de["languages"] == ["de"] and de["pages"] == 2
    scan = rows["scan"]  # stored as failed with the reason, not as an empty paper
    assert scan["status"] == "failed" and scan["passages"] == 0 and scan["error"] == "no text layer (scanned PDF?)"
    assert rows["cut"]["status"] == "failed"
    assert rows["Notes on Optimal Transport"]["passages"] == 2  # title line is not a passage
    assert rows["Cross-lingual Retrieval Notes"]["passages"] == 2  # reference list dropped
    assert all(r["id"].startswith("local:") for r in rows.values())

    store = Store(db_path)
    paper = store.paper(local_paper_id(file_sha256(corpus / "en.pdf")))
    assert paper["source"] == "local" and paper["pdf_sha256"] == file_sha256(corpus / "en.pdf")
    assert Path(paper["pdf_path"]).is_absolute()
    sections = {r["section"] for r in store.db.query("SELECT section FROM passages WHERE paper_id = ?", [paper["id"]])}
    assert {"1 Introduction", "3 Method"} <= sections and "References" not in sections
    md_sections = [r["section"] for r in store.db.query("SELECT section FROM passages s JOIN papers p ON p.id = s.paper_id WHERE p.title = 'Cross-lingual Retrieval Notes' ORDER BY ord")]
    assert md_sections == ["Cross-lingual Retrieval Notes", "Method"]
    (log,) = store.fetch_log()
    assert log["kind"] == "add" and (log["hits"], log["fetched"], log["skipped"], log["failed"]) == (6, 4, 0, 2)
    assert sorted(Path(f["id"]).name for f in json.loads(log["failures"])) == ["cut.pdf", "scan.pdf"]


def test_re_adding_is_idempotent(runner, db_path, corpus):
    add(runner, db_path, corpus)
    store = Store(db_path)
    before = (store.db["papers"].count, store.db["passages"].count)
    again = add(runner, db_path, corpus, corpus / "en.pdf")
    assert again.stdout.startswith("added 0, skipped 4, failed 2")  # the broken file and the scan are retried, and fail again
    assert (store.db["papers"].count, store.db["passages"].count) == before
    fts = store.db.execute("SELECT COUNT(*) FROM passages_fts").fetchone()[0]
    assert fts == before[1]


def test_lang_and_title_options(runner, db_path, tmp_path):
    pdf = german_paper(tmp_path / "de.pdf")
    result = add(runner, db_path, pdf, "--lang", "sw", "--title", "Given Title")
    assert result.exit_code == 0, result.output
    (row,) = papers_json(runner, db_path).values()
    assert row["title"] == "Given Title" and row["languages"] == ["sw"]
    two = add(runner, db_path, pdf, tmp_path / "de.pdf", tmp_path)
    assert two.exit_code == 0  # the same file thrice is one file


def test_title_needs_one_file_and_lang_must_be_a_code(runner, db_path, corpus):
    result = add(runner, db_path, corpus, "--title", "X")
    assert result.exit_code != 0 and "exactly one file" in result.output
    result = add(runner, db_path, corpus / "en.pdf", "--lang", "english!")
    assert result.exit_code != 0 and "language code" in result.output


def test_missing_path_is_a_one_line_error(runner, db_path, corpus):
    result = add(runner, db_path, corpus / "en.pdf", corpus / "nope.pdf")
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [f"Error: no such file or directory: {corpus / 'nope.pdf'}"]
    assert Store(db_path).db["papers"].count == 0  # nothing was added before the check


def test_folder_without_papers_says_so(runner, db_path, tmp_path):
    (tmp_path / "empty").mkdir()
    result = add(runner, db_path, tmp_path / "empty")
    assert result.exit_code == 0
    assert result.stdout.startswith("added 0, skipped 0, failed 0")
    assert "no PDF, .txt or .md files" in result.stderr


def test_unsupported_file_given_explicitly_fails_alone(runner, db_path, corpus):
    result = add(runner, db_path, corpus / "image.png", corpus / "notes.txt")
    assert result.exit_code == 1
    assert result.stdout.startswith("added 1, skipped 0, failed 1")
    assert "unsupported file type .png" in result.stderr


def test_failed_reparse_keeps_the_stored_passages(db_path, tmp_path):
    store = Store(db_path)
    good = english_paper(tmp_path / "good.pdf")
    first = ingest_file(store, "2301.12566", good, {"title": "OPTICAL", "authors": ["Z. Huang"], "source": "arxiv"})
    assert first.status == "ok" and first.passages > 0 and first.pages == 3
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(truncated_pdf_bytes())
    second = ingest_file(store, "2301.12566", bad, {"title": "OPTICAL", "source": "arxiv"})
    assert second.status == "failed" and "bad.pdf" in second.error and "\n" not in second.error
    paper = store.paper("2301.12566")
    assert paper["status"] == "failed" and paper["error"] == second.error
    assert paper["pdf_path"] == str(good) and paper["title"] == "OPTICAL" and json.loads(paper["authors"]) == ["Z. Huang"]
    assert store.db["passages"].count == first.passages


def test_many_small_files_in_one_call(runner, db_path, tmp_path):
    d = tmp_path / "many"
    d.mkdir()
    for i in range(300):
        (d / f"note{i:04d}.txt").write_text(f"Note {i}\n\nOptimal transport note number {i} is short. It has two sentences.\n")
    result = add(runner, db_path, d)
    assert result.exit_code == 0
    assert result.stdout.startswith("added 300, skipped 0, failed 0")
    store = Store(db_path)
    assert store.db["passages"].count == 300 and store.db["papers"].count == 300


def test_interrupted_add_keeps_the_files_already_done(db_path, tmp_path, monkeypatch):
    import synth.ingest.files

    d = tmp_path / "notes"
    d.mkdir()
    for i in range(5):
        (d / f"n{i}.txt").write_text(f"Note {i}\n\nSinkhorn note number {i} has one sentence.\n")
    real = synth.ingest.files.ingest_file
    calls = []

    def interrupted(*args, **kwargs):
        calls.append(args[2])
        if len(calls) == 4:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(synth.ingest.files, "ingest_file", interrupted)
    store = Store(db_path)
    with pytest.raises(KeyboardInterrupt):
        synth.ingest.files.add_paths(store, [d])
    store.close()
    again = Store(db_path)  # a fresh connection sees what was committed
    assert again.db["papers"].count == 3 and again.db["passages"].count == 3
    (log,) = again.fetch_log()
    assert log["finished_at"] and log["fetched"] == 3


def test_replace_passages_keeps_the_old_rows_when_the_new_ones_fail(db_path):
    store = Store(db_path)
    store.upsert_paper({"id": "p", "title": "P"})
    store.replace_passages("p", [{"page": 1, "text": "Old passage.", "lang": "en"}])
    with pytest.raises(Exception, match="no column"):
        store.replace_passages("p", [{"page": 1, "text": "New.", "lang": "en"}, {"page": 1, "text": "Bad.", "nope": 1}])
    assert [r["text"] for r in store.db["passages"].rows] == ["Old passage."]


def test_parallel_parsing_stores_the_same_as_parsing_here(tmp_path, monkeypatch):
    """`synth add -j 2` parses in worker processes and stores in input order: the same rows as one process."""
    import synth.ingest.parallel as parallel
    from synth.ingest.files import add_paths

    monkeypatch.setattr(parallel, "MIN_PARALLEL_BYTES", 0)
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(3):
        english_paper(folder / f"p{i}.pdf", title=f"Optimal Transport Paper Number {i + 1}")
    (folder / "bad.pdf").write_bytes(b"%PDF-1.4 not really")
    dumps = []
    for jobs in (1, 2):
        with Store(tmp_path / f"j{jobs}.db") as store:
            result = add_paths(store, [folder], jobs=jobs)
            rows = store.db.execute("SELECT p.title, s.ord, s.text, s.section_kind FROM passages s "
                                    "JOIN papers p ON p.id = s.paper_id ORDER BY p.title, s.ord").fetchall()  # fmt: skip
            dumps.append((result.added, [f["error"].split(": ", 1)[1] for f in result.failures], rows))
    assert dumps[0] == dumps[1] and dumps[0][0] == 3 and len(dumps[0][1]) == 1 and dumps[0][2]


def test_glyphs_the_pdf_maps_to_no_text_are_counted_on_the_paper(tmp_path):
    from synth.ingest.pdf import parse_pdf

    pdf = english_paper(tmp_path / "en.pdf")
    doc = parse_pdf(pdf)
    doc.dropped_glyphs = 3  # as page_lines counts them (clean_glyphs); a generated PDF maps every glyph
    with Store(tmp_path / "g.db") as store:
        ingest_file(store, "local:g", pdf, {"source": "local"}, parsed=doc)
        assert store.paper("local:g")["dropped_glyphs"] == 3
        assert "\ufffd" not in "".join(p["text"] for p in store.passages_of_paper("local:g"))
