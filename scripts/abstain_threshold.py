"""Choose the verifier's abstention thresholds on its training folds and write abstain.json beside its weights.

    python scripts/abstain_threshold.py [--shared ../shared] [--artifact DIR] [--target 0.8] [--dry-run]

The training claim sets of the shipped verifier (SciFact train claims with evidence retrieved from the whole corpus,
the labelled ones again with their rationale sentences first, field-train rows alone and with 2 distractors: the
sets `scripts/train_verifier.py` fits the aggregator on) are judged out of fold: each set's stances by the fold
heads that never saw its claim (the artefact ships the three fold heads: head-f / interact-f is fold f), the
claim-level verdict by the aggregator refitted on the other 4 of 5 folds (same C, same temperature, the shipped
confidence map). On those out-of-fold verdicts, per label (SUPPORTED, REFUTED): the smallest threshold on the
calibrated confidence at which the label's precision reaches `--target`, on the sets that look like inference
(retrieved SciFact evidence and field rows; not the rationale-first copies). XNLI test, SciFact dev and the field
eval split are never read. Encodings are cached under SYNTH_HOME/verifier-train (shared with eval/ and training).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # synth and eval/ from this source checkout

from eval.common import FIELD, LABELS, SHARED, field_sets, load_encoder, macro_f1  # noqa: E402
from eval.scifact import evidence_sets, with_gold_evidence  # noqa: E402

CHOSEN_ON = ("scifact", "field")  # set sources the thresholds are chosen on (not "scifact-gold": rationale first)
MIN_KEPT = 20  # a threshold must keep at least this many verdicts of its label (else precision is noise)


def log(*args: object) -> None:
    print(time.strftime("%H:%M:%S"), *args, file=sys.stderr, flush=True)


def training_sets(shared: Path, field: Path, encoder, cache) -> list[dict]:
    """The aggregator's claim-level training sets, in the order scripts/train_verifier.py builds them."""
    sets = evidence_sets(shared, "train", encoder, cache)
    sets += with_gold_evidence(shared, "train", sets)
    return sets + field_sets(field, "train") + field_sets(field, "train", distractors=2)


def oof_verdicts(sets: list[dict], folder: Path, encoder, cache) -> tuple[np.ndarray, np.ndarray, np.ndarray, list]:
    """(gold (n,), out-of-fold class probabilities (n, 3), calibrated confidence of the argmax (n,), stances per set)."""
    from sklearn.model_selection import StratifiedKFold

    from synth.judge.verifier import model
    from synth.judge.verifier.base import Stance
    from synth.judge.verifier.calibrate import softmax
    from synth.judge.verifier.pairs import align_column, combine
    from synth.train.verifier.fit_features import NEI_ONLY, TiedSoftmax, _fold

    head, agg, meta = model.load(folder)
    interact, mix = model.load_interact(folder, meta)
    heads, its = model._members(head), model._members(interact) if interact is not None else None
    folds = len(heads)
    cache.fill(encoder, [("query", s["claim"]) for s in sets] + [("passage", e) for s in sets for e in s["evidence"]])
    flat = [(i, s["claim"], e) for i, s in enumerate(sets) for e in s["evidence"]]
    owner = np.array([f[0] for f in flat])
    Fc = [cache.get("query", f[1]) for f in flat]
    Fe = [cache.get("passage", f[2]) for f in flat]
    log(f"features of {len(flat)} pairs")
    X = np.concatenate([combine([f[1] for f in flat[s : s + 1024]], [f[2] for f in flat[s : s + 1024]], Fc[s : s + 1024],
                                Fe[s : s + 1024]) for s in range(0, len(flat), 1024)])
    set_fold = np.array([_fold(s.get("group", f"set{i}"), folds) for i, s in enumerate(sets)])
    P = np.zeros((len(flat), 3))
    for f in range(folds):
        rows = np.flatnonzero(set_fold[owner] == f)
        log(f"fold {f}: stances of {len(rows)} pairs")
        P[rows] = model.stance_proba(heads[f], its[f] if its else None, mix, X[rows], [Fc[i] for i in rows],
                                     [Fe[i] for i in rows])
    col = align_column(X.shape[1])
    A = np.stack([model.aggregate_features(P[owner == i], X[owner == i, col]) for i in range(len(sets))])
    stances = [[Stance(*P[j], float(X[j, col])) for j in np.flatnonzero(owner == i)] for i in range(len(sets))]
    y = np.array([s["label"] for s in sets])
    Z = (A - A.mean(0)) / (A.std(0) + 1e-6)
    nei_only = np.array([n in NEI_ONLY for n in model.AGG_NAMES])
    oof = np.zeros((len(sets), 3))
    for tr, te in StratifiedKFold(5).split(Z, y):
        oof[te] = TiedSoftmax(float(meta.get("aggregator_C", 0.03)), nei_only).fit(Z[tr], y[tr]).decision_function(Z[te])
    p = softmax(oof / agg.temperature)
    conf = np.clip(np.asarray(agg.confidence(p.max(1))), 0.0, 1.0)
    return y, p, conf, stances


def precision(y: np.ndarray, pred: np.ndarray, label: int) -> tuple[float, int]:
    m = pred == label
    return (float((y[m] == label).mean()) if m.any() else float("nan")), int(m.sum())


def abstained(pred: np.ndarray, conf: np.ndarray, t: dict[int, float]) -> np.ndarray:
    """Predictions with S/R below their threshold turned into NOT_ENOUGH_INFO."""
    out = pred.copy()
    for label, th in t.items():
        out[(pred == label) & (conf < th)] = 2
    return out


def choose(y: np.ndarray, pred: np.ndarray, conf: np.ndarray, target: float) -> dict[int, float]:
    """Per label, the smallest confidence threshold whose kept verdicts reach `target` precision (at least MIN_KEPT
    kept); 0.0 when the label already reaches it, and above every confidence (the label never given) when no
    threshold does."""
    out = {}
    for label in (0, 1):
        cands = np.unique(np.concatenate([[0.0], conf[pred == label]]))
        out[label] = float(conf.max() + 1e-6)
        for t in cands:
            keep = (pred == label) & (conf >= t)
            if keep.sum() >= MIN_KEPT and (y[keep] == label).mean() >= target:
                out[label] = float(t)
                break
    return out


def fast_macro_f1(y: np.ndarray, pred: np.ndarray, w: np.ndarray | None = None) -> float:
    """Macro-F1 of `pred`, each case counted by its weight `w` (default 1)."""
    w = np.ones(len(y)) if w is None else w
    f = []
    for k in range(3):
        tp = np.sum(w * ((pred == k) & (y == k)))
        denom = np.sum(w * (pred == k)) + np.sum(w * (y == k))
        f.append(2 * tp / denom if denom else 0.0)
    return float(np.mean(f))


def choose_f1(y: np.ndarray, pred: np.ndarray, conf: np.ndarray, step: float = 0.01,
              w: np.ndarray | None = None) -> dict[int, float]:
    """The pair of thresholds (SUPPORTED, REFUTED) on a grid of `step` that maximises macro-F1 (0.0: no threshold),
    each case counted by its weight `w` when given."""
    grid = np.concatenate([[0.0], np.arange(0.40, 0.95, step)])
    best = (fast_macro_f1(y, pred, w), 0.0, 0.0)
    for ts in grid:
        for tr in grid:
            f = fast_macro_f1(y, abstained(pred, conf, {0: ts, 1: tr}), w)
            if f > best[0] + 1e-9:
                best = (f, float(ts), float(tr))
    return {0: round(best[1], 4), 1: round(best[2], 4)}


def summary(name: str, y: np.ndarray, pred: np.ndarray, conf: np.ndarray | None = None) -> dict:
    f1, per = macro_f1(list(y), list(pred))
    row = dict(n=len(y), macro_f1=round(f1, 4), accuracy=round(float((y == pred).mean()), 4),
               nei_share=round(float((pred == 2).mean()), 4),
               precision={LABELS[i]: round(float(per[i][0]), 4) for i in range(3)},
               recall={LABELS[i]: round(float(per[i][1]), 4) for i in range(3)})
    print(f"{name}: n={row['n']} macro-F1 {f1:.3f} acc {row['accuracy']:.3f} NEI share {row['nei_share']:.3f}  "
          + "  ".join(f"{LABELS[i][:3]} P {per[i][0]:.3f} R {per[i][1]:.3f}" for i in range(3)))
    return row


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=SHARED)
    ap.add_argument("--field", type=Path, default=FIELD)
    ap.add_argument("--artifact", type=Path, default=None, help="verifier folder (default: the shipped one)")
    ap.add_argument("--out", type=Path, default=None, help="where to write abstain.json (default: --artifact)")
    ap.add_argument("--rule", choices=["precision", "macro-f1"], default="macro-f1",
                    help="macro-f1: the pair of thresholds with the best out-of-fold macro-F1; precision: per label the "
                         "smallest threshold at which the label reaches --target precision")
    ap.add_argument("--target", type=float, default=0.8, help="precision each label must reach (--rule precision)")
    ap.add_argument("--labels", default="SUPPORTED,REFUTED", help="labels that get a threshold (the others none)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--dry-run", action="store_true", help="print, write nothing")
    ap.add_argument("--save-oof", type=Path, default=None, help="save the out-of-fold verdicts (.npz)")
    ap.add_argument("--from-oof", type=Path, default=None, help="read the out-of-fold verdicts --save-oof saved")
    args = ap.parse_args(argv)

    from synth.judge.verifier import artifact_dir

    folder = args.artifact or artifact_dir()
    if args.from_oof:
        z = np.load(args.from_oof, allow_pickle=False)
        y, p, conf, src, addr = z["y"], z["p"], z["conf"], z["src"], z["addresses"]
    else:
        import torch

        torch.set_num_threads(args.threads)
        from synth.config import BASE_ENCODER, Settings
        from synth.judge.verifier.abstain import UNSETTLED, nei_reason
        from synth.train.verifier.cache import EncodingCache

        settings = Settings.from_env()
        encoder = load_encoder(BASE_ENCODER, settings.home)
        cache = EncodingCache(settings.home / "verifier-train" / f"enc-{encoder.id.replace('/', '_')}")
        sets = training_sets(args.shared, args.field, encoder, cache)
        y, p, conf, stances = oof_verdicts(sets, folder, encoder, cache)
        src = np.array([s.get("source", "?") for s in sets])
        addr = np.array([nei_reason(st) == UNSETTLED for st in stances])
        if args.save_oof:
            np.savez(args.save_oof, y=y, p=p, conf=conf, src=src, addresses=addr)
    pred = p.argmax(1)
    on = np.isin(src, CHOSEN_ON)
    everything = np.ones(len(y), bool)
    report: dict = {"before": {}, "after": {}}
    for name, m in (("all training sets", everything), ("chosen on", on)):
        report["before"][name] = summary(f"OOF {name}, no abstention", y[m], pred[m])
    if args.rule == "precision":
        t = choose(y[on], pred[on], conf[on], args.target)
    else:
        t = choose_f1(y[on], pred[on], conf[on])
    for label in (0, 1):
        if LABELS[label] not in args.labels.split(","):
            t[label] = 0.0
    final = abstained(pred, conf, t)
    for name, m in (("all training sets", everything), ("chosen on", on)):
        report["after"][name] = summary(f"OOF {name}, abstaining", y[m], final[m])
    for s in sorted(set(src)):
        summary(f"  {s} before", y[src == s], pred[src == s])
        summary(f"  {s} after", y[src == s], final[src == s])
    # what the wrong verdicts were: abstaining (-> NOT_ENOUGH_INFO) only mends those whose gold label is NEI
    wrong = {LABELS[label]: {LABELS[g]: int(((pred == label) & (y == g) & on).sum()) for g in range(3) if g != label}
             for label in (0, 1)}  # fmt: skip
    print(f"wrong verdicts on the folds (chosen-on sets), by gold label: {wrong}")
    # the confidence an abstained verdict gets: how often such a verdict's gold label was NOT_ENOUGH_INFO
    nei_conf = {}
    for label in (0, 1):
        m = on & (pred == label) & (final == 2)
        nei_conf[label] = round(float((y[m] == 2).mean()), 4) if m.sum() >= MIN_KEPT else 0.5
    reasons = {"no_evidence": int(((final == 2) & ~addr).sum()), "unsettled": int(((final == 2) & addr).sum())}
    print(f"thresholds: SUPPORTED {t[0]:.4f}  REFUTED {t[1]:.4f}; abstained confidence S {nei_conf[0]} R {nei_conf[1]}; "
          f"NEI reasons on all sets {reasons}")
    for label in (0, 1):  # the precision / kept curve, and the macro-F1 with this label's threshold alone
        for th in np.round(np.arange(0.40, 0.95, 0.025), 3):
            keep = on & (pred == label) & (conf >= th)
            f1 = fast_macro_f1(y[on], abstained(pred[on], conf[on], {label: th}))
            print(f"  {LABELS[label]:<9} conf >= {th:.3f}: kept {keep.sum():4d}  precision "
                  f"{(y[keep] == label).mean() if keep.any() else float('nan'):.3f}  macro-F1 with it {f1:.3f}")
    rule = ("the pair of thresholds (SUPPORTED, REFUTED; grid 0.40-0.95 by 0.01, or none) with the best out-of-fold "
            "macro-F1" if args.rule == "macro-f1" else
            f"per label, the smallest threshold on the calibrated confidence at which the label's out-of-fold "
            f"precision reaches {args.target} (at least {MIN_KEPT} verdicts kept; above every confidence when none "
            f"does)")  # fmt: skip
    doc = {
        "thresholds": {"supported": t[0], "refuted": t[1], "nei_confidence_supported": nei_conf[0],
                       "nei_confidence_refuted": nei_conf[1]},
        "rule": rule + (f"; thresholds only for {args.labels}" if args.labels != "SUPPORTED,REFUTED" else ""),
        "chosen_on": ("out-of-fold verdicts of the training claim sets from " + " + ".join(CHOSEN_ON)
                      + " (SciFact train with retrieved evidence, field train alone and with 2 distractors); "
                        "never XNLI test, SciFact dev or the field eval split"),
        "oof": report,
        "oof_wrong_verdicts_by_gold": wrong,
        "command": "python scripts/abstain_threshold.py " + " ".join(
            f"--{k.replace('_', '-')} {v}" for k, v in (("rule", args.rule), ("target", args.target), ("labels", args.labels))),
        "date": time.strftime("%Y-%m-%d"),
    }
    if args.dry_run:
        print(json.dumps(doc, indent=1))
        return
    out = (args.out or Path(folder)) / "abstain.json"
    out.write_text(json.dumps(doc, indent=1) + "\n")
    log(f"wrote {out}")


if __name__ == "__main__":
    main()
