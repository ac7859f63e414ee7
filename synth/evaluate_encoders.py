"""Bitext retrieval evaluation of encoders: top-1 and MRR of finding each sentence's translation, both ways.

For one file and direction `xx-en`, every non-English sentence is a query and all English sentences of the
(held-out) file are the candidates; `en-xx` is the reverse. Candidates are compared by text, so a duplicated
sentence counts as found whichever copy ranks first. Vectors come from `encoder.encode(texts, "query")`.
"""

from __future__ import annotations

import resource
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from .bitext import Pair
from .config import BASE_ENCODER
from .errors import BadInputError

# eval names -> encoder names understood by synth.encoders.load_encoder
ALIASES = {"teacher": "minilm", "base": BASE_ENCODER, "kd": "kd", "ot": "optical"}
DEFAULT_ENCODERS = ("teacher", "base", "kd", "ot")


@dataclass
class Resources:
    """Cost of one encoder: encode latency per sentence, parameters, adapter size, process peak RSS so far."""

    encoder: str
    ms_per_sentence: float
    params_m: float
    fp32_mb: float
    adapter_kb: float
    peak_rss_mb: float


def retrieval_scores(queries: np.ndarray, candidates: np.ndarray, gold: Sequence[str], texts: Sequence[str]) -> tuple[float, float]:
    """(top-1, MRR) for query i whose answer is any candidate whose text equals gold[i]."""
    sims = queries @ candidates.T
    texts_arr = np.asarray(texts, dtype=object)
    top1 = mrr = 0.0
    for i, answer in enumerate(gold):
        is_gold = texts_arr == answer
        best_gold = sims[i][is_gold].max()
        rank = 1 + int((sims[i][~is_gold] > best_gold).sum())
        top1 += rank == 1
        mrr += 1.0 / rank
    n = max(1, len(gold))
    return top1 / n, mrr / n


def evaluate(
    encoders: Mapping[str, Callable[[], Any]],
    files: Mapping[str, Sequence[Pair]],
    progress: Callable[[str], None] = lambda msg: None,
) -> tuple[list[dict[str, Any]], list[Resources]]:
    """Rows {"encoder", "pair", "direction", "top1", "mrr", "n"} for every encoder x file x direction, and the
    resources of each encoder. `encoders` maps a display name to a loader (called once, lazily)."""
    rows: list[dict[str, Any]] = []
    resources: list[Resources] = []
    for name, loader in encoders.items():
        encoder = loader()
        seconds, count = 0.0, 0
        for stem, pairs in files.items():
            if not pairs:
                continue
            en = [p.en for p in pairs]
            xx = [p.xx for p in pairs]
            t0 = time.perf_counter()
            v_en = encoder.encode(en, "query")
            v_xx = encoder.encode(xx, "query")
            seconds += time.perf_counter() - t0
            count += len(en) + len(xx)
            for direction, q, c, gold, cand in (("xx-en", v_xx, v_en, en, en), ("en-xx", v_en, v_xx, xx, xx)):
                top1, mrr = retrieval_scores(q, c, gold, cand)
                rows.append({"encoder": name, "pair": stem, "direction": direction,
                             "top1": round(top1, 4), "mrr": round(mrr, 4), "n": len(pairs)})
            progress(f"{name} {stem}: xx-en top1 {rows[-2]['top1']:.3f}, en-xx top1 {rows[-1]['top1']:.3f}")
        resources.append(_resources(name, encoder, seconds, count))
    return rows, resources


def _resources(name: str, encoder: Any, seconds: float, count: int) -> Resources:
    model = getattr(encoder, "model", None)
    params = sum(p.numel() for p in model.parameters()) if model is not None else 0
    art = getattr(encoder, "artifact_dir", None)
    adapter_kb = sum(f.stat().st_size for f in Path(art).glob("*.safetensors")) / 1024 if art else 0.0
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak_mb = peak_kb / 1024 if sys.platform != "darwin" else peak_kb / 2**20
    return Resources(name, 1000 * seconds / max(1, count), params / 1e6, params * 4 / 2**20, adapter_kb, peak_mb)


def summarise(rows: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, float]]:
    """Macro average over pairs and directions per encoder: {"encoder": {"top1", "mrr"}}."""
    out: dict[str, dict[str, float]] = {}
    for name in dict.fromkeys(r["encoder"] for r in rows):
        mine = [r for r in rows if r["encoder"] == name]
        out[name] = {k: float(np.mean([r[k] for r in mine])) for k in ("top1", "mrr")}
    return out


def markdown(rows: Sequence[Mapping[str, Any]], resources: Sequence[Resources] = ()) -> str:
    """One table row per pair and direction, a column pair (top-1 / MRR) per encoder; then the costs."""
    names = list(dict.fromkeys(r["encoder"] for r in rows))
    keys = list(dict.fromkeys((r["pair"], r["direction"], r["n"]) for r in rows))
    index = {(r["encoder"], r["pair"], r["direction"]): r for r in rows}
    head = "| pair | dir | n | " + " | ".join(f"{n} top1 / MRR" for n in names) + " |"
    lines = [head, "|" + "---|" * (3 + len(names))]
    for pair, direction, n in keys:
        cells = []
        best = max(index[(e, pair, direction)]["top1"] for e in names if (e, pair, direction) in index)
        for e in names:
            r = index.get((e, pair, direction))
            if r is None:
                cells.append("")
                continue
            cell = f"{r['top1']:.3f} / {r['mrr']:.3f}"
            cells.append(f"**{cell}**" if r["top1"] == best and len(names) > 1 else cell)
        lines.append(f"| {pair} | {direction} | {n} | " + " | ".join(cells) + " |")
    avg = summarise(rows)
    lines.append("| **macro avg** | both | | " + " | ".join(f"{avg[e]['top1']:.3f} / {avg[e]['mrr']:.3f}" for e in names) + " |")
    if resources:
        lines += ["", "| encoder | ms / sentence | params (M) | fp32 size (MB) | adapter (KB) | peak RSS so far (MB) |",
                  "|---|---|---|---|---|---|"]
        for r in resources:
            lines.append(f"| {r.encoder} | {r.ms_per_sentence:.2f} | {r.params_m:.1f} | {r.fp32_mb:.0f} | "
                         f"{r.adapter_kb:.0f} | {r.peak_rss_mb:.0f} |")
    return "\n".join(lines) + "\n"


def bar_chart(rows: Sequence[Mapping[str, Any]], path: str | Path) -> Path:
    """A grouped bar chart of top-1 per pair/direction and encoder (needs matplotlib)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise BadInputError("--png needs matplotlib (pip install matplotlib)") from exc
    names = list(dict.fromkeys(r["encoder"] for r in rows))
    keys = list(dict.fromkeys((r["pair"], r["direction"]) for r in rows))
    index = {(r["encoder"], r["pair"], r["direction"]): r["top1"] for r in rows}
    width = 0.8 / max(1, len(names))
    fig, ax = plt.subplots(figsize=(max(6, 0.6 * len(keys) * max(1, len(names)) / 2), 4))
    for i, name in enumerate(names):
        xs = [k + i * width for k in range(len(keys))]
        ax.bar(xs, [index.get((name, *key), 0.0) for key in keys], width, label=name)
    ax.set_xticks([k + 0.4 - width / 2 for k in range(len(keys))])
    ax.set_xticklabels([f"{p}\n{d}" for p, d in keys], fontsize=7)
    ax.set_ylabel("top-1")
    ax.set_ylim(0, 1)
    ax.legend()
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
