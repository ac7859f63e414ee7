"""Evaluation of encoders on what synth uses them for: finding a sentence's translation, and a claim's evidence.

Bitext retrieval: top-1 and MRR of finding each sentence's translation, both ways. For one file and direction
`xx-en`, every non-English sentence is a query and all English sentences of the (held-out) file are the candidates;
`en-xx` is the reverse. Candidates are compared by text, so a duplicated sentence counts as found whichever copy
ranks first. Vectors come from `encoder.encode(texts, "query")`.

Cross-lingual evidence retrieval: recall@k of finding each claim's evidence (in another language) in a pool of
candidate sentences, claims encoded as queries and the pool as passages, with bootstrap 95% intervals over claims
and paired differences between encoders on the same claims.
"""

from __future__ import annotations

import csv
import json
import resource
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Collection, Mapping, Sequence

import numpy as np

from ..config import BASE_ENCODER
from ..errors import BadInputError
from .bitext import Pair

# eval names -> encoder names understood by synth.index.encoders.load_encoder
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


def gold_ranks(sims: np.ndarray, gold: Sequence[Collection[int]],
               exclude: Sequence[Collection[int]] | None = None) -> np.ndarray:
    """Rank (1 = first) of the best-scoring gold candidate of each query row of `sims`, gold[i] being a set of
    equivalent candidate indices; candidates in exclude[i] that are not gold are left out. Ties go to the gold."""
    ranks = np.empty(len(gold), dtype=np.int64)
    for i, g in enumerate(gold):
        idx = np.fromiter(g, dtype=np.int64)
        best = sims[i][idx].max()
        other = np.ones(sims.shape[1], dtype=bool)
        if exclude is not None:
            other[np.fromiter(exclude[i], dtype=np.int64)] = False
        other[idx] = False
        ranks[i] = 1 + int((sims[i][other] > best).sum())
    return ranks


def retrieval_scores(queries: np.ndarray, candidates: np.ndarray, gold: Sequence[str], texts: Sequence[str]) -> tuple[float, float]:
    """(top-1, MRR) for query i whose answer is any candidate whose text equals gold[i]."""
    texts_arr = np.asarray(texts, dtype=object)
    ranks = gold_ranks(queries @ candidates.T, [np.flatnonzero(texts_arr == answer) for answer in gold])
    n = max(1, len(gold))
    return float((ranks == 1).sum()) / n, float((1.0 / ranks).sum()) / n


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


# ---------------------------------------------------------------------------------------------- evidence retrieval
EVIDENCE_LABELS = ("SUPPORTED", "REFUTED")  # field rows whose evidence addresses the claim


@dataclass
class Interval:
    """A point estimate with its bootstrap 95% interval."""

    value: float
    lo: float
    hi: float

    def excludes_zero(self) -> bool:
        return self.lo > 0 or self.hi < 0


@dataclass
class EvidenceResult:
    """One encoder on one set of claims: the rank of each claim's best gold, and recall@k with its interval."""

    ranks: np.ndarray
    recall: dict[int, Interval]

    @property
    def n(self) -> int:
        return len(self.ranks)

    def hits(self, k: int) -> np.ndarray:
        """(n,) bool: claim i's gold is in its top k."""
        return self.ranks <= k


@dataclass
class EvidenceTask:
    """Claims and the pool to search: gold[i] the pool indices that answer claim i (equivalent copies), exclude[i]
    pool indices that are neither answer nor distractor for it, directions[i] its 'claim-evidence' languages."""

    name: str
    claims: list[str]
    pool: list[str]
    gold: list[tuple[int, ...]]
    exclude: list[tuple[int, ...]]
    directions: list[str]


def bootstrap_mean(values: np.ndarray, boot: int = 1000, seed: int = 0) -> Interval:
    """Mean of `values` with a percentile bootstrap 95% interval (items resampled with a fixed seed)."""
    x = np.asarray(values, dtype=np.float64)
    if x.size == 0:
        raise BadInputError("nothing to average")
    idx = np.random.default_rng(seed).integers(0, x.size, (max(1, boot), x.size))
    lo, hi = np.percentile(x[idx].mean(axis=1), [2.5, 97.5])
    return Interval(float(x.mean()), float(lo), float(hi))


def paired_difference(hits: np.ndarray, baseline: np.ndarray, boot: int = 1000, seed: int = 0) -> Interval:
    """Mean of hits - baseline over the same claims (per-claim 0/1 vectors of two encoders), with a paired
    bootstrap 95% interval: an interval that excludes 0 reads as a real difference."""
    a, b = np.asarray(hits, dtype=np.float64), np.asarray(baseline, dtype=np.float64)
    if a.shape != b.shape:
        raise BadInputError(f"paired vectors differ in length: {a.shape} vs {b.shape}")
    return bootstrap_mean(a - b, boot, seed)


def evidence_result(ranks: np.ndarray, ks: Sequence[int] = (1, 5), boot: int = 1000, seed: int = 0) -> EvidenceResult:
    """Recall@k with bootstrap intervals from the rank of each claim's gold."""
    ranks = np.asarray(ranks)
    return EvidenceResult(ranks, {k: bootstrap_mean(ranks <= k, boot, seed) for k in ks})


def _gold_sets(gold: Sequence[int | Collection[int]], size: int) -> list[tuple[int, ...]]:
    sets = []
    for i, g in enumerate(gold):
        s = (int(g),) if isinstance(g, (int, np.integer)) else tuple(int(j) for j in g)
        if not s or any(not 0 <= j < size for j in s):
            raise BadInputError(f"claim {i}: gold {g!r} is not a non-empty set of pool indices (pool of {size})")
        sets.append(s)
    return sets


def evidence_recall(
    encoder: Any,
    claims: Sequence[str],
    pool: Sequence[str],
    gold: Sequence[int | Collection[int]],
    ks: Sequence[int] = (1, 5),
    boot: int = 1000,
    seed: int = 0,
    exclude: Sequence[Collection[int]] | None = None,
) -> EvidenceResult:
    """Recall@k of each claim's gold evidence among `pool` ranked by cosine (claims encoded as queries, the pool as
    passages), with bootstrap 95% intervals over claims. gold[i]: a pool index or a set of equivalent ones;
    exclude[i]: pool indices left out of claim i's ranking."""
    if not claims or not pool:
        raise BadInputError("evidence retrieval needs at least one claim and one pool sentence")
    if len(gold) != len(claims) or (exclude is not None and len(exclude) != len(claims)):
        raise BadInputError(f"{len(claims)} claims but {len(gold)} gold entries"
                            + (f" and {len(exclude)} exclusions" if exclude is not None else ""))
    sets = _gold_sets(gold, len(pool))
    sims = encoder.encode(list(claims), "query") @ encoder.encode(list(pool), "passage").T
    return evidence_result(gold_ranks(sims, sets, exclude), ks, boot, seed)


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise BadInputError(f"field claims file not found: {path}")
    rows = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except ValueError as exc:
                    raise BadInputError(f"{path}:{lineno}: not JSON ({exc})") from exc
    return rows


def field_evidence_task(path: str | Path, split: str = "eval") -> EvidenceTask:
    """The field set (data/field_claims/claims.jsonl) as evidence retrieval: each `split` row whose claim and evidence
    languages differ and whose label is SUPPORTED or REFUTED is a claim; the pool is every distinct evidence text of
    the split (all languages); the gold is the row's evidence, and the other translations of that fact's evidence
    are left out of the claim's ranking (they are neither its answer nor a distractor)."""
    path = Path(path)
    keys = ("fact", "split", "claim", "evidence", "label", "claim_lang", "evidence_lang")
    rows = [r for r in _read_jsonl(path) if r.get("split") == split]
    for r in rows:
        missing = [k for k in keys if k not in r]
        if missing:
            raise BadInputError(f"{path}: row {r.get('id', '?')} lacks {', '.join(missing)}")
    pool = list(dict.fromkeys(r["evidence"] for r in rows))
    at = {text: i for i, text in enumerate(pool)}
    own: dict[Any, set[int]] = defaultdict(set)  # fact -> its own evidence in every language
    for r in rows:
        if r["label"] in EVIDENCE_LABELS:
            own[r["fact"]].add(at[r["evidence"]])
    task = EvidenceTask("field", [], pool, [], [], [])
    for r in rows:
        if r["label"] in EVIDENCE_LABELS and r["claim_lang"] != r["evidence_lang"]:
            g = at[r["evidence"]]
            task.claims.append(r["claim"])
            task.gold.append((g,))
            task.exclude.append(tuple(sorted(own[r["fact"]] - {g})))
            task.directions.append(f"{r['claim_lang']}-{r['evidence_lang']}")
    if not task.claims:
        raise BadInputError(f"{path}: no {split} rows with a SUPPORTED/REFUTED claim in another language than its evidence")
    return task


def xnli_translation_tasks(path: str | Path, langs: Sequence[str], n: int = 500, seed: int = 0) -> list[EvidenceTask]:
    """XNLI test as bitext retrieval with intervals, two tasks per language xx: `en-xx` (an English premise against
    every distinct xx premise; gold: its translation) and `xx-en`. The same `n` premises (fixed-seed sample of the
    premise groups) serve every language."""
    by_lang = _xnli_rows(path, langs)
    groups = sorted({i // 3 for i in by_lang["en"]} & set.intersection(*({i // 3 for i in by_lang[x]} for x in langs)))
    rng = np.random.default_rng(seed)
    picked = sorted(int(g) for g in rng.choice(groups, min(n, len(groups)), replace=False))

    def premises(lang: str) -> dict[int, str]:
        return {i // 3: r["premise"] for i, r in sorted(by_lang[lang].items())}

    def task(src: str, dst: str) -> EvidenceTask:
        a, b = premises(src), premises(dst)
        pool = list(dict.fromkeys(b.values()))
        at = {text: j for j, text in enumerate(pool)}
        return EvidenceTask("xnli-translation", [a[g] for g in picked], pool, [(at[b[g]],) for g in picked],
                            [() for _ in picked], [f"{src}-{dst}"] * len(picked))

    return [t for x in langs for t in (task("en", x), task(x, "en"))]


def _xnli_rows(path: str | Path, langs: Sequence[str]) -> dict[str, dict[int, dict[str, str]]]:
    """{language: {row: row dict}} of an XNLI TSV; BadInputError when the file, a column or a language is missing."""
    path = Path(path)
    if not path.is_file():
        raise BadInputError(f"XNLI file not found: {path}")
    by_lang: dict[str, dict[int, dict[str, str]]] = defaultdict(dict)
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        missing = {"language", "row", "label", "premise", "hypothesis"} - set(reader.fieldnames or ())
        if missing:
            raise BadInputError(f"{path}: no column {', '.join(sorted(missing))}")
        for r in reader:
            by_lang[r["language"]][int(r["row"])] = r
    for lang in ("en", *langs):
        if lang not in by_lang:
            raise BadInputError(f"{path}: no rows in language {lang!r} (have {', '.join(sorted(by_lang))})")
    return by_lang


def xnli_evidence_tasks(path: str | Path, langs: Sequence[str], n: int = 500, seed: int = 0) -> list[EvidenceTask]:
    """XNLI test as parallel evidence retrieval, two tasks per language xx: `en-xx` (English entailed hypotheses
    against every distinct xx premise; gold: the xx premise of the same row) and `xx-en` (the reverse). The same
    `n` rows (a fixed-seed sample of the entailment rows) serve every language; rows with the same row // 3 share a
    premise, and every pool copy of a premise of the row's group counts as its gold."""
    if n < 1:
        raise BadInputError(f"--n must be positive, not {n}")
    by_lang = _xnli_rows(path, langs)
    rows = sorted(i for i, r in by_lang["en"].items()
                  if r["label"] == "entailment" and all(i in by_lang[x] for x in langs))
    if not rows:
        raise BadInputError(f"{path}: no English entailment rows shared by {', '.join(langs)}")
    rng = np.random.default_rng(seed)
    picked = sorted(int(i) for i in rng.choice(rows, min(n, len(rows)), replace=False))

    def task(src: str, dst: str) -> EvidenceTask:
        table = by_lang[dst]
        pool = list(dict.fromkeys(table[i]["premise"] for i in sorted(table)))
        at = {text: j for j, text in enumerate(pool)}
        groups: dict[int, set[int]] = defaultdict(set)
        for i, r in table.items():
            groups[i // 3].add(at[r["premise"]])
        return EvidenceTask("xnli", [by_lang[src][i]["hypothesis"] for i in picked], pool,
                            [tuple(sorted(groups[i // 3])) for i in picked], [() for _ in picked],
                            [f"{src}-{dst}"] * len(picked))

    return [t for x in langs for t in (task("en", x), task(x, "en"))]


class _Memo:
    """An encoder wrapper that encodes each (kind, text) once: tasks share claims and pools."""

    def __init__(self, encoder: Any) -> None:
        self.encoder, self.id = encoder, encoder.id
        self._vecs: dict[tuple[str, str], np.ndarray] = {}

    def encode(self, texts: Sequence[str], kind: str = "passage") -> np.ndarray:
        todo = list(dict.fromkeys(t for t in texts if (kind, t) not in self._vecs))
        if todo:
            self._vecs.update(((kind, t), v) for t, v in zip(todo, self.encoder.encode(todo, kind)))
        return np.stack([self._vecs[(kind, t)] for t in texts]) if texts else np.zeros((0, 0), np.float32)


def evaluate_evidence(
    encoders: Mapping[str, Callable[[], Any]],
    tasks: Sequence[EvidenceTask],
    ks: Sequence[int] = (1, 5),
    boot: int = 1000,
    seed: int = 0,
    progress: Callable[[str], None] = lambda msg: None,
) -> list[dict[str, Any]]:
    """Rows {"task", "direction", "n", "encoder", "recall@k": [value, lo, hi], "delta@k": [value, lo, hi] | None}
    per task, direction (and "all" when a task has several) and encoder; delta@k is the paired difference from the
    first encoder on the same claims. `encoders` maps a display name to a loader (called once, lazily)."""
    ranks: dict[str, list[np.ndarray]] = {}
    for name, loader in encoders.items():
        encoder = _Memo(loader())
        ranks[name] = []
        for task in tasks:
            res = evidence_recall(encoder, task.claims, task.pool, task.gold, ks, boot, seed, task.exclude)
            ranks[name].append(res.ranks)
            progress(f"{name} {task.name}: n {res.n}, " + ", ".join(f"recall@{k} {res.recall[k].value:.3f}" for k in ks))
    rows: list[dict[str, Any]] = []
    names = list(ranks)
    for t, task in enumerate(tasks):
        dirs = np.asarray(task.directions)
        groups = list(dict.fromkeys(task.directions)) + (["all"] if len(set(task.directions)) > 1 else [])
        for group in groups:
            mask = np.ones(len(dirs), bool) if group == "all" else dirs == group
            first = evidence_result(ranks[names[0]][t][mask], ks, boot, seed)
            for name in names:
                res = evidence_result(ranks[name][t][mask], ks, boot, seed)
                row: dict[str, Any] = {"task": task.name, "direction": group, "n": res.n, "encoder": name}
                for k in ks:
                    r = res.recall[k]
                    row[f"recall@{k}"] = [round(r.value, 4), round(r.lo, 4), round(r.hi, 4)]
                for k in ks:
                    d = paired_difference(res.hits(k), first.hits(k), boot, seed) if name != names[0] else None
                    row[f"delta@{k}"] = None if d is None else [round(d.value, 4), round(d.lo, 4), round(d.hi, 4)]
                rows.append(row)
    return rows


def evidence_markdown(rows: Sequence[Mapping[str, Any]]) -> str:
    """One line per task, direction and encoder: recall@k [95% CI] and the paired difference from the first
    encoder [95% CI] (bold where the interval excludes 0)."""
    if not rows:
        return ""
    ks = [int(key.split("@")[1]) for key in rows[0] if key.startswith("recall@")]
    first = rows[0]["encoder"]
    head = ("| task | direction | n | encoder | " + " | ".join(f"recall@{k} [95% CI]" for k in ks) + " | "
            + " | ".join(f"Δ@{k} vs {first} [95% CI]" for k in ks) + " |")
    lines = [head, "|" + "---|" * (4 + 2 * len(ks))]
    for r in rows:
        cells = [f"{r[f'recall@{k}'][0]:.3f} [{r[f'recall@{k}'][1]:.3f}, {r[f'recall@{k}'][2]:.3f}]" for k in ks]
        for k in ks:
            d = r[f"delta@{k}"]
            if d is None:
                cells.append("—")
            else:
                cell = f"{d[0]:+.3f} [{d[1]:+.3f}, {d[2]:+.3f}]"
                cells.append(f"**{cell}**" if d[1] > 0 or d[2] < 0 else cell)
        lines.append(f"| {r['task']} | {r['direction']} | {r['n']} | {r['encoder']} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
