"""The ANN index of the passage embeddings: a usearch HNSW file beside the database, kept consistent with the store.

Files, for database `db/synth.db` and embedding model key `K` (`"{encoder.id}|passage"`), `H` = sha256(K)[:12]:

    db/synth.db.H.ann          the usearch index (HNSW, inner product on unit vectors, f16 storage); keys = passage ids
    db/synth.db.H.ann.ids.npy  (passage id, fingerprint) pairs it holds, sorted by id; fingerprint = 64 bits of the
                               passage text's sha256, so a passage whose text changed under the same id is seen
    db/synth.db.H.ann.json     the manifest: format, library and version, model key, dim, count, sha256 of both files,
                               and a probe (a few (text sha256, vector digest) pairs checked against the embeddings table)

`sync` reads the manifest, checks every file against it and the probe against the embeddings table, then scans the
passages (in id order, in batches: the corpus is never held in memory) and brings the index in line: new passages
are added, changed or deleted ones removed, through the embedding cache (only texts never embedded are encoded). A
missing, corrupt or foreign index (other model, dim, library version, format or HNSW parameters), or one whose probe
vectors no longer match the embeddings table, is rebuilt from scratch, with the reason reported. Files are written to
temporary names and renamed; the manifest last, so a crash leaves a state the next `sync` detects. Never silently
wrong.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import MissingExtraError
from .encoders.cache import cache_key, text_sha256

if TYPE_CHECKING:
    from ..store import Store

FORMAT = 1
DTYPE = "f16"  # half-precision storage: half the memory of f32 at the same recall (bench/bench_ann_choice.py)
# HNSW M and efConstruction, chosen with bench/tune_ann.py on the scale benchmark's 10^5 corpus (e5-small query
# encodings against passage vectors): recall@10 at ef 512 / 2048 was 0.765 / 0.869 with M=16/128, 0.901 / 0.961 with
# M=32/256 and 0.956 / 0.978 with M=32/512 (twice the build time); p95 under 12 ms throughout (README, "Scale")
CONNECTIVITY = 32
EXPANSION_ADD = 256
PROBES = 8  # vectors checked against the embeddings table on every open
SCAN_BATCH = 10_000  # passages per store read while syncing


def available() -> bool:
    """Whether the ANN library (the `scale` extra) is installed."""
    try:
        import usearch.index  # noqa: F401
    except ImportError:
        return False
    return True


def _usearch() -> Any:
    try:
        import usearch
        from usearch.index import Index
    except ImportError as exc:
        raise MissingExtraError('the ANN index needs usearch: install the [scale] extra (pip install "synth[scale]")') from exc
    return usearch, Index


def paths(db: Path, model: str) -> tuple[Path, Path, Path]:
    """(index, ids, manifest) files for database `db` and model key `model`."""
    base = f"{Path(db).name}.{hashlib.sha256(model.encode()).hexdigest()[:12]}.ann"
    folder = Path(db).parent
    return folder / base, folder / f"{base}.ids.npy", folder / f"{base}.json"


def fingerprints(shas: Sequence[str]) -> np.ndarray:
    """64-bit fingerprints of text sha256 hex digests."""
    return np.array([int(s[:16], 16) for s in shas], dtype=np.uint64)


def _file_sha(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            h.update(block)
    return h.hexdigest()


def _vec_digest(v: np.ndarray) -> str:
    return hashlib.sha256(np.asarray(v, dtype=np.float32).tobytes()).hexdigest()[:16]


@dataclass
class SyncResult:
    """What `sync` found and did."""

    count: int = 0  # vectors in the index afterwards
    added: int = 0
    removed: int = 0
    encoded: int = 0  # texts encoded because the embedding cache lacked them
    rebuilt: str = ""  # why the index was rebuilt from scratch ("" when it was not)
    bytes: int = 0  # index file size
    seconds: float = 0.0
    path: Path | None = None


class AnnIndex:
    """A read-only, memory-mapped view of a synced index: `search(qv, k) -> (passage ids, cosines)`."""

    def __init__(self, path: Path, expansion_search: int = 128) -> None:
        _, Index = _usearch()
        self.path = path
        self._index = Index.restore(str(path), view=True)
        if self._index is None:
            raise ValueError(f"not a usearch index: {path}")
        self._index.expansion_search = expansion_search

    def __len__(self) -> int:
        return len(self._index)

    def search(self, qv: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The (up to) `k` nearest passage ids by inner product, best first, with their (approximate) cosines."""
        if len(self._index) == 0 or k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        m = self._index.search(np.asarray(qv, dtype=np.float32), min(k, len(self._index)))
        return np.asarray(m.keys, dtype=np.int64), (1.0 - np.asarray(m.distances, dtype=np.float32))


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on `path` (two processes syncing one index take turns)."""
    import fcntl

    with open(path, "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _write(path: Path, write: Callable[[Path], None]) -> None:
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    write(tmp)
    os.replace(tmp, path)


def _check(store: Store, model: str, index_path: Path, ids_path: Path, manifest_path: Path,
           expansion_add: int = EXPANSION_ADD) -> tuple[str, dict]:  # fmt: skip
    """("" and the manifest) when the files agree with each other and with the embeddings table, else (why not, {})."""
    usearch, _ = _usearch()
    if not manifest_path.exists():
        return ("no index yet" if not index_path.exists() else "the manifest is missing"), {}
    try:
        man = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "the manifest is unreadable", {}
    want = {"format": FORMAT, "library": "usearch", "library_version": usearch.__version__, "model": model, "dtype": DTYPE,
            "connectivity": CONNECTIVITY, "expansion_add": expansion_add}  # fmt: skip
    for key, value in want.items():
        if man.get(key) != value:
            return f"the index was built with {key} {man.get(key)!r}, now {value!r}", {}
    if man.get("count", 0) == 0:
        return ("", man) if not index_path.exists() else ("the index holds vectors its manifest does not list", {})
    for path, key in ((index_path, "index_sha256"), (ids_path, "ids_sha256")):
        if not path.exists():
            return f"{path.name} is missing", {}
        if _file_sha(path) != man.get(key):
            return f"{path.name} does not match its manifest (corrupt or written by another process)", {}
    probe = man.get("probe") or []
    have = store.vectors(model, [sha for sha, _ in probe])
    for sha, digest in probe:
        v = have.get(sha)
        if v is None or _vec_digest(v) != digest or v.shape[0] != man.get("dim"):
            return "the embeddings table no longer holds the vectors the index was built from (encoder changed?)", {}
    return "", man


def sync(
    store: Store,
    encoder: Any,
    *,
    rebuild: bool = False,
    encode: Callable[[list[str]], np.ndarray] | None = None,
    progress: bool = False,
    log: Callable[[str], None] | None = None,
    expansion_add: int = EXPANSION_ADD,
) -> SyncResult:
    """Bring the ANN index of `store`'s passages under `encoder` in line with the store; see the module docstring.

    `encode(texts) -> (n, d)` encodes texts the embedding cache lacks (default: `encoder.encode(texts, "passage")`);
    `rebuild` starts from an empty index. `log` gets a line when the index is rebuilt and why. `expansion_add` is
    HNSW's efConstruction (Settings.ann_expansion_add); an index built with another one is rebuilt."""
    _, Index = _usearch()
    started = time.perf_counter()
    model = cache_key(encoder, "passage")
    index_path, ids_path, manifest_path = paths(store.path, model)
    res = SyncResult(path=index_path)
    with _locked(index_path.with_name(index_path.name + ".lock")):
        why, man = ("asked to rebuild", {}) if rebuild else _check(store, model, index_path, ids_path, manifest_path, expansion_add)
        why, old_ids, old_fp = _old_entries(ids_path, why, man)
        target = _LazyIndex(Index, index_path, len(old_ids), expansion_add)  # loaded only when something changes
        _note_rebuild(res, why, log, index_path)
        seen = np.zeros(len(old_ids), dtype=bool)
        new_ids: list[np.ndarray] = []
        new_fp: list[np.ndarray] = []
        probe: list[list[str]] = list(man.get("probe") or []) if not why else []
        dim = int(man.get("dim") or 0)
        bar = _progress_bar(store, progress)
        for batch in store.passage_texts(SCAN_BATCH):
            ids, shas, fp, known, same = _match(batch, old_ids, old_fp, seen)
            changed = known & ~same
            if changed.any():
                target.loaded().remove(ids[changed].astype(np.uint64))
                res.removed += int(changed.sum())
            todo = np.flatnonzero(~same)
            if len(todo):
                vecs = _vectors(store, encoder, model, [shas[i] for i in todo], [batch[i][1] for i in todo], encode, res)
                dim = target.add(ids[todo].astype(np.uint64), vecs, dim)
                res.added += len(todo)
                if len(probe) < PROBES:
                    probe += [[shas[i], _vec_digest(v)] for i, v in zip(todo[: PROBES - len(probe)], vecs)]
            new_ids.append(ids)
            new_fp.append(fp)
            if bar is not None:
                bar.update(len(batch))
        if bar is not None:
            bar.close()
        _remove_gone(target, old_ids[~seen], res)
        all_ids = np.concatenate(new_ids) if new_ids else np.zeros(0, dtype=np.int64)
        all_fp = np.concatenate(new_fp) if new_fp else np.zeros(0, dtype=np.uint64)
        res.count = len(all_ids)
        if why or res.added or res.removed:
            index = target.loaded()
            _save(index, index_path, ids_path, manifest_path, all_ids, all_fp, model, dim, probe, expansion_add)
        res.bytes = index_path.stat().st_size if index_path.exists() else 0
    res.seconds = time.perf_counter() - started
    return res


class _LazyIndex:
    """The index `sync` changes: restored from its file only on the first change, since a view serves the searches."""

    def __init__(self, index_cls: Any, path: Path, count: int, expansion_add: int) -> None:
        self.index_cls = index_cls
        self.path = path
        self.count = count  # vectors the file should hold (0: nothing to restore)
        self.expansion_add = expansion_add
        self.index: Any = None

    def loaded(self) -> Any:
        """The index in memory, restored (and checked) on first use; None while there is none to restore."""
        if self.index is None and self.count:
            self.index = self.index_cls.restore(str(self.path), view=False)
            if self.index is None or len(self.index) != self.count:
                raise RuntimeError(f"{self.path} changed while it was being updated")
            # not stored in the file: vectors added now get the same breadth
            self.index.expansion_add = self.expansion_add
        return self.index

    def add(self, keys: np.ndarray, vecs: np.ndarray, dim: int) -> int:
        """Add `vecs` under `keys`, first creating an empty index of their width if there is none; the index's dim."""
        if self.loaded() is None:
            dim = int(vecs.shape[1])
            self.index = self.index_cls(ndim=dim, metric="ip", dtype=DTYPE, connectivity=CONNECTIVITY,
                                        expansion_add=self.expansion_add)  # fmt: skip
        self.index.add(keys, vecs)
        return dim


def _remove_gone(target: _LazyIndex, gone: np.ndarray, res: SyncResult) -> None:
    """Remove from the index the passages the store no longer holds (ids the scan did not see), counting them."""
    if len(gone):
        target.loaded().remove(gone.astype(np.uint64))
        res.removed += len(gone)


def _old_entries(ids_path: Path, why: str, man: dict) -> tuple[str, np.ndarray, np.ndarray]:
    """(why, ids, fingerprints) the index holds per its id list: none when it is to be rebuilt, so all are re-added."""
    old_ids = np.zeros(0, dtype=np.int64)
    old_fp = np.zeros(0, dtype=np.uint64)
    if not why and man.get("count", 0):
        data = np.load(ids_path)
        old_ids, old_fp = data[0].astype(np.int64), data[1].astype(np.uint64)
        if len(old_ids) != man["count"]:
            why, old_ids, old_fp = "the index and its id list disagree", old_ids[:0], old_fp[:0]
    return why, old_ids, old_fp


def _note_rebuild(res: SyncResult, why: str, log: Callable[[str], None] | None, index_path: Path) -> None:
    """Record why the index is rebuilt and log it, so a rebuild is never silent (a first build needs no line)."""
    if why:
        res.rebuilt = why
        if log and why != "no index yet":
            log(f"rebuilding the ANN index {index_path.name}: {why}")


def _progress_bar(store: Store, progress: bool) -> Any:
    """A tqdm bar on stderr over the store's passages when `progress` asks for one, else None."""
    if not progress:
        return None
    from tqdm import tqdm

    return tqdm(total=store.passage_count(), desc="ANN index", unit="passage", file=sys.stderr, leave=False)


def _match(batch: list[tuple[int, str]], old_ids: np.ndarray, old_fp: np.ndarray,
           seen: np.ndarray) -> tuple[np.ndarray, list[str], np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """(ids, text shas, fingerprints, known, same) of a batch against the old id list, marking known ids `seen`."""
    ids = np.array([i for i, _ in batch], dtype=np.int64)
    shas = [text_sha256(t) for _, t in batch]
    fp = fingerprints(shas)
    pos = np.searchsorted(old_ids, ids)
    known = pos < len(old_ids)
    known[known] = old_ids[pos[known]] == ids[known]
    same = known.copy()
    same[known] = old_fp[pos[known]] == fp[known]
    seen[pos[known]] = True
    return ids, shas, fp, known, same


def _vectors(
    store: Store,
    encoder: Any,
    model: str,
    shas: list[str],
    texts: list[str],
    encode: Callable[[list[str]], np.ndarray] | None,
    res: SyncResult,
) -> np.ndarray:
    """Unit vectors of `texts` from the embedding cache, encoding (and caching) those it lacks."""
    from .encoders.cache import cached_vectors

    fn = encode or (lambda batch: encoder.encode(batch, "passage"))
    have, encoded = cached_vectors(store, model, shas, texts, fn, batch_size=256)
    res.encoded += encoded
    return np.stack([have[s] for s in shas]).astype(np.float32, copy=False)


def _save(index: Any, index_path: Path, ids_path: Path, manifest_path: Path, ids: np.ndarray, fp: np.ndarray,
          model: str, dim: int, probe: list[list[str]], expansion_add: int = EXPANSION_ADD) -> None:  # fmt: skip
    """Write index, id list and manifest (temporary names, then renamed; the manifest last)."""
    import usearch

    count = len(ids)
    if count == 0 or index is None:
        for p in (index_path, ids_path):
            p.unlink(missing_ok=True)
    else:
        _write(index_path, lambda p: index.save(str(p)))
        _write(ids_path, lambda p: _save_npy(p, np.stack([ids, fp.astype(np.int64)])))
    manifest = {
        "format": FORMAT,
        "library": "usearch",
        "library_version": usearch.__version__,
        "model": model,
        "dtype": DTYPE,
        "connectivity": CONNECTIVITY,
        "expansion_add": expansion_add,
        "metric": "ip",
        "dim": dim,
        "count": count,
        "index_sha256": _file_sha(index_path) if count else None,
        "ids_sha256": _file_sha(ids_path) if count else None,
        "probe": probe,
        "written_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    _write(manifest_path, lambda p: p.write_text(json.dumps(manifest, indent=1), encoding="utf-8"))


def _save_npy(path: Path, arr: np.ndarray) -> None:
    with open(path, "wb") as fh:  # a file handle, so numpy does not append ".npy" to the temporary name
        np.save(fh, arr)
