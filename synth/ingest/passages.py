"""Text → passages, shared by every source: sentence splitting, line joining with hyphen repair, passage grouping
(one to three whole sentences), page and character spans, and per-passage language tags."""

from __future__ import annotations

import dataclasses
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import Limits
from ..errors import BadInputError, ResourceLimitError


def default_limit(name: str) -> int:
    """The default of a resource limit (`max_pdf_pages`, ...): parsers take their keyword defaults from here, so
    Settings stays the one place the numbers are written."""
    return next(f.default for f in dataclasses.fields(Limits) if f.name == name)


def limit_error(name: str, what: str, limit: int) -> ResourceLimitError:
    """A one-line ResourceLimitError: `<what> (limit <n>: setting <name>, env SYNTH_<NAME>)`; `what` names the file."""
    env = next((f.metadata.get("env") for f in dataclasses.fields(Limits) if f.name == name), None)
    how = f"setting {name}, env {env}" if env else f"setting {name}"
    return ResourceLimitError(f"{what} (limit {limit:,}: raise it with {how})")


DEFAULT_LIMITS = Limits()
# C0/C1 control characters other than tab, newline, carriage return and form feed (NUL bytes, escapes, ...)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")

MAX_SENTENCES = 3  # sentences per passage
SOFT_MAX_CHARS = 400  # a passage takes another sentence only while it stays under this
MAX_PASSAGE_CHARS = default_limit("max_passage_chars")  # a longer "sentence" (tables, lists) is cut at whitespace
HARD_MAX_CHARS = MAX_PASSAGE_CHARS  # the name this limit had before it became a setting
TAIL_CHARS = 80  # hyphen repair looks only at this much of the end of a paragraph
MIN_LANG_CONFIDENCE = 0.5  # a passage identified at least this surely votes for the document's language
OWN_LANG_CONFIDENCE = 0.9  # ... and keeps a language other than the document's only at this confidence
OWN_LANG_WORDS = 12  # ... and this many words
CAPTION = re.compile(
    r"^\s*(?:fig\.|figure|table|tab\.|supplementary (?:fig\.|figure|table)|abbildung|abb\.|tabelle|tableau|"
    r"jedwali|kielelezo|mchoro)\s*S?[\dIVX]+[a-z]?\b",
    re.IGNORECASE,
)
MIN_LETTER_SHARE = 0.4  # passages with fewer letters among their characters (table rows, formulas) are left out

HYPHEN_END = re.compile(r"([^\W\d_]+)-$")
WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
# candidate sentence ends: terminal punctuation, closing quotes/brackets, then whitespace
SENT_END = re.compile(r"[.!?…]+[\"'”’»)\]]*(\s+)")
# terminators of scripts that do not put a capital after them (Ethiopic, Devanagari, CJK): always a boundary
HARD_END = re.compile(r"[።።।॥。！？]+\s*")
ABBREVIATIONS = frozenset(
    """e.g i.e et al fig figs eq eqs sec secs tab tabs vs cf dr mr mrs ms prof no nos vol pp approx resp ref refs
    ch app appx def thm lem prop cor alg z.b d.h bzw vgl ca nr abb bsp u.a s.o s.u usw n.b p st jr sr inc
    ltd co corp dept univ min max avg std""".split()
)
# Abbreviations that may also close a sentence: "... by Conneau et al. The model ..."
SENTENCE_FINAL_ABBREVIATIONS = frozenset({"al", "etc", "usw", "ibid"})


@dataclass
class ParsedDoc:
    """A parsed document: passages with page/section/lang/char span, plus what went wrong per page."""

    pages: int
    passages: list[dict[str, Any]] = field(default_factory=list)
    page_errors: list[dict[str, Any]] = field(default_factory=list)
    title: str | None = None
    no_text: bool = False
    text: str = ""  # the cleaned text; every passage is text[char_start:char_end]
    authors: list[str] = field(default_factory=list)  # as printed under the title (PDFs)
    year: int | None = None
    doi: str | None = None
    arxiv_id: str | None = None
    references: list[Any] = field(default_factory=list)  # synth.ingest.references.Reference entries
    dropped_glyphs: int = 0  # characters without a text mapping (U+FFFD) left out

    @property
    def language(self) -> str | None:
        """The document's language: the passages' languages weighted by their length."""
        weights: Counter[str] = Counter()
        for p in self.passages:
            if p.get("lang"):
                weights[p["lang"]] += len(p["text"])
        return weights.most_common(1)[0][0] if weights else None


class Paragraph:
    """A run of body text (or a heading) with the page each part of it came from.

    Lines are appended with `add_line` in amortised constant time (str + str for every line of a 100,000-line
    paragraph is quadratic); `text` joins the parts when it is read."""

    def __init__(
        self,
        text: str,
        section: str | None,
        page: int,
        page_marks: list[tuple[int, int]] | None = None,
        heading: bool = False,
    ) -> None:
        self.section = section
        self.page = page  # page of the first character
        self.page_marks: list[tuple[int, int]] = list(page_marks or [])  # (offset in text, page) where the page changes
        self.heading = heading
        self._head: list[str] = []  # everything before `_tail`
        self._head_len = 0
        self._tail = text  # the end of the text (at least the last TAIL_CHARS characters once lines are added)

    @property
    def text(self) -> str:
        if self._head:
            self._tail = "".join(self._head) + self._tail
            self._head, self._head_len = [], 0
        return self._tail

    @text.setter
    def text(self, value: str) -> None:
        self._head, self._head_len, self._tail = [], 0, value

    def __len__(self) -> int:
        return self._head_len + len(self._tail)

    @property
    def tail(self) -> str:
        """The last TAIL_CHARS (or more) characters of the text, without joining the whole of it."""
        return self._tail

    def add_line(self, line: str, vocab: set[str] | frozenset[str] = frozenset()) -> None:
        """`text = join_line(text, line, vocab)`, touching only the tail."""
        if len(self._tail) > TAIL_CHARS:
            self._head.append(self._tail[:-TAIL_CHARS])
            self._head_len += len(self._tail) - TAIL_CHARS
            self._tail = self._tail[-TAIL_CHARS:]
        self._tail = join_line(self._tail, line, vocab)

    def page_at(self, offset: int) -> int:
        """The page the character at `offset` came from."""
        i = bisect_right(self.page_marks, offset, key=lambda mark: mark[0])
        return self.page_marks[i - 1][1] if i else self.page

    @property
    def last_page(self) -> int:
        """The page of the last character so far."""
        return self.page_marks[-1][1] if self.page_marks else self.page

    def __repr__(self) -> str:
        marks = f"page_marks={self.page_marks}, heading={self.heading}"
        return f"Paragraph({self.text!r}, {self.section!r}, {self.page}, {marks})"


def read_limited(path: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file, or BadInputError (unreadable, not a file) / ResourceLimitError (too large).

    At most `max_bytes` + 1 bytes are read, so a file that lies about its size (or grows) cannot exhaust memory."""
    try:
        if not path.is_file():
            raise BadInputError(f"{path}: not a regular file")
        size = path.stat().st_size
        if size > max_bytes:
            raise limit_error("max_file_bytes", f"{path}: file is {size:,} bytes", max_bytes)
        with open(path, "rb") as fh:
            raw = fh.read(max_bytes + 1)
    except OSError as exc:
        raise BadInputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if len(raw) > max_bytes:
        raise limit_error("max_file_bytes", f"{path}: file is over {max_bytes:,} bytes", max_bytes)
    return raw


# -- lines and hyphens ------------------------------------------------------------------------
def vocabulary(lines: Iterable[str]) -> set[str]:
    """Lower-cased words and hyphenated compounds seen inside lines (not at their ends): the hyphen-repair lexicon."""
    vocab: set[str] = set()
    for line in lines:
        words = WORD.findall(line)
        if line.rstrip().endswith("-") and words:
            words = words[:-1]
        vocab.update(w.lower() for w in words)
    return vocab


def join_line(text: str, line: str, vocab: set[str] | frozenset[str] = frozenset()) -> str:
    """Append `line` to `text`, repairing an end-of-line hyphen: "distil-" + "lation" → "distillation", while a
    compound the document also spells with a hyphen elsewhere ("cross-" + "lingual") keeps it."""
    line = line.strip()
    if not text:
        return line
    if not line:
        return text
    m = HYPHEN_END.search(text[-TAIL_CHARS:])  # only the tail: the paragraph text keeps growing
    if m and line[0].isalpha():
        head = m.group(1)
        tail_m = WORD.match(line)
        tail = tail_m.group(0).split("-")[0] if tail_m else ""
        joined, compound = (head + tail).lower(), f"{head}-{tail}".lower()
        if line[0].isupper() or (compound in vocab and joined not in vocab):
            return text + line  # keep the hyphen: "cross-lingual", "BERT-Base"
        return text[:-1] + line
    return f"{text} {line}"


# -- sentences --------------------------------------------------------------------------------
def sentence_spans(text: str, *, max_chars: int = MAX_PASSAGE_CHARS) -> list[tuple[int, int]]:
    """(start, end) of each sentence in `text`; whitespace between sentences is left out, and a run longer than
    `max_chars` without a sentence end is cut at whitespace."""
    cuts: list[int] = []
    for m in SENT_END.finditer(text):
        end = m.start(1)
        nxt = text[m.end() : m.end() + 12]
        if not nxt or not _starts_sentence(nxt):
            continue
        if text[m.start()] == "." and _is_abbreviation(text, m.start(), nxt):
            continue
        cuts.append(end)
    for m in HARD_END.finditer(text):
        cuts.append(m.end())
    spans: list[tuple[int, int]] = []
    start = 0
    for cut in sorted(set(cuts)) + [len(text)]:
        s, e = _strip_span(text, start, cut)
        if e > s:
            spans.extend(_cap(text, s, e, max_chars))
        start = cut
    return spans


def _starts_sentence(nxt: str) -> bool:
    ch = nxt[0]
    if ch in "\"'“‘«([":
        nxt = nxt[1:] or "a"
        ch = nxt[0]
    if re.match(r"[a-z]+[A-Z0-9]", nxt):
        return True  # names written lower-case first: "mMARCO", "mBERT", "e5"
    return ch.isupper() or ch.isdigit() or (ch.isalpha() and ch.lower() == ch.upper())


def _is_abbreviation(text: str, dot: int, nxt: str = "") -> bool:
    """Whether the period at `dot` ends an abbreviation or an initial ("e.g.", "et al.", "V."); "et al." and
    "etc." still end a sentence when a capitalised word follows (`nxt`)."""
    m = re.search(r"([\w.]+)$", text[max(0, dot - 64) : dot])  # a bounded window: text[:dot] is quadratic
    if not m:
        return False
    token = m.group(1).lower().strip(".")
    if len(token) == 1 and token.isalpha():
        return True  # an initial
    last = token.split(".")[-1]
    if last in SENTENCE_FINAL_ABBREVIATIONS:
        return not nxt[:1].isupper()
    return token in ABBREVIATIONS or last in {"e.g", "i.e"}


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _cap(text: str, start: int, end: int, max_chars: int = MAX_PASSAGE_CHARS) -> list[tuple[int, int]]:
    """Cut a run longer than `max_chars` at whitespace (it is not a real sentence)."""
    max_chars = max(1, max_chars)
    out = []
    while end - start > max_chars:
        cut = text.rfind(" ", start, start + max_chars)
        cut = cut if cut > start else start + max_chars
        out.append(_strip_span(text, start, cut))
        start = _strip_span(text, cut, end)[0]
    out.append((start, end))
    return out


def group_sentences(spans: list[tuple[int, int]], soft_max: int = SOFT_MAX_CHARS) -> list[tuple[int, int]]:
    """Merge consecutive sentence spans into passages of up to MAX_SENTENCES sentences / ~`soft_max` chars."""
    out: list[tuple[int, int]] = []
    cur: tuple[int, int] | None = None
    n = 0
    for s, e in spans:
        if cur is not None and n < MAX_SENTENCES and e - cur[0] <= soft_max:
            cur, n = (cur[0], e), n + 1
            continue
        if cur is not None:
            out.append(cur)
        cur, n = (s, e), 1
    if cur is not None:
        out.append(cur)
    return out


# -- passages ---------------------------------------------------------------------------------
def build_passages(
    paragraphs: Iterable[Paragraph], *, lang: str | None = None, max_passage_chars: int = MAX_PASSAGE_CHARS
) -> tuple[str, list[dict[str, Any]]]:
    """The document text and its passages (page, section, section_kind, text, lang, char_start, char_end).

    No passage is longer than `max_passage_chars` (a run without sentence ends is cut at whitespace). Each passage's
    `section_kind` (synth.ingest.sections) is carried over the headings: a known heading sets it, a topical
    sub-heading keeps the one before; a figure or table caption is `caption`.

    Headings go into the text but not into passages. `lang` forces the language of every passage; otherwise the
    document's language is identified from all of its text and a passage keeps another only on strong evidence.
    """
    from .sections import carry_kind

    chunks: list[str] = []
    offset = 0
    passages: list[dict[str, Any]] = []
    kind: str | None = None
    for para in paragraphs:
        text = para.text
        if not text:
            continue
        if chunks:
            chunks.append("\n\n")
            offset += 2
        chunks.append(text)
        if para.heading:
            kind = carry_kind(kind or "other", para.section, first=kind is None)
        else:
            this = "caption" if CAPTION.match(text) else (kind or "other")
            for s, e in _text_groups(text, max_passage_chars):
                passages.append(
                    {
                        "page": para.page_at(s),
                        "section": para.section,
                        "section_kind": this,
                        "text": text[s:e],
                        "lang": None,
                        "char_start": offset + s,
                        "char_end": offset + e,
                    }
                )
        offset += len(text)
    tag_languages(passages, lang=lang)
    return "".join(chunks), passages


def _text_groups(text: str, max_chars: int = MAX_PASSAGE_CHARS) -> list[tuple[int, int]]:
    """Passage spans: runs of prose sentences grouped; number rows and formulas in between break the runs."""
    out: list[tuple[int, int]] = []
    run: list[tuple[int, int]] = []
    soft_max = min(SOFT_MAX_CHARS, max_chars)  # a grouped passage stays within the hard limit too
    for s, e in sentence_spans(text, max_chars=max_chars):
        if _is_text(text[s:e]):
            run.append((s, e))
        else:
            out += group_sentences(run, soft_max)
            run = []
    return out + group_sentences(run, soft_max)


def _is_text(text: str) -> bool:
    """Prose rather than a row of numbers or a formula."""
    chars = [ch for ch in text if not ch.isspace()]
    letters = sum(ch.isalpha() for ch in chars)
    return letters >= 2 and letters >= MIN_LETTER_SHARE * len(chars)


def tag_languages(passages: list[dict[str, Any]], *, lang: str | None = None) -> str | None:
    """Set each passage's `lang` and return the document's: forced, or identified from the whole text (confident
    passages vote by length). A passage keeps a language of its own only on strong evidence: at least
    OWN_LANG_WORDS words identified with at least OWN_LANG_CONFIDENCE (a quotation, an abstract in a second
    language); short or unsure ones (names, formulas, reference fragments) take the document's."""
    if lang:
        for p in passages:
            p["lang"] = lang
        return lang
    from .langid import detect_with_confidence

    guesses = [detect_with_confidence(p["text"]) for p in passages]
    votes: Counter[str] = Counter()
    for p, (code, prob) in zip(passages, guesses):
        if prob >= MIN_LANG_CONFIDENCE:
            votes[code] += len(p["text"])
    main = votes.most_common(1)[0][0] if votes else None
    for p, (code, prob) in zip(passages, guesses):
        own = main is None or (prob >= OWN_LANG_CONFIDENCE and len(p["text"].split()) >= OWN_LANG_WORDS)
        p["lang"] = code if own or code == main else main
    return main
