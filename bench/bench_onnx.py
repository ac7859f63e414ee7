"""Would ONNX Runtime encode faster than synth's torch path? e5-small (or an adapter) on SciFact passages.

    pip install onnxruntime onnx   # not synth dependencies: this benchmark decides whether they should be
    python bench/bench_onnx.py [--encoder optical] [--n 512] [--threads 2]

Exports the encoder's transformer to ONNX (TorchScript exporter, dynamic batch and length), then encodes the same
passages, in the same length-sorted batches of 32 with synth's tokenisation and mean pooling, with: synth fp32,
synth bf16 (SYNTH_ENCODER_PRECISION), ONNX Runtime fp32 and ONNX Runtime dynamic int8 (onnxruntime.quantization).
Prints passages/s, the ratio to synth fp32 and the cosine of each result to synth fp32 (mean / min). One run each,
in one process, so ratios are comparable; absolute figures move with machine load.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_encode import corpus  # noqa: E402  (the SciFact passages bench_encode measures)

def onnx_encode(session, enc, texts: list[str], batch: int = 32) -> np.ndarray:
    """synth's encode (length-sorted batches, prefix, mean pooling, L2) with ONNX Runtime as the transformer."""
    out = np.zeros((len(texts), enc.dim), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    for s in range(0, len(order), batch):
        idx = order[s : s + batch]
        feats = enc.features([texts[i] for i in idx], "passage")
        ids, mask = feats["input_ids"].numpy(), feats["attention_mask"].numpy()
        hidden = session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        m = mask[..., None].astype(np.float32)
        vec = (hidden * m).sum(1) / np.clip(m.sum(1), 1e-9, None)
        out[idx] = vec / np.linalg.norm(vec, axis=1, keepdims=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--encoder", default="optical")
    ap.add_argument("--n", type=int, default=512)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    import onnxruntime as ort
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from synth.config import Settings
    from synth.index.encoders import load_encoder

    torch.set_num_threads(args.threads)
    texts = corpus(args.n, "scifact")
    fp32 = load_encoder(args.encoder, Settings.from_env(encoder_precision="fp32"))
    bf16 = load_encoder(args.encoder, Settings.from_env(encoder_precision="bf16"))

    class Hidden(torch.nn.Module):
        def __init__(self, model) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask):
            return self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    tmp = Path(tempfile.mkdtemp())
    f32_path, i8_path = tmp / "model.onnx", tmp / "model-int8.onnx"
    feats = fp32.features(texts[:2], "passage")
    torch.onnx.export(Hidden(fp32.model).eval(), (feats["input_ids"], feats["attention_mask"]), str(f32_path),
                      input_names=["input_ids", "attention_mask"], output_names=["hidden"], opset_version=17,
                      dynamic_axes={"input_ids": {0: "b", 1: "l"}, "attention_mask": {0: "b", 1: "l"},
                                    "hidden": {0: "b", 1: "l"}}, dynamo=False)
    quantize_dynamic(str(f32_path), str(i8_path), weight_type=QuantType.QInt8, per_channel=True)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads, opts.inter_op_num_threads = args.threads, 1
    sessions = {name: ort.InferenceSession(str(p), opts, providers=["CPUExecutionProvider"])
                for name, p in (("onnxruntime fp32", f32_path), ("onnxruntime int8", i8_path))}

    runs = {"synth fp32": lambda xs: fp32.encode(xs, "passage"), "synth bf16": lambda xs: bf16.encode(xs, "passage")}
    runs |= {name: (lambda xs, s=s: onnx_encode(s, fp32, xs)) for name, s in sessions.items()}
    results = {}
    for name, run in runs.items():
        run(texts[:32])  # warm-up
        t0 = time.perf_counter()
        vecs = run(texts)
        results[name] = (args.n / (time.perf_counter() - t0), vecs)
    base_rate, base = results["synth fp32"]
    print(f"{args.encoder}: {args.n} SciFact passages, {args.threads} threads, batch 32\n")
    print("| path | passages/s | vs synth fp32 | cosine to synth fp32 mean / min |\n|---|---:|---:|---|")
    for name, (rate, vecs) in results.items():
        cos = (vecs * base).sum(1)
        print(f"| {name} | {rate:.1f} | {rate / base_rate:.2f}x | {cos.mean():.4f} / {cos.min():.4f} |")


if __name__ == "__main__":
    main()
