"""Plain-text and Markdown files → passages: pages split on form feeds, sections from headings, the reference list
dropped, paragraphs split into passages of whole sentences."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from ..errors import BadInputError
from .passages import Paragraph, ParsedDoc, build_passages, join_line, vocabulary
from .pdf import APPENDIX, KNOWN_HEADINGS, NUMBERED, REFERENCES, TERMINAL

MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
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


def read_text_file(path: str | Path, *, lang: str | None = None) -> ParsedDoc:
    """Parse a .txt or .md file. Title: the first Markdown heading, else the first line. Pages: split on form feeds."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise BadInputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        content = raw.decode("cp1252", errors="replace")
    markdown = path.suffix.lower() in MARKDOWN_SUFFIXES
    meta_title = None
    if markdown:
        content, meta_title = _front_matter(content)
    pages = content.replace("\r\n", "\n").replace("\r", "\n").split("\f")
    blocks = list(_blocks(pages, markdown))
    title = meta_title or _title(blocks, markdown)
    vocab = vocabulary(line for kind, _, lines in blocks if kind == "para" for line in lines)
    paragraphs = list(_paragraphs(blocks, vocab, title if not markdown else None))
    text, passages = build_passages(paragraphs, lang=lang)
    no_text = not any(ch.isalpha() for ch in content)
    return ParsedDoc(pages=len(pages), passages=passages, title=title, no_text=no_text, text=text)


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
        text = ""
        for line in lines:
            text = join_line(text, line, vocab)
        if text:
            yield Paragraph(text, section, page)
