"""Evaluate the verifier on our field set (eval split) and on XNLI test; also the field/claim sets training uses.

    python eval/eval_verifier.py [--nli MODEL] [--xnli-langs en,de,fr,sw] [--xnli-n 500] [--artifact DIR]

Prints per-class P/R/F1, macro-F1 and ECE on data/field_claims (split: fact % 3 == 2), the gap between English
pairs and cross-lingual pairs, and XNLI test accuracy per language (rows not used in training: XNLI dev is).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth.verifier.train import ece  # noqa: E402

LABELS = ("SUPPORTED", "REFUTED", "NOT_ENOUGH_INFO")
NLI = {"entailment": 0, "contradiction": 1, "neutral": 2}


def load_field(field_dir: Path, split: str) -> list[dict]:
    """Rows of data/field_claims/claims.jsonl in `split` as training pairs (label as 0/1/2, group = fact)."""
    out = []
    for r in map(json.loads, open(Path(field_dir) / "claims.jsonl", encoding="utf-8")):
        if r["split"] == split:
            out.append(dict(claim=r["claim"], evidence=r["evidence"], label=LABELS.index(r["label"]), source="field",
                            claim_lang=r["claim_lang"], evidence_lang=r["evidence_lang"], group=f"field{r['fact']}",
                            kind=r["kind"]))
    return out


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


def claim_sets(shared: Path, field_dir: Path, split: str, encoder, work: Path, limit: int | None = None,
               gold: bool = False, unsettled: bool = False) -> list[dict]:
    """Claim-level training sets: SciFact `split` claims with retrieved evidence (and, with `gold`, the labelled
    ones again with their rationale sentences first), field rows alone and with distractors."""
    from eval_scifact import evidence_sets, with_gold_evidence

    from synth.verifier.cache import EncodingCache

    cache = EncodingCache(work / f"enc-{encoder.id.replace('/', '_')}")
    sets = evidence_sets(shared, split, encoder, cache, limit=limit)
    if gold:
        sets += with_gold_evidence(shared, split, sets)
    sets += field_sets(field_dir, split) + field_sets(field_dir, split, distractors=2)
    if unsettled:
        sets += field_sets(field_dir, split, distractors=4, without_own=True)
    return sets


def cached_verifier(nli: str | None = None, artifact: Path | None = None):
    """(verifier, encoder, cache): the verifier with encodings cached under SYNTH_HOME/verifier-train; `artifact`
    is a folder with head.npz + verifier.json to evaluate instead of the shipped one."""
    from synth.config import Settings
    from synth.verifier import load_verifier
    from synth.verifier.cache import CachedEncoder, EncodingCache

    settings = Settings.from_env()
    sys.path.insert(0, str(ROOT / "scripts"))
    from train_verifier import load_encoder  # type: ignore

    encoder = load_encoder("e5-small", settings.home)
    cache = EncodingCache(settings.home / "verifier-train" / f"enc-{encoder.id.replace('/', '_')}")
    cached = CachedEncoder(encoder, cache)
    if artifact is not None and not nli:
        from synth.verifier import model

        verifier = model.from_folder(Path(artifact), cached)
        verifier.id = f"{verifier.id} ({artifact})"
        return verifier, cached, cache
    return load_verifier(settings, nli=nli, encoder=cached), cached, cache


def report(name: str, gold: list[int], pred: list[int], conf: list[float]) -> float:
    from eval_scifact import macro_f1

    f1, per = macro_f1(gold, pred)
    g, p = np.array(gold), np.array(pred)
    print(f"{name}: n={len(gold)}  macro-F1 {f1:.3f}  accuracy {np.mean(g == p):.3f}  ECE {ece(conf, g == p):.3f}")
    for lab, (pp, rr, ff) in zip(LABELS, per):
        print(f"    {lab:<16} P {pp:.3f}  R {rr:.3f}  F1 {ff:.3f}")
    return f1


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--field", type=Path, default=ROOT / "data" / "field_claims")
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
        res = []
        for s in sets:
            j = verifier.judge(s["claim"], s["evidence"])
            res.append((s, LABELS.index(j.label), j.confidence))
        tag = "single evidence" if not distractors else f"evidence + {distractors} distractors"
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
            gold = [NLI[r["label"]] for r in sel]
            pred = []
            for r in sel:  # pair-level stance (the premise as the only evidence)
                st = verifier.stances(r["hypothesis"], [r["premise"]])[0]
                pred.append(int(np.argmax([st.p_support, st.p_refute, st.p_nei])))
            print(f"XNLI test {lang}: accuracy {np.mean(np.array(gold) == np.array(pred)):.3f} (n={len(sel)}, stance head)")


if __name__ == "__main__":
    main()
