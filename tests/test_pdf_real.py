"""What real journal PDFs need, on PDFs the tests build: margin line numbers, section kinds, the reference list as
entries, a junk metadata title replaced by the printed one, the front matter read from page 1."""

from __future__ import annotations

from pathlib import Path

import pymupdf
from pdfgen import REFERENCE_ENTRIES, english_paper, make_paper_pdf, two_column_paper

from synth.ingest.pdf import parse_pdf

SENTENCES = [
    "The primary objective of this study was to identify subtypes of brain activation during training",
    "that could explain why some patients respond to neurofeedback and others do not respond at all.",
    "We found that the response depends on activity outside the target region of the training.",
    "Patients with a stronger frontal response improved more over the course of the treatment period.",
    "These results suggest that several brain pathways lead to a successful treatment outcome.",
    "Further work should test whether the subtypes predict the response before treatment begins.",
]


def _line_numbered_pdf(path: Path) -> Path:
    """A bioRxiv-style page: double-spaced body lines, each with its line number in the left margin (a larger
    font, as these preprints set them)."""
    doc = pymupdf.open()
    for page_no in range(2):
        page = doc.new_page(width=612, height=792)
        page.insert_text((72, 60), "Discussion" if page_no == 0 else "Conclusion", fontsize=14, fontname="hebo")
        y = 100
        for i, line in enumerate(SENTENCES):
            page.insert_text((40, y), str(page_no * 40 + i + 1), fontsize=12)
            page.insert_text((72, y), line, fontsize=11)
            y += 25
    doc.set_metadata({"title": "Subtypes of brain activation during neurofeedback training in depression"})
    doc.save(path)
    return path


def test_margin_line_numbers_neither_break_sentences_nor_enter_them(tmp_path: Path) -> None:
    doc = parse_pdf(_line_numbered_pdf(tmp_path / "numbered.pdf"))
    text = " ".join(p["text"] for p in doc.passages)
    assert not any(ch.isdigit() for ch in text)
    first = SENTENCES[0] + " " + SENTENCES[1]
    assert any(first in p["text"] for p in doc.passages), [p["text"] for p in doc.passages]
    assert {p["section_kind"] for p in doc.passages} == {"discussion", "conclusion"}


def test_sections_get_kinds_and_the_reference_list_becomes_entries(tmp_path: Path) -> None:
    doc = parse_pdf(english_paper(tmp_path / "en.pdf"))
    kinds = {p["section"]: p["section_kind"] for p in doc.passages}
    assert kinds["1 Introduction"] == "introduction" and kinds["3 Method"] == "methods", kinds
    assert "references" not in kinds.values()  # the list is entries, not passages
    assert [r.raw for r in doc.references] == [e.split("] ", 1)[1] for e in REFERENCE_ENTRIES]
    assert [r.ord for r in doc.references] == [1, 2, 3, 4] and doc.references[2].year == 2013
    assert doc.language == "en" and doc.authors == ["Amina Yusuf", "Jonas Weber", "Li Chen"]


def test_two_columns_keep_their_references_and_sentences_apart(tmp_path: Path) -> None:
    doc = parse_pdf(two_column_paper(tmp_path / "two.pdf"))
    assert len(doc.references) == len(REFERENCE_ENTRIES)
    assert all(p["text"][-1] in ".!?:;" for p in doc.passages if p["section_kind"] != "caption")


def test_a_junk_metadata_title_gives_way_to_the_printed_one(tmp_path: Path) -> None:
    path = make_paper_pdf(tmp_path / "junk.pdf", title="Sinkhorn Distillation for Swahili Retrieval", metadata_title=False)
    for junk in ("fb0011c174", "Title", "rna034181 2056..2072", "A loss-of-function mutation in"):
        with pymupdf.open(path) as pdf:
            pdf.set_metadata({"title": junk})
            pdf.save(tmp_path / "j.pdf")
        assert parse_pdf(tmp_path / "j.pdf").title == "Sinkhorn Distillation for Swahili Retrieval", junk
    amp = make_paper_pdf(tmp_path / "amp.pdf", title="Sinkhorn & Swahili Retrieval Methods", metadata_title=False)
    with pymupdf.open(amp) as pdf:
        pdf.set_metadata({"title": "Sinkhorn &amp; Swahili retrieval methods"})  # an HTML entity, the case differs
        pdf.save(tmp_path / "good.pdf")
    assert parse_pdf(tmp_path / "good.pdf").title == "Sinkhorn & Swahili retrieval methods"


def test_the_first_page_gives_doi_year_and_arxiv_id(tmp_path: Path) -> None:
    path = make_paper_pdf(tmp_path / "front.pdf", title="Optimal Transport for Retrieval in Hausa",
                          stamp="arXiv:2301.12566v2 [cs.IR] 29 Jan 2023")  # fmt: skip
    with pymupdf.open(path) as pdf:
        pdf[0].insert_text((72, 770), "Published 3 March 2023. https://doi.org/10.1145/3539597.3570468", fontsize=7)
        pdf.save(tmp_path / "front2.pdf")
    doc = parse_pdf(tmp_path / "front2.pdf")
    assert (doc.doi, doc.year) == ("10.1145/3539597.3570468", 2023)
    assert doc.arxiv_id in ("2301.12566", None)  # a rotated stamp is not body text; printed ids are read when horizontal
