"""Plain-text and Markdown files → passages: pages split on form feeds, sections from headings, the reference list
dropped, paragraphs split into passages of whole sentences."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from ..errors import BadInputError
from .passages import (
    CONTROL,
    DEFAULT_LIMITS,
    Limits,
    Paragraph,
    ParsedDoc,
    build_passages,
    read_limited,
    vocabulary,
)
from .pdf import APPENDIX, KNOWN_HEADINGS, NUMBERED, REFERENCES, TERMINAL

MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
BINARY_SHARE = 0.05  # a file with more control / undecodable characters than this is binary, not text
ATX = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
FENCE = re.compile(r"^\s{0,3}(```|~~~)")
INLINE = [
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), ""),  # images
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # links
    (re.compile(r"<[^>\n]+>"), ""),  # html tags
    (re.compile(r"`([^`]*)`"), r"\1"),
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"(?<![\w*])\*(?=\S)([^*]+?)(?<=\S)\*(?!\w)"), r"\1"),
    (re.compile(r"(?<!\w)_(?=\S)([^_]+?)(?<=\S)_(?!\w)"), r"\1"),
]
BLOCK_PREFIX = re.compile(r"^\s{0,3}(?:>\s?)*(?:[-*+]\s+|\d{1,3}[.)]\s+)?")
TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def read_text_file(path: str | Path, *, lang: str | None = None, limits: Limits = DEFAULT_LIMITS) -> ParsedDoc:
    """Parse a .txt or .md file. Title: the first Markdown heading, else the first line. Pages: split on form feeds.

    The bytes may be UTF-8, UTF-16/32 (with a BOM, or UTF-16 without one) or a legacy 8-bit encoding (read as
    cp1252); control characters such as NUL are dropped. Raises BadInputError when the file cannot be read or is
    binary (over BINARY_SHARE control or undecodable characters), and
    ResourceLimitError when it is larger than `limits.max_file_bytes`; no passage is longer than
    `limits.max_passage_chars`."""
    path = Path(path)
    raw = read_limited(path, limits.max_file_bytes)
    content = decode_text(raw)
    junk = junk_share(content)
    if junk > BINARY_SHARE:
        raise BadInputError(f"{path}: not a text file ({junk:.0%} control, unassigned or undecodable characters)")
    content = CONTROL.sub("", content)
    markdown = path.suffix.lower() in MARKDOWN_SUFFIXES
    meta_title = None
    if markdown:
        content, meta_title = _front_matter(content)
    pages = content.replace("\r\n", "\n").replace("\r", "\n").split("\f")
    blocks = list(_blocks(pages, markdown))
    title = meta_title or _title(blocks, markdown)
    vocab = vocabulary(line for kind, _, lines in blocks if kind == "para" for line in lines)
    paragraphs = list(_paragraphs(blocks, vocab, title if not markdown else None))
    text, passages = build_passages(paragraphs, lang=lang, max_passage_chars=limits.max_passage_chars)
    no_text = not any(ch.isalpha() for ch in content)
    return ParsedDoc(pages=len(pages), passages=passages, title=title, no_text=no_text, text=text)


_BOMS = [
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
]


def decode_text(raw: bytes) -> str:
    """Text from bytes: a BOM's encoding; else UTF-8 or UTF-16 without a BOM, whichever reads as cleaner text;
    else cp1252 (never fails: undecodable bytes become U+FFFD)."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return raw[len(bom) :].decode(encoding, errors="replace")
    candidates = []
    encodings = ["utf-8"] + (["utf-16-le", "utf-16-be"] if b"\x00" in raw and len(raw) % 2 == 0 else [])
    for encoding in encodings:
        try:
            candidates.append(raw.decode(encoding))
        except UnicodeDecodeError:
            pass
    if candidates:
        return min(candidates, key=junk_share)  # UTF-8 wins a tie
    return raw.decode("cp1252", errors="replace")


def junk_share(text: str, sample: int = 65536) -> float:
    """The share of the first `sample` characters that no text has: control characters other than tab and line
    breaks, U+FFFD, private-use, unassigned and surrogate code points (UTF-16 read as UTF-8 is full of NULs,
    random bytes read as UTF-16 full of private-use and unassigned characters)."""
    head = text[:sample]
    if not head:
        return 0.0
    bad = sum(
        1 for ch in head if ch == "\ufffd" or (unicodedata.category(ch) in _JUNK_CATEGORIES and ch not in "\t\n\r\f")
    )
    return bad / len(head)


_JUNK_CATEGORIES = frozenset({"Cc", "Co", "Cn", "Cs"})


Block = tuple[str, int, list[str]]  # ("heading" | "para", page, lines)


def _blocks(pages: list[str], markdown: bool) -> Iterable[Block]:
    """Headings and paragraphs (runs of non-blank lines) with their page numbers; code blocks left out."""
    for number, page in enumerate(pages, start=1):
        lines: list[str] = []
        in_fence = False
        raw_lines = page.split("\n")
        for i, raw in enumerate(raw_lines):
            if markdown and FENCE.match(raw):
                in_fence = not in_fence
                if lines:
                    yield "para", number, lines
                    lines = []
                continue
            if in_fence:
                continue
            if markdown:
                m = ATX.match(raw)
                if m:
                    if lines:
                        yield "para", number, lines
                        lines = []
                    yield "heading", number, [_inline(m.group(2))]
                    continue
                if SETEXT.match(raw) and len(lines) == 1 and (raw.strip()[0] == "=" or len(raw.strip()) >= 3):
                    yield "heading", number, [_inline(lines[0])]
                    lines = []
                    continue
                if TABLE_RULE.match(raw) or raw.lstrip().startswith("|"):
                    continue  # tables are not prose
            line = _inline(BLOCK_PREFIX.sub("", raw) if markdown else raw).strip()
            if markdown:
                line = line.strip("|").replace(" | ", " ").strip()
            if not line:
                if lines:
                    yield "para", number, lines
                    lines = []
                continue
            if not markdown and not lines and _is_plain_heading(line, raw_lines, i):
                yield "heading", number, [line]
                continue
            lines.append(line)
        if lines:
            yield "para", number, lines


def _front_matter(content: str) -> tuple[str, str | None]:
    """Strip a YAML front-matter block; return the rest and its `title:` if any."""
    m = re.match(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", content, re.DOTALL)
    if not m:
        return content, None
    t = re.search(r"^title:\s*(.+?)\s*$", m.group(1), re.MULTILINE)
    title = t.group(1).strip("'\"") if t else None
    return content[m.end() :], title or None


def _inline(text: str) -> str:
    for pattern, repl in INLINE:
        text = pattern.sub(repl, text)
    return text.strip()


def _is_plain_heading(line: str, lines: list[str], i: int) -> bool:
    """In a .txt file: a numbered or well-known heading standing on its own line."""
    if KNOWN_HEADINGS.match(line) or REFERENCES.match(line):
        return True
    alone = i + 1 >= len(lines) or not lines[i + 1].strip() or bool(NUMBERED.match(line)) and len(line) < 60
    if not alone or len(line) > 80:
        return False
    return bool(NUMBERED.match(line)) and len(line.split()) <= 8 and not TERMINAL.search(line)


def _title(blocks: list[Block], markdown: bool) -> str | None:
    """The first Markdown heading, else the first line."""
    for kind, _, lines in blocks:
        if kind == "heading" and markdown:
            return lines[0]
    for _, _, lines in blocks:
        if lines and lines[0].strip():
            return lines[0].strip()[:300]
    return None


def _paragraphs(blocks: list[Block], vocab: set[str], plain_title: str | None) -> Iterable[Paragraph]:
    section: str | None = None
    in_refs = False
    first = True
    for kind, page, lines in blocks:
        if kind == "heading":
            heading = lines[0]
            if REFERENCES.match(heading):
                in_refs = True
            elif in_refs and APPENDIX.match(heading):
                in_refs = False
            section = heading
            first = False
            if not in_refs:
                yield Paragraph(heading, section, page, heading=True)
            continue
        if in_refs:
            continue
        if first and plain_title is not None and lines and lines[0] == plain_title and not TERMINAL.search(plain_title):
            lines = lines[1:]  # the title line of a .txt file is not a passage
        first = False
        para = Paragraph("", section, page)
        for line in lines:
            para.add_line(line, vocab)  # linear however many lines the paragraph has
        if len(para):
            yield para
