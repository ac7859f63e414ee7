"""A Hugging Face transformer as an Encoder: batched mean (or CLS) pooling, token states for OT alignment.

torch and transformers are imported inside methods only, so importing this module stays instant.
"""

from __future__ import annotations

import copy
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Mapping, Sequence

import numpy as np

from ...errors import ModelError
from .base import Kind

if TYPE_CHECKING:
    import torch

E5_PREFIXES = {"query": "query: ", "passage": "passage: "}


def available_cores() -> int:
    """CPU cores this process may run on (cgroup/affinity aware where the OS tells)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


PRECISIONS = ("auto", "fp32", "bf16", "int8")


def native_bf16() -> bool:
    """Whether this CPU multiplies bfloat16 matrices in hardware (Intel AMX), where bf16 encoding was measured
    3.3x faster than fp32; elsewhere bf16 may be emulated and slower."""
    import torch

    probe = getattr(torch.cpu, "_is_amx_tile_supported", None)
    return bool(probe and probe())


def resolve_precision(precision: str) -> str:
    """`fp32`, `bf16` or `int8` for a Settings.encoder_precision value; ModelError for an unknown one."""
    if precision not in PRECISIONS:
        raise ModelError(f"unknown encoder precision {precision!r} (choose {', '.join(PRECISIONS)})")
    # auto is never int8: on an AVX2 CPU without AMX or VNNI, int8 `optical` ran at 1.09x fp32 with vectors at cosine
    # 0.967 and XNLI evidence recall@1 5 points lower (bench/bench_int8.py)
    if precision == "auto":
        return "bf16" if native_bf16() else "fp32"
    return precision


def configure_torch() -> None:
    """Cap torch's intra-op threads at the available cores and silence transformers' load chatter."""
    import torch
    from transformers.utils import logging as hf_logging

    if torch.get_num_threads() > available_cores():
        torch.set_num_threads(available_cores())
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()


@dataclass
class TokenStates:
    """Last hidden states of a batch. Unpacks as `(hidden, mask)`; `attention_mask` is what `pool` takes.

    hidden: (n, L, d) float; mask: (n, L) bool, True on the text's own tokens (no special, padding or
    `query: `/`passage: ` prefix tokens); attention_mask: (n, L) bool, every non-padding position.
    """

    hidden: "torch.Tensor"
    mask: "torch.Tensor"
    attention_mask: "torch.Tensor"

    def __iter__(self) -> Iterator["torch.Tensor"]:
        return iter((self.hidden, self.mask))


def tokenize(tokenizer: Any, texts: Sequence[str], prefix: str, max_length: int) -> dict[str, "torch.Tensor"]:
    """Model inputs for `prefix + text` (padded, truncated) plus `content_mask`: the text's own tokens, i.e. no
    special, padding or prefix tokens (e5's 'query', ':' are not content)."""
    import torch

    enc = tokenizer(
        [prefix + t for t in texts],
        padding=True,
        truncation=True,
        max_length=max_length,
        return_tensors="pt",
        return_special_tokens_mask=True,
        return_offsets_mapping=True,
    )
    offsets = enc.pop("offset_mapping")
    special = enc.pop("special_tokens_mask").bool()
    attention = enc["attention_mask"].bool()
    in_prefix = offsets[..., 0] < len(prefix) if prefix else torch.zeros_like(attention)
    out = dict(enc)
    out["content_mask"] = attention & ~special & ~in_prefix
    return out


class TransformerEncoder:
    """Any transformers encoder model + tokenizer, pooled into L2-normalised sentence vectors.

    `id` names model and adapter exactly (it keys the embedding cache). For training, `model`, `tokenizer`,
    `prefix(kind)`, `max_length`, `token_states(texts, kind, grad=True)` and `pool(hidden, attention_mask)`
    are public.
    """

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        id: str,
        *,
        prefixes: Mapping[str, str] | None = None,
        pooling: str = "mean",
        max_length: int = 512,
        batch_size: int = 32,
    ) -> None:
        if pooling not in ("mean", "cls"):
            raise ModelError(f"unsupported pooling {pooling!r} for encoder {id}")
        self.model = model
        self.tokenizer = tokenizer
        self.id = id
        self.prefixes = dict(prefixes or {})
        self.pooling = pooling
        self.max_length = max_length
        self.batch_size = batch_size
        self.dim = int(model.config.hidden_size)
        self.source: str | None = None  # the directory or Hub name the weights came from, when loaded
        self.precision = "fp32"  # of `encode` only: "bf16" / "int8" run it on a bfloat16 / int8 copy (made once)
        self._bf16: Any = None
        self._int8: Any = None

    def __repr__(self) -> str:
        return f"TransformerEncoder({self.id!r})"

    # -- loading ------------------------------------------------------------------------------
    @classmethod
    def from_pretrained(
        cls,
        name_or_path: str | Path,
        id: str | None = None,
        *,
        prefixes: Mapping[str, str] | None = None,
        bert_no_pooler: bool = False,
    ) -> "TransformerEncoder":
        """Load a local directory or a Hub name; sentence-transformers configs (pooling, max length,
        prompts) are honoured when present. Any failure becomes a one-line ModelError."""
        configure_torch()
        from transformers import AutoModel, AutoTokenizer, BertModel

        src = str(name_or_path)
        try:
            tokenizer = AutoTokenizer.from_pretrained(src)
            if bert_no_pooler:
                model = BertModel.from_pretrained(src, add_pooling_layer=False)
            else:
                model = AutoModel.from_pretrained(src)
        except Exception as exc:  # noqa: BLE001 - transformers raises many kinds; the user needs one line
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise ModelError(f"cannot load encoder {src!r}: {first}") from exc
        model.eval()
        _trim_heap()
        for module in _st_json(src, "modules.json") or []:
            kind = str(module.get("type", "")).rsplit(".", 1)[-1]
            if kind not in ("Transformer", "Pooling", "Normalize"):
                raise ModelError(f"cannot load encoder {src!r}: sentence-transformers module {kind} is not supported")
        st = _st_json(src, "sentence_bert_config.json") or {}
        pool_cfg = _st_json(src, "1_Pooling/config.json") or {}
        prompts = (_st_json(src, "config_sentence_transformers.json") or {}).get("prompts") or {}
        if prefixes is None:
            prefixes = {k: v for k, v in prompts.items() if k in ("query", "passage")}
            if not prefixes and "e5" in Path(src).name.lower():
                prefixes = E5_PREFIXES
        limit = min(
            int(st.get("max_seq_length") or 10**9),
            int(getattr(tokenizer, "model_max_length", 10**9) or 10**9),
            int(getattr(model.config, "max_position_embeddings", 512) or 512),
        )
        enc = cls(
            model,
            tokenizer,
            id or src,
            prefixes=prefixes,
            pooling="cls" if pool_cfg.get("pooling_mode_cls_token") else "mean",
            max_length=limit,
        )
        enc.source = src
        return enc

    def quantize(self) -> "TransformerEncoder":
        """A copy with int8 dynamically quantised Linear layers (inference only; id gets `@int8`).

        Weights are quantised per output channel: on e5-small that keeps cosine to fp32 at 0.989 mean / 0.973
        min over 230 bitext sentences (per-tensor: 0.981 / 0.954) at the same ~1.9x less CPU time.
        """
        from .int8 import int8_copy

        out = self.with_model(int8_copy(self.model), f"{self.id}@int8")
        out.precision = "fp32"  # int8 is its own arithmetic
        return out

    def with_model(self, model: Any, id: str) -> "TransformerEncoder":
        """A copy of this encoder (tokenizer, prefixes, pooling, precision) around other weights."""
        out = copy.copy(self)
        out.model, out.id, out._bf16, out._int8 = model, id, None, None  # the copies belong to the old weights
        return out

    def encode_model(self) -> Any:
        """The model `encode` runs: with precision "bf16" a bfloat16 copy of the model, with "int8" a copy with int8
        dynamically quantised Linears (each made on first use; the fp32 model, which training and token states use,
        is untouched), else the model itself."""
        if self.precision == "bf16":
            if self._bf16 is None:
                from .bf16 import bf16_copy

                self._bf16 = bf16_copy(self.model)
                _trim_heap()
            return self._bf16
        if self.precision == "int8":
            if self._int8 is None:
                from .int8 import int8_copy

                self._int8 = int8_copy(self.model)
                _trim_heap()
            return self._int8
        return self.model

    # -- the Encoder protocol -----------------------------------------------------------------
    def prefix(self, kind: Kind) -> str:
        """The text prepended for `kind` (`query: ` / `passage: ` for e5; empty for most models)."""
        return self.prefixes.get(kind, "")

    def features(self, texts: Sequence[str], kind: Kind = "passage") -> dict[str, "torch.Tensor"]:
        """Tokenised, padded, truncated model inputs plus `content_mask` (the text's own tokens)."""
        return tokenize(self.tokenizer, texts, self.prefix(kind), self.max_length)

    def token_states(self, texts: Sequence[str], kind: Kind = "passage", grad: bool = False,
                     model: Any = None) -> TokenStates:
        """Forward one batch (through `model`, default the fp32 model); `grad=True` keeps the autograd graph (for
        training through the model)."""
        import torch

        feats = self.features(texts, kind)
        content = feats.pop("content_mask")
        inputs = {k: v for k, v in feats.items() if k in ("input_ids", "attention_mask", "token_type_ids")}
        with torch.set_grad_enabled(grad):
            hidden = (self.model if model is None else model)(**inputs).last_hidden_state
        return TokenStates(hidden, content, inputs["attention_mask"].bool())

    def pool(self, hidden: "torch.Tensor", attention_mask: "torch.Tensor", normalize: bool = True) -> "torch.Tensor":
        """Sentence vectors (n, d) from token states: mean over `attention_mask` (or CLS), L2-normalised."""
        import torch

        if self.pooling == "cls":
            vec = hidden[:, 0]
        else:
            m = attention_mask.to(hidden.dtype).unsqueeze(-1)
            vec = (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(vec, dim=-1) if normalize else vec

    def encode(self, texts: Sequence[str], kind: Kind = "passage", batch_size: int | None = None) -> np.ndarray:
        """(n, d) float32 L2-normalised vectors; batched over length-sorted texts, input order kept; in the arithmetic
        of `precision` (pooling and normalising in float32)."""
        import torch

        texts = list(texts)
        model = self.encode_model()
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        size = batch_size or self.batch_size
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))  # little padding per batch
        with torch.inference_mode():
            for start in range(0, len(order), size):
                idx = order[start : start + size]
                st = self.token_states([texts[i] for i in idx], kind, model=model)
                out[idx] = self.pool(st.hidden.float(), st.attention_mask).numpy()
        return out

    def encode_with_tokens(
        self, texts: Sequence[str], kind: Kind = "passage"
    ) -> "tuple[np.ndarray, torch.Tensor, torch.Tensor]":
        """`encode` and `tokens` of one batch from a single forward pass (no length sorting)."""
        st = self.token_states(list(texts), kind)
        return self.pool(st.hidden, st.attention_mask).float().numpy(), st.hidden.float(), st.mask

    def tokens(self, texts: Sequence[str], kind: Kind = "passage") -> "tuple[torch.Tensor, torch.Tensor]":
        """Token vectors (n, L, d) float32 and the bool mask of the text's own tokens."""
        st = self.token_states(list(texts), kind)
        return st.hidden.float(), st.mask


def _trim_heap() -> None:
    """Hand freed heap back to the OS: building e5's 250k-piece Unigram leaves ~270 MB of garbage (glibc only)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def copy_sharing_embeddings(model: Any) -> Any:
    """Deep copy of a model that shares its input embedding matrix (most of e5's memory; not quantised)."""
    memo: dict[int, Any] = {}
    try:
        weight = model.get_input_embeddings().weight
        memo[id(weight)] = weight
    except (AttributeError, NotImplementedError):
        pass
    return copy.deepcopy(model, memo)


def _st_json(src: str, filename: str) -> dict[str, Any] | None:
    """A sentence-transformers config file beside the model (local dir, or Hub cache/online), or None."""
    local = Path(src)
    if local.is_dir():
        path = local / filename
        return json.loads(path.read_text()) if path.is_file() else None
    try:
        from huggingface_hub import hf_hub_download

        return json.loads(Path(hf_hub_download(src, filename)).read_text())
    except Exception:  # noqa: BLE001 - the file is optional
        return None
