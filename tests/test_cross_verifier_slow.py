"""The shipped cross-encoder verifier (v4) on the real e5-small (slow: converts and loads the packaged model)."""

from __future__ import annotations

import numpy as np
import pytest

from synth.config import Settings
from synth.judge.verifier import artifact_dir, cross, load_verifier

pytestmark = pytest.mark.slow

FOLDER = artifact_dir() / "cross"


@pytest.fixture(scope="module")
def verifier():
    if not (FOLDER / cross.CONFIG_FILE).is_file():
        pytest.skip("the cross-encoder verifier is not built yet (scripts/train_cross.py)")
    return load_verifier(Settings.from_env(verifier_model="cross"))


def test_the_artefact_is_small():
    size = sum(p.stat().st_size for p in FOLDER.iterdir() if p.is_file())
    assert size <= 10 * 2**20


def test_stances_across_languages(verifier):
    claim = "The distilled retriever answered Swahili queries with 12 percent higher recall than the baseline."
    restated_de = "Bei Suaheli-Anfragen erzielte der destillierte Retriever eine um 12 Prozent höhere Trefferquote als die Ausgangsbasis."
    changed_fr = "Pour les requêtes en swahili, le système distillé a obtenu un rappel inférieur de 12 % à celui de la référence."
    unrelated_sw = "Mvua kubwa ilinyesha jijini Mombasa wiki iliyopita na kusababisha mafuriko."
    p = verifier.pair_proba([claim] * 3, [restated_de, changed_fr, unrelated_sw])
    assert p[0].argmax() == 0  # a restatement in German supports
    assert p[1, 1] > p[1, 0]  # "lower" where the claim says "higher": leans refuted
    assert p[2].argmax() == 2  # rain in Mombasa says nothing about the claim
    single = np.vstack([verifier.pair_proba([claim], [e]) for e in (restated_de, changed_fr, unrelated_sw)])
    assert np.allclose(p, single, atol=1e-4)  # batching with padding changes nothing


def test_claim_level_verdicts(verifier):
    claim = "Vaccination cut hospital admissions for measles by half in the district."
    support = verifier.judge(claim, ["Nach der Impfkampagne halbierten sich die Krankenhausaufnahmen wegen Masern im Bezirk."])
    nothing = verifier.judge(claim, ["Le district compte douze hôpitaux et trois cliniques rurales."])
    assert support.label == "SUPPORTED" and nothing.label == "NOT_ENOUGH_INFO"
    assert nothing.reason in ("no_evidence", "unsettled")  # abstain.json is loaded: every NEI verdict says why
    assert 0.0 <= support.confidence <= 1.0


def test_v5_is_one_model_and_small():
    """The opt-in v5 (SYNTH_VERIFIER_MODEL=cross-v5): no v3 stances mixed in, the artefact within 10 MB, verdicts from
    the cross-encoder and the claim-level aggregator alone."""
    folder = artifact_dir() / "cross-v5"
    if not (folder / cross.CONFIG_FILE).is_file():
        pytest.skip("verifier v5 is not built (scripts/train_cross.py --stage v5)")
    assert sum(p.stat().st_size for p in folder.iterdir() if p.is_file()) <= 10 * 2**20
    v5 = load_verifier(Settings.from_env(verifier_model="cross-v5"))
    assert v5.v3 is None and v5.v3_mix == 0.0 and "v5" in v5.id
    claim = "Vaccination cut hospital admissions for measles by half in the district."
    # (its German restatement comes out NOT_ENOUGH_INFO: one reason v5 is not the default, cross-v5/README.md)
    js = v5.judge_many([(claim, ["Le district compte douze hôpitaux et trois cliniques rurales."]),
                        (claim, ["Vaccination doubled hospital admissions for measles in the district."])])
    assert js[0].label == "NOT_ENOUGH_INFO" and js[1].label == "REFUTED"
    assert all(0.0 <= j.confidence <= 1.0 and len(j.stances) == 1 for j in js)
