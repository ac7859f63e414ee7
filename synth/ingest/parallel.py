"""Parsing files in parallel processes, results in input order: `synth add` parses while it stores.

Parsing is pure (a path in, a ParsedDoc out), so it runs in worker processes and the one process that owns the
database stores each result in input order as it arrives. At most `2 × jobs` results wait in memory at a time.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

from ..errors import SynthError
from .passages import DEFAULT_LIMITS, Limits, ParsedDoc

MAX_JOBS = 4  # parsing is CPU-bound; more processes than this rarely help and each holds a document in memory
MIN_PARALLEL_BYTES = 4_000_000  # below this much to parse, starting worker processes (~1 s each) costs more than it saves


class ParseFailed(SynthError):
    """A file that could not be parsed, with its one-line reason already written (it crosses a process boundary)."""


def default_jobs() -> int:
    """Worker processes for parsing: the CPUs this process may use, at most MAX_JOBS."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(MAX_JOBS, cpus))


def parse_one(path: Path, lang: str | None, limits: Limits) -> ParsedDoc | ParseFailed:
    """Parse one file; a failure comes back as ParseFailed with the same line `synth add` prints for it."""
    from .files import one_line, parse_file

    try:
        return parse_file(path, lang=lang, limits=limits)
    except Exception as exc:  # one bad file must never stop a batch
        return ParseFailed(one_line(exc, path))


def parse_in_order(paths: Sequence[Path], *, lang: str | None = None, limits: Limits = DEFAULT_LIMITS,
                   jobs: int = 1) -> Iterator[ParsedDoc | ParseFailed]:  # fmt: skip
    """Each file's ParsedDoc (or ParseFailed), in the order of `paths`, parsed by `jobs` processes (1, or less than
    MIN_PARALLEL_BYTES of files: here)."""
    if jobs <= 1 or len(paths) < 2 or _total_bytes(paths) < MIN_PARALLEL_BYTES:
        for path in paths:
            yield parse_one(path, lang, limits)
        return
    import multiprocessing

    # spawn, not fork: the parent may hold threads (progress bars, torch) that a forked child would inherit stuck
    with ProcessPoolExecutor(min(jobs, len(paths)), mp_context=multiprocessing.get_context("spawn")) as pool:
        pending: deque[Future[ParsedDoc | ParseFailed]] = deque()
        queued = iter(paths)
        try:
            for path in queued:
                pending.append(pool.submit(parse_one, path, lang, limits))
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
