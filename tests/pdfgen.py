"""Real PDFs for tests, written with PyMuPDF: multi-page papers with a running header, page-number footers,
numbered bold section headings, hyphenated line ends, one or two columns and a reference list.

Every builder writes to `path` and returns it (as a Path). In section bodies, "-\\n" inside a word forces a
hyphenated line break exactly there ("distil-\\nlation" prints "distil-" at the end of one line and "lation" at
the start of the next); other long words that overflow a line are hyphenated automatically.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import pymupdf

PAGE_W, PAGE_H = 595.0, 842.0  # A4 in points
MARGIN_X, TOP, BOTTOM = 60.0, 80.0, 770.0  # body area; header above TOP, footer below BOTTOM
GAP = 20.0  # between columns
BODY_FONT, BOLD_FONT = "helv", "hebo"
BODY_SIZE, HEAD_SIZE, TITLE_SIZE = 10.0, 12.0, 16.0
LEADING = 1.35

DEFAULT_HEADER = "Cross-Lingual Retrieval for Low-Resource Languages - Preprint"

ENGLISH_SECTIONS: list[tuple[str, str]] = [
    (
        "1 Introduction",
        "Cross-lingual information retrieval lets a user search documents written in another language. "
        "Low-resource languages such as Swahili and Hausa have little parallel text, e.g. a few thousand sentence pairs. "
        "Multilingual encoders narrow this gap, but their quality drops sharply for these languages. "
        "We study knowledge distil-\nlation from a strong English teacher into a multilingual student. "
        "Our method aligns token representations with optimal transport instead of matching sentence vectors alone.",
    ),
    (
        "2 Related Work",
        "Dense retrieval encodes queries and passages into one vector space (Karpukhin et al., 2020). "
        "Cross-lingual transfer usually relies on multilingual pretraining with shared subword vocabularies. "
        "Earlier cross-\nlingual models were trained on translated queries. "
        "Knowledge distillation for sentence embeddings was popularised by Reimers and Gurevych. "
        "Optimal transport has been used to align word embeddings across languages without supervision.",
    ),
    (
        "3 Method",
        "The teacher encodes the English side of each sentence pair and the student encodes both sides. "
        "We compute a cost matrix between the token vectors of the two sentences. "
        "The Sinkhorn algorithm yields a soft transport plan that matches tokens with similar meaning. "
        "The distillation loss is the transport cost under this plan, added to the usual mean squared error. "
        "Training takes about 3.5 hours on one GPU with a batch size of 64.",
    ),
    (
        "4 Experiments",
        "We evaluate on a cross-lingual retrieval benchmark covering nine African and Asian languages. "
        "The distilled student improves mean reciprocal rank by 4.2 points over the multilingual baseline. "
        "Gains are largest for Swahili, Yoruba and Amharic, where parallel data is scarcest. "
        "Removing the transport term reduces the improvement by more than half.",
    ),
    (
        "5 Conclusion",
        "Optimal transport distillation is a simple and effective way to transfer retrieval skill across languages. "
        "It needs only a small amount of parallel text and no labelled queries in the target language.",
    ),
]

GERMAN_SECTIONS: list[tuple[str, str]] = [
    (
        "1 Einleitung",
        "Sprachübergreifende Informationssuche erlaubt es, Dokumente in einer anderen Sprache zu finden. "
        "Für Sprachen mit wenigen Ressourcen gibt es kaum parallele Texte, zum Beispiel nur einige tausend Satzpaare. "
        "Wir untersuchen die Wissensdestil-\nlation von einem englischen Lehrermodell in ein mehrsprachiges Schülermodell. "
        "Unsere Methode richtet die Darstellungen einzelner Wörter mit optimalem Transport aus.",
    ),
    (
        "2 Methode",
        "Das Lehrermodell kodiert die englische Seite jedes Satzpaares, das Schülermodell beide Seiten. "
        "Wir berechnen eine Kostenmatrix zwischen den Wortvektoren der beiden Sätze. "
        "Der Sinkhorn-Algorithmus liefert einen weichen Transportplan zwischen ähnlichen Wörtern. "
        "Der Verlust ist die Transportkosten unter diesem Plan, zusätzlich zum mittleren quadratischen Fehler.",
    ),
    (
        "3 Ergebnisse",
        "Das destillierte Schülermodell verbessert die Suche in neun afrikanischen und asiatischen Sprachen deutlich. "
        "Die größten Gewinne zeigen sich für Swahili, Yoruba und Amharisch, wo parallele Daten am knappsten sind. "
        "Ohne den Transportterm halbiert sich die Verbesserung ungefähr.",
    ),
]

SWAHILI_SECTIONS: list[tuple[str, str]] = [
    (
        "1 Utangulizi",
        "Utafutaji wa taarifa kwa lugha tofauti humsaidia mtumiaji kupata nyaraka zilizoandikwa kwa lugha nyingine. "
        "Lugha zenye rasilimali chache kama Kiswahili na Kihausa zina maandishi machache sana ya sambamba. "
        "Tunachunguza uhamishaji wa maarifa kutoka kwa mwalimu wa Kiingereza kwenda kwa mwanafunzi wa lugha nyingi. "
        "Mbinu yetu inapanga maneno ya sentensi mbili kwa kutumia usafirishaji bora.",
    ),
    (
        "2 Matokeo",
        "Mwanafunzi aliyefunzwa anaboresha utafutaji katika lugha tisa za Kiafrika na Kiasia. "
        "Faida kubwa zaidi zinaonekana kwa Kiswahili, Kiyoruba na Kiamhari ambapo data ni chache. "
        "Bila sehemu ya usafirishaji, maboresho hupungua kwa zaidi ya nusu.",
    ),
]

REFERENCES_HEADING = {"en": "References", "de": "Literatur", "sw": "Marejeo"}
ABSTRACT_HEADING = {"en": "Abstract", "de": "Zusammenfassung", "sw": "Muhtasari"}
REFERENCE_ENTRIES = [
    "[1] Karpukhin, V. et al. Dense passage retrieval for open-domain question answering. EMNLP, 2020.",
    "[2] Reimers, N. and Gurevych, I. Making monolingual sentence embeddings multilingual using knowledge distillation. EMNLP, 2020.",
    "[3] Cuturi, M. Sinkhorn distances: lightspeed computation of optimal transport. NeurIPS, 2013.",
    "[4] Huang, Z. et al. Improving cross-lingual information retrieval on low-resource languages via optimal transport distillation. WSDM, 2023.",
]
ABSTRACTS = {
    "en": "We distil a strong English sentence encoder into a multilingual student with an optimal transport loss. "
    "The student retrieves passages across languages far better than the base model.",
    "de": "Wir destillieren einen starken englischen Satzkodierer in ein mehrsprachiges Schülermodell. "
    "Das Schülermodell findet Textstellen über Sprachgrenzen hinweg deutlich besser als das Ausgangsmodell.",
    "sw": "Tunahamisha ujuzi wa kisimbaji cha sentensi cha Kiingereza kwenda kwa mwanafunzi wa lugha nyingi. "
    "Mwanafunzi hupata vifungu kwa lugha tofauti vizuri zaidi kuliko modeli ya msingi.",
}
SECTIONS = {"en": ENGLISH_SECTIONS, "de": GERMAN_SECTIONS, "sw": SWAHILI_SECTIONS}
FILLER = {
    "en": "Section {n} reports a further ablation on corpus {n} with a different random seed. "
    "The retrieval quality stays within one point of the main result in every language. "
    "This confirms that the gains do not depend on a lucky initialisation of the student model.",
    "de": "Abschnitt {n} beschreibt einen weiteren Versuch mit dem Korpus {n} und einem anderen Startwert. "
    "Die Suchqualität bleibt in jeder Sprache nahe am Hauptergebnis.",
    "sw": "Sehemu ya {n} inaeleza jaribio jingine kwa kutumia mkusanyiko wa {n} na mbegu tofauti. "
    "Ubora wa utafutaji unabaki karibu na matokeo makuu katika kila lugha.",
}


class _Layout:
    """Flows lines of text down one or two columns, page after page, adding header and footer to each page."""

    def __init__(
        self,
        doc: pymupdf.Document,
        *,
        two_column: bool,
        header: str | None,
        footer: bool,
        footnote: str | None = None,
        stamp: str | None = None,
    ) -> None:
        self.doc, self.two_column, self.header, self.footer = doc, two_column, header, footer
        self.footnote, self.stamp = footnote, stamp
        self.bottom = BOTTOM - (24 if footnote else 0)
        self.page: pymupdf.Page | None = None
        self.pending: list[tuple[float, float, str, str, float]] = []  # body lines of the current page
        self.col = 0
        self.y = TOP
        self._new_page()

    # geometry -------------------------------------------------------------------------------
    @property
    def col_width(self) -> float:
        full = PAGE_W - 2 * MARGIN_X
        return (full - GAP) / 2 if self.two_column else full

    @property
    def col_x(self) -> float:
        return MARGIN_X + self.col * (self.col_width + GAP)

    @property
    def page_count(self) -> int:
        return self.doc.page_count

    def lines_left(self, size: float = BODY_SIZE) -> int:
        """Body lines that still fit in the current column (plus the second column when in the first)."""
        per_col = int((self.bottom - TOP) / (size * LEADING))
        here = int((self.bottom - self.y) / (size * LEADING))
        return here + (per_col if self.two_column and self.col == 0 else 0)

    def flush(self) -> None:
        """Write the page's body lines. Two-column pages are written row by row across both columns (as some
        producers do), so a reader that follows the content stream interleaves the columns."""
        if self.page is not None:
            order = sorted(self.pending, key=lambda t: (t[1], t[0])) if self.two_column else self.pending
            for x, y, text, font, size in order:
                self.page.insert_text((x, y), text, fontname=font, fontsize=size)
        self.pending = []

    def _new_page(self) -> None:
        self.flush()
        self.page = self.doc.new_page(width=PAGE_W, height=PAGE_H)
        self.col, self.y = 0, TOP
        number = self.doc.page_count
        if self.header:
            self.page.insert_text((MARGIN_X, 45), self.header, fontname=BODY_FONT, fontsize=8)
        if self.stamp and number == 1:  # arXiv's vertical stamp in the left margin
            self.page.insert_text((32, 560), self.stamp, fontname="tiro", fontsize=20, rotate=90, color=(0.5, 0.5, 0.5))
        if self.footnote:  # a small-print note at the foot of the body, different on every page
            note = self.footnote.format(n=number)
            self.page.insert_text((MARGIN_X, BOTTOM - 4), note, fontname=BODY_FONT, fontsize=8)
        if self.footer:
            label = str(number)
            w = text_width(label, BODY_FONT, 9)
            self.page.insert_text(((PAGE_W - w) / 2, 805), label, fontname=BODY_FONT, fontsize=9)

    def _advance(self, height: float) -> None:
        if self.y + height > self.bottom:
            if self.two_column and self.col == 0:
                self.col, self.y = 1, self.top_of_columns
            else:
                self._new_page()
                self.top_of_columns = TOP

    top_of_columns = TOP

    # drawing --------------------------------------------------------------------------------
    def line(self, text: str, *, font: str = BODY_FONT, size: float = BODY_SIZE) -> None:
        height = size * LEADING
        self._advance(height)
        self.pending.append((self.col_x, self.y + size, text, font, size))
        self.y += height

    def space(self, points: float) -> None:
        self.y += points

    def full_width_line(self, text: str, *, font: str, size: float) -> None:
        """A line across both columns (title, author line); only valid at the top of page 1."""
        assert self.page is not None and self.col == 0
        w = text_width(text, font, size)
        self.page.insert_text(((PAGE_W - w) / 2, self.y + size), text, fontname=font, fontsize=size)
        self.y += size * LEADING
        self.top_of_columns = self.y

    def paragraph(self, text: str, *, font: str = BODY_FONT, size: float = BODY_SIZE) -> None:
        for ln in wrap(text, self.col_width, font=font, size=size):
            self.line(ln, font=font, size=size)
        self.space(size * 0.6)

    def heading(self, text: str) -> None:
        if self.lines_left() < 4 and not (self.two_column and self.col == 0):
            self._advance(self.bottom)  # keep a heading with its first lines
        self.space(4)
        self.line(text, font=BOLD_FONT, size=HEAD_SIZE)
        self.space(2)


@lru_cache(maxsize=None)
def _char_width(ch: str, font: str) -> float:
    return pymupdf.get_text_length(ch, fontname=font, fontsize=1.0)


def text_width(text: str, font: str = BODY_FONT, size: float = BODY_SIZE) -> float:
    """Width of `text` in points (sum of glyph advances, as pymupdf.get_text_length but fast)."""
    return size * sum(_char_width(ch, font) for ch in text)


def wrap(text: str, width: float, *, font: str = BODY_FONT, size: float = BODY_SIZE) -> list[str]:
    """Greedy line breaking; "-\\n" inside a word forces a hyphenated break, long overflowing words are hyphenated."""

    def fits(s: str) -> bool:
        return text_width(s, font, size) <= width

    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        if not word:
            continue
        if "-\n" in word:
            head, tail = word.split("-\n", 1)
            candidate = f"{current} {head}-".strip()
            if fits(candidate):
                lines.append(candidate)
            else:
                lines.append(current)
                lines.append(f"{head}-")
            current = tail
            continue
        candidate = f"{current} {word}".strip()
        if fits(candidate):
            current = candidate
            continue
        # overflow: hyphenate a long word (at its own hyphen if it has one), else move it to the next line
        split = _hyphenate(current, word, fits)
        if split:
            lines.append(split[0])
            current = split[1]
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def _hyphenate(current: str, word: str, fits) -> tuple[str, str] | None:
    if len(word) < 10 or not word.isalpha() and "-" not in word:
        return None
    if "-" in word:
        head, tail = word.split("-", 1)
        line = f"{current} {head}-".strip()
        return (line, tail) if fits(line) and len(head) >= 2 else None
    for cut in range(len(word) - 4, 3, -1):
        line = f"{current} {word[:cut]}-".strip()
        if fits(line):
            return line, word[cut:]
    return None


def make_paper_pdf(
    path: str | Path,
    *,
    title: str,
    sections: Sequence[tuple[str, str]] | None = None,
    lang: str = "en",
    two_column: bool = False,
    pages: int | None = None,
    references: bool = True,
    header: str | None = DEFAULT_HEADER,
    footer: bool = True,
    authors: str = "Amina Yusuf, Jonas Weber and Li Chen",
    metadata_title: bool = True,
    footnote: str | None = None,
    stamp: str | None = None,
) -> Path:
    """Write a paper PDF and return its path.

    `sections` are (heading, body) pairs (default: a built-in paper in `lang`: en, de or sw). With `pages`, numbered
    filler sections are appended until the document has exactly that many pages (references included).
    `header` is the running header on every page (None for none); `footer` puts the page number on every page.
    `footnote` (a format string with {n}, the page number) is set in small print at the foot of every page's body,
    so paragraphs running over a page break are cut by it; `stamp` is a vertical arXiv-style stamp on page 1.
    """
    path = Path(path)
    lang = lang if lang in SECTIONS else "en"
    body = list(sections) if sections is not None else list(SECTIONS[lang])
    doc = pymupdf.open()
    lay = _Layout(doc, two_column=two_column, header=header, footer=footer, footnote=footnote, stamp=stamp)
    lay.full_width_line(title, font=BOLD_FONT, size=TITLE_SIZE)
    if authors:
        lay.full_width_line(authors, font=BODY_FONT, size=BODY_SIZE)
    lay.space(10)
    lay.top_of_columns = lay.y
    if sections is None:
        lay.heading(ABSTRACT_HEADING[lang])
        lay.paragraph(ABSTRACTS[lang])
    for heading, text in body:
        lay.heading(heading)
        for para in text.split("\n\n"):
            lay.paragraph(para)
    refs_lines = 3 + 2 * len(REFERENCE_ENTRIES) if references else 0
    if pages is not None:
        n = len(body) + 1
        while True:
            filler = FILLER[lang].format(n=n)
            need = len(wrap(filler, lay.col_width)) + 5
            if lay.page_count > pages or (lay.page_count == pages and lay.lines_left() < need + refs_lines):
                break
            lay.heading(f"{n} {'Ablation' if lang == 'en' else 'Zusatz' if lang == 'de' else 'Nyongeza'} {n}")
            lay.paragraph(filler)
            n += 1
    if references:
        lay.heading(REFERENCES_HEADING[lang])
        for entry in REFERENCE_ENTRIES:
            lay.paragraph(entry, size=9)
    lay.flush()
    if metadata_title:
        doc.set_metadata({"title": title, "author": authors})
    doc.save(path)
    doc.close()
    return path


ARXIV_STAMP = "arXiv:2301.12566v1  [cs.IR]  29 Jan 2023"


def english_paper(path: str | Path, **kw) -> Path:
    """A three-page English paper, single column, with an arXiv stamp in the margin of page 1."""
    kw.setdefault("title", "Optimal Transport Distillation for Cross-Lingual Retrieval")
    kw.setdefault("stamp", ARXIV_STAMP)
    kw.setdefault("pages", 3)
    return make_paper_pdf(path, **kw)


def two_column_paper(path: str | Path, **kw) -> Path:
    """The English paper set in two columns (2 pages)."""
    kw.setdefault("title", "Optimal Transport Distillation in Two Columns")
    kw.setdefault("pages", 2)
    return make_paper_pdf(path, two_column=True, **kw)


def german_paper(path: str | Path, **kw) -> Path:
    """A German paper (references under "Literatur")."""
    kw.setdefault("title", "Destillation mit optimalem Transport für die sprachübergreifende Suche")
    kw.setdefault("pages", 2)
    return make_paper_pdf(path, lang="de", **kw)


def swahili_paper(path: str | Path, **kw) -> Path:
    """A Swahili paper (references under "Marejeo")."""
    kw.setdefault("title", "Usafirishaji Bora kwa Utafutaji wa Lugha Tofauti")
    kw.setdefault("pages", 2)
    return make_paper_pdf(path, lang="sw", **kw)


def long_paper(path: str | Path, pages: int = 30, **kw) -> Path:
    """An English paper of exactly `pages` pages."""
    kw.setdefault("title", "A Long Study of Optimal Transport Distillation")
    return make_paper_pdf(path, pages=pages, **kw)


def blank_pdf(path: str | Path, pages: int = 2) -> Path:
    """Pages with drawings only: nothing extractable as text (like a scanned paper without OCR)."""
    path = Path(path)
    doc = pymupdf.open()
    for i in range(pages):
        page = doc.new_page(width=PAGE_W, height=PAGE_H)
        page.draw_rect(pymupdf.Rect(80, 100 + 10 * i, 400, 300), color=(0, 0, 0), fill=(0.8, 0.8, 0.8))
        page.draw_circle((300, 500), 60, color=(0.2, 0.2, 0.6))
    doc.save(path)
    doc.close()
    return path


def pdf_bytes(builder=english_paper, **kw) -> bytes:
    """The bytes of a generated PDF (built in a temporary directory)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        return builder(Path(tmp) / "paper.pdf", **kw).read_bytes()


def truncated_pdf_bytes() -> bytes:
    """A real PDF cut in half, as an interrupted download leaves it (starts with %PDF-, no %%EOF)."""
    data = pdf_bytes()
    return data[: len(data) // 2]
