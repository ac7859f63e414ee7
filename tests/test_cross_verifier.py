"""The cross-encoder verifier (v4) on a tiny random BERT: training learns, a killed run resumes to the same weights,
batched inference equals one-at-a-time, the artefact round-trips, only the LoRA tensors and the head learn."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
import torch

from synth.errors import BadInputError, ModelError
from synth.judge.verifier import cross
from synth.train.verifier.fit_cross import CHECKPOINT, TrainPlan, train

WORDS = ["the", "cat", "dog", "eats", "sees", "fish", "bread", "not", "big", "small", "two", "three"]


def _tokenizer(tmp_path: Path):
    from transformers import BertTokenizerFast

    vocab = tmp_path / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "query", "passage", ":", *WORDS]) + "\n")
    return BertTokenizerFast.from_pretrained(str(tmp_path), do_lower_case=True)  # (vocab_file= gives only the specials in transformers 5)


def _bert(vocab_size: int, seed: int = 1):
    from transformers import BertConfig, BertModel

    torch.manual_seed(seed)
    cfg = BertConfig(vocab_size=vocab_size, hidden_size=32, num_hidden_layers=3, num_attention_heads=2,
                     intermediate_size=64, max_position_embeddings=96, hidden_dropout_prob=0.1)
    return BertModel(cfg, add_pooling_layer=False).eval()


def _pairs(n: int = 96) -> list[dict]:
    """Toy stance: the same sentence supports, with 'not' inserted refutes, a sentence of other words is not enough info."""
    rng = random.Random(0)
    out = []
    for _ in range(n):
        s = " ".join(rng.choice(WORDS[:7]) for _ in range(rng.randint(3, 6)))
        other = " ".join(rng.choice(WORDS[8:]) for _ in range(4))
        kind = rng.randrange(3)
        claim = s if kind != 1 else "not " + s
        out.append(dict(claim=claim, evidence=s if kind != 2 else other, label=kind))
    return out


@pytest.fixture
def tiny(tmp_path):
    tok = _tokenizer(tmp_path)
    cfg = cross.CrossConfig(base="tiny", layers=2, rank=4, alpha=8.0, max_length=40)
    return tok, cfg


def _model(tok, cfg):
    return cross.build_model(_bert(len(tok)), cfg)


def test_only_lora_and_head_are_trainable(tiny):
    tok, cfg = tiny
    model = _model(tok, cfg)
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable and all(".lora_" in n or n.startswith("head.") for n in trainable)
    assert not any("layer.0." in n for n in trainable)  # below the LoRA layers: frozen, no gradients
    enc = cross.tokenize_pairs(tok, ["the cat"], ["the cat eats"], cfg.max_length)
    model(**enc).sum().backward()
    assert all(p.grad is None for n, p in model.named_parameters() if not p.requires_grad)


def test_training_learns_and_a_killed_run_resumes_to_the_same_weights(tiny, tmp_path):
    tok, cfg = tiny
    pairs = _pairs()
    plan = TrainPlan(batch_size=8, lr=1e-2, head_lr=2e-2, warmup=5, epochs=8.0, checkpoint_every=6)

    whole = _model(tok, cfg)
    before = cross.predict_proba(whole, tok, [p["claim"] for p in pairs], [p["evidence"] for p in pairs])
    res = train(whole, tok, pairs, plan, tmp_path / "a", log=lambda s: None)
    assert res["finished"] and res["steps"] == res["total_steps"] == 96
    after = cross.predict_proba(whole, tok, [p["claim"] for p in pairs], [p["evidence"] for p in pairs])
    y = np.array([p["label"] for p in pairs])
    nll = lambda q: -np.log(q[np.arange(len(y)), y]).mean()  # noqa: E731
    assert nll(after) < nll(before) - 0.2  # it learnt the toy stance

    killed = _model(tok, cfg)
    first = train(killed, tok, pairs, plan, tmp_path / "b", log=lambda s: None, minutes=0.0)  # stops at 1st checkpoint
    assert not first["finished"] and first["steps"] == 6 and (tmp_path / "b" / CHECKPOINT).exists()
    resumed = _model(tok, cfg)  # a new process: fresh model, same folder
    logs: list[str] = []
    second = train(resumed, tok, pairs, plan, tmp_path / "b", log=logs.append)
    assert second["finished"] and any("resuming at step 6" in line for line in logs)
    for k, v in whole.trainable_state().items():
        assert torch.allclose(v, resumed.trainable_state()[k], atol=1e-5), k


def test_a_checkpoint_of_other_data_is_not_resumed(tiny, tmp_path):
    tok, cfg = tiny
    plan = TrainPlan(batch_size=8, epochs=1.0, checkpoint_every=4, warmup=2)
    train(_model(tok, cfg), tok, _pairs(), plan, tmp_path, log=lambda s: None)
    logs: list[str] = []
    train(_model(tok, cfg), tok, _pairs(40), plan, tmp_path, log=logs.append)
    assert any("starting afresh" in line for line in logs)
    with pytest.raises(BadInputError):
        train(_model(tok, cfg), tok, [], plan, tmp_path, log=lambda s: None)


def test_batched_inference_equals_one_pair_at_a_time(tiny):
    tok, cfg = tiny
    model = _model(tok, cfg)
    with torch.no_grad():  # a non-zero head and LoRA so that the check means something
        for lora in model.lora.values():
            lora.lora_B.normal_(0, 0.1)
    pairs = _pairs(13)
    claims, evidence = [p["claim"] for p in pairs], [p["evidence"] for p in pairs]
    batched = cross.predict_proba(model, tok, claims, evidence, batch_size=5)
    single = np.vstack([cross.predict_proba(model, tok, [c], [e]) for c, e in zip(claims, evidence)])
    assert np.allclose(batched, single, atol=1e-5)
    assert np.allclose(batched.sum(1), 1.0)


def test_artifact_round_trip_and_a_broken_one_is_a_model_error(tiny, tmp_path):
    tok, cfg = tiny
    model = _model(tok, cfg)
    with torch.no_grad():
        for lora in model.lora.values():
            lora.lora_B.normal_(0, 0.1)
    cross.save_artifact(tmp_path / "art", model, cfg, dict(id="toy"))
    loaded, cfg2, meta = cross.load_model(tmp_path / "art", _bert(len(tok)))
    assert cfg2 == cfg and meta["id"] == "toy"
    pairs = _pairs(7)
    a = cross.predict_proba(model, tok, [p["claim"] for p in pairs], [p["evidence"] for p in pairs])
    b = cross.predict_proba(loaded, tok, [p["claim"] for p in pairs], [p["evidence"] for p in pairs])
    assert np.allclose(a, b, atol=2e-3)  # float16 storage
    (tmp_path / "art" / cross.CONFIG_FILE).write_text("{")
    with pytest.raises(ModelError):
        cross.load_model(tmp_path / "art", _bert(len(tok)))


def test_length_batches_cover_every_pair_once():
    rng = np.random.default_rng(0)
    lengths = rng.integers(5, 300, size=1001)
    batches = cross.length_batches(lengths, 16, np.random.default_rng(3), window=8)
    flat = np.concatenate(batches)
    assert sorted(flat.tolist()) == list(range(1001))
    spread = np.mean([np.ptp(lengths[b]) for b in batches if len(b) == 16])
    assert spread < np.ptp(lengths) / 4  # batches hold similar lengths: little padding


def _verifier(tok, cfg, abstention=None):
    from synth.judge.verifier.model import AGG_NAMES

    model = _model(tok, cfg)
    with torch.no_grad():
        for lora in model.lora.values():
            lora.lora_B.normal_(0, 0.1)
    coef = np.zeros((3, len(AGG_NAMES)))
    coef[0, AGG_NAMES.index("max_support")] = coef[1, AGG_NAMES.index("max_refute")] = 8.0
    agg = dict(coef=coef.tolist(), intercept=[0.0, 0.0, 2.5], temperature=1.0, calib_x=[0.0, 1.0], calib_y=[0.1, 0.9])
    return cross.CrossVerifier(model, tok, cfg, dict(id="toy", top_k=2, aggregator=agg), abstention=abstention)


def test_judge_many_batches_claims_and_matches_judge(tiny):
    tok, cfg = tiny
    v = _verifier(tok, cfg)
    items = [("the cat eats", ["the cat eats fish", "two dogs", "bread"]), ("not the dog", ["the dog sees"]), ("fish", [])]
    many = v.judge_many(items)
    for (claim, ev), j in zip(items, many):
        one = v.judge(claim, ev)
        assert (one.label, round(one.confidence, 6)) == (j.label, round(j.confidence, 6))
        assert len(j.stances) == min(2, len(ev))  # only the top_k evidence is read
        assert 0.1 <= j.confidence <= 0.9  # through the calibration map


def test_abstention_turns_unsure_verdicts_into_not_enough_info_with_a_reason(tiny):
    from synth.judge.verifier.abstain import Abstention

    tok, cfg = tiny
    plain = _verifier(tok, cfg).judge("the cat eats", ["the cat eats fish"])
    strict = _verifier(tok, cfg, Abstention(0.99, 0.99)).judge("the cat eats", ["the cat eats fish"])
    assert strict.raw_label == plain.label and strict.label == "NOT_ENOUGH_INFO" and strict.reason in ("unsettled", "no_evidence")


def test_load_verifier_chooses_by_setting_and_refuses_unknown_names(tmp_path):
    from synth.config import Settings
    from synth.judge.verifier import load_verifier

    with pytest.raises(ModelError, match="unknown verifier model"):
        load_verifier(Settings.from_env(home=tmp_path, verifier_model="nope"))


def test_v3_is_mixed_into_same_language_pairs_only_when_the_artefact_says_so():
    claims = ["The student model is eight times smaller than its teacher.",
              "The student model is eight times smaller than its teacher.",
              "Model A improves recall by four points on Swahili.", "4.1"]
    evidence = ["The student is eight times smaller than the teacher model.",
                "Das Schülermodell ist achtmal kleiner als sein Lehrermodell.",
                "Modeli A huboresha urejeshaji kwa pointi nne kwa Kiswahili.", "4,1"]
    assert cross.same_language(claims, evidence).tolist() == [True, False, False, True]  # no letters: unknown, mixed
    p_cross = np.array([[0.9, 0.05, 0.05]] * 4)
    p_v3 = np.array([[0.1, 0.8, 0.1]] * 4)
    everywhere = cross.mix_v3(p_cross, p_v3, 0.5)
    scoped = cross.mix_v3(p_cross, p_v3, 0.5, cross.same_language(claims, evidence))
    assert np.allclose(scoped[[1, 2]], p_cross[[1, 2]])  # across languages: the cross-encoder's stance alone
    assert np.allclose(scoped[[0, 3]], everywhere[[0, 3]]) and not np.allclose(everywhere[0], p_cross[0])
    assert np.allclose(cross.mix_v3(p_cross, p_v3, 0.0, None), p_cross)
