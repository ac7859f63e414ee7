"""Evaluate the verifier on held-out sets of ../shared/claimdata and on the frozen cross-lingual claim set.

    python eval/eval_claimdata.py [--artifact DIR] [--sets healthver,checkcovid,hausa,frozen] [--n N] [--shared PATH]

What each block reads (claimdata = SHARED/claimdata; no training script reads these test splits: v5 trains on
HealthVer/COVID-Fact/Check-COVID train, fits its aggregator on their dev splits and reads the machine-translated XNLI
dev only, synth/train/verifier/claimdata.py):

- healthver: claimdata/healthver/data/healthver_test.csv (columns id, evidence, claim, label, topic_ip, question;
  1,823 pairs; Supports / Refutes / Neutral -> SUPPORTED / REFUTED / NOT_ENOUGH_INFO). Pair level: each row is
  `judge(claim, [evidence])`. Printed with and without the abstention rule.
- checkcovid: claimdata/check-covid/Check-COVID/test/covidCheck_test_{composed,extracted}.json (JSON lines, 180 + 49
  = 229 claims: claim, cord_id, label SUPPORT / REFUTE / NOTENOUGHINFO, evidence_set = [{sent_index, type PRIMARY /
  SUPPLEMENTARY}]) and claimdata/check-covid/Check-COVID/corpus.json (JSON lines: cord_id, title, abstract = list of
  sentences). Every claim, NOTENOUGHINFO ones included, has annotated sentences of its linked abstract (for
  NOTENOUGHINFO: on-topic sentences that do not settle it); the claim is judged against exactly those sentences,
  PRIMARY first, then SUPPLEMENTARY, each group in abstract order (at most 5: the verifier reads its top_k).
  Claim level, with and without the abstention rule.
- hausa: claimdata/ext-afrixnli/test/hausa/sentence{1,2}_translated.csv (promptID, English sentence, Hausa machine
  translation), .../swahili/sentence{1,2}_translations.csv (same, machine-translated; not XNLI's own Swahili) and
  .../yoruba/xnli.test.yo.csv (sentence1, sentence2, sentence1_yoruba, sentence2_yoruba). Premises are found by
  promptID; gold labels come from the English rows of SHARED/nli/xnli_test_15lang.tsv, joined on the English
  (premise, hypothesis) text, lower-cased with everything but letters and digits removed (that file stripped
  quotation marks); the one English pair that appears twice with two labels is dropped (5,008 pairs join per
  language). The same `--n` (default 1,000) XNLI test rows, drawn with a fixed seed, for every language. Pair-level
  stance: `pair_proba(hypotheses, premises)` argmax against entailment / contradiction / neutral -> 0 / 1 / 2, for
  xx-xx, xx hypothesis vs en premise and en hypothesis vs xx premise, and en-en on the same rows as the baseline.
- frozen: data/xling_frozen/claims.jsonl (id, fact, claim, claim_lang, evidence, evidence_lang, label, kind, cross,
  distractors, optional translation). Each row judged with its evidence alone and with the evidence followed by its
  2 distractors. Skipped with a note when the file is absent; unreadable lines are skipped and counted.

`--n N` caps every set at N rows (claims, pairs or rows per language) by a fixed-seed sample; without it healthver,
checkcovid and frozen are read whole and the XNLI block uses 1,000 rows.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # synth and eval/ from this source checkout

from eval.common import (  # noqa: E402
    LABELS,
    NLI_LABEL,
    ROOT,
    SHARED,
    cached_verifier,
    judge_all,
    macro_f1,
    report_labels,
)

SETS = ("healthver", "checkcovid", "hausa", "frozen")
FROZEN = ROOT / "data" / "xling_frozen" / "claims.jsonl"
HEALTHVER_LABEL = {"Supports": 0, "Refutes": 1, "Neutral": 2}
CHECKCOVID_LABEL = {"SUPPORT": 0, "REFUTE": 1, "NOTENOUGHINFO": 2}
XNLI_N = 1000
CHUNK = 256  # items per verifier call: bounds the memory of v3's token states, shows progress on long sets


class Missing(Exception):
    """A data file the block needs is not there (printed as one line; the block is skipped)."""


def need(path: Path) -> Path:
    """`path` when it is a file, else Missing."""
    if not Path(path).is_file():
        raise Missing(f"{path} not found")
    return Path(path)


def cap(rows: list, n: int | None, seed: int = 0) -> list:
    """At most `n` of `rows`: a fixed-seed sample kept in file order (all of them when n is None or large)."""
    if n is None or n >= len(rows):
        return rows
    return [rows[i] for i in sorted(random.Random(seed).sample(range(len(rows)), n))]


def judge_chunked(verifier: Any, items: list[tuple[str, list[str]]]) -> list:
    """`judge_all` over `items` in chunks of CHUNK."""
    return [j for s in range(0, len(items), CHUNK) for j in judge_all(verifier, items[s : s + CHUNK])]


def stance_proba(verifier: Any, claims: Sequence[str], evidence: Sequence[str]) -> np.ndarray:
    """(n, 3) pair stances (`pair_proba` in chunks; per-pair `stances` for verifiers without it)."""
    if not hasattr(verifier, "pair_proba"):
        st = [verifier.stances(c, [e])[0] for c, e in zip(claims, evidence)]
        return np.array([[s.p_support, s.p_refute, s.p_nei] for s in st]).reshape(-1, 3)
    parts = [verifier.pair_proba(claims[s : s + CHUNK], evidence[s : s + CHUNK]) for s in range(0, len(claims), CHUNK)]
    return np.concatenate(parts) if parts else np.zeros((0, 3))


def report_judgements(title: str, gold: list[int], judgements: list, raw: bool = True) -> None:
    """`report_labels` of verdicts; with `raw`, again before abstention when the verifier abstained."""
    if not gold:
        print(f"{title}: n=0")
        return
    report_labels(f"{title}: n={len(gold)}", gold, [LABELS.index(j.label) for j in judgements], [j.confidence for j in judgements])
    if raw and all(j.raw_label for j in judgements):
        report_labels(f"{title} before abstention", gold, [LABELS.index(j.raw_label) for j in judgements],
                      [j.raw_confidence for j in judgements])


# ---------------------------------------------------------------------------------------------- blocks
def healthver(verifier: Any, claimdata: Path, n: int | None) -> None:
    """HealthVer test, pair level: judge(claim, [evidence]) per row."""
    with open(need(claimdata / "healthver" / "data" / "healthver_test.csv"), encoding="utf-8", newline="") as f:
        rows = cap([r for r in csv.DictReader(f) if r["label"] in HEALTHVER_LABEL], n)
    js = judge_chunked(verifier, [(r["claim"], [r["evidence"]]) for r in rows])
    report_judgements("HealthVer test (pair level)", [HEALTHVER_LABEL[r["label"]] for r in rows], js)


def checkcovid(verifier: Any, claimdata: Path, n: int | None) -> None:
    """Check-COVID test, claim level: each claim against its annotated sentences (PRIMARY first)."""
    root = claimdata / "check-covid" / "Check-COVID"
    with open(need(root / "corpus.json"), encoding="utf-8") as f:
        abstracts = {d["cord_id"]: d["abstract"] for d in map(json.loads, filter(str.strip, f))}
    rows = []
    for name in ("covidCheck_test_composed.json", "covidCheck_test_extracted.json"):
        with open(need(root / "test" / name), encoding="utf-8") as f:
            rows += [json.loads(line) for line in f if line.strip()]
    rows = cap([r for r in rows if r["cord_id"] in abstracts and r["label"] in CHECKCOVID_LABEL], n)

    def evidence(r: dict) -> list[str]:
        sents = sorted(r["evidence_set"], key=lambda e: (e["type"] != "PRIMARY", e["sent_index"]))
        return [abstracts[r["cord_id"]][e["sent_index"]] for e in sents]

    js = judge_chunked(verifier, [(r["claim"], evidence(r)) for r in rows])
    report_judgements("Check-COVID test (claim level)", [CHECKCOVID_LABEL[r["label"]] for r in rows], js)


def _key(text: str) -> str:
    """Join key of an English XNLI sentence: lower case, letters and digits only."""
    return re.sub(r"[\W_]+", "", text).lower()


def _read_csv(path: Path) -> list[dict[str, str]]:
    with open(need(path), encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _promptid_pairs(s1: Path, s2: Path) -> list[tuple[str, str, str, str]]:
    """(en premise, en hypothesis, xx premise, xx hypothesis) from sentence1 / sentence2 files keyed by promptID."""
    prem: dict[str, tuple[str, str]] = {}
    for r in _read_csv(s1):
        prem.setdefault(r["promptID"], (r["sentence1"], r["sentence1_translated"]))
    return [(prem[r["promptID"]][0], r["sentence2"], prem[r["promptID"]][1], r["sentence2_translated"])
            for r in _read_csv(s2) if r["promptID"] in prem]


def afrixnli_pairs(claimdata: Path) -> dict[str, Callable[[], list[tuple[str, str, str, str]]]]:
    """Per language, a reader of its (en premise, en hypothesis, xx premise, xx hypothesis) rows."""
    test = claimdata / "ext-afrixnli" / "test"
    return {
        "ha": lambda: _promptid_pairs(test / "hausa" / "sentence1_translated.csv", test / "hausa" / "sentence2_translated.csv"),
        "yo": lambda: [(r["sentence1"], r["sentence2"], r["sentence1_yoruba"], r["sentence2_yoruba"])
                       for r in _read_csv(test / "yoruba" / "xnli.test.yo.csv")],
        "sw": lambda: _promptid_pairs(test / "swahili" / "sentence1_translations.csv", test / "swahili" / "sentence2_translations.csv"),
    }


def xnli_gold(shared: Path) -> dict[tuple[str, str], tuple[int, str]]:
    """English XNLI test (premise, hypothesis) join key -> (row, label); pairs with two labels left out."""
    gold: dict[tuple[str, str], tuple[int, str]] = {}
    clash = set()
    with open(need(shared / "nli" / "xnli_test_15lang.tsv"), encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            if r["language"] == "en":
                k = (_key(r["premise"]), _key(r["hypothesis"]))
                if k in gold and gold[k][1] != r["label"]:
                    clash.add(k)
                gold[k] = (int(r["row"]), r["label"])
    return {k: v for k, v in gold.items() if k not in clash}


def print_stance(title: str, gold: list[int], probs: np.ndarray) -> None:
    """One line: pair-stance accuracy and macro-F1."""
    pred = [int(p) for p in probs.argmax(1)]
    f1, _ = macro_f1(gold, pred)
    print(f"{title}: n={len(gold)}  accuracy {np.mean(np.array(gold) == np.array(pred)):.3f}  macro-F1 {f1:.3f}")


def afrixnli(verifier: Any, claimdata: Path, shared: Path, n: int | None) -> None:
    """Machine-translated XNLI test (ha, yo, sw) joined to the English gold: stance accuracy within and across
    languages, and en-en on the same rows."""
    gold = xnli_gold(shared)
    rows = cap(sorted({v[0] for v in gold.values()}), XNLI_N if n is None else n, seed=0)  # XNLI rows, every language
    pick = set(rows)
    en_done = False
    for lang, read in afrixnli_pairs(claimdata).items():
        try:
            quads = read()
        except Missing as exc:
            print(f"XNLI-MT {lang}: skipped, {exc}")
            continue
        by_row = {}
        for q in quads:
            g = gold.get((_key(q[0]), _key(q[1])))
            if g and g[0] in pick and q[2].strip() and q[3].strip():
                by_row[g[0]] = (q, NLI_LABEL[g[1]])
        sel = [by_row[r] for r in rows if r in by_row]
        y = [lab for _, lab in sel]
        ep, eh, xp, xh = ([q[i] for q, _ in sel] for i in range(4))
        if not en_done:  # the English baseline on the same rows (nearly all rows join in every language)
            print_stance("XNLI test en-en (baseline)", y, stance_proba(verifier, eh, ep))
            en_done = True
        print_stance(f"XNLI-MT {lang}-{lang}", y, stance_proba(verifier, xh, xp))
        print_stance(f"XNLI-MT {lang} hypothesis vs en premise", y, stance_proba(verifier, xh, ep))
        print_stance(f"XNLI-MT en hypothesis vs {lang} premise", y, stance_proba(verifier, eh, xp))


FROZEN_KEYS = ("claim", "claim_lang", "evidence", "evidence_lang", "label", "kind", "cross", "distractors")


def frozen(verifier: Any, path: Path, n: int | None) -> None:
    """The frozen cross-lingual set, with the evidence alone and with its 2 distractors after it."""
    if not Path(path).is_file():
        print(f"frozen: skipped, {path} not found (not written yet?)")
        return
    rows, bad = [], 0
    with open(path, encoding="utf-8") as f:
        for line in filter(str.strip, f):
            try:
                r = json.loads(line)
            except ValueError:
                r = None
            if isinstance(r, dict) and all(k in r for k in FROZEN_KEYS) and r["label"] in LABELS:
                rows.append(r)
            else:
                bad += 1
    if bad:
        print(f"frozen: {bad} unreadable or incomplete lines skipped")
    rows = cap(rows, n)
    for tag, ev in (("evidence alone", lambda r: [r["evidence"]]),
                    ("evidence + 2 distractors", lambda r: [r["evidence"], *r["distractors"][:2]])):
        frozen_report(f"frozen ({tag})", rows, judge_chunked(verifier, [(r["claim"], ev(r)) for r in rows]))


def frozen_report(title: str, rows: list[dict], js: list) -> None:
    """Same- and cross-language reports, their accuracy gap, accuracy by kind and by language, and the counts the
    issue asks for, of one pass over the frozen set."""
    gold = [LABELS.index(r["label"]) for r in rows]
    ok = np.array(gold) == np.array([LABELS.index(j.label) for j in js])
    cross = np.array([bool(r["cross"]) for r in rows])
    print(f"{title}: n={len(rows)}")
    for name, m in (("same language", ~cross), ("cross-language", cross)):
        idx = np.flatnonzero(m)
        report_judgements(f"  {name}", [gold[i] for i in idx], [js[i] for i in idx], raw=False)

    def acc(m: np.ndarray) -> str:
        return f"{ok[m].mean():.3f} (n={m.sum()})" if m.any() else "-"

    def count(sel: Callable[[dict], bool], label: str) -> str:
        idx = [i for i, r in enumerate(rows) if sel(r)]
        return f"{sum(js[i].label == label for i in idx)}/{len(idx)}"

    if cross.any() and (~cross).any():
        print(f"  gap same - cross accuracy: {100 * (ok[~cross].mean() - ok[cross].mean()):+.1f} points")
    print("  accuracy by kind: same | cross")
    for kind in sorted({r["kind"] for r in rows}):
        k = np.array([r["kind"] == kind for r in rows])
        print(f"    {kind:<11} {acc(k & ~cross)} | {acc(k & cross)}")
    print(f"  translations judged REFUTED {count(lambda r: r.get('translation') is True, 'REFUTED')}; "
          f"swapped comparisons judged SUPPORTED {count(lambda r: r['kind'] == 'swap', 'SUPPORTED')}; "
          f"offsubject judged REFUTED {count(lambda r: r['kind'] == 'offsubject', 'REFUTED')}")
    refuted = [i for i, j in enumerate(js) if j.label == "REFUTED" and j.stances]
    off = [i for i in refuted if offsubject_refutation(rows[i], js[i])]
    print(f"  REFUTED verdicts resting on off-subject evidence: {len(off)}/{len(refuted)}"
          + (f" ({len(off) / len(refuted):.3f})" if refuted else ""))
    for field in ("claim_lang", "evidence_lang"):
        langs = sorted({r[field] for r in rows})
        print(f"  accuracy by {field}: " + "  ".join(f"{lang} {acc(np.array([r[field] == lang for r in rows]))}" for lang in langs))


def offsubject_refutation(row: dict, judgement: Any) -> bool:
    """Whether a REFUTED verdict rests on off-subject evidence: its most refuting text is a distractor (another fact's
    evidence: every text after the first), or the row's own evidence is about another quantity or only related
    (kinds offsubject / related)."""
    decisive = int(np.argmax([s.p_refute for s in judgement.stances]))
    return decisive > 0 or row["kind"] in ("offsubject", "related")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--artifact", type=Path, default=None, help="verifier folder to evaluate (default: the shipped one)")
    ap.add_argument("--sets", default=",".join(SETS), help=f"comma-separated, of {', '.join(SETS)}")
    ap.add_argument("--n", type=int, default=None, help="rows per set (per language for XNLI), fixed-seed sample")
    ap.add_argument("--shared", type=Path, default=SHARED, help="the shared data folder (claimdata/ and nli/)")
    ap.add_argument("--frozen", type=Path, default=FROZEN, help="the frozen cross-lingual claim set")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    if unknown := sorted(set(sets) - set(SETS)):
        ap.error(f"unknown set(s) {', '.join(unknown)}; choose from {', '.join(SETS)}")
    if args.n is not None and args.n < 1:
        ap.error("--n must be positive")

    import torch

    torch.set_num_threads(args.threads)
    t0 = time.time()
    verifier, _, _ = cached_verifier(artifact=args.artifact)
    print(f"verifier {verifier.id} (loaded in {time.time() - t0:.0f}s)")
    claimdata = args.shared / "claimdata"
    blocks: dict[str, Callable[[], None]] = {
        "healthver": lambda: healthver(verifier, claimdata, args.n),
        "checkcovid": lambda: checkcovid(verifier, claimdata, args.n),
        "hausa": lambda: afrixnli(verifier, claimdata, args.shared, args.n),
        "frozen": lambda: frozen(verifier, args.frozen, args.n),
    }
    for name in sets:
        t = time.time()
        try:
            blocks[name]()
        except Missing as exc:
            print(f"{name}: skipped, {exc}")
            continue
        print(f"[{name}: {time.time() - t:.0f}s]")


if __name__ == "__main__":
    main()
