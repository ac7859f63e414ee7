"""Verifier v5's training readers (synth/train/verifier/claimdata.py) on small files in the formats of
../shared/claimdata, and the subject-match inputs of its aggregator (synth/judge/verifier/subject.py)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from synth.judge.verifier import cross
from synth.judge.verifier.subject import SUBJECT_NAMES, relative_subject, subject_features
from synth.train.verifier import claimdata


def _jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def _csv(path: Path, header: list[str], rows: list[list[str]], delimiter: str = ",") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=delimiter)
        w.writerow(header)
        w.writerows(rows)


def test_multivers_rationales_and_not_enough_info(tmp_path):
    base = tmp_path / "multivers-processed" / "data" / "healthver"
    _jsonl(base / "corpus.jsonl", [{"doc_id": 1, "abstract": ["Masks cut spread.", "Trials ran in 2020.", "Other text."]},
                                   {"doc_id": 2, "abstract": ["Unrelated sentence one.", "Unrelated two."]}])
    _jsonl(base / "claims_train.jsonl", [
        {"id": 0, "claim": " Masks reduce spread", "doc_ids": [1, 2], "evidence": {"1": [{"sentences": [0], "label": "SUPPORT"}]}},
        {"id": 1, "claim": "Masks increase spread", "doc_ids": [1], "evidence": {"1": [{"sentences": [0, 1], "label": "CONTRADICT"}]}},
    ])
    import random

    pairs = claimdata.multivers_pairs(tmp_path, "healthver", random.Random(0))
    got = {(p["claim"], p["evidence"], p["label"]) for p in pairs}
    assert ("Masks reduce spread", "Masks cut spread.", 0) in got  # whitespace normalised, rationale sentence
    assert ("Masks increase spread", "Masks cut spread. Trials ran in 2020.", 1) in got
    nei = [p for p in pairs if p["label"] == 2]
    assert len(nei) == 1 and nei[0]["evidence"].startswith("Unrelated") and nei[0]["source"] == "healthver-nei"


def test_sick_nl_pairs_cross_languages(tmp_path):
    header = ["pair_ID", "sentence_A", "sentence_B", "entailment_label", "relatedness_score", "entailment_AB",
              "entailment_BA", "sentence_A_original", "sentence_B_original", "sentence_A_dataset", "sentence_B_dataset",
              "SemEval_set"]
    rows = [[str(i), f"Een man loopt {i}", f"Een man rent niet {i}", "CONTRADICTION", "3", "", "", f"A man walks {i}",
             f"A man does not run {i}", "", "", "TRAIN" if i < 9 else "TEST"] for i in range(10)]
    _csv(tmp_path / "sick-nl" / "SICK_NL.txt", header, rows, "\t")
    import random

    pairs = claimdata.sick_nl_pairs(tmp_path, random.Random(0))
    assert len(pairs) == 9  # the TEST row is never read
    assert all(p["label"] == 1 and {p["claim_lang"], p["evidence_lang"]} == {"nl", "en"} for p in pairs)
    for p in pairs:  # the claim is always sentence B, the evidence sentence A, in the other language
        assert ("rent" in p["claim"] or "run" in p["claim"]) and ("loopt" in p["evidence"] or "walks" in p["evidence"])
        assert ("Een" in p["claim"]) != ("Een" in p["evidence"])


def test_afrixnli_joins_translations_to_the_english_gold(tmp_path):
    dev = tmp_path / "ext-afrixnli" / "dev"
    _csv(dev / "xnli.dev - eng_dataset.csv", ["language", "gold_label", "sentence1", "sentence2", "promptID", "pairID"],
         [["en", "entailment", "He went home.", "He left.", "1", "1"],
          ["en", "contradiction", "He went home.", "He stayed.", "1", "2"]])
    _csv(dev / "hausa" / "sentence1_translated.csv", ["promptID", "sentence1", "sentence1_translated"],
         [["1", "He went home.", "Ya tafi gida."]])
    _csv(dev / "hausa" / "sentence2_translated.csv", ["promptID", "sentence2", "sentence2_translated"],
         [["1", "He left.", "Ya tafi."], ["1", "He stayed.", "Ya zauna."]])
    _csv(dev / "swahili" / "sentence1_translations.csv", ["promptID", "sentence1", "sentence1_translated"],
         [["1", "He went home.", "Alienda nyumbani."], ["1", "He went home.", "Alienda nyumbani."]])
    _csv(dev / "swahili" / "sentence2_translations.csv", ["promptID", "sentence2", "pairID", "sentence2_translated"],
         [["1", "He left.", "1", "Aliondoka."], ["1", "He stayed.", "2", "Alibaki."]])
    _csv(dev / "yoruba" / "xnli.dev.yo.csv", ["sentence1", "sentence2", "sentence1_yoruba", "sentence2_yoruba"],
         [["He went home.", "He stayed.", "O lo ile.", "O duro."]])
    rows = claimdata.afrixnli_rows(tmp_path, "dev")
    assert rows[0]["ha"] == ("Ya tafi gida.", "Ya tafi.") and rows[1]["ha"] == ("Ya tafi gida.", "Ya zauna.")
    assert rows[1]["sw"] == ("Alienda nyumbani.", "Alibaki.") and "yo" not in rows[0] and rows[1]["yo"] == ("O lo ile.", "O duro.")
    import random

    pairs = claimdata.afrixnli_pairs(tmp_path, random.Random(0))
    assert {(p["claim"], p["evidence"], p["label"]) for p in pairs if p["source"] == "afxnli-ha"} == {
        ("Ya tafi.", "Ya tafi gida.", 0), ("Ya zauna.", "Ya tafi gida.", 1)}
    assert all(p["claim_lang"] != p["evidence_lang"] for p in pairs if p["source"].endswith("x"))


def test_caps_keep_label_proportions(tmp_path, monkeypatch):
    fake = [dict(claim=f"c{i}", evidence="e", label=i % 3, source="anli", group=f"g{i}") for i in range(300)]
    monkeypatch.setattr(claimdata, "anli_pairs", lambda root: fake)
    for name in ("multivers_pairs", "check_covid_pairs", "climate_fever_pairs", "sick_pairs", "sick_nl_pairs",
                 "danfever_pairs", "indonli_pairs", "farstail_pairs", "afrixnli_pairs"):
        monkeypatch.setattr(claimdata, name, lambda *a, **k: [])
    pairs = claimdata.claimdata_pairs(tmp_path, 0, {"anli": 90})
    assert len(pairs) == 90 and [sum(p["label"] == k for p in pairs) for k in range(3)] == [30, 30, 30]
    assert claimdata.claimdata_pairs(tmp_path, 0, {"anli": 0}) == []


def test_subject_match_discounts_an_off_subject_refutation():
    # evidence 0 restates the claim (supports, covers it well); evidence 1 refutes with a number about another
    # quantity (covers the claim poorly)
    probs = np.array([[0.8, 0.1, 0.1], [0.1, 0.8, 0.1]])
    align = np.array([0.9, 0.3])
    f = dict(zip(SUBJECT_NAMES, subject_features(probs, align)))
    assert np.allclose(relative_subject(align), [1.0, 1 / 3])
    assert f["onsubject_support"] == 0.8 and np.isclose(f["onsubject_refute"], 0.8 / 3)
    assert f["refute_beyond_restatement"] == 0.0  # nothing refutes from text as on-subject as the restatement
    assert np.isclose(f["offsubject_refute"], 0.8 * (1 - 1 / 3))
    # the same refutation from the better-covering text counts fully
    g = dict(zip(SUBJECT_NAMES, subject_features(probs, np.array([0.3, 0.9]))))
    assert g["onsubject_refute"] == 0.8 and g["refute_beyond_restatement"] == 0.8
    assert np.isclose(g["offsubject_refute"], 0.1 * (1 - 1 / 3))  # only the weak refutation of the restating text


def test_claim_features_add_the_subject_inputs_only_when_asked():
    probs, align = np.array([[0.6, 0.3, 0.1]]), np.array([0.5])
    base, full = cross.claim_features(probs, align), cross.claim_features(probs, align, subject=True)
    assert len(full) == len(base) + len(SUBJECT_NAMES) and np.array_equal(full[: len(base)], base)
    assert len(subject_features(np.zeros((0, 3)), np.zeros(0))) == len(SUBJECT_NAMES)
    assert np.array_equal(relative_subject(np.zeros(2)), np.ones(2))  # no coverage known: every text counts
