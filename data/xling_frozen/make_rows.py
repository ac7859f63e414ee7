"""Expand facts.py into claims.jsonl, deterministically (run in this folder: python make_rows.py).

Row ids are z001..; fact ids g01..; each fact gives 8 rows (see facts.py for the slot order). Every row gets two
distractors: evidence sentences of two other facts from a different domain group, drawn with a fixed seed.
"""
import json
import random
from facts import FACTS

SEED = 27  # issue 27
# Domains close enough to share vocabulary are grouped; distractors never come from the claim's own group.
GROUP = {"public health": "health", "medicine": "health", "epidemiology": "health",
         "climate": "earth", "hydrology": "earth", "ecology": "earth",
         "nlp": "computing", "computer science": "computing"}


def group(domain):
    return GROUP.get(domain, domain)


def slots(k1, k2, nei):
    out = []
    for label, kind in (("SUPPORTED", "restate"), ("REFUTED", k1), ("REFUTED", k2), ("NOT_ENOUGH_INFO", nei)):
        out += [(label, kind), (label, kind)]
    return out


def build():
    rows = []
    for i, (domain, clang, claim, (k1, k2, nei), evs) in enumerate(FACTS, 1):
        assert len(evs) == 8, (i, len(evs))
        for (label, kind), ev in zip(slots(k1, k2, nei), evs):
            elang, text = ev[0], ev[1]
            translation = len(ev) > 2 and ev[2] is True
            rows.append(dict(id=f"z{len(rows) + 1:03d}", fact=f"g{i:02d}", claim=claim, claim_lang=clang,
                             evidence=text, evidence_lang=elang, label=label, kind=kind,
                             cross=clang != elang, translation=translation, domain=domain))
    rng = random.Random(SEED)
    facts = sorted({r["fact"] for r in rows})
    dom = {r["fact"]: r["domain"] for r in rows}
    evid = {f: [r["evidence"] for r in rows if r["fact"] == f] for f in facts}
    for r in rows:
        pool = [f for f in facts if group(dom[f]) != group(r["domain"])]
        picked = rng.sample(pool, 2)
        r["distractors"] = [rng.choice(evid[f]) for f in picked]
    return rows


if __name__ == "__main__":
    rows = build()
    with open("claims.jsonl", "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(len(rows), "rows written")
