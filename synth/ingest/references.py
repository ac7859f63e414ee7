"""A reference list's text lines (as a PDF gives them) → entries with their DOI, arXiv id and year.

Entries are numbered ("[12]", "12.", "12 ") or author-year ("Smith, J., ...", "Smith J, ..."); one entry may wrap
over several lines. Wrapped lines are joined (hyphenation repaired, DOIs and URLs kept whole) so a cited paper can be
looked up by DOI or arXiv id. Pure functions that never raise on odd input.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .arxiv_ids import find_arxiv_ids
from .sections import section_kind

MAX_ENTRY_CHARS = 2000  # a longer entry (a list whose boundaries were lost) is cut here
MAX_LINE_CHARS = 5000  # each input line is read only up to here
YEAR_MIN, YEAR_MAX = 1900, 2100

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad]")
_MARKERS = {
    "bracket": re.compile(r"^\[(\d{1,4}|[^\]\s\d][^\]\s]{0,23})\]\s*(?=\S)"),  # [12] Smith ... / [ABC+19] ...
    "dot": re.compile(r"^(\d{1,4})\.\s+(?=\S)"),  # 12. Smith ...
    "space": re.compile(r"^(\d{1,4})\s+(?=[^\W\d_])"),  # 12 Smith ...
}
_MAX_SKIP = 3  # a numbered list may skip this many numbers (an entry lost to a page break) and still be one list

_DOI = re.compile(r"10\.\d{4,9}/[^\s\"<>]+", re.ASCII)
_URLISH = re.compile(r"https?://|www\.|doi\.org/|doi:|10\.\d{4,9}/", re.IGNORECASE)
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_OLD_ARCHIVES = frozenset(
    "hep-th hep-ph hep-ex hep-lat gr-qc astro-ph cond-mat quant-ph math-ph nucl-th nucl-ex physics math cs nlin "
    "q-bio q-fin stat chao-dyn solv-int patt-sol adap-org comp-gas alg-geom dg-ga funct-an q-alg".split()
)
_ARXIV_CONTEXT = re.compile(r"arxiv|\bcorr\b|abs/|e-?print|preprint", re.IGNORECASE)
_YEAR = re.compile(r"(?<![\d.\-–/])(\d{4})[a-z]?(?![\d]|\.\d|[-–]\d)")
_PAREN_YEAR = re.compile(r"\(\s*(?:[^()\d]{0,20})?(\d{4})[a-z]?\s*(?:[,;][^()]{0,20})?\)")

_L = r"[^\W\d_]"
_SURNAME = rf"{_L}+(?:['’\-]{_L}+)*"
_PARTICLES = r"(?:(?:van|von|der|den|de|del|della|di|da|das|dos|du|le|la|ten|ter|al|el|bin|ibn)\s+){0,3}"
_AUTHOR_START = re.compile(
    rf"^{_PARTICLES}(?P<sur>{_SURNAME})(?:\s+(?P<sur2>{_SURNAME}))?"
    rf"(?:,\s*(?P<given>{_L}[\w'’\-]*)|\s+(?P<ini>{_L}{{1,3}})[,.]|\s+(?P<ini2>{_L}\.(?:\s?-?{_L}\.)*)[,\s])"
)
_INITIAL_FIRST = re.compile(rf"^(?P<ini>{_L}\.(?:\s?-?{_L}\.){{0,3}})\s+{_PARTICLES}(?P<sur>{_SURNAME}),")
_NUMBER_ONLY = re.compile(r"\(?\d{1,4}[a-z]?\)?[.,;:]?")  # a year or volume after a URL, not the URL's rest
_NOT_GIVEN = frozenset({"vol", "volume", "no", "pp", "in", "ed", "eds", "pages", "issue", "part", "chapter"})
_ENDED = re.compile(
    r"(?:(?<![\s.,\-][^\W\d_])\.|(?:19|20)\d{2}[a-z]?\)?[.,;]?|\d+\s*[-–]\s*\d+[.,;]?|\d+[.;])\s*$"
)


@dataclass(frozen=True)
class Reference:
    """One entry of a reference list: its number (or position), its joined text and what identifies the work."""

    ord: int
    raw: str
    doi: str | None
    arxiv_id: str | None
    year: int | None


def parse_references(lines: Sequence[str]) -> list[Reference]:
    """Split a reference list's lines into entries and read each one's DOI, arXiv id and year.

    `ord` is the printed number in a numbered list (0 for text before the first number: the tail of an entry that
    began on an earlier page) and the 1-based position in an author-year list or a list with labels ("[ABC+19]")."""
    try:
        clean = _clean_lines(lines)
    except Exception:  # an unreadable sequence: nothing to parse
        return []
    style = _numbered_style(clean)
    entries = _numbered_entries(clean, style) if style else _author_year_entries(clean)
    out = []
    for number, parts in entries:
        text = _join(parts)[:MAX_ENTRY_CHARS].strip()
        if text and any(ch.isalnum() for ch in text):
            out.append(Reference(number, text, find_doi(text), _arxiv_id(text), find_year(text)))
    return out


def _clean_lines(lines: Sequence[str] | str) -> list[str]:
    """Lines as strings without control characters or runs of spaces; "" marks a blank line; a leading
    "References" heading is dropped."""
    if isinstance(lines, str):
        lines = lines.splitlines()
    out: list[str] = []
    for item in lines:
        text = item if isinstance(item, str) else str(item)
        for line in text.splitlines() or [""]:
            line = re.sub("\u00ad\\s*$", "-", line[:MAX_LINE_CHARS])  # a soft hyphen ending a line: a hyphenation
            out.append(" ".join(_CONTROL.sub("", line).split()))
    while out and (not out[0] or (len(out[0]) < 60 and section_kind(out[0]) == "references")):
        out.pop(0)
    return out


def _marker(line: str, style: str) -> tuple[int | None, str] | None:
    """(number, rest) when the line starts with a marker of `style`; number None for an alphanumeric label."""
    m = _MARKERS[style].match(line)
    if not m:
        return None
    label = m.group(1)
    if not label.isdigit():  # "[ABC+19]" or "[Smi19]", never "[Online]"
        return (None, line[m.end() :]) if any(ch.isdigit() for ch in label) else None
    return int(label), line[m.end() :]


def _accepted(lines: list[str], style: str) -> list[tuple[int, int | None, str]]:
    """(line index, number, rest) of the markers that continue the list's numbering (1, 2, 3 ... with small gaps)."""
    out: list[tuple[int, int | None, str]] = []
    last: int | None = None
    for i, line in enumerate(lines):
        found = _marker(line, style)
        if found is None:
            continue
        number, rest = found
        if number is None or last is None or last < number <= last + _MAX_SKIP:
            out.append((i, number, rest))
            last = number if number is not None else last
    return out


def _numbered_style(lines: list[str]) -> str | None:
    """The marker style of a numbered list, or None for an author-year list."""
    best, best_count = None, 0
    for style in _MARKERS:
        accepted = _accepted(lines, style)
        starts_early = bool(accepted) and accepted[0][0] < 3
        enough = len(accepted) >= 2 or (len(accepted) == 1 and accepted[0][1] == 1)
        if starts_early and enough and len(accepted) > best_count:
            best, best_count = style, len(accepted)
    return best


def _numbered_entries(lines: list[str], style: str) -> list[tuple[int, list[str]]]:
    """(number, lines) per entry of a numbered list; every line up to the next accepted marker continues the entry
    (blank lines, such as page breaks, do not end it)."""
    starts = {i: (number, rest) for i, number, rest in _accepted(lines, style)}
    entries: list[tuple[int, list[str]]] = []
    position = 0
    for i, line in enumerate(lines):
        if i in starts:
            number, rest = starts[i]
            position += 1
            entries.append((number if number is not None else position, [rest]))
        elif line and entries:
            entries[-1][1].append(line)
        elif line:
            entries.append((0, [line]))
    return entries


def _author_year_entries(lines: list[str]) -> list[tuple[int, list[str]]]:
    """(position, lines) per entry of an author-year list: a new entry starts with a capitalised surname once the
    current one has its year (or DOI) and its last line ended (a full stop, a year, pages, a DOI or URL); a blank
    line always ends an entry."""
    groups: list[list[str]] = []
    current: list[str] | None = None
    size, anchored = 0, False
    for line in lines:
        if not line:
            current = None
            continue
        if current is not None and anchored and size >= 25 and _ended(current[-1]) and _starts_entry(line):
            current = None
        if current is None:
            current, size, anchored = [], 0, False
            groups.append(current)
        current.append(line)
        size += len(line)
        anchored = anchored or find_year(line) is not None or find_doi(line) is not None
    return [(i + 1, g) for i, g in enumerate(groups)]


def _ended(line: str) -> bool:
    """Whether a line can be the last of an entry (not an initial or "et al." cut off in a list of authors)."""
    if line.endswith((",", ";", ":", "-", "–", "&")) or re.search(r"\b(?:and|et al\.|In|in)$", line):
        return False
    last = line.rsplit(" ", 1)[-1]
    return bool(_ENDED.search(line[-40:])) or (bool(_URLISH.match(last)) and not last.endswith(("/", "-", ".")))


def _starts_entry(line: str) -> bool:
    """Whether a line begins like an author list: "Smith, J.", "Smith J,", "Smith, John", "J. Smith,"."""
    m = _INITIAL_FIRST.match(line)
    if m and m.group("ini")[0].isupper() and m.group("sur")[0].isupper():
        return True
    m = _AUTHOR_START.match(line)
    if not m or not m.group("sur")[0].isupper() or (m.group("sur2") and not m.group("sur2")[0].isupper()):
        return False
    given, ini, ini2 = m.group("given"), m.group("ini"), m.group("ini2")
    if given is not None:
        return given[0].isupper() and given.casefold().rstrip(".") not in _NOT_GIVEN
    return (ini or ini2 or "").replace(".", "").replace("-", "").replace(" ", "").isupper()


def _join(parts: list[str]) -> str:
    """The lines of one entry as one string (stops growing past MAX_ENTRY_CHARS)."""
    out = ""
    for part in parts:
        if len(out) > MAX_ENTRY_CHARS:
            break
        out = _join_pair(out, part) if out else part
    return out


def _join_pair(a: str, b: str) -> str:
    """Join a line to the next one: a DOI or URL cut at the line end carries on without a space; a word hyphenated
    at the line end is repaired when the next line starts in lower case; otherwise a space."""
    if not b:
        return a
    last = a.rsplit(" ", 1)[-1]
    first = b.split(" ", 1)[0]
    if _URLISH.search(last) and b[0].isalnum() and not b[0].isupper():
        if a.endswith(("-", "/", "_", "=", "?", "&", "#", "~")) or "/" in first:
            return a + b
        if any(ch.isdigit() for ch in first) and not _NUMBER_ONLY.fullmatch(first):
            return a + b  # "…/gka" + "c1234", "…/j.cell." + "2020.01.001"
        if a.endswith(".") and b[0].islower() and "." in first.rstrip("."):
            return a + b
    if len(a) > 1 and a[-1] in "-‐–":
        return a[:-1] + b if a[-1] != "–" and a[-2].isalpha() and b[0].islower() else a + b
    return a + " " + b


def find_doi(text: str) -> str | None:
    """The first DOI in `text` (bare, `doi:` or a doi.org URL), without trailing punctuation; a DOI cut at a line end
    after a hyphen or slash is joined with the next line."""
    if not isinstance(text, str):
        return None
    text = re.sub(r"(10\.\d{4,9}/\S{0,300}[-/])\n\s*(?=[\w])", r"\1", text[:100_000])
    # a DOI wrapped before a dot and joined with a space: "10.1016/j .cub.2019.04.024"
    text = re.sub(r"(10\.\d{4,9}/\S{0,300}?[\w])\s+(?=\.[\w])", r"\1", text)
    m = _DOI.search(text)
    return clean_doi(m.group(0)) if m else None


def clean_doi(doi: str) -> str | None:
    """A DOI without the punctuation that ends the sentence around it (a closing bracket stays when it is paired)."""
    doi = doi.strip()[:1000]
    opened = {")": doi.count("("), "]": doi.count("[")}
    closed = {")": doi.count(")"), "]": doi.count("]")}
    while doi:
        last = doi[-1]
        if last in ".,;:'\"”’>" or (last in closed and opened[last] < closed[last]):
            doi = doi[:-1]
            closed[last] = closed.get(last, 0) - 1
        else:
            break
    return doi if re.fullmatch(r"10\.\d{4,9}/\S+", doi, re.ASCII) else None


def _arxiv_id(text: str) -> str | None:
    """The arXiv id an entry cites (without version): any spelling when the entry says arXiv/CoRR/preprint, else
    only an old-style id of a known archive (hep-th/9901001)."""
    prepared = re.sub(r"(?<!org/)\babs/", "arXiv:", text)
    for doi in _DOI.findall(prepared):
        if not doi.lower().startswith("10.48550/arxiv."):
            prepared = prepared.replace(doi, " ")
    context = bool(_ARXIV_CONTEXT.search(text))
    for aid in find_arxiv_ids(prepared):
        if context or ("/" in aid.id and aid.id.split("/")[0].split(".")[0] in _OLD_ARCHIVES):
            return aid.id
    return None


def find_year(text: str) -> int | None:
    """The publication year of an entry: one in brackets ("(2019)", "(Jan 2019)") first, else the first plausible
    year that is not part of a DOI, URL, arXiv id or number range; None when there is none."""
    if not isinstance(text, str):
        return None
    text = _URL.sub(" ", _DOI.sub(" ", text[:MAX_ENTRY_CHARS]))
    text = re.sub(r"\b\d{4}\.\d{4,5}(?:v\d+)?\b|(?<![\w-])[a-z]+(?:-[a-z]+)?(?:\.[A-Z]{2})?/\d{7}", " ", text)
    for pattern in (_PAREN_YEAR, _YEAR):
        for m in pattern.finditer(text):
            year = int(m.group(1))
            if YEAR_MIN <= year <= YEAR_MAX:
                return year
    return None
