"""SciFact dev claim-label macro-F1 in the open setting: the whole 5,183-abstract corpus is the search space.

    python eval/eval_scifact.py --shared ../shared [--nli MODEL] [--limit N] [--artifact DIR]

Retrieval (eval/scifact.py) is hybrid: TF-IDF (word 1-2 grams, BM25-like sublinear tf) over title + abstract fused by reciprocal
rank with e5 dense similarity to the titles; then the sentences of the top abstracts are ranked by TF-IDF,
the best few re-ranked with e5 dense similarity, and the top `--k` go to the verifier. Encodings are cached
under SYNTH_HOME/verifier-train so reruns are fast. Reads ../shared; never used in training.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # synth and eval/ from this source checkout

from eval.common import LABELS, SHARED, cached_verifier, report_labels  # noqa: E402
from eval.scifact import evidence_sets  # noqa: E402

NAMES = ("SUPPORT", "CONTRADICT", "NEI")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=SHARED)
    ap.add_argument("--split", default="dev")
    ap.add_argument("--nli", default=None, help="sentence-transformers CrossEncoder NLI model instead of the shipped verifier")
    ap.add_argument("--k", type=int, default=5, help="evidence sentences per claim")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--artifact", type=Path, default=None, help="verifier folder to evaluate (default: the shipped one)")
    args = ap.parse_args(argv)

    import torch

    torch.set_num_threads(args.threads)
    verifier, encoder, cache = cached_verifier(args.nli, args.artifact)
    t0 = time.time()
    sets = evidence_sets(args.shared, args.split, encoder, cache, k=args.k, limit=args.limit)
    gold, pred, conf, raw_pred, raw_conf = [], [], [], [], []
    for s in sets:
        j = verifier.judge(s["claim"], s["evidence"], s["scores"])
        gold.append(s["label"])
        pred.append(LABELS.index(j.label))
        conf.append(j.confidence)
        raw = getattr(j, "raw_label", None)  # the verdict before abstention, when the verifier abstains
        raw_pred.append(LABELS.index(raw) if raw else pred[-1])
        raw_conf.append(j.raw_confidence if raw else j.confidence)
    runs = [("", pred, conf)]
    if raw_pred != pred:
        runs = [(" without abstention", raw_pred, raw_conf), (" with abstention", pred, conf)]
    for tag, pr, cf in runs:
        report_labels(f"SciFact {args.split} (open, {len(sets)} claims, k={args.k}, verifier {verifier.id}){tag}", gold, pr, cf, NAMES)
    print(f"  ({time.time() - t0:.0f} s)")


if __name__ == "__main__":
    main()
