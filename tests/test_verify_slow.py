"""Verdicts with the real multilingual encoder and the shipped verifier (slow: loads the packaged models)."""

from __future__ import annotations

import pytest

import corpus_builder as cb
from synth.config import Settings
from synth.store import Store
from synth.judge.audit import verify_claims

pytestmark = pytest.mark.slow

SUPPORT_ONLY_IN_SWAHILI = cb.Paper(
    "local:sw0002",
    "Muhtasari wa majaribio",
    "sw",
    [(1, "Modeli ya XLM-R iliboresha usahihi wa XNLI kwa Kiswahili kwa asilimia 15.7 ikilinganishwa na modeli za awali.")],
    source="local",
)


@pytest.fixture(scope="module")
def models():
    from synth.index.encoders import load_encoder
    from synth.judge.verifier import artifact_dir, load_verifier

    if not (artifact_dir() / "verifier.json").is_file():
        pytest.skip("the shipped verifier weights are not built yet (scripts/train_verifier.py)")
    settings = Settings.from_env()
    encoder = load_encoder("e5-small", settings)
    return encoder, load_verifier(settings, encoder=encoder)


def test_clear_verdicts_and_cross_lingual_evidence(db_path, models):
    encoder, verifier = models
    store = cb.build(Store(db_path), (*cb.DEFAULT, SUPPORT_ONLY_IN_SWAHILI))
    claims = [
        "XLM-R improves XNLI accuracy for Swahili by 15.7% over earlier models.",
        "Optimal transport distillation improves cross-lingual retrieval for low-resource languages.",
        "Glacial rivers carry less sediment during the summer melt than in winter.",
        "Penguins are the fastest flying birds in the Sahara desert.",
    ]
    _, results = verify_claims(store, claims, encoder, verifier)
    xlmr, ot, rivers, penguins = results
    # cross-lingual retrieval: the only statement of the XLM-R result is Swahili, and it comes first
    assert xlmr.evidence[0]["lang"] == "sw" and "15.7" in xlmr.evidence[0]["text"]
    assert ot.verdict == "SUPPORTED"
    assert {e["lang"] for e in ot.evidence} >= {"en", "de", "fr"}  # restatements in three languages
    assert rivers.verdict == "REFUTED" and rivers.evidence[0]["paper_id"] == cb.GEOLOGY.id
    assert penguins.verdict == "NOT_ENOUGH_INFO"
    for r in results:
        assert 0.0 <= r.confidence <= 1.0
        if r.verdict != "NOT_ENOUGH_INFO":
            assert r.evidence
