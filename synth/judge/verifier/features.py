"""Claim/evidence pair features: lexical cues (numbers, negation, comparison direction, names) in many languages.

These are the cheap, interpretable half of the verifier's input; the other half comes from the frozen encoder
(see `pairs.py`). Negation and comparison words are looked up in the list of each text's own language (py3langid);
the rest is pure Python on strings, fast and tested without a model.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_WORD = re.compile(r"\w+", re.UNICODE)
# a number: 12, 3.5, 3,5 (decimal comma), 1,000, optionally followed by a percent sign or a unit
_NUMBER = re.compile(
    r"(?:\b(asilimia|kashi)\s+)?(?<![\w.])(\d+(?:[.,]\d+)*)\s*(%|percent|per\s*cent|prozent|pour\s*cent|por\s*ciento)?",
    re.IGNORECASE,
)
_YEAR = re.compile(r"^(19|20)\d\d$")

# negators, lower-cased, per language (ISO 639-1). A text's own language picks its list, so that a word that
# negates in one language and means something else in another (Swahili "ni" = "is", French "ni" = "nor"; Dutch
# "aan" = "on", Somali "aan" = "not") only counts where it negates. Text in a language without a list, or too
# short to identify, uses every listed word except those that mean something else in another language (_AMBIGUOUS).
_NEGATORS_BY_LANG: dict[str, str] = {
    "en": """not no never none nothing neither nor cannot can't don't doesn't didn't isn't aren't wasn't weren't
             won't without fails fail failed lacks lack absent unable n't nobody nowhere""",
    "de": "nicht kein keine keiner keinen keinem keines nie niemals nichts ohne weder",
    "fr": "pas jamais aucun aucune rien sans ni",  # "ne" left out: "ne ... pas" is one negation
    "es": "no nunca ningún ninguna ninguno nada sin tampoco jamás ni",
    "pt": "não nunca nenhum nenhuma nada sem nem",
    "it": "non mai nessun nessuna niente senza né",
    "nl": "niet geen nooit zonder",
    "sw": "si hapana haku hakuna bila siyo sio haikuwa hawana hana hazi haina hawezi haiwezi kamwe",
    "ha": "ba babu bai bata ban taba",
    "yo": "kò kìí ko kii ai láì",
    "zu": "akukho cha ayi",
    "xh": "akukho hayi",
    "so": "aan ma maya",
    "ar": "لا لم لن ليس ليست بدون غير",
    "ru": "не нет ни никогда без",
    "zh": "不 没 没有 无 非 未",
    "hi": "नहीं न कभी बिना",
    "tr": "değil yok hiç asla",
}
# comparison words, +1 = up/better and -1 = down/worse, per language
_UP_BY_LANG: dict[str, str] = {
    "en": """outperforms outperform outperformed outperforming better best higher highest more increase increases
             increased improves improve improved improvement improvements gains gain raises raise larger largest
             greater faster exceeds exceed exceeded surpasses surpass superior beats beat above stronger boosts boost
             rises rise""",
    "de": "besser höher mehr verbessert verbessern steigert übertrifft größer schneller stärker erhöht zunahme",
    "fr": "meilleur meilleure meilleurs meilleures supérieur supérieure plus améliore améliorent augmente dépasse hausse",
    "es": "mejor mayor más mejora aumenta supera superior",
    "sw": "bora zaidi juu inaboresha huboresha kuboresha kuongeza inaongeza ongezeko inazidi",
    "yo": "ju dara",
    "ha": "fi karuwa ƙaru inganta",
}
_DOWN_BY_LANG: dict[str, str] = {
    "en": """underperforms underperform underperformed underperforming worse worst lower lowest less fewer decrease
             decreases decreased hurts hurt harms harm degrades degrade degraded degradation reduces reduce reduced
             drops drop smaller smallest slower weaker below inferior loses lose lost declines decline falls fall""",
    "de": "schlechter niedriger weniger verschlechtert verringert senkt kleiner langsamer schwächer unterlegen",
    "fr": "pire inférieur inférieure moins dégrade réduit diminue baisse",
    "es": "peor menor menos reduce disminuye empeora inferior",
    "sw": "mbaya duni chini hupunguza inapunguza kupunguza inashusha punguzo",
    "yo": "buru kere",
    "ha": "muni ƙasa rage",
}

# words of one listed language that mean something else (often something common) in another
_AMBIGUOUS: frozenset[str] = frozenset("ni si aan ma ai ko ba ban taba ju dara fi juu chini plus".split())
NEGATORS_BY_LANG: dict[str, frozenset[str]] = {k: frozenset(v.split()) for k, v in _NEGATORS_BY_LANG.items()}
DIRECTION_BY_LANG: dict[str, dict[str, int]] = {
    k: {**{w: -1 for w in _DOWN_BY_LANG.get(k, "").split()}, **{w: 1 for w in _UP_BY_LANG.get(k, "").split()}}
    for k in set(_UP_BY_LANG) | set(_DOWN_BY_LANG)
}
NEGATORS: frozenset[str] = frozenset().union(*NEGATORS_BY_LANG.values())  # every listed negator
_ANY_NEGATORS = NEGATORS - _AMBIGUOUS
_ANY_DIRECTION = {w: s for d in DIRECTION_BY_LANG.values() for w, s in d.items() if w not in _AMBIGUOUS}
_ANY_DIRECTION.update(DIRECTION_BY_LANG["en"])  # English terms run through papers in every language
_DIRECTION_WITH_EN = {k: {**DIRECTION_BY_LANG["en"], **d} for k, d in DIRECTION_BY_LANG.items()}
MIN_LANG_PROB = 0.6  # below this the text's language is taken as unknown


@lru_cache(maxsize=65536)
def text_language(text: str) -> str:
    """The language of `text` (py3langid) when identified with probability >= MIN_LANG_PROB, else "und"."""
    from ...ingest.langid import UNDETERMINED, detect_with_confidence

    lang, prob = detect_with_confidence(text)
    return lang if prob >= MIN_LANG_PROB else UNDETERMINED


def negators_for(text: str) -> frozenset[str]:
    """The negator words that count in `text`: its language's list, else the unambiguous ones of every list."""
    return NEGATORS_BY_LANG.get(text_language(text), _ANY_NEGATORS)


def directions_for(text: str) -> dict[str, int]:
    """The comparison words of `text`'s language (with English, common in technical text), else the unambiguous
    ones of every list."""
    return _DIRECTION_WITH_EN.get(text_language(text), _ANY_DIRECTION)


FEATURES_VERSION = 2  # bump when a cue's definition changes: cached feature rows of another version are stale

SCALAR_NAMES: tuple[str, ...] = (
    "lexical_overlap",  # share of claim content words found in the evidence
    "number_overlap",  # share of claim numbers found in the evidence
    "number_mismatch",  # both sides state numbers, and some claim number is absent from the evidence
    "percent_mismatch",  # both state percentages and they differ
    "negation_mismatch",  # one side is negated and the other is not
    "negation_claim",
    "negation_evidence",
    "direction_flip",  # claim says up/better where the evidence says down/worse (or the reverse)
    "direction_agree",
    "entity_overlap",  # share of claim names/acronyms (capitalised, digits) found in the evidence
    "entity_mismatch",  # both sides name things and the claim's are missing from the evidence
    "length_ratio",  # log(len(evidence) / len(claim)) in words, clipped
)


def words(text: str) -> list[str]:
    """Lower-cased word tokens (any script), with accents kept."""
    return [w.lower() for w in _WORD.findall(unicodedata.normalize("NFKC", text))]


def _fold(word: str) -> str:
    """Accent-folded form, for matching across French/German/Yoruba spellings."""
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


# small numbers written as words (English); "one" is left out: it is a pronoun as often as a number
_NUMBER_WORD = re.compile(r"\b(two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\b", re.IGNORECASE)
_WORD_VALUE = {w: float(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())}


def numbers(text: str) -> list[tuple[float, bool]]:
    """Numbers stated in `text` as (value, is_percent); decimal commas read as points, years kept, English number
    words from two to twelve read as numbers."""
    out = [(_WORD_VALUE[m.group(1).lower()], False) for m in _NUMBER_WORD.finditer(text)]
    for m in _NUMBER.finditer(unicodedata.normalize("NFKC", text)):
        raw, pct = m.group(2), bool(m.group(1) or m.group(3))
        if re.fullmatch(r"\d{1,3}(,\d{3})+", raw):  # thousands separators
            raw = raw.replace(",", "")
        else:
            raw = raw.replace(",", ".")
            if raw.count(".") > 1:
                raw = raw.replace(".", "")
        try:
            out.append((float(raw), pct))
        except ValueError:
            continue
    return out


def _same_number(v: float, stated: set[float]) -> bool:
    """Whether claim value v is among the `stated` values; a whole number in a claim also matches a stated value
    that rounds or truncates to it ("about four points" for 4.1, "13 %" for 13.7 %)."""
    if v in stated:
        return True
    return v.is_integer() and any(round(u) == v or int(u) == v for u in stated)


def negation_count(text: str) -> int:
    """How many negator words `text` contains (including the n't clitic)."""
    neg = negators_for(text)
    return sum(1 for w in words(text) if w in neg) + len(re.findall(r"n't\b", text.lower()))


def direction(text: str) -> int:
    """Net comparison direction of `text`: > 0 up/better, < 0 down/worse, 0 none or balanced."""
    table = directions_for(text)
    return sum(table.get(w, 0) for w in words(text))


def entities(text: str) -> set[str]:
    """Names and acronyms: capitalised words not at sentence start, all-caps tokens, and tokens with digits."""
    out: set[str] = set()
    toks = re.findall(r"[\w\-@]+", unicodedata.normalize("NFKC", text))
    for i, t in enumerate(toks):
        if len(t) < 2 or t.isdigit():
            continue
        upper = sum(c.isupper() for c in t)
        if (upper >= 2) or (any(c.isdigit() for c in t) and any(c.isalpha() for c in t)) or (i > 0 and t[0].isupper()):
            out.add(_fold(t.lower()))
    return out


def _content(ws: list[str]) -> set[str]:
    return {_fold(w) for w in ws if len(w) > 3 or any(c.isdigit() for c in w)}


def scalar_features(claim: str, evidence: str) -> list[float]:
    """The cue features of one pair, in the order of `SCALAR_NAMES`."""
    import math

    cw, ew = words(claim), words(evidence)
    cc, ec = _content(cw), _content(ew)
    ec_all = {_fold(w) for w in ew}
    lexical = len(cc & ec_all) / len(cc) if cc else 0.0

    cn, en = numbers(claim), numbers(evidence)
    cvals = {v for v, _ in cn if not _YEAR.match(str(int(v)) if v.is_integer() else "")}
    evals = {v for v, _ in en}
    matched = {v for v in cvals if _same_number(v, evals)}
    num_overlap = len(matched) / len(cvals) if cvals else 0.0
    num_mismatch = float(bool(cvals) and bool(evals) and matched != cvals)
    cp = {v for v, p in cn if p}
    ep = {v for v, p in en if p}
    pct_mismatch = float(bool(cp) and bool(ep) and not cp & ep)

    neg_c, neg_e = negation_count(claim), negation_count(evidence)
    neg_mismatch = float((neg_c > 0) != (neg_e > 0))  # presence: Hausa "ba ... ba" is one negation, not two

    dc, de = direction(claim), direction(evidence)
    flip = float(dc * de < 0)
    agree = float(dc * de > 0)

    ce, ee = entities(claim), entities(evidence)
    ee_all = ee | ec_all
    ent_overlap = len(ce & ee_all) / len(ce) if ce else 0.0
    ent_mismatch = float(bool(ce) and bool(ee) and not ce & ee_all)

    ratio = math.log((len(ew) + 1) / (len(cw) + 1))
    return [
        lexical,
        num_overlap,
        num_mismatch,
        pct_mismatch,
        neg_mismatch,
        float(min(neg_c, 3)) / 3,
        float(min(neg_e, 3)) / 3,
        flip,
        agree,
        ent_overlap,
        ent_mismatch,
        max(-3.0, min(3.0, ratio)),
    ]
