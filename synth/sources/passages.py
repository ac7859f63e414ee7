"""Text → passages, shared by every source: sentence splitting, line joining with hyphen repair, passage grouping
(one to three whole sentences), page and character spans, and per-passage language tags."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

MAX_SENTENCES = 3  # sentences per passage
SOFT_MAX_CHARS = 400  # a passage takes another sentence only while it stays under this
HARD_MAX_CHARS = 2000  # a "sentence" longer than this (tables, lists without stops) is cut at whitespace
MIN_LANG_CONFIDENCE = 0.5  # below this a passage takes the document's main language
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


@dataclass
class Paragraph:
    """A run of body text (or a heading) with the page each part of it came from."""

    text: str
    section: str | None
    page: int  # page of the first character
    page_marks: list[tuple[int, int]] = field(default_factory=list)  # (offset in text, page) where the page changes
    heading: bool = False

    def page_at(self, offset: int) -> int:
        """The page the character at `offset` came from."""
        page = self.page
        for start, p in self.page_marks:
            if start > offset:
                break
            page = p
        return page


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
    m = HYPHEN_END.search(text[-80:])  # only the tail: the paragraph text keeps growing
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
def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in `text`; whitespace between sentences is left out."""
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
            spans.extend(_cap(text, s, e))
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
    m = re.search(r"([\w.]+)$", text[:dot])
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


def _cap(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Cut a run longer than HARD_MAX_CHARS at whitespace (it is not a real sentence)."""
    out = []
    while end - start > HARD_MAX_CHARS:
        cut = text.rfind(" ", start, start + HARD_MAX_CHARS)
        cut = cut if cut > start else start + HARD_MAX_CHARS
        out.append(_strip_span(text, start, cut))
        start = _strip_span(text, cut, end)[0]
    out.append((start, end))
    return out


def group_sentences(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge consecutive sentence spans into passages of up to MAX_SENTENCES sentences / ~SOFT_MAX_CHARS chars."""
    out: list[tuple[int, int]] = []
    cur: tuple[int, int] | None = None
    n = 0
    for s, e in spans:
        if cur is not None and n < MAX_SENTENCES and e - cur[0] <= SOFT_MAX_CHARS:
            cur, n = (cur[0], e), n + 1
            continue
        if cur is not None:
            out.append(cur)
        cur, n = (s, e), 1
    if cur is not None:
        out.append(cur)
    return out


# -- passages ---------------------------------------------------------------------------------
def build_passages(paragraphs: Iterable[Paragraph], *, lang: str | None = None) -> tuple[str, list[dict[str, Any]]]:
    """The document text and its passages (page, section, text, lang, char_start, char_end).

    Headings go into the text but not into passages. `lang` forces the language of every passage; otherwise each
    passage is identified on its own and unsure ones (short formulas, names) take the document's main language.
    """
    chunks: list[str] = []
    offset = 0
    passages: list[dict[str, Any]] = []
    for para in paragraphs:
        text = para.text
        if not text:
            continue
        if chunks:
            chunks.append("\n\n")
            offset += 2
        chunks.append(text)
        if not para.heading:
            for s, e in _text_groups(text):
                passages.append(
                    {
                        "page": para.page_at(s),
                        "section": para.section,
                        "text": text[s:e],
                        "lang": None,
                        "char_start": offset + s,
                        "char_end": offset + e,
                    }
                )
        offset += len(text)
    tag_languages(passages, lang=lang)
    return "".join(chunks), passages


def _text_groups(text: str) -> list[tuple[int, int]]:
    """Passage spans: runs of prose sentences grouped; number rows and formulas in between break the runs."""
    out: list[tuple[int, int]] = []
    run: list[tuple[int, int]] = []
    for s, e in sentence_spans(text):
        if _is_text(text[s:e]):
            run.append((s, e))
        else:
            out += group_sentences(run)
            run = []
    return out + group_sentences(run)


def _is_text(text: str) -> bool:
    """Prose rather than a row of numbers or a formula."""
    chars = [ch for ch in text if not ch.isspace()]
    letters = sum(ch.isalpha() for ch in chars)
    return letters >= 2 and letters >= MIN_LETTER_SHARE * len(chars)


def tag_languages(passages: list[dict[str, Any]], *, lang: str | None = None) -> None:
    """Set each passage's `lang`: forced, detected, or the document's main language when detection is unsure."""
    if lang:
        for p in passages:
            p["lang"] = lang
        return
    from .langid import detect_with_confidence

    guesses = [detect_with_confidence(p["text"]) for p in passages]
    sure = Counter(code for code, prob in guesses if prob >= MIN_LANG_CONFIDENCE)
    main = sure.most_common(1)[0][0] if sure else None
    for p, (code, prob) in zip(passages, guesses):
        p["lang"] = code if prob >= MIN_LANG_CONFIDENCE or main is None else main
