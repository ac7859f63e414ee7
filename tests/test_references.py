"""Reference lists as a PDF gives them → entries: numbered and author-year lists, wrapped lines, hyphenation, DOIs cut
at a line break, arXiv ids in every spelling, years; odd input never raises."""

from __future__ import annotations

import pytest

from synth.ingest.references import MAX_ENTRY_CHARS, Reference, clean_doi, find_doi, find_year, parse_references

BRACKETED = """References
[1] A. Widget, B. Gadget, and C. Sprocket. Deep learn-
ing for widgets. Nature Communications, 14:1234, 2023.
https://doi.org/10.1038/s41467-
023-40886-7.
[2] D. Lever. A multilingual widget model. arXiv preprint arXiv:1911.02116v2,
2019.
[3] E. Cog and F. Gear. Strings of widgets. Phys. Lett. B 450, 12-
34 (1999), hep-th/9901001.
[4] G. Pulley. Widget retrieval. CoRR abs/2301.12566, 2023.
[5] H. Axle. Widgets in 2021. In Proceedings of the Widget Conference, pages 1-9. https://arxiv.org/abs/2106.09685
"""

DOTTED = """1. Widget J, Gadget A. Title of the first widget paper. Cell 2020; 181: 1-10. doi:10.1016/j.
cell.2020.01.001.
2. Sprocket K, et al. A second title about self-
supervised widgets. Science. 2018;359(6380):1-5.
3. Lever P. Third widget paper (2001). J Biol Chem 276, 44-50.
"""

AUTHOR_YEAR = """Widget, J., Gadget, A. and
Sprocket, K. (2019). A study of widgets. Journal of Widgets, 12(3), 45–67.
Widget, J. (2020a). Another study of the same
widgets. Nature, 580, 1–5. https://doi.org/10.1038/s41586-020-
2012-7
Müller, H.-P. & van der Gear, A. (2021) Über Widgets. Z. Naturforsch. 76, 1–9.
van der Gear A, Cog B. 2015. A fourth widget entry. PLoS One 10: e0123456.
Zhang Y, Li X. 2016. Fifth widget entry with a long title that
Goes On. Genome Res 26: 1-10.
"""


def test_numbered_bracket_entries_are_joined_and_identified() -> None:
    refs = parse_references(BRACKETED.splitlines())
    assert [r.ord for r in refs] == [1, 2, 3, 4, 5]
    first = refs[0]
    assert first.raw.startswith("A. Widget, B. Gadget") and "Deep learning for widgets" in first.raw
    assert first.doi == "10.1038/s41467-023-40886-7"
    assert first.year == 2023 and first.arxiv_id is None
    assert refs[1].arxiv_id == "1911.02116" and refs[1].year == 2019 and refs[1].doi is None
    assert refs[2].arxiv_id == "hep-th/9901001" and refs[2].year == 1999
    assert "12-34 (1999)" in refs[2].raw  # a number range cut at the line end keeps its hyphen
    assert refs[3].arxiv_id == "2301.12566" and refs[3].year == 2023
    assert refs[4].arxiv_id == "2106.09685"
    assert all(not r.raw.startswith("[") for r in refs)


def test_numbered_dot_entries_with_a_doi_cut_after_a_dot() -> None:
    refs = parse_references(DOTTED.splitlines())
    assert [r.ord for r in refs] == [1, 2, 3]
    assert refs[0].doi == "10.1016/j.cell.2020.01.001" and refs[0].year == 2020
    assert "self-supervised" not in refs[1].raw and "selfsupervised widgets" in refs[1].raw  # next line lower-case
    assert refs[1].year == 2018
    assert refs[2].year == 2001 and refs[2].doi is None


def test_numbered_space_entries_and_a_year_that_looks_like_a_number() -> None:
    lines = [
        "1 Widget J, Gadget A. A widget paper. Nature 12, 3-4",
        "2019. Extra words.",
        "2 Cog B. Another widget paper. Cell 5, 6-7 (2018).",
    ]
    refs = parse_references(lines)
    assert [r.ord for r in refs] == [1, 2]
    assert refs[0].raw.endswith("2019. Extra words.") and refs[0].year == 2019


def test_author_year_entries_split_on_surnames_after_a_finished_entry() -> None:
    refs = parse_references(AUTHOR_YEAR.splitlines())
    assert [r.ord for r in refs] == [1, 2, 3, 4, 5]
    assert refs[0].raw.startswith("Widget, J., Gadget, A. and Sprocket, K. (2019).")
    assert refs[0].year == 2019
    assert refs[1].doi == "10.1038/s41586-020-2012-7" and refs[1].year == 2020
    assert refs[2].raw.startswith("Müller, H.-P.") and refs[2].year == 2021
    assert refs[3].raw.startswith("van der Gear A") and refs[3].year == 2015
    assert refs[4].raw.endswith("Goes On. Genome Res 26: 1-10.")


def test_a_journal_line_after_a_full_stop_does_not_start_an_entry() -> None:
    lines = [
        "Widget, J. and Gadget, A. (2019). A widget title.",
        "Science, Vol. 3, pp. 1-10.",
        "Cog, B. (2020). Another title. Cell 1, 2-3.",
    ]
    refs = parse_references(lines)
    assert len(refs) == 2
    assert "Science, Vol. 3" in refs[0].raw


def test_blank_lines_end_author_year_entries_but_not_numbered_ones() -> None:
    refs = parse_references(["Widget Corporation. Annual report", "", "Gadget Society. Widget facts. 2001."])
    assert len(refs) == 2 and refs[1].year == 2001
    refs = parse_references(["[1] Widget J. A title that goes", "", "on after a page break. 2001.", "[2] Cog B. 2002."])
    assert [r.ord for r in refs] == [1, 2] and refs[0].raw.endswith("page break. 2001.")


def test_a_soft_hyphen_at_a_line_end_is_repaired() -> None:
    refs = parse_references(["[1] Widget J. Deep learn\u00ad", "ing for wid\u00adgets. 2001."])
    assert refs[0].raw == "Widget J. Deep learning for widgets. 2001."


def test_alphanumeric_labels_and_online_notes() -> None:
    lines = [
        "[ABC+19] Widget, Gadget et al. A widget. 2019.",
        "[Online]. Available: https://example.org/w",
        "[Cog20] Cog. 2020.",
    ]
    refs = parse_references(lines)
    assert [r.ord for r in refs] == [1, 2]
    assert "[Online]" in refs[0].raw


def test_text_before_the_first_number_is_kept_with_ord_zero() -> None:
    lines = ["tail of an entry from the previous page, 2010.", "[7] Widget J. A title. 2011.", "[8] Cog. 2012."]
    refs = parse_references(lines)
    assert [r.ord for r in refs] == [0, 7, 8]


@pytest.mark.parametrize(
    "text, doi",
    [
        ("doi:10.1000/xyz123.", "10.1000/xyz123"),
        ("https://doi.org/10.1000/abc-def),", "10.1000/abc-def"),
        ("(https://dx.doi.org/10.1016/S0140-6736(20)30183-5)", "10.1016/S0140-6736(20)30183-5"),
        ("DOI 10.1000/widget;", "10.1000/widget"),
        ("https://doi.org/10.1038/s41467-\n023-40886-7", "10.1038/s41467-023-40886-7"),
        ("no identifier here", None),
        ("10.12/too-short-prefix", None),
    ],
)
def test_find_doi(text: str, doi: str | None) -> None:
    assert find_doi(text) == doi


def test_clean_doi_keeps_paired_brackets_only() -> None:
    assert clean_doi("10.1000/a(b)c).") == "10.1000/a(b)c"
    assert clean_doi("10.1000/x]") == "10.1000/x"
    assert clean_doi("...") is None


@pytest.mark.parametrize(
    "text, year",
    [
        ("Widget J. (2019) Title. Cell 1, 2-3.", 2019),
        ("Widget J. Title. Cell 1, 1998–2005 (Jan. 2007).", 2007),
        ("Widget J. Title. arXiv:2001.12345, 2020.", 2020),
        ("Widget J. Title. doi:10.1016/j.cell.2015.01.001", None),
        ("Widget J. Title. Journal 12, 1850–1860.", None),
        ("Widget J. Title. 1850.", None),
        ("Widget J. Title. 2019a.", 2019),
    ],
)
def test_find_year(text: str, year: int | None) -> None:
    assert find_year(text) == year


def test_odd_input_never_raises_and_entries_are_capped() -> None:
    assert parse_references([]) == []
    assert parse_references(["", "   ", "\x00\x01"]) == []
    assert parse_references(None) == []  # type: ignore[arg-type]
    assert parse_references([123, None, "[1] Widget. 2001."])[-1].year == 2001  # type: ignore[list-item]
    long = parse_references(["[1] " + "widget " * 2000, "[2] Cog. 2002."])
    assert len(long[0].raw) <= MAX_ENTRY_CHARS and long[1].year == 2002
    many = parse_references(["Widget, J. (2001). A title about widgets and more widgets."] * 2000)
    assert len(many) == 2000 and all(len(r.raw) <= MAX_ENTRY_CHARS for r in many)
    wrapped = parse_references(["Widget title words that never end"] * 3000)
    assert len(wrapped) == 1 and len(wrapped[0].raw) <= MAX_ENTRY_CHARS
    assert parse_references(["[1] Widget " + "(" * 500 + "10.1000/x" + ")" * 900])[0].doi == "10.1000/x"
    assert find_doi("10.1000/" + ")" * 90_000) is None
    assert isinstance(parse_references("[1] Widget. 2001.\n[2] Cog. 2002.")[0], Reference)
