"""The contrast pairs of scripts/contrast.py (verifier training data): a comparison term swapped in every language at
once, with the label a reader would give; loose restatements of a translated number; the tests' sentences kept out."""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))

PARALLEL = {  # one sentence, as a translator would write it
    "en": "The method improves retrieval for low-resource languages.",
    "de": "Die Methode verbessert die Suche für ressourcenarme Sprachen.",
    "fr": "La méthode améliore la recherche pour les langues peu dotées.",
    "sw": "Mbinu hii huboresha utafutaji kwa lugha zenye rasilimali chache.",
}


@pytest.mark.parametrize("lang, concept, text, expected", [
    ("de", "resource", PARALLEL["de"], "Die Methode verbessert die Suche für ressourcenreiche Sprachen."),
    ("de", "resource", "Ressourcenarme Sprachen werden von Millionen gesprochen.", "Ressourcenreiche Sprachen werden von Millionen gesprochen."),
    ("fr", "improve", "La méthode n'améliore pas la recherche.", "La méthode ne dégrade pas la recherche."),
    ("fr", "improve", "La méthode ne dégrade pas la recherche.", "La méthode n'améliore pas la recherche."),
    ("sw", "improve", "Mbinu hii haiboreshi utafutaji.", "Mbinu hii haidhoofishi utafutaji."),
    ("sw", "resource", PARALLEL["sw"], "Mbinu hii huboresha utafutaji kwa lugha zenye rasilimali nyingi."),
    ("en", "higher", "XLM-R reaches higher recall than mBERT.", "XLM-R reaches lower recall than mBERT."),
    ("en", "resource", "The gap between high-resource and low-resource languages is 18 points.", None),  # two forms
    ("en", "faster", "The student is small.", None),
    ("xx", "faster", "The student is faster.", None),
])
def test_swap_turns_the_one_term_into_its_opposite(lang, concept, text, expected):
    from contrast import swap

    assert swap(text, lang, concept) == expected
    if expected is not None:
        assert swap(expected, lang, concept) == text  # and back


def _differs_in_one_term(a: str, b: str) -> bool:
    from difflib import SequenceMatcher

    ops = SequenceMatcher(None, a.split(), b.split()).get_opcodes()
    return sum(tag != "equal" for tag, *_ in ops) == 1  # one run of words changed, the rest as it was


def test_contrast_pairs_label_translations_swaps_and_negations():
    from contrast import contrast_label, contrast_pairs, swaps, template_units

    units = [("u0", PARALLEL)] + template_units(random.Random(1), n=120)
    pairs = contrast_pairs(units, random.Random(2))
    assert {p["label"] for p in pairs} == {0, 1, 2}
    by_group = {g: d for g, d in units}
    for p in pairs:
        d = by_group[p["group"]]
        concept = p["source"].split("-")[1]
        options = swaps(d)[concept]
        orig = {d[lang] for lang in options}
        new = set(options.values())
        if p["label"] == 0:  # the same statement in two languages: both original or both swapped
            assert p["claim_lang"] != p["evidence_lang"]
            assert {p["claim"], p["evidence"]} <= orig or {p["claim"], p["evidence"]} <= new
        else:  # original against swapped: the label is the reader's, not always REFUTED
            assert len({p["claim"], p["evidence"]} & orig) == 1 and len({p["claim"], p["evidence"]} & new) == 1
            assert p["label"] == contrast_label(d["en"], concept)
            if p["claim_lang"] == p["evidence_lang"]:
                assert _differs_in_one_term(p["claim"], p["evidence"]), p
    assert contrast_label("The method improves retrieval for low-resource languages.", "resource") == 2  # others not settled
    assert contrast_label("The gains are largest for low-resource languages.", "resource") == 1
    assert contrast_label("The method improves retrieval.", "improve") == 1
    assert contrast_label("The method does not improve retrieval.", "improve") == 2  # "does not worsen" also holds
    assert len(pairs) == len(contrast_pairs(units, random.Random(2)))


HEDGE = r"\b(?:about|roughly|around|nearly|approximately|some) "


def _hedged_value(text: str) -> float:
    from contrast import _NUMBER_WORDS

    word = re.search(HEDGE + r"(\d+(?:\.\d+)?|" + "|".join(_NUMBER_WORDS) + r")\b", text).group(1)
    return float(word) if word[0].isdigit() else float(_NUMBER_WORDS.index(word))


def test_loose_numbers_across_languages_support_when_close_and_refute_when_far():
    from contrast import approximate_translation_pairs, result_units

    pairs = approximate_translation_pairs(result_units(random.Random(3), n=60), random.Random(4))
    assert {p["label"] for p in pairs} == {0, 1} and {p["evidence_lang"] for p in pairs} >= {"de", "fr", "sw"}
    spelled = 0
    for p in pairs:
        hedged, exact = (p["claim"], p["evidence"]) if re.search(HEDGE, p["claim"]) else (p["evidence"], p["claim"])
        a = _hedged_value(hedged)
        b = float(re.search(r"\d+[.,]\d", exact).group(0).replace(",", "."))  # the result, stated exactly
        spelled += not re.search(HEDGE + r"\d", hedged)
        assert (abs(a - b) <= 0.5) == (p["label"] == 0), (p, a, b)
    assert spelled  # "about four" as well as "about 4"


def test_generated_sentences_keep_out_the_tests_sentences_and_held_out_bitext(tmp_path):
    from contrast import result_units, template_units
    from train_cross import contrast_stage_pairs

    from synth.train.bitext import is_train

    sentences = [f"Model {i} improves recall for low-resource languages by {i + 2}.5 points." for i in range(40)]
    bitext = tmp_path / "bitext"
    bitext.mkdir()
    for code, word in (("deu", "ressourcenarme"), ("fra", "peu dotées"), ("swa", "rasilimali chache")):
        rows = "".join(f"{s}\t[{code}] Model {i} {word} +{i + 2}.5\n" for i, s in enumerate(sentences))
        (bitext / f"field-eng-{code}.tsv").write_text(rows, encoding="utf-8")
    pairs = contrast_stage_pairs((bitext,), random.Random(5))
    texts = {t for p in pairs for t in (p["claim"], p["evidence"])}
    held_out = [s for s in sentences if not is_train(s)]
    assert held_out and not any(s in texts for s in held_out)
    assert any(s in texts for s in sentences if is_train(s))
    generated = [t for _, d in template_units(random.Random(6)) + result_units(random.Random(6)) for t in d.values()]
    assert not any(re.search(r"cross-lingual retrieval|about four|over the distillation", t) for t in generated)


def test_fact_pairs_other_wordings_support_and_reversals_refute():
    from contrast import fact_pairs

    pairs = fact_pairs(random.Random(7), n=40)
    by_source: dict[str, list[dict]] = {}
    for p in pairs:
        by_source.setdefault(p["source"], []).append(p)
    expected = {"fact-paraphrase": 0, "fact-general": 0, "fact-more-specific": 2, "fact-other-language": 2,
                "fact-reversed": 1, "fact-number": 1}
    assert {s: {p["label"] for p in ps} for s, ps in by_source.items()} == {s: {lab} for s, lab in expected.items()}
    number = re.compile(r"\d+[.,]\d")
    for p in by_source["fact-general"]:  # the claim drops the number the evidence gives
        assert not number.search(p["claim"]) and number.search(p["evidence"])
    for p in by_source["fact-more-specific"]:  # the claim gives a number the evidence does not
        assert number.search(p["claim"]) and not number.search(p["evidence"])
    for p in by_source["fact-paraphrase"]:  # the same number, in either notation
        assert number.search(p["claim"]).group(0).replace(",", ".") == number.search(p["evidence"]).group(0).replace(",", ".")
    for p in by_source["fact-number"]:
        assert number.search(p["claim"]).group(0).replace(",", ".") != number.search(p["evidence"]).group(0).replace(",", ".")
    langs = {(p["claim_lang"], p["evidence_lang"]) for p in pairs}
    assert any(a == b for a, b in langs) and any(a != b for a, b in langs)
    assert not any(re.search(r"OPTICAL|MIRACL|distillation baseline", p["claim"] + p["evidence"]) for p in pairs)


def test_side_swaps_refute_and_double_swaps_restate():
    from contrast import _SIDE_LANGS, side_swap_pairs

    pairs = side_swap_pairs(random.Random(3), 60)
    by = {}
    for p in pairs:
        by.setdefault(p["source"], []).append(p)
    assert {p["label"] for p in by["sides-sides"]} == {1} and {p["label"] for p in by["sides-direction"]} == {1}
    assert {p["label"] for p in by["sides-both"]} == {0} and {p["label"] for p in by["sides-translation"]} == {0}
    assert {p["label"] for p in by["sides-other-measure"]} == {2}
    assert any(p["claim_lang"] != p["evidence_lang"] for p in by["sides-sides"])  # across languages too
    assert {p["claim_lang"] for p in pairs} == set(_SIDE_LANGS)
    for p in by["sides-sides"]:  # the same words on both sides when in one language: only their order differs
        if p["claim_lang"] == p["evidence_lang"] == "en":
            words = [sorted(re.findall(r"\w+", t)) for t in (p["claim"], p["evidence"])]
            assert words[0] == words[1] and p["claim"] != p["evidence"]
    assert not any("qu'en" in p["claim"] for p in pairs if p["claim_lang"] != "fr")
