"""Evaluate the verifier on our field set (eval split) and on XNLI test.

    python eval/eval_verifier.py [--nli MODEL] [--xnli-langs en,de,fr,sw] [--xnli-n 500] [--artifact DIR]

Prints per-class P/R/F1, macro-F1 and ECE on data/field_claims (split: fact % 3 == 2), the gap between English
pairs and cross-lingual pairs, and XNLI test accuracy per language (rows not used in training: XNLI dev is).
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # synth and eval/ from this source checkout

from eval.common import FIELD, LABELS, NLI_LABEL, SHARED, cached_verifier, field_sets, report_labels  # noqa: E402


def report(name: str, gold: list[int], pred: list[int], conf: list[float]) -> float:
    """Print macro-F1, accuracy, ECE and per-label P/R/F1 of one group of claims; returns the macro-F1."""
    return report_labels(f"{name}: n={len(gold)}", gold, pred, conf)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=SHARED)
    ap.add_argument("--field", type=Path, default=FIELD)
    ap.add_argument("--nli", default=None)
    ap.add_argument("--xnli-langs", default="en,de,fr,sw,ar,zh")
    ap.add_argument("--xnli-n", type=int, default=300, help="XNLI test pairs per language (0 = skip)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--artifact", type=Path, default=None, help="verifier folder to evaluate (default: the shipped one)")
    args = ap.parse_args(argv)

    import torch

    torch.set_num_threads(args.threads)
    verifier, _, _ = cached_verifier(args.nli, args.artifact)
    print(f"verifier {verifier.id}")
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
    if args.xnli_n:
        rows = list(csv.DictReader(open(args.shared / "nli" / "xnli_test_15lang.tsv", encoding="utf-8"), delimiter="\t",
                                   quoting=csv.QUOTE_NONE))
        rng = random.Random(0)
        ids = sorted({r["row"] for r in rows}, key=int)
        pick = set(rng.sample(ids, args.xnli_n))
        for lang in args.xnli_langs.split(","):
            sel = [r for r in rows if r["language"] == lang and r["row"] in pick]
            gold = [NLI_LABEL[r["label"]] for r in sel]
            pred = []
            for r in sel:  # pair-level stance (the premise as the only evidence)
                st = verifier.stances(r["hypothesis"], [r["premise"]])[0]
                pred.append(int(np.argmax([st.p_support, st.p_refute, st.p_nei])))
            print(f"XNLI test {lang}: accuracy {np.mean(np.array(gold) == np.array(pred)):.3f} (n={len(sel)}, stance head)")


if __name__ == "__main__":
    main()
