"""OT distillation (OPTICAL) and the KD baseline as one training loop that learns a small LoRA adapter.

What is learned: rank-r LoRA on the attention (query/key/value/output) and FFN (intermediate/output) linears of
the student's top `lora_layers` transformer layers; everything else, the 96 M-parameter embedding matrix
included, is frozen. Because nothing below the first adapted layer changes, the hidden states that enter it are
computed once per sentence and cached, so a training step only runs the top layers (fast on 2 CPU cores).
Every method sees the same student, bitext, order of batches, steps and seed (a fair comparison).

Artefact layout (`synth/artifacts/encoders/<name>/`): adapter.safetensors, artifact.json, train_log.jsonl.
Finding artefacts is `synth.artifacts`; merging one into a loaded encoder is `synth.index.encoders.adapter` (so loading
an encoder never imports this trainer).
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

from ..artifacts import ARTIFACT_FILE, ENCODERS_DIR, resolve_encoder, shipped_encoders
from ..config import BASE_ENCODER
from ..errors import BadInputError
from ..index.encoders.adapter import (
    ADAPTER_FILE,
    bert_layers,
)
from ..index.encoders.lora import adapter_state, add_lora, run_layers
from .bitext import Pair

if TYPE_CHECKING:
    import torch
    from torch import nn

METHODS = ("ot", "kd", "ot+kd")
LOG_DIR = Path(__file__).resolve().parents[2] / "data" / "train-logs"  # training logs: not package data
ARTIFACTS_DIR = ENCODERS_DIR  # the shipped encoder artefacts, one folder each (`synth distill --out NAME` writes there)
resolve_artifact = resolve_encoder  # older names, kept importable from here
shipped_artifacts = shipped_encoders


# -- what the trainer needs from an encoder ---------------------------------------------------------------------


@dataclass
class TextModel:
    """A BERT-style model with its tokenizer and the text prefix it expects (e5: 'query: ')."""

    model: Any
    tokenizer: Any
    prefix: str = ""
    max_length: int = 48

    @classmethod
    def from_encoder(cls, encoder: Any, kind: str = "query", max_length: int = 48) -> "TextModel":
        """Adapt a synth TransformerEncoder (`model`, `tokenizer`, `prefix(kind)`) or pass a TextModel through."""
        if isinstance(encoder, TextModel):
            return encoder
        prefix = encoder.prefix(kind) if callable(getattr(encoder, "prefix", None)) else ""
        return cls(encoder.model, encoder.tokenizer, prefix or "", max_length)

    def batch(self, texts: Sequence[str]) -> dict[str, "torch.Tensor"]:
        """Tokenise: input_ids, attention_mask and `real` (the text's own tokens: no special, pad or prefix)."""
        from ..index.encoders.transformer import tokenize

        enc = tokenize(self.tokenizer, texts, self.prefix, self.max_length)
        return {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"].bool(), "real": enc["content_mask"]}


def mean_pool(hidden: "torch.Tensor", attention_mask: "torch.Tensor") -> "torch.Tensor":
    """Mean over the attended tokens, then L2-normalised (the pooling of both MiniLM and e5)."""
    import torch

    m = attention_mask.to(hidden.dtype).unsqueeze(-1)
    pooled = (hidden * m).sum(1) / m.sum(1).clamp_min(1e-9)
    return torch.nn.functional.normalize(pooled, dim=-1)


# -- cached inputs ------------------------------------------------------------------------------------------------


@dataclass
class DistillCache:
    """Per-sentence tensors computed once: the teacher's token vectors and sentence embedding of each English
    sentence, and the student's hidden states entering its first adapted layer for every sentence."""

    start_layer: int
    teacher_tokens: dict[str, "torch.Tensor"] = field(default_factory=dict)  # (n_real, d_t)
    teacher_sentence: dict[str, "torch.Tensor"] = field(default_factory=dict)  # (d_t,)
    student_hidden: dict[str, "torch.Tensor"] = field(default_factory=dict)  # (L, d_s) incl. specials
    student_real: dict[str, "torch.Tensor"] = field(default_factory=dict)  # (L,) bool


def build_cache(
    pairs: Sequence[Pair],
    teacher: TextModel | None,
    student: TextModel,
    lora_layers: int,
    batch_size: int = 32,
    progress: bool = True,
) -> DistillCache:
    """Encode every distinct sentence once (no gradients); teacher=None caches the student side only."""
    import torch
    from tqdm import tqdm

    n_layers = len(bert_layers(student.model))
    if not 1 <= lora_layers <= n_layers:
        raise BadInputError(f"lora_layers must be in 1..{n_layers}")
    cache = DistillCache(start_layer=n_layers - lora_layers)
    by_length = lambda t: (len(t), t)  # noqa: E731 - batches of similar length pad less
    english = sorted({p.en for p in pairs}, key=by_length) if teacher is not None else []
    every = sorted({p.en for p in pairs} | {p.xx for p in pairs}, key=by_length)
    if teacher is not None:
        teacher.model.eval()
    student.model.eval()
    bar = tqdm(total=len(english) + len(every), desc="caching", unit="sent", disable=not progress, file=sys.stderr)
    with torch.no_grad():
        for i in range(0, len(english), batch_size):
            chunk = english[i : i + batch_size]
            b = teacher.batch(chunk)
            hidden = teacher.model(input_ids=b["input_ids"], attention_mask=b["attention_mask"].long()).last_hidden_state
            sent = mean_pool(hidden, b["attention_mask"])
            for j, text in enumerate(chunk):
                cache.teacher_tokens[text] = hidden[j][b["real"][j]].clone()
                cache.teacher_sentence[text] = sent[j].clone()
            bar.update(len(chunk))
        bottom = bert_layers(student.model)[: cache.start_layer]
        for i in range(0, len(every), batch_size):
            chunk = every[i : i + batch_size]
            b = student.batch(chunk)
            emb = student.model.embeddings(
                input_ids=b["input_ids"], token_type_ids=torch.zeros_like(b["input_ids"])
            )
            hidden = run_layers(bottom, emb, b["attention_mask"])
            for j, text in enumerate(chunk):
                n = int(b["attention_mask"][j].sum())
                cache.student_hidden[text] = hidden[j, :n].clone()
                cache.student_real[text] = b["real"][j, :n].clone()
            bar.update(len(chunk))
    bar.close()
    return cache


def cache_key(pairs: Sequence[Pair], teacher_id: str, student_id: str, lora_layers: int, max_length: int) -> str:
    """What a cache depends on: the sentences, both models and the cut (adapted layers, token cap)."""
    h = hashlib.sha256(f"{teacher_id}\n{student_id}\n{lora_layers}\n{max_length}\n".encode())
    for p in sorted({(p.en, p.xx) for p in pairs}):
        h.update(f"{p[0]}\t{p[1]}\n".encode())
    return h.hexdigest()[:16]


_CACHE_PARTS = ("teacher_tokens", "teacher_sentence", "student_hidden", "student_real")


def cached_build(folder: Path, key: str, build: Callable[[], DistillCache]) -> DistillCache:
    """The cache stored as `folder/KEY.pt` when present, else `build()` stored there atomically. Stored in float16
    and used as stored (the first run too), so every run on it trains on the same numbers. An unreadable file is
    rebuilt."""
    import torch

    path = folder / f"{key}.pt"
    doc = None
    if path.is_file():
        try:
            doc = torch.load(path, map_location="cpu", weights_only=True)
        except Exception:  # noqa: BLE001 - a torn or foreign file: rebuild it
            path.unlink(missing_ok=True)
    if doc is None:
        cache = build()
        doc = {"start_layer": cache.start_layer} | {
            name: {k: v.half() if v.is_floating_point() else v for k, v in getattr(cache, name).items()}
            for name in _CACHE_PARTS}
        folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        torch.save(doc, tmp)
        os.replace(tmp, path)
    parts = [{k: v.float() if v.is_floating_point() else v for k, v in doc[name].items()} for name in _CACHE_PARTS]
    return DistillCache(int(doc["start_layer"]), *parts)


def _pad(seqs: Sequence["torch.Tensor"]) -> tuple["torch.Tensor", "torch.Tensor"]:
    """Right-pad (L_i, d) tensors to (B, L, d) and return the bool mask (B, L)."""
    import torch

    length = max(1, max(s.shape[0] for s in seqs))
    out = seqs[0].new_zeros(len(seqs), length, *seqs[0].shape[1:])
    mask = torch.zeros(len(seqs), length, dtype=torch.bool)
    for i, s in enumerate(seqs):
        out[i, : s.shape[0]] = s
        mask[i, : s.shape[0]] = True
    return out, mask


def embed_cached(layers: Any, cache: DistillCache, texts: Sequence[str], batch_size: int = 64) -> "torch.Tensor":
    """(n, d) L2-normalised sentence embeddings of cached texts run through `layers` (the top of the student)."""
    import torch

    out = []
    with torch.no_grad():
        for i in range(0, len(texts), batch_size):
            hidden, attn = _pad([cache.student_hidden[t] for t in texts[i : i + batch_size]])
            out.append(mean_pool(run_layers(layers, hidden, attn), attn))
    return torch.cat(out) if out else torch.zeros(0)


def fit_projection(base_top: Any, cache: DistillCache, english: Sequence[str], ridge: float = 1.0) -> "nn.Linear":
    """A linear map from the base student's space to the teacher's, fitted by ridge regression on the English
    sentence embeddings (student -> teacher). The losses compare teacher vectors with *projected* student
    vectors, so the student need not move into the teacher's (unrelated) space; only translations are pulled
    together. Trained along with the adapter, used only in training, not saved."""
    import torch

    s = embed_cached(base_top, cache, list(english))
    t = torch.stack([cache.teacher_sentence[e] for e in english]).to(s.dtype)
    w = torch.linalg.solve(s.T @ s + ridge * torch.eye(s.shape[1]), s.T @ t)  # (d_s, d_t)
    proj = torch.nn.Linear(s.shape[1], t.shape[1], bias=False)
    with torch.no_grad():
        proj.weight.copy_(w.T)
    return proj


def top_layers(student: Any, cache: DistillCache) -> Any:
    """The student's own (unadapted) top layers that follow the cached hidden states."""
    return bert_layers(TextModel.from_encoder(student).model)[cache.start_layer :]


# -- training -----------------------------------------------------------------------------------------------------


@dataclass
class TrainConfig:
    """Every knob of a distillation run; all of it is written into artifact.json."""

    method: str = "ot"
    steps: int = 200
    reg: float = 0.05
    tau: float | None = None
    seed: int = 0
    lr: float = 5e-4
    batch_size: int = 16
    lora_rank: int = 8
    lora_alpha: float = 16.0
    lora_layers: int = 4
    max_length: int = 48
    sinkhorn_iters: int = 50
    en_anchor: bool = True
    projection: str = "ridge"  # student -> teacher map used by the losses only: "ridge" (fitted, then trained) or "none"

    def check(self) -> None:
        if self.method not in METHODS:
            raise BadInputError(f"unknown method {self.method!r}; choose one of {', '.join(METHODS)}")
        if self.steps < 1 or self.batch_size < 1 or self.reg <= 0 or self.lr <= 0:
            raise BadInputError("steps, batch size, reg and lr must be positive")
        if self.projection not in ("ridge", "none"):
            raise BadInputError(f"unknown projection {self.projection!r} (ridge or none)")
        if self.tau is not None and self.tau <= 0:
            raise BadInputError("--unbalanced TAU must be positive")


@dataclass
class TrainResult:
    """The learned adapter (flat tensors), the loss history and the wall time."""

    config: TrainConfig
    state: dict[str, Any]
    losses: list[dict[str, float]]
    seconds: float
    n_pairs: int
    top: Any = None  # the adapted top layers (LoRA unmerged), for quick evaluation on cached inputs

    def embed(self, cache: "DistillCache", texts: Sequence[str], batch_size: int = 64) -> "torch.Tensor":
        """Sentence embeddings of cached texts through the adapted top layers (no gradients)."""
        return embed_cached(self.top, cache, texts, batch_size)

    @property
    def final_loss(self) -> float:
        tail = [r["loss"] for r in self.losses[-20:]]
        return sum(tail) / max(1, len(tail))


def batch_order(n_pairs: int, steps: int, batch_size: int, seed: int) -> list[list[int]]:
    """Deterministic batches: seeded permutations of the pairs, one after another, cut into batches."""
    import numpy as np

    rng = np.random.default_rng(seed)
    flat: list[int] = []
    while len(flat) < steps * batch_size:
        flat.extend(rng.permutation(n_pairs).tolist())
    return [flat[i * batch_size : (i + 1) * batch_size] for i in range(steps)]


def train(
    method: str,
    bitext_pairs: Sequence[Pair],
    teacher: Any,
    student: Any,
    steps: int = 200,
    reg: float = 0.05,
    seed: int = 0,
    lr: float = 5e-4,
    batch_size: int = 16,
    out: str | Path | None = None,
    log_dir: str | Path = LOG_DIR,
    *,
    tau: float | None = None,
    cache: DistillCache | None = None,
    cache_dir: str | Path | None = None,
    progress: bool = True,
    meta: dict[str, Any] | None = None,
    **knobs: Any,
) -> TrainResult:
    """Distil `teacher` into a LoRA adapter on `student` with `method` in ('ot', 'kd', 'ot+kd').

    `teacher` / `student`: synth encoders (with `model`, `tokenizer`, `prefix`) or TextModels; neither is
    modified. `knobs` set further TrainConfig fields (lora_rank, lora_layers, max_length, ...). With `cache_dir`, the
    encoded sentences are kept there and reused by a later run on the same data and models. With `out`,
    the artefact (adapter.safetensors, artifact.json with `meta` merged in, train_log.jsonl) is written there.
    """
    import torch
    from tqdm import tqdm

    from .losses import KDLoss, OTDistillLoss

    cfg = TrainConfig(method=method, steps=steps, reg=reg, tau=tau, seed=seed, lr=lr, batch_size=batch_size, **knobs)
    cfg.check()
    pairs = list(bitext_pairs)
    if not pairs:
        raise BadInputError("no training pairs (is the train split of the bitext empty?)")
    t_model = TextModel.from_encoder(teacher, "query", cfg.max_length)
    s_model = TextModel.from_encoder(student, "query", cfg.max_length)
    t_model.max_length = s_model.max_length = cfg.max_length
    if cache is None and cache_dir is not None:
        key = cache_key(pairs, str(getattr(teacher, "id", teacher)), str(getattr(student, "id", student)),
                        cfg.lora_layers, cfg.max_length)
        cache = cached_build(Path(cache_dir), key,
                             lambda: build_cache(pairs, t_model, s_model, cfg.lora_layers, progress=progress))
    elif cache is None:
        cache = build_cache(pairs, t_model, s_model, cfg.lora_layers, progress=progress)
    elif cache.start_layer != len(bert_layers(s_model.model)) - cfg.lora_layers:
        raise BadInputError("the cache was built for a different number of adapted layers")

    torch.manual_seed(cfg.seed)
    top = copy.deepcopy(bert_layers(s_model.model)[cache.start_layer :])
    top.eval()  # no dropout: deterministic, and the same behaviour as at inference
    for p in top.parameters():
        p.requires_grad_(False)
    wrapped = add_lora(top, cache.start_layer, cfg.lora_rank, cfg.lora_alpha, cfg.seed)
    params = [p for lora in wrapped.values() for p in (lora.lora_A, lora.lora_B)]
    proj = None
    if cfg.projection == "ridge":
        proj = fit_projection(bert_layers(s_model.model)[cache.start_layer :], cache, sorted({p.en for p in pairs}))
        params += list(proj.parameters())
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=0.0)
    ot_loss = OTDistillLoss(reg=cfg.reg, tau=cfg.tau, n_iter=cfg.sinkhorn_iters, projection=proj)
    kd_loss = KDLoss()

    def student_forward(texts: list[str]) -> tuple["torch.Tensor", "torch.Tensor", "torch.Tensor"]:
        hidden, attn = _pad([cache.student_hidden[t] for t in texts])
        real, _ = _pad([cache.student_real[t] for t in texts])
        hidden = run_layers(top, hidden, attn)
        return hidden, real & attn, mean_pool(hidden, attn)

    losses: list[dict[str, float]] = []
    start = time.perf_counter()
    bar = tqdm(batch_order(len(pairs), cfg.steps, cfg.batch_size, cfg.seed), desc=f"distill {cfg.method}",
               unit="step", disable=not progress, file=sys.stderr)
    for step, idx in enumerate(bar, 1):
        batch = [pairs[i] for i in idx]
        en = [p.en for p in batch]
        xx = [p.xx for p in batch]
        t_tok, t_mask = _pad([cache.teacher_tokens[t] for t in en])
        t_sent = torch.stack([cache.teacher_sentence[t] for t in en])
        s_xx_tok, s_xx_mask, s_xx_sent = student_forward(xx)
        s_en_tok, s_en_mask, s_en_sent = student_forward(en)
        parts: dict[str, torch.Tensor] = {}
        if "ot" in cfg.method.split("+"):
            parts["ot"] = ot_loss(t_tok, t_mask, s_xx_tok, s_xx_mask)
            if cfg.en_anchor:
                parts["ot"] = parts["ot"] + ot_loss(t_tok, t_mask, s_en_tok, s_en_mask)
        if "kd" in cfg.method.split("+"):
            if proj is not None:
                s_en_sent = torch.nn.functional.normalize(proj(s_en_sent), dim=-1)
                s_xx_sent = torch.nn.functional.normalize(proj(s_xx_sent), dim=-1)
            parts["kd"] = kd_loss(s_en_sent, s_xx_sent, t_sent)
        loss = sum(parts.values())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        row = {"step": step, "loss": float(loss.detach())} | {k: float(v.detach()) for k, v in parts.items()}
        row["seconds"] = round(time.perf_counter() - start, 3)
        losses.append(row)
        bar.set_postfix(loss=f"{row['loss']:.4f}")
    bar.close()
    result = TrainResult(cfg, adapter_state(wrapped), losses, time.perf_counter() - start, len(pairs), top)
    if out is not None:
        save_artifact(result, out, meta or {}, log_dir)
    return result


# -- artefacts ----------------------------------------------------------------------------------------------------


def save_artifact(result: TrainResult, out: str | Path, meta: dict[str, Any], log_dir: str | Path = LOG_DIR) -> Path:
    """Write adapter.safetensors and artifact.json into directory `out`, and the training log (one JSON line per
    step) to `log_dir/<name of out>.jsonl` (the repository's data/train-logs/: logs do not ship with the package)."""
    from safetensors.torch import save_file

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    save_file(result.state, str(out / ADAPTER_FILE))
    log_path = Path(log_dir) / f"{out.name}.jsonl"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    cfg = asdict(result.config)
    info = {
        "format": "synth-lora-adapter/1",
        "method": cfg.pop("method"),
        "base": meta.pop("base", BASE_ENCODER),
        "teacher": meta.pop("teacher", "minilm"),
        "reg": cfg.pop("reg"),
        "tau": cfg.pop("tau"),
        "steps": cfg.pop("steps"),
        "seed": cfg.pop("seed"),
        "train": cfg,
        "lora_scale": result.config.lora_alpha / result.config.lora_rank,
        "n_train_pairs": result.n_pairs,
        "final_loss": round(result.final_loss, 6),
        "train_seconds": round(result.seconds, 1),
        "adapter_file": ADAPTER_FILE,
        "log_file": _shown(log_path),
    } | meta
    (out / ARTIFACT_FILE).write_text(json.dumps(info, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    with log_path.open("w", encoding="utf-8") as fh:
        for row in result.losses:
            fh.write(json.dumps(row) + "\n")
    return out


def _shown(path: Path) -> str:
    """`path` relative to the repository when it is inside it (as artifact.json records it), else absolute."""
    try:
        return str(path.resolve().relative_to(LOG_DIR.parents[1]))
    except ValueError:
        return str(path.resolve())


PROJECT_BITEXT = Path(__file__).resolve().parents[2] / "data" / "bitext"


def licence_for(files: Sequence[Path]) -> str:
    """MIT when every file is project-written bitext, otherwise the strictest licence of the data (Tatoeba)."""
    other = [Path(f).name for f in files if Path(f).resolve().parent != PROJECT_BITEXT]
    if not other:
        return "MIT (trained only on project-written bitext)"
    tatoeba = [n for n in other if n.startswith("eng-")]
    xnli = [n for n in other if n.startswith("xnli-dev-eng-")]  # scripts/xnli_bitext.py
    if tatoeba and len(tatoeba) + len(xnli) == len(other):
        extra = "; XNLI dev sentences, CC-BY-NC-4.0" if xnli else ""
        return ("CC-BY-NC-SA-4.0 (inherits the Tatoeba Translation Challenge packaging of part of the training "
                f"data{extra})")
    if xnli and len(xnli) == len(other):
        return "CC-BY-NC-4.0 (inherits XNLI's licence: part of the training data is XNLI dev)"
    return f"inherits the licence of the training data not written by the project: {', '.join(other)}"


def artifact_meta(files: Sequence[Path], split: str, per_file: dict[str, list[Pair]], teacher: str, student: str,
                  t_enc: Any, s_enc: Any, command: str) -> dict[str, Any]:
    """What artifact.json records about models and data, beyond the training knobs."""
    from .bitext import file_digest

    return {
        "base": student,
        "base_id": getattr(s_enc, "id", student),
        "teacher": teacher,
        "teacher_id": getattr(t_enc, "id", teacher),
        "data": [{"file": Path(f).name, "sha256": file_digest(f), "split": split, "pairs": len(per_file[Path(f).stem])}
                 for f in files],
        "split_rule": "train iff int(sha1(english.strip()).hexdigest(), 16) % 10 < 5 (synth.train.bitext.is_train)",
        "licence": licence_for(files),
        "command": command,
    }
