"""Should `encode` run int8 on CPUs without AMX? Speed, vectors and evidence recall of SYNTH_ENCODER_PRECISION=int8
against fp32, measured in one process.

    python bench/bench_int8.py [--encoder optical] [--n 1000] [--repeats 3] [--block 200] [--threads 2]
                               [--tasks field,xnli] [--eval-n 300] [--langs sw,ur,hi,ar,de,fr] [--per-tensor]

Speed: --n SciFact passages (three consecutive abstract sentences of ../shared/scifact/corpus.jsonl, about 110
tokens; bench_encode's `--texts scifact`), encoded with `encode` as synth does (length-sorted batches of 32,
passage kind). fp32 and int8 take turns block by block (--block passages each, the first of the pair alternating),
--repeats times over all passages; each repeat gives a passages/s (wall clock) and passages per CPU-second (all
threads summed, less moved by other processes) per path. Prints the medians over repeats and the median of the
per-repeat ratios int8 / fp32. --per-tensor adds the plain `quantize_dynamic(model, {Linear}, dtype=qint8)`
(per-tensor weight scales) as a third path, speed and cosine only.

Vectors: cosine of each int8 vector to the fp32 vector of the same text (mean / min), passages and queries.

Recall: synth's evidence evaluation (eval/eval_evidence.py: synth.train.evaluate_encoders.evaluate_evidence) with
the same encoder loaded at fp32 and at int8: recall@1 / @5 per task and the paired difference int8 - fp32 on the
same claims with its bootstrap 95% interval. --tasks '' skips it. Not a test: figures move with machine load.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_encode import corpus  # noqa: E402  (the SciFact passages bench_encode measures)

QUERIES = [  # claim-like queries in the languages synth serves, for the query-side cosine
    "Optimal transport aligns the token distributions of two sentences.",
    "Low-resource languages lack parallel data for cross-lingual retrieval.",
    "Kamati iliidhinisha bajeti mpya ya shule za umma.",
    "समिति ने सरकारी स्कूलों के लिए नया बजट मंजूर किया।",
    "委员会批准了公立学校的新预算。",
    "وافقت اللجنة على الميزانية الجديدة للمدارس العامة.",
    "Die Ergebnisse zeigen eine deutliche Verbesserung gegenüber dem Basismodell.",
    "Vitamin D supplementation reduces the risk of respiratory infections.",
    "Les vaccins à ARNm induisent une réponse immunitaire durable.",
    "Aspirin use is associated with a lower incidence of colorectal cancer.",
]


def timed(encoders: dict, texts: list[str], repeats: int, block: int) -> dict[str, list[tuple[float, float]]]:
    """{path: [(passages/s, passages/CPU-s) per repeat]}: the paths take turns block by block, order alternating."""
    names = list(encoders)
    out: dict[str, list[tuple[float, float]]] = {n: [] for n in names}
    for r in range(repeats):
        wall = dict.fromkeys(names, 0.0)
        cpu = dict.fromkeys(names, 0.0)
        for b, start in enumerate(range(0, len(texts), block)):
            chunk = texts[start : start + block]
            turn = names if (r + b) % 2 == 0 else names[::-1]
            for name in turn:
                t0, c0 = time.perf_counter(), time.process_time()
                encoders[name].encode(chunk, "passage")
                wall[name] += time.perf_counter() - t0
                cpu[name] += time.process_time() - c0
        for name in names:
            out[name].append((len(texts) / wall[name], len(texts) / cpu[name]))
        print(f"repeat {r + 1}: " + ", ".join(f"{n} {out[n][-1][0]:.1f}/s" for n in names), file=sys.stderr, flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--encoder", default="optical")
    ap.add_argument("--n", type=int, default=1000, help="SciFact passages to encode per repeat")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--block", type=int, default=200, help="passages per turn")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--tasks", default="field,xnli", help="evidence tasks (field, xnli, xnli-translation); '' skips")
    ap.add_argument("--eval-n", type=int, default=300, help="XNLI claims per language pair and direction")
    ap.add_argument("--langs", default="sw,ur,hi,ar,de,fr")
    ap.add_argument("--boot", type=int, default=1000)
    ap.add_argument("--per-tensor", action="store_true", help="also time per-tensor int8 weights")
    args = ap.parse_args()

    import torch

    from eval.common import FIELD, SHARED
    from synth.config import Settings
    from synth.index.encoders import load_encoder

    torch.set_num_threads(args.threads)
    texts = corpus(args.n, "scifact")
    fp32 = load_encoder(args.encoder, Settings.from_env(encoder_precision="fp32"))
    int8 = load_encoder(args.encoder, Settings.from_env(encoder_precision="int8"))
    assert fp32.precision == "fp32" and int8.precision == "int8"
    encoders = {"fp32": fp32, "int8": int8}
    if args.per_tensor:
        import warnings

        from torch.ao.quantization import quantize_dynamic

        from synth.index.encoders.transformer import copy_sharing_embeddings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = quantize_dynamic(copy_sharing_embeddings(fp32.model), {torch.nn.Linear}, dtype=torch.qint8)
        encoders["int8 per-tensor"] = fp32.with_model(model.eval(), fp32.id + "@int8-tensor")
        encoders["int8 per-tensor"].precision = "fp32"
    for enc in encoders.values():
        enc.encode(texts[:32], "passage")  # warm-up (and the int8 copy is made here)

    load = Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").is_file() else "?"
    print(f"{args.encoder}: {args.n} SciFact passages (mean {np.mean([len(t) for t in texts]):.0f} chars), "
          f"{args.threads} threads, batch {fp32.batch_size}, {args.repeats} repeats interleaved in blocks of "
          f"{args.block}; torch {torch.__version__}, CPU capability "
          f"{torch.backends.cpu.get_cpu_capability()}, quantized engine {torch.backends.quantized.engine}, load "
          f"{load}\n")

    runs = timed(encoders, texts, args.repeats, args.block)
    vecs = {n: e.encode(texts, "passage") for n, e in encoders.items()}
    qvecs = {n: e.encode(QUERIES, "query") for n, e in encoders.items()}
    print("| path | passages/s (median) | per repeat | ratio to fp32 (median) | passages/CPU-s (median) | CPU ratio | "
          "cosine to fp32 passages mean / min | queries mean / min |\n|---|---:|---|---:|---:|---:|---|---|")
    for name in encoders:
        rate = statistics.median(r[0] for r in runs[name])
        cpu = statistics.median(r[1] for r in runs[name])
        ratio = statistics.median(a[0] / b[0] for a, b in zip(runs[name], runs["fp32"]))
        cpu_ratio = statistics.median(a[1] / b[1] for a, b in zip(runs[name], runs["fp32"]))
        pc, qc = (vecs[name] * vecs["fp32"]).sum(1), (qvecs[name] * qvecs["fp32"]).sum(1)
        print(f"| {name} | {rate:.1f} | {', '.join(f'{r[0]:.1f}' for r in runs[name])} | {ratio:.2f}x | {cpu:.1f} | "
              f"{cpu_ratio:.2f}x | {pc.mean():.4f} / {pc.min():.4f} | {qc.mean():.4f} / {qc.min():.4f} |", flush=True)

    tasks = [t.strip() for t in args.tasks.split(",") if t.strip()]
    if not tasks:
        return
    from synth.train.evaluate_encoders import (
        evaluate_evidence,
        evidence_markdown,
        field_evidence_task,
        xnli_evidence_tasks,
        xnli_translation_tasks,
    )

    langs = [x.strip() for x in args.langs.split(",") if x.strip()]
    xnli = SHARED / "nli" / "xnli_test_15lang.tsv"
    todo = ([field_evidence_task(FIELD / "claims.jsonl")] if "field" in tasks else []) + (
        xnli_evidence_tasks(xnli, langs, args.eval_n) if "xnli" in tasks else []) + (
        xnli_translation_tasks(xnli, langs, args.eval_n) if "xnli-translation" in tasks else [])
    rows = evaluate_evidence({f"{args.encoder} fp32": lambda: fp32, f"{args.encoder} int8": lambda: int8}, todo,
                             boot=args.boot, progress=lambda m: print(m, file=sys.stderr, flush=True))
    print()
    print(evidence_markdown(rows), end="")
    for task in dict.fromkeys(r["task"] for r in rows):  # over all claims of a task (its directions weighted by n)
        mine = [r for r in rows if r["task"] == task and r["direction"] != "all"]
        for enc in dict.fromkeys(r["encoder"] for r in mine):
            rs = [r for r in mine if r["encoder"] == enc]
            n = sum(r["n"] for r in rs)
            means = {k: sum(r[f"recall@{k}"][0] * r["n"] for r in rs) / n for k in (1, 5)}
            print(f"{task} {enc}: {n} claims, recall@1 {means[1]:.4f}, recall@5 {means[5]:.4f}")
    print(f"\nΔ: paired bootstrap ({args.boot} resamples of the same claims) int8 - fp32; bold where the 95% interval "
          "excludes 0.")


if __name__ == "__main__":
    main()
