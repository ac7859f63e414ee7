"""Training pairs for verifier v5 from ../shared/claimdata (README there: sources, licences, what each is for).

Each reader returns pair dicts (claim, evidence, label 0/1/2 = SUPPORTED/REFUTED/NOT_ENOUGH_INFO, source, claim_lang,
evidence_lang, group), the format of scripts/train_cross.py. Only training splits are read: HealthVer and COVID-Fact
train (MultiVerS format), Check-COVID train, Climate-FEVER, ANLI dev (its test is for evaluation), SICK train, SICK-NL
train (Dutch against English, both ways: cross-lingual), DanFEVER train, IndoNLI train, FarsTail train, and the
machine-translated XNLI **dev** in Hausa, Yoruba and Swahili joined to XNLI's English gold (its test half is evaluation).
HealthVer/Check-COVID test, HealthFC and XNLI test are never read here.
"""

from __future__ import annotations

import csv
import json
import random
from collections import defaultdict
from pathlib import Path
from typing import Callable, Iterable

NLI = {"e": 0, "entailment": 0, "c": 1, "contradiction": 1, "n": 2, "neutral": 2}
STANCE = {"SUPPORT": 0, "SUPPORTS": 0, "SUPPORTED": 0, "CONTRADICT": 1, "REFUTE": 1, "REFUTES": 1, "REFUTED": 1,
          "NOTENOUGHINFO": 2, "NOT_ENOUGH_INFO": 2, "NEI": 2}


def _pair(claim: str, evidence: str, label: int, source: str, group: str, cl: str = "en", el: str = "en") -> dict:
    return dict(claim=" ".join(claim.split()), evidence=" ".join(evidence.split()), label=label, source=source,
                claim_lang=cl, evidence_lang=el, group=group)


def _jsonl(path: Path) -> Iterable[dict]:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def multivers_pairs(root: Path, name: str, rng: random.Random) -> list[dict]:
    """HealthVer / COVID-Fact train (MultiVerS format): the claim against each cited abstract's rationale sentences
    (SUPPORT / CONTRADICT); against two sentences of a cited abstract without rationale: NOT_ENOUGH_INFO."""
    base = root / "multivers-processed" / "data" / name
    corpus = {d["doc_id"]: d["abstract"] for d in _jsonl(base / "corpus.jsonl")}
    out: list[dict] = []
    for c in _jsonl(base / "claims_train.jsonl"):
        group = f"{name}{c['id']}"
        for doc in c.get("doc_ids", []):
            sents = corpus.get(int(doc), [])
            ev = c.get("evidence", {}).get(str(doc), [])
            for e in ev:
                text = " ".join(sents[i] for i in e["sentences"] if i < len(sents))
                if text:
                    out.append(_pair(c["claim"], text, STANCE[e["label"]], name, group))
            if not ev and sents:
                i = rng.randrange(len(sents))
                out.append(_pair(c["claim"], " ".join(sents[i : i + 2]), 2, f"{name}-nei", group))
    return out


def check_covid_pairs(root: Path) -> list[dict]:
    """Check-COVID train: each claim against its evidence sentences of the linked abstract (its label)."""
    base = root / "check-covid" / "Check-COVID"
    corpus = {d["cord_id"]: d["abstract"] for d in _jsonl(base / "corpus.json")}
    out: list[dict] = []
    for c in _jsonl(base / "train" / "covidCheck_train_composed+extracted.json"):
        sents = corpus.get(c["cord_id"], [])
        idx = [e["sent_index"] for e in c.get("evidence_set", []) if e["sent_index"] < len(sents)]
        if idx and c["label"] in STANCE:
            out.append(_pair(c["claim"], " ".join(sents[i] for i in sorted(set(idx))), STANCE[c["label"]],
                             "checkcovid", f"checkcovid{c['cord_id']}"))
    return out


def climate_fever_pairs(root: Path, rng: random.Random, nei_share: float = 0.4) -> list[dict]:
    """Climate-FEVER: each claim's five evidence sentences with their own labels; NOT_ENOUGH_INFO ones kept at
    `nei_share` (they are two thirds of the set)."""
    out: list[dict] = []
    for c in _jsonl(root / "climate-fever" / "dataset" / "climate-fever.jsonl"):
        for e in c["evidences"]:
            label = STANCE.get(e["evidence_label"])
            if label is None or (label == 2 and rng.random() > nei_share):
                continue
            out.append(_pair(c["claim"], e["evidence"], label, "climatefever", f"climate{c['claim_id']}"))
    return out


def anli_pairs(root: Path) -> list[dict]:
    """ANLI R1–R3 dev (adversarial NLI; test is kept for evaluation): hypothesis as the claim, context as evidence."""
    out: list[dict] = []
    for r in ("R1", "R2", "R3"):
        for d in _jsonl(root / "anli" / r / "dev.jsonl"):
            out.append(_pair(d["hypothesis"], d["context"], NLI[d["label"]], "anli", f"anli{d['uid']}"))
    return out


def _sick_rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE) if r["SemEval_set"] == "TRAIN"]


def sick_pairs(root: Path) -> list[dict]:
    """SICK train: sentence B as the claim against sentence A (SICK's entailment label is A -> B)."""
    return [_pair(r["sentence_B"], r["sentence_A"], NLI[r["entailment_label"].lower()], "sick", f"sick{r['pair_ID']}")
            for r in _sick_rows(root / "sick" / "SICK.txt")]


def sick_nl_pairs(root: Path, rng: random.Random) -> list[dict]:
    """SICK-NL train across languages: the Dutch claim against the English premise or the reverse (one per row)."""
    out: list[dict] = []
    for r in _sick_rows(root / "sick-nl" / "SICK_NL.txt"):
        label = NLI[r["entailment_label"].lower()]
        if rng.random() < 0.5:
            out.append(_pair(r["sentence_B"], r["sentence_A_original"], label, "sicknl-x", f"sick{r['pair_ID']}", "nl", "en"))
        else:
            out.append(_pair(r["sentence_B_original"], r["sentence_A"], label, "sicknl-x", f"sick{r['pair_ID']}", "en", "nl"))
    return out


def danfever_pairs(root: Path) -> list[dict]:
    """DanFEVER train: the claim against its first evidence text (Danish)."""
    lab = {"Supported": 0, "Refuted": 1, "NotEnoughInfo": 2}
    out: list[dict] = []
    for i, d in enumerate(_jsonl(root / "danfever" / "annotations_train.jsonl")):
        if d.get("evidence") and d.get("label") in lab:
            out.append(_pair(d["claim"], d["evidence"][0], lab[d["label"]], "danfever", f"danfever{i}", "da", "da"))
    return out


def indonli_pairs(root: Path) -> list[dict]:
    """IndoNLI train (Indonesian)."""
    return [_pair(d["hypothesis"], d["premise"], NLI[d["label"]], "indonli", f"indonli{d['premise_id']}", "id", "id")
            for d in _jsonl(root / "indonli" / "train.jsonl")]


def farstail_pairs(root: Path) -> list[dict]:
    """FarsTail train (Persian, tab-separated)."""
    with open(root / "farstail" / "Train-word.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [_pair(r["hypothesis"], r["premise"], NLI[r["label"]], "farstail", f"farstail{i // 3}", "fa", "fa")
            for i, r in enumerate(rows) if r.get("label") in NLI]


def afrixnli_rows(root: Path, split: str = "dev") -> list[dict]:
    """XNLI `split` rows machine-translated into Hausa, Yoruba and Swahili, joined to the English gold by row order
    and text: [{en: (premise, hypothesis), ha: (...), ...: ..., label, group}]."""
    base = root / "ext-afrixnli" / split

    def read(path: Path) -> list[dict]:
        with open(path, encoding="utf-8") as fh:
            return list(csv.DictReader(fh))

    eng = read(base / f"xnli.{split} - eng_dataset.csv")
    rows = [dict(en=(r["sentence1"], r["sentence2"]), label=NLI[r["gold_label"]], group=f"afxnli{r['promptID']}")
            for r in eng]
    # Hausa: premises by promptID (one per prompt), hypotheses in the English file's row order
    prem = {r["promptID"]: r["sentence1_translated"] for r in read(base / "hausa" / "sentence1_translated.csv")}
    hyp = read(base / "hausa" / "sentence2_translated.csv")
    for row, e, h in zip(rows, eng, hyp):
        if h["sentence2"] == e["sentence2"] and e["promptID"] in prem:
            row["ha"] = (prem[e["promptID"]], h["sentence2_translated"])
    sw1, sw2 = read(base / "swahili" / "sentence1_translations.csv"), read(base / "swahili" / "sentence2_translations.csv")
    for row, e, a, b in zip(rows, eng, sw1, sw2):
        if a["sentence1"] == e["sentence1"] and b["sentence2"] == e["sentence2"]:
            row["sw"] = (a["sentence1_translated"], b["sentence2_translated"])
    yo = {(r["sentence1"], r["sentence2"]): (r["sentence1_yoruba"], r["sentence2_yoruba"])
          for r in read(base / "yoruba" / f"xnli.{split}.yo.csv")}
    for row in rows:
        if row["en"] in yo:
            row["yo"] = yo[row["en"]]
    return rows


def afrixnli_pairs(root: Path, rng: random.Random, langs: tuple[str, ...] = ("ha", "yo")) -> list[dict]:
    """Machine-translated XNLI dev in Hausa and Yoruba: per row and language, the pair in that language and the pair
    across it and English (either side the claim); translation quality is not validated (README), so Swahili, which
    XNLI itself has, is not added."""
    out: list[dict] = []
    for r in afrixnli_rows(root, "dev"):
        for lang in langs:
            if lang not in r:
                continue
            (p, h), (pe, he) = r[lang], r["en"]
            out.append(_pair(h, p, r["label"], f"afxnli-{lang}", r["group"], lang, lang))
            if rng.random() < 0.5:
                out.append(_pair(h, pe, r["label"], f"afxnli-{lang}x", r["group"], lang, "en"))
            else:
                out.append(_pair(he, p, r["label"], f"afxnli-{lang}x", r["group"], "en", lang))
    return out


def claimdata_pairs(root: Path, seed: int, caps: dict[str, int] | None = None) -> list[dict]:
    """Every reader's pairs, each source sampled down to its cap in `caps` (default `CAPS`), shuffled; groups keep
    their source prefix so a held-out split by group stays possible."""
    rng = random.Random(seed)
    caps = dict(CAPS, **(caps or {}))
    readers: dict[str, Callable[[], list[dict]]] = {
        "healthver": lambda: multivers_pairs(root, "healthver", rng),
        "covidfact": lambda: multivers_pairs(root, "covidfact", rng),
        "checkcovid": lambda: check_covid_pairs(root),
        "climatefever": lambda: climate_fever_pairs(root, rng),
        "anli": lambda: anli_pairs(root),
        "sick": lambda: sick_pairs(root),
        "sicknl": lambda: sick_nl_pairs(root, rng),
        "danfever": lambda: danfever_pairs(root),
        "indonli": lambda: indonli_pairs(root),
        "farstail": lambda: farstail_pairs(root),
        "afxnli": lambda: afrixnli_pairs(root, rng),
    }
    out: list[dict] = []
    for name, read in readers.items():
        pairs = read()
        by_label: dict[int, list[dict]] = defaultdict(list)
        for p in pairs:
            by_label[p["label"]].append(p)
        cap = caps.get(name, len(pairs))
        if len(pairs) > cap:  # keep the labels' proportions
            pairs = [p for lab in sorted(by_label) for p in rng.sample(by_label[lab], round(cap * len(by_label[lab]) / len(pairs)))]
        out += pairs
    rng.shuffle(out)
    return out


CAPS = {"climatefever": 3500, "anli": 3200, "sick": 3000, "sicknl": 4000, "danfever": 2400, "indonli": 3000,
        "farstail": 3000, "afxnli": 7000}


def claimdata_sets(root: Path, seed: int = 17, distractors: int = 2) -> list[dict]:
    """Claim-level sets for fitting v5's aggregator, from the dev splits (never the test splits): Check-COVID dev (each
    claim's evidence sentences among `distractors` other sentences of its abstract) and HealthVer dev (the rationale
    sentences of each cited abstract, or for a claim no abstract decides, sentences of its cited abstracts; claims that
    abstracts both support and contradict are left out). Dicts like scripts' claim sets: claim, evidence (texts),
    label, source, group."""
    rng = random.Random(seed)
    out: list[dict] = []
    base = root / "check-covid" / "Check-COVID"
    corpus = {d["cord_id"]: d["abstract"] for d in _jsonl(base / "corpus.json")}
    for c in _jsonl(base / "dev" / "covidCheck_dev_composed+extracted.json"):
        sents = corpus.get(c["cord_id"], [])
        idx = sorted({e["sent_index"] for e in c.get("evidence_set", []) if e["sent_index"] < len(sents)})
        rest = [i for i in range(len(sents)) if i not in idx]
        if not idx or c["label"] not in STANCE:
            continue
        ev = [sents[i] for i in idx + rng.sample(rest, min(distractors, len(rest)))]
        rng.shuffle(ev)
        out.append(dict(claim=c["claim"].strip(), evidence=ev, label=STANCE[c["label"]], source="checkcovid-dev",
                        group=f"checkcovid{c['cord_id']}"))
    hv = root / "multivers-processed" / "data" / "healthver"
    docs = {d["doc_id"]: d["abstract"] for d in _jsonl(hv / "corpus.jsonl")}
    for c in _jsonl(hv / "claims_dev.jsonl"):
        labels = {e["label"] for v in c.get("evidence", {}).values() for e in v}
        if len(labels) > 1:
            continue
        ev = [" ".join(docs[int(d)][i] for i in e["sentences"] if i < len(docs[int(d)]))
              for d, es in c.get("evidence", {}).items() for e in es]
        pool = [s for d in c.get("doc_ids", []) if not c.get("evidence", {}).get(str(d)) for s in docs.get(int(d), [])]
        ev = ev[:3] + rng.sample(pool, min(distractors if ev else 3, len(pool)))
        if ev:
            rng.shuffle(ev)
            out.append(dict(claim=" ".join(c["claim"].split()), evidence=ev,
                            label=STANCE[labels.pop()] if labels else 2, source="healthver-dev", group=f"healthver{c['id']}"))
    return out
