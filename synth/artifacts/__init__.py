"""Where shipped artefacts live: distilled encoder adapters (encoders/<name>/) and the verifier (verifier/).

The one lookup used by loading and training alike. An encoder artefact is a folder holding `artifact.json`;
`name` is looked up in one order: the shipped name first (`synth/artifacts/encoders/<name>/`), then `name` as a
directory path (`~` expanded). So `optical` always means the shipped adapter, whatever the working directory
holds; an absolute path is never shadowed. Imports nothing heavy (no torch).
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ModelError

HERE = Path(__file__).resolve().parent
ENCODERS_DIR = HERE / "encoders"  # one folder per shipped distilled encoder
VERIFIER_DIR = HERE / "verifier"  # the shipped verifier's weights and verifier.json
ARTIFACT_FILE = "artifact.json"

__all__ = ["ARTIFACT_FILE", "ENCODERS_DIR", "VERIFIER_DIR", "find_encoder", "resolve_encoder", "shipped_encoders",
           "verifier_dir"]


def find_encoder(name: str | Path) -> Path | None:
    """The encoder artefact folder `name` means (shipped name first, then a path), or None."""
    for path in (ENCODERS_DIR / str(name), Path(name).expanduser()):
        if (path / ARTIFACT_FILE).is_file():
            return path
    return None


def resolve_encoder(name: str | Path) -> Path:
    """Like `find_encoder`, but ModelError when `name` is no encoder artefact."""
    path = find_encoder(name)
    if path is None:
        raise ModelError(f"no distilled encoder artefact at {name} (expected a directory with {ARTIFACT_FILE})")
    return path


def shipped_encoders() -> list[str]:
    """Names of the encoder artefacts shipped inside the package."""
    if not ENCODERS_DIR.is_dir():
        return []
    return sorted(p.name for p in ENCODERS_DIR.iterdir() if (p / ARTIFACT_FILE).is_file())


def verifier_dir() -> Path:
    """Folder of the shipped verifier weights inside the installed package."""
    return VERIFIER_DIR
