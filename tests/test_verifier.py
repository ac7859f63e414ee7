"""The offline verifier: cue features, perturbations, head/aggregator maths, the shipped artefact, clear verdicts."""

from __future__ import annotations

import random

import numpy as np
import pytest

from synth.config import Settings
from synth.encoders.base import HashingEncoder
from synth.errors import ModelError
from synth.verifier import LABELS, artifact_dir, load_verifier
from synth.verifier.features import SCALAR_NAMES, direction, entities, negation_count, numbers, scalar_features
from synth.verifier.model import AGG_NAMES, Aggregator, FeatureVerifier, StanceHead, load, save
from synth.verifier.pairs import feature_names, pair_features
from synth.verifier.perturb import change_number, flip_direction, toggle_negation


def cue(claim: str, evidence: str, name: str) -> float:
    return scalar_features(claim, evidence)[SCALAR_NAMES.index(name)]


# -- cue features (fast) -------------------------------------------------------------------------------------------
def test_numbers_read_decimal_commas_thousands_and_percentages():
    assert numbers("MRR rose by 4,1 points to 0.36") == [(4.1, False), (0.36, False)]
    assert numbers("1,200 queries; 6 percent; 12 %") == [(1200.0, False), (6.0, True), (12.0, True)]
    assert numbers("asilimia: kwa asilimia 6") == [(6.0, True)]


def test_number_mismatch_flags_a_changed_number_only():
    ev = "OPTICAL improves MRR@10 on Swahili by 4.1 points."
    assert cue("OPTICAL improves MRR@10 on Swahili by 14.1 points.", ev, "number_mismatch") == 1.0
    assert cue("OPTICAL improves MRR@10 on Swahili by 4.1 points.", ev, "number_mismatch") == 0.0
    # a German evidence with a decimal comma states the same number
    assert cue("It gains 4.1 points.", "Es gewinnt 4,1 Punkte.", "number_mismatch") == 0.0
    assert cue("Recall is 72 percent.", "Recall is 92 %.", "percent_mismatch") == 1.0


def test_negation_in_several_languages():
    assert negation_count("The model does not align tokens.") == 1
    assert negation_count("The model doesn't align tokens.") == 1
    assert negation_count("Das Modell richtet die Tokens nicht aus.") == 1
    assert negation_count("Le modèle n'aligne pas les tokens.") == 1
    assert negation_count("Modeli haina uwezo huo.") == 1
    assert negation_count("The model aligns tokens.") == 0
    assert cue("The model aligns tokens.", "Das Modell richtet die Tokens nicht aus.", "negation_mismatch") == 1.0
    assert cue("The model aligns tokens.", "Das Modell richtet die Tokens aus.", "negation_mismatch") == 0.0


def test_direction_flip_across_languages():
    assert direction("OPTICAL outperforms the baseline.") > 0
    assert direction("OPTICAL underperforms the baseline.") < 0
    assert direction("Die Genauigkeit ist niedriger.") < 0
    assert cue("Accuracy is higher in Swahili.", "Die Genauigkeit ist auf Swahili niedriger.", "direction_flip") == 1.0
    assert cue("Accuracy is higher in Swahili.", "La précision est meilleure en swahili.", "direction_flip") == 0.0


def test_entities_and_their_mismatch():
    assert {"optical", "xnli", "mrr@10"} <= entities("We test OPTICAL on XNLI with MRR@10.")
    assert cue("OPTICAL wins on MIRACL.", "OPTICAL wins on MIRACL.", "entity_overlap") == 1.0
    assert cue("OPTICAL wins on mMARCO.", "LaBSE wins on XNLI.", "entity_mismatch") == 1.0


def test_perturbations_change_what_they_say():
    rng = random.Random(0)
    changed = change_number("Recall rose by 6 percent.", rng)
    assert changed and changed != "Recall rose by 6 percent." and "6 percent" not in changed
    assert toggle_negation("The student is trained on Swahili.") == "The student is not trained on Swahili."
    assert toggle_negation("The student is not trained on Swahili.") == "The student is trained on Swahili."
    assert flip_direction("BM25 is better than dense retrieval.") == "BM25 is worse than dense retrieval."


# -- head, aggregator and verifier plumbing (fast, hashing encoder) ------------------------------------------------
def _toy_verifier(dim: int = 16) -> FeatureVerifier:
    rng = np.random.default_rng(0)
    width = len(feature_names(dim))
    head = StanceHead(np.zeros(width), np.ones(width), rng.normal(size=(8, width)), np.zeros(8), rng.normal(size=(3, 8)), np.zeros(3))
    agg = Aggregator(rng.normal(size=(3, len(AGG_NAMES))), np.zeros(3), 1.0, [0.3, 0.6, 1.0], [0.2, 0.5, 0.9])
    return FeatureVerifier(HashingEncoder(dim), head, agg, id="toy")


def test_pair_features_have_the_documented_width():
    x = pair_features(HashingEncoder(16), ["a claim about OPTICAL", "another"], ["evidence on OPTICAL", "text"])
    assert x.shape == (2, len(feature_names(16)))
    assert np.isfinite(x).all()


def test_judge_gives_a_label_a_confidence_in_0_1_and_stances_in_evidence_order():
    v = _toy_verifier()
    ev = ["OPTICAL improves MIRACL by 4.1 points.", "Unrelated text about cooking.", "XNLI has 15 languages."]
    j = v.judge("OPTICAL improves MIRACL by 4.1 points.", ev, [0.1, 0.9, 0.5])
    assert j.label in LABELS
    assert 0.0 <= j.confidence <= 1.0
    assert len(j.stances) == 3
    alone = v.judge("OPTICAL improves MIRACL by 4.1 points.", [ev[1]])
    assert j.stances[1].p_support == pytest.approx(alone.stances[0].p_support, abs=1e-6)
    for s in j.stances:
        assert s.p_support + s.p_refute + s.p_nei == pytest.approx(1.0, abs=1e-6)


def test_no_evidence_is_not_enough_info_for_a_sane_aggregator():
    v = _toy_verifier()
    v.aggregator = Aggregator(np.zeros((3, len(AGG_NAMES))), np.array([0.0, 0.0, 2.0]))
    j = v.judge("Anything.", [])
    assert j.label == "NOT_ENOUGH_INFO" and j.stances == []


def test_save_and_load_round_trip(tmp_path):
    v = _toy_verifier()
    save(tmp_path, v.head, v.aggregator, {"id": "toy-1", "encoder": "hashing-16"})
    head, agg, meta = load(tmp_path)
    x = pair_features(HashingEncoder(16), ["c"], ["e"])
    assert np.allclose(head.proba(x), v.head.proba(x), atol=1e-5)
    assert agg.calib_x == [0.3, 0.6, 1.0] and meta["id"] == "toy-1"


def test_unknown_nli_model_is_a_one_line_model_error(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelError) as err:
        load_verifier(Settings(home=tmp_path), nli=str(tmp_path / "no-such-nli-model"))
    assert "\n" not in str(err.value)


def test_shipped_artefact_is_small_and_loads():
    from pathlib import Path

    folder = Path(str(artifact_dir()))
    files = [folder / "head.npz", folder / "verifier.json", folder / "README.md"]
    assert all(f.is_file() for f in files)
    assert sum(f.stat().st_size for f in folder.iterdir() if f.is_file()) < 20 * 2**20
    head, agg, meta = load(folder)
    assert head.w2.shape[0] == 3 and agg.coef.shape == (3, len(AGG_NAMES))
    assert meta["encoder"] and 0 < head.temperature < 10


# -- clear cases with the real encoder (slow) ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def verifier(tmp_path_factory):
    """The shipped verifier; reuses SYNTH_HOME's converted e5-small when set, else converts into a temp home."""
    import os
    from pathlib import Path

    home = Path(os.environ["SYNTH_HOME"]) if os.environ.get("SYNTH_HOME") else tmp_path_factory.mktemp("home")
    return load_verifier(Settings(home=home))


EVIDENCE = "OPTICAL improves MRR@10 on the Swahili MIRACL queries by 4.1 points over the distillation baseline."


@pytest.mark.slow
@pytest.mark.parametrize(
    "claim, evidence, label",
    [
        ("On MIRACL Swahili, OPTICAL beats the distillation baseline by about four MRR@10 points.", EVIDENCE, "SUPPORTED"),
        ("OPTICAL improves MRR@10 on the Swahili MIRACL queries by 14.1 points over the distillation baseline.", EVIDENCE, "REFUTED"),
        ("The bakery on the corner sells fresh bread every morning.", EVIDENCE, "NOT_ENOUGH_INFO"),
        pytest.param(
            EVIDENCE,
            "OPTICAL verbessert MRR@10 bei den Swahili-Anfragen von MIRACL um 4,1 Punkte gegenüber der Distillations-Baseline.",
            "SUPPORTED",
            marks=pytest.mark.xfail(reason="known weakness of verifier v1: near-verbatim translations lean REFUTED", strict=False),
        ),
        (EVIDENCE, "OPTICAL huboresha MRR@10 kwenye maswali ya Kiswahili ya MIRACL kwa pointi 4.1 zaidi ya msingi wa unyunyizaji.", "SUPPORTED"),
    ],
)
def test_clear_cases(verifier, claim, evidence, label):
    j = verifier.judge(claim, [evidence])
    assert j.label == label, (j.label, j.confidence, j.stances)
    assert 0.0 <= j.confidence <= 1.0
