"""Make refuted claims from true sentences: change a number, add or drop a negation, flip a comparison, swap a name.

Used to generate training pairs (sentence -> SUPPORTED paraphrase/translation, perturbed -> REFUTED). English only;
the evidence side may be any translation of the original sentence.
"""

from __future__ import annotations

import random
import re

_NUM = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(?![\w.]*\d)")
_AUX = re.compile(r"\b(is|are|was|were|can|could|does|do|did|has|have|had|will|would|should|may|might|must)\b(?! not)")
_NEG = re.compile(r"\b(is|are|was|were|can|could|does|do|did|has|have|had|will|would|should|may|might|must) not\b")
_CANT = re.compile(r"\b(cannot|can't|doesn't|don't|didn't|isn't|aren't|wasn't|weren't|won't)\b")
_UNNEG = {"cannot": "can", "can't": "can", "doesn't": "does", "don't": "do", "didn't": "did", "isn't": "is",
          "aren't": "are", "wasn't": "was", "weren't": "were", "won't": "will"}

ANTONYMS: dict[str, str] = {}
for _a, _b in [
    ("outperforms", "underperforms"), ("outperform", "underperform"), ("outperformed", "underperformed"),
    ("higher", "lower"), ("highest", "lowest"), ("more", "less"), ("better", "worse"), ("best", "worst"),
    ("increases", "decreases"), ("increase", "decrease"), ("increased", "decreased"), ("increasing", "decreasing"),
    ("improves", "hurts"), ("improve", "hurt"), ("improved", "degraded"), ("larger", "smaller"),
    ("greater", "smaller"), ("faster", "slower"), ("above", "below"), ("stronger", "weaker"), ("raises", "lowers"),
    ("reduces", "increases"), ("reduced", "increased"), ("reduce", "increase"), ("gains", "losses"),
    ("positive", "negative"), ("positively", "negatively"), ("upregulates", "downregulates"),
    ("upregulated", "downregulated"), ("enhances", "suppresses"), ("enhanced", "suppressed"),
    ("promotes", "inhibits"), ("promote", "inhibit"), ("activates", "inhibits"), ("high", "low"),
    ("superior", "inferior"), ("before", "after"), ("always", "never"), ("all", "no"), ("most", "few"),
]:
    ANTONYMS.setdefault(_a, _b)
    ANTONYMS.setdefault(_b, _a)


def change_number(text: str, rng: random.Random) -> str | None:
    """The sentence with one number replaced by a clearly different one; None if it states no number."""
    hits = list(_NUM.finditer(text))
    if not hits:
        return None
    m = rng.choice(hits)
    raw = m.group(1)
    val = float(raw)
    factor = rng.choice([0.5, 2.0, 0.3, 3.0, 1.5])
    new = val * factor + (rng.choice([1, 2, 3]) if val == 0 else 0)
    txt = f"{new:.{len(raw.split('.')[1])}f}" if "." in raw else str(max(1, int(round(new))) if val >= 1 else int(new) + 1)
    if txt == raw:
        txt = str(int(val) + rng.choice([2, 3, 5]))
    return text[: m.start(1)] + txt + text[m.end(1) :]


def toggle_negation(text: str) -> str | None:
    """Add a 'not' after the first auxiliary, or remove an existing negation; None if neither applies."""
    m = _NEG.search(text)
    if m:
        return text[: m.start()] + m.group(1) + text[m.end() :]
    m = _CANT.search(text)
    if m:
        word = m.group(1)
        return text[: m.start()] + _UNNEG[word.lower()] + text[m.end() :]
    m = _AUX.search(text)
    if m:
        return text[: m.end()] + " not" + text[m.end() :]
    return None


def flip_direction(text: str) -> str | None:
    """Replace the first comparison word with its antonym (higher -> lower); None if there is none."""
    for m in re.finditer(r"\b\w+\b", text):
        word = m.group(0)
        low = word.lower()
        if low in ANTONYMS:
            rep = ANTONYMS[low]
            rep = rep.capitalize() if word[0].isupper() else rep
            return text[: m.start()] + rep + text[m.end() :]
    return None


def swap_entity(text: str, names: list[str], rng: random.Random) -> str | None:
    """Replace one acronym/name (two or more capitals, or letters with digits) by another from `names`."""
    hits = [m for m in re.finditer(r"\b[\w\-]*[A-Z][\w\-]*[A-Z0-9][\w\-]*\b", text)]
    others = [n for n in names if n not in text]
    if not hits or not others:
        return None
    m = rng.choice(hits)
    return text[: m.start()] + rng.choice(others) + text[m.end() :]


NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")
_SMALL = re.compile(r"(?<![\w.,])(\d{1,2})(?![\w.,]*\d)|\b(" + "|".join(NUMBER_WORDS) + r")\b", re.IGNORECASE)


def respell_number(text: str, rng: random.Random, change: bool = False) -> str | None:
    """The sentence with a small number written the other way (6 <-> six): the same claim in other words; with
    `change`, a different small number in the other spelling (a refuted claim that shares no digits with the
    original). None if the sentence has no number from 0 to 12."""
    hits = [m for m in _SMALL.finditer(text) if m.group(2) or int(m.group(1)) <= 12]
    if not hits:
        return None
    m = rng.choice(hits)
    val = NUMBER_WORDS.index(m.group(2).lower()) if m.group(2) else int(m.group(1))
    if change:
        val = rng.choice([v for v in range(1, 13) if v != val and abs(v - val) >= 2])
    if m.group(2):
        rep = str(val)
    else:
        rep = NUMBER_WORDS[val]
        rep = rep.capitalize() if m.start() == 0 else rep
    return text[: m.start()] + rep + text[m.end() :]


HEDGES = ("about", "roughly", "around", "nearly", "approximately", "some")
_DECIMAL = re.compile(r"(?<![\w.,])(\d+)\.(\d+)(?![\w.,]*\d)")


def approximate_number(text: str, rng: random.Random, change: bool = False) -> str | None:
    """The sentence with one decimal number stated loosely ("4.1" -> "about 4", "15.7" -> "roughly 16", "0.83" ->
    "around 0.8"): the same claim, hedged. With `change`, the hedged number is clearly another one (about twice or
    half the value): a refuted claim. None if the sentence has no decimal number."""
    hits = list(_DECIMAL.finditer(text))
    if not hits:
        return None
    m = rng.choice(hits)
    val = float(m.group(0))
    if change:
        val *= rng.choice([0.4, 0.5, 2.0, 2.5])
    rounded = f"{val:.1f}" if val < 1 else str(int(round(val)))
    if not change and rounded == m.group(0):
        return None
    return text[: m.start()] + f"{rng.choice(HEDGES)} {rounded}" + text[m.end() :]


def refute(text: str, names: list[str], rng: random.Random) -> tuple[str, str] | None:
    """One perturbed version of a true sentence and the kind of change; None if no change applies."""
    makers = [
        ("number", lambda: change_number(text, rng)),
        ("negation", lambda: toggle_negation(text)),
        ("direction", lambda: flip_direction(text)),
        ("entity", lambda: swap_entity(text, names, rng)),
    ]
    rng.shuffle(makers)
    for kind, make in makers:
        out = make()
        if out and out != text:
            return out, kind
    return None
