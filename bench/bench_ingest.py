"""Ingest throughput: PDF parsing and `synth add` on generated inputs, each against a no-processing baseline.

    python bench/bench_ingest.py [--pages 30] [--files 1000] [--repeat 3]

Rows (best of --repeat runs, after one warm-up that also loads the language-id model):
  pdf baseline      pymupdf.open + page.get_text() on every page, nothing else
  pdf parse         synth.ingest.pdf.parse_pdf (layout, headers, sections, hyphens, sentences, language id)
  pdf add           synth.ingest.files.add_paths on the PDF into a fresh temporary database (parse + store)
  txt baseline      read and decode every file, split on blank lines
  txt parse         synth.ingest.text.read_text_file on every file
  txt add           synth.ingest.files.add_paths on the folder into a fresh temporary database (parse + store)
  txt add, commit/file   the same with a commit after every file instead of every 0.5 s
The ratio column is the row's time over its baseline's; "store ms/file" is (add - parse) per file.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # pdfgen builds the PDFs

SENTENCES = [
    "Optimal transport aligns the token vectors of a sentence and its translation.",
    "The Sinkhorn algorithm computes a soft plan in a few iterations.",
    "Low-resource languages such as Swahili gain the most from distillation.",
    "Dense retrieval encodes queries and passages into one vector space.",
    "The student model is trained on a small amount of parallel text.",
]


def best_of(repeat: int, fn: Callable[[], object]) -> tuple[float, object]:
    """Smallest wall time over `repeat` calls, and the last result."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def make_text_files(folder: Path, n: int) -> None:
    for i in range(n):
        body = " ".join(SENTENCES[(i + k) % len(SENTENCES)] for k in range(3))
        more = " ".join(SENTENCES[(i + k) % len(SENTENCES)] for k in range(3, 5))
        (folder / f"note{i:05d}.md").write_text(f"# Note {i}\n\n{body}\n\n## Details\n\n{more} Note {i} ends here.\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=30)
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    import pymupdf
    from pdfgen import long_paper

    from synth.ingest.files import add_paths
    from synth.ingest.text import read_text_file
    from synth.ingest.pdf import parse_pdf
    from synth.store import Store

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        pdf = long_paper(tmp / "long.pdf", pages=args.pages)
        notes = tmp / "notes"
        notes.mkdir()
        make_text_files(notes, args.files)
        files = sorted(notes.iterdir())
        counter = iter(range(10**6))

        def fresh_store() -> Store:
            return Store(tmp / f"db{next(counter)}" / "synth.db")

        def pdf_baseline() -> int:
            with pymupdf.open(pdf) as doc:
                return sum(len(page.get_text()) for page in doc)

        def txt_baseline() -> int:
            return sum(len(f.read_bytes().decode("utf-8").split("\n\n")) for f in files)

        def add_all(paths: list[Path], **kw) -> int:
            store = fresh_store()
            try:
                return add_paths(store, paths, **kw).passages
            finally:
                store.close()

        t0 = time.perf_counter()
        cold = parse_pdf(pdf)  # warm-up: imports and the language-id model
        cold_s = time.perf_counter() - t0
        pages, pdf_passages = cold.pages, len(cold.passages)
        rows = []
        base_pdf, _ = best_of(args.repeat, pdf_baseline)
        parse_pdf_s, _ = best_of(args.repeat, lambda: parse_pdf(pdf))
        add_pdf_s, _ = best_of(args.repeat, lambda: add_all([pdf]))
        rows += [("pdf baseline", base_pdf, base_pdf), ("pdf parse", parse_pdf_s, base_pdf), ("pdf add", add_pdf_s, base_pdf)]

        base_txt, _ = best_of(args.repeat, txt_baseline)
        parse_txt_s, txt_passages = best_of(args.repeat, lambda: sum(len(read_text_file(f).passages) for f in files))
        add_txt_s, stored = best_of(args.repeat, lambda: add_all([notes]))
        assert stored == txt_passages, (stored, txt_passages)
        add_each_s, _ = best_of(1, lambda: add_all([notes], commit_seconds=0))
        rows += [("txt baseline", base_txt, base_txt), ("txt parse", parse_txt_s, base_txt), ("txt add", add_txt_s, base_txt)]
        rows += [("txt add, commit/file", add_each_s, base_txt)]

    print(f"PDF: {pages} pages, {pdf_passages} passages; first parse (cold, imports + langid model) {cold_s:.2f} s")
    print(f"text: {args.files} Markdown files, {txt_passages} passages; best of {args.repeat}")
    print(f"{'step':<22}{'seconds':>9}{'pages/s':>10}{'files/s':>10}{'passages/s':>12}{'x baseline':>12}")
    for name, secs, base in rows:
        if name.startswith("pdf"):
            unit = f"{pages / secs:>10.1f}{'':>10}"
            per = f"{pdf_passages / secs:>12.0f}" if name != "pdf baseline" else f"{'':>12}"
        else:
            unit = f"{'':>10}{args.files / secs:>10.0f}"
            per = f"{txt_passages / secs:>12.0f}" if name != "txt baseline" else f"{'':>12}"
        print(f"{name:<22}{secs:>9.3f}{unit}{per}{secs / base:>12.1f}")
    per_file = (add_txt_s - parse_txt_s) / args.files * 1000
    each = (add_each_s - parse_txt_s) / args.files * 1000
    print(f"store: {(add_pdf_s - parse_pdf_s) * 1000:.1f} ms for the PDF; text {per_file:.2f} ms/file ({each:.2f} committing each)")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
