"""The offline verifier: cue features, perturbations, head/aggregator maths, the shipped artefact, clear verdicts."""

from __future__ import annotations

import random

import numpy as np
import pytest

from synth.config import Settings
from synth.index.encoders.base import HashingEncoder
from synth.errors import ModelError
from synth.judge.verifier import LABELS, artifact_dir, load_verifier
from synth.judge.verifier.features import SCALAR_NAMES, direction, entities, negation_count, numbers, scalar_features
from synth.judge.verifier.interact import InteractConfig, fit_interact
from synth.judge.verifier.model import (
    AGG_NAMES,
    Aggregator,
    FeatureVerifier,
    StanceHead,
    from_folder,
    load,
    save,
    softmax,
)
from synth.judge.verifier.pairs import EncodedText, feature_names, pair_features
from synth.train.verifier.perturb import change_number, flip_direction, toggle_negation


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


def test_negation_words_count_only_in_their_own_language():
    # Swahili "ni" is "is" (French "ni" is "nor"); Dutch "aan" is "on" (Somali "aan" is "not")
    assert negation_count("Mfumo huu ni bora kwa lugha zenye rasilimali chache kama Kiswahili.") == 0
    assert negation_count("De resultaten van het model zijn aan de lage kant voor het Swahili.") == 0
    # French "ne ... pas" and Hausa "ba ... ba" are one negation each: the claim without it mismatches
    assert cue("The model aligns the tokens.", "Le modèle n'aligne pas les tokens de la phrase traduite.",
               "negation_mismatch") == 1.0
    assert cue("LaBSE does not compare the two methods.", "LaBSE ba ta kwatanta hanyoyin biyu ba.",
               "negation_mismatch") == 0.0
    assert direction("Mfumo huu ni bora zaidi kuliko mfumo wa msingi kwa Kiswahili.") > 0


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


def _token_pairs(n: int, rng: np.random.Generator, dim: int = 12):
    """Toy token sequences: support = the claim's tokens reordered with noise, refute = the same with one token
    replaced by a 'negator', nei = unrelated tokens. Sentence means cannot tell support from refute well; aligned
    tokens can."""
    fixed = np.random.default_rng(dim)  # the same vocabulary and negator for training and test pairs
    vocab = fixed.normal(size=(40, dim)).astype(np.float32)
    neg = fixed.normal(size=dim).astype(np.float32) * 3
    claims, evid, y = [], [], []
    for i in range(n):
        ids = rng.choice(40, size=rng.integers(4, 9), replace=False)
        c = vocab[ids]
        label = i % 3
        if label == 2:
            e = vocab[rng.choice(40, size=len(ids), replace=False)]
        else:
            e = c[rng.permutation(len(ids))].copy()
            if label == 1:
                e[rng.integers(len(ids))] = neg
        e = e + rng.normal(scale=0.1, size=e.shape).astype(np.float32)
        claims.append(EncodedText(c.mean(0), c))
        evid.append(EncodedText(e.mean(0), e.astype(np.float32)))
        y.append(label)
    return claims, evid, np.array(y)


def test_interaction_head_learns_token_level_stance():
    rng = np.random.default_rng(0)
    C, E, y = _token_pairs(900, rng)
    S = np.zeros((len(y), 2), dtype=np.float32)
    val = np.arange(len(y)) % 5 == 0
    head = fit_interact(C, E, S, y, np.ones(len(y)), val, cfg=InteractConfig(dim=12, hidden=24, n_scalar=2, dropout=0.0),
                        epochs=25, batch=32, lr=3e-3, log=lambda *a: None)
    Ct, Et, yt = _token_pairs(300, np.random.default_rng(1))
    p = head.proba(Ct, Et, np.zeros((len(yt), 2), dtype=np.float32))
    assert p.shape == (300, 3) and np.allclose(p.sum(1), 1.0)
    assert (p.argmax(1) == yt).mean() > 0.9  # chance is 1/3; the refute class needs the one changed token


def test_verifier_with_interaction_head_round_trips(tmp_path):
    v = _toy_verifier()
    rng = np.random.default_rng(2)
    C, E, y = _token_pairs(60, rng, dim=16)
    S = np.zeros((60, len(feature_names(16)) - 32), dtype=np.float32)
    v.interact = fit_interact(C, E, S, y, np.ones(60), np.arange(60) % 4 == 0, epochs=1, log=lambda *a: None)
    v.mix = 0.5
    save(tmp_path, v.head, v.aggregator, {"id": "toy-2", "encoder": "hashing-16"}, interact=v.interact, mix=0.5)
    back = from_folder(tmp_path, HashingEncoder(16))
    assert back.mix == 0.5 and back.interact is not None
    ev = ["OPTICAL improves MIRACL by 4.1 points.", "XNLI has 15 languages."]
    a, b = v.stances("OPTICAL improves MIRACL.", ev), back.stances("OPTICAL improves MIRACL.", ev)
    assert [s.p_refute for s in a] == pytest.approx([s.p_refute for s in b], abs=1e-5)
    assert [s.p_refute for s in a] != pytest.approx([s.p_refute for s in v.__class__(v.encoder, v.head, v.aggregator, "x").stances("OPTICAL improves MIRACL.", ev)], abs=1e-4)


def test_fold_heads_ship_as_an_ensemble_that_round_trips(tmp_path):
    from synth.judge.verifier.model import Ensemble

    v = _toy_verifier()
    rng = np.random.default_rng(3)
    C, E, y = _token_pairs(60, rng, dim=16)
    S = np.zeros((60, len(feature_names(16)) - 32), dtype=np.float32)
    its = [fit_interact(C, E, S, y, np.ones(60), np.arange(60) % 4 == k, epochs=1, seed=k, log=lambda *a: None)
           for k in range(2)]
    other = StanceHead(v.head.mean, v.head.std, v.head.w1[::-1].copy(), v.head.b1, v.head.w2, v.head.b2, 1.3)
    save(tmp_path, Ensemble([v.head, other]), v.aggregator, {"id": "toy-ens", "encoder": "hashing-16"},
         interact=Ensemble(its), mix=0.5)
    assert {f.name for f in tmp_path.glob("*.npz")} == {"head-0.npz", "head-1.npz", "interact-0.npz", "interact-1.npz"}
    back = from_folder(tmp_path, HashingEncoder(16))
    ev = ["OPTICAL improves MIRACL by 4.1 points.", "XNLI has 15 languages."]
    claim = "OPTICAL improves MIRACL."

    def probs(verifier):
        return np.array([[s.p_support, s.p_refute, s.p_nei] for s in verifier.stances(claim, ev)])

    # each kind of head is the geometric mean of its members; the two kinds are then mixed as usual
    mlp = [probs(FeatureVerifier(v.encoder, h, v.aggregator, "x")) for h in (v.head, other)]
    inter = [probs(FeatureVerifier(v.encoder, h, v.aggregator, "x", interact=it, mix=1.0)) for h, it in zip((v.head, other), its)]
    assert not np.allclose(mlp[0], mlp[1], atol=1e-4) and not np.allclose(inter[0], inter[1], atol=1e-4)
    geo = [softmax(np.mean(np.log(m), axis=0)) for m in (mlp, inter)]
    expected = softmax(0.5 * np.log(geo[0]) + 0.5 * np.log(geo[1]))
    assert probs(back) == pytest.approx(expected, abs=1e-4)


def test_unknown_nli_model_is_a_one_line_model_error(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelError) as err:
        load_verifier(Settings(home=tmp_path), nli=str(tmp_path / "no-such-nli-model"))
    assert "\n" not in str(err.value)


def test_shipped_artefact_is_small_and_loads():
    from pathlib import Path

    folder = Path(str(artifact_dir()))
    assert (folder / "verifier.json").is_file() and (folder / "README.md").is_file()
    head, agg, meta = load(folder)
    n = meta.get("members", 1)
    names = ["head.npz", "interact.npz"] if n == 1 else [f"{k}-{i}.npz" for k in ("head", "interact") for i in range(n)]
    assert all((folder / f).is_file() for f in names)
    assert sum(f.stat().st_size for f in folder.iterdir() if f.is_file()) < 20 * 2**20
    heads = getattr(head, "members", [head])
    assert all(h.w2.shape[0] == 3 for h in heads) and agg.coef.shape == (3, len(AGG_NAMES))
    assert meta["encoder"] and all(0 < h.temperature < 10 for h in heads)
    v = from_folder(folder, HashingEncoder(384))
    interacts = getattr(v.interact, "members", [v.interact])
    assert v.interact is not None and 0 < v.mix <= 1
    assert all(it.config.n_scalar == len(SCALAR_NAMES) + 6 for it in interacts)


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
        (EVIDENCE, "OPTICAL verbessert MRR@10 bei den Swahili-Anfragen von MIRACL um 4,1 Punkte gegenüber der Distillations-Baseline.",
         "SUPPORTED"),
        (EVIDENCE, "OPTICAL huboresha MRR@10 kwenye maswali ya Kiswahili ya MIRACL kwa pointi 4.1 zaidi ya msingi wa unyunyizaji.", "SUPPORTED"),
    ],
)
def test_clear_cases(verifier, claim, evidence, label):
    j = verifier.judge(claim, [evidence])
    assert j.label == label, (j.label, j.confidence, j.stances)
    assert 0.0 <= j.confidence <= 1.0


class _HashCache:
    """EncodingCache's interface over the hashing encoder (for fitting without a model)."""

    def __init__(self, dim: int = 16) -> None:
        self.enc = HashingEncoder(dim)

    def get(self, kind: str, text: str, dtype=np.float32):
        from synth.judge.verifier.pairs import encode_texts

        e = encode_texts(self.enc, [text], kind)[0]
        return EncodedText(e.vec, e.tokens.astype(dtype))


def test_fit_all_writes_a_loadable_verifier_and_resumes_from_checkpoints(tmp_path, monkeypatch):
    import synth.judge.verifier.interact as interact_mod
    from synth.train.verifier import fit_features as train

    rng = random.Random(0)
    facts = [f"Model {chr(65 + i)} improves recall on language {i} by {i + 2} points." for i in range(24)]
    pairs, sets = [], []
    for i, f in enumerate(facts):
        g = f"field{i}"
        other = facts[(i + 5) % len(facts)]
        for claim, label in ((f, 0), (change_number(f, rng) or f, 1), (other, 2)):
            pairs.append(dict(claim=claim, evidence=f, label=label, source="field", group=g))
            sets.append(dict(claim=claim, evidence=[f], label=label, group=g, source="field"))
    cache = _HashCache()
    X = np.stack([pair_features(cache.enc, [p["claim"]], [p["evidence"]])[0] for p in pairs])
    monkeypatch.setattr(train, "MIX_GRID", (1.0,))  # always keep the interaction head, so both checkpoints exist
    out, ck = tmp_path / "out", tmp_path / "ck"
    ck.mkdir()
    train.fit_all(X, pairs, sets, cache, cache.enc, out, log=lambda *a: None, interact_epochs=1, checkpoints=ck)
    assert (out / "interact.npz").is_file() and len(list(ck.glob("fold-*/interact.npz"))) == 3
    first = from_folder(out, cache.enc).judge(facts[0], [facts[0], facts[1]])

    def no_training(*a, **k):
        raise AssertionError("a resumed fit must not retrain the interaction head")

    monkeypatch.setattr(interact_mod, "fit_interact", no_training)
    train.fit_all(X, pairs, sets, cache, cache.enc, out, log=lambda *a: None, interact_epochs=1, checkpoints=ck)
    again = from_folder(out, cache.enc).judge(facts[0], [facts[0], facts[1]])
    assert again.label == first.label and again.confidence == pytest.approx(first.confidence, abs=1e-6)
    # other claim sets are scored by the checkpointed fold heads: still no training
    train.fit_all(X, pairs, sets[3:], cache, cache.enc, out, log=lambda *a: None, interact_epochs=1, checkpoints=ck)
    assert from_folder(out, cache.enc).judge(facts[0], [facts[0]]).label in LABELS


def test_rounded_and_spelled_out_numbers_are_not_a_mismatch():
    ev = "OPTICAL improves MRR@10 on Swahili by 4.1 points after 6 hours of training."
    assert cue("OPTICAL gains about four points on Swahili.", ev, "number_mismatch") == 0.0
    assert cue("Training took six hours.", ev, "number_mismatch") == 0.0
    assert cue("Training took nine hours.", ev, "number_mismatch") == 1.0
    assert cue("OPTICAL gains 14 points on Swahili.", ev, "number_mismatch") == 1.0


def test_alignment_can_only_speak_for_or_against_not_enough_info():
    from synth.train.verifier.fit_features import TiedSoftmax

    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 600)
    align = (y == 1) * 1.0 + (y == 2) * -1.0 + rng.normal(0, 0.3, 600)  # in the data, high alignment means refuted
    stance = (y == 0) * 1.0 - (y == 1) * 1.0 + rng.normal(0, 0.8, 600)
    Z = np.stack([align, stance], 1)
    tied = TiedSoftmax(1.0, np.array([True, False])).fit(Z, y)
    assert tied.coef_[0, 0] == 0.0 and tied.coef_[1, 0] == 0.0 and tied.coef_[2, 0] < -1.0
    # between SUPPORTED and REFUTED only the stance decides: equal stance, any alignment -> same odds
    d = tied.decision_function(np.array([[2.0, 0.3], [-2.0, 0.3]]))
    assert d[0, 1] - d[0, 0] == pytest.approx(d[1, 1] - d[1, 0])
    free = TiedSoftmax(1.0, np.array([False, False])).fit(Z, y)
    assert free.coef_[1, 0] - free.coef_[0, 0] > 1.0  # fitted freely it learns the spurious "aligned -> refuted"


def test_aggregator_weights_count_like_repeated_rows():
    """A claim set of weight 2 pulls the aggregator as two copies of it would (how train_cross keeps one large family
    of sets, data/xling_train, from outweighing the others); no weights is every weight 1."""
    from synth.train.verifier.fit_features import TiedSoftmax, fit_aggregator

    rng = np.random.default_rng(1)
    y = rng.integers(0, 3, 300)
    Z = np.stack([(y == 0) * 1.0 - (y == 1) + rng.normal(0, 1.0, 300), rng.normal(0, 1, 300)], 1)
    w = np.where(rng.random(300) < 0.3, 2.0, 1.0)
    mask = np.array([False, False])
    weighted = TiedSoftmax(1.0, mask).fit(Z, y, w)
    rows = np.repeat(np.arange(300), w.astype(int))
    repeated = TiedSoftmax(1.0, mask).fit(Z[rows], y[rows])
    assert np.allclose(weighted.coef_, repeated.coef_, atol=1e-3)
    assert np.allclose(TiedSoftmax(1.0, mask).fit(Z, y, np.ones(300)).coef_, TiedSoftmax(1.0, mask).fit(Z, y).coef_)
    assert not np.allclose(weighted.coef_, TiedSoftmax(1.0, mask).fit(Z, y).coef_, atol=1e-3)
    A = np.column_stack([Z, rng.normal(0, 1, (300, 12))])  # fit_aggregator reads the 14 aggregate features
    nll_w = fit_aggregator(A, y, log=lambda *a: None, sample_weight=w)[0]
    assert nll_w != pytest.approx(fit_aggregator(A, y, log=lambda *a: None)[0])


def test_calibration_weights_count_like_repeated_cases():
    """ECE and the temperature, weighted, equal their values on the data with each case repeated weight times."""
    from synth.judge.verifier.calibrate import ece, fit_temperature

    rng = np.random.default_rng(2)
    conf, correct = rng.random(200), rng.random(200) < 0.6
    logits, y = rng.normal(0, 2, (200, 3)), rng.integers(0, 3, 200)
    logits[np.arange(200), y] += 1.5
    w = rng.integers(1, 4, 200)
    rows = np.repeat(np.arange(200), w)
    assert ece(conf, correct, weights=w) == pytest.approx(ece(conf[rows], correct[rows]))
    assert ece(conf, correct, weights=w) != pytest.approx(ece(conf, correct))
    assert fit_temperature(logits, y, w) == pytest.approx(fit_temperature(logits[rows], y[rows]))


def test_confidence_map_is_monotone_and_not_pinned_by_extremes():
    from synth.train.verifier.fit_features import fit_confidence_map

    rng = np.random.default_rng(1)
    p = rng.uniform(0.34, 0.99, 2000)
    correct = rng.random(2000) < p
    correct[np.argmin(p)] = False  # the single least confident case is wrong, the most confident right
    correct[np.argmax(p)] = True
    xs, ys = fit_confidence_map(p, correct, log=lambda *a: None)
    assert all(b >= a - 1e-9 for a, b in zip(ys, ys[1:]))
    assert 0.2 < ys[0] < 0.5 and 0.85 < ys[-1] < 1.0
    assert np.interp([0.5, 0.8], xs, ys) == pytest.approx([0.5, 0.8], abs=0.08)
