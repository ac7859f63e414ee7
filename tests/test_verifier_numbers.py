"""The cross-encoder's number canonicalisation: one value written several ways reads the same; a changed value stays
changed; text that is not a number is left alone."""

from __future__ import annotations

import pytest

from synth.judge.verifier.numbers import canonical_numbers


@pytest.mark.parametrize(
    "text, expected",
    [
        ("um 4,1 Punkte besser", "um 4.1 Punkte besser"),
        ("0,25 points", "0.25 points"),
        ("12,500 papers", "12500 papers"),
        ("1,234,567 passages", "1234567 passages"),
        ("fell by 15.7 percent", "fell by 15.7%"),
        ("fell by 15.7 per cent", "fell by 15.7%"),
        ("sank um 15,7 Prozent", "sank um 15.7%"),
        ("baisse de 15,7 %", "baisse de 15.7%"),
        ("a baissé de 12 pour cent", "a baissé de 12%"),
        ("bajó un 30 por ciento", "bajó un 30%"),
        ("kilipungua kwa asilimia 15.7", "kilipungua kwa 15.7%"),
        ("ni asilimia ya 20 tu", "ni 20% tu"),
        ("fell by 15.7%", "fell by 15.7%"),
    ],
)
def test_one_value_written_several_ways_is_written_one_way(text, expected):
    assert canonical_numbers(text) == expected


def test_restated_values_become_identical_and_changed_values_stay_different():
    claim = canonical_numbers("The error rate fell by 15.7% on 1,200 queries.")
    assert canonical_numbers("The error rate fell by 15,7 Prozent on 1,200 queries.") == claim
    assert canonical_numbers("The error rate fell by 25,7 Prozent on 1,200 queries.") != claim


@pytest.mark.parametrize("text", ["In 2023, 45 papers appeared.", "MRR@10 of mE5-small", "items 1,2,3", "no numbers here"])
def test_text_without_a_rewritable_number_is_unchanged(text):
    assert canonical_numbers(text) == text


def test_the_cross_encoder_tokenises_canonical_numbers(tmp_path):
    from transformers import BertTokenizerFast

    from synth.judge.verifier.cross import tokenize_pairs

    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "query", ":", "passage", "fell", "by", "15", ".", "7", "%", ",",
             "percent", "prozent"]
    (tmp_path / "vocab.txt").write_text("\n".join(vocab) + "\n")
    tok = BertTokenizerFast.from_pretrained(str(tmp_path), do_lower_case=True)
    a = tokenize_pairs(tok, ["fell by 15.7%"], ["fell by 15,7 Prozent"], 32)["input_ids"][0].tolist()
    b = tokenize_pairs(tok, ["fell by 15.7%"], ["fell by 15.7%"], 32)["input_ids"][0].tolist()
    assert a == b
    assert tok("fell by 15,7 Prozent")["input_ids"] != tok("fell by 15.7%")["input_ids"]  # the tokenizer alone differs


def test_approximate_restatements_hedge_and_round_or_clearly_change_the_number():
    import random
    import re

    from synth.train.verifier.perturb import HEDGES, approximate_number

    rng = random.Random(0)
    for text, rounded in (("OPTICAL improves MRR@10 by 4.1 points on Swahili.", 4.0),
                          ("Recall fell by 15.7% on the test set.", 16.0), ("Accuracy reached 0.83 there.", 0.8)):
        value = float(re.search(r"\d+\.\d+", text).group(0))
        for _ in range(10):
            same, changed = approximate_number(text, rng), approximate_number(text, rng, change=True)
            for out in (same, changed):
                assert any(f" {h} " in out for h in HEDGES) and str(value) not in out
            assert float(re.search(r"(\d+(?:\.\d+)?)", same.replace("MRR@10", "")).group(1)) == rounded
            new = float(re.search(r"(\d+(?:\.\d+)?)", changed.replace("MRR@10", "")).group(1))
            assert not 0.6 < new / value < 1.6, (changed, value)
    assert approximate_number("No numbers, only 12 words.", rng) is None
