"""End-to-end benchmark: wall time and peak memory of the real `synth` CLI, stage by stage, on the demo corpus
and on a generated corpus N times larger (default 10), and the ratio between the two.

    python bench/bench_e2e.py [--scale 10] [--encoder NAME] [--question TEXT] [--keep DIR]

Stages, each one `synth` process in a fresh temporary database:
  fetch/parse   synth fetch --mirror DIR          (PDF -> pages -> passages, language id, FTS index)
  embed         cold verify minus warm verify      (encoding the corpus into the embedding cache)
  verify        synth verify --question Q, run again with warm caches (ranking, claims, evidence, verdicts)
  report        synth report (Markdown) + synth report --format html
Wall time, CPU time (user + system) and peak memory (maximum resident set size) come from os.wait4 on each
child, so each stage is measured alone; CPU time is the steadier number on a shared machine;
the embed row shows the cold verify's peak, which includes the models loaded for verification.
The larger corpus repeats every digest as N-1 variants (new ids, titles marked "variant k", sentences shuffled
within each paragraph with a fixed seed and marked "(copy b)", "(copy c)"...), so its passages and sentences are
new text that must be parsed and encoded.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTION = (
    "How does the performance of optimal transport distillation compare to knowledge distillation in cross-lingual "
    "retrieval on XTREME-R for low-resource languages when using the same student model size?"
)


def _build_demo_module():
    """scripts/build_demo.py, imported by path (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location("build_demo", ROOT / "scripts" / "build_demo.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


def _shuffle_sentences(text: str, rng: random.Random, tag: str) -> str:
    """The paragraph's sentences in a seeded random order, each marked with `tag` before its final stop: synth
    drops sentences found in 3+ papers as boilerplate, so every variant's sentences must be its own."""
    sents = re.split(r"(?<=[.!?])\s+(?=[A-ZÀ-ÖØ-ÞƘƊƁƳ\"„«])", text)
    rng.shuffle(sents)
    return " ".join(re.sub(r"([.!?])$", rf" ({tag})\1", s) for s in sents)


def variants(digests: list, scale: int) -> list:
    """The digests plus (scale - 1) shuffled variants of each, with new arXiv-style ids 25MM.9NNNN."""
    out = list(digests)
    for k in range(1, scale):
        for i, d in enumerate(digests):
            rng = random.Random(f"{k}:{d.id}")
            tag = f"copy {'abcdefghijklmnopqrstuvwxyz'[k % 26]}{'abcdefghijklmnopqrstuvwxyz'[k // 26] if k >= 26 else ''}"
            blocks = [(kind, _shuffle_sentences(t, rng, tag) if kind == "p" else t) for kind, t in d.blocks]
            out.append(replace(d, id=f"25{k:02d}.9{i:04d}", title=f"{d.title} (variant {k})", blocks=blocks, path=None))
    return out


@dataclass
class Measure:
    seconds: float  # wall clock
    cpu: float  # user + system CPU seconds of the child (steadier than wall time on a shared machine)
    max_rss_mb: float


def run(cmd: list[str], *, stdout=subprocess.DEVNULL) -> Measure:
    """Run one command; wall time, CPU time and the child's own peak RSS (MiB). Raises on a non-zero exit."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE, cwd=ROOT)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{err.decode(errors='replace')[-2000:]}")
    return Measure(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)  # Linux reports KiB


def bench_corpus(synth: str, mirror: Path, db: Path, question: str, encoder: str | None) -> dict[str, Measure]:
    """Time every stage of the pipeline on one mirror, in a new database."""
    base = [synth, "--db", str(db), "--quiet"]
    enc = ["--encoder", encoder] if encoder else []
    m: dict[str, Measure] = {}
    m["fetch/parse"] = run(base + ["fetch", "--mirror", str(mirror)])
    cold = run(base + ["verify", "--question", question] + enc)
    warm = run(base + ["verify", "--question", question] + enc)
    m["embed"] = Measure(max(cold.seconds - warm.seconds, 0.0), max(cold.cpu - warm.cpu, 0.0), cold.max_rss_mb)
    m["verify"] = warm
    md = run(base + ["report"])
    html = run(base + ["report", "--format", "html"])
    m["report"] = Measure(md.seconds + html.seconds, md.cpu + html.cpu, max(md.max_rss_mb, html.max_rss_mb))
    m["total"] = Measure(
        sum(x.seconds for x in m.values()), sum(x.cpu for x in m.values()), max(x.max_rss_mb for x in m.values())
    )
    return m


def run_counts(db: Path) -> dict:
    """The last run's counts (claims, verdicts, papers used) and the corpus's passage count, read from the store."""
    import json
    import sqlite3

    con = sqlite3.connect(db)
    try:
        row = con.execute("SELECT counts FROM runs ORDER BY id DESC LIMIT 1").fetchone()
        counts = json.loads(row[0]) if row and row[0] else {}
        counts["passages"] = con.execute("SELECT COUNT(*) FROM passages").fetchone()[0]
        return counts
    finally:
        con.close()


def table(small: dict[str, Measure], large: dict[str, Measure], n_small: int, n_large: int) -> str:
    """The Markdown table: per stage, wall/CPU time and peak RSS for both corpora and the large/small ratios."""
    scale = n_large // n_small
    lines = [
        f"| stage | demo ({n_small} papers) wall s | CPU s | peak RSS MiB | {scale}x ({n_large} papers) wall s | CPU s "
        "| peak RSS MiB | wall ratio | CPU ratio | RSS ratio |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]

    def ratio(x: float, y: float) -> str:
        return f"{x / y:.1f}" if y > 0.05 else "n/a"

    for stage in small:
        a, b = small[stage], large[stage]
        lines.append(
            f"| {stage} | {a.seconds:.1f} | {a.cpu:.1f} | {a.max_rss_mb:.0f} | {b.seconds:.1f} | {b.cpu:.1f} "
            f"| {b.max_rss_mb:.0f} | {ratio(b.seconds, a.seconds)} | {ratio(b.cpu, a.cpu)} "
            f"| {b.max_rss_mb / a.max_rss_mb:.2f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=int, default=10, help="size of the larger corpus, in multiples of the demo")
    ap.add_argument("--encoder", help="encoder for verify (default: synth's configured one)")
    ap.add_argument("--question", default=QUESTION, help="research question for verify")
    ap.add_argument("--synth", default=str(Path(sys.executable).parent / "synth"), help="the synth executable")
    ap.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temp folder)")
    args = ap.parse_args(argv)
    if args.scale < 2:
        ap.error("--scale must be at least 2")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

    bd = _build_demo_module()
    work = args.keep or Path(tempfile.mkdtemp(prefix="synth-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        digests = bd.load_digests()
        corpora = {"small": digests, "large": variants(digests, args.scale)}
        results: dict[str, dict[str, Measure]] = {}
        runs: dict[str, dict] = {}
        for name, ds in corpora.items():
            mirror = work / f"mirror-{name}"
            t = time.perf_counter()
            bd.build_mirror(ds, mirror)
            print(f"{name}: built {len(ds)} PDFs in {time.perf_counter() - t:.1f}s", file=sys.stderr)
            db = work / f"{name}.db"
            for p in work.glob(f"{name}.db*"):
                p.unlink()
            results[name] = bench_corpus(args.synth, mirror, db, args.question, args.encoder)
            print(f"{name}: done in {results[name]['total'].seconds:.1f}s", file=sys.stderr)
            runs[name] = run_counts(db)
        print(table(results["small"], results["large"], len(digests), len(corpora["large"])))
        print()
        for name, n in (("demo", len(digests)), (f"{args.scale}x", len(corpora["large"]))):
            c = runs["small" if name == "demo" else "large"]
            print(
                f"- {name}: {n} papers, {c.get('passages', 0)} passages; last run: {c.get('claims', 0)} claims "
                f"({c.get('SUPPORTED', 0)} SUPPORTED, {c.get('REFUTED', 0)} REFUTED, "
                f"{c.get('NOT_ENOUGH_INFO', 0)} NOT_ENOUGH_INFO) from {c.get('papers_used', 0)} papers"
            )
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
