"""The cross-encoder's number canonicalisation: one value written several ways reads the same; a changed value stays
changed; text that is not a number is left alone."""

from __future__ import annotations

import pytest

from synth.verifier.numbers import canonical_numbers


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

    from synth.verifier.cross import tokenize_pairs

    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "query", ":", "passage", "fell", "by", "15", ".", "7", "%", ",",
             "percent", "prozent"]
    (tmp_path / "vocab.txt").write_text("\n".join(vocab) + "\n")
    tok = BertTokenizerFast.from_pretrained(str(tmp_path), do_lower_case=True)
    a = tokenize_pairs(tok, ["fell by 15.7%"], ["fell by 15,7 Prozent"], 32)["input_ids"][0].tolist()
    b = tokenize_pairs(tok, ["fell by 15.7%"], ["fell by 15.7%"], 32)["input_ids"][0].tolist()
    assert a == b
    assert tok("fell by 15,7 Prozent")["input_ids"] != tok("fell by 15.7%")["input_ids"]  # the tokenizer alone differs

