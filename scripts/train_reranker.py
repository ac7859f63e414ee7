"""Train the question -> sentence reranker (synth/judge/rerank.py) on ../shared/qadata, resumably.

    python scripts/train_reranker.py [--minutes M] [--groups N]     # run again to resume at the last checkpoint
    python scripts/train_reranker.py --init synth/artifacts/reranker --groups 800 --mixed 800 --layers 4 \
        --out DIR                                                   # continue the shipped one, across languages
    python scripts/train_reranker.py --init DIR --groups 400 --distill 1000 --distill-weight 0.3 --layers 4 \
        --out OUT                         # distil its own-language reading into its reading of other languages
    python scripts/train_reranker.py --init DIR --groups 400 --distill 500 --written data/reranker_written \
        --distill-weight 0.3 --layers 4 --out OUT      # ... also on the project-written en/sw/fr/pt groups

Listwise: each step reads `batch` groups of (question, answer sentence, 5 negatives: 4 from the same document, 1
from another document), scores all 6 with the cross-encoder and minimises the cross-entropy of the answer against the
group. With --distill, parallel groups (the same sentences in the question's language and in another) are also
pulled towards the starting model's logits on the question's own language (teacher -> student). LoRA on the top
`--layers` layers of e5-small, started from the shipped verifier's LoRA (it already reads two texts across
languages); a new one-logit head. Checkpoints go to --work every 25 steps; a killed run started again
continues where it stopped. When the plan is done, the artefact (≤ 10 MB) is written to synth/artifacts/reranker/.
Splits (by document; synth.train.reranker.data) are fixed before training; eval/eval_reranker.py measures the
held-out ones.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "qadata"
OUT = ROOT / "synth" / "artifacts" / "reranker"


def log(*parts) -> None:
    print(time.strftime("%H:%M:%S"), *parts, flush=True)


def init_from_verifier(model, folder: Path) -> int:
    """Copy the verifier's LoRA tensors into `model` where shapes match (the head stays new). Returns how many."""
    import torch
    from safetensors.torch import load_file

    from synth.judge.verifier.cross import WEIGHTS_FILE

    state = load_file(str(folder / WEIGHTS_FILE))
    n = 0
    with torch.no_grad():
        for name, lora in model.lora.items():
            a, b = state.get(f"{name}.lora_A"), state.get(f"{name}.lora_B")
            if a is not None and b is not None and a.shape == lora.lora_A.shape and b.shape == lora.lora_B.shape:
                lora.lora_A.copy_(a.float())
                lora.lora_B.copy_(b.float())
                n += 1
    return n


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--qadata", type=Path, default=SHARED)
    ap.add_argument("--work", type=Path, default=None, help="checkpoints (default SYNTH_HOME/reranker-train)")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--groups", type=int, default=None, help="train on the first N groups of the mix only")
    ap.add_argument("--batch", type=int, default=4, help="groups per step")
    ap.add_argument("--negatives", type=int, default=5, help="negatives per group")
    ap.add_argument("--hard", type=int, default=4, help="of which from the answer's own document")
    ap.add_argument("--layers", type=int, default=6)
    ap.add_argument("--rank", type=int, default=32)
    ap.add_argument("--max-length", type=int, default=128)
    ap.add_argument("--minutes", type=float, default=None, help="stop at a checkpoint after this long")
    ap.add_argument("--init", type=Path, default=None,
                    help="start from this reranker artefact (LoRA and head) instead of the verifier's LoRA")
    ap.add_argument("--mixed", type=int, default=0,
                    help="add N XQuAD-R groups with the answer in another language than the question, among "
                         "sentences in the question's own language (data.mixed_language_groups)")
    ap.add_argument("--distill", type=int, default=0,
                    help="add N XQuAD-R groups read in the question's language and, sentence for sentence, in "
                         "another (data.parallel_groups): both readings are pulled towards the starting model's "
                         "logits on the question's own language (teacher -> student, needs --init)")
    ap.add_argument("--written", type=Path, default=None,
                    help="also distil the project-written groups of this folder (data/reranker_written: English "
                         "questions and sentences, read again in Swahili, French and Portuguese; data.written_groups)")
    ap.add_argument("--distill-weight", type=float, default=0.1, help="weight of the squared logit difference")
    ap.add_argument("--export", action="store_true",
                    help="write the artefact from the last checkpoint, finished or not (its step is recorded)")
    args = ap.parse_args(argv)

    import numpy as np
    import torch

    torch.set_num_threads(args.threads)
    from synth.artifacts import verifier_dir
    from synth.config import Settings
    from synth.index.encoders.load import load_encoder
    from synth.index.encoders.transformer import copy_sharing_embeddings
    from synth.judge import rerank
    from synth.judge.verifier import cross
    from synth.train.reranker.data import (
        all_items,
        mixed_language_groups,
        parallel_groups,
        training_groups,
        written_groups,
    )
    from synth.train.verifier.fit_cross import TrainPlan, plan_tag, train_loop

    settings = Settings.from_env()
    work = args.work or settings.home / "reranker-train"
    groups = training_groups(all_items(args.qadata, args.seed), args.negatives, args.hard, args.seed)[: args.groups]
    if args.mixed:
        groups = groups + mixed_language_groups(args.qadata, args.mixed, args.negatives, seed=args.seed + 4)
        random.Random(args.seed).shuffle(groups)
    twins = parallel_groups(args.qadata, args.distill, seed=args.seed + 6) if args.distill else []
    if args.written:
        twins = twins + written_groups(args.written)
    if twins and not args.init:
        raise SystemExit("--distill needs --init: the teacher is the reranker it starts from")
    log(f"groups: {len(groups)} + {len(twins)} read in several languages", Counter(g["source"] for g in groups).most_common())
    base = load_encoder("e5-small", settings)
    cfg = cross.CrossConfig(layers=args.layers, rank=args.rank, alpha=2.0 * args.rank, seed=args.seed, outputs=1,
                            max_length=args.max_length)  # fmt: skip
    model = cross.build_model(copy_sharing_embeddings(base.model), cfg)
    if args.init:
        from safetensors.torch import load_file

        model.load_trainable(load_file(str(args.init / rerank.WEIGHTS_FILE)))
        log(f"started from the reranker in {args.init}")
        if twins:
            groups = groups + distill_groups(model, base.tokenizer, twins, work)
            random.Random(args.seed + 1).shuffle(groups)
    else:
        log(f"LoRA tensors from the verifier: {init_from_verifier(model, verifier_dir() / 'cross')}")
    plan = TrainPlan(batch_size=args.batch, epochs=1.0, seed=args.seed, warmup=50, checkpoint_every=25)
    pairs = [{"claim": g["question"], "evidence": c, "label": 0} for g in groups for c in g["candidates"]]
    tag = plan_tag(pairs, plan, cfg)
    width = len(groups[0]["candidates"])

    def batch_loss(idx: np.ndarray):
        qs = [groups[i]["question"] for i in idx for _ in range(width)]
        cs = [c for i in idx for c in groups[i]["candidates"]]
        enc = cross.tokenize_pairs(base.tokenizer, qs, cs, cfg.max_length)
        logits = model(**enc).view(len(idx), width)
        loss = torch.nn.functional.cross_entropy(logits, torch.zeros(len(idx), dtype=torch.long))
        taught = [k for k, i in enumerate(idx) if "target" in groups[i]]
        if taught:  # the squared distance to the teacher's logits on the question's own language
            target = torch.tensor([groups[idx[k]]["target"] for k in taught], dtype=logits.dtype)
            loss = loss + args.distill_weight * ((logits[taught] - target) ** 2).mean()
        return loss, len(qs)

    lengths = [sum(len(c) for c in g["candidates"]) + width * len(g["question"]) for g in groups]
    if args.export:
        from synth.judge.verifier.cross import length_batches

        total = len(length_batches(lengths, plan.batch_size, np.random.default_rng(0)))
        res = export_checkpoint(model, work, tag, total)
    else:
        t0 = time.time()
        res = train_loop(model, lengths, batch_loss, plan, work, tag, log, args.minutes)
        (work / "train-summary.json").write_text(json.dumps(dict(res, groups=len(groups), seconds=time.time() - t0)))
        if not res["finished"]:
            log(f"stopped at step {res['steps']} of {res['total_steps']}: run again to resume")
            return
    meta = {"id": f"synth-reranker-e5small-r{args.rank}-l{args.layers}-s{res['steps']}" + ("-x" if args.mixed else "")
            + ("-d" if twins else ""),
            "started_from": str(args.init.name) if args.init else "verifier LoRA",
            "trained_on": dict(Counter(g["source"] for g in groups)), "groups_read": res["steps"] * args.batch,
            "plan": {"batch_groups": args.batch, "group": width, "steps": res["steps"], "of": res["total_steps"],
                     "seed": args.seed}}  # fmt: skip
    if twins:
        meta["distilled"] = {"groups": len(twins), "weight": args.distill_weight, "teacher": str(args.init.name),
                             "written": sum(t["source"] == "written-parallel" for t in twins)}
    rerank.save(args.out, model, meta)
    log(f"wrote {args.out} (step {res['steps']} of {res['total_steps']})")


def distill_groups(model, tokenizer, twins: list[dict], work: Path) -> list[dict]:
    """Each parallel group in the question's own language and in the other (or in each of its `views`: question,
    sentences and their languages), all with the target logits the starting model gives the own-language reading
    (computed once, kept in `work` so a resumed run reads the same)."""
    import hashlib

    import numpy as np

    from synth.judge.verifier import cross

    key = hashlib.md5(json.dumps([[t["question"], t["own"]] for t in twins], ensure_ascii=False).encode()).hexdigest()[:12]
    cache = work / f"teacher-{key}.npy"
    if cache.exists():
        target = np.load(cache)
    else:
        model.eval()
        qs = [t["question"] for t in twins for _ in t["own"]]
        ss = [s for t in twins for s in t["own"]]
        target = cross.predict_logits(model, tokenizer, qs, ss, 32, model.cfg.max_length)[:, 0].reshape(len(twins), -1)
        work.mkdir(parents=True, exist_ok=True)
        np.save(cache, target)
        log(f"teacher logits for {len(twins)} groups: answer {target[:, 0].mean():.2f}, others {target[:, 1:].mean():.2f}")
    out = []
    for t, row in zip(twins, target.tolist()):
        views = t.get("views") or [(t["question"], t["other"], t["qlang"], t["olang"])]
        out.append({"question": t["question"], "candidates": t["own"], "target": row, "source": f"{t['source']}-own",
                    "qlang": t["qlang"], "slang": t["qlang"]})  # fmt: skip
        for question, sentences, qlang, slang in views:
            out.append({"question": question, "candidates": sentences, "target": row, "source": f"{t['source']}-other",
                        "qlang": qlang, "slang": slang})  # fmt: skip
    return out


def export_checkpoint(model, work: Path, tag: str, total: int) -> dict:
    """Load the last checkpoint of this plan into `model`: {steps, total_steps}."""
    import torch

    state = torch.load(work / "checkpoint.pt", map_location="cpu", weights_only=False)
    if state.get("tag") != tag:
        raise SystemExit("the checkpoint in --work belongs to another plan (data, plan or model differ)")
    model.load_trainable(state["model"])
    model.eval()
    return {"steps": int(state["step"]), "total_steps": total}


if __name__ == "__main__":
    main()
