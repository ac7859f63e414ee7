"""Which claims a question run takes: a claim's score (relevance, cue strength, a measurement), and claims spread
over the relevant papers."""

from __future__ import annotations

import re
from typing import Any

CLAIMS_PER_PAPER = 3  # claims taken from each relevant paper before any paper gets more
CUE_WEIGHT_Z = 1.0  # a claim's score: its robust z plus this times its cue strength (0..1: results, numbers)
MEASURE_Z = 2.0  # ... plus this when it reports a measurement (a number): a paper's results before its set-up

_MEASURE = re.compile(r"\d")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")


def reports_measurement(text: str) -> bool:
    """Whether a sentence states a number other than a year (0.412, 2,4 vezes, 63%, von 212 auf 168)."""
    return bool(_MEASURE.search(_YEAR.sub("", text)))


def claim_score(z: float, cue: float, text: str) -> float:
    """How directly a claim answers the question: its relevance z, its cue strength, and whether it measures."""
    return z + CUE_WEIGHT_Z * cue + (MEASURE_Z if reports_measurement(text) else 0.0)


def spread_claims(per_paper: dict[str, list[Any]], max_claims: int, per_paper_first: int = CLAIMS_PER_PAPER) -> list[Any]:
    """Claims from every relevant paper: each paper's best `per_paper_first` first (round robin in paper order),
    then the rest by score, up to `max_claims`. Each list in `per_paper` is ordered best first."""
    out: list[Any] = []
    for rnd in range(per_paper_first):
        for items in per_paper.values():
            if rnd < len(items) and len(out) < max_claims:
                out.append(items[rnd])
    rest = sorted((c for items in per_paper.values() for c in items[per_paper_first:]), key=lambda c: -c.score)
    out.extend(rest[: max(0, max_claims - len(out))])
    return out


FIRST_SECTIONS = ("abstract", "results", "discussion", "conclusion")  # where a paper states its findings


def by_section_then_score(claims: list[Any]) -> list[Any]:
    """A paper's claims in the order they are taken: those of its abstract, results, discussion and conclusion first,
    then those of other sections (the introduction, topical sections, text without a known heading), the methods'
    last; by score within each."""

    def tier(claim: Any) -> int:
        kind = getattr(claim, "section_kind", None)
        return 0 if kind in FIRST_SECTIONS else (2 if kind == "methods" else 1)

    return sorted(claims, key=lambda c: (tier(c), -c.score))
