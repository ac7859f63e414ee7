"""eval/eval_ingest.py's pure parts on made-up strings and a tiny made-up database (no ../shared data needed)."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from eval import eval_ingest as ei  # noqa: E402


def test_normalize_matches_synth_key() -> None:
    from synth.ingest.sentences import normalize

    for text in ["Eﬃcient ﬁbre: 12.5 %", "Apollo-ΔPK (Fig. 6C)", "Straße  ×  10⁻³", ""]:
        assert ei.normalize(text) == normalize(text)
    assert ei.normalize("Apollo-\u2206PK") == ei.normalize("Apollo-ΔPK")  # the INCREMENT sign some PDFs set


def test_norm_title_and_title_right() -> None:
    assert ei.norm_title("DNA-PK controls  Apollo’s access") == "dna pk controls apollo s access"
    assert ei.title_right("dna-pk CONTROLS apollo's access.", "DNA-PK controls Apollo’s access")
    assert not ei.title_right("No v el insights", "Novel insights")  # stray spaces inside a word still differ
    assert not ei.title_right("A &rsquo; B", "A’ B")
    assert ei.title_right("Second form", ["First form", "Second form"])
    assert ei.title_right("Anything", None) is None


def test_split_sentences_keeps_abbreviations() -> None:
    text = "We saw it (Fig. 4A). Then, e.g. Smith et al. 2020 agreed. It ended in group D. Other groups were fine."
    assert ei.split_sentences(text) == [
        "We saw it (Fig. 4A).",
        "Then, e.g. Smith et al. 2020 agreed.",
        "It ended in group D.",
        "Other groups were fine.",
    ]


def test_key_sentence_most_shared_tokens_first_on_ties() -> None:
    passage = "Cats sleep a lot. Most dogs (61% of dogs) bark at night. Birds sing."
    assert ei.key_sentence(passage, "61% of dogs") == "Most dogs (61% of dogs) bark at night."
    assert ei.key_sentence(passage, "Fish") == "Cats sleep a lot."  # no shared token: the first
    assert ei.key_sentence("Only one sentence without a stop", "x") == "Only one sentence without a stop"


def test_section_buckets() -> None:
    assert ei.section_bucket("Materials and Methods") == "methods"
    assert ei.section_bucket("RESULTS AND DISCUSSION") == "results"
    assert ei.section_bucket("Acknowledgments") == "acknowledgements"
    assert ei.section_bucket("References and Notes:") == "references"
    assert ei.section_bucket("B") is None
    assert ei.section_bucket("results " * 30) is None  # body text taken for a heading names no section
    assert ei.crude_section({"section": "Results", "text": "Figure 2. Cells grow."}) == "caption"
    assert ei.crude_section({"section": "Loss of gene X", "text": "We found"}) == "other"
    assert ei.section_kind("Methods") == "methods" and ei.section_kind("weird") == "other"
    assert ei.format_sections({"other": 5, "abstract": 2, "results": 0}) == "abs 2 oth 5"


def test_key_status() -> None:
    key = ei.normalize("The quick brown fox jumps.")
    one = [ei.normalize("Intro. The quick brown fox jumps. More.")]
    assert ei.key_status(key, one, "plain")["status"] == "yes"
    split = [ei.normalize("Intro. The quick brown"), ei.normalize("fox jumps. More.")]
    st = ei.key_status(key, split, "plain")
    assert st["status"] == "no" and st["boundary"] and st["prefix"] == len(ei.normalize("The quick brown"))
    st = ei.key_status(key, split, None, [ei.normalize("The quick red fox")])
    assert st["status"] == "absent" and st["pdf_prefix"] == len("thequick")


def test_pdf_held_forms() -> None:
    raw = "The quick brown fox\n12\njumps over the lazy dog.\n"
    texts = [ei.normalize(raw), ei.normalize(ei.dehyphenate(raw)), ei.normalize(ei.drop_number_lines(raw))]
    key = ei.normalize("The quick brown fox jumps over")
    assert ei.pdf_held(key, texts) == "no line numbers"
    assert ei.pdf_held(ei.normalize("brown fox 12 jumps"), texts) == "plain"
    assert ei.pdf_held("nothere", texts) is None


def test_database_reading_optional_parts(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE papers (id TEXT PRIMARY KEY, title TEXT, pages INT, status TEXT, pdf_path TEXT, doi TEXT)")
    con.execute("CREATE TABLE passages (id INT, paper_id TEXT, page INT, ord INT, section TEXT, text TEXT, lang TEXT)")
    con.execute("INSERT INTO papers VALUES ('p1', 'A title', 2, 'ok', '/x/a.pdf', '10.1/ABC')")
    con.executemany("INSERT INTO passages VALUES (?, 'p1', 1, ?, ?, ?, 'en')",
                    [(1, 0, "Abstract", "One \ufffd."), (2, 1, "Results", "Two.")])
    con.commit()
    feats = ei.schema_features(con)
    assert feats == {"section_kind": False, "paper_references": None, "paper_lang": None, "doi": True}
    con.execute("ALTER TABLE passages ADD COLUMN section_kind TEXT")
    con.execute("UPDATE passages SET section_kind = 'results'")
    con.execute("CREATE TABLE paper_references (paper_id TEXT, ord INT, text TEXT)")
    con.executemany("INSERT INTO paper_references VALUES ('p1', ?, 'ref')", [(0,), (1,), (2,)])
    con.commit()
    feats = ei.schema_features(con)
    assert feats["section_kind"] and feats["paper_references"] == "paper_id"
    papers = ei.read_papers(con, feats)
    con.close()
    assert papers["p1"]["references"] == 3 and [p["ord"] for p in papers["p1"]["passages"]] == [0, 1]
    assert ei.norm_doi("https://doi.org/10.1/abc") == ei.norm_doi(papers["p1"]["doi"])
    assert ei.match_papers(papers, [tmp_path / "a.pdf"])["a.pdf"]["id"] == "p1"
