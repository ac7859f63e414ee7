"""Apply a distilled LoRA adapter to a loaded encoder: read artifact.json, merge adapter.safetensors.

What loading an artefact needs, without the trainer (synth.train.distill writes artefacts and imports this module;
this module never imports it). torch and safetensors are imported inside the functions that use them.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...artifacts import ARTIFACT_FILE, resolve_encoder
from ...errors import ModelError

if TYPE_CHECKING:
    import torch

ADAPTER_FILE = "adapter.safetensors"


def bert_layers(model: Any) -> Any:
    """The transformer layers of a BERT-style model (`model.encoder.layer`); ModelError for anything else."""
    try:
        return model.encoder.layer
    except AttributeError as exc:
        raise ModelError("distillation needs a BERT-style model (model.encoder.layer)") from exc


def submodule(module: Any, path: str) -> Any:
    """`module.a.b.c` for path 'a.b.c'."""
    for part in path.split("."):
        module = getattr(module, part)
    return module


def merge_adapter(model: Any, state: dict[str, torch.Tensor], scale: float) -> int:
    """Add scale * B @ A into each named Linear of `model` in place; returns how many linears changed."""
    import torch

    layers = bert_layers(model)
    names = sorted({k.rsplit(".", 1)[0] for k in state})
    with torch.no_grad():
        for name in names:
            _, idx, path = name.split(".", 2)
            lin = submodule(layers[int(idx)], path)
            a, b = state[f"{name}.lora_A"], state[f"{name}.lora_B"]
            if lin.weight.shape != (b.shape[0], a.shape[1]):
                raise ModelError(f"adapter tensor {name} does not fit the base model")
            lin.weight += scale * (b @ a).to(lin.weight.dtype)
    return len(names)


def read_artifact(path: str | Path) -> dict[str, Any]:
    """artifact.json of an artefact directory (or of a name under synth/artifacts/encoders/)."""
    path = resolve_encoder(path)
    try:
        return json.loads((path / ARTIFACT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read {path / ARTIFACT_FILE}: {exc}") from exc


def attach_artifact(base_encoder: Any, path: str | Path) -> Any:
    """The base encoder with a distilled adapter merged in: a new encoder object (the base one is unchanged)
    whose `model` carries the merged weights and whose `id` names the artefact."""
    from safetensors.torch import load_file

    path = resolve_encoder(path)
    info = read_artifact(path)
    try:
        state = load_file(str(path / info.get("adapter_file", ADAPTER_FILE)))
    except Exception as exc:  # safetensors raises several types for bad files
        raise ModelError(f"cannot read the adapter in {path}: {exc}") from exc
    from .transformer import copy_sharing_embeddings

    model = copy_sharing_embeddings(base_encoder.model)
    merge_adapter(model, state, float(info["lora_scale"]))
    model.eval()
    digest = hashlib.sha256((path / info.get("adapter_file", ADAPTER_FILE)).read_bytes()).hexdigest()[:8]
    enc = base_encoder.with_model(model, f"{getattr(base_encoder, 'id', info.get('base', 'base'))}+{path.name}-{digest}")
    enc.artifact_dir = path
    return enc
