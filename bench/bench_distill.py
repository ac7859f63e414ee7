"""Distillation step time and peak memory per method on the packaged models (teacher MiniLM, student e5-small).

    nice .venv/bin/python bench/bench_distill.py [--steps 20] [--batch-size 16] [--lora-layers 4]

Uses the project-written bitext (data/bitext/field-eng-*.tsv, train split). Peak memory is the process's
peak resident set (VmHWM), reset before each method via /proc/self/clear_refs where Linux allows it.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from synth.train import bitext
from synth.config import Settings
from synth.train.distill import TextModel, build_cache, train
from synth.index.encoders import load_encoder

DATA = Path(__file__).resolve().parents[1] / "data" / "bitext"


def _status(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--lora-layers", type=int, default=4)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    settings = Settings.from_env()
    teacher, student = load_encoder("minilm", settings), load_encoder("e5-small", settings)
    pairs = [p for ps in bitext.load(sorted(DATA.glob("field-eng-*.tsv")), "train").values() for p in ps]
    t0 = time.perf_counter()
    cache = build_cache(pairs, TextModel.from_encoder(teacher), TextModel.from_encoder(student), args.lora_layers,
                        progress=False)
    t_cache = time.perf_counter() - t0
    print(f"{len(pairs)} pairs; cache built in {t_cache:.1f} s ({1000 * t_cache / len(pairs):.1f} ms/pair); "
          f"RSS {_status('VmRSS'):.0f} MB; batch {args.batch_size}, top {args.lora_layers} layers adapted, "
          f"{args.threads} threads")
    print("| method | ms / step (median) | peak RSS (MB) | peak above pre-step RSS (MB) |")
    print("|---|---|---|---|")
    for method in ("kd", "ot", "ot+kd"):
        reset = _reset_peak()
        before = _status("VmRSS")
        r = train(method, pairs, teacher, student, steps=args.steps, batch_size=args.batch_size, cache=cache,
                  lora_layers=args.lora_layers, progress=False)
        steps = [b["seconds"] - a["seconds"] for a, b in zip(r.losses, r.losses[1:])]
        median = sorted(steps)[len(steps) // 2] if steps else r.seconds
        peak = _status("VmHWM")
        print(f"| {method} | {1000 * median:.0f} | {peak:.0f}{'' if reset else ' (process peak)'} | "
              f"{peak - before:.0f} |")


if __name__ == "__main__":
    main()
