"""Contrast pairs across languages for the v4 verifier: a sentence and its translations with one comparison term turned
into its opposite in every language at once ("low-resource" -> "high-resource", "ressourcenarme" -> "ressourcenreiche",
"peu dotées" -> "bien dotées", "rasilimali chache" -> "rasilimali nyingi"); claims that restate a translation's
number loosely ("by about four points" against "um 4,1 Punkte"); and made-up results in several wordings and
languages (`fact_pairs`: "beats" for "improves ... over", the result without its number, the methods reversed).

The restatement stage taught that a translation supports and a perturbed English sentence is refuted, but the
perturbation was English only: the cross-encoder learned that "low-resource" against any unfamiliar German or Swahili
word for it is a conflict, and judged "Cross-lingual retrieval works for low-resource languages" refuted by its German
translation (0.98) and its high-resource version supported (0.98). Swapping the term on both sides gives, from one
translated sentence, two true restatements (original and swapped, each in any two languages) and a pair that differs
in the term alone (original against swapped: REFUTED for a direction, NOT_ENOUGH_INFO for another language group,
`contrast_label`), so the only difference the model can learn from is the term itself, in each language.

Languages: English, German, French and Swahili (those the project's field sentences are translated into). A term is
swapped in a language only when exactly one form of it occurs there; languages where it does not are left out of that
sentence's pairs.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable

# concept -> language -> [(form, opposite form)]; forms are whole words or phrases, matched case-insensitively
LEXICON: dict[str, dict[str, list[tuple[str, str]]]] = {
    "resource": {
        "en": [("low-resource", "high-resource"), ("low-resourced", "high-resourced")],
        "de": [(f"ressourcenarm{s}", f"ressourcenreich{s}") for s in ("", "e", "en", "er", "es", "em")],
        "fr": [(f"peu doté{s}", f"bien doté{s}") for s in ("", "e", "s", "es")],
        "sw": [("rasilimali chache", "rasilimali nyingi")],
    },
    "improve": {
        "en": [("improves", "worsens"), ("improve", "worsen"), ("improved", "worsened"), ("improving", "worsening")],
        "de": [(f"verbesser{s}", f"verschlechter{s}") for s in ("t", "n", "te", "ten")],
        "fr": [(f"amélior{s}", f"dégrad{s}") for s in ("e", "ent", "é", "ée", "és", "ées", "er")],
        "sw": [(f"{p}boresha", f"{p}dhoofisha") for p in ("hu", "ina", "ili", "ita", "ku", "zina", "zili", "hui", "yana")]
        + [(f"{p}boreshi", f"{p}dhoofishi") for p in ("hai", "hazi", "haku")],
    },
    "higher": {
        "en": [("higher", "lower")],
        "de": [(f"höher{s}", f"niedriger{s}") for s in ("", "e", "en", "er", "es", "em")],
        "fr": [("plus élevé", "plus faible"), ("plus élevée", "plus faible"), ("plus élevés", "plus faibles"),
               ("plus élevées", "plus faibles")],
        "sw": [("juu zaidi", "chini zaidi")],
    },
    "better": {
        "en": [("better", "worse")],
        "de": [(f"besser{s}", f"schlechter{s}") for s in ("", "e", "en", "er", "es", "em")],
        "fr": [("mieux", "moins bien")],
        "sw": [("bora zaidi", "mbaya zaidi"), ("vizuri zaidi", "vibaya zaidi")],
    },
    "faster": {
        "en": [("faster", "slower")],
        "de": [(f"schneller{s}", f"langsamer{s}") for s in ("", "e", "en", "er", "es")],
        "fr": [("plus rapide", "plus lent"), ("plus rapides", "plus lents"), ("plus rapidement", "plus lentement")],
        "sw": [("haraka zaidi", "polepole zaidi")],
    },
    "increase": {
        "en": [("increases", "decreases"), ("increase", "decrease"), ("increased", "decreased")],
        "de": [("erhöht", "verringert"), ("erhöhen", "verringern"), ("vergrößert", "verkleinert")],
        "fr": [("augmente", "diminue"), ("augmentent", "diminuent"), ("augmenté", "diminué"), ("augmentation", "diminution")],
        "sw": [(f"{p}ongeza", f"{p}punguza") for p in ("hu", "ina", "ili", "ku", "hui", "zina")],
    },
}

_NUMBER_WORDS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
                 "seventeen eighteen nineteen twenty").split()


def _pattern(forms: Iterable[str]) -> re.Pattern[str]:
    alts = sorted({re.escape(f) for f in forms}, key=len, reverse=True)  # longest first: "improved" before "improve"
    return re.compile(r"(?<![\w-])(" + "|".join(alts) + r")(?![\w-])", re.IGNORECASE)


_SWAP: dict[tuple[str, str], tuple[re.Pattern[str], dict[str, str]]] = {}
for _concept, _langs in LEXICON.items():
    for _lang, _forms in _langs.items():
        _table = {a.lower(): b for a, b in _forms} | {b.lower(): a for a, b in _forms}
        _SWAP[(_concept, _lang)] = (_pattern(_table), _table)


def swap(text: str, lang: str, concept: str) -> str | None:
    """`text` with its one form of `concept` replaced by the opposite form (case of the first letter kept); None when
    the language has no entry for it or the sentence holds no form, or more than one."""
    if (concept, lang) not in _SWAP:
        return None
    pattern, table = _SWAP[(concept, lang)]
    hits = list(pattern.finditer(text))
    if len(hits) != 1:
        return None
    word = hits[0].group(1)
    new = table[word.lower()]
    if word[0].isupper():
        new = new[0].upper() + new[1:]
    before, after = text[: hits[0].start(1)], text[hits[0].end(1):]
    if lang == "fr":
        before = _elide(before, new)
    return before + new + after


_ELIDED = {"n'": "ne ", "l'": "la ", "d'": "de ", "qu'": "que ", "s'": "se "}


def _elide(before: str, word: str) -> str:
    """French elision before the new word: "n'" + "dégrade" -> "ne dégrade", "ne " + "améliore" -> "n'améliore"."""
    vowel = word[:1].lower() in "aeéèêiouh"
    for short, full in _ELIDED.items():
        if not vowel and before.lower().endswith(short) and (len(before) == len(short) or not before[-len(short) - 1].isalpha()):
            return before[: -len(short)] + (full if before[-len(short)].islower() else full.capitalize())
        if vowel and before.lower().endswith(" " + full) or vowel and before.lower() == full:
            return before[: len(before) - len(full)] + (short if before[len(before) - len(full)].islower() else short.capitalize())
    return before


def swaps(d: dict[str, str]) -> dict[str, dict[str, str]]:
    """{concept: {lang: swapped sentence}} for every concept that can be swapped in English and in at least one
    translation of the parallel sentence `d` ({lang: text})."""
    out: dict[str, dict[str, str]] = {}
    for concept in LEXICON:
        s = {lang: new for lang, text in d.items() if (new := swap(text, lang, concept)) is not None}
        if "en" in s and len(s) >= 2:
            out[concept] = s
    return out


_NEGATED = re.compile(r"\b(not|no|never|neither|nor|without)\b|n't\b", re.IGNORECASE)
_UNIQUE = re.compile(r"\b(largest|smallest|most|least|best|worst|only|highest|lowest)\b", re.IGNORECASE)


def contrast_label(english: str, concept: str) -> int:
    """The label of a sentence against its swapped version (1 REFUTED, 2 NOT_ENOUGH_INFO). Swapping the language
    group says something of other languages ("improves retrieval for high-resource languages" is not settled by a
    statement on low-resource ones) unless the sentence singles one group out ("gains are largest for"); swapping a
    direction contradicts, unless the sentence is negated ("does not improve" and "does not worsen" both hold when
    nothing changes)."""
    if concept == "resource":
        return 1 if _UNIQUE.search(english) else 2
    return 2 if _NEGATED.search(english) else 1


def contrast_pairs(units: list[tuple[str, dict[str, str]]], rng: random.Random, rounds: int = 3) -> list[dict]:
    """Pairs from parallel sentences (`units`: (group, {lang: text})) whose comparison term can be swapped in several
    languages: per round (one swappable concept drawn per round), the swapped or original sentence in two languages is
    SUPPORTED; original against swapped across two languages, and within a translation every other round, is REFUTED
    or NOT_ENOUGH_INFO (`contrast_label`)."""
    out: list[dict] = []

    def add(a: tuple[str, str], b: tuple[str, str], label: int, source: str, group: str) -> None:
        (ca, cl), (eb, el) = (a, b) if rng.random() < 0.5 else (b, a)
        out.append(dict(claim=ca, evidence=eb, label=label, source=source, claim_lang=cl, evidence_lang=el, group=group))

    for group, d in units:
        options = swaps(d)
        for r in range(rounds if options else 0):
            concept = rng.choice(sorted(options))
            s = options[concept]
            langs = sorted(s)
            x, y = rng.sample(langs, 2)
            side = s if r % 2 else {k: d[k] for k in langs}
            add((side[x], x), (side[y], y), 0, f"contrast-{concept}-same", group)
            label = contrast_label(d["en"], concept)
            add((d[x], x), (s[y], y), label, f"contrast-{concept}", group)
            if r % 2 == 0:
                z = rng.choice([lang for lang in langs if lang != "en"])
                add((d[z], z), (s[z], z), label, f"contrast-{concept}-mono", group)
    return out


def hedge_number(text: str, rng: random.Random, change: bool = False) -> str | None:
    """`synth.train.verifier.perturb.approximate_number`, with a small whole number spelled out half the time ("about
    four"), as people write it."""
    from synth.train.verifier.perturb import HEDGES, approximate_number

    out = approximate_number(text, rng, change=change)
    if out is None:
        return None
    m = re.search(r"\b(" + "|".join(HEDGES) + r") (\d+)\b(?![.,]\d)", out)
    if m and 2 <= int(m.group(2)) < len(_NUMBER_WORDS) and rng.random() < 0.5:
        out = out[: m.start(2)] + _NUMBER_WORDS[int(m.group(2))] + out[m.end(2):]
    return out


def approximate_translation_pairs(units: list[tuple[str, dict[str, str]]], rng: random.Random, rounds: int = 2) -> list[dict]:
    """The English sentence with a decimal number hedged and rounded ("by about 4 points", "about four") against a
    translation (or the English sentence itself) that states it exactly: SUPPORTED; hedged and clearly changed:
    REFUTED. Either side may be the claim."""
    out: list[dict] = []
    for group, d in units:
        others = sorted(d)
        for _ in range(rounds):
            same, changed = hedge_number(d["en"], rng), hedge_number(d["en"], rng, change=True)
            if same is None or changed is None:
                break
            for text, label, tag in ((same, 0, "same"), (changed, 1, "changed")):
                x = rng.choice(others)
                a, b = ((text, "en"), (d[x], x)) if rng.random() < 0.7 else ((d[x], x), (text, "en"))
                out.append(dict(claim=a[0], evidence=b[0], label=label, source=f"approx-x-{tag}", claim_lang=a[1],
                                evidence_lang=b[1], group=group))
    return out


# Sentences written for these pairs, in the four languages: the field sentences hold few comparison terms (22 of 187
# in the training half). Methods are only named (names are the same in every language); the tasks avoid the tests'
# "cross-lingual retrieval" so the tests' sentences stay unseen. (en, de accusative, fr, sw)
_TASKS = [("sentence retrieval", "das Satz-Retrieval", "la recherche de phrases", "urejeshaji wa sentensi"),
          ("passage ranking", "das Passagen-Ranking", "le classement de passages", "upangaji wa vifungu"),
          ("question answering", "die Beantwortung von Fragen", "la réponse aux questions", "kujibu maswali"),
          ("document retrieval", "die Dokumentsuche", "la recherche de documents", "utafutaji wa nyaraka"),
          ("bitext mining", "das Bitext-Mining", "l'extraction de bitextes", "uchimbaji wa bitext")]
# (en, de accusative, de dative, fr, sw)
_GROUPS = [("low-resource languages", "ressourcenarme Sprachen", "ressourcenarmen Sprachen", "les langues peu dotées",
            "lugha zenye rasilimali chache"),
           ("low-resource African languages", "ressourcenarme afrikanische Sprachen", "ressourcenarmen afrikanischen Sprachen",
            "les langues africaines peu dotées", "lugha za Kiafrika zenye rasilimali chache"),
           ("high-resource languages", "ressourcenreiche Sprachen", "ressourcenreichen Sprachen", "les langues bien dotées",
            "lugha zenye rasilimali nyingi"),
           ("high-resource European languages", "ressourcenreiche europäische Sprachen",
            "ressourcenreichen europäischen Sprachen", "les langues européennes bien dotées",
            "lugha za Ulaya zenye rasilimali nyingi")]
_METHODS = ["LaBSE", "XLM-R", "mBERT", "LASER", "mE5", "BGE-M3", "mContriever"]
_METRICS = ["nDCG@10", "MRR@10", "Recall@100"]
_TEMPLATES = [
    ("{m} improves {t} for {l}.", "{m} verbessert {t} für {la}.", "{m} améliore {t} pour {l}.", "{m} huboresha {t} kwa {l}."),
    ("{m} does not improve {t} for {l}.", "{m} verbessert {t} für {la} nicht.", "{m} n'améliore pas {t} pour {l}.",
     "{m} haiboreshi {t} kwa {l}."),
    ("On {l}, {m} reaches a higher {x} than {m2}.", "Bei {ld} erreicht {m} einen höheren {x}-Wert als {m2}.",
     "Sur {l}, {m} atteint un {x} plus élevé que {m2}.", "Kwa {l}, {m} hufikia {x} ya juu zaidi kuliko {m2}."),
    ("{m} works better than {m2} on {l}.", "{m} funktioniert bei {ld} besser als {m2}.", "{m} fonctionne mieux que {m2} sur {l}.",
     "{m} hufanya kazi vizuri zaidi kuliko {m2} kwa {l}."),
    ("{m} encodes text in {l} faster than {m2}.", "{m} kodiert Texte in {ld} schneller als {m2}.",
     "{m} encode les textes {des} plus rapidement que {m2}.", "{m} husimba maandishi ya {l} haraka zaidi kuliko {m2}."),
    ("Training on more bitext increases the accuracy of {m} on {l}.", "Training auf mehr Bitext erhöht die Genauigkeit von {m} bei {ld}.",
     "L'entraînement sur davantage de bitextes augmente la précision de {m} sur {l}.",
     "Mafunzo kwa bitext zaidi huongeza usahihi wa {m} kwa {l}."),
    ("The gains of {m} are largest for {l}.", "Die Gewinne von {m} sind bei {ld} am größten.",
     "Les gains de {m} sont les plus importants pour {l}.", "Faida za {m} ni kubwa zaidi kwa {l}."),
]


def template_units(rng: random.Random, n: int = 400) -> list[tuple[str, dict[str, str]]]:
    """`n` parallel sentences (group, {lang: text}) about methods, tasks and low-/high-resource language groups, each
    with one or two comparison terms of `LEXICON`, from the templates above with slots drawn at random."""
    out: list[tuple[str, dict[str, str]]] = []
    seen: set[str] = set()
    while len(out) < n:
        tpl, task, group = rng.choice(_TEMPLATES), rng.choice(_TASKS), rng.choice(_GROUPS)
        m, m2 = rng.sample(_METHODS, 2)
        x = rng.choice(_METRICS)
        en = tpl[0].format(m=m, m2=m2, t=task[0], l=group[0], x=x)
        if en in seen:
            continue
        seen.add(en)
        d = {"en": en,
             "de": tpl[1].format(m=m, m2=m2, t=task[1], la=group[1], ld=group[2], x=x),
             "fr": tpl[2].format(m=m, m2=m2, t=task[2], l=group[3], des="des " + group[3][4:], x=x),
             "sw": tpl[3].format(m=m, m2=m2, t=task[3], l=group[4], x=x)}
        out.append((f"tpl{len(out)}", {k: v if v.startswith(m) else v[0].upper() + v[1:] for k, v in d.items()}))
    return out


_LANGUAGES = [("Swahili", "Swahili", "swahili", "Kiswahili"), ("Yoruba", "Yoruba", "yoruba", "Kiyoruba"),
              ("Hausa", "Hausa", "haoussa", "Kihausa"), ("Amharic", "Amharisch", "amharique", "Kiamhari"),
              ("Somali", "Somali", "somali", "Kisomali")]
# One result ("m is ahead of m2 on language l by v points of metric x") in several wordings. Both cross-encoders so far
# judged "OPTICAL beats the distillation baseline on MIRACL Swahili" REFUTED (0.99) by "OPTICAL improves MRR@10 on the
# Swahili MIRACL queries by 4.1 points over the distillation baseline": the perturbation pairs taught that a changed
# comparison verb is a conflict, and nothing taught that another verb can say the same thing.
_SPECIFIC = [
    ("{m} improves {x} on {l} by {v} points over {m2}.", "{m} verbessert {x} für {l} um {v} Punkte gegenüber {m2}.",
     "{m} améliore {x} en {l} de {v} points par rapport à {m2}.", "{m} huboresha {x} kwa {l} kwa pointi {v} zaidi ya {m2}."),
    ("On {l}, {m} beats {m2} by {v} {x} points.", "Bei {l} schlägt {m} {m2} um {v} {x}-Punkte.",
     "En {l}, {m} bat {m2} de {v} points de {x}.", "Kwa {l}, {m} inashinda {m2} kwa pointi {v} za {x}."),
    ("{m} outperforms {m2} on {l} by {v} {x} points.", "{m} übertrifft {m2} bei {l} um {v} {x}-Punkte.",
     "{m} surpasse {m2} en {l} de {v} points de {x}.", "{m} inafanya vizuri kuliko {m2} kwa {l} kwa pointi {v} za {x}."),
    ("For {l}, {m} is ahead of {m2} by {v} {x} points.", "Für {l} liegt {m} um {v} {x}-Punkte vor {m2}.",
     "En {l}, {m} devance {m2} de {v} points de {x}.", "Kwa {l}, {m} iko mbele ya {m2} kwa pointi {v} za {x}."),
    ("{m} raises {x} on {l} by {v} points compared with {m2}.", "{m} steigert {x} für {l} um {v} Punkte im Vergleich zu {m2}.",
     "{m} augmente {x} en {l} de {v} points par rapport à {m2}.", "{m} huongeza {x} kwa {l} kwa pointi {v} ikilinganishwa na {m2}."),
]
_GENERAL = [
    ("{m} beats {m2} on {l}.", "{m} schlägt {m2} bei {l}.", "{m} bat {m2} en {l}.", "{m} inashinda {m2} kwa {l}."),
    ("{m} outperforms {m2} on {l}.", "{m} übertrifft {m2} bei {l}.", "{m} surpasse {m2} en {l}.",
     "{m} inafanya vizuri kuliko {m2} kwa {l}."),
    ("{m} is better than {m2} on {l}.", "{m} ist bei {l} besser als {m2}.", "{m} est meilleur que {m2} en {l}.",
     "{m} ni bora kuliko {m2} kwa {l}."),
]
_GENERAL_NOT = ("{m} does not beat {m2} on {l}.", "{m} schlägt {m2} bei {l} nicht.", "{m} ne bat pas {m2} en {l}.",
                "{m} haishindi {m2} kwa {l}.")
_CODES = ("en", "de", "fr", "sw")


def _render(tpl: tuple[str, ...], lang: tuple[str, ...], m: str, m2: str, x: str = "", v: str = "") -> dict[str, str]:
    """A template in the four languages (German and French with a decimal comma)."""
    return {code: tpl[k].format(m=m, m2=m2, x=x, l=lang[k], v=v.replace(".", ",") if code in ("de", "fr") else v)
            for k, code in enumerate(_CODES)}


def fact_pairs(rng: random.Random, n: int = 600) -> list[dict]:
    """Pairs about `n` made-up results, each in two languages drawn from en/de/fr/sw (the same one a third of the time):
    another wording of the result SUPPORTED; the result stated without its number, as the claim, SUPPORTED; the result
    as the claim against evidence that omits the number NOT_ENOUGH_INFO; the same result for another language
    NOT_ENOUGH_INFO; the two methods the other way round, or "does not beat", REFUTED; another number REFUTED."""
    out: list[dict] = []
    for i in range(n):
        lang, other_lang = rng.sample(_LANGUAGES, 2)
        m, m2 = rng.sample(_METHODS, 2)
        x, v = rng.choice(_METRICS), f"{rng.uniform(1.0, 20.0):.1f}"
        t1, t2 = rng.sample(_SPECIFIC, 2)
        g = rng.choice(_GENERAL)
        evidence = _render(t1, lang, m, m2, x, v)
        far = f"{float(v) * rng.choice([0.4, 0.5, 2.0, 2.5]) + rng.choice([0.0, 1.0]):.1f}"
        claims = [(_render(t2, lang, m, m2, x, v), 0, "paraphrase"), (_render(g, lang, m, m2), 0, "general"),
                  (_render(t2, other_lang, m, m2, x, v), 2, "other-language"),
                  (_render(g, lang, m2, m) if rng.random() < 0.5 else _render(_GENERAL_NOT, lang, m, m2), 1, "reversed"),
                  (_render(t2, lang, m, m2, x, far), 1, "number")]
        for claim, label, tag in claims:
            a = rng.choice(_CODES)
            b = a if rng.random() < 1 / 3 else rng.choice([c for c in _CODES if c != a])
            out.append(dict(claim=claim[a], evidence=evidence[b], label=label, source=f"fact-{tag}", claim_lang=a,
                            evidence_lang=b, group=f"fact{i}"))
        a, b = rng.sample(_CODES, 2)  # the result against evidence that does not give the number
        out.append(dict(claim=evidence[a], evidence=_render(g, lang, m, m2)[b], label=2, source="fact-more-specific",
                        claim_lang=a, evidence_lang=b, group=f"fact{i}"))
    return out


def result_units(rng: random.Random, n: int = 300) -> list[tuple[str, dict[str, str]]]:
    """`n` parallel sentences stating a result with one decimal number (German and French with a decimal comma), for
    `approximate_translation_pairs`: people restate "4.1 points" as "about four points"."""
    out: list[tuple[str, dict[str, str]]] = []
    for i in range(n):
        m, m2 = rng.sample(_METHODS, 2)
        d = _render(rng.choice(_SPECIFIC), rng.choice(_LANGUAGES), m, m2, rng.choice(_METRICS), f"{rng.uniform(1.0, 20.0):.1f}")
        out.append((f"result{i}", d))
    return out


# ------------------------------------------------------------------------------------ sides of a comparison swapped
# v4 read "the rate was higher in A than in B" against "higher in B than in A" as support, in one language and across
# languages (the contrast pairs above turn the comparison term, never its sides). Generic groups and measures, each
# written in en/de/fr/es/sw as prepositional phrases, so no sentence needs agreement with the groups.
_SIDES = [  # (en, de, fr, es, sw) "in <group>" phrases, in pairs that can be compared
    (("in small farms", "in kleinen Betrieben", "dans les petites exploitations", "en las pequeñas explotaciones", "katika mashamba madogo"),
     ("in large farms", "in großen Betrieben", "dans les grandes exploitations", "en las grandes explotaciones", "katika mashamba makubwa")),
    (("among women", "bei Frauen", "chez les femmes", "entre las mujeres", "miongoni mwa wanawake"),
     ("among men", "bei Männern", "chez les hommes", "entre los hombres", "miongoni mwa wanaume")),
    (("among children", "bei Kindern", "chez les enfants", "entre los niños", "miongoni mwa watoto"),
     ("among adults", "bei Erwachsenen", "chez les adultes", "entre los adultos", "miongoni mwa watu wazima")),
    (("in the northern districts", "in den nördlichen Bezirken", "dans les districts du nord", "en los distritos del norte", "katika wilaya za kaskazini"),
     ("in the southern districts", "in den südlichen Bezirken", "dans les districts du sud", "en los distritos del sur", "katika wilaya za kusini")),
    (("in public schools", "an öffentlichen Schulen", "dans les écoles publiques", "en las escuelas públicas", "katika shule za umma"),
     ("in private schools", "an privaten Schulen", "dans les écoles privées", "en las escuelas privadas", "katika shule binafsi")),
    (("in coastal towns", "in Küstenstädten", "dans les villes côtières", "en las ciudades costeras", "katika miji ya pwani"),
     ("in inland towns", "in Städten im Landesinneren", "dans les villes de l'intérieur", "en las ciudades del interior", "katika miji ya bara")),
    (("in the treated group", "in der behandelten Gruppe", "dans le groupe traité", "en el grupo tratado", "katika kundi lililotibiwa"),
     ("in the control group", "in der Kontrollgruppe", "dans le groupe témoin", "en el grupo de control", "katika kundi la udhibiti")),
    (("in 2019", "im Jahr 2019", "en 2019", "en 2019", "mwaka 2019"), ("in 2022", "im Jahr 2022", "en 2022", "en 2022", "mwaka 2022")),
    (("on weekdays", "an Wochentagen", "en semaine", "entre semana", "siku za kazi"),
     ("at weekends", "an Wochenenden", "le week-end", "los fines de semana", "mwishoni mwa wiki")),
    (("in the dry season", "in der Trockenzeit", "pendant la saison sèche", "en la estación seca", "wakati wa kiangazi"),
     ("in the rainy season", "in der Regenzeit", "pendant la saison des pluies", "en la estación de lluvias", "wakati wa masika")),
]
_MEASURES = [  # (en, de [feminine], fr "taux de ...", es "tasa de ...", sw "kiwango cha ...")
    ("mortality rate", "Sterblichkeitsrate", "mortalité", "mortalidad", "vifo"),
    ("vaccination rate", "Impfquote", "vaccination", "vacunación", "chanjo"),
    ("dropout rate", "Abbrecherquote", "décrochage", "abandono", "kuacha shule"),
    ("growth rate", "Wachstumsrate", "croissance", "crecimiento", "ukuaji"),
    ("infection rate", "Infektionsrate", "infection", "infección", "maambukizi"),
    ("unemployment rate", "Arbeitslosenquote", "chômage", "desempleo", "ukosefu wa ajira"),
    ("survival rate", "Überlebensrate", "survie", "supervivencia", "kuishi"),
    ("error rate", "Fehlerquote", "erreur", "error", "makosa"),
]
_SIDE_TEMPLATES = {  # direction -> language -> template over {m} measure, {a} and {b} phrases
    "higher": {"en": "The {m} was higher {a} than {b}.", "de": "Die {m} war {a} höher als {b}.",
               "fr": "Le taux de {m} était plus élevé {a} que {b}.", "es": "La tasa de {m} fue más alta {a} que {b}.",
               "sw": "Kiwango cha {m} kilikuwa juu zaidi {a} kuliko {b}."},
    "lower": {"en": "The {m} was lower {a} than {b}.", "de": "Die {m} war {a} niedriger als {b}.",
              "fr": "Le taux de {m} était plus faible {a} que {b}.", "es": "La tasa de {m} fue más baja {a} que {b}.",
              "sw": "Kiwango cha {m} kilikuwa chini zaidi {a} kuliko {b}."},
}
_SIDE_LANGS = ("en", "de", "fr", "es", "sw")


def _side_sentence(direction: str, lang: str, m: int, a: tuple[str, ...], b: tuple[str, ...]) -> str:
    k = _SIDE_LANGS.index(lang)
    text = _SIDE_TEMPLATES[direction][lang].format(m=_MEASURES[m][k], a=a[k], b=b[k])
    return text.replace("que en", "qu'en") if lang == "fr" else text  # French elision: que en 2019 -> qu'en 2019


def side_swap_pairs(rng: random.Random, n: int = 900) -> list[dict]:
    """`n` comparisons (a measure higher or lower in one group than in another), each judged against, in any two of
    en/de/fr/es/sw (the same language a third of the time): its translation SUPPORTED; the sides swapped REFUTED; the
    direction turned REFUTED; sides swapped and direction turned (the same statement) SUPPORTED; another measure for
    the same groups NOT_ENOUGH_INFO."""
    out: list[dict] = []
    flip = {"higher": "lower", "lower": "higher"}
    for i in range(n):
        a, b = rng.choice(_SIDES)
        if rng.random() < 0.5:
            a, b = b, a
        m, other_m = rng.sample(range(len(_MEASURES)), 2)
        d = rng.choice(["higher", "lower"])
        variants = [((d, m, a, b), 0, "translation"), ((d, m, b, a), 1, "sides"), ((flip[d], m, a, b), 1, "direction"),
                    ((flip[d], m, b, a), 0, "both"), ((d, other_m, a, b), 2, "other-measure")]
        for (dd, mm, aa, bb), label, tag in variants:
            x = rng.choice(_SIDE_LANGS)
            y = x if rng.random() < 1 / 3 else rng.choice([c for c in _SIDE_LANGS if c != x])
            claim, evidence = _side_sentence(d, x, m, a, b), _side_sentence(dd, y, mm, aa, bb)
            if rng.random() < 0.5:
                claim, evidence, x, y = evidence, claim, y, x
            out.append(dict(claim=claim, evidence=evidence, label=label, source=f"sides-{tag}", claim_lang=x,
                            evidence_lang=y, group=f"sides{i}"))
    return out
