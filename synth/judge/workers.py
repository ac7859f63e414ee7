"""Claim judging on Ray workers: each worker loads the verifier once and judges batches of claims with their evidence
(the actor pool, ordering and retries are index/workers.py's)."""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..index.workers import map_in_order, one_thread

if TYPE_CHECKING:
    from ..config import Settings
    from .verifier.base import Judgement

JUDGE_BATCH = 4  # claims per worker call: a claim with its evidence is far more work than a text to encode


class JudgeWorker:
    """A Ray Data actor: loads the verifier once (`synth.judge.verifier.load_verifier`, so SYNTH_VERIFIER applies) and
    judges batches of pickled (claim, evidence texts, retrieval scores) into pickled Judgements."""

    def __init__(self, settings: "Settings", nli: str | None, threads: int = 1) -> None:
        one_thread(threads)
        from .verifier import load_verifier

        self.verifier = load_verifier(settings, nli=nli)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        out = []
        for blob in batch["ask"]:
            claim, evidence, scores = pickle.loads(blob)
            out.append(pickle.dumps(self.verifier.judge(claim, evidence, scores)))
        return {"i": np.asarray(batch["i"]), "judgement": np.array(out, dtype=object)}



def judge_claims(
    asks: Sequence[tuple[str, Sequence[str], Sequence[float]]],
    settings: "Settings",
    nli: str | None = None,
    workers: int | None = None,
    address: str | None = None,
    batch_size: int = JUDGE_BATCH,
) -> Iterable["Judgement"]:
    """The verifier's Judgement of each (claim, evidence texts, retrieval scores), in order, judged on workers that
    each load the verifier `load_verifier(settings, nli)` names. A generator: judgements come as workers finish."""
    if not asks:
        return
    items = [{"i": i, "ask": pickle.dumps((c, list(e), list(s)))} for i, (c, e, s) in enumerate(asks)]
    kwargs = {"settings": settings, "nli": nli}
    for block in map_in_order(items, JudgeWorker, kwargs, "judgement", batch_size, workers, address):
        for blob in block:
            yield pickle.loads(blob)
