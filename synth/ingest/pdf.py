"""PDF → passages with PyMuPDF: lines in reading order (two-column aware), running headers/footers and page numbers
dropped, headings as section names, the reference list dropped, hyphenation repaired, then passages of whole
sentences with page, section, language and character span."""

from __future__ import annotations

import difflib
import html
import re
import unicodedata
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from math import ceil
from pathlib import Path
from typing import Any

from ..errors import BadInputError, PdfError, ResourceLimitError
from .front import (
    arxiv_id_in,
    authors_from_lines,
    doi_in,
    is_junk_title,
    title_span,
    year_in,
)
from .passages import (
    CONTROL,
    DEFAULT_LIMITS,
    Limits,
    Paragraph,
    ParsedDoc,
    build_passages,
    limit_error,
    read_limited,
    vocabulary,
)
from .pdf_clean import body_fonts, clean_glyphs, drop_line_numbers, drop_panel_labels
from .references import parse_references

__all__ = ["Limits", "ParsedDoc", "PdfError", "check_pdf_bytes", "parse_pdf"]

MARGIN_ZONE = 0.12  # header/footer candidates lie in the top / bottom 12% of the page
NUMBER_ZONE = 0.08  # ... and digit-insensitive matching only in the outer 8%
REPEAT_SHARE = 0.4  # a line repeated at the same place on this share of pages is a running header/footer

REFERENCES = re.compile(
    r"^(?:[\dIVX]+\.?\s+)?(references?|bibliography|marejeo|literatur|literaturverzeichnis|quellen|références|"
    r"bibliographie|referencias|bibliografía|riferimenti|works cited|reference list|citations|kazi zilizorejelewa|literature cited|references and notes|cited literature)"
    r"\s*:?$",
    re.IGNORECASE,
)
APPENDIX = re.compile(  # where body text resumes after the reference list
    r"^(?:appendix|appendices|supplementary|anhang|kiambatisho|viambatisho)\b|^[A-H](?:\.\d+)*\.?\s+\S", re.IGNORECASE
)
NUMBERED = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2}){0,3}\.?|[IVX]{1,5}\.|[A-H](?:\.\d{1,2}){0,3}\.?)\s+[^\W\d_]")
KNOWN_HEADINGS = re.compile(
    r"^(abstract|introduction|related work|background|method|methods|experiments|results|discussion|conclusions?|"
    r"acknowledge?ments?|limitations|appendix|zusammenfassung|einleitung|muhtasari|utangulizi|résumé|"
    r"references|bibliography|marejeo|literatur|bibliographie)\s*[:.]?$",
    re.IGNORECASE,
)
PAGE_NUMBER = re.compile(  # "3", "- 3 -", "Page 3 of 12", "3 / 12"
    r"^(?:[-–—]\s*)?(?:page|p\.|seite|ukurasa)?\s*\d{1,4}(?:\s*(?:/|of|von|ya)\s*\d{1,4})?(?:\s*[-–—])?$", re.IGNORECASE
)
BOLD_FONT = re.compile(r"bold|black|heavy|semibold|demi|cmbx|\bbx", re.IGNORECASE)
BULLET = re.compile(r"^[•◦▪▫‣∙●○■□➢►]\s*")
TERMINAL = re.compile(r"[.!?:;…。।።][\"'”’)\]]*$")
FILTERS = re.compile(r"/Filter\s*(\[[^\]]*\]|/\w+)")  # in a stream's dictionary
DIRECT_LENGTH = re.compile(r"/Length\s+([0-9]{1,12})(?!\s+[0-9]+\s+R)")  # not an indirect "/Length 5 0 R"


@dataclass
class Line:
    """One line of text on a page, with the geometry and font facts the layout rules need."""

    page: int  # 1-based
    x0: float
    y0: float
    x1: float
    y1: float
    base: float  # baseline of the first span
    text: str
    size: float
    bold: bool
    dropped: int = 0  # glyphs without a text mapping (U+FFFD) dropped from this line
    plain: str | None = None  # the text without superscript spans (affiliation marks), when it has any


def check_pdf_bytes(data: bytes, name: str = "PDF") -> None:
    """Raise PdfError unless `data` is a complete PDF that PyMuPDF can open (used on downloads and before parsing)."""
    _open_checked(data, name).close()


def _open_checked(data: bytes, name: str, max_pages: int | None = None) -> Any:
    """The opened pymupdf Document, or PdfError: not a PDF, truncated, unreadable, encrypted, empty or a broken page
    tree; ResourceLimitError when it has more than `max_pages` pages."""
    if b"%PDF-" not in data[:1024]:
        raise PdfError(f"{name}: not a PDF (no %PDF- header)")
    if b"%%EOF" not in data[-2048:]:
        raise PdfError(f"{name}: incomplete PDF (no %%EOF at the end; truncated download?)")
    import pymupdf

    try:
        doc = pymupdf.open(stream=data, filetype="pdf")
    except Exception as exc:  # MuPDF raises its own error types
        raise PdfError(f"{name}: cannot be opened: {_one_line(exc)}") from exc
    try:
        if doc.needs_pass:
            raise PdfError(f"{name}: encrypted PDF (needs a password)")
        count = doc.page_count  # MuPDF raises here for a page tree that lies about its size or loops
        if count <= 0:
            raise PdfError(f"{name}: PDF has no pages")
        if max_pages is not None and count > max_pages:
            raise limit_error("max_pdf_pages", f"{name}: PDF has {count:,} pages", max_pages)
    except (PdfError, ResourceLimitError):
        doc.close()
        raise
    except Exception as exc:
        doc.close()
        raise PdfError(f"{name}: broken page tree: {_one_line(exc)}") from exc
    return doc


def parse_pdf(path: str | Path, *, lang: str | None = None, limits: Limits = DEFAULT_LIMITS) -> ParsedDoc:
    """Parse a PDF into passages; `lang` forces every passage's language. Raises PdfError naming the file when it
    cannot be opened at all; a page that fails is recorded in `page_errors` and skipped.

    `limits` bounds the work: the file size and page count (ResourceLimitError), the decompressed content of each
    page and of the whole document (a page over the limit is skipped; a document over it is refused), the text a
    page may yield, and the passage length."""
    path = Path(path)
    try:
        data = read_limited(path, limits.max_file_bytes)
    except ResourceLimitError:
        raise
    except BadInputError as exc:
        raise PdfError(str(exc)) from exc
    with _open_checked(data, str(path), limits.max_pdf_pages) as doc:
        page_count = doc.page_count
        pages, sizes, errors = _read_pages(doc, page_count, path, limits)
        meta_title = _metadata_title(doc)
    if not any(line.text for lines in pages for line in lines):
        return ParsedDoc(pages=page_count, page_errors=errors, title=_clean_title(meta_title), no_text=True)
    return _structure(pages, sizes, errors, page_count, meta_title, path, lang, limits)


def _structure(pages: list[list[Line]], sizes: list[tuple[float, float]], errors: list[dict[str, Any]],
               page_count: int, meta_title: str, path: Path, lang: str | None, limits: Limits) -> ParsedDoc:  # fmt: skip
    """The read lines of a PDF → its passages, front matter and reference list."""
    dropped = sum(line.dropped for lines in pages for line in lines)
    body = body_size(line for lines in pages for line in lines)
    # the first page as printed, running lines included (the DOI and year are often in its footer)
    front = _front_matter(pages[0] if pages else [], sizes[0][1] if sizes else 0.0, meta_title, path, body)
    pages = drop_running_lines(pages, [h for _, h in sizes])
    pages = [reading_order(lines, w) for lines, (w, _) in zip(pages, sizes)]
    fonts = body_fonts(pages)
    pitch = line_pitch(pages, body)
    ref_lines: list[str] = []
    walked = _paragraphs(pages, body, pitch, set(map(id, front.title_lines)), fonts, ref_lines)
    paragraphs = _drop_front_matter(list(walked))
    text, passages = build_passages(paragraphs, lang=lang, max_passage_chars=limits.max_passage_chars)
    return ParsedDoc(pages=page_count, passages=passages, page_errors=errors, title=front.title, no_text=False,
                     text=text, authors=front.authors, year=front.year, doi=front.doi, arxiv_id=front.arxiv_id,
                     references=parse_references(ref_lines), dropped_glyphs=dropped)  # fmt: skip


@dataclass
class _Front:
    """What the first page says about the paper."""

    title: str | None
    title_lines: list[Line]
    authors: list[str]
    year: int | None
    doi: str | None
    arxiv_id: str | None


def _front_matter(lines: list[Line], height: float, meta_title: str, path: Path, body: float) -> _Front:
    """Title (the metadata's unless it is junk, else the largest text at the top of page 1), authors (the lines
    under the title), year, DOI and arXiv id as printed on the first page."""
    page_text = "\n".join(line.text for line in lines)
    triples = [(line.text, line.size, line.y0) for line in lines]
    span = title_span(triples, height)
    title_lines = lines[span[0] : span[1]] if span else _title_lines(lines, body, height)
    printed = " ".join(line.text for line in title_lines)
    printed = printed if len(printed.split()) >= 3 else None  # a masthead ("UCSF", "ARTICLE") is no title
    meta = _clean_title(html.unescape(meta_title))
    title = meta if meta and not is_junk_title(meta, page_text, path.stem) else (printed or meta)
    if not printed or not _same_text(printed, title or ""):
        title_lines = []  # large text at the top that is not the title (a first heading) stays in the body
    authors = authors_from_lines([line.plain or line.text for line in lines], span[1]) if span else []
    return _Front(title, title_lines, authors, year_in(page_text), doi_in(page_text), arxiv_id_in(page_text))


def _read_pages(
    doc: Any, page_count: int, path: Path, limits: Limits
) -> tuple[list[list[Line]], list[tuple[float, float]], list[dict[str, Any]]]:
    """Each page's lines, size and failure, within `limits`; raises when the document is over them or no page reads."""
    pages: list[list[Line]] = []
    sizes: list[tuple[float, float]] = []  # (width, height) per page
    errors: list[dict[str, Any]] = []
    over_limit: list[int] = []  # pages skipped for a resource limit
    inflated: dict[int, int] = {}  # decompressed size per content-stream xref (pages may share streams)
    content_total = 0
    for number in range(page_count):
        lines: list[Line] = []
        size = (0.0, 0.0)
        try:
            page = doc[number]
            size = (page.rect.width, page.rect.height)
            content = _content_size(doc, page, limits.max_page_content_bytes, inflated)
            content_total += content
            if content_total <= limits.max_pdf_content_bytes:
                if content > limits.max_page_content_bytes:
                    over_limit.append(len(errors))
                    what = "content decompresses to too many bytes"
                    raise limit_error("max_page_content_bytes", what, limits.max_page_content_bytes)
                lines = page_lines(page, number + 1)
                chars = sum(len(line.text) for line in lines)
                if chars > limits.max_page_chars:
                    lines = []
                    over_limit.append(len(errors))
                    raise limit_error("max_page_chars", f"{chars:,} characters of text", limits.max_page_chars)
        except Exception as exc:
            errors.append({"page": number + 1, "error": _one_line(exc)})
        if content_total > limits.max_pdf_content_bytes:
            what = f"{path}: page content decompresses to over {limits.max_pdf_content_bytes:,} bytes in all"
            raise limit_error("max_pdf_content_bytes", what, limits.max_pdf_content_bytes)
        sizes.append(size)
        pages.append(lines)
    if errors and len(errors) == page_count:
        if over_limit:
            first = errors[over_limit[0]]
            what = f"page {first['page']}: {first['error']}"
            raise ResourceLimitError(f"{path}: no page is readable within the limits ({what})")
        raise PdfError(f"{path}: every page failed ({errors[0]['error']})")
    return pages, sizes, errors


def _metadata_title(doc: Any) -> str:
    """The document-information title, or "" (broken metadata is not worth failing a PDF for)."""
    try:
        title = (doc.metadata or {}).get("title") or ""
    except Exception:
        return ""
    return title if isinstance(title, str) else ""


# -- resource limits ----------------------------------------------------------------------------
def _content_size(doc: Any, page: Any, cap: int, cache: dict[int, int]) -> int:
    """Decompressed bytes of a page's content streams and form XObjects, counted only up to a little over `cap`,
    so that a zip bomb (a few hundred KB inflating to gigabytes) is measured without being inflated."""
    xrefs = list(page.get_contents())
    try:
        xrefs += [x[0] for x in page.get_xobjects()]
    except Exception:
        pass  # broken resources: MuPDF will say so when it reads the page
    total = 0
    for xref in xrefs:
        if xref <= 0:
            continue
        if xref not in cache:
            cache[xref] = _stream_size(doc, xref, cap + 1)
        total += cache[xref]
        if total > cap:
            break
    return total


def _stream_size(doc: Any, xref: int, cap: int) -> int:
    """The decoded length of stream `xref`, up to `cap` for FlateDecode (the filter of bombs)."""
    header = doc.xref_object(xref, compressed=True)  # one call: 3x cheaper than two xref_get_key
    m = FILTERS.search(header)
    filters = re.findall(r"/(\w+)", m.group(1)) if m else []
    if not filters:
        length = DIRECT_LENGTH.search(header)
        return int(length.group(1)) if length else len(doc.xref_stream_raw(xref) or b"")
    if filters in (["FlateDecode"], ["Fl"]):
        return _inflated_size(doc.xref_stream_raw(xref) or b"", cap)
    return len(doc.xref_stream(xref) or b"")  # other filters are rare in content streams: MuPDF decodes them


def _inflated_size(raw: bytes, cap: int) -> int:
    """How many bytes `raw` inflates to, stopping once past `cap` (memory stays at one 1 MiB chunk)."""
    for wbits in (zlib.MAX_WBITS, -zlib.MAX_WBITS):  # with a zlib header, then raw deflate
        inflater = zlib.decompressobj(wbits)
        total, data = 0, raw
        try:
            while data and total <= cap and not inflater.eof:
                out = inflater.decompress(data, 1 << 20)
                total += len(out)
                data = inflater.unconsumed_tail
                if not out and not data:
                    break
        except zlib.error:
            if total == 0:
                continue  # try the other framing
        return total
    return 0


# -- lines ------------------------------------------------------------------------------------
def page_lines(page: Any, number: int) -> list[Line]:
    """The horizontal text lines of a page (rotated margin stamps such as arXiv's are left out)."""
    import pymupdf

    flags = pymupdf.TEXT_PRESERVE_WHITESPACE | pymupdf.TEXT_MEDIABOX_CLIP
    out: list[Line] = []
    for block in page.get_text("dict", flags=flags)["blocks"]:
        if block.get("type", 0) != 0:
            continue
        for line in block["lines"]:
            dx, dy = line.get("dir", (1.0, 0.0))
            if abs(dy) > 0.1 or dx <= 0:
                continue
            spans = [s for s in line["spans"] if s["text"].strip()]
            if not spans:
                continue
            text, dropped = clean_glyphs("".join(s["text"] for s in line["spans"]))
            text = _normalise(text)
            if not text:
                continue
            weights: Counter[float] = Counter()
            for s in spans:
                weights[round(s["size"], 1)] += len(s["text"].strip())
            bold = all((s["flags"] & 16) or BOLD_FONT.search(s["font"]) for s in spans)
            x0, y0, x1, y1 = line["bbox"]
            size = weights.most_common(1)[0][0]
            plain = _normalise("".join(s["text"] for s in line["spans"] if not s["flags"] & 1)) if any(
                s["flags"] & 1 for s in spans) else None  # fmt: skip
            out.append(Line(number, x0, y0, x1, y1, spans[0]["origin"][1], text, size, bool(bold), dropped, plain))
    return drop_panel_labels(drop_line_numbers(out, page.rect.width))


def _normalise(text: str) -> str:
    text = text.replace("\u00ad", "").replace("\u00a0", " ").replace("\t", " ")
    text = unicodedata.normalize("NFC", CONTROL.sub("", text))
    return re.sub(r"\s+", " ", text).strip()


def drop_running_lines(pages: list[list[Line]], heights: list[float]) -> list[list[Line]]:
    """Remove running headers/footers (the same text at the same height on many pages) and bare page numbers."""
    n = len(pages)
    need = max(2, ceil(REPEAT_SHARE * n))
    exact: Counter[tuple[str, int]] = Counter()
    fuzzy: Counter[tuple[str, int]] = Counter()
    for lines, h in zip(pages, heights):
        seen_exact, seen_fuzzy = set(), set()
        for line in lines:
            zone = _zone(line, h)
            if zone:
                seen_exact.add(_key(line, False))
                if zone == 2:
                    seen_fuzzy.add(_key(line, True))
        exact.update(seen_exact)
        fuzzy.update(seen_fuzzy)
    kept: list[list[Line]] = []
    for lines, h in zip(pages, heights):
        keep = []
        crowded = _crowded(lines)
        for line in lines:
            zone = _zone(line, h)
            if id(line) in crowded and zone == 1:
                zone = 0  # a line touching its neighbours near the edge is body text, not a running header
            # an isolated line in the outermost margin needs only two pages (chapter headers change per chapter)
            need_here = 2 if zone == 2 and id(line) not in crowded else need
            if zone and (
                PAGE_NUMBER.match(line.text)
                or (n > 1 and exact[_key(line, False)] >= need_here)
                or (n > 1 and zone == 2 and fuzzy[_key(line, True)] >= need_here)
            ):
                continue
            keep.append(line)
        kept.append(keep)
    return kept


def _crowded(lines: list[Line]) -> set[int]:
    """Ids of lines with another line (not on the same row) less than half a line height above or below."""
    rows = sorted(lines, key=lambda ln: ln.y0)
    out: set[int] = set()
    for a, b in zip(rows, rows[1:]):
        same_row = b.y0 < a.y1 - 0.5 * (a.y1 - a.y0)
        if not same_row and b.y0 - a.y1 < 0.5 * min(a.size, b.size):
            out.update((id(a), id(b)))
    return out


def _zone(line: Line, height: float) -> int:
    """0 = body, 1 = near the top/bottom edge, 2 = in the outermost margin."""
    if height <= 0:
        return 0
    top, bottom = line.y1 / height, line.y0 / height
    if top <= NUMBER_ZONE or bottom >= 1 - NUMBER_ZONE:
        return 2
    if top <= MARGIN_ZONE or bottom >= 1 - MARGIN_ZONE:
        return 1
    return 0


def _key(line: Line, digits_blind: bool) -> tuple[str, int]:
    text = line.text.lower()
    if digits_blind:
        text = re.sub(r"\d+", "#", text)
    return text, round(line.y0 / 4)


def reading_order(lines: list[Line], width: float) -> list[Line]:
    """Lines in reading order: on a two-column page, the left column then the right one, band by band between
    lines that span both columns (title, wide figures); otherwise top to bottom."""
    rows = sorted(lines, key=lambda ln: (round(ln.base), ln.x0))
    if len(lines) < 6:
        return rows
    left_edge, right_edge = min(ln.x0 for ln in lines), max(ln.x1 for ln in lines)
    mid, tol = (left_edge + right_edge) / 2, 0.02 * (width or right_edge)
    side = {}
    for ln in lines:
        is_left, is_right = ln.x1 <= mid + tol, ln.x0 >= mid - tol
        side[id(ln)] = "S" if is_left == is_right else ("L" if is_left else "R")
    counts = Counter(side.values())
    n = len(lines)
    # two columns when most lines keep to one half and each half has a few (a last page's right column may be short)
    if counts["L"] < 3 or counts["R"] < 3 or counts["L"] + counts["R"] < 0.5 * n:
        return rows
    out: list[Line] = []
    band_left: list[Line] = []
    band_right: list[Line] = []
    for ln in rows:
        s = side[id(ln)]
        if s == "L":
            band_left.append(ln)
        elif s == "R":
            band_right.append(ln)
        else:
            out.extend(band_left + band_right)
            band_left, band_right = [], []
            out.append(ln)
    out.extend(band_left + band_right)
    return out


def line_pitch(pages: list[list[Line]], body: float) -> float:
    """The usual baseline-to-baseline distance of body lines (paragraph gaps are measured against it)."""
    deltas: Counter[float] = Counter()
    for lines in pages:
        for a, b in zip(lines, lines[1:]):
            if abs(a.size - body) < 0.5 and abs(b.size - body) < 0.5 and 0.8 * body < b.base - a.base < 3 * body:
                deltas[round((b.base - a.base) * 2) / 2] += 1
    return deltas.most_common(1)[0][0] if deltas else 1.2 * body


def body_size(lines: Iterable[Line]) -> float:
    """The most common font size, weighted by characters."""
    weights: Counter[float] = Counter()
    for line in lines:
        weights[line.size] += len(line.text)
    return weights.most_common(1)[0][0] if weights else 10.0


# -- structure --------------------------------------------------------------------------------
def _title_lines(lines: list[Line], body: float, height: float) -> list[Line]:
    """The largest-font lines in the top part of page 1 (the title), if larger than the body text."""
    top = [ln for ln in lines if height <= 0 or ln.y0 < 0.45 * height]
    if not top:
        return []
    biggest = max(ln.size for ln in top)
    if biggest < body * 1.25:
        return []
    return [ln for ln in top if ln.size >= biggest - 0.5]


def _same_text(a: str, b: str) -> bool:
    """Whether two renderings of a title say the same (case, spacing and punctuation aside, or nearly)."""
    x, y = (re.sub(r"\W+", "", s.casefold()) for s in (a, b))
    return bool(x) and (x in y or y in x or difflib.SequenceMatcher(None, x, y).ratio() >= 0.8)


def _clean_title(title: str) -> str | None:
    title = _normalise(title or "")
    if not title or re.match(r"^(untitled|microsoft word|document\d*|paper|\S+\.(?:pdf|docx?|tex|dvi))", title, re.IGNORECASE):
        return None
    return title


def is_heading(line: Line, body: float, prev: Line | None, fonts: set[tuple[float, bool]] | None = None) -> bool:
    """A section heading: a short line set in bold or a larger font that body text is not set in (`fonts`,
    pdf_clean.body_fonts), a known heading word on its own, or a numbered short line standing apart from the text
    around it."""
    text = line.text
    words = len(text.split())
    if len(text) > 120 or words > 15 or not any(ch.isalpha() for ch in text):
        return False
    if KNOWN_HEADINGS.match(text) or REFERENCES.match(text):
        return True
    if text.endswith((",", ";")):
        return False
    if (line.size >= body + 1.0 or (line.bold and len(text) <= 100)) and (line.size, line.bold) not in (fonts or ()):
        return text[0].isalnum() or text[0] in "\"'“‘(["  # "mMARCO: …" is a heading too
    if text.endswith(".") and not NUMBERED.match(text) or not (text[0].isupper() or text[0].isdigit()):
        return False
    apart = prev is None or prev.page != line.page or line.y0 - prev.y1 > 0.4 * line.size or bool(TERMINAL.search(prev.text))
    return bool(NUMBERED.match(text)) and len(text) < 60 and words <= 8 and not TERMINAL.search(text) and apart


@dataclass
class _Walk:
    """What `_paragraphs` carries from line to line (held here so the steps can be separate functions)."""

    cur_size: float  # font size of the current paragraph's first line
    section: str | None = None
    in_refs: bool = False
    cur: Paragraph | None = None
    suspended: Paragraph | None = None  # body paragraph waiting for the rest of its sentence
    held: list[Paragraph] = field(default_factory=list)  # what came between (footnotes, captions)
    prev: Line | None = None
    heading: Paragraph | None = None  # the last heading, while the next line may continue it


def _paragraphs(pages: list[list[Line]], body: float, pitch: float, skip: set[int],
                fonts: set[tuple[float, bool]] | None = None, ref_lines: list[str] | None = None) -> Iterable[Paragraph]:  # fmt: skip
    """Walk the lines in reading order and yield headings and paragraphs; the reference list is left out of them
    and its lines go to `ref_lines`.

    A body paragraph cut mid-sentence by text in another size (a footnote at the foot of the page, a figure
    caption at the foot of a column) is resumed when the body text carries on; the interruption comes after it.
    """
    vocab = vocabulary(line.text for lines in pages for line in lines)
    walk = _Walk(cur_size=body)
    for lines in pages:
        for line in lines:
            if id(line) in skip:
                continue
            if is_heading(line, body, walk.prev, fonts):
                yield from _heading_line(walk, line)
            else:
                walk.heading = None
                if not walk.in_refs:
                    yield from _body_line(walk, line, body, pitch, vocab)
                elif ref_lines is not None:
                    ref_lines.append(line.text)
            walk.prev = line
    yield from _close_all(walk)


def _heading_line(walk: _Walk, line: Line) -> Iterable[Paragraph]:
    """Take a heading line: extend a heading wrapped over two lines, or end what came before and open a section."""
    if walk.heading is not None and _continues_heading(walk.prev, line):
        # a heading wrapped over two lines (capped: a run of bold lines is not one endless heading)
        walk.heading.text = walk.heading.section = f"{walk.heading.text} {line.text}"[:1000]
        walk.section = walk.heading.section
        return
    yield from _close_all(walk)
    if REFERENCES.match(line.text):
        walk.in_refs = True
    elif walk.in_refs and APPENDIX.match(line.text):
        walk.in_refs = False
    walk.section = line.text
    walk.heading = Paragraph(line.text, walk.section, line.page, heading=True)
    if not walk.in_refs:
        yield walk.heading


def _continues_heading(prev: Line | None, line: Line) -> bool:
    """Whether heading `line` carries on the heading on `prev`: just below it, same size, and not numbered itself."""
    return (
        prev is not None
        and line.page == prev.page
        and 0 <= line.y0 - prev.y1 < 0.5 * line.size
        and abs(line.size - prev.size) < 0.5
        and not NUMBERED.match(line.text)
    )


def _body_line(walk: _Walk, line: Line, body: float, pitch: float, vocab: set[str]) -> Iterable[Paragraph]:
    """Take a body line: add it to the current paragraph or start one, suspending or resuming around footnotes."""
    bullet = BULLET.match(line.text)
    text = line.text[bullet.end() :] if bullet else line.text
    cur, prev = walk.cur, walk.prev
    if cur is not None and prev is not None and (bullet or _breaks(prev, line, pitch * line.size / body)):
        interrupted = (
            walk.cur_size == body
            and abs(line.size - body) > 0.75
            and not TERMINAL.search(cur.tail)
            and walk.suspended is None
        )
        if interrupted:
            walk.suspended, walk.cur = cur, None
        else:
            yield from _close(walk)
    if walk.cur is None and walk.suspended is not None and line.size == body and not bullet:
        if text[:1].islower() or walk.suspended.tail[-1:] in "-,;:(":
            # the sentence carries on after the footnote
            walk.cur, walk.suspended, walk.cur_size = walk.suspended, None, body
        else:
            yield from _release_suspended(walk)
    if walk.cur is None:
        walk.cur, walk.cur_size = Paragraph(text, walk.section, line.page), line.size
    else:
        page_before = walk.cur.last_page
        walk.cur.add_line(text, vocab)
        if line.page != page_before:
            walk.cur.page_marks.append((len(walk.cur) - len(text), line.page))


def _close(walk: _Walk) -> Iterable[Paragraph]:
    """End the current paragraph (it may be suspended or held instead of yielded)."""
    cur = walk.cur
    if cur is None or not len(cur):
        walk.cur = None
        return
    if walk.suspended is not None and cur is not walk.suspended:
        walk.held.append(cur)
    else:
        yield cur
        yield from walk.held
        walk.held.clear()
    walk.cur = None


def _close_all(walk: _Walk) -> Iterable[Paragraph]:
    """End the current paragraph and give up on the suspended one: everything pending comes out, in order."""
    yield from _close(walk)
    yield from _release_suspended(walk)


def _release_suspended(walk: _Walk) -> Iterable[Paragraph]:
    """Yield the suspended paragraph (if any) and then what was held after it: its sentence did not carry on."""
    if walk.suspended is not None:
        yield walk.suspended
        walk.suspended = None
    yield from walk.held
    walk.held.clear()


def _breaks(prev: Line, line: Line, pitch: float) -> bool:
    """Whether `line` starts a new paragraph after `prev`: a gap wider than the usual line pitch, a change of font
    size, or a first-line indent after a finished sentence. A jump to the next column or page carries on."""
    if abs(line.size - prev.size) > 0.75:
        return True
    if line.page != prev.page or line.base < prev.base - 1:
        return False
    if line.base - prev.base > pitch + 0.3 * line.size:
        return True
    return line.x0 > prev.x0 + 0.8 * line.size and bool(TERMINAL.search(prev.text))


def _drop_front_matter(paragraphs: list[Paragraph]) -> list[Paragraph]:
    """Before the first heading on page 1 (authors, affiliations, e-mails) keep only what reads like sentences
    (an unlabelled abstract). A document without headings is kept whole."""
    first = next((i for i, p in enumerate(paragraphs) if p.heading), None)
    if first is None:
        return paragraphs
    return [p for i, p in enumerate(paragraphs) if i >= first or p.page > 1 or _is_prose(p.text)]


def _is_prose(text: str) -> bool:
    return len(text.split()) >= 12 and bool(TERMINAL.search(text))


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
