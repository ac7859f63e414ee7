"""A generated corpus of hostile inputs for synth's parsers and CLI (nothing here is committed data).

`generate(root, seed=..., scale=...)` writes every file under `root` and returns one `Hostile` per input: broken,
truncated, encrypted and oversized PDFs, PDF bombs, text in odd encodings, hostile claims files, malformed seed
reports and odd arXiv ids. The same seed gives the same bytes. Each input says where it goes (`target`: "add",
"claims", "seed", "arxiv-id") and what synth should do with it (`expect`):

- "reject": a one-line error naming the input, and the rest of the call carries on;
- "accept": stored / used like any good input;
- "either": synth may read it (MuPDF repairs many broken PDFs) or reject it, but never with a traceback.

PDFs are either PyMuPDF output (`pdfgen`) cut or corrupted, or written object by object with `assemble`, which is
how the zero-page, 5,000-page, nested and bomb PDFs are made in milliseconds.
"""

from __future__ import annotations

import random
import re
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pymupdf
from pdfgen import english_paper, german_paper, pdf_bytes, two_column_paper

REJECT, ACCEPT, EITHER = "reject", "accept", "either"


@dataclass(frozen=True)
class Hostile:
    """One hostile input: a file (`path`) or a string (`value`, for arXiv ids)."""

    kind: str
    target: str  # "add" | "claims" | "seed" | "arxiv-id"
    expect: str  # REJECT | ACCEPT | EITHER
    path: Path | None = None
    value: str | None = None

    @property
    def label(self) -> str:
        return str(self.path) if self.path is not None else repr(self.value)


def summary(inputs: list[Hostile]) -> Counter[str]:
    """Inputs per kind."""
    return Counter(h.kind for h in inputs)


# -- raw PDF writing ------------------------------------------------------------------------------------
def assemble(objects: list[bytes], *, root: int = 1, header: bytes = b"%PDF-1.7") -> bytes:
    """A PDF from object bodies (object i+1 is objects[i]) with a correct classic xref table and trailer."""
    out = bytearray(header + b"\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, xref)
    return bytes(out)


def stream(data: bytes, extra: bytes = b"", *, flate: bool = False) -> bytes:
    """A stream object body (optionally FlateDecode-compressed)."""
    if flate:
        data, extra = zlib.compress(data, 9), extra + b" /Filter /FlateDecode"
    return b"<< /Length %d%s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>"
CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"


def text_content(*lines: str) -> bytes:
    """A page content stream showing `lines` (ASCII) in Helvetica 11."""
    ops = [b"BT /F1 11 Tf 14 TL 72 720 Td"]
    for line in lines:
        safe = line.encode("latin-1", "replace").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
        ops.append(b"(" + safe + b") Tj T*")
    ops.append(b"ET")
    return b"\n".join(ops)


def pages_pdf(count: int, content: bytes | None = None) -> bytes:
    """`count` pages sharing one content stream (a 5,000-page PDF is 0.8 MB and takes milliseconds)."""
    content = content if content is not None else text_content("The model improves retrieval on every page.")
    kids = b" ".join(b"%d 0 R" % (5 + i) for i in range(count))
    objects = [CATALOG, b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % count, FONT, stream(content)]
    objects += [PAGE] * count
    return assemble(objects)


def zero_page_pdfs() -> dict[str, bytes]:
    """PDFs whose page tree is empty, missing, lying or not a page tree at all."""
    return {
        "empty-kids": assemble([CATALOG, b"<< /Type /Pages /Kids [] /Count 0 >>"]),
        "no-kids": assemble([CATALOG, b"<< /Type /Pages /Count 0 >>"]),
        "lying-count": assemble([CATALOG, b"<< /Type /Pages /Kids [] /Count 50000 >>"]),
        "huge-count": assemble([CATALOG, b"<< /Type /Pages /Kids [] /Count 2147483647 >>"]),
        "negative-count": assemble([CATALOG, b"<< /Type /Pages /Kids [] /Count -5 >>"]),
        "no-pages": assemble([b"<< /Type /Catalog >>"]),
        "pages-not-dict": assemble([CATALOG, b"(not a page tree)"]),
        "root-missing": assemble([CATALOG, b"<< /Type /Pages /Kids [] /Count 0 >>"], root=7),
    }


def nested_pages_pdf(depth: int) -> bytes:
    """A page tree `depth` levels deep with one page at the bottom (recursion bomb)."""
    # 1 catalog, 2 root Pages, 3 font, 4 content, then Pages nodes 5..(5+depth-1), then the page
    objects = [CATALOG, b"", FONT, stream(text_content("Deep page tree."))]
    first = 5
    page_no = first + depth
    objects[1] = b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % first
    for i in range(depth):
        number = first + i
        parent = 2 if i == 0 else number - 1
        child = number + 1
        objects.append(b"<< /Type /Pages /Parent %d 0 R /Kids [%d 0 R] /Count 1 >>" % (parent, child))
    objects.append(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
                   b"/Contents 4 0 R >>" % (page_no - 1))  # fmt: skip
    return assemble(objects)


def cyclic_pages_pdf() -> bytes:
    """A page tree whose Kids point back at itself."""
    return assemble([CATALOG, b"<< /Type /Pages /Kids [2 0 R 2 0 R] /Count 2 >>"])


def flate_bomb(megabytes: int, unit: bytes) -> bytes:
    """A one-page PDF whose content stream is a few hundred KB compressed and `megabytes` MB decompressed."""
    compressor = zlib.compressobj(9)
    chunk = unit * ((1 << 20) // len(unit))
    body = b"".join(compressor.compress(chunk) for _ in range(megabytes)) + compressor.flush()
    objects = [
        CATALOG,
        b"<< /Type /Pages /Kids [5 0 R] /Count 1 >>",
        FONT,
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(body) + body + b"\nendstream",
        PAGE.replace(b"/Parent 2 0 R", b"/Parent 2 0 R"),
    ]
    return assemble(objects)


def nested_array_pdf(depth: int) -> bytes:
    """A page whose /MediaBox is an array nested `depth` deep (parser recursion)."""
    box = b"[" * depth + b"0 0 612 792" + b"]" * depth
    page = PAGE.replace(b"[0 0 612 792]", box)
    return assemble([CATALOG, b"<< /Type /Pages /Kids [5 0 R] /Count 1 >>", FONT, stream(text_content("x")), page])


# -- the generator --------------------------------------------------------------------------------------
class _Writer:
    """Names files uniquely inside one folder per target and collects the Hostile records."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.items: list[Hostile] = []
        self.count = 0

    def file(self, target: str, kind: str, expect: str, suffix: str, data: bytes, name: str | None = None) -> Path:
        folder = self.root / target
        folder.mkdir(parents=True, exist_ok=True)
        self.count += 1
        stem = name or f"{self.count:05d}-{kind.replace('/', '-')}"
        path = folder / f"{stem}{suffix}"
        path.write_bytes(data)
        self.items.append(Hostile(kind, target, expect, path=path))
        return path

    def value(self, kind: str, expect: str, value: str) -> None:
        self.items.append(Hostile(kind, "arxiv-id", expect, value=value))


def generate(root: str | Path, *, seed: int = 20240611, scale: int = 1) -> list[Hostile]:
    """Write the hostile corpus under `root` (created) and return its inputs; `scale` multiplies the random kinds."""
    root = Path(root)
    rng = random.Random(seed)
    w = _Writer(root)
    base = [_fixed_id(pdf_bytes(b)) for b in (english_paper, german_paper, two_column_paper)]
    _pdfs(w, rng, base, scale)
    _texts(w, rng, scale)
    _claims(w, rng, scale)
    _seeds(w, rng, scale)
    _arxiv_ids(w, rng, scale)
    return w.items


def _fixed_id(data: bytes) -> bytes:
    """The PDF with its random trailer /ID replaced by a fixed one, so a seed always gives the same bytes. MuPDF
    writes each half of the /ID as a hex string or, now and then, as a literal string `(...)`; both are replaced.
    Encrypted PDFs still differ from run to run: their salts are random."""
    half = rb"(?:<[0-9A-Fa-f]*>|\((?:\\.|[^\\)])*\))"
    fixed = b"/ID[<" + b"0" * 32 + b"><" + b"0" * 32 + b">]"
    return re.sub(rb"/ID\s*\[\s*" + half + rb"\s*" + half + rb"\s*\]", fixed, data, flags=re.S)


def _rand_bytes(rng: random.Random, n: int) -> bytes:
    return rng.randbytes(n)


def _pdfs(w: _Writer, rng: random.Random, base: list[bytes], scale: int) -> None:
    add = "add"
    for i in range(80 * scale):  # random bytes, some dressed up as a PDF
        n = rng.choice([0, 1, 5, 100, 1000, 4096, 20000, 65536])
        body = _rand_bytes(rng, n)
        if i % 3 == 1:
            body = b"%PDF-1.7\n" + body
        elif i % 3 == 2:  # MuPDF's repair may make a page of it
            body = b"%PDF-1.4\n" + body + b"\n%%EOF\n"
        w.file(add, "pdf/random-bytes", EITHER if i % 3 == 2 else REJECT, ".pdf", body)
    for _ in range(120 * scale):  # a real PDF cut short
        data = rng.choice(base)
        w.file(add, "pdf/truncated", REJECT, ".pdf", data[: rng.randrange(1, len(data) - 7)])
    for _ in range(40 * scale):  # cut short, then %%EOF appended so it passes the header/trailer check
        data = rng.choice(base)
        w.file(add, "pdf/truncated-fake-eof", EITHER, ".pdf", data[: rng.randrange(9, len(data) - 7)] + b"\n%%EOF\n")
    _encrypted(w, base[0])
    for i in range(72 * scale):  # broken cross-reference tables
        w.file(add, "pdf/broken-xref", EITHER, ".pdf", _break_xref(rng, rng.choice(base), i))
    for i in range(30 * scale):  # object bodies overwritten with junk
        data = bytearray(rng.choice(base))
        for _ in range(rng.randint(1, 50)):
            at = rng.randrange(len(data))
            data[at : at + rng.randint(1, 64)] = _rand_bytes(rng, rng.randint(1, 64))
        w.file(add, "pdf/corrupt-objects", EITHER, ".pdf", bytes(data))
    for name, data in zero_page_pdfs().items():
        w.file(add, "pdf/zero-pages", REJECT, ".pdf", data, name=f"zero-{name}")
    w.file(add, "pdf/cyclic-page-tree", REJECT, ".pdf", cyclic_pages_pdf(), name="cyclic-pages")
    w.file(add, "pdf/5000-pages", REJECT, ".pdf", pages_pdf(5000), name="pages-5000")
    w.file(add, "pdf/nested-page-tree", EITHER, ".pdf", nested_pages_pdf(5000), name="nested-pages-5000")
    w.file(add, "pdf/nested-array", EITHER, ".pdf", nested_array_pdf(100_000), name="nested-array")
    # bombs: ~300 KB files that inflate to hundreds of MB of page content (text or whitespace)
    w.file(add, "pdf/bomb", REJECT, ".pdf", flate_bomb(300, b" "), name="bomb-whitespace-300mb")
    w.file(add, "pdf/bomb", REJECT, ".pdf", flate_bomb(200, b"BT /F1 1 Tf (AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA) Tj ET\n"),
           name="bomb-text-200mb")  # fmt: skip
    for i in range(20 * scale):  # a valid structure whose content stream is junk operators
        junk = _rand_bytes(rng, rng.randint(10, 5000)) if i % 2 else _junk_operators(rng)
        objects = [CATALOG, b"<< /Type /Pages /Kids [5 0 R] /Count 1 >>", FONT, stream(junk), PAGE]
        w.file(add, "pdf/junk-content", EITHER, ".pdf", assemble(objects))
    for i in range(10 * scale):  # many pages with mixed-script text under the page limit
        lines = [_mixed_line(rng, 60) for _ in range(20)]
        w.file(add, "pdf/mixed-script", EITHER, ".pdf", pages_pdf(rng.randint(1, 40), text_content(*lines)))


def _encrypted(w: _Writer, data: bytes) -> None:
    methods = {
        "aes256": pymupdf.PDF_ENCRYPT_AES_256,
        "aes128": pymupdf.PDF_ENCRYPT_AES_128,
        "rc4-128": pymupdf.PDF_ENCRYPT_RC4_128,
        "rc4-40": pymupdf.PDF_ENCRYPT_RC4_40,
    }
    for method in methods.values():
        for user_pw in ("secret", "ünïcødé", "x" * 32):
            doc = pymupdf.open(stream=data, filetype="pdf")
            out = doc.tobytes(encryption=method, user_pw=user_pw, owner_pw="owner")
            doc.close()
            w.file("add", "pdf/encrypted", REJECT, ".pdf", out)
        # owner password only: opens without a password, so it is a readable PDF (restrictions are advisory)
        doc = pymupdf.open(stream=data, filetype="pdf")
        out = doc.tobytes(encryption=method, owner_pw="owner", permissions=0)
        doc.close()
        w.file("add", "pdf/encrypted-owner-only", EITHER, ".pdf", out)


def _break_xref(rng: random.Random, data: bytes, i: int) -> bytes:
    start = data.rfind(b"\nxref\n") + 1
    end = data.rfind(b"trailer")
    startxref = data.rfind(b"startxref")
    mode = i % 6
    if mode == 0:  # random bytes inside the table
        table = bytearray(data[start:end])
        for _ in range(rng.randint(1, 40)):
            table[rng.randrange(len(table))] = rng.randrange(256)
        return data[:start] + bytes(table) + data[end:]
    if mode == 1:  # startxref points somewhere else
        return data[:startxref] + b"startxref\n%d\n%%%%EOF\n" % rng.randrange(0, 10 * len(data))
    if mode == 2:  # no table at all
        return data[:start] + data[end:]
    if mode == 3:  # every offset replaced by a random number
        lines = data[start:end].split(b"\n")
        lines = [b"%010d 00000 n " % rng.randrange(10**10) if ln.endswith(b" n ") else ln for ln in lines]
        return data[:start] + b"\n".join(lines) + data[end:]
    if mode == 4:  # a subsection header claiming far more objects than there are
        return data[:start] + re_sub_first(data[start:end], b"0 %d" % rng.randrange(10**6, 10**9)) + data[end:]
    return data[:start] + _rand_bytes(rng, end - start) + data[end:]  # the table replaced wholesale


def re_sub_first(table: bytes, header: bytes) -> bytes:
    """Replace the first subsection header ("0 135") of an xref table."""
    lines = table.split(b"\n")
    if len(lines) > 1:
        lines[1] = header
    return b"\n".join(lines)


def _junk_operators(rng: random.Random) -> bytes:
    ops = [
        b"BT",
        b"ET",
        b"Tj",
        b"TJ",
        b"Tf",
        b"Td",
        b"cm",
        b"q",
        b"Q",
        b"Do",
        b"re",
        b"f",
        b"'",
        b'"',
        b"BI",
        b"ID",
        b"EI",
    ]
    parts = []
    for _ in range(rng.randint(5, 400)):
        kind = rng.random()
        if kind < 0.3:
            parts.append(str(rng.uniform(-1e9, 1e9)).encode())
        elif kind < 0.5:
            parts.append(b"(" + _rand_bytes(rng, rng.randint(0, 30)).replace(b")", b"") + b")")
        elif kind < 0.6:
            parts.append(b"/" + bytes(rng.choices(b"ABCDEFxyz123", k=rng.randint(1, 8))))
        elif kind < 0.65:
            parts.append(b"[" * rng.randint(1, 200))
        else:
            parts.append(rng.choice(ops))
    return b" ".join(parts)


# -- text -----------------------------------------------------------------------------------------------
SCRIPTS = [
    "The transport plan aligns tokens across languages.",
    "Mpango wa usafirishaji unalinganisha maneno kati ya lugha.",
    "Der Transportplan richtet Wörter über Sprachen hinweg aus.",
    "خطة النقل تحاذي الكلمات عبر اللغات.",
    "תוכנית ההובלה מיישרת מילים בין שפות.",
    "运输计划在语言之间对齐词语。",
    "परिवहन योजना भाषाओं के बीच शब्दों को संरेखित करती है।",
    "輸送計画は言語間で単語を揃える。",
    "Транспортный план выравнивает слова между языками.",
    "የትራንስፖርት እቅዱ ቃላትን በቋንቋዎች መካከል ያስተካክላል።",
    "😀🚀 emoji 👩‍👩‍👧‍👦 family 🏳️‍🌈",
    "Z̷̢̛a̸l̵g̶o̷ ̸t̴e̵x̴t̸ ̵w̸i̷t̴h̶ ̸c̵o̸m̷b̵i̶n̸i̸n̷g̵ marks.",
]
ODD_CHARS = "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff\u00ad\u2028\u2029\x85\x0b\x0c\x1c\x1d\x1e\x7f\ufffd\U0010ffff\ud7ff"


def _mixed_line(rng: random.Random, words: int) -> str:
    pieces = []
    for _ in range(words):
        s = rng.choice(SCRIPTS).split()
        pieces.append(rng.choice(s))
        if rng.random() < 0.1:
            pieces.append(rng.choice(ODD_CHARS))
    return " ".join(pieces) + "."


def _texts(w: _Writer, rng: random.Random, scale: int) -> None:
    add = "add"
    suffixes = [".txt", ".md"]
    for _ in range(30 * scale):
        text = " ".join(rng.choice(SCRIPTS[:3]) for _ in range(rng.randint(1, 30))) + " Café naïve façade Übersetzung."
        w.file(add, "text/latin-1", ACCEPT, rng.choice(suffixes), text.encode("latin-1", "replace"))
    for i in range(20 * scale):
        text = " ".join(rng.choice(SCRIPTS) for _ in range(rng.randint(1, 20)))
        enc = "utf-16-le" if i % 2 else "utf-16-be"
        w.file(add, "text/utf-16-no-bom", ACCEPT, rng.choice(suffixes), text.encode(enc, "surrogatepass"))
    for i in range(6 * scale):
        text = " ".join(rng.choice(SCRIPTS) for _ in range(rng.randint(1, 20)))
        enc = ["utf-16", "utf-32", "utf-8-sig"][i % 3]
        w.file(add, "text/bom", ACCEPT, rng.choice(suffixes), text.encode(enc))
    for _ in range(80 * scale):  # binary: refused (a byte or ten may happen to read as text)
        n = rng.choice([1, 10, 1000, 50_000])
        w.file(add, "text/random-bytes", REJECT if n >= 1000 else EITHER, rng.choice(suffixes), _rand_bytes(rng, n))
    for _ in range(30 * scale):
        lines = [_mixed_line(rng, rng.randint(1, 40)) for _ in range(rng.randint(1, 30))]
        w.file(
            add, "text/mixed-script", ACCEPT, rng.choice(suffixes), "\n\n".join(lines).encode("utf-8", "surrogatepass")
        )
    for _ in range(20 * scale):
        text = rng.choice(SCRIPTS[:3]) * rng.randint(1, 20)
        cut = [text[i : i + 7] for i in range(0, len(text), 7)]
        w.file(add, "text/nul-bytes", EITHER, rng.choice(suffixes), "\x00".join(cut).encode())
    for i in range(6 * scale):  # one enormous line, with and without spaces
        n = rng.choice([10_000, 100_000, 1_000_000])
        line = ("x" * n) if i % 2 else " ".join(rng.choice(SCRIPTS[:3]) for _ in range(n // 50))
        w.file(add, "text/long-line", EITHER, rng.choice(suffixes), line.encode())
    # one giant paragraph: 4 MB in 100,000 short lines (line joining must stay linear)
    para = "\n".join(f"word{i} and more words in line {i}" for i in range(100_000))
    w.file(add, "text/giant-paragraph", ACCEPT, ".txt", para.encode(), name="giant-paragraph")
    for i, data in enumerate([b"", b" ", b"\n" * 1000, b"\f" * 500, b"\r\n\t \x0b" * 100, b"\xef\xbb\xbf"]):
        w.file(add, "text/empty", EITHER, suffixes[i % 2], data)
    for _ in range(20 * scale):
        w.file(add, "text/markdown-hostile", EITHER, ".md", _hostile_markdown(rng).encode("utf-8", "surrogatepass"))


def _hostile_markdown(rng: random.Random) -> str:
    choices: list[Callable[[], str]] = [
        lambda: "```\n" + "never closed\n" * 100,
        lambda: "#" * rng.randint(7, 10_000) + " heading",
        lambda: ">" * rng.randint(100, 20_000) + " quoted",
        lambda: "---\ntitle: " + "x" * 10_000 + "\n",  # front matter never closed
        lambda: "**a" * rng.randint(100, 3000),
        lambda: "[" * 5000 + "](" * 5000,
        lambda: "![" * 3000 + "x",
        lambda: "_" * 10_000 + "a" + "_" * 10_000,
        lambda: "| a " * 2000 + "|\n" + "|---" * 2000 + "|\n" + "| b " * 2000 + "|",
        lambda: "<" * 5000 + "x" + ">" * 5000,
        lambda: "`" * 9999,
        lambda: "1. " * 5000,
        lambda: "Title\n" + "=" * 10_000,
        lambda: "\n".join(rng.choice(SCRIPTS) for _ in range(50)),
    ]
    return "\n\n".join(rng.choice(choices)() for _ in range(rng.randint(1, 4)))


# -- claims files -----------------------------------------------------------------------------------------
def _claims(w: _Writer, rng: random.Random, scale: int) -> None:
    t = "claims"
    good = "The distilled student improves mean reciprocal rank over the multilingual baseline."
    for _ in range(10 * scale):
        lines = [good + "".join(rng.choice(ODD_CHARS + "\x00\x01\x07\x08\x1b\t\r") for _ in range(5)) for _ in range(3)]
        w.file(t, "claims/control-chars", EITHER, ".txt", "\n".join(lines).encode("utf-8", "surrogatepass"))
    for _ in range(6 * scale):
        rtl = "\u202e" + SCRIPTS[3] + "\u202c " + SCRIPTS[4] + " \u2067" + good + "\u2069"
        w.file(t, "claims/rtl", ACCEPT, ".txt", (rtl + "\n" + SCRIPTS[3]).encode())
    for i in range(4 * scale):
        line = (good + " ") * (10_000 // len(good)) if i % 2 else "y" * 10_000
        w.file(t, "claims/long-line", EITHER, ".txt", (line + "\n" + good).encode())
    for data in (b"", b"\n\n\n", b"   \n\t\n \r\n", b"\n" * 10_000):
        w.file(t, "claims/empty", REJECT, ".txt", data)
    for _ in range(8 * scale):
        w.file(t, "claims/binary", EITHER, ".txt", _rand_bytes(rng, rng.choice([16, 500, 4000])))
    for _ in range(3 * scale):
        w.file(t, "claims/latin-1", EITHER, ".txt", ("Übersetzung verbessert die Suche. " + good).encode("latin-1"))
    for _ in range(3 * scale):
        w.file(t, "claims/utf-16", EITHER, ".txt", (good + "\n" + SCRIPTS[5]).encode("utf-16"))
    for _ in range(3 * scale):
        w.file(t, "claims/nul-bytes", EITHER, ".txt", (good.replace(" ", "\x00") + "\n" + good).encode())


# -- seed reports ---------------------------------------------------------------------------------------
SEED_HEAD = """# A Synthetic Report on Optimal Transport Distillation

Research Group

## Abstract

Cross-lingual retrieval for low-resource languages.

## 1 Introduction

Research question: Does optimal transport distillation improve cross-lingual retrieval?.

## 2 Methodology

Claims were extracted and verified.

"""
SEED_CLAIMS = [
    "The distilled student improves mean reciprocal rank over the multilingual baseline.",
    "Optimal transport aligns token representations across languages.",
    "Gains are largest for Swahili and Hausa where parallel data is scarce",
]
SEED_REFS = "\n## References\n\n1. https://arxiv.org/abs/2301.12566\n2. https://arxiv.org/abs/1809.05053\n"


def _seed(rows: list[str], *, head: str = SEED_HEAD, heading: str = "## 5 Extracted Claims", refs: str = SEED_REFS,
          header: str = "Claim\tVerified\tConfidence") -> str:  # fmt: skip
    return head + heading + "\n\n" + header + "\n" + "\n".join(rows) + "\n" + refs


def _seeds(w: _Writer, rng: random.Random, scale: int) -> None:
    t = "seed"
    tsv = [f"{c}\t✓\t0.{rng.randint(10, 99)}" for c in SEED_CLAIMS]
    variants: list[tuple[str, str, str]] = [  # (kind, expect, text)
        ("seed/valid-control", ACCEPT, _seed(tsv)),
        ("seed/missing-claims-section", REJECT, SEED_HEAD + SEED_REFS),
        ("seed/missing-claims-heading", REJECT, SEED_HEAD + "\n".join(tsv) + SEED_REFS),
        ("seed/missing-references", ACCEPT, _seed(tsv, refs="")),
        ("seed/missing-question", ACCEPT, _seed(tsv, head="# Title only\n\n")),
        ("seed/only-header-row", REJECT, _seed([])),
        ("seed/header-row-only-markdown", REJECT, _seed([], header="| Claim | Verified | Confidence |\n|---|---|---|")),
        ("seed/empty", REJECT, ""),
        ("seed/whitespace", REJECT, " \n\t\n" * 50),
        ("seed/headings-only", REJECT, "## 5 Extracted Claims\n## References\n## Claims\n"),
    ]
    for kind, expect, text in variants:
        w.file(t, kind, expect, ".txt", text.encode())
    for _ in range(8 * scale):  # broken tables: ragged rows, stray pipes, unescaped separators, tabs in markdown
        rows = []
        for c in SEED_CLAIMS:
            shape = rng.randrange(7)
            rows.append(
                [
                    f"| {c} | ✓ |",
                    f"| {c}",
                    f"{c}\t\t\t\t\t",
                    f"|{c}|✓|0.3|extra|cells|here|",
                    f"| {c} \\| escaped | ✓ | 0.2 |",
                    "|" * rng.randint(1, 500),
                    f"\t{c}\t✓",
                ][shape]
            )
        w.file(t, "seed/broken-table", EITHER, ".txt", _seed(rows).encode())
    for _ in range(6 * scale):  # huge cells
        n = rng.choice([10_000, 100_000, 1_000_000])
        cell = rng.choice(["a" * n, (SEED_CLAIMS[0] + " ") * (n // 80), "|" * n, "\\" * n])
        w.file(t, "seed/huge-cell", EITHER, ".txt", _seed([f"{cell}\t✓\t0.5", *tsv]).encode())
    bad_conf = ["NaN", "nan", "inf", "-inf", "1e999", "-1", "2.5", "0x1F", "", "½", "٠.٥", "1_0", "  ", "None", "0,5",
                "1e-400", "9" * 5000]  # fmt: skip
    for value in bad_conf:
        rows = [f"{c}\t✓\t{value}" for c in SEED_CLAIMS]
        w.file(t, "seed/wrong-confidence", EITHER, ".txt", _seed(rows).encode())
    for mark in ["maybe", "✓✓", "", "\x00", "TRUE", "ja", "🤷"]:
        rows = [f"{c}\t{mark}\t0.5" for c in SEED_CLAIMS]
        w.file(t, "seed/wrong-verified", EITHER, ".txt", _seed(rows).encode())
    for _ in range(4 * scale):
        w.file(t, "seed/binary", REJECT, ".txt", _rand_bytes(rng, rng.choice([100, 5000])))
    w.file(t, "seed/latin-1", EITHER, ".txt", _seed(tsv).replace("✓", "x").encode("latin-1", "replace") + b"\xe9\xff")
    w.file(t, "seed/utf-16", EITHER, ".txt", _seed(tsv).encode("utf-16"))
    w.file(t, "seed/nul-bytes", EITHER, ".txt", _seed(tsv).replace(" ", "\x00", 20).encode())
    w.file(t, "seed/crlf-and-cr", EITHER, ".txt", _seed(tsv).replace("\n", "\r").encode())
    w.file(t, "seed/many-claims-sections", EITHER, ".txt", (_seed(tsv) * 200).encode())
    w.file(t, "seed/long-heading", EITHER, ".txt", ("#" * 10_000 + " Claims\n" + "\n".join(tsv)).encode())


# -- arXiv ids --------------------------------------------------------------------------------------------
ODD_IDS = [
    "",
    " ",
    "../../etc/passwd",
    "..",
    "/",
    "\\",
    "2301.12566/../../etc/passwd",
    "2301.12566v999999999999",
    "2301.12566v" + "9" * 5000,
    "2301.12566v0",
    "2301.12566v-1",
    "٢٣٠١.١٢٥٦٦",  # Arabic-Indic digits
    "２３０１．１２５６６",  # full-width
    "२३०१.१२५६६",  # Devanagari digits
    "2301.12566\x00",
    "\x002301.12566",
    "2301\x00.12566",
    "hep-th/..",
    "hep-th/../9901001",
    "hep-th/9901001/..",
    "hep-th\\9901001",
    "ſ/9901001",  # long s: case-folds to "s"
    "\u212a/9901001",  # Kelvin sign: case-folds to "k"
    "hep-th/9901001\n2301.12566",
    "2301.12566\r\n",
    "arXiv:" * 1000 + "2301.12566",
    "https://arxiv.org/abs/" + "a" * 10_000,
    "x" * 10_000,
    "2301." + "1" * 10_000,
    "9999.99999",
    "0000.00000",
    "2313.12566",
    "0703.1234",  # before April 2007
    "1412.12345",  # five digits before 2015
    "1501.1234",  # four digits after 2015
    "file:///etc/passwd",
    "http://evil.example/2301.12566",
    "https://arxiv.org/abs/2301.12566?x=../../",
    "2301.12566.pdf.pdf",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "2301.12566%00",
    "\u202e66521.1032",
    "2301.12566\u200b",
    "math.AG/0601001\u0301",
    "' OR 1=1 --",
    "$(rm -rf /)",
    "{id}",
    "%s%s%s%n",
]


def _arxiv_ids(w: _Writer, rng: random.Random, scale: int) -> None:
    for value in ODD_IDS:
        w.value("arxiv-id/listed", EITHER, value)
    alphabet = "0123456789.v/-:abcdefhtpsx\\ \x00\t\n%٠١٢۳४５"
    for _ in range(200 * scale):
        n = rng.choice([1, 5, 10, 12, 20, 200])
        w.value("arxiv-id/random", EITHER, "".join(rng.choice(alphabet) for _ in range(n)))
    for _ in range(50 * scale):  # near misses: a real id with one character changed
        real = list(rng.choice(["2301.12566", "hep-th/9901001", "1809.05053v2", "math.AG/0601001"]))
        real[rng.randrange(len(real))] = rng.choice(alphabet)
        w.value("arxiv-id/mutated", EITHER, "".join(real))


def iter_kind(inputs: list[Hostile], target: str) -> Iterator[Hostile]:
    """The inputs for one target, in generation order."""
    return (h for h in inputs if h.target == target)
