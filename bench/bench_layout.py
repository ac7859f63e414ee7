"""Pages per second: synth's PDF parser against PyMuPDF's layout mode (pymupdf4llm Markdown with the layout model).

    python bench/bench_layout.py [--pdfs ../shared/litqa-dev/pdfs] [--pages 3] [--files 4]

Both read the first `--pages` pages of the first `--files` PDFs of the folder, in the same process; the figures are
pages/s of each and their ratio (a benchmark to print, not a timed test).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pdfs", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "litqa-dev" / "pdfs")
    ap.add_argument("--pages", type=int, default=3)
    ap.add_argument("--files", type=int, default=4)
    args = ap.parse_args()
    import pymupdf

    from synth.ingest.pdf import page_lines

    files = sorted(args.pdfs.glob("*.pdf"))[: args.files]
    if not files:
        sys.exit(f"no PDFs in {args.pdfs}")
    started, pages = time.perf_counter(), 0
    for f in files:
        with pymupdf.open(f) as doc:
            for n in range(min(args.pages, doc.page_count)):
                page_lines(doc[n], n + 1)
                pages += 1
    ours = pages / (time.perf_counter() - started)
    import pymupdf.layout  # noqa: F401  (switches pymupdf4llm to the layout model)
    import pymupdf4llm

    started = time.perf_counter()
    for f in files:
        with pymupdf.open(f) as doc:
            pymupdf4llm.to_markdown(doc, pages=list(range(min(args.pages, doc.page_count))), show_progress=False)
    layout = pages / (time.perf_counter() - started)
    print(f"{pages} pages of {len(files)} PDFs: synth's line reader {ours:.1f} pages/s, layout mode {layout:.2f} pages/s "
          f"({ours / layout:.0f}x)")


if __name__ == "__main__":
    main()
