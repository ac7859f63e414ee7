"""PDF → passages on real PDFs written by tests/pdfgen.py."""

from __future__ import annotations

import re
from pathlib import Path

import pymupdf
import pytest
from pdfgen import (
    ARXIV_STAMP,
    DEFAULT_HEADER,
    ENGLISH_SECTIONS,
    blank_pdf,
    english_paper,
    german_paper,
    long_paper,
    make_paper_pdf,
    swahili_paper,
    truncated_pdf_bytes,
    two_column_paper,
)

import synth.ingest.pdf as pdfmod
from synth.errors import PdfError
from synth.ingest.passages import Paragraph, build_passages, join_line, sentence_spans
from synth.ingest.pdf import check_pdf_bytes, parse_pdf


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("pdfs")
    return {
        "en": english_paper(d / "en.pdf"),
        "two": two_column_paper(d / "two.pdf"),
        "de": german_paper(d / "de.pdf"),
        "sw": swahili_paper(d / "sw.pdf"),
        "long": long_paper(d / "long.pdf", pages=30),
    }


@pytest.fixture(scope="module")
def english(pdfs):
    return parse_pdf(pdfs["en"])


def _source_sentences() -> list[str]:
    """Every sentence of the built-in English paper's sections, as a reader sees it (forced hyphens undone)."""
    out = []
    for _, body in ENGLISH_SECTIONS:
        text = body.replace("distil-\n", "distil").replace("-\n", "-")
        out += [text[s:e] for s, e in sentence_spans(text)]
    return out


def test_running_header_page_numbers_and_margin_stamp_are_dropped(english, pdfs):
    raw = "".join(page.get_text() for page in pymupdf.open(pdfs["en"]))
    assert raw.count(DEFAULT_HEADER) == 3  # the PDF does carry them on every page
    assert ARXIV_STAMP in raw and "arXiv:" not in english.text
    assert english.pages == 3
    assert all("Preprint" not in p["text"] for p in english.passages)
    assert "Preprint" not in english.text
    assert all(not re.fullmatch(r"\d+", p["text"]) for p in english.passages)
    assert not re.search(r"(^|\n)\d+(\n|$)", english.text)


def test_reference_list_is_dropped(english, pdfs):
    raw = "".join(page.get_text() for page in pymupdf.open(pdfs["en"]))
    assert "Sinkhorn distances: lightspeed computation" in raw
    assert "Sinkhorn distances" not in english.text
    assert all("References" != p["section"] for p in english.passages)
    assert "(Karpukhin et al., 2020)" in english.text  # citations in the body stay


def test_hyphenation_is_repaired_and_real_compounds_keep_their_hyphen(english, pdfs):
    raw = pymupdf.open(pdfs["en"])[0].get_text()
    assert "distil-\n" in raw and "cross-\nlingual" in raw
    texts = " ".join(p["text"] for p in english.passages)
    assert "knowledge distillation from a strong English teacher" in texts
    assert "distil-" not in texts and "distil lation" not in texts
    assert "Earlier cross-lingual models were trained" in texts
    assert "crosslingual" not in texts.lower()


def test_passages_are_whole_sentences_with_sections_pages_and_spans(english):
    assert english.title == "Optimal Transport Distillation for Cross-Lingual Retrieval"
    for p in english.passages:
        assert english.text[p["char_start"] : p["char_end"]] == p["text"]
        assert p["text"].endswith((".", "?", "!")), p["text"]
        assert 1 <= len(sentence_spans(p["text"])) <= 3
    by_text = {p["text"]: p for p in english.passages}
    sinkhorn = next(t for t in by_text if "The Sinkhorn algorithm yields" in t)
    assert by_text[sinkhorn]["section"] == "3 Method"
    assert by_text[sinkhorn]["page"] == 1
    sections = [p["section"] for p in english.passages]
    assert sections.index("1 Introduction") < sections.index("2 Related Work") < sections.index("5 Conclusion")
    assert "e.g. a few thousand sentence pairs" in " ".join(english.passages[i]["text"] for i in range(5))
    # every sentence of the source made it, whole and in order
    positions = [english.text.find(s) for s in _source_sentences()]
    assert -1 not in positions and positions == sorted(positions)


def test_two_column_pages_read_left_column_first(pdfs):
    plain = "".join(page.get_text() for page in pymupdf.open(pdfs["two"]))
    plain = " ".join(plain.split())
    assert "The Sinkhorn algorithm yields a soft transport plan" not in plain  # naive order interleaves columns
    doc = parse_pdf(pdfs["two"])
    positions = [doc.text.find(s) for s in _source_sentences()]
    assert -1 not in positions and positions == sorted(positions)
    assert all(p["lang"] == "en" for p in doc.passages)
    assert "Sinkhorn distances" not in doc.text and "Preprint" not in doc.text


@pytest.mark.parametrize("references", [True, False])
def test_a_short_right_column_is_still_read_after_the_left_one(tmp_path, references):
    path = make_paper_pdf(tmp_path / "short.pdf", title="Short Two Columns", two_column=True, references=references)
    doc = parse_pdf(path)
    assert doc.pages == 1
    positions = [doc.text.find(s) for s in _source_sentences()]
    assert -1 not in positions and positions == sorted(positions)


def test_page_numbers_follow_the_pdf(pdfs):
    doc = parse_pdf(pdfs["long"])
    assert doc.pages == 30
    assert {p["page"] for p in doc.passages} == set(range(1, 31))
    heading_page = {}  # "7 Ablation 7" -> the page PyMuPDF finds it on
    for i, page in enumerate(pymupdf.open(pdfs["long"])):
        for m in re.finditer(r"^(\d+) Ablation \1$", page.get_text(), re.MULTILINE):
            heading_page[m.group(0)] = i + 1
    checked = 0
    for p in doc.passages:
        m = re.match(r"Section (\d+) reports", p["text"])
        if m:
            heading = f"{m.group(1)} Ablation {m.group(1)}"
            assert (p["page"], p["section"]) == (heading_page[heading], heading)
            # paragraphs that run over a page break come back whole
            assert p["text"].endswith("This confirms that the gains do not depend on a lucky initialisation of the student model.")
            checked += 1
    assert checked > 100


def test_a_footnote_does_not_cut_the_sentence_it_interrupts(tmp_path):
    note = "{n} Footnote on page {n}: all runs use the seed {n}7."
    doc = parse_pdf(long_paper(tmp_path / "fn.pdf", pages=5, footnote=note))
    texts = [p["text"] for p in doc.passages]
    fillers = [t for t in texts if t.startswith("Section ")]
    assert len(fillers) > 30
    assert all(t.endswith("lucky initialisation of the student model.") for t in fillers)
    for n in range(1, 5):  # (page 5's footnote sits below the reference list, which is dropped)
        assert f"{n} Footnote on page {n}: all runs use the seed {n}7." in texts
    assert all("Footnote" not in t for t in fillers)


@pytest.mark.parametrize("key, lang, refs", [("de", "de", "Literatur"), ("sw", "sw", "Marejeo")])
def test_non_english_papers_are_tagged_and_their_references_dropped(pdfs, key, lang, refs):
    doc = parse_pdf(pdfs[key])
    langs = [p["lang"] for p in doc.passages]
    assert langs and set(langs) == {lang}
    assert refs not in {p["section"] for p in doc.passages}
    assert "Sinkhorn distances" not in doc.text


def test_forced_language(pdfs):
    doc = parse_pdf(pdfs["de"], lang="sw")
    assert {p["lang"] for p in doc.passages} == {"sw"}


def test_title_from_the_first_page_when_metadata_has_none(tmp_path):
    path = make_paper_pdf(tmp_path / "p.pdf", title="A Title Only In The Page", metadata_title=False, pages=1)
    doc = parse_pdf(path)
    assert doc.title == "A Title Only In The Page"
    assert all("A Title Only In The Page" not in p["text"] for p in doc.passages)
    assert all("Amina Yusuf" not in p["text"] for p in doc.passages)  # the author line is not a passage


def test_blank_pdf_has_no_text(tmp_path):
    doc = parse_pdf(blank_pdf(tmp_path / "blank.pdf"))
    assert doc.no_text and doc.passages == [] and doc.pages == 2


def test_truncated_and_non_pdf_bytes_are_rejected(tmp_path):
    with pytest.raises(PdfError, match="incomplete"):
        check_pdf_bytes(truncated_pdf_bytes())
    with pytest.raises(PdfError, match="not a PDF"):
        check_pdf_bytes(b"<html>rate limited</html>")
    bad = tmp_path / "cut.pdf"
    bad.write_bytes(truncated_pdf_bytes())
    with pytest.raises(PdfError) as info:
        parse_pdf(bad)
    assert str(bad) in str(info.value) and "\n" not in str(info.value)
    with pytest.raises(PdfError, match="cannot"):
        check_pdf_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 100 + b"\n%%EOF\n")


def test_encrypted_pdf_is_rejected(tmp_path):
    path = english_paper(tmp_path / "plain.pdf")
    locked = tmp_path / "locked.pdf"
    with pymupdf.open(path) as doc:
        doc.save(locked, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="secret", owner_pw="owner")
    with pytest.raises(PdfError, match="encrypted"):
        parse_pdf(locked)


def test_a_page_that_fails_is_recorded_and_skipped(pdfs, monkeypatch):
    real = pdfmod.page_lines

    def flaky(page, number):
        if number == 2:
            raise RuntimeError("broken content stream")
        return real(page, number)

    monkeypatch.setattr(pdfmod, "page_lines", flaky)
    doc = parse_pdf(pdfs["en"])
    assert doc.page_errors == [{"page": 2, "error": "broken content stream"}]
    pages = {p["page"] for p in doc.passages}
    assert pages == {1, 3}


def test_sentence_splitting_keeps_abbreviations_and_numbers():
    text = "We follow Huang et al. (2023) in spirit, e.g. with Sinkhorn. Training takes 3.5 hours. Fig. 2 shows it! Done."
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "We follow Huang et al. (2023) in spirit, e.g. with Sinkhorn.",
        "Training takes 3.5 hours.",
        "Fig. 2 shows it!",
        "Done.",
    ]
    amharic = "ይህ የመጀመሪያ ዓረፍተ ነገር ነው። ይህ ሁለተኛው ነው።"
    assert len(sentence_spans(amharic)) == 2


def test_join_line_repairs_hyphens_using_the_document_vocabulary():
    assert join_line("knowledge distil-", "lation works", set()) == "knowledge distillation works"
    assert join_line("the cross-", "lingual model", {"cross-lingual"}) == "the cross-lingual model"
    assert join_line("a BERT-", "Base model", set()) == "a BERT-Base model"
    assert join_line("first line", "second line") == "first line second line"


def test_number_rows_are_not_passages_and_spans_index_the_text():
    paragraphs = [
        Paragraph("4 Results", "4 Results", 2, heading=True),
        Paragraph("Table 2 lists the scores. 23.4 25.1 26.7 31.0 12.5 18.2", "4 Results", 2),
        Paragraph("0.91 0.87 0.85 0.80 | 12.0 13.5 14.1", "4 Results", 2),
        Paragraph("Swahili gains the most. It has the least parallel text.", "4 Results", 2, page_marks=[(24, 3)]),
    ]
    text, passages = build_passages(paragraphs, lang="en")
    assert [p["text"] for p in passages] == [
        "Table 2 lists the scores.",
        "Swahili gains the most. It has the least parallel text.",
    ]
    assert all(text[p["char_start"] : p["char_end"]] == p["text"] for p in passages)
    assert [p["page"] for p in passages] == [2, 2]
