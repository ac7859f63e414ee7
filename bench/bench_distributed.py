"""Encoding throughput on Ray: 1 vs 2 one-thread workers (synth.index.workers.encode_texts) on the default encoder.

    python bench/bench_distributed.py                 # ~2,000 passages, encoder `optical`
    python bench/bench_distributed.py --n 500 --encoder hashing --workers 1,2,4

The passages are the sentences of the demo digests (examples/otclir-demo/digests) and of data/synthesis, recombined
into 1-3 sentence passages until there are `--n` distinct ones. Each configuration starts its own local Ray (workers
load the model once each); passages/s is reported end to end (Ray start and model loads included) and after the first
block came back (the steady rate). The vectors of every configuration are compared with those of the first.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from synth.ingest.sentences import split_sentences  # noqa: E402
from synth.config import Settings  # noqa: E402
from synth.index.workers import iter_encode  # noqa: E402


def passages(n: int, seed: int = 0) -> list[str]:
    """`n` distinct passages of 1-3 sentences from the demo digests and the synthesis corpora."""
    files = sorted((ROOT / "examples" / "otclir-demo" / "digests").glob("*.md")) + sorted((ROOT / "data" / "synthesis").rglob("*.md"))
    sentences: list[str] = []
    for f in files:
        text = re.sub(r"(?s)\A---\n.*?\n---\n", "", f.read_text(encoding="utf-8"))  # drop the front matter
        for para in re.split(r"\n\s*\n", text):
            para = " ".join(line for line in para.splitlines() if not line.lstrip().startswith("#"))
            sentences += [s for s in split_sentences(para) if len(s) > 30]
    rng = random.Random(seed)
    out: dict[str, None] = {}
    for i in range(0, len(sentences) - 2, 2):  # the corpus's own passages first, then recombinations
        out[" ".join(sentences[i : i + 2])] = None
    while len(out) < n:
        k = rng.randint(1, 3)
        out[" ".join(rng.sample(sentences, k))] = None
    return list(out)[:n]


def run(texts: list[str], encoder: str, workers: int, settings: Settings) -> tuple[np.ndarray, float, float, int]:
    """(vectors, seconds in all, seconds to the first block, texts in the first block)."""
    t0 = time.perf_counter()
    first_t, first_n, blocks = 0.0, 0, []
    for block in iter_encode(texts, "passage", settings, encoder, workers=workers):
        if not blocks:
            first_t, first_n = time.perf_counter() - t0, len(block)
        blocks.append(block)
    return np.concatenate(blocks), time.perf_counter() - t0, first_t, first_n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=2000, help="passages to encode")
    ap.add_argument("--encoder", default=None, help="encoder name (default: the configured one, optical)")
    ap.add_argument("--workers", default="1,2", help="comma-separated pool sizes to compare")
    args = ap.parse_args()
    settings = Settings.from_env()
    encoder = args.encoder or settings.encoder.name
    texts = passages(args.n)
    print(f"{len(texts)} passages, {sum(map(len, texts)) / len(texts):.0f} characters on average, encoder {encoder}")
    rates: dict[int, float] = {}
    steady: dict[int, float] = {}
    ref = None
    for w in [int(x) for x in args.workers.split(",")]:
        vecs, total, first_t, first_n = run(texts, encoder, w, settings)
        rates[w] = len(texts) / total
        steady[w] = (len(texts) - first_n) / max(1e-9, total - first_t)
        diff = 0.0 if ref is None else float(np.abs(vecs - ref).max())
        ref = vecs if ref is None else ref
        print(f"{w} worker(s): {total:6.1f} s, {rates[w]:6.1f} passages/s end to end, {steady[w]:6.1f} passages/s "
              f"after the first block ({first_t:.1f} s to it); max |diff| vs first: {diff:.2e}")  # fmt: skip
    base = min(rates)
    for w in rates:
        if w != base:
            print(f"ratio {w} vs {base} worker(s): {rates[w] / rates[base]:.2f}x end to end, "
                  f"{steady[w] / steady[base]:.2f}x steady")  # fmt: skip


if __name__ == "__main__":
    main()
