"""Distillation on tiny random BERTs: losses fall, runs are deterministic, artefacts round-trip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from synth.train import bitext
from synth.train.bitext import Pair
from synth.index.encoders.lora import LORA_MODULES, add_lora, run_layers
from synth.index.encoders.adapter import attach_artifact
from synth.train.distill import TextModel, build_cache, mean_pool, train
from synth.errors import BadInputError, ModelError

EN = ["the", "big", "small", "cat", "dog", "bird", "eats", "sees", "fish", "bread", "today", "now"]
XX = ["ka", "mbo", "ndo", "paka", "mbwa", "ndege", "kula", "ona", "samaki", "mkate", "leo", "sasa"]


def _tokenizer(tmp_path: Path):
    from transformers import BertTokenizerFast

    vocab = tmp_path / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "query", ":", *EN, *XX]) + "\n")
    return BertTokenizerFast.from_pretrained(str(tmp_path), do_lower_case=True)  # (vocab_file= gives only the specials in transformers 5)


def _bert(seed: int, vocab_size: int, layers: int = 3):
    from transformers import BertConfig, BertModel

    torch.manual_seed(seed)
    cfg = BertConfig(vocab_size=vocab_size, hidden_size=32, num_hidden_layers=layers, num_attention_heads=2,
                     intermediate_size=64, max_position_embeddings=64, hidden_dropout_prob=0.1)
    return BertModel(cfg, add_pooling_layer=False).eval()


def _toy_bitext(n: int = 48) -> list[Pair]:
    import random

    rng = random.Random(0)
    pairs = []
    for _ in range(n):
        idx = [rng.randrange(len(EN)) for _ in range(rng.randint(3, 6))]
        pairs.append(Pair(" ".join(EN[i] for i in idx), " ".join(XX[i] for i in idx), "toy"))
    return pairs


@pytest.fixture
def tiny(tmp_path):
    tok = _tokenizer(tmp_path)
    teacher = TextModel(_bert(1, len(tok)), tok, "", 16)
    student = TextModel(_bert(2, len(tok)), tok, "query: ", 16)
    return teacher, student


def _first_last(result, key="loss", k=5):
    vals = [r[key] for r in result.losses]
    return sum(vals[:k]) / k, sum(vals[-k:]) / k


def test_cached_split_forward_equals_the_full_model(tiny):
    _, student = tiny
    b = student.batch(["the big cat eats fish today", "mbwa"])
    full = student.model(input_ids=b["input_ids"], attention_mask=b["attention_mask"].long()).last_hidden_state
    layers = student.model.encoder.layer
    emb = student.model.embeddings(input_ids=b["input_ids"], token_type_ids=torch.zeros_like(b["input_ids"]))
    split = run_layers(layers[2:], run_layers(layers[:2], emb, b["attention_mask"]), b["attention_mask"])
    m = b["attention_mask"]
    assert torch.allclose(full[m], split[m], atol=1e-5)
    # the prefix 'query:' and [CLS]/[SEP] are not content tokens
    assert b["real"][1].sum() == 1 and b["real"][0].sum() == 6


@pytest.mark.parametrize("method,key", [("ot", "ot"), ("kd", "kd"), ("ot+kd", "loss")])
def test_distillation_loss_falls_on_a_toy_bitext(tiny, method, key):
    teacher, student = tiny
    before = [p.clone() for p in student.model.parameters()]
    result = train(method, _toy_bitext(), teacher, student, steps=40, reg=0.1, seed=0, lr=1e-2, batch_size=8,
                   progress=False, lora_layers=2, lora_rank=4)
    first, last = _first_last(result, key)
    assert last < 0.8 * first, (first, last)
    assert all(torch.equal(a, b) for a, b in zip(before, student.model.parameters()))  # student untouched
    assert set(result.state) == {f"layer.{i}.{m}.lora_{x}" for i in (1, 2) for m in LORA_MODULES for x in "AB"}


def test_same_seed_same_weights_other_seed_other_weights(tiny):
    teacher, student = tiny
    pairs = _toy_bitext()
    cache = build_cache(pairs, teacher, student, lora_layers=1, progress=False)
    kw = dict(steps=6, reg=0.1, lr=1e-2, batch_size=4, progress=False, lora_layers=1, cache=cache)
    a = train("ot+kd", pairs, teacher, student, seed=3, **kw)
    b = train("ot+kd", pairs, teacher, student, seed=3, **kw)
    c = train("ot+kd", pairs, teacher, student, seed=4, **kw)
    assert all(torch.equal(a.state[k], b.state[k]) for k in a.state)
    assert [r["loss"] for r in a.losses] == [r["loss"] for r in b.losses]
    assert any(not torch.equal(a.state[k], c.state[k]) for k in a.state)


def test_attach_artifact_round_trip(tiny, tmp_path):
    from synth.index.encoders.transformer import TransformerEncoder

    teacher, student = tiny
    out = tmp_path / "art"
    result = train("ot", _toy_bitext(), teacher, student, steps=15, reg=0.1, seed=0, lr=1e-2, batch_size=8,
                   out=out, log_dir=tmp_path / "logs", progress=False, lora_layers=2, lora_rank=4,
                   meta={"base": "tiny", "licence": "MIT"})
    info = json.loads((out / "artifact.json").read_text())
    assert info["method"] == "ot" and info["base"] == "tiny" and info["steps"] == 15 and info["licence"] == "MIT"
    assert len((tmp_path / "logs" / "art.jsonl").read_text().splitlines()) == 15 and info["log_file"].endswith("art.jsonl")
    assert not (out / "train_log.jsonl").exists()  # logs are not package data
    assert (out / "adapter.safetensors").stat().st_size < 200_000

    base = TransformerEncoder(student.model, student.tokenizer, "tiny", prefixes={"query": "query: "})
    texts = ["the big cat eats fish", "paka kula samaki leo"]
    base_vecs = base.encode(texts, "query")
    attached = attach_artifact(base, out)
    assert attached.id.startswith("tiny+art-") and base.id == "tiny"
    assert torch.equal(attached.model.embeddings.word_embeddings.weight, base.model.embeddings.word_embeddings.weight)
    # the base encoder is unchanged, the attached one equals the unmerged LoRA forward used in training
    assert (base.encode(texts, "query") == base_vecs).all()
    import copy

    ref = copy.deepcopy(student.model)
    wrapped = add_lora(ref.encoder.layer[1:], 1, 4, 16.0, 0)
    with torch.no_grad():
        for name, lora in wrapped.items():
            lora.lora_A.copy_(result.state[f"{name}.lora_A"])
            lora.lora_B.copy_(result.state[f"{name}.lora_B"])
    b = student.batch(texts)
    want = mean_pool(ref(input_ids=b["input_ids"], attention_mask=b["attention_mask"].long()).last_hidden_state,
                     b["attention_mask"])
    got = torch.from_numpy(attached.encode(texts, "query"))
    assert torch.allclose(got, want, atol=1e-5)
    assert not torch.allclose(got, torch.from_numpy(base_vecs), atol=1e-4)
    # in bf16 the attached encoder runs its own bfloat16 copy, never the base's (made before attaching)
    base.precision = "bf16"
    base_bf16 = base.encode(texts, "query")
    attached_bf16 = attach_artifact(base, out)
    assert attached_bf16.encode_model() is not base.encode_model()
    assert next(attached_bf16.encode_model().parameters()).dtype == torch.bfloat16
    # ... which looks tokens up in the fp32 model's own embedding matrix: not copied, not converted
    lookup = attached_bf16.encode_model().get_input_embeddings()
    assert lookup.source.weight is attached_bf16.model.get_input_embeddings().weight
    assert lookup.source.weight.dtype == torch.float32 and lookup(torch.tensor([[1, 2]])).dtype == torch.bfloat16
    assert torch.allclose(torch.from_numpy(attached_bf16.encode(texts, "query")), want, atol=0.02)
    assert next(base.model.parameters()).dtype == torch.float32 and (base_bf16 * base_vecs).sum(1).min() > 0.99


def test_attach_artifact_rejects_a_directory_without_artifact(tmp_path):
    with pytest.raises(ModelError):
        attach_artifact(object(), tmp_path)


def test_bad_method_and_empty_bitext_are_user_errors(tiny):
    teacher, student = tiny
    with pytest.raises(BadInputError):
        train("mse", _toy_bitext(), teacher, student, steps=1, progress=False)
    with pytest.raises(BadInputError):
        train("ot", [], teacher, student, steps=1, progress=False)


def test_split_rule_is_fixed_and_keeps_duplicates_together(tmp_path):
    f = tmp_path / "eng-toy.tsv"
    rows = [(f"sentence number {i}", f"sentensi {i}") for i in range(200)] + [("sentence number 7", "nyingine")]
    f.write_text("".join(f"{a}\t{b}\n" for a, b in rows), encoding="utf-8")
    train_, held = bitext.load([f], "train")["eng-toy"], bitext.load([f], "heldout")["eng-toy"]
    assert len(train_) + len(held) == 201 and 70 < len(train_) < 130
    assert not {p.en for p in train_} & {p.en for p in held}
    assert bitext.is_train("sentence number 7") == (sum(p.en == "sentence number 7" for p in train_) == 2)
    import hashlib

    assert bitext.is_train("x") == (int(hashlib.sha1(b"x").hexdigest(), 16) % 10 < 5)
    bad = tmp_path / "bad.tsv"
    bad.write_text("only one column\n", encoding="utf-8")
    with pytest.raises(BadInputError):
        bitext.read_tsv(bad)


# -- the CLI ------------------------------------------------------------------------------------------------------

FIELD = Path(__file__).resolve().parents[1] / "data" / "bitext"


def test_eval_encoders_json_rows_for_each_direction(runner, tmp_path):
    from synth.cli import cli

    result = runner.invoke(cli, ["eval", "encoders", "--bitext", str(FIELD / "field-eng-deu.tsv"),
                                 "--encoders", "hashing", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [(r["encoder"], r["pair"], r["direction"]) for r in rows] == [
        ("hashing", "field-eng-deu", "xx-en"), ("hashing", "field-eng-deu", "en-xx")]
    held = len(bitext.load([FIELD / "field-eng-deu.tsv"], "heldout")["field-eng-deu"])
    assert all(r["n"] == held and 0 <= r["top1"] <= r["mrr"] <= 1 for r in rows)
    table = runner.invoke(cli, ["eval", "encoders", "--bitext", str(FIELD / "field-eng-deu.tsv"),
                                "--encoders", "hashing"], catch_exceptions=False)
    assert table.exit_code == 0 and "| field-eng-deu | xx-en |" in table.stdout and "ms / sentence" in table.stdout


def test_retrieval_scores_count_duplicates_as_found():
    import numpy as np

    from synth.train.evaluate_encoders import retrieval_scores

    q = np.eye(3, dtype=np.float32)
    cands = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 1]], dtype=np.float32)
    # query 0's gold text "a" is candidate 1; query 1's gold "b" is candidate 0; query 2's gold is a duplicate "a"
    top1, mrr = retrieval_scores(q, cands, ["a", "b", "a"], ["b", "a", "a"])
    assert top1 == pytest.approx(1.0) and mrr == pytest.approx(1.0)
    top1, mrr = retrieval_scores(q, cands, ["b", "a", "b"], ["b", "a", "a"])
    assert top1 == 0.0 and mrr == pytest.approx(0.5)


def test_cli_errors_are_one_line(runner, tmp_path):
    from synth.cli import cli

    r = runner.invoke(cli, ["eval", "encoders", "--bitext", str(tmp_path / "none.tsv"), "--encoders", "hashing"])
    assert r.exit_code == 1 and "bitext file not found" in r.output and "Traceback" not in r.output
    r = runner.invoke(cli, ["distill", "--bitext", str(FIELD / "field-eng-deu.tsv"), "--out", "x",
                            "--out-dir", str(tmp_path)])
    assert r.exit_code == 1 and "exactly one of --out" in r.output


@pytest.mark.slow
def test_distill_and_eval_on_the_packaged_models(runner, tmp_path):
    """A few real steps: the artefact is written, is small, and evaluates next to the base student."""
    from synth.cli import cli

    out = tmp_path / "art"
    small = tmp_path / "swa-small.tsv"  # 60 rows: about 30 to train on, 30 held out
    small.write_text("".join((FIELD / "field-eng-swa.tsv").read_text(encoding="utf-8").splitlines(True)[:60]),
                     encoding="utf-8")
    r = runner.invoke(cli, ["-q", "distill", "--bitext", str(small), "--method", "ot+kd",
                            "--steps", "3", "--batch-size", "4", "--out-dir", str(out)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    info = json.loads((out / "artifact.json").read_text())
    assert info["base"] == "e5-small" and info["teacher"] == "minilm" and info["steps"] == 3
    assert info["data"][0]["file"] == "swa-small.tsv" and "swa-small.tsv" in info["licence"]
    assert sum(f.stat().st_size for f in out.iterdir()) < 20_000_000
    r = runner.invoke(cli, ["-q", "eval", "encoders", "--bitext", str(small),
                            "--encoders", f"base,{out}", "--json"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    rows = {(x["encoder"], x["direction"]): x for x in json.loads(r.stdout)}
    assert rows[("base", "xx-en")]["top1"] > 0.5
    assert rows[(str(out), "xx-en")]["top1"] > 0.5  # three small steps do not wreck the student


@pytest.mark.slow
def test_shipped_optical_encoder_loads_and_beats_the_teacher_on_swahili():
    from synth.config import Settings
    from synth.train.distill import shipped_artifacts
    from synth.index.encoders import load_encoder

    assert "optical" in shipped_artifacts()
    enc = load_encoder("optical", Settings.from_env())
    assert "+optical-" in enc.id
    pairs = bitext.load([FIELD / "field-eng-swa.tsv"], "heldout")["field-eng-swa"]
    from synth.train.evaluate_encoders import retrieval_scores

    v_en = enc.encode([p.en for p in pairs], "query")
    v_xx = enc.encode([p.xx for p in pairs], "query")
    top1, _ = retrieval_scores(v_xx, v_en, [p.en for p in pairs], [p.en for p in pairs])
    assert top1 > 0.6


def test_licence_follows_the_training_data(tmp_path):
    from synth.train.distill import licence_for

    assert licence_for([FIELD / "field-eng-deu.tsv", FIELD / "field-eng-swa.tsv"]).startswith("MIT")
    assert licence_for([FIELD / "field-eng-deu.tsv", tmp_path / "eng-hau.tsv"]).startswith("CC-BY-NC-SA-4.0")
    assert "mine.tsv" in licence_for([tmp_path / "mine.tsv"])
    both = licence_for([tmp_path / "eng-hau.tsv", tmp_path / "xnli-dev-eng-sw.tsv"])
    assert both.startswith("CC-BY-NC-SA-4.0") and "XNLI" in both
    assert licence_for([tmp_path / "xnli-dev-eng-sw.tsv"]).startswith("CC-BY-NC-4.0")
    assert "mine.tsv" in licence_for([tmp_path / "xnli-dev-eng-sw.tsv", tmp_path / "mine.tsv"])


@pytest.mark.parametrize("method", ["ot", "kd"])
def test_teacher_in_the_students_space_trains_only_the_lora(tiny, method):
    """The teacher is the student's own frozen base (no projection): both stay untouched, only LoRA tensors are
    learnt, and the loss falls."""
    _, student = tiny
    before = [p.clone() for p in student.model.parameters()]
    result = train(method, _toy_bitext(), student, student, steps=40, reg=0.1, seed=0, lr=1e-2, batch_size=8,
                   progress=False, lora_layers=2, lora_rank=4, projection="none")
    first, last = _first_last(result, method)
    assert last < first, (first, last)
    assert all(torch.equal(a, b) for a, b in zip(before, student.model.parameters()))
    assert set(result.state) == {f"layer.{i}.{m}.lora_{x}" for i in (1, 2) for m in LORA_MODULES for x in "AB"}
    assert result.config.projection == "none"


def test_a_kept_cache_is_reused_and_gives_the_same_weights(tiny, tmp_path, monkeypatch):
    import synth.train.distill as distill_mod

    teacher, student = tiny
    kw = dict(steps=5, reg=0.1, seed=0, lr=1e-2, batch_size=4, progress=False, lora_layers=1, cache_dir=tmp_path / "c")
    a = train("ot+kd", _toy_bitext(), teacher, student, **kw)
    assert len(list((tmp_path / "c").glob("*.pt"))) == 1

    def no_build(*args, **kwargs):
        raise AssertionError("the kept cache should have been used")

    monkeypatch.setattr(distill_mod, "build_cache", no_build)
    b = train("ot+kd", _toy_bitext(), teacher, student, **kw)
    assert all(torch.equal(a.state[k], b.state[k]) for k in a.state)
    with pytest.raises(AssertionError):  # other data: another cache
        train("ot+kd", _toy_bitext(40), teacher, student, **kw)
    (next((tmp_path / "c").glob("*.pt"))).write_bytes(b"torn")  # an unreadable file is rebuilt, not an error
    monkeypatch.undo()
    c = train("ot+kd", _toy_bitext(), teacher, student, **kw)
    assert all(torch.equal(a.state[k], c.state[k]) for k in a.state)
