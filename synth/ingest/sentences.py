"""Sentences of passages: splitting, the normalised key, why a sentence is not a claim, and how strongly it reads as
one. Shared by retrieval (which sentences may be evidence) and claim extraction."""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Iterable, Sequence

from .passages import sentence_spans

# -- sentence splitting ---------------------------------------------------------------------------


def split_sentences(text: str) -> list[str]:
    """Whole sentences of `text` (whitespace normalised), split by the ingest pipeline's sentence rules."""
    text = re.sub(r"\s+", " ", text or "").strip()
    return [text[s:e] for s, e in sentence_spans(text)]


# -- filtering ------------------------------------------------------------------------------------

_CAPTION = re.compile(
    r"^\s*(?:figure|fig\.|table|tab\.|algorithm|listing|jedwali|kielelezo|mchoro|picha|abbildung|abb\.|tabelle|"
    r"tableau|graphique|illustration)\s*[\dIVXivx]+[a-z]?\s*[:.|\-–—]?",
    re.IGNORECASE,
)
_BOILERPLATE = re.compile(
    r"copyright|©|\(c\)\s*\d{4}|all rights reserved|arxiv:|arxiv preprint|preprint|licen[cs]ed under|creative commons|"
    r"https?://|www\.|\S+@\S+\.\w+|doi\s*:|proceedings of|in proc\.|accepted (?:at|to|for)|submitted to|"
    r"under review|camera[- ]ready|permission to make|equal contribution|corresponding author|haki zote|"
    r"\barxiv\s*\d{4}\.\d{4,5}|^(?:paper|title|authors?|keywords?|index terms|affiliations?|contact|e-?mail|code)\s*:|"
    r"alle rechte|tous droits",
    re.IGNORECASE,
)
_CITATION = re.compile(
    r"\[[\d,\s–\-]+\]|\((?:[^()]*?\bet al\.?,?\s*)?(?:[A-Z][\w\-]+(?:\s+(?:and|&)\s+[A-Z][\w\-]+)?,?\s*)?(?:19|20)\d{2}[a-z]?(?:;[^()]*)?\)"
)
_NUMBER = re.compile(r"\d")
_ANAPHORA = re.compile(
    r"^(?:it|they|he|she|its|their|(?:this|these|that|those|such)\s+(?:is|are|was|were|has|have|had|also|does|do|did|"
    r"can|could|shows?|showed|means?|meant|suggests?|gives?|makes?|leads?|results?|allows?|indicates?))\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)

# Cue words per language: finite verbs of finding, description and comparison, and comparatives (a sentence with
# none of them and no number is background, a title or a heading, not a claim).
_CUES = {
    "en": r"outperforms?|outperformed|improves?|improved|achieves?|achieved|shows?|showed|shown|demonstrates?|"
    r"demonstrated|reduces?|reduced|increases?|increased|decreases?|decreased|yields?|yielded|surpass(?:es|ed)?|"
    r"exceeds?|exceeded|obtains?|obtained|reports?|reported|finds?|found|reveals?|revealed|indicates?|indicated|"
    r"suggests?|suggested|proposes?|proposed|introduces?|introduced|presents?|presented|formulates?|formulated|"
    r"uses?|used|requires?|required|learns?|learned|learnt|trains?|trained|consists?|consisted|contains?|contained|"
    r"comprises?|comprised|built|builds?|based|defined|considers?|considered|provides?|provided|enables?|enabled|"
    r"allows?|allowed|leads?|led|causes?|caused|depends?|depended|performs?|performed|generalizes?|transfers?|"
    r"is|are|was|were|has|have|had|can|could|may|might|will|does|do|did|remains?|becomes?|significantly|"
    r"better|worse|higher|lower|more|less|fewer|larger|smaller|faster|slower|best|worst|than|compared|comparable|"
    r"state-of-the-art|gains?",
    "sw": r"ni|si|ina\w*|huwa|hu\w+|ili\w*|ime\w*|kuliko|zaidi|bora|inaboresha|inazidi|inaonyesha|yanaonyesha|"
    r"hutumia|inatumia|imeundwa|inahitaji|hupunguza|huongeza|ongezeko|asilimia",
    "de": r"ist|sind|war|waren|hat|haben|wird|werden|kann|können|übertrifft|übertreffen|verbessert|verbessern|zeigt|"
    r"zeigen|erreicht|erreichen|besser|schlechter|höher|niedriger|als|mehr|weniger|basiert|verwendet|benötigt|"
    r"erfordert|enthält|besteht|signifikant",
    "fr": r"est|sont|était|étaient|a|ont|peut|peuvent|surpasse\w*|amélior\w*|montre\w*|atteint|obtient|"
    r"meilleur\w*|supérieur\w*|inférieur\w*|plus|moins|utilise\w*|nécessite\w*|repose|fondé\w*|basé\w*|"
    r"contient|significativ\w*",
}
_ALL_CUES = re.compile("|".join(f"(?:\\b(?:{p})\\b)" for p in _CUES.values()), re.IGNORECASE)
_STRONG = re.compile(
    r"\b(?:outperform\w*|improv\w*|achiev\w*|surpass\w*|exceed\w*|significant\w*|better|worse|higher|lower|than|"
    r"compared|propos\w*|formulat\w*|defined|consists?|contains?|based on|requires?|kuliko|inaboresha|inazidi|bora|"
    r"übertrifft|verbessert|besser|höher|als|surpasse\w*|amélior\w*|meilleur\w*|supérieur\w*)\b|\d+(?:\.\d+)?\s*%",
    re.IGNORECASE,
)


def normalize(text: str) -> str:
    """Lower-case alphanumerics only: the key for prefix and duplicate matching (robust to PDF punctuation)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in text if ch.isalnum())


def tokens(text: str) -> set[str]:
    """Lower-case word tokens (for Jaccard duplicate detection)."""
    return {w.casefold() for w in re.findall(r"\w+", text)}


def reject_reason(sentence: str) -> str | None:
    """Why a sentence is not a claim (None when it is a candidate claim)."""
    s = sentence.strip()
    words = _WORD.findall(_CITATION.sub(" ", s))
    if s.endswith("?") or s.endswith("？"):
        return "question"
    if _CAPTION.match(s):
        return "caption"
    if _BOILERPLATE.search(s):
        return "boilerplate"
    if not re.search(r"[.!。]['\"”’)\]]*$", s):
        return "fragment"  # no sentence-final punctuation: cut off by a page or passage boundary
    if not (s[:1].isupper() or s[:1].isdigit() or s[:1] in "\"“‘'(" or re.match(r"[a-z]+[A-Z0-9]", s)):
        return "fragment"
    if re.search(r"\bet al\.$", s):
        return "citation"
    if len(words) < 5:
        return "citation" if _CITATION.search(s) or re.match(r"^\[?\d+\]", s) else "short"
    if len(words) > 80:
        return "long"
    letters = sum(ch.isalpha() for ch in s)
    if letters < 0.6 * len(s.replace(" ", "")):
        return "formula"  # tables, equations, number dumps
    if re.match(r"^\[\d+\]|^\d+\.\s+[A-Z][a-z]+,\s+[A-Z]\.", s) or re.search(r"\b(?:19|20)\d{2}\.\s*$", s):
        return "citation"  # a reference-list entry
    if re.match(r"^(?:we|in this (?:paper|work)|this (?:paper|work))\s+(?:thank|acknowledge)", s, re.IGNORECASE):
        return "boilerplate"
    if _ANAPHORA.match(s):
        return "anaphora"  # "It also improves …": the subject is in another sentence
    if not _ALL_CUES.search(s) and not _NUMBER.search(s):
        return "no-cue"
    return None


def cue_strength(sentence: str) -> float:
    """0..1: how strongly a sentence reads as a claim (comparatives, result verbs, numbers)."""
    strong = len(_STRONG.findall(sentence))
    numbers = len(re.findall(r"\d+(?:\.\d+)?", sentence))
    return float(min(1.0, 0.35 * strong + 0.1 * min(numbers, 3) + 0.15))


def passage_sentences(passages: Sequence[dict[str, Any]]) -> Iterable[tuple[str, dict[str, Any]]]:
    """(sentence, source passage) for passages of one paper in order; a sentence cut by a passage break is rejoined."""
    carry = ""
    carry_src: dict[str, Any] | None = None
    for p in passages:
        sents = split_sentences(p.get("text") or "")
        if not sents:
            continue
        if carry:
            first = sents[0]
            if first[:1].islower() or first[:1] in ",;:)":
                # the joined sentence keeps the page and passage of its start
                yield carry + ("" if carry.endswith("-") else " ") + first, carry_src or p
                sents = sents[1:]
            else:
                yield carry, carry_src or p
            carry, carry_src = "", None
        for i, s in enumerate(sents):
            last = i == len(sents) - 1
            if last and not re.search(r"[.!?。]['\"”’)\]]*$", s):
                carry, carry_src = s, p
            else:
                yield s, p
    if carry:
        yield carry, carry_src or {}
