"""Evaluate the verifier on our field set (eval split) and on XNLI test.

    python eval/eval_verifier.py [--nli MODEL] [--xnli-langs en,de,fr,sw] [--xnli-n 500] [--artifact DIR]

Prints per-class P/R/F1, macro-F1 and ECE on data/field_claims (split: fact % 3 == 2), the gap between English
pairs and cross-lingual pairs, the hand-written cross-lingual set data/xling_claims (same-language against cross-lingual evidence for the same
facts), XNLI test accuracy per language (rows not used in training: XNLI dev is), and restatements across
languages (held-out sentences against their translations: `restatements`).
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # synth and eval/ from this source checkout

from eval.common import (  # noqa: E402
    FIELD,
    LABELS,
    NLI_LABEL,
    RESTATEMENTS,
    ROOT,
    SHARED,
    cached_verifier,
    field_sets,
    field_translations,
    judge_all,
    report_labels,
)

XLING = ROOT / "data" / "xling_claims" / "claims.jsonl"


def report(name: str, gold: list[int], pred: list[int], conf: list[float]) -> float:
    """Print macro-F1, accuracy, ECE and per-label P/R/F1 of one group of claims; returns the macro-F1."""
    return report_labels(f"{name}: n={len(gold)}", gold, pred, conf)


def xling(verifier, path: Path) -> None:
    """The hand-written cross-lingual set: each fact's claim against evidence written independently in its own
    language and in another one (matched by label and kind), so the gap compares like with like. Prints macro-F1,
    accuracy and ECE of each half, the accuracy gap with a bootstrap 95% interval over facts, and accuracy by kind."""
    import json

    from synth.judge.verifier.calibrate import ece

    rows = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
    res = []
    for r in rows:
        j = verifier.judge(r["claim"], [r["evidence"]])
        res.append((r, LABELS.index(j.label), j.confidence))
    ok = np.array([LABELS.index(r["label"]) == p for r, p, _ in res])
    cross = np.array([bool(r["cross"]) for r, _, _ in res])
    for name, m in (("same language", ~cross), ("cross-lingual", cross)):
        sel = [x for x, k in zip(res, m) if k]
        report(f"xling {name}", [LABELS.index(r["label"]) for r, _, _ in sel], [p for _, p, _ in sel], [c for _, _, c in sel])
    conf = np.array([c for _, _, c in res])
    facts = sorted({r["fact"] for r in rows})
    fact_of = np.array([facts.index(r["fact"]) for r, _, _ in res])
    rng = np.random.default_rng(0)
    gaps = []
    for _ in range(2000):  # resample facts: the rows of one fact move together
        pick = rng.integers(0, len(facts), len(facts))
        w = np.bincount(pick, minlength=len(facts))[fact_of]
        gaps.append(np.average(ok[~cross], weights=w[~cross] + 1e-12) - np.average(ok[cross], weights=w[cross] + 1e-12))
    lo, hi = np.percentile(gaps, [2.5, 97.5])
    print(f"xling accuracy same {ok[~cross].mean():.3f} cross {ok[cross].mean():.3f}: gap {100 * (ok[~cross].mean() - ok[cross].mean()):+.1f} "
          f"points (95% CI {100 * lo:+.1f} to {100 * hi:+.1f}); ECE all {ece(conf, ok):.3f}, cross {ece(conf[cross], ok[cross]):.3f}")
    for kind in sorted({r["kind"] for r in rows}):
        m = np.array([r["kind"] == kind for r, _, _ in res])
        print(f"    {kind:<10} same {ok[m & ~cross].mean():.3f}  cross {ok[m & cross].mean():.3f}  (n={m.sum()})")


def restatement_units(shared: Path, folders: tuple[Path, ...], n: int, seed: int = 0) -> dict[str, list[dict[str, str]]]:
    """Held-out sentences with translations: `n` XNLI *test* hypotheses (15 languages) and the held-out half of the
    project's field sentences in `folders` (data/restatements: en/de/fr/sw). No training script reads either (the
    held-out half of data/bitext is not used here: the v3 trainer's bitext pairs read all of data/bitext)."""
    rows = csv.DictReader(open(shared / "nli" / "xnli_test_15lang.tsv", encoding="utf-8"), delimiter="\t", quoting=csv.QUOTE_NONE)
    by: dict[str, dict[str, str]] = {}
    for r in rows:
        by.setdefault(r["row"], {})[r["language"]] = r["hypothesis"]
    rng = random.Random(seed)
    xnli = [by[k] for k in rng.sample(sorted(by, key=int), min(n, len(by))) if "en" in by[k] and len(by[k]) > 1]
    return {"XNLI test": xnli, "field sentences": field_translations("heldout", folders)}


def restatements(verifier, shared: Path, folders: tuple[Path, ...], n: int) -> None:
    """Restatements across languages, the demo's failure: a held-out sentence against its own translation (any two
    languages, either side the claim) should be SUPPORTED, the English sentence perturbed (number, negation,
    direction) against the translation REFUTED. Prints the verdict rates of each, next to the English sentence
    against itself (the same-language baseline)."""
    from collections import Counter

    from synth.train.verifier.perturb import refute

    for name, units in restatement_units(shared, folders, n).items():
        rng = random.Random(1)
        kinds: dict[str, list[tuple[str, str]]] = {"itself (en-en)": [], "translation": [], "perturbed vs translation": []}
        for d in units:
            a, b = rng.sample(sorted(d), 2)
            kinds["itself (en-en)"].append((d["en"], d["en"]))
            kinds["translation"].append((d[a], d[b]))
            r = refute(d["en"], [], rng)
            xx = rng.choice([lang for lang in sorted(d) if lang != "en"])
            if r is not None:
                kinds["perturbed vs translation"].append((r[0], d[xx]) if rng.random() < 0.5 else (d[xx], r[0]))
        for kind, pairs in kinds.items():
            c = Counter(j.label for j in judge_all(verifier, [(claim, [e]) for claim, e in pairs]))
            print(f"restatements, {name}, {kind}: n={len(pairs)}  " + "  ".join(f"{lab} {c[lab] / max(1, len(pairs)):.3f}" for lab in LABELS))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=SHARED)
    ap.add_argument("--field", type=Path, default=FIELD)
    ap.add_argument("--nli", default=None)
    ap.add_argument("--xnli-langs", default="en,de,fr,sw,ar,zh")
    ap.add_argument("--xnli-n", type=int, default=300, help="XNLI test pairs per language (0 = skip)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--artifact", type=Path, default=None, help="verifier folder to evaluate (default: the shipped one)")
    ap.add_argument("--xling", type=Path, default=XLING, help="hand-written cross-lingual claim set (evaluation only)")
    ap.add_argument("--restate-n", type=int, default=300, help="XNLI test sentences for the restatement check (0 = skip)")
    ap.add_argument("--only-restate", action="store_true", help="run the restatement check alone")
    args = ap.parse_args(argv)

    import torch

    torch.set_num_threads(args.threads)
    verifier, _, _ = cached_verifier(args.nli, args.artifact)
    print(f"verifier {verifier.id}")
    if args.restate_n:
        restatements(verifier, args.shared, (RESTATEMENTS,), args.restate_n)
    if args.only_restate:
        return
    for distractors in (0, 2):
        sets = field_sets(args.field, "eval", distractors=distractors)
        res, raw = [], []
        for s in sets:
            j = verifier.judge(s["claim"], s["evidence"])
            res.append((s, LABELS.index(j.label), j.confidence))
            if getattr(j, "raw_label", None):  # the verdict before abstention, when the verifier abstains
                raw.append((s, LABELS.index(j.raw_label), j.raw_confidence))
        tag = "single evidence" if not distractors else f"evidence + {distractors} distractors"
        if raw:
            report(f"field eval ({tag}) without abstention", [s["label"] for s, _, _ in raw], [p for _, p, _ in raw],
                   [c for _, _, c in raw])
        report(f"field eval ({tag})", [s["label"] for s, _, _ in res], [p for _, p, _ in res], [c for _, _, c in res])
        en = [(s, p, c) for s, p, c in res if s["claim_lang"] == "en" and s["evidence_lang"] == "en"]
        xl = [(s, p, c) for s, p, c in res if s["claim_lang"] != s["evidence_lang"]]
        f_en = report("  English-English", [s["label"] for s, _, _ in en], [p for _, p, _ in en], [c for _, _, c in en])
        f_xl = report("  cross-lingual", [s["label"] for s, _, _ in xl], [p for _, p, _ in xl], [c for _, _, c in xl])
        print(f"  gap English - cross-lingual: {100 * (f_en - f_xl):+.1f} points macro-F1")
    if args.xling and args.xling.is_file():
        xling(verifier, args.xling)
    if args.xnli_n:
        rows = list(csv.DictReader(open(args.shared / "nli" / "xnli_test_15lang.tsv", encoding="utf-8"), delimiter="\t",
                                   quoting=csv.QUOTE_NONE))
        rng = random.Random(0)
        ids = sorted({r["row"] for r in rows}, key=int)
        pick = set(rng.sample(ids, args.xnli_n))
        for lang in args.xnli_langs.split(","):
            sel = [r for r in rows if r["language"] == lang and r["row"] in pick]
            gold = [NLI_LABEL[r["label"]] for r in sel]
            if hasattr(verifier, "pair_proba"):  # pair-level stance (the premise as the only evidence), batched
                pred = list(verifier.pair_proba([r["hypothesis"] for r in sel], [r["premise"] for r in sel]).argmax(1))
            else:
                pred = []
                for r in sel:
                    st = verifier.stances(r["hypothesis"], [r["premise"]])[0]
                    pred.append(int(np.argmax([st.p_support, st.p_refute, st.p_nei])))
            print(f"XNLI test {lang}: accuracy {np.mean(np.array(gold) == np.array(pred)):.3f} (n={len(sel)}, stance head)")


if __name__ == "__main__":
    main()
