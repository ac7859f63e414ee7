"""Line-level clean-up of real PDFs before the layout rules read them: margin line numbers (bioRxiv, reviewed
manuscripts), figure panel labels, glyphs the PDF does not map to text, and which font sizes carry body text.

Each function takes and returns PyMuPDF-derived `Line`s (synth.ingest.pdf) or text, so the rules can be tested on
lines built by hand."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from typing import Protocol

LINE_NUMBER = re.compile(r"^\d{1,5}$")
MIN_LINE_NUMBERS = 5  # a page numbers its lines when at least this many bare numbers stand in one margin column
REPLACEMENT = "\ufffd"
BODY_RUN = 4  # lines of one font in a row: a paragraph, not a heading (a heading wraps over two or three lines)
# Glyphs that PDFs of journals set in symbol fonts and PyMuPDF maps to compatibility characters; NFKC covers the
# ligatures (ﬁ ﬂ ﬀ ﬃ ﬄ ﬅ ﬆ), these are the rest.
GLYPHS = str.maketrans({"\u2212": "-", "\u2010": "-", "\u2011": "-", "\u00ad": "", "\u2044": "/", "\u2215": "/"})


class LineLike(Protocol):
    """What these rules read of a line."""

    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    size: float
    bold: bool


def drop_line_numbers(lines: Sequence[LineLike], width: float) -> list[LineLike]:
    """The page's lines without its line numbers: bare numbers standing in a column left of the text (or right of
    it), at least MIN_LINE_NUMBERS of them. A page without such a column is returned as it is."""
    numbers = [ln for ln in lines if LINE_NUMBER.match(ln.text)]
    if len(numbers) < MIN_LINE_NUMBERS:
        return list(lines)
    text = [ln for ln in lines if not LINE_NUMBER.match(ln.text)]
    if not text:
        return list(lines)
    # the text block's edges, robust to a stray line further out (a footer, a label in the margin)
    xs0, xs1 = sorted(ln.x0 for ln in text), sorted(ln.x1 for ln in text)
    left, right = xs0[len(xs0) // 10], xs1[-1 - len(xs1) // 10]
    margin = [ln for ln in numbers if ln.x1 <= left + 2 or ln.x0 >= right - 2]
    columns = Counter(round(ln.x1 / 6) if ln.x1 <= left + 2 else -round(ln.x0 / 6) for ln in margin)
    if not columns or columns.most_common(1)[0][1] < MIN_LINE_NUMBERS:
        return list(lines)
    gone = {id(ln) for ln in margin}
    return [ln for ln in lines if id(ln) not in gone]


def drop_panel_labels(lines: Sequence[LineLike]) -> list[LineLike]:
    """The page's lines without figure panel labels and axis ticks: lines of one or two characters that are not
    numbers ("B", "C", "a)", "(d"); a number alone is left to the line-number and page-number rules."""
    return [ln for ln in lines if len(ln.text.strip()) > 2 or LINE_NUMBER.match(ln.text.strip())]


def clean_glyphs(text: str) -> tuple[str, int]:
    """`text` with ligatures and symbol-font dashes mapped to plain characters (NFKC for the ligatures only, so
    superscripts and other compatibility forms keep their meaning) and glyphs without a text mapping (U+FFFD)
    dropped; returns the text and how many were dropped."""
    dropped = text.count(REPLACEMENT)
    if dropped:
        text = re.sub(r" ?\ufffd+ ?", _join_around, text)
    text = "".join(unicodedata.normalize("NFKC", ch) if 0xFB00 <= ord(ch) <= 0xFB06 else ch for ch in text)
    return text.translate(GLYPHS), dropped


def _join_around(m: re.Match[str]) -> str:
    """A dropped glyph between two spaces leaves one space; inside a word it leaves nothing."""
    return " " if m.group().startswith(" ") and m.group().endswith(" ") else ""


def body_fonts(pages: Sequence[Sequence[LineLike]]) -> set[tuple[float, bool]]:
    """(size, bold) of the fonts that body text is set in: those whose lines mostly come in runs of BODY_RUN or more
    consecutive lines (in reading order). A font used only for short runs (headings, titles) is not among them,
    however much text it sets; a document whose body is in two sizes (a smaller methods section) has both."""
    in_runs: Counter[tuple[float, bool]] = Counter()
    total: Counter[tuple[float, bool]] = Counter()
    for lines in pages:
        run: list[LineLike] = []
        for ln in [*lines, None]:
            key = None if ln is None else (ln.size, ln.bold)
            if run and (key != (run[0].size, run[0].bold)):
                font = (run[0].size, run[0].bold)
                total[font] += len(run)
                if len(run) >= BODY_RUN:
                    in_runs[font] += len(run)
                run = []
            if ln is not None:
                run.append(ln)
    return {font for font, n in total.items() if in_runs[font] >= 0.5 * n}
