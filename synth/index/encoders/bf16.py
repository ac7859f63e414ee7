"""The bfloat16 copy of a model that `encode` runs when SYNTH_ENCODER_PRECISION resolves to bf16."""

from __future__ import annotations

import copy
from typing import Any

import torch


class CastEmbedding(torch.nn.Module):
    """A token lookup in another model's embedding matrix, its rows cast to `dtype`. The matrix is neither copied nor
    converted, and only the rows a text uses are read: e5-small's 250k x 384 matrix is 96 of its 118 M parameters
    (a bf16 copy of it is 192 MB, and converting it reads all 384 MB of the fp32 weights file)."""

    def __init__(self, source: torch.nn.Embedding, dtype: torch.dtype) -> None:
        super().__init__()
        object.__setattr__(self, "source", source)  # not a submodule: .to() and state_dict() leave it alone
        self.out_dtype = dtype

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.source(ids).to(self.out_dtype)


def bf16_copy(model: Any) -> Any:
    """An eval-mode bfloat16 copy of `model` that looks tokens up in `model`'s own (fp32) embedding matrix; `model`
    itself is untouched."""
    memo: dict[int, Any] = {}
    try:
        embedding = model.get_input_embeddings()
    except (AttributeError, NotImplementedError):
        embedding = None
    if isinstance(embedding, torch.nn.Embedding):
        memo[id(embedding)] = CastEmbedding(embedding, torch.bfloat16)
    return copy.deepcopy(model, memo).to(torch.bfloat16).eval()
