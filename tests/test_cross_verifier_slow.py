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
