"""The cross-lingual restatement pairs of scripts/train_cross.py, on a tiny XNLI-shaped file and bitext written here:
a translation supports (any two languages, either side the claim), the perturbed English sentence is refuted by the
translation, a nearby statement is not enough info, and the field bitext's held-out half is never used."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))

LANGS = ("en", "de", "fr", "sw")
EN = [f"Model {i} improves recall by {i + 2} points on the test set." for i in range(30)]


def _translate(text: str, lang: str) -> str:
    return f"[{lang}] {text}" if lang != "en" else text


@pytest.fixture()
def folders(tmp_path):
    from synth.train.bitext import is_train

    nli = tmp_path / "shared" / "nli"
    nli.mkdir(parents=True)
    lines = ["language\tsplit\trow\tgenre\tlabel\tpremise\thypothesis"]
    for row, hyp in enumerate(EN):
        for lang in LANGS:
            lines.append(f"{lang}\tdev\t{row}\tslate\tentailment\t{_translate(EN[row // 3 * 3], lang)}\t{_translate(hyp, lang)}")
    (nli / "xnli_dev_15lang.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    bitext = tmp_path / "bitext"
    bitext.mkdir()
    field = [f"The encoder number {i} is trained on bitext for {i + 1} days." for i in range(40)]
    for code, lang in (("deu", "de"), ("fra", "fr"), ("swa", "sw")):
        (bitext / f"field-eng-{code}.tsv").write_text("".join(f"{s}\t{_translate(s, lang)}\n" for s in field), encoding="utf-8")
    held_out = {s for s in field if not is_train(s)}
    assert held_out and len(held_out) < len(field)
    return tmp_path / "shared", bitext, held_out


def _english(text: str) -> str:
    return text.split("] ", 1)[-1]


def test_restatements_support_refute_and_leave_out_held_out_bitext(folders):
    from train_cross import restatement_pairs

    shared, bitext, held_out = folders
    pairs = restatement_pairs(shared, (bitext,), random.Random(0), n=60)
    by_label = {lab: [p for p in pairs if p["label"] == lab] for lab in (0, 1, 2)}
    assert all(by_label.values())
    for p in by_label[0]:  # a translation: the same English sentence under the tags, two different languages
        assert p["claim_lang"] != p["evidence_lang"] and _english(p["claim"]) == _english(p["evidence"])
    assert {(p["claim_lang"], p["evidence_lang"]) for p in by_label[0]} - {("en", x) for x in LANGS} - {(x, "en") for x in LANGS}
    for p in by_label[1]:  # the perturbed English side differs from the translated sentence it is judged against
        assert "en" in (p["claim_lang"], p["evidence_lang"]) and p["claim_lang"] != p["evidence_lang"]
        assert _english(p["claim"]) != _english(p["evidence"])
    for p in by_label[2]:  # a nearby statement of the same kind (both XNLI or both field), in another language
        assert _english(p["evidence"]) != _english(p["claim"]) and p["evidence_lang"] != "en"
        assert ("encoder" in p["claim"]) == ("encoder" in p["evidence"])
    texts = {_english(t) for p in pairs for t in (p["claim"], p["evidence"])}
    assert not texts & held_out  # the bitext's evaluation half stays out of training
    assert len(pairs) == len(restatement_pairs(shared, (bitext,), random.Random(0), n=60))


def test_partial_pairs_claim_saying_more_is_not_enough_info_and_evidence_saying_more_supports(folders):
    from train_cross import partial_pairs

    shared, bitext, held_out = folders
    pairs = partial_pairs(shared, (bitext,), random.Random(0), n=80)
    assert {p["label"] for p in pairs} == {0, 2}
    for p in pairs:
        longer, shorter = (p["claim"], p["evidence"]) if p["label"] == 2 else (p["evidence"], p["claim"])
        assert _english(shorter) in " ".join(_english(s) for s in longer.split(" [")), p  # the short one is part of it
        assert len(longer) > len(shorter) and p["claim_lang"] != p["evidence_lang"]
    assert not any(h in t for h in held_out for p in pairs for t in (p["claim"], p["evidence"]))
