"""LoRA on BERT layers: wrap the attention and FFN linears of some layers in rank-r adapters, run layers on hidden
states, and read the learned tensors back out. Both the product (the cross-encoder verifier loads its LoRA) and the
trainers (train/distill.py, train/verifier/) use it; it imports no training code."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Sequence

from .adapter import submodule

if TYPE_CHECKING:
    import torch

LORA_MODULES = (
    "attention.self.query",
    "attention.self.key",
    "attention.self.value",
    "attention.output.dense",
    "intermediate.dense",
    "output.dense",
)


def run_layers(layers: Sequence[Any], hidden: "torch.Tensor", attention_mask: "torch.Tensor") -> "torch.Tensor":
    """Run BERT layers on hidden states (B, L, d) with a bool padding mask (B, L)."""
    import torch

    ext = (~attention_mask[:, None, None, :]).to(hidden.dtype) * torch.finfo(hidden.dtype).min
    for layer in layers:
        out = layer(hidden, ext)
        hidden = out[0] if isinstance(out, tuple) else out
    return hidden


def _lora_linear_class():
    import torch
    from torch import nn

    class LoRALinear(nn.Module):
        """y = W x + b + (alpha / r) * B A x, with W, b frozen; B starts at zero so training starts at the base."""

        def __init__(self, base: nn.Linear, rank: int, alpha: float, generator: torch.Generator) -> None:
            super().__init__()
            self.base = base
            for p in self.base.parameters():
                p.requires_grad_(False)
            self.scale = alpha / rank
            a = torch.empty(rank, base.in_features)
            bound = 1.0 / math.sqrt(base.in_features)
            a.uniform_(-bound, bound, generator=generator)
            self.lora_A = nn.Parameter(a)
            self.lora_B = nn.Parameter(torch.zeros(base.out_features, rank))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.base(x) + (x @ self.lora_A.t() @ self.lora_B.t()) * self.scale

    return LoRALinear


def _set(module: Any, path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        module = getattr(module, part)
    setattr(module, last, value)


def add_lora(layers: Any, first_index: int, rank: int, alpha: float, seed: int) -> dict[str, Any]:
    """Wrap LORA_MODULES of each layer in `layers` (a ModuleList slice starting at absolute layer `first_index`);
    returns {"layer.<i>.<module path>": LoRALinear}."""
    import torch

    cls = _lora_linear_class()
    gen = torch.Generator().manual_seed(seed)
    wrapped: dict[str, Any] = {}
    for offset, layer in enumerate(layers):
        for path in LORA_MODULES:
            lin = submodule(layer, path)
            lora = cls(lin, rank, alpha, gen)
            _set(layer, path, lora)
            wrapped[f"layer.{first_index + offset}.{path}"] = lora
    return wrapped


def adapter_state(wrapped: dict[str, Any]) -> dict[str, "torch.Tensor"]:
    """The learned tensors only, flat names -> contiguous CPU tensors (what goes into safetensors)."""
    state = {}
    for name, lora in wrapped.items():
        state[f"{name}.lora_A"] = lora.lora_A.detach().cpu().contiguous()
        state[f"{name}.lora_B"] = lora.lora_B.detach().cpu().contiguous()
    return state
