"""Parsing files in parallel processes, results in input order: `synth add` parses while it stores.

Parsing is pure (a path in, a ParsedDoc out), so it runs in worker processes and the one process that owns the
database stores each result in input order as it arrives. At most `2 × jobs` results wait in memory at a time.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

from ..errors import ParseFailed
from .passages import DEFAULT_LIMITS, Limits, ParsedDoc

MAX_JOBS = 4  # parsing is CPU-bound; more processes than this rarely help and each holds a document in memory
MIN_PARALLEL_BYTES = 4_000_000  # below this much to parse, starting worker processes (~1 s each) costs more than it saves


def default_jobs() -> int:
    """Worker processes for parsing: the CPUs this process may use, at most MAX_JOBS."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(MAX_JOBS, cpus))


def parse_in_order(paths: Sequence[Path], parse: Callable[[Path, str | None, Limits], ParsedDoc | ParseFailed], *,
                   lang: str | None = None, limits: Limits = DEFAULT_LIMITS, jobs: int = 1
                   ) -> Iterator[ParsedDoc | ParseFailed]:  # fmt: skip
    """`parse(path, lang, limits)` of each file (a module-level function: it is sent to the workers by name), in the
    order of `paths`, run by `jobs` processes (1, or less than MIN_PARALLEL_BYTES of files: here)."""
    if jobs <= 1 or len(paths) < 2 or _total_bytes(paths) < MIN_PARALLEL_BYTES:
        for path in paths:
            yield parse(path, lang, limits)
        return
    import multiprocessing

    # spawn, not fork: the parent may hold threads (progress bars, torch) that a forked child would inherit stuck
    with ProcessPoolExecutor(min(jobs, len(paths)), mp_context=multiprocessing.get_context("spawn")) as pool:
        pending: deque[Future[ParsedDoc | ParseFailed]] = deque()
        queued = iter(paths)
        try:
            for path in queued:
                pending.append(pool.submit(parse, path, lang, limits))
                if len(pending) >= 2 * jobs:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()


def _total_bytes(paths: Sequence[Path]) -> int:
    """The files' sizes added up (a file that cannot be read counts 0: its parse will say why)."""
    total = 0
    for path in paths:
        try:
            total += path.stat().st_size
        except OSError:
            pass
    return total
