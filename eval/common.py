"""What the evaluation and training scripts share: default paths, labels, the field set, models and metrics.

Imported as `eval.common` with the repository root on sys.path (each script puts it there), so scripts never
import one another's main modules. SciFact data and retrieval are in `eval.scifact`.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from pathlib import Path

from synth.judge.verifier.base import LABELS

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"  # nli/ and scifact/ (not in the repository)
FIELD = ROOT / "data" / "field_claims"
BITEXT = ROOT / "data" / "bitext"
RESTATEMENTS = ROOT / "data" / "restatements"  # claim-like field sentences in en/de/fr/sw (README there)
XLING_TRAIN = ROOT / "data" / "xling_train"  # hand-written cross-lingual claims for fitting the aggregator (README)
NLI_LABEL = {"entailment": 0, "contradiction": 1, "neutral": 2}  # label names of XNLI / SNLI -> index in LABELS

__all__ = [
    "BITEXT",
    "FIELD",
    "LABELS",
    "NLI_LABEL",
    "RESTATEMENTS",
    "ROOT",
    "SHARED",
    "XLING_TRAIN",
    "cached_verifier",
    "field_sets",
    "field_translations",
    "judge_all",
    "load_encoder",
    "load_field",
    "macro_f1",
    "xling_train_sets",
]


# ---------------------------------------------------------------------------------------------- our field set
def load_field(field_dir: Path, split: str) -> list[dict]:
    """Rows of data/field_claims/claims.jsonl in `split` as training pairs (label as 0/1/2, group = fact)."""
    out = []
    for r in map(json.loads, open(Path(field_dir) / "claims.jsonl", encoding="utf-8")):
        if r["split"] == split:
            out.append(dict(claim=r["claim"], evidence=r["evidence"], label=LABELS.index(r["label"]), source="field",
                            claim_lang=r["claim_lang"], evidence_lang=r["evidence_lang"], group=f"field{r['fact']}",
                            kind=r["kind"]))
    return out


def field_translations(which: str, folders: tuple[Path, ...] = (BITEXT, RESTATEMENTS)) -> list[dict[str, str]]:
    """The project-written field sentences with their translations, one dict per English sentence ({"en": ..., "de":
    ..., "fr": ..., "sw": ...}), from data/bitext/field-eng-*.tsv and data/restatements/*-eng-*.tsv; `which` is the
    side of synth.train.bitext's fixed split ("train" / "heldout")."""
    from synth.train import bitext

    lang_of = {"deu": "de", "fra": "fr", "swa": "sw"}
    out: dict[str, dict[str, str]] = {}
    for folder in folders:
        for f in sorted(Path(folder).glob("*-eng-*.tsv")):
            lang = lang_of.get(f.stem[-3:], f.stem[-3:])
            for pair in bitext.split(bitext.read_tsv(f), which):
                out.setdefault(pair.en, {"en": pair.en})[lang] = pair.xx
    return [out[k] for k in sorted(out)]


def field_sets(field_dir: Path, split: str, distractors: int = 0, seed: int = 7, without_own: bool = False) -> list[dict]:
    """Claim-level sets from field rows: the row's evidence, plus `distractors` texts of other facts (same language).
    With `without_own`, the deciding rows' claims against the distractors alone: same field, nothing that settles
    the claim, so NOT_ENOUGH_INFO."""
    rows = load_field(field_dir, split)
    rng = random.Random(seed)
    by_lang: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for r in rows:
        by_lang[r["evidence_lang"]].append((r["group"], r["evidence"]))
    out = []
    for r in rows:
        if without_own and r["label"] == 2:
            continue
        ev = [] if without_own else [r["evidence"]]
        if distractors:
            pool = sorted({e for g, e in by_lang[r["evidence_lang"]] if g != r["group"]})
            ev += rng.sample(pool, min(distractors, len(pool)))
            rng.shuffle(ev)
        out.append(dict(r, evidence=ev, scores=None, **({"label": 2, "source": "field-unsettled"} if without_own else {})))
    return out


def xling_train_sets(folder: Path = XLING_TRAIN, distractors: int = 2, seed: int = 11) -> list[dict]:
    """Claim-level sets from data/xling_train (hand-written claims against evidence written separately in their own
    and in other languages; never used to fine-tune any model): each row's evidence among `distractors` evidence
    texts of other facts of the same file (any language), like the field sets; and, once per fact, the claim against
    `distractors` + 2 other facts' texts alone (NOT_ENOUGH_INFO). Empty when the folder has no claims.jsonl. (Four
    distractors, as many texts as inference reads, fitted worse out of fold on every family of sets.)"""
    path = Path(folder) / "claims.jsonl"
    if not path.is_file():
        return []
    rows = [json.loads(line) for line in open(path, encoding="utf-8")]
    rng = random.Random(seed)
    topic = lambda r: r["fact"].rstrip("0123456789")  # noqa: E731  (the facts_<topic>.py a row comes from)
    by_topic: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for r in rows:
        by_topic[topic(r)].append((r["fact"], r["evidence"]))

    def others(r: dict, k: int) -> list[str]:
        pool = sorted({e for f, e in by_topic[topic(r)] if f != r["fact"]})
        return rng.sample(pool, min(k, len(pool)))

    out, unsettled = [], set()
    for r in rows:
        base = dict(claim=r["claim"], scores=None, source="xling-train", claim_lang=r["claim_lang"],
                    evidence_lang=r["evidence_lang"], group=f"xtrain{r['fact']}", kind=r["kind"])
        ev = [r["evidence"]] + others(r, distractors)
        rng.shuffle(ev)
        out.append(dict(base, evidence=ev, label=LABELS.index(r["label"])))
        if r["fact"] not in unsettled:
            unsettled.add(r["fact"])
            out.append(dict(base, evidence=others(r, distractors + 2), label=2, source="xling-train-unsettled",
                            evidence_lang="", kind="unsettled"))
    return out


# ---------------------------------------------------------------------------------------------- models
def load_encoder(name: str, home: Path | None):
    """The frozen encoder the verifier is trained for (synth.index.encoders when present)."""
    from synth.config import Settings

    settings = Settings.from_env(**({"home": home} if home else {}))
    from synth.index.encoders import load_encoder as load

    return load(name, settings)


def cached_verifier(nli: str | None = None, artifact: Path | None = None):
    """(verifier, encoder, cache): the verifier with encodings cached under SYNTH_HOME/verifier-train; `artifact`
    is a folder with head.npz + verifier.json to evaluate instead of the shipped one."""
    from synth.config import BASE_ENCODER, Settings
    from synth.judge.verifier import load_verifier
    from synth.train.verifier.cache import CachedEncoder, EncodingCache

    settings = Settings.from_env()
    encoder = load_encoder(BASE_ENCODER, settings.home)
    cache = EncodingCache(settings.home / "verifier-train" / f"enc-{encoder.id.replace('/', '_')}")
    cached = CachedEncoder(encoder, cache)
    if artifact is not None and not nli:
        from synth.judge.verifier import cross, model

        if (Path(artifact) / cross.CONFIG_FILE).is_file():
            verifier = cross.from_folder(Path(artifact), settings)
        else:
            verifier = model.from_folder(Path(artifact), cached)
        verifier.id = f"{verifier.id} ({artifact})"
        return verifier, cached, cache
    return load_verifier(settings, nli=nli, encoder=cached), cached, cache


def judge_all(verifier, items: list[tuple[str, list[str]]]) -> list:
    """Judgements of (claim, evidence texts) items: in shared batches where the verifier can (`judge_many`), else one
    claim at a time."""
    if hasattr(verifier, "judge_many"):
        return verifier.judge_many(items)
    return [verifier.judge(claim, evidence) for claim, evidence in items]


# ---------------------------------------------------------------------------------------------- metrics
def macro_f1(gold: list[int], pred: list[int]) -> tuple[float, list[tuple[float, float, float]]]:
    """Macro-F1 over the three labels, and (precision, recall, F1) per label in LABELS order."""
    from sklearn.metrics import f1_score, precision_recall_fscore_support

    p, r, f, _ = precision_recall_fscore_support(gold, pred, labels=[0, 1, 2], zero_division=0)
    return float(f1_score(gold, pred, labels=[0, 1, 2], average="macro", zero_division=0)), list(zip(p, r, f))


def report_labels(title: str, gold: list[int], pred: list[int], conf: list[float], names: tuple[str, ...] = tuple(LABELS)) -> float:
    """Print macro-F1, accuracy, ECE, the NOT_ENOUGH_INFO share and per-label P/R/F1 of one group; returns macro-F1."""
    import numpy as np

    from synth.judge.verifier.calibrate import ece

    f1, per = macro_f1(gold, pred)
    g, p = np.array(gold), np.array(pred)
    print(f"{title}: macro-F1 {f1:.3f}  accuracy {np.mean(g == p):.3f}  ECE {ece(conf, g == p):.3f}  NEI share {np.mean(p == 2):.3f}")
    for name, (pp, rr, ff) in zip(names, per):
        print(f"    {name:<16} P {pp:.3f}  R {rr:.3f}  F1 {ff:.3f}")
    return f1
