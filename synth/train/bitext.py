"""Parallel sentences (TSV, English first) and the fixed train / held-out split used by `distill` and `eval`.

Split rule (per row, independent of file order and of the other rows): a pair is TRAIN iff
int(sha1(english.strip() as UTF-8).hexdigest(), 16) % 10 < 5, otherwise HELD-OUT. Rows that share an English
sentence therefore always land on the same side, so no English sentence is both trained on and evaluated.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Literal, Sequence

from ..errors import BadInputError

Split = Literal["train", "heldout", "all"]
TRAIN_BUCKETS = 5  # of 10


@dataclass(frozen=True)
class Pair:
    """One bitext row: an English sentence, its translation, and where it came from."""

    en: str
    xx: str
    source: str  # file stem, e.g. "eng-swa"


def is_train(english: str) -> bool:
    """The split rule: sha1 of the stripped English sentence, mod 10, below 5 -> train."""
    digest = hashlib.sha1(english.strip().encode("utf-8")).hexdigest()
    return int(digest, 16) % 10 < TRAIN_BUCKETS


def read_tsv(path: str | Path) -> list[Pair]:
    """All rows of a two-column TSV (English first); blank lines are skipped, malformed ones are an error."""
    path = Path(path)
    if not path.is_file():
        raise BadInputError(f"bitext file not found: {path}")
    pairs: list[Pair] = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.rstrip("\n").rstrip("\r")
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.split("\t")
            if len(cols) < 2 or not cols[0].strip() or not cols[1].strip():
                raise BadInputError(f"{path}:{lineno}: expected 'english<TAB>translation'")
            pairs.append(Pair(cols[0].strip(), cols[1].strip(), path.stem))
    if not pairs:
        raise BadInputError(f"{path}: no sentence pairs")
    return pairs


def split(pairs: Iterable[Pair], which: Split) -> list[Pair]:
    """The pairs of one side of the fixed split ('train', 'heldout') or all of them."""
    if which == "all":
        return list(pairs)
    want = which == "train"
    return [p for p in pairs if is_train(p.en) == want]


def load(paths: Sequence[str | Path], which: Split) -> dict[str, list[Pair]]:
    """{file stem: pairs of that split} for each file, in the order given."""
    return {Path(p).stem: split(read_tsv(p), which) for p in paths}


def file_digest(path: str | Path) -> str:
    """sha256 of a bitext file, recorded in the artefact so its training data can be checked."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
