"""Encoding on Ray workers (Ray Data `map_batches` over an actor pool that holds the model).

What runs where: the driver (the `synth` process) reads the database, retrieves evidence and writes every result;
each worker is a Ray actor that loads the encoder once, with torch on one thread, and turns batches of texts into
vectors (judge/workers.py does the same with the verifier, for claims with their evidence). Workers never open SQLite, so the
database stays on the driver's disk. A worker that dies is restarted and its batch retried by Ray
(`max_restarts` / `max_task_retries`), so the job completes with the same result.

Ray is started here with `workers` CPUs when no address is given (and shut down after), or joined at `address`.
Ray is an optional dependency (`pip install 'synth[distributed]'`); without it these functions raise one line.
"""

from __future__ import annotations

import logging
import warnings
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Sequence

import numpy as np

from ..errors import DistributedError

if TYPE_CHECKING:
    from ..config import Settings
    from ..store import Store

ENCODE_BATCH = 64  # texts per worker call (as the single-process cache encodes them)
RETRIES = -1  # Ray restarts a dead actor and retries its batch without limit


def _ray() -> Any:
    """The `ray` module with Ray Data, or one line saying how to install it."""
    try:
        import ray
        import ray.data  # Ray Data is a separate extra of ray
    except ImportError as exc:
        raise DistributedError(
            "--workers / --ray-address need Ray, which is not installed: pip install 'synth[distributed]'"
        ) from exc
    return ray


@contextmanager
def ray_cluster(workers: int | None = None, address: str | None = None) -> Iterator[int]:
    """Ray for the length of a job; yields the size of the worker pool to use.

    No address: a local Ray with `workers` CPUs (default 1) is started here and shut down after. `address`: the
    running cluster there is joined (and left after); its pool size is `workers`, else every CPU it has. When this
    process is already connected to Ray, that connection is used and left open."""
    ray = _ray()
    for name in ("ray", "ray.data"):
        logging.getLogger(name).setLevel(logging.ERROR)  # Ray's INFO / WARNING chatter is not synth's output
    if workers is not None and workers < 1:
        raise DistributedError(f"--workers must be at least 1, not {workers}")
    if ray.is_initialized():
        yield workers or _cluster_cpus(ray)
        return
    try:
        if address:
            ray.init(address=address, log_to_driver=False, logging_level=logging.ERROR)
        else:
            # address="local": a new instance even when RAY_ADDRESS names another cluster
            ray.init(address="local", num_cpus=workers or 1, include_dashboard=False, log_to_driver=False,
                     logging_level=logging.ERROR)  # fmt: skip
    except Exception as exc:  # Ray raises ConnectionError, RuntimeError, ValueError ... for a bad address
        where = f"the Ray cluster at {address}" if address else "a local Ray"
        raise DistributedError(f"cannot start or reach {where}: {' '.join(str(exc).split())[:300]}") from exc
    try:
        yield workers or _cluster_cpus(ray)
    finally:
        ray.shutdown()


def _cluster_cpus(ray: Any) -> int:
    return max(1, int(ray.cluster_resources().get("CPU", 1)))


def one_thread(threads: int) -> None:
    """Limit torch (and the BLAS under numpy) in a worker to `threads`, so N workers use N cores."""
    import os

    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = str(threads)
    import torch

    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(threads)
    except RuntimeError:  # already set in this process (a restarted actor reuses nothing, but be safe)
        pass


class EncodeWorker:
    """A Ray Data actor: loads the encoder once, encodes batches of texts ({"i", "text"} -> {"i", "vec"})."""

    def __init__(self, settings: "Settings", encoder_name: str, kind: str, threads: int = 1) -> None:
        one_thread(threads)
        from .encoders import load_encoder

        self.encoder = load_encoder(encoder_name, settings)
        self.kind = kind

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        texts = [str(t) for t in batch["text"]]
        vecs = np.asarray(self.encoder.encode(texts, self.kind), dtype=np.float32)  # type: ignore[arg-type]
        return {"i": np.asarray(batch["i"]), "vec": vecs}


def map_in_order(
    items: list[dict[str, Any]],
    worker: type,
    kwargs: dict[str, Any],
    key: str,
    batch_size: int,
    workers: int | None,
    address: str | None,
) -> Iterator[list[Any]]:
    """Run `worker` over `items` on an actor pool; yield its `key` outputs in input order, block by block."""
    with ray_cluster(workers, address) as size:
        ray = _ray()
        ctx = ray.data.DataContext.get_current()
        ctx.execution_options.preserve_order = True
        ctx.enable_progress_bars = False
        ctx.print_on_execution_start = False
        blocks = max(1, -(-len(items) // batch_size))
        ds = ray.data.from_items(items, override_num_blocks=blocks)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*ray_remote_args.*deprecated", category=DeprecationWarning)
            ds = ds.map_batches(
                _bound(worker, kwargs),
                batch_size=batch_size,
                batch_format="numpy",
                compute=ray.data.ActorPoolStrategy(size=min(size, blocks)),  # no idle actors to start
                num_cpus=1,
                **_retry_args(ds.map_batches),
            )
        pending: dict[int, Any] = {}
        nxt = 0
        try:
            for batch in ds.iter_batches(batch_size=None, batch_format="numpy"):
                pending.update(zip((int(i) for i in batch["i"]), batch[key]))
                block = []
                while nxt in pending:  # a block that arrives early waits for the ones before it
                    block.append(pending.pop(nxt))
                    nxt += 1
                if block:
                    yield block
        except DistributedError:
            raise
        except Exception as exc:
            raise DistributedError(f"distributed job failed: {type(exc).__name__}: {' '.join(str(exc).split())[:300]}") from exc
        if nxt != len(items):
            raise DistributedError(f"distributed job returned {nxt} of {len(items)} results")


def _bound(worker: type, kwargs: dict[str, Any]) -> type:
    """`worker` with its constructor arguments built in: they travel with the class, not through the object store
    (from where a restarted actor could not get them back once the driver dropped them)."""

    def __init__(self: Any) -> None:
        worker.__init__(self, **kwargs)

    return type(worker.__name__, (worker,), {"__init__": __init__, "__module__": __name__})


def _retry_args(map_batches: Any) -> dict[str, Any]:
    """max_restarts / max_task_retries for the actor pool: a killed worker is restarted and its batch retried.

    Recent Ray Data defaults both to -1 and stops taking free-form remote args in 2.64, so they are passed only
    where `map_batches` still takes them."""
    import inspect

    params = inspect.signature(map_batches).parameters.values()
    if not any(p.kind is p.VAR_KEYWORD for p in params):
        return {}
    return {"max_restarts": RETRIES, "max_task_retries": RETRIES}


def iter_encode(
    texts: Sequence[str],
    kind: str,
    settings: "Settings",
    encoder_name: str,
    workers: int | None = None,
    address: str | None = None,
    batch_size: int = ENCODE_BATCH,
) -> Iterator[np.ndarray]:
    """(m, d) float32 blocks of the vectors of `texts`, consecutive and in order, as the workers finish them."""
    if not texts:
        return
    items = [{"i": i, "text": t} for i, t in enumerate(texts)]
    kwargs = {"settings": settings, "encoder_name": encoder_name, "kind": kind}
    for block in map_in_order(items, EncodeWorker, kwargs, "vec", batch_size, workers, address):
        yield np.stack(block).astype(np.float32, copy=False)


def encode_texts(
    texts: list[str],
    kind: str,
    settings: "Settings",
    encoder_name: str,
    workers: int | None = None,
    address: str | None = None,
) -> np.ndarray:
    """(n, d) float32 vectors of `texts` in order, encoded by an actor pool of `workers` one-thread workers (a local
    Ray started here), or on the Ray cluster at `address`. Empty input gives a (0, 0) array and starts nothing."""
    blocks = list(iter_encode(texts, kind, settings, encoder_name, workers, address))
    if not blocks:
        return np.zeros((0, 0), dtype=np.float32)
    return np.concatenate(blocks).astype(np.float32, copy=False)


def embed_on_workers(
    store: "Store",
    encoder: Any,
    texts: Iterable[str],
    kind: str,
    settings: "Settings",
    encoder_name: str,
    workers: int | None = None,
    address: str | None = None,
) -> int:
    """Encode on workers the texts the embedding cache lacks for `encoder` (loaded as `encoder_name`) and `kind`;
    this process stores each block as it arrives. Returns how many texts were encoded."""
    from .encoders.cache import cache_key, embed_missing

    return embed_missing(
        store,
        cache_key(encoder, kind),  # type: ignore[arg-type]
        texts,
        lambda todo: iter_encode(todo, kind, settings, encoder_name, workers, address),
    )
