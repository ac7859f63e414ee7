"""Which papers bear on a question, decided relative to the corpus.

Relevance is decided relative to the corpus, never by an absolute cosine: each passage's cosine with the question is
compared with the cosines the same passage has with PROBES, questions from many unrelated fields. Their median is
what "unrelated" scores on this passage with this encoder; the spread of probe cosines over the corpus is the unit.
So the encoder's cosine scale and a corpus's own topic cancel out, and a question from another field scores like a
probe: nothing stands out, and the run says the corpus does not address it.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

import numpy as np

from ..index.retrieve import PassageRefs

RELEVANT_Z = 3.0  # a passage bears on the question when its cosine is this many probe spreads above the probes'
NEAR_TOP = 0.5  # ... and a paper counts when its best passage also reaches this share of the best paper's z (chosen on otkd-clir: recall 1.0)
NAME_SIMILARITY = 0.75  # a word spells a name of the question when their difflib ratio reaches this (Hausa ~ haoussa)
_NAME = re.compile(r"\b[a-z]*[A-Z][\w-]*")  # names in a question: Hausa, isiZulu, XLM-R, Swahili-English, DHW


def corpus_scale(cosines: np.ndarray, z: np.ndarray):
    """A function turning any cosine with the question into the z scale of `z` (a linear fit of z on cosine)."""
    cos = np.asarray(cosines, dtype=np.float64)
    if cos.size < 2 or float(np.ptp(cos)) < 1e-9:
        return lambda c: 0.0
    slope, intercept = np.polyfit(cos, np.asarray(z, dtype=np.float64), 1)
    return lambda c: float(slope * float(c) + intercept)


@dataclass
class PaperRelevance:
    """A paper's relevance to the question: the z-score of its best passage, and whether it counts."""

    paper_id: str
    z: float
    best_passage: int
    used: bool = False
    names: list[str] = field(default_factory=list)  # the question's names this paper mentions (narrow_by_names)


# Questions from fields far from any one corpus (a few per field, in English): the null that relevance is measured
# against. A corpus on one of these fields moves the median of the probes little.
PROBES = (
    "What causes the tides in the ocean?",
    "How long should bread dough rise before baking?",
    "Which team won the football world cup final?",
    "What are the symptoms of iron deficiency anaemia?",
    "How do volcanoes form at subduction zones?",
    "What is the best way to prune apple trees in winter?",
    "How does compound interest grow a savings account?",
    "Who painted the ceiling of the Sistine Chapel?",
    "What is the boiling point of water at high altitude?",
    "How do bees communicate the location of flowers?",
    "What were the main causes of the French Revolution?",
    "How do you change a flat tyre on a bicycle?",
    "What is the legal drinking age in different countries?",
    "How are diamonds formed deep in the Earth?",
    "Which vitamins are found in citrus fruit?",
    "How does a refrigerator keep food cold?",
    "What is the plot of Shakespeare's Hamlet?",
    "How many moons does Jupiter have?",
    "What training plan helps run a first marathon?",
    "How do glaciers carve valleys in mountains?",
    "What is the history of the Silk Road trade?",
    "How should a violin be tuned?",
    "What determines the price of crude oil?",
    "How do antibiotics kill bacteria?",
)


def null_z(cosines: np.ndarray, probe_cosines: np.ndarray, chunk: int = 50_000) -> np.ndarray:
    """Each passage's cosine with the question against its cosines with the probes: (cos - median over probes) /
    the corpus-wide spread of probe cosines (median of per-passage MADs, x 1.4826). Computed `chunk` passages at a
    time (float64 temporaries of a 10^6-passage corpus would take ~1 GB), with the same numbers."""
    cos = np.asarray(cosines, dtype=np.float64)
    probes = np.asarray(probe_cosines).reshape(len(cos), -1)
    if cos.size == 0:
        return cos
    centre = np.empty(len(cos))
    mad = np.empty(len(cos))
    for s in range(0, len(cos), chunk):
        block = probes[s : s + chunk].astype(np.float64)
        centre[s : s + chunk] = np.median(block, axis=1)
        mad[s : s + chunk] = np.median(np.abs(block - centre[s : s + chunk, None]), axis=1)
    spread = float(np.median(mad)) * 1.4826
    return (cos - centre) / max(spread, 1e-6)


def relevant_papers(refs: PassageRefs, z: np.ndarray, min_z: float = RELEVANT_Z) -> list[PaperRelevance]:
    """Every paper with its best passage's z (null_z), best first; `used` marks those that bear on the question:
    best z >= `min_z` and at least NEAR_TOP of the best paper's (a paper far below the top is only topical)."""
    z = np.asarray(z, dtype=np.float64)
    if not len(refs):
        return []
    order = np.lexsort((-z, refs.paper_index))  # by paper, its best passage first (the earliest of equal ones)
    codes = refs.paper_index[order]
    best = order[np.r_[True, codes[1:] != codes[:-1]]]  # one per paper, in order of first appearance
    ranked = sorted((PaperRelevance(refs.papers[refs.paper_index[i]], float(z[i]), int(refs.ids[i])) for i in best),
                    key=lambda p: -p.z)  # fmt: skip
    if ranked:
        top = ranked[0].z
        for p in ranked:
            p.used = p.z >= min_z and p.z >= NEAR_TOP * top
    return ranked


def fold(text: str) -> str:
    """Case- and accent-folded text (Suaíli -> suaili): the form names are compared in."""
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def question_names(question: str) -> list[str]:
    """The names a question asks about (proper nouns and acronyms: Hausa, isiZulu, XLM-R), folded, hyphenated
    compounds split (Swahili-English: swahili, english). The question's first word is capitalised, not a name."""
    names = []
    for m in _NAME.finditer(question):
        if m.start() == 0:
            continue
        names.extend(part for part in fold(m.group()).split("-") if len(part) >= 2)
    return list(dict.fromkeys(names))


def word_set(texts: Iterable[str]) -> set[str]:
    """The folded words of some texts (what `mentions` looks names up in)."""
    return {w for t in texts for w in re.findall(r"\w+", fold(t))}


def mentions(name: str, words: set[str]) -> bool:
    """Whether a name occurs among the words, spelt as in another language: exactly (short acronyms: OT, KD), inside
    a compound (Zulu in Zulu-Anfragen, Swahili in Kiswahili), or nearly (Hausa ~ haoussa, Yoruba ~ ioruba)."""
    if name in words:
        return True
    if len(name) < 4:
        return False
    for w in words:
        if name in w or (len(w) >= 4 and w in name and len(w) >= len(name) - 2):
            return True
        if abs(len(w) - len(name)) <= 3 and difflib.SequenceMatcher(None, name, w).ratio() >= NAME_SIMILARITY:
            return True
    return False


def narrow_by_names(ranked: Sequence[PaperRelevance], words_of: Callable[[str], set[str]], question: str) -> list[str]:
    """Among the papers marked used, the names of the question that the most relevant paper mentions but not all
    of the others do decide: a paper that mentions none of those names is on the topic but not on this question,
    and is set unused. A name every used paper mentions (the field's own: OT, KD) decides nothing, and neither does
    one the best paper lacks (a benchmark named in passing, a name spelt too differently). `ranked` is best first.
    Returns the deciding names."""
    used = [p for p in ranked if p.used]
    names = question_names(question)
    for p in used:
        words = words_of(p.paper_id)
        p.names = [n for n in names if mentions(n, words)]
    deciding = [n for n in used[0].names if sum(n in p.names for p in used) < len(used)] if used else []
    if deciding:
        for p in used:
            p.used = any(n in p.names for n in deciding)
    return deciding
