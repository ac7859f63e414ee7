"""Ingest evaluation on real journal PDFs: how well does `synth add` turn them into papers and passages?

By default it ingests every PDF of ../shared/litqa-dev/pdfs (20 open-access papers; evaluation only, never copied
into the repository) into a fresh temporary database with the installed CLI (`synth --quiet --db TMP/x.db add
DIR`, timed), then reads the database directly (read-only sqlite3) and prints one row per PDF:

- title right? the stored title against eval/litqa_titles.json (file -> title as printed on the paper's first page,
  or a list of accepted titles), compared after normalising case, whitespace and punctuation;
- pages, passages, passages by section (`section_kind` where the schema has it, else the raw `section` bucketed by
  keyword, captions by their 'Figure N' opening), U+FFFD count, text kept (normalised characters of the passages
  over those of PyMuPDF's text of the PDF, in %; the dropped reference list lowers it), body text taken for a
  heading (distinct `section` values over 150 characters: paragraphs that ended up as a section name), passage
  languages, references found (`paper_references` where it exists), the paper's language and whether its DOI
  matches questions.jsonl (where `papers` has those columns);
- key sentence intact: of the question's key_passage, the sentence sharing most word tokens with the ideal answer
  (ties: the first), normalised like synth.ingest.sentences.normalize (NFKC, casefold, alphanumerics only);
  "yes" when it is a substring of ONE stored passage; "no" when it is not (with the longest prefix one passage
  holds, and "split" when two adjacent passages hold it together); "absent" when PyMuPDF's text of the whole PDF
  (plain, de-hyphenated, without number-only lines, horizontal lines only) does not hold it either (paraphrased
  by the annotators, or a glyph the PDF does not map), so it is not counted against the parser.

and totals: titles right, key sentences intact / held by the PDF text, U+FFFD, text kept, body text taken for
headings, share of `en` passages in papers whose majority language is English, passages per paper, sections,
references, ingest seconds and pages/s. `--json` writes rows and totals; `--compare OLD.json` prints OLD's totals
beside the new ones.

    python eval/eval_ingest.py                                   # ingest litqa-dev into a temporary database
    python eval/eval_ingest.py --json /tmp/after.json --compare /tmp/before.json
    python eval/eval_ingest.py --db /tmp/litqa.db                # evaluate an existing database (no ingest)
    python eval/eval_ingest.py --keep-db /tmp/litqa.db           # ingest, and keep the database for --db
    python eval/eval_ingest.py --pdfs DIR --questions FILE --titles FILE
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eval.common import ROOT, SHARED  # noqa: E402

DEFAULT_PDFS = SHARED / "litqa-dev" / "pdfs"
DEFAULT_TITLES = ROOT / "eval" / "litqa_titles.json"

# normalised section kinds, in display order, with their short names in the table
SECTIONS = {
    "abstract": "abs",
    "introduction": "int",
    "methods": "met",
    "results": "res",
    "discussion": "dis",
    "conclusion": "con",
    "references": "ref",
    "acknowledgements": "ack",
    "caption": "cap",
    "other": "oth",
}
# crude keyword buckets for a raw `section` heading (first match wins, so "Results and discussion" is results)
_HEADING_MAX = 150  # a longer `section` is body text taken for a heading: it names no section
_BUCKETS = [
    ("abstract", r"\babstract\b|\bsummary\b|\bsignificance\b|\bhighlights\b|\bin brief\b"),
    ("introduction", r"\bintroduction\b|\bbackground\b"),
    ("methods", r"\bmethods?\b|\bmaterials?\b|\bexperimental\b|\bprocedures?\b|\bmethodology\b|\bprotocols?\b"),
    ("results", r"\bresults?\b|\bfindings\b"),
    ("discussion", r"\bdiscussion\b"),
    ("conclusion", r"\bconclusions?\b|\bconcluding\b"),
    ("references", r"\breferences\b|\bbibliography\b|\bliterature cited\b|\bworks cited\b"),
    ("acknowledgements", r"\backnowledge?ments?\b|\bfunding\b"),
    ("caption", r"^\s*(?:supplementary\s+)?(?:fig(?:ure)?|table|tab)\.?\s*s?\d+|\b(?:figure|table) legends?\b"),
]
_CAPTION_TEXT = re.compile(r"^\s*(?:supplementary\s+)?(?:fig(?:ure)?|table|tab)\.?\s*s?\d+[a-z]?\b", re.IGNORECASE)
_ABBREVIATIONS = {"fig", "figs", "eq", "eqs", "ref", "refs", "no", "nos", "vs", "approx", "ca", "cf", "al", "e.g",
                  "i.e", "resp", "sp", "spp", "suppl", "vol", "dr", "st", "ext", "chr"}
_FOLD = str.maketrans({"\u2206": "\u03b4"})  # INCREMENT -> delta: PDFs set Δ with it, and NFKC keeps it


# ---------------------------------------------------------------------------------------------- text helpers
def normalize(text: str) -> str:
    """NFKC, case-folded alphanumerics only (as synth.ingest.sentences.normalize; U+2206 INCREMENT read as a delta,
    as PDFs set Δ with it): the form key sentences match in."""
    text = unicodedata.normalize("NFKC", (text or "").translate(_FOLD)).casefold()
    return "".join(ch for ch in text if ch.isalnum())


def norm_title(text: str) -> str:
    """NFKC, case-folded, punctuation and whitespace runs as one space: titles compare in this form (a word split by
    stray spaces, as in 'No v el', still differs)."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return " ".join(re.sub(r"[\W_]+", " ", text).split())


def word_tokens(text: str) -> list[str]:
    """Case-folded word tokens (NFKC)."""
    return re.findall(r"\w+", unicodedata.normalize("NFKC", text or "").casefold())


def split_sentences(text: str) -> list[str]:
    """Sentences of a key passage: split after . ! ? (and a closing quote or bracket) before an upper-case letter,
    a digit or an opening bracket, but not after an abbreviation (Fig. 2, et al. 2020, e.g. ...); whitespace
    collapsed."""
    text = re.sub(r"\s+", " ", text or "").strip()
    out: list[str] = []
    for part in re.split(r"(?:(?<=[.!?])|(?<=[.!?][\"'”’)\]]))\s+(?=[A-Z0-9(\[“\"])", text):
        last = re.search(r"([\w.]+)\.$", out[-1]) if out else None
        if last and last.group(1).casefold() in _ABBREVIATIONS:
            out[-1] = f"{out[-1]} {part}"
        elif part.strip():
            out.append(part.strip())
    return out


def key_sentence(key_passage: str, ideal: str) -> str:
    """The sentence of `key_passage` that shares most word tokens with `ideal` (ties: the first)."""
    sentences = split_sentences(key_passage) or [key_passage]
    want = set(word_tokens(ideal))
    best, best_n = sentences[0], -1
    for s in sentences:
        n = len(want & set(word_tokens(s)))
        if n > best_n:
            best, best_n = s, n
    return best


def section_bucket(raw: str | None) -> str | None:
    """A raw section heading bucketed by keyword into one of SECTIONS (None when it names none of them, or is too
    long to be a heading)."""
    text = (raw or "").casefold()
    if len(text) > _HEADING_MAX:
        return None
    for kind, pattern in _BUCKETS:
        if re.search(pattern, text):
            return kind
    return None


def crude_section(passage: dict) -> str:
    """A passage's section kind from the raw `section` alone: a caption when its text opens with 'Figure 2' /
    'Table 1', else its heading's keyword bucket, else 'other' (subsection headings, figure panel letters taken
    for headings and body text taken for a heading all land there)."""
    if _CAPTION_TEXT.match(passage.get("text") or ""):
        return "caption"
    return section_bucket(passage.get("section")) or "other"


def section_kind(value: str | None) -> str:
    """A stored `section_kind` value as one of SECTIONS (unknown or empty: 'other')."""
    v = (value or "").strip().casefold()
    return v if v in SECTIONS else "other"


def format_sections(counts: dict[str, int]) -> str:
    """Compact 'abs 2 int 10 met 40 ...' in SECTIONS order, zero counts left out."""
    return " ".join(f"{SECTIONS[k]} {counts[k]}" for k in SECTIONS if counts.get(k))


def format_langs(counts: dict[str, int]) -> str:
    """'en:120 de:2', most frequent first."""
    return " ".join(f"{k}:{n}" for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def norm_doi(doi: str | None) -> str:
    """A DOI lower-cased without its resolver prefix."""
    d = (doi or "").strip().casefold()
    return re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", d)


def title_right(stored: str | None, expected: str | list[str] | None) -> bool | None:
    """Whether the stored title equals one of the expected titles after norm_title (None when none is expected)."""
    if not expected:
        return None
    alternatives = [expected] if isinstance(expected, str) else list(expected)
    return norm_title(stored or "") in {norm_title(t) for t in alternatives}


def truncate(text: str | None, n: int) -> str:
    """`text` on one line, cut to n characters with an ellipsis."""
    t = " ".join((text or "").split())
    return t if len(t) <= n else t[: n - 1] + "…"


# ---------------------------------------------------------------------------------------------- the PDFs
HELD_FORMS = ("plain", "dehyphenated", "no line numbers", "horizontal lines")


def horizontal_text(page: Any) -> str:
    """A page's text from its horizontal lines only (no rotated margin stamps such as 'Downloaded from ...')."""
    lines = []
    for block in page.get_text("dict")["blocks"]:
        for line in block.get("lines", []):
            dx, dy = line["dir"]
            if dx > 0.99 and abs(dy) < 0.01:
                lines.append("".join(span["text"] for span in line["spans"]))
    return "\n".join(lines) + "\n"


def pdf_texts(pdf: Path) -> tuple[int, list[str]]:
    """(page count, normalised forms of PyMuPDF's plain text of the whole PDF, in HELD_FORMS order): as extracted,
    with line-break hyphens removed, then also with lines that are only a number (margin line numbers, page
    numbers) dropped, then from horizontal lines only."""
    import pymupdf

    with pymupdf.open(pdf) as doc:
        raw = "".join(page.get_text() for page in doc)
        flat = "".join(horizontal_text(page) for page in doc)
        pages = doc.page_count
    return pages, [normalize(raw), normalize(dehyphenate(raw)), normalize(drop_number_lines(dehyphenate(raw))),
                   normalize(drop_number_lines(dehyphenate(flat)))]


def dehyphenate(text: str) -> str:
    """`text` with hyphens at line ends joined to the next line ('immu-\\nnotherapies' -> 'immunotherapies')."""
    return re.sub(r"-[ \t]*\n[ \t]*", "", text)


def drop_number_lines(text: str) -> str:
    """`text` without lines that are only a number (margin line numbers, page numbers)."""
    return re.sub(r"(?m)^[ \t]*\d{1,4}[ \t]*\n", "", text)


def pdf_held(key: str, texts: list[str]) -> str | None:
    """The first form of the PDF text (HELD_FORMS) that holds the normalised key sentence; None when none does."""
    for name, text in zip(HELD_FORMS, texts):
        if key and key in text:
            return name
    return None


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def load_questions(path: Path) -> dict[str, list[dict]]:
    """questions.jsonl rows by their `file` (missing file: no questions)."""
    out: dict[str, list[dict]] = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                out.setdefault(row.get("file", ""), []).append(row)
    return out


# ---------------------------------------------------------------------------------------------- ingest
def ingest(pdfs: Path, db: Path) -> dict[str, Any]:
    """`synth --quiet --db DB add PDFS` with the installed CLI, timed: {seconds, returncode, stderr tail}."""
    exe = Path(sys.executable).parent / "synth"
    cmd = [str(exe)] if exe.is_file() else [sys.executable, "-m", "synth.cli"]
    env = dict(os.environ)
    env.setdefault("HF_HUB_OFFLINE", "1")
    env.setdefault("TRANSFORMERS_OFFLINE", "1")
    t0 = time.perf_counter()
    done = subprocess.run([*cmd, "--quiet", "--db", str(db), "add", str(pdfs)], capture_output=True, text=True,
                          encoding="utf-8", errors="replace", env=env, cwd=db.parent, check=False)
    seconds = time.perf_counter() - t0
    return {"seconds": round(seconds, 2), "returncode": done.returncode, "stderr": done.stderr.strip()[-2000:]}


# ---------------------------------------------------------------------------------------------- the database
def columns(con: sqlite3.Connection, table: str) -> set[str]:
    """Column names of `table` (empty when it does not exist)."""
    return {r[1] for r in con.execute(f"PRAGMA table_info({table})")}


def tables(con: sqlite3.Connection) -> set[str]:
    """Names of the database's tables."""
    return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def schema_features(con: sqlite3.Connection) -> dict[str, Any]:
    """Which optional parts the schema has: section_kind, paper_references (and its paper column), paper lang, doi."""
    pcols, qcols = columns(con, "papers"), columns(con, "passages")
    ref_col = None
    if "paper_references" in tables(con):
        rcols = columns(con, "paper_references")
        ref_col = next((c for c in ("paper_id", "citing_id", "source_id", "from_id") if c in rcols),
                       next((c for c in sorted(rcols) if c.endswith("paper_id")), None))
    return {
        "section_kind": "section_kind" in qcols,
        "paper_references": ref_col,
        "paper_lang": next((c for c in ("lang", "language") if c in pcols), None),
        "doi": "doi" in pcols,
    }


def read_papers(con: sqlite3.Connection, features: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every paper by id: its row, its passages (ord order), and its reference count where the table exists."""
    con.row_factory = sqlite3.Row
    papers = {r["id"]: dict(r) for r in con.execute("SELECT * FROM papers")}
    for p in papers.values():
        p["passages"] = []
        p["references"] = None if not features["paper_references"] else 0
    kind = ", section_kind" if features["section_kind"] else ""
    for r in con.execute(f"SELECT paper_id, page, ord, section, text, lang{kind} FROM passages ORDER BY paper_id, ord"):
        if r["paper_id"] in papers:
            papers[r["paper_id"]]["passages"].append(dict(r))
    if features["paper_references"]:
        col = features["paper_references"]
        for pid, n in con.execute(f"SELECT {col}, COUNT(*) FROM paper_references GROUP BY {col}"):
            if pid in papers:
                papers[pid]["references"] = n
    return papers


def match_papers(papers: dict[str, dict], pdfs: list[Path]) -> dict[str, dict | None]:
    """Each PDF's paper: by the stored pdf_path's file name, else by the file's SHA-256."""
    by_name = {Path(p.get("pdf_path") or "").name: p for p in papers.values() if p.get("pdf_path")}
    by_sha = {p.get("pdf_sha256"): p for p in papers.values() if p.get("pdf_sha256")}
    out: dict[str, dict | None] = {}
    for pdf in pdfs:
        out[pdf.name] = by_name.get(pdf.name) or (by_sha.get(sha256(pdf)) if by_sha else None)
    return out


# ---------------------------------------------------------------------------------------------- evaluation
def longest_prefix(key: str, texts: list[str]) -> int:
    """Length of the longest prefix of `key` found in one of `texts` (binary search: a prefix of a found prefix is
    found too)."""
    lo, hi = 0, len(key)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if any(key[:mid] in t for t in texts):
            lo = mid
        else:
            hi = mid - 1
    return lo


def key_status(key: str, passages: list[str], held: str | None, pdf: list[str] | None = None) -> dict[str, Any]:
    """Whether the normalised key sentence is in one stored passage ('yes'), only in the PDF text ('no'), or not even
    there ('absent'); for 'no', the longest prefix of it found in one passage and whether two adjacent passages
    together hold it (cut at a passage boundary); for 'absent', the longest prefix in the PDF texts `pdf`."""
    if any(key in p for p in passages):
        return {"status": "yes", "held": held}
    if held is None:
        return {"status": "absent", "held": None, "pdf_prefix": longest_prefix(key, pdf or []), "length": len(key)}
    lo = longest_prefix(key, passages)
    boundary = any(key in a + b for a, b in itertools.pairwise(passages))
    whole = key in "".join(passages)
    return {"status": "no", "held": held, "prefix": lo, "length": len(key), "boundary": boundary, "in_all": whole}


def evaluate_pdf(pdf: Path, paper: dict | None, questions: list[dict], expected: Any,
                 features: dict[str, Any]) -> dict[str, Any]:
    """One PDF's row: title, counts, sections, U+FFFD, languages, references, key sentences."""
    pages_pdf, texts = pdf_texts(pdf)
    passages = (paper or {}).get("passages", [])
    if features["section_kind"]:
        sections = Counter(section_kind(p.get("section_kind")) for p in passages)
    else:
        sections = Counter(crude_section(p) for p in passages)
    langs = Counter(p["lang"] or "?" for p in passages)
    norm_passages = [normalize(p["text"] or "") for p in passages]
    long_headings = {p["section"] for p in passages if len(p["section"] or "") > _HEADING_MAX}
    keys = []
    for q in questions:
        sentence = key_sentence(q.get("key_passage", ""), q.get("ideal", ""))
        k = normalize(sentence)
        st = key_status(k, norm_passages, pdf_held(k, texts), texts)
        keys.append(dict(st, id=q.get("id")))
    row: dict[str, Any] = {
        "file": pdf.name,
        "paper_id": (paper or {}).get("id"),
        "status": (paper or {}).get("status", "missing"),
        "error": (paper or {}).get("error"),
        "title": (paper or {}).get("title"),
        "expected_title": expected,
        "title_right": title_right((paper or {}).get("title"), expected),
        "pages_pdf": pages_pdf,
        "pages": (paper or {}).get("pages"),
        "passages": len(passages),
        "sections": {k: sections[k] for k in SECTIONS if sections[k]},
        "fffd": sum((p["text"] or "").count("\ufffd") for p in passages),
        "kept": round(100 * sum(map(len, norm_passages)) / len(texts[0]), 1) if texts[0] else None,
        "long_headings": len(long_headings),
        "langs": dict(langs.most_common()),
        "references": (paper or {}).get("references"),
        "keys": keys,
    }
    if features["paper_lang"]:
        row["paper_lang"] = (paper or {}).get(features["paper_lang"])
    if features["doi"]:
        want = {norm_doi(q.get("doi")) for q in questions if q.get("doi")}
        row["doi"] = (paper or {}).get("doi")
        row["doi_right"] = (norm_doi(row["doi"]) in want) if want else None
    return row


def totals(rows: list[dict], ingest_info: dict[str, Any] | None, features: dict[str, Any]) -> dict[str, Any]:
    """The corpus totals of the per-PDF rows (and of the ingest, when there was one)."""
    keys = [k for r in rows for k in r["keys"]]
    sections: Counter = Counter()
    for r in rows:
        sections.update(r["sections"])
    en_total = en_yes = 0
    for r in rows:
        if r["langs"] and max(r["langs"].items(), key=lambda kv: kv[1])[0] == "en":
            en_total += r["passages"]
            en_yes += r["langs"].get("en", 0)
    out: dict[str, Any] = {
        "papers": len(rows),
        "papers_ok": sum(r["status"] == "ok" for r in rows),
        "titles_right": sum(r["title_right"] is True for r in rows),
        "titles_known": sum(r["title_right"] is not None for r in rows),
        "key_intact": sum(k["status"] == "yes" for k in keys),
        "key_held": sum(k["status"] != "absent" for k in keys),
        "key_questions": len(keys),
        "fffd": sum(r["fffd"] for r in rows),
        "kept": round(sum(r["kept"] or 0 for r in rows) / len(rows), 1) if rows else None,
        "long_headings": sum(r["long_headings"] for r in rows),
        "en_share": round(100 * en_yes / en_total, 2) if en_total else None,
        "passages": sum(r["passages"] for r in rows),
        "passages_per_paper": round(sum(r["passages"] for r in rows) / len(rows), 1) if rows else 0.0,
        "sections": {k: sections[k] for k in SECTIONS if sections[k]},
        "references": sum(r["references"] or 0 for r in rows) if features["paper_references"] else None,
        "pages": sum(r["pages_pdf"] for r in rows),
    }
    if features["doi"]:
        out["doi_right"] = sum(r.get("doi_right") is True for r in rows)
    if ingest_info:
        out["seconds"] = ingest_info["seconds"]
        out["pages_per_s"] = round(out["pages"] / ingest_info["seconds"], 2) if ingest_info["seconds"] else None
    return out


# ---------------------------------------------------------------------------------------------- printing
def key_cell(keys: list[dict]) -> str:
    """'yes' / 'no' / 'absent' per question (comma-joined); a 'no' with its longest one-passage prefix (chars of
    the normalised sentence) and 'split' when two adjacent passages hold it together; an 'absent' with the longest
    prefix the PDF text holds."""
    cells = []
    for k in keys:
        if k["status"] == "no":
            cells.append(f"no {k['prefix']}/{k['length']}{' split' if k['boundary'] else ''}")
        elif k["status"] == "absent" and "pdf_prefix" in k:
            cells.append(f"absent (pdf {k['pdf_prefix']}/{k['length']})")
        else:
            cells.append(k["status"])
    return ", ".join(cells) or "-"


def table(rows: list[dict], features: dict[str, Any]) -> str:
    """The per-PDF table as aligned Markdown."""
    head = ["file", "title?", "stored title", "pages", "passages", "sections", "fffd", "kept%", "long hd", "langs",
            "refs", "key"]
    if features["paper_lang"]:
        head.insert(-1, "lang")
    if features["doi"]:
        head.insert(-1, "doi?")
    body = []
    for r in rows:
        yn = {True: "yes", False: "NO", None: "-"}
        status = "" if r["status"] == "ok" else f" [{r['status']}]"
        cells = [r["file"], yn[r["title_right"]], truncate(r["title"], 60) + status,
                 str(r["pages"] if r["pages"] is not None else "-"), str(r["passages"]), format_sections(r["sections"]),
                 str(r["fffd"]), "-" if r["kept"] is None else f"{r['kept']:.1f}", str(r["long_headings"]),
                 format_langs(r["langs"]), "-" if r["references"] is None else str(r["references"])]
        if features["paper_lang"]:
            cells.append(str(r.get("paper_lang") or "-"))
        if features["doi"]:
            cells.append(yn[r.get("doi_right")])
        cells.append(key_cell(r["keys"]))
        body.append(cells)
    widths = [max(len(h), *(len(c[i]) for c in body)) if body else len(h) for i, h in enumerate(head)]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"

    return "\n".join([line(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, body)])


def total_lines(t: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value) pairs of the totals, for printing and comparing."""
    out = [
        ("papers stored ok", f"{t['papers_ok']}/{t['papers']}"),
        ("titles right", f"{t['titles_right']}/{t['titles_known']}"),
        ("key sentence intact / held by the PDF text",
         f"{t['key_intact']}/{t['key_held']} ({t['key_questions']} questions)"),
        ("U+FFFD", str(t["fffd"])),
        ("text kept (passage chars / PDF chars, mean %)", "-" if t.get("kept") is None else f"{t['kept']:.1f}"),
        ("body text taken for headings (sections > 150 chars)", str(t.get("long_headings", "-"))),
        ("en share (majority-English papers)", "-" if t["en_share"] is None else f"{t['en_share']:.2f}%"),
        ("passages per paper", f"{t['passages_per_paper']} ({t['passages']} in all)"),
        ("sections", format_sections(t["sections"]) or "-"),
        ("references", "-" if t["references"] is None else str(t["references"])),
    ]
    if "doi_right" in t:
        out.append(("DOIs right", f"{t['doi_right']}/{t['papers']}"))
    if "seconds" in t:
        out.append(("ingest seconds", f"{t['seconds']:.1f} ({t['pages']} pages)"))
        out.append(("pages/s", "-" if t["pages_per_s"] is None else f"{t['pages_per_s']:.2f}"))
    return out


def print_totals(t: dict[str, Any], old: dict[str, Any] | None = None) -> None:
    """The totals, with an `old` run's beside them when given."""
    new = total_lines(t)
    if old is None:
        w = max(len(k) for k, _ in new)
        for k, v in new:
            print(f"{k.ljust(w)}  {v}")
        return
    was = dict(total_lines(old))
    w = max(len(k) for k, _ in new)
    vw = max(len(v) for v in [*was.values(), "before"])
    print(f"{''.ljust(w)}  {'before'.ljust(vw)}  now")
    for k, v in new:
        print(f"{k.ljust(w)}  {was.get(k, '-').ljust(vw)}  {v}")


# ---------------------------------------------------------------------------------------------- main
def evaluate(db: Path, pdfs: list[Path], questions: dict[str, list[dict]], titles: dict[str, Any],
             ingest_info: dict[str, Any] | None) -> dict[str, Any]:
    """The whole evaluation of one database as a JSON-able dict: schema features, rows, totals."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        features = schema_features(con)
        papers = read_papers(con, features)
    finally:
        con.close()
    matched = match_papers(papers, pdfs)
    rows = [evaluate_pdf(pdf, matched[pdf.name], questions.get(pdf.name, []), titles.get(pdf.name), features)
            for pdf in pdfs]
    return {"db": str(db), "ingest": ingest_info, "features": features, "rows": rows,
            "totals": totals(rows, ingest_info, features),
            "unmatched_papers": len(papers) - sum(1 for v in matched.values() if v)}


def main(argv: Iterable[str] | None = None) -> int:
    """Parse arguments, ingest (or reuse a database), evaluate, print, write JSON."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pdfs", type=Path, default=DEFAULT_PDFS, help="folder of PDFs (default: %(default)s)")
    ap.add_argument("--questions", type=Path, default=None, help="questions.jsonl (default: beside the PDF folder)")
    ap.add_argument("--titles", type=Path, default=DEFAULT_TITLES, help="file -> title JSON (default: %(default)s)")
    ap.add_argument("--db", type=Path, default=None, help="evaluate this existing database (no ingest)")
    ap.add_argument("--keep-db", type=Path, default=None, help="ingest into this new database file and keep it")
    ap.add_argument("--json", type=Path, default=None, help="write rows and totals as JSON here")
    ap.add_argument("--compare", type=Path, default=None, help="a JSON of an earlier run: print its totals beside")
    args = ap.parse_args(list(argv) if argv is not None else None)

    pdfs = sorted(p for p in args.pdfs.iterdir() if p.suffix.lower() == ".pdf") if args.pdfs.is_dir() else []
    if not pdfs:
        print(f"no PDFs in {args.pdfs}", file=sys.stderr)
        return 2
    questions = load_questions(args.questions or args.pdfs.parent / "questions.jsonl")
    titles = json.loads(args.titles.read_text(encoding="utf-8")) if args.titles.is_file() else {}

    tmp = None
    ingest_info = None
    if args.db is not None:
        if not args.db.is_file():
            print(f"no database {args.db}", file=sys.stderr)
            return 2
        db = args.db
    else:
        if args.keep_db is not None:
            if args.keep_db.exists():
                print(f"{args.keep_db} exists: pass it as --db, or remove it", file=sys.stderr)
                return 2
            args.keep_db.parent.mkdir(parents=True, exist_ok=True)
            db = args.keep_db.resolve()
        else:
            tmp = Path(tempfile.mkdtemp(prefix="synth-eval-ingest-"))
            db = tmp / "x.db"
        ingest_info = ingest(args.pdfs.resolve(), db)
        if ingest_info["returncode"] != 0:
            print(f"synth add exited {ingest_info['returncode']}: {ingest_info['stderr'][-800:]}", file=sys.stderr)
        if not db.is_file():
            return 1
    try:
        result = evaluate(db, pdfs, questions, titles, ingest_info)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)

    print(table(result["rows"], result["features"]))
    print()
    feats = result["features"]
    print("schema: " + ", ".join(f"{k}={'yes' if v else 'no'}" if isinstance(v, bool) or v is None else f"{k}={v}"
                                  for k, v in feats.items()))
    if ingest_info and ingest_info["returncode"] != 0:
        print(f"synth add exited {ingest_info['returncode']}")
    print()
    old = json.loads(args.compare.read_text(encoding="utf-8"))["totals"] if args.compare else None
    print_totals(result["totals"], old)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
