"""Fine-tune the cross-encoder verifier (cross.py) on labelled (claim, evidence) pairs, resumably.

Length-bucketed batches with dynamic padding, AdamW with linear warm-up and decay, gradient clipping, fixed seeds.
A checkpoint (the trainable tensors, optimiser, schedule, step) is written atomically every `checkpoint_every` steps;
a killed run started again with the same pairs and plan continues at its last checkpoint and ends with the same
weights as an uninterrupted run. `minutes` stops a run early at a checkpoint, to be resumed later.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from ...errors import BadInputError
from ...judge.verifier.cross import length_batches, tokenize_pairs

CHECKPOINT = "checkpoint.pt"


@dataclass
class TrainPlan:
    """Optimisation settings of one fine-tuning run."""

    batch_size: int = 16
    lr: float = 5e-4  # LoRA tensors
    head_lr: float = 2e-3
    weight_decay: float = 0.01
    warmup: int = 200
    epochs: float = 1.0
    seed: int = 13
    checkpoint_every: int = 100
    clip: float = 1.0


def plan_tag(pairs: Sequence[dict], plan: TrainPlan, config: Any) -> str:
    """A fingerprint of the data, plan and model config: a checkpoint resumes only the run it belongs to."""
    h = hashlib.md5(json.dumps([asdict(plan), asdict(config)], sort_keys=True).encode())
    for p in pairs:
        h.update(f"{p['claim']}\x1f{p['evidence']}\x1f{p['label']}\x1e".encode())
    return h.hexdigest()[:12]


def _schedule(step: int, warmup: int, total: int) -> float:
    if step < warmup:
        return (step + 1) / warmup
    return max(0.0, (total - step) / max(1, total - warmup))


def train(model: Any, tokenizer: Any, pairs: Sequence[dict], plan: TrainPlan, work: Path,
          log: Callable[[str], None] = print, minutes: float | None = None) -> dict[str, Any]:
    """Train `model` (a cross.CrossModel) on pairs (dicts with claim, evidence, label 0/1/2) with checkpoints in
    `work`. Returns a summary: steps done, total steps, whether finished, pairs/s of this process."""
    import torch

    if not pairs:
        raise BadInputError("no training pairs")

    def batch_loss(idx: np.ndarray) -> tuple[Any, int]:
        enc = tokenize_pairs(tokenizer, [pairs[i]["claim"] for i in idx], [pairs[i]["evidence"] for i in idx],
                             model.cfg.max_length)
        y = torch.tensor([int(pairs[i]["label"]) for i in idx])
        return torch.nn.functional.cross_entropy(model(**enc), y), len(idx)

    lengths = [len(p["claim"]) + len(p["evidence"]) for p in pairs]
    return train_loop(model, lengths, batch_loss, plan, work, plan_tag(pairs, plan, model.cfg), log, minutes)


def train_loop(model: Any, lengths: Sequence[int], batch_loss: Callable[[np.ndarray], tuple[Any, int]],
               plan: TrainPlan, work: Path, tag: str, log: Callable[[str], None] = print,
               minutes: float | None = None) -> dict[str, Any]:  # fmt: skip
    """The resumable optimisation loop: length-bucketed batches of item indices, `batch_loss(indices)` -> (loss,
    pairs read); AdamW on the LoRA tensors and the head, checkpoints in `work` tagged `tag`."""
    import torch

    work.mkdir(parents=True, exist_ok=True)
    n_batches = len(length_batches(lengths, plan.batch_size, np.random.default_rng(0)))
    total = max(1, int(round(plan.epochs * n_batches)))
    params = [
        {"params": [p for n, p in model.named_parameters() if p.requires_grad and not n.startswith("head.")], "lr": plan.lr},
        {"params": list(model.head.parameters()), "lr": plan.head_lr},
    ]
    opt = torch.optim.AdamW(params, weight_decay=plan.weight_decay)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: _schedule(s, plan.warmup, total))
    step, history = 0, []
    ck = work / CHECKPOINT
    if ck.exists():
        state = torch.load(ck, map_location="cpu", weights_only=False)
        if state.get("tag") == tag:
            model.load_trainable(state["model"])
            opt.load_state_dict(state["opt"])
            sched.load_state_dict(state["sched"])
            step, history = int(state["step"]), list(state.get("history", []))
            log(f"resuming at step {step} of {total}")
        else:
            log("checkpoint belongs to another run (data, plan or model changed): starting afresh")

    def save() -> None:
        tmp = ck.with_suffix(".tmp")
        torch.save(dict(tag=tag, model=model.trainable_state(), opt=opt.state_dict(), sched=sched.state_dict(),
                        step=step, history=history), tmp)
        os.replace(tmp, ck)

    epoch_batches: dict[int, list[np.ndarray]] = {}
    t0, seen, running = time.time(), 0, []
    model.train()
    while step < total:
        epoch = step // n_batches
        if epoch not in epoch_batches:
            epoch_batches = {epoch: length_batches(lengths, plan.batch_size, np.random.default_rng(plan.seed + epoch))}
        idx = epoch_batches[epoch][step % n_batches]
        torch.manual_seed(plan.seed * 100003 + step)  # dropout masks depend on the step only: resumes match
        loss, n_read = batch_loss(idx)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_([p for g in params for p in g["params"]], plan.clip)
        opt.step()
        sched.step()
        step += 1
        seen += n_read
        running.append(float(loss.detach()))
        if step % 50 == 0 or step == total:
            rate = seen / max(1e-9, time.time() - t0)
            history.append(dict(step=step, loss=float(np.mean(running)), pairs_per_s=rate))
            log(f"step {step}/{total} loss {np.mean(running):.4f} {rate:.1f} pairs/s")
            running = []
        if step % plan.checkpoint_every == 0 or step == total:
            save()
            if minutes is not None and time.time() - t0 > minutes * 60 and step < total:
                log(f"stopping at step {step} after {minutes} min (resume to continue)")
                break
    model.eval()
    return dict(steps=step, total_steps=total, finished=step >= total, tag=tag,
                pairs_per_s=seen / max(1e-9, time.time() - t0), seconds=time.time() - t0, history=history)
