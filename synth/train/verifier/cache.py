"""A chunked on-disk cache of encoded texts (sentence vector + real token vectors), for training and evaluation."""

from __future__ import annotations

import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Sequence

import numpy as np

from ...judge.verifier.pairs import EncodedText, encode_texts


def _key(kind: str, text: str) -> str:
    return hashlib.sha1(f"{kind}\x00{text}".encode()).hexdigest()


class EncodingCache:
    """EncodedText per (kind, text) in chunk files under `folder` (tokens as float16); resumable chunk by chunk."""

    def __init__(self, folder: Path) -> None:
        self.dir = Path(folder)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.items: dict[str, tuple[Path, int]] = {}
        for f in sorted(self.dir.glob("chunk-*.json")):  # a chunk's .json is written last: it marks completion
            for i, k in enumerate(json.loads(f.read_text())):
                self.items[k] = (f.with_suffix(".npz"), i)
        self._loaded: dict[Path, dict] = {}

    def missing(self, wanted: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
        """The (kind, text) pairs not cached yet, once each."""
        return [w for w in dict.fromkeys(wanted) if _key(*w) not in self.items]

    def fill(self, encoder, wanted: Sequence[tuple[str, str]], chunk: int = 512, quiet: bool = False) -> None:
        """Encode every missing (kind, text), `chunk` texts per file."""
        if isinstance(encoder, CachedEncoder):  # its own fills would write chunks under the names this one is writing
            encoder = encoder.encoder
        todo = sorted(self.missing(wanted), key=lambda w: len(w[1]))  # similar lengths batch with little padding
        if not todo:
            return
        start = len(list(self.dir.glob("chunk-*.json")))
        t0 = time.time()
        for c, s in enumerate(range(0, len(todo), chunk)):
            part = todo[s : s + chunk]
            encs: list[tuple[tuple[str, str], EncodedText]] = []
            for kind in ("query", "passage"):
                texts = [t for k, t in part if k == kind]
                encs += list(zip([(kind, t) for t in texts], encode_texts(encoder, texts, kind)))
            keys = [_key(*w) for w, _ in encs]
            name = self.dir / f"chunk-{start + c:05d}"
            np.savez(
                name.with_suffix(".npz"),
                vec=np.stack([e.vec for _, e in encs]).astype(np.float32),
                tok=np.concatenate([e.tokens for _, e in encs]).astype(np.float16),
                lens=np.array([e.tokens.shape[0] for _, e in encs]),
            )
            name.with_suffix(".json").write_text(json.dumps(keys))
            for i, k in enumerate(keys):
                self.items[k] = (name.with_suffix(".npz"), i)
            if not quiet:
                done = s + len(part)
                print(f"encode: {done}/{len(todo)} ({done / (time.time() - t0):.1f} texts/s)", file=sys.stderr, flush=True)

    def get(self, kind: str, text: str, dtype=np.float32) -> EncodedText:
        """The cached encoding of `text` as `kind` (KeyError if absent); token vectors as `dtype`."""
        path, i = self.items[_key(kind, text)]
        if path not in self._loaded:
            z = np.load(path)
            offs = np.concatenate([[0], np.cumsum(z["lens"])])
            self._loaded[path] = {"vec": z["vec"], "tok": z["tok"], "offs": offs}
        d = self._loaded[path]
        return EncodedText(d["vec"][i], d["tok"][d["offs"][i] : d["offs"][i + 1]].astype(dtype))


class CachedEncoder:
    """An encoder whose encodings go through an EncodingCache (evaluation reruns encode nothing twice)."""

    def __init__(self, encoder, cache: EncodingCache) -> None:
        self.encoder, self.cache, self.id = encoder, cache, encoder.id

    def encode(self, texts: Sequence[str], kind: str = "passage") -> np.ndarray:
        self.cache.fill(self.encoder, [(kind, t) for t in texts], quiet=True)
        return np.stack([self.cache.get(kind, t).vec for t in texts])

    def encode_with_tokens(self, texts: Sequence[str], kind: str = "passage"):
        import torch

        self.cache.fill(self.encoder, [(kind, t) for t in texts], quiet=True)
        items = [self.cache.get(kind, t) for t in texts]
        width = max(it.tokens.shape[0] for it in items)
        toks = torch.zeros(len(items), width, items[0].tokens.shape[1])
        mask = torch.zeros(len(items), width, dtype=torch.bool)
        for i, it in enumerate(items):
            toks[i, : it.tokens.shape[0]] = torch.from_numpy(it.tokens)
            mask[i, : it.tokens.shape[0]] = True
        return np.stack([it.vec for it in items]), toks, mask

    def tokens(self, texts: Sequence[str], kind: str = "passage"):
        return self.encode_with_tokens(texts, kind)[1:]
