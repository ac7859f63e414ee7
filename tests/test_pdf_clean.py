"""Line-level clean-up rules of real PDFs, on lines built by hand."""

from __future__ import annotations

from synth.ingest.pdf import Line
from synth.ingest.pdf_clean import body_fonts, clean_glyphs, drop_line_numbers, drop_panel_labels


def _line(text: str, x0: float = 72, y0: float = 100, size: float = 10.0, bold: bool = False, width: float = 400) -> Line:
    return Line(1, x0, y0, x0 + width, y0 + size, y0 + size * 0.8, text, size, bold)


def test_a_column_of_margin_numbers_goes_and_numbers_in_the_text_stay() -> None:
    body = [_line(f"line {i} of the paper with 12 in it", y0=100 + 20 * i) for i in range(8)]
    numbers = [_line(str(20 + i), x0=40, y0=100 + 20 * i, width=12) for i in range(8)]
    kept = drop_line_numbers(body + numbers, 612)
    assert kept == body
    few = drop_line_numbers(body + numbers[:3], 612)  # three bare numbers: a table column, page number, ...
    assert len(few) == 11
    inside = [_line("2023", x0=200, y0=100 + 20 * i, width=30) for i in range(6)]  # numbers within the text block
    assert len(drop_line_numbers(body + inside, 612)) == 14


def test_panel_labels_go_but_short_numbers_and_words_stay() -> None:
    lines = [_line("B"), _line("(d"), _line("12"), _line("The"), _line("Results are shown.")]
    assert [ln.text for ln in drop_panel_labels(lines)] == ["12", "The", "Results are shown."]


def test_glyphs_map_ligatures_and_drop_unmapped_ones_with_a_count() -> None:
    text, dropped = clean_glyphs("e\ufb03cient \ufb02uorescence at \ufffd 5 \u2212 3 and v\ufffd, x\u00b2")
    assert text == "efficient fluorescence at 5 - 3 and v, x\u00b2" and dropped == 2
    assert clean_glyphs("plain text") == ("plain text", 0)


def test_body_fonts_are_those_set_in_long_runs() -> None:
    heading = [_line("2 Results", size=12, bold=True)]
    para = [_line(f"body line {i}", y0=120 + 12 * i) for i in range(6)]
    bold_para = [_line(f"a bold abstract line {i}", size=9, bold=True) for i in range(5)]
    fonts = body_fonts([heading + para + heading + para, bold_para])
    assert fonts == {(10.0, False), (9, True)}
