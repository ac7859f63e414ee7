"""SYNTH_ENCODER_PRECISION=int8: `encode` runs an int8 dynamically quantised copy; everything else the fp32 model."""

from __future__ import annotations

import numpy as np
import pytest

from synth.config import Settings
from synth.errors import ModelError
from synth.index.encoders import load_encoder
from synth.index.encoders import transformer
from synth.index.encoders.transformer import TransformerEncoder, resolve_precision

SENTENCES = [
    "Optimal transport aligns the token distributions of two sentences.",
    "Vitamin D supplementation reduces the risk of acute respiratory infections in adults.",
    "Kamati iliidhinisha bajeti mpya ya shule za umma.",  # Swahili
    "Die Ergebnisse zeigen eine deutliche Verbesserung gegenüber dem Basismodell.",
    "委员会批准了公立学校的新预算。",
]


@pytest.mark.parametrize("value, want", [("fp32", "fp32"), ("bf16", "bf16"), ("int8", "int8")])
def test_explicit_precisions_resolve_to_themselves(value: str, want: str) -> None:
    assert resolve_precision(value) == want


@pytest.mark.parametrize("amx, want", [(True, "bf16"), (False, "fp32")])
def test_auto_is_bf16_with_amx_else_fp32(monkeypatch: pytest.MonkeyPatch, amx: bool, want: str) -> None:
    # int8 stays opt-in: on an AVX2 CPU without AMX it measured no faster than fp32 and moved `optical`'s vectors to
    # cosine 0.97 (bench/bench_int8.py)
    monkeypatch.setattr(transformer, "native_bf16", lambda: amx)
    assert resolve_precision("auto") == want


@pytest.mark.parametrize("value", ["INT8", "int4", "qint8", "fp16", ""])
def test_unknown_precision_is_refused(value: str) -> None:
    with pytest.raises(ModelError, match="precision"):
        resolve_precision(value)


def tiny_encoder() -> TransformerEncoder:
    """A small random BERT (no tokenizer: only the model copies are looked at)."""
    import torch
    from transformers import BertConfig, BertModel

    torch.manual_seed(0)
    config = BertConfig(vocab_size=100, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=64)
    return TransformerEncoder(BertModel(config, add_pooling_layer=False).eval(), None, "tiny")


def test_int8_copy_serves_encode_and_leaves_the_fp32_model_alone() -> None:
    import torch
    from torch.ao.nn.quantized.dynamic import Linear as DynamicLinear

    enc = tiny_encoder()
    assert enc.encode_model() is enc.model  # fp32 by default
    enc.precision = "int8"
    q = enc.encode_model()
    assert q is not enc.model and enc.encode_model() is q  # made once
    assert any(isinstance(m, DynamicLinear) for m in q.modules())
    assert not any(isinstance(m, DynamicLinear) for m in enc.model.modules())  # training / token states: fp32
    assert all(p.dtype == torch.float32 for p in enc.model.parameters())
    assert q.get_input_embeddings().weight is enc.model.get_input_embeddings().weight  # shared, not copied
    ids = torch.tensor([[1, 5, 7, 9, 2]])
    with torch.inference_mode():
        a, b = enc.model(input_ids=ids).last_hidden_state, q(input_ids=ids).last_hidden_state
    cos = torch.nn.functional.cosine_similarity(a.mean(1), b.mean(1)).item()
    assert cos > 0.95, cos
    other = enc.with_model(enc.model, "tiny2")
    assert other._int8 is None  # copies belong to the weights they were made from


@pytest.mark.slow
def test_int8_encoding_stays_close_to_fp32_and_token_states_stay_fp32() -> None:
    fp32 = load_encoder("e5-small", Settings.from_env(encoder_precision="fp32"))
    int8 = load_encoder("e5-small", Settings.from_env(encoder_precision="int8"))
    assert fp32.precision == "fp32" and int8.precision == "int8" and int8.id == fp32.id
    for kind in ("query", "passage"):
        a, b = int8.encode(SENTENCES, kind), fp32.encode(SENTENCES, kind)
        cosines = (a * b).sum(1)
        assert cosines.mean() >= 0.98 and cosines.min() >= 0.97, cosines
        assert np.allclose(np.linalg.norm(a, axis=1), 1, atol=1e-5)
    assert int8.encode_model() is not int8.model
    hidden, mask = int8.tokens(SENTENCES[:2])  # the verifier's token states: the fp32 model's, exactly
    ref_hidden, ref_mask = fp32.tokens(SENTENCES[:2])
    assert hidden.dtype == ref_hidden.dtype and bool((mask == ref_mask).all())
    assert float((hidden - ref_hidden).abs().max()) < 1e-5
