"""Fair comparison of distillation settings on cached inputs: methods (kd / ot / ot+kd), an entropic-
regularisation sweep and balanced vs unbalanced OT, each scored by bitext retrieval on the held-out split.

    nice .venv/bin/python bench/sweep_ot.py --bitext data/bitext/*.tsv /work/shared/bitext/*.tsv --steps 200

Training and scoring both run on cached student states (max 48 tokens for training, 128 for scoring), so
every configuration costs only its training steps. Prints one markdown row per configuration (macro top-1 /
MRR over held-out files and both directions, plus the low-resource subset) and writes JSON with --json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

from synth.train import bitext
from synth.config import Settings
from synth.train.distill import TextModel, artifact_meta, build_cache, embed_cached, save_artifact, top_layers, train
from synth.index.encoders import load_encoder
from synth.train.evaluate_encoders import retrieval_scores

LOW = {"swa", "hau", "yor", "som", "mar", "amh", "ibo", "zul", "xho", "kin"}


def score(embed, heldout: dict[str, list[bitext.Pair]]) -> dict[str, float]:
    """Macro top-1/MRR over files x directions (all, and the low-resource Tatoeba files), per-file top-1."""
    out: dict[str, float] = {}
    rows = []
    for stem, pairs in heldout.items():
        en, xx = [p.en for p in pairs], [p.xx for p in pairs]
        v_en, v_xx = embed(en).numpy(), embed(xx).numpy()
        t1a, ma = retrieval_scores(v_xx, v_en, en, en)
        t1b, mb = retrieval_scores(v_en, v_xx, xx, xx)
        rows.append((stem, (t1a + t1b) / 2, (ma + mb) / 2))
        out[f"top1:{stem}"] = round((t1a + t1b) / 2, 4)
    out["top1"] = round(sum(r[1] for r in rows) / len(rows), 4)
    out["mrr"] = round(sum(r[2] for r in rows) / len(rows), 4)
    low = [r for r in rows if r[0].split("-")[-1] in LOW]
    out["top1_low"] = round(sum(r[1] for r in low) / max(1, len(low)), 4)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bitext", nargs="+", required=True, type=Path)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--lora-layers", type=int, default=4)
    ap.add_argument("--groups", default="methods,reg,tau", help="comma list of: methods, reg, tau, anchor")
    ap.add_argument("--min-heldout", type=int, default=20, help="score only files with at least this many pairs")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--cache-file", type=Path, default=None, help="reuse cached states (same --bitext!)")
    ap.add_argument("--save-dir", type=Path, default=None, help="write each trained config as an artefact here")
    ap.add_argument("--lrs", default=None, help="comma list of learning rates to sweep for the methods group")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    settings = Settings.from_env()
    teacher, student = load_encoder("minilm", settings), load_encoder("e5-small", settings)
    per_file = bitext.load(args.bitext, "train")
    train_pairs = [p for ps in per_file.values() for p in ps]
    heldout = {k: v for k, v in bitext.load(args.bitext, "heldout").items() if len(v) >= args.min_heldout}
    t0 = time.perf_counter()
    if args.cache_file and args.cache_file.is_file():
        cache, eval_cache = torch.load(args.cache_file, weights_only=False)
    else:
        cache = build_cache(train_pairs, TextModel.from_encoder(teacher), TextModel.from_encoder(student),
                            args.lora_layers)
        eval_cache = build_cache([p for ps in heldout.values() for p in ps], None,
                                 TextModel.from_encoder(student, max_length=128), args.lora_layers)
        if args.cache_file:
            torch.save((cache, eval_cache), args.cache_file)
    print(f"cached {len(train_pairs)} train pairs, {sum(map(len, heldout.values()))} held-out pairs "
          f"in {time.perf_counter() - t0:.0f}s", file=sys.stderr)

    configs: list[dict] = [{"method": "base"}]
    groups = args.groups.split(",")
    if "methods" in groups:
        configs += [{"method": m, "reg": 0.05} for m in ("kd", "ot", "ot+kd")]
    if "reg" in groups:
        configs += [{"method": "ot", "reg": r} for r in (0.02, 0.1, 0.3)]
    if "tau" in groups:
        configs += [{"method": "ot", "reg": 0.05, "tau": t} for t in (0.1, 1.0)]
    if "anchor" in groups:  # OPTICAL's loss alone: no teacher(en) -> student(en) OT term
        configs += [{"method": "ot", "reg": 0.05, "en_anchor": False}]
    for lr in [float(x) for x in (args.lrs or "").split(",") if x]:
        configs += [{"method": m, "reg": 0.05, "lr": lr} for m in ("kd", "ot")]
    results = []
    base_top = top_layers(student, cache)
    for cfg in configs:
        if cfg["method"] == "base":
            res = {"config": "base (no training)", **score(lambda t: embed_cached(base_top, eval_cache, t), heldout)}
        else:
            r = train(cfg["method"], train_pairs, teacher, student, steps=args.steps, reg=cfg["reg"],
                      seed=args.seed, lr=cfg.get("lr", args.lr), batch_size=args.batch_size, tau=cfg.get("tau"),
                      cache=cache, lora_layers=args.lora_layers, en_anchor=cfg.get("en_anchor", True))
            name = f"{cfg['method']} eps={cfg['reg']}" + (f" tau={cfg['tau']}" if cfg.get("tau") else "")
            name += f" lr={cfg['lr']}" if "lr" in cfg else ""
            name += " no-en-anchor" if cfg.get("en_anchor") is False else ""
            if args.save_dir:
                slug = name.replace(" ", "_").replace("=", "").replace("+", "-")
                cmd = ["synth", "distill", *[x for f in args.bitext for x in ("--bitext", str(f))],
                       "--method", cfg["method"], "--reg", str(cfg["reg"]), "--steps", str(args.steps),
                       "--batch-size", str(args.batch_size), "--seed", str(args.seed),
                       "--lr", str(cfg.get("lr", args.lr)), "--lora-layers", str(args.lora_layers)]
                cmd += ["--unbalanced", str(cfg["tau"])] if cfg.get("tau") else []
                cmd += ["--no-en-anchor"] if cfg.get("en_anchor") is False else []
                meta = artifact_meta(args.bitext, "train", per_file, "minilm", "e5-small", teacher, student,
                                     " ".join(cmd + ["--out", "NAME"]))
                save_artifact(r, args.save_dir / slug, meta)
            res = {"config": name, "final_loss": round(r.final_loss, 4), "train_s": round(r.seconds, 1),
                   **score(lambda t: embed_cached(r.top, eval_cache, t), heldout)}
        results.append(res)
        print(json.dumps(res), file=sys.stderr)
    stems = list(heldout)
    print("| config | macro top-1 | macro MRR | low-resource top-1 | " + " | ".join(s.split("-")[-1] for s in stems)
          + " | final loss | train s |")
    print("|---" * (6 + len(stems)) + "|")
    for r in results:
        print(f"| {r['config']} | {r['top1']:.3f} | {r['mrr']:.3f} | {r['top1_low']:.3f} | "
              + " | ".join(f"{r[f'top1:{s}']:.3f}" for s in stems)
              + f" | {r.get('final_loss', '')} | {r.get('train_s', '')} |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
