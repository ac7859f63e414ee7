"""Front matter of a first page: junk metadata titles, the title from font sizes, authors, DOI, arXiv id, year."""

from __future__ import annotations

import pytest

from synth.ingest.front import (
    arxiv_id_in,
    authors_from_lines,
    doi_in,
    is_junk_title,
    title_from_lines,
    title_span,
    year_in,
)

PAGE = """RESEARCH ARTICLE
A loss-of-function mutation in the widget
gene causes widget deficiency in sprockets
Jane Gadget1, John Sprocket2*
1 Department of Widgets, Example University
Abstract
We show that widgets matter. Received: 3 May 2019; Accepted: 1 June 2020; Published: 2 July 2020.
© 2020 The Authors. https://doi.org/10.1000/widget.2020.7
"""
FULL_TITLE = "A loss-of-function mutation in the widget gene causes widget deficiency in sprockets"


@pytest.mark.parametrize(
    "title",
    [
        None, "", "   ", "Title", "TITLE", "untitled", "Untitled", "Untitled document", "Microsoft Word - draft3.docx",
        "Microsoft Word - A loss-of-function mutation in the widget gene", "fb0011c174", "93567458",
        "rna034181 2056..2072", "OP-GENE210101 1..14", "widget_paper_final.pdf", "A loss of function.doc",
        "notes.docx", "main.tex", "widget-draft-v3", "Widget deficiency", "Widgets",
        "A loss-of-function mutation in",  # truncated: ends mid-phrase and mid-heading
        "A loss-of-function mutation in the widget",  # truncated at a line end: the heading goes on below
        "A loss-of-function mutation in the widget gene causes widget...",
        "An entirely different title about gears",  # not on the page
        "arXiv:2301.12566v1 [cs.CL] 12 Jan 2023",
        "doi:10.1000/widget.2020.7",
    ],
)
def test_junk_titles(title: str | None) -> None:
    assert is_junk_title(title, PAGE, "widget-draft-v3.pdf")


@pytest.mark.parametrize(
    "title",
    [
        FULL_TITLE,
        "A Loss-of-Function Mutation in the Widget Gene Causes Widget Deficiency in Sprockets",
        "A loss‐of‐function mutation in the widget gene causes widget deficiency in sprockets.",  # other hyphens
        "  A loss-of-function mutation in the widget\ngene causes widget deficiency in sprockets  ",
    ],
)
def test_good_titles(title: str) -> None:
    assert not is_junk_title(title, PAGE, "widget-draft-v3.pdf")


def test_a_title_ending_in_a_capital_letter_is_whole() -> None:
    assert not is_junk_title("The role of vitamin A", "The role of vitamin A\nJane Gadget")
    assert is_junk_title("The role of vitamin in", "The role of vitamin in\nJane Gadget")


def test_title_on_a_page_given_as_one_line_is_only_searched() -> None:
    assert not is_junk_title("Widgets in the wild", "x Widgets in the wild y")
    assert is_junk_title("Widgets in the wild", "")
    assert is_junk_title("Widgets in the wild", None)  # type: ignore[arg-type]
    assert not is_junk_title("Widget ﬁtness of sprockets", "Widget fitness of sprockets\nJane Gadget")  # ligature


def _lines() -> list[tuple[str, float, float]]:
    body = "We show that widgets matter a great deal in sprockets, and here is why it is so. " * 2
    return [
        ("MICROBIAL WIDGETS", 9.0, 30.0),
        ("RESEARCH ARTICLE", 12.0, 50.0),
        ("Check for updates", 8.0, 52.0),
        ("A loss-of-function mutation in the wid-", 18.0, 80.0),
        ("*", 10.0, 82.0),
        ("get gene causes widget deficiency", 18.0, 102.0),
        ("Jane Gadget1, John Sprocket2*, and Ann van der Gear1", 11.0, 140.0),
        ("1 Department of Widgets, Example University", 8.0, 160.0),
        ("Abstract", 10.0, 200.0),
        (body, 10.0, 220.0),
        (body, 10.0, 232.0),
        ("Journal of Widgets | Vol. 3 | 2020", 20.0, 10.0),
    ]


def test_title_from_lines_joins_the_largest_run_and_skips_mastheads() -> None:
    lines = _lines()
    assert title_from_lines(lines, 800.0) == "A loss-of-function mutation in the widget gene causes widget deficiency"
    assert title_span(lines, 800.0) == (3, 6)


def test_title_from_lines_rejects_what_is_not_plausible() -> None:
    body = ("Widgets matter in sprockets and gears everywhere. " * 3, 10.0, 300.0)
    assert title_from_lines([], 800.0) is None
    assert title_from_lines([("Widgets", 20.0, 50.0), body], 800.0) is None  # one word
    assert title_from_lines([("Widget gears", 20.0, 50.0), body], 800.0) is None  # two words
    assert title_from_lines([("word " * 45, 20.0, 50.0), body], 800.0) is None  # over 40 words
    assert title_from_lines([("Widgets in the wild", 20.0, 600.0), body], 800.0) is None  # below the top 60%
    assert title_from_lines([("Widgets in the wild", 10.0, 50.0), body], 800.0) is None  # not larger than the body
    assert title_from_lines([("ARTICLE", 24.0, 20.0), ("Widgets in the wild", 20.0, 50.0), body], 800.0) == (
        "Widgets in the wild"
    )
    assert title_from_lines([("Open Access", 24.0, 20.0), ("Widgets in the wild", 20.0, 50.0), body], 0.0) == (
        "Widgets in the wild"
    )


def test_title_lines_far_apart_are_not_one_title() -> None:
    body = ("Widgets matter in sprockets and gears everywhere. " * 3, 10.0, 500.0)
    lines = [("Widgets in the wild", 20.0, 50.0), ("and other gears too", 20.0, 200.0), body]
    assert title_from_lines(lines, 800.0) == "Widgets in the wild"


def test_title_from_lines_never_raises() -> None:
    assert title_from_lines([("x", "big", None), None, 3], 800.0) is None  # type: ignore[list-item]
    assert title_from_lines([("Widgets in the wild", 20.0, 50.0)], "tall") is None  # type: ignore[arg-type]


def test_authors_after_the_title() -> None:
    lines = _lines()
    assert authors_from_lines(lines, 6) == ["Jane Gadget", "John Sprocket", "Ann van der Gear"]
    assert authors_from_lines(lines, 7) == []  # an affiliation
    assert authors_from_lines(lines, 99) == []


@pytest.mark.parametrize(
    "lines, names",
    [
        (["Jane Gadget1,2, John Sprocket3 & Ann Gear1"], ["Jane Gadget", "John Sprocket", "Ann Gear"]),
        (["John Smitha,b, Jane Doeb and Ann Lee-Wonga,c"], ["John Smith", "Jane Doe", "Ann Lee-Wong"]),
        (["J. SMITHa, A. DOEb"], ["J. SMITH", "A. DOE"]),
        (["JANE GADGET AND JOHN SPROCKET"], ["JANE GADGET", "JOHN SPROCKET"]),
        (["Jane Gadget*†, John Sprocket‡§", "and Ann Gear¶"], ["Jane Gadget", "John Sprocket", "Ann Gear"]),
        (["Jean-Pierre Rouage · Maria da Silva e Souza"], ["Jean-Pierre Rouage", "Maria da Silva e Souza"]),
        (["Jane Gadget ✉ jane@example.org, John Sprocket"], ["Jane Gadget", "John Sprocket"]),
        (["We show that widgets matter in sprockets, and here is why it is so in our widget experiments."], []),
        (["Abstract"], []),
        (["1 Department of Widgets, Example University"], []),
        ([""], []),
    ],
)
def test_authors_from_plain_lines(lines: list[str], names: list[str]) -> None:
    assert authors_from_lines(lines, 0) == names


def test_authors_never_raise() -> None:
    assert authors_from_lines([None, 3], 0) == []  # type: ignore[list-item]
    assert authors_from_lines([], -5) == []


def test_doi_in() -> None:
    assert doi_in(PAGE) == "10.1000/widget.2020.7"
    assert doi_in("see https://doi.org/10.1038/s41467-\n023-40886-7.") == "10.1038/s41467-023-40886-7"
    assert doi_in("DOI: 10.1000/ABC(12)3),") == "10.1000/ABC(12)3"
    assert doi_in("no doi") is None
    assert doi_in(None) is None  # type: ignore[arg-type]


def test_arxiv_id_in() -> None:
    assert arxiv_id_in("arXiv:2301.12566v2 [cs.CL] 3 Feb 2023") == "2301.12566"
    assert arxiv_id_in("see https://arxiv.org/abs/1911.02116 and 2001.00001") == "1911.02116"
    assert arxiv_id_in("Available at hep-th/9901001.") == "hep-th/9901001"
    assert arxiv_id_in("doi:10.48550/arXiv.2106.09685") == "2106.09685"
    assert arxiv_id_in("doi:10.1000/2301.12566") is None
    assert arxiv_id_in("Published 2020. Nothing else.") is None
    assert arxiv_id_in(None) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text, year",
    [
        (PAGE, 2020),
        ("Received 3 May 2019\nAccepted 1 June 2020\nWidgets since 1999 and 1999.", 2020),
        ("Received: 12 March 2018\nWidgets in 2001 and 2001.", 2018),
        ("Copyright © 2017 Widget Society\nPublished by Widget Press", 2017),
        ("Nature Widgets 591, 123–128 (2021)\nwidgets of 1999, 1999", 2021),
        ("Widgets of 1999, 2001, 2001 and 2003.", 2001),
        ("Widgets of 1999 and 2001.", 2001),  # a tie goes to the later year
        ("Widgets 2301.12566 and doi 10.1000/x.2015.1 and 2150 and 1850.", None),
        ("Widgets of 2099.", None),
        ("", None),
    ],
)
def test_year_in(text: str, year: int | None) -> None:
    assert year_in(text, max_year=2025) == year


def test_year_in_ignores_future_years() -> None:
    assert year_in("Published 2030\n© 2020 Widgets", max_year=2025) == 2020
    assert year_in(None) is None  # type: ignore[arg-type]
