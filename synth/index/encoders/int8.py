"""The int8 copy of a model that `encode` runs when SYNTH_ENCODER_PRECISION resolves to int8 (and `@int8` encoders).

torch dynamic quantisation: every Linear's weights stored as int8 (per output channel), activations quantised per
batch on the fly; the input embedding matrix (most of e5-small's parameters) is shared with the fp32 model, not
copied or quantised. Opt-in only (SYNTH_ENCODER_PRECISION=int8): `python bench/bench_int8.py` on a 2-core AMD EPYC
(AVX2, no VNNI or AMX) measured `optical` at 1.09x fp32's passages/s (1,000 SciFact passages, median of 3), vectors at
cosine 0.967 mean to fp32 and evidence recall@1 0.674 against 0.724 on XNLI test (3,600 claims; field set 0.935 vs
0.957). e5-small alone keeps cosine 0.987: the merged `optical` adapter is what int8 weights hurt.
"""

from __future__ import annotations

import copy
import warnings
from typing import Any

import torch


def int8_copy(model: Any) -> Any:
    """An eval-mode copy of `model` with int8 dynamically quantised Linear layers (weights per output channel) that
    shares `model`'s input embedding matrix; `model` itself is untouched."""
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    memo: dict[int, Any] = {}
    try:
        weight = model.get_input_embeddings().weight
        memo[id(weight)] = weight  # Embedding is not quantised: the copy looks tokens up in the same matrix
    except (AttributeError, NotImplementedError):
        pass
    with warnings.catch_warnings():  # torch.ao.quantization is deprecated in favour of torchao (not installed)
        warnings.simplefilter("ignore", (DeprecationWarning, UserWarning))
        qmodel = quantize_dynamic(
            copy.deepcopy(model, memo),
            {torch.nn.Linear: per_channel_dynamic_qconfig},
            dtype=torch.qint8,
            inplace=True,
        )
    return qmodel.eval()
