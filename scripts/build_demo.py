"""Build the demo mirror: one small PDF + one metadata JSON per digest in examples/otclir-demo/digests/.

The output is byte-for-byte reproducible: fixed PDF metadata dates, no random file id, a font that ships inside
PyMuPDF (MuPDF's built-in Noto Serif, which covers the Latin letters of Swahili, Hausa, German and French), and
plain glyph placement (no shaping, so no "fi" ligatures that would change the extracted text).

    python scripts/build_demo.py [--digests DIR] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIGESTS = ROOT / "examples" / "otclir-demo" / "digests"
MIRROR = ROOT / "examples" / "otclir-demo" / "mirror"

PAGE_W, PAGE_H = 595.0, 842.0  # A4 in points
MARGIN, TOP, BOTTOM = 64.0, 72.0, 780.0
SIZES = {"title": 16.0, "h2": 12.0, "meta": 9.0, "body": 10.5}
LEADING = 1.38
PDF_DATE = "D:20260101000000Z"  # fixed, so the bytes do not depend on when the mirror was built


@dataclass
class Digest:
    """One digest: front-matter fields and Markdown body."""

    id: str
    title: str
    authors: list[str]
    published: str
    categories: list[str]
    lang: str
    body: str
    path: Path | None = None
    blocks: list[tuple[str, str]] = field(default_factory=list)  # (kind, text): h1 / h2 / p

    @property
    def file_stem(self) -> str:
        """Mirror file name without extension: the id with '/' written as '_'."""
        return self.id.replace("/", "_")

    def summary(self) -> str:
        """Our own short abstract for the metadata JSON: the first two body paragraphs after the digest note."""
        paras = [t for k, t in self.blocks if k == "p"]
        return " ".join(paras[1:3]) if len(paras) > 1 else " ".join(paras)


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def parse_digest(text: str, path: Path | None = None) -> Digest:
    """Parse a digest file: a `---` front matter of `key: value` lines, then Markdown (#, ## and paragraphs)."""
    m = re.match(r"^---\n(.*?)\n---\n(.*)$", text, re.DOTALL)
    if not m:
        raise ValueError(f"{path}: no front matter")
    meta: dict[str, str] = {}
    for line in m.group(1).splitlines():
        if line.strip():
            key, _, value = line.partition(":")
            meta[key.strip()] = _unquote(value)
    missing = {"id", "title", "authors", "published", "lang"} - meta.keys()
    if missing:
        raise ValueError(f"{path}: front matter lacks {sorted(missing)}")
    body = m.group(2).strip()
    d = Digest(
        id=meta["id"],
        title=meta["title"],
        authors=[a.strip() for a in meta["authors"].split(";") if a.strip()],
        published=meta["published"],
        categories=[c.strip() for c in meta.get("categories", "").split(",") if c.strip()],
        lang=meta["lang"],
        body=body,
        path=path,
    )
    d.blocks = markdown_blocks(body)
    return d


def markdown_blocks(body: str) -> list[tuple[str, str]]:
    """Headings and paragraphs of a small Markdown body (paragraph lines are joined with spaces)."""
    blocks: list[tuple[str, str]] = []
    for chunk in re.split(r"\n\s*\n", body.strip()):
        lines = [ln.strip() for ln in chunk.strip().splitlines() if ln.strip()]
        if not lines:
            continue
        if lines[0].startswith("## "):
            blocks.append(("h2", lines[0][3:].strip()))
            lines = lines[1:]
        elif lines[0].startswith("# "):
            blocks.append(("h1", lines[0][2:].strip()))
            lines = lines[1:]
        if lines:
            blocks.append(("p", " ".join(lines)))
    return blocks


def load_digests(directory: Path = DIGESTS) -> list[Digest]:
    """Every digest in `directory` (sorted by file name)."""
    return [parse_digest(p.read_text(encoding="utf-8"), p) for p in sorted(directory.glob("*.md"))]


def _builtin(name: str, bold: bool = False) -> bytes:
    """A font that ships inside the PyMuPDF wheel (same bytes on every machine)."""
    import pymupdf

    m = pymupdf.mupdf
    if name == "noto-serif":
        ptr, size, _ = m.fz_lookup_noto_font(m.UCDN_SCRIPT_LATIN, 0)
    else:
        ptr, size = m.fz_lookup_builtin_font(name, int(bold), 0)
    if not size:
        raise RuntimeError(f"this PyMuPDF build has no built-in font {name!r}")
    return m.raw_to_python_bytes(ptr, size)


def _fonts() -> dict[str, bytes]:
    """Body: MuPDF's Noto Serif (covers Swahili, Hausa, German, French); headings: Nimbus Sans Bold."""
    return {"body": _builtin("noto-serif"), "bold": _builtin("Helvetica", bold=True)}


def _wrap(text: str, font, size: float, width: float) -> list[str]:
    """Greedy word wrap by measured text length."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        trial = f"{line} {word}" if line else word
        if line and font.text_length(trial, fontsize=size) > width:
            lines.append(line)
            line = word
        else:
            line = trial
    if line:
        lines.append(line)
    return lines


def render_pdf(d: Digest, fonts: dict[str, bytes] | None = None) -> bytes:
    """The digest as PDF bytes: bold title and numbered headings, left-aligned paragraphs, on 1-2 A4 pages."""
    import pymupdf

    fonts = fonts or _fonts()
    body_font = pymupdf.Font(fontbuffer=fonts["body"])
    bold_font = pymupdf.Font(fontbuffer=fonts["bold"])
    doc = pymupdf.open()
    width = PAGE_W - 2 * MARGIN
    current: list[object] = []  # [page, TextWriter] of the page being filled

    def flush() -> None:
        if current:
            current[1].write_text(current[0])

    def new_page() -> float:
        flush()
        page = doc.new_page(width=PAGE_W, height=PAGE_H)
        current[:] = [page, pymupdf.TextWriter(page.rect)]
        return TOP

    y = new_page()

    def emit(text: str, size: float, gap_before: float, gap_after: float, bold: bool = False, one_line: bool = False) -> None:
        nonlocal y
        font = body_font
        if bold and all(bold_font.has_glyph(ord(ch)) for ch in text if not ch.isspace()):
            font = bold_font  # headings fall back to the body font when a letter (e.g. Hausa ƙ) is missing
        y += gap_before
        if one_line:  # a wrapped heading would be read as a heading plus a stray line of text: shrink it instead
            size = min(size, max(8.0, 0.98 * size * width / max(font.text_length(text, fontsize=size), 1e-6)))
        for ln in _wrap(text, font, size, width):
            if y + size > BOTTOM:
                y = new_page()
            y += size
            current[1].append((MARGIN, y), ln, font=font, fontsize=size)
            y += size * (LEADING - 1)
        y += gap_after

    emit(d.title, SIZES["title"], 0, 4, bold=True)
    emit("; ".join(d.authors), SIZES["meta"], 2, 0)
    emit(f"arXiv {d.id} · {d.published} · synth demo digest ({d.lang})", SIZES["meta"], 0, 10)
    section = 0
    for kind, text in d.blocks:
        if kind == "h1":
            emit(text, SIZES["h2"] + 1, 6, 4, bold=True, one_line=True)
        elif kind == "h2":
            section += 1
            emit(f"{section} {text}", SIZES["h2"], 8, 3, bold=True, one_line=True)
        else:
            emit(text, SIZES["body"], 0, 6)
    flush()
    doc.set_metadata(
        {
            "title": d.title,
            "author": "; ".join(d.authors),
            "subject": f"Digest of arXiv {d.id} written by the synth project (demo corpus)",
            "keywords": f"synth demo; {d.lang}",
            "creator": "synth scripts/build_demo.py",
            "producer": "PyMuPDF",
            "creationDate": PDF_DATE,
            "modDate": PDF_DATE,
        }
    )
    doc.subset_fonts()
    data = doc.tobytes(garbage=4, deflate=True, no_new_id=True)
    doc.close()
    return data


def metadata(d: Digest) -> dict[str, object]:
    """The mirror's `<id>.json`: id, title, authors, published, abstract (our own words), categories."""
    return {
        "id": d.id,
        "title": d.title,
        "authors": d.authors,
        "published": d.published,
        "abstract": d.summary(),
        "categories": d.categories,
    }


def _write_if_changed(path: Path, data: bytes) -> bool:
    if path.exists() and path.read_bytes() == data:
        return False
    path.write_bytes(data)
    return True


def build_mirror(digests: list[Digest], out: Path) -> list[Path]:
    """Write `<id>.pdf` and `<id>.json` for every digest into `out` (a generated folder: other PDFs and JSON files
    in it are removed); returns the paths written or kept."""
    out.mkdir(parents=True, exist_ok=True)
    fonts = _fonts()
    paths = []
    for d in digests:
        pdf = out / f"{d.file_stem}.pdf"
        meta = out / f"{d.file_stem}.json"
        _write_if_changed(pdf, render_pdf(d, fonts))
        _write_if_changed(meta, (json.dumps(metadata(d), ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
        paths += [pdf, meta]
    for stale in sorted(set(out.glob("*.pdf")) | set(out.glob("*.json"))):
        if stale not in paths:  # the folder is generated: a digest that is gone leaves no files behind
            stale.unlink()
    return paths


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--digests", type=Path, default=DIGESTS, help="folder of digest .md files")
    ap.add_argument("--out", type=Path, default=MIRROR, help="mirror folder to write")
    args = ap.parse_args(argv)
    digests = load_digests(args.digests)
    if not digests:
        print(f"no digests in {args.digests}", file=sys.stderr)
        return 1
    build_mirror(digests, args.out)
    langs: dict[str, int] = {}
    for d in digests:
        langs[d.lang] = langs.get(d.lang, 0) + 1
    summary = ", ".join(f"{k} {v}" for k, v in sorted(langs.items()))
    print(f"built {len(digests)} digests ({summary}) into {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
