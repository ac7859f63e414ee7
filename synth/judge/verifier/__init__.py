"""Claim verification models (the Verifier seam lives in base.py).

`load_verifier(settings)` gives the shipped offline verifier named by `settings.verifier.model`: `cross` (v4, the
default, cross.py: e5-small as a fine-tuned cross-encoder, synth/artifacts/verifier/cross/), `cross-v5` (the same
cross-encoder continued on more claim data, one model without v3's stances; opt-in until it measures better,
synth/artifacts/verifier/cross-v5/) or `features` (v3, model.py: frozen e5-small features + small trained heads,
synth/artifacts/verifier/); `load_verifier(settings, nli="name")` a
sentence-transformers CrossEncoder NLI model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import LABELS, Judgement, Stance, Verifier

if TYPE_CHECKING:
    from pathlib import Path

    from ...config import Settings

__all__ = ["LABELS", "Judgement", "Stance", "Verifier", "load_verifier", "artifact_dir", "CROSS_MODELS"]

# the SYNTH_VERIFIER_MODEL names of the cross-encoder artefacts, each the name of its folder under synth/artifacts/verifier/
CROSS_MODELS = ("cross", "cross-v5")


def artifact_dir() -> Path:
    """Folder of the shipped verifier weights inside the installed package (`synth.artifacts.verifier_dir`)."""
    from ...artifacts import verifier_dir

    return verifier_dir()


def load_verifier(settings: "Settings", nli: str | None = None, encoder=None) -> Verifier:
    """The offline verifier (or a CrossEncoder NLI model when `nli` names one); `encoder` overrides the e5 encoder."""
    from ...errors import ModelError

    if settings.verifier.plugin:
        return _named_verifier(settings.verifier.plugin)(settings, nli)
    if nli:
        from .nli import CrossEncoderVerifier

        return CrossEncoderVerifier.load(nli, settings)
    if settings.verifier.model in CROSS_MODELS:
        from . import cross

        folder = artifact_dir() / settings.verifier.model
        if not (folder / cross.CONFIG_FILE).is_file() or not (folder / cross.WEIGHTS_FILE).is_file():
            raise ModelError(f"cross-encoder verifier weights missing in {folder}; rebuild with scripts/train_cross.py")
        return cross.from_folder(folder, settings)
    if settings.verifier.model != "features":
        raise ModelError(f"unknown verifier model {settings.verifier.model!r} (SYNTH_VERIFIER_MODEL: cross, cross-v5 or features)")
    from . import model

    folder = artifact_dir()
    if not (folder / "verifier.json").is_file() or not list(folder.glob("head*.npz")):
        raise ModelError(f"verifier weights missing in {folder}; rebuild with scripts/train_verifier.py")
    return model.from_folder(folder, encoder, settings)


def _named_verifier(spec: str):
    """The `module:function` named by SYNTH_VERIFIER (ModelError when it cannot be imported)."""
    import importlib

    from ...errors import ModelError

    module, _, attr = spec.partition(":")
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ModelError(f"verifier {spec!r} (SYNTH_VERIFIER) cannot be loaded: give module:function ({exc})") from exc
