"""Front matter from a paper's first page: its title, authors, DOI, arXiv id and publication year.

A PDF's metadata title is often junk ("Microsoft Word - draft3.docx", a typesetter's job id, a truncated title), so
it is checked against the first page, and the title can be read from the page itself: the largest type near the top.
Pure functions over text and (text, font size, y0) lines; none of them raises on odd input.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from pathlib import PurePath

from .arxiv_ids import find_arxiv_ids
from .references import find_doi
from .sections import section_kind

PageLine = tuple[str, float, float]  # (text, font size, y0: the line's top, from the top of the page)

TITLE_ZONE = 0.6  # the title lies in the top 60% of the page
TITLE_MIN_WORDS, TITLE_MAX_WORDS = 3, 40
MAX_PAGE_CHARS = 200_000  # the first page is read only up to here
MAX_PAGE_LINES = 400  # ... and its first lines only, when looking for the title

_JUNK_TITLES = frozenset(
    "title untitled untitleddocument document paper manuscript article draft slides presentation abstract "
    "notitle none null pdf".split()
)
_JUNK_PREFIX = re.compile(r"^\s*(?:microsoft\s+(?:word|powerpoint)\b|untitled\b|doi\s*:|10\.\d{4,9}/)", re.IGNORECASE)
_FILE_NAME = re.compile(r"\.(?:pdf|docx?|tex|dvi|ps|rtf|odt|indd|qxd|txt|html?)\s*$", re.IGNORECASE)
_PAGE_RANGE = re.compile(r"\d+\s*\.\.\s*\d+")  # a typesetter's "2056..2072"
_DANGLING = frozenset(
    "a an the of in on for to with by from at as or and but via into about between der die das und des de la le les "
    "et du y e el los en na ya wa za kwa".split()
)

_LABEL_SET = frozenset(
    {
        "article", "articles", "research article", "original article", "open access", "check for updates", "review",
        "review article", "letter", "letters", "research", "research paper", "original research", "original paper",
        "short communication", "brief communication", "communication", "perspective", "perspectives", "opinion",
        "editorial", "technical report", "preprint", "full paper", "report", "research letter", "mini review",
        "minireview", "commentary", "correspondence", "news and views", "resource", "research report",
    }
)
_MASTHEAD = re.compile(
    r"\bdoi\b|https?:|www\.|©|\(c\)\s*\d{4}|\bjournal\b|\bvol\.|\bvolume\s*\d|\bissn\b|copyright|\breceived\b|"
    r"\baccepted\b|\bpublished\b|\bproceedings\b|conference paper|under review|\barxiv\b|@|\|",
    re.IGNORECASE,
)
_MARKER_CHARS = "*†‡§¶#⁎∗✝✉⋆★☆"
_SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹ᵃᵇᶜᵈᵉᶠ"
_AFFILIATION = re.compile(
    r"universit|department|dept\.|institut|laborator|school|college|hospital|centre|center|faculty|academy|"
    r"\binc\b|\bltd\b|gmbh|corporation|e-?mail|@|abstract|keywords|received|correspond",
    re.IGNORECASE,
)
_PARTICLES = frozenset("van von der den de del della di da das do dos du le la ten ter zu bin ibn al el y e".split())
_EMAIL = re.compile(r"[\w.+\-{},]{0,64}@[\w\-]+(?:\.[\w\-]+)+")
_AUTHOR_SPLIT = re.compile(r"\s*(?:,|;|·|•|\||\band\b|&|\bund\b|\bet\b(?!\s+al))\s*", re.IGNORECASE)

_YEAR = re.compile(r"(?<![\d.,/\-])((?:19|20)\d{2})(?![\d]|\.\d)")
_YEAR_CUES = (  # in order of trust: what says when the paper was published
    re.compile(r"\b(?:published|publication date|available online)\b", re.IGNORECASE),
    re.compile(r"©|\bcopyright\b|\(c\)\s*(?=\d{4})", re.IGNORECASE),
    re.compile(r"\bvol(?:ume)?\.?\s*\d|\b\d{1,4}\s*[,:]\s*\d{1,6}\s*[-–]\s*\d{1,6}|\bcite this\b|\bcitation\b",
               re.IGNORECASE),
    re.compile(r"\baccepted\b", re.IGNORECASE),
    re.compile(r"\breceived\b", re.IGNORECASE),
)


def _norm(text: str) -> str:
    """Casefolded alphanumerics only (ligatures and accents folded), for comparing a title with the page."""
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _words(text: str) -> list[str]:
    """The words of a text that contain a letter."""
    return [w for w in text.split() if any(ch.isalpha() for ch in w)]


def is_junk_title(title: str | None, first_page_text: str, filename: str = "") -> bool:
    """Whether a metadata title should be ignored: empty, a placeholder ("Untitled", "Microsoft Word - ..."), a file
    name or job id, under 3 words, ending mid-phrase, or not printed on the first page (or printed there only as the
    start of a longer heading: a truncated title)."""
    if not isinstance(title, str) or not title.strip():
        return True
    text = " ".join(title.split())
    key = _norm(text)
    if not key or key in _JUNK_TITLES or _JUNK_PREFIX.match(text) or _looks_like_file(text, filename):
        return True
    words = _words(text)
    if len(words) < TITLE_MIN_WORDS or text.endswith(("...", "…")) or find_arxiv_ids(text):
        return True
    if words[-1] in _DANGLING:  # "... mutation in" (but "Vitamin A" is whole)
        return True
    page = first_page_text if isinstance(first_page_text, str) else ""
    return not _printed_whole(key, page[:MAX_PAGE_CHARS])


def _looks_like_file(text: str, filename: str) -> bool:
    """A file name, the file's own stem, or an identifier ("fb0011c174", "rna034181 2056..2072")."""
    if _FILE_NAME.search(text) or _PAGE_RANGE.search(text):
        return True
    if filename:
        path = PurePath(str(filename))
        if _norm(text) in {_norm(path.stem), _norm(path.name)}:
            return True
    tokens = text.split()
    with_digits = [t for t in tokens if any(ch.isdigit() for ch in t)]
    if len(tokens) == 1 and with_digits:
        return True
    wordy = any(t.isalpha() and len(t) > 3 for t in tokens)
    return len(tokens) <= 3 and len(with_digits) * 2 >= len(tokens) and not wordy


def _printed_whole(key: str, page: str) -> bool:
    """Whether the normalised title is on the page and, somewhere, ends where its line ends with no lower-case
    continuation on the next line (else it is the start of a longer heading: a truncated title). A page given as one
    line is only searched."""
    lines = [line for line in page.splitlines() if _norm(line)]
    flat = "".join(_norm(line) for line in lines)
    if key not in flat:
        return False
    if len(lines) < 2:
        return True
    whole_at: set[int] = set()  # offsets in `flat` where a line ends and the next does not carry it on
    total = 0
    for i, line in enumerate(lines):
        total += len(_norm(line))
        following = lines[i + 1].lstrip() if i + 1 < len(lines) else ""
        if not following[:1].islower():
            whole_at.add(total)
    start = flat.find(key)
    while start != -1:
        if start + len(key) in whole_at:
            return True
        start = flat.find(key, start + 1)
    return False


def _is_masthead(text: str) -> bool:
    """A running header, journal name or article-type label rather than a title."""
    key = " ".join(re.sub(r"[\W_]+", " ", text.casefold()).split())
    if key in _LABEL_SET or _MASTHEAD.search(text):
        return True
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and text.upper() == text and len(_words(text)) <= 3


def _is_marker(text: str) -> bool:
    """A line that holds only footnote marks or superscripts (set apart from the title they belong to)."""
    return len(text) <= 3 and not any(ch.isalpha() and ch not in _SUPERSCRIPTS for ch in text)


def _line_parts(line: object) -> tuple[str, float, float] | None:
    """(text, size, y0) of one input line, or None when it is malformed."""
    try:
        text, size, y0 = line  # type: ignore[misc]
        return " ".join(str(text).split()), float(size), float(y0)
    except (TypeError, ValueError):
        return None


def title_span(lines: Sequence[PageLine], page_height: float) -> tuple[int, int] | None:
    """(start, end) indices into `lines` of the title: the run of lines in the largest type (larger than the body
    text) in the top of the page, each within ~2 line heights of the one before; None when nothing plausible."""
    parts = [_line_parts(line) for line in list(lines)[:MAX_PAGE_LINES]]
    body = _body_size(parts)
    try:
        height = float(page_height)
    except (TypeError, ValueError):
        height = 0.0
    limit = height * TITLE_ZONE if height > 0 else float("inf")
    cands = [
        (i, p[1])
        for i, p in enumerate(parts)
        if p and p[0] and p[2] < limit and p[1] > body + 0.5 and not _is_masthead(p[0]) and not _is_marker(p[0])
    ]
    for size in sorted({size for _, size in cands}, reverse=True):
        end = -1
        for start, s in cands:
            if abs(s - size) > 0.5 or start < end:  # another size, or inside the run just tried
                continue
            end = _run_end(parts, start, size)
            words = len(_words(_title_text(parts, start, end)))  # a lone one-word line (a logo) never passes
            if TITLE_MIN_WORDS <= words <= TITLE_MAX_WORDS:
                return start, end
    return None


def _body_size(parts: list[tuple[str, float, float] | None]) -> float:
    """The most common font size on the page, weighted by characters."""
    weights: Counter[float] = Counter()
    for p in parts:
        if p:
            weights[round(p[1], 1)] += len(p[0])
    return weights.most_common(1)[0][0] if weights else 0.0


def _run_end(parts: list[tuple[str, float, float] | None], start: int, size: float) -> int:
    """The index after the last line of the run that begins at `start` (marker-only lines in between are skipped)."""
    end, last_y = start + 1, parts[start][2]  # type: ignore[index]
    for i in range(start + 1, len(parts)):
        p = parts[i]
        if p is None or not p[0] or _is_marker(p[0]):
            continue
        if abs(p[1] - size) > 0.5 or not -0.5 * size <= p[2] - last_y <= 2.5 * size or _is_masthead(p[0]):
            break
        end, last_y = i + 1, p[2]
    return end


def _title_text(parts: list[tuple[str, float, float] | None], start: int, end: int) -> str:
    """The title's lines joined (hyphenation repaired), without footnote marks."""
    text = ""
    for p in parts[start:end]:
        if p is None or not p[0] or _is_marker(p[0]):
            continue
        if text.endswith("-") and len(text) > 1 and text[-2].isalpha() and p[0][:1].islower():
            text = text[:-1] + p[0]
        else:
            text = f"{text} {p[0]}" if text else p[0]
    return text.rstrip(_MARKER_CHARS + _SUPERSCRIPTS + " ").strip()


def title_from_lines(lines: Sequence[PageLine], page_height: float) -> str | None:
    """The title printed on a first page, from its (text, font size, y0) lines; None when nothing plausible
    (3 to 40 words in a type larger than the body text, in the top 60% of the page)."""
    try:
        span = title_span(lines, page_height)
    except Exception:  # malformed input: no title rather than a crash
        return None
    if span is None:
        return None
    return _title_text([_line_parts(line) for line in list(lines)[:MAX_PAGE_LINES]], *span) or None


def authors_from_lines(lines: Sequence[PageLine] | Sequence[str], title_end_index: int) -> list[str]:
    """The author names on the line(s) right after the title (`title_end_index` is the first line after it):
    split on commas, "and", "&"; footnote marks and affiliation digits/letters dropped; [] when they do not read
    as names."""
    try:
        text = _author_text(lines, title_end_index)
    except Exception:
        return []
    if not text:
        return []
    glued = re.search(r"[^\W\d_][a-f],[a-f]\b", text) is not None  # "Smitha,b": affiliation letters glued on
    upper_glued = re.search(r"\b[A-Z]{2,}[a-f]\b", text) is not None  # "John SMITHa"
    lettered = "glued" if glued else ("upper" if upper_glued else "")
    items = [_clean_author(item, lettered) for item in _AUTHOR_SPLIT.split(text)]
    items = [item for item in items if item and not re.fullmatch(r"(?:[a-f]\s*)+|et al\.?", item)]
    names = list(dict.fromkeys(item for item in items if _looks_like_name(item)))
    return names if names and len(names) * 2 >= len(items) else []


def _author_text(lines: Sequence[PageLine] | Sequence[str], start: int) -> str:
    """The author lines after the title joined into one string: up to 4 lines in one type, stopping at an
    affiliation, a heading or prose."""
    picked: list[str] = []
    size: float | None = None
    for line in list(lines)[max(0, int(start)) : int(start) + 8]:
        if isinstance(line, str):
            text, this_size = " ".join(line.split()), None
        else:
            parts = _line_parts(line)
            if parts is None:
                break
            text, this_size = parts[0], parts[1]
        text = " ".join(_EMAIL.sub(" ", text).split())  # "Jane Gadget ✉ jane@example.org": the name stays
        if not text or _is_marker(text):
            continue
        if _AFFILIATION.search(text) or section_kind(text) != "other" or len(text.split()) > 30:
            break
        if text.endswith(".") and len(text.split()) > 10 and not re.search(r"\b[A-Z]\.$", text):
            break
        if size is not None and this_size is not None and abs(this_size - size) > 0.5:
            break
        size = this_size if size is None else size
        picked.append(text)
        if len(picked) == 4:
            break
    return ", ".join(picked)


def _clean_author(item: str, lettered: str) -> str:
    """One author without footnote marks, affiliation digits or (when the line glues affiliation letters to names,
    `lettered` "glued" or "upper") the trailing affiliation letter."""
    item = re.sub(rf"[\d{re.escape(_MARKER_CHARS + _SUPERSCRIPTS)}()\[\]]+", " ", item)
    item = re.sub(r"\bORCID\b|\S+@\S+", " ", item, flags=re.IGNORECASE)
    words = item.split()
    while len(words) > 2 and re.fullmatch(r"[a-f]", words[-1]):  # "John Smith a" with the mark set apart
        words.pop()
    last = words[-1] if words else ""
    if len(last) > 3 and last[-1] in "abcdef":
        if (lettered == "glued" and last[-2].isalpha()) or (lettered and last[:-1].isupper()):
            words[-1] = last[:-1]
    return " ".join(words).strip(" ,.;:-")


def _looks_like_name(item: str) -> bool:
    """2–5 words, each capitalised (or an initial, or a particle such as "van"), no digits, not an institution."""
    words = item.split()
    if not 2 <= len(words) <= 5 or len(item) > 60 or _AFFILIATION.search(item):
        return False
    if any(ch.isdigit() for ch in item):
        return False
    for word in words:
        if word.casefold() in _PARTICLES:
            continue
        if not (word[0].isupper() and any(ch.isalpha() for ch in word)):
            return False
    return any(len(w.strip(".")) >= 2 and "." not in w for w in words if w.casefold() not in _PARTICLES)


def doi_in(text: str) -> str | None:
    """The first DOI printed in `text` (bare, `doi:` or a doi.org URL; a DOI cut at a line end is joined)."""
    return find_doi(text[:MAX_PAGE_CHARS]) if isinstance(text, str) else None


def arxiv_id_in(text: str) -> str | None:
    """The first arXiv id printed in `text`, without version; ids written as such ("arXiv:…", arxiv.org URLs)
    come before bare ones."""
    if not isinstance(text, str):
        return None
    text = text[:MAX_PAGE_CHARS]
    cued = re.findall(r"(?:arxiv\s*:\s*|arxiv\.org/(?:abs|pdf)/|10\.48550/arxiv\.)\S+", text, re.IGNORECASE)
    for chunk in cued:
        found = find_arxiv_ids(chunk)
        if found:
            return found[0].id
    found = find_arxiv_ids(re.sub(r"10\.\d{4,9}/\S+", " ", text))
    return found[0].id if found else None


def year_in(text: str, max_year: int | None = None) -> int | None:
    """The publication year on a first page: one near "Published", "©", a journal citation line, "Accepted" or
    "Received" (in that order of trust), else the most frequent plausible year (the latest on a tie); None if none.
    Years after `max_year` (default: this year) are ignored."""
    if not isinstance(text, str):
        return None
    top = max_year if max_year is not None else datetime.date.today().year
    lines = text[:MAX_PAGE_CHARS].splitlines()
    for cue in _YEAR_CUES:
        for line in lines:
            m = cue.search(line)
            if m:
                year = _first_year(line[m.start() :] if cue is not _YEAR_CUES[2] else line, top)
                if year is not None:
                    return year
    counts = Counter(y for line in lines for y in (int(m.group(1)) for m in _YEAR.finditer(line)) if 1900 <= y <= top)
    if not counts:
        return None
    return max(counts, key=lambda y: (counts[y], y))


def _first_year(text: str, top: int) -> int | None:
    """The first plausible year in `text` (not part of a DOI, an arXiv id or a longer number)."""
    for m in _YEAR.finditer(text):
        year = int(m.group(1))
        if 1900 <= year <= top:
            return year
    return None
