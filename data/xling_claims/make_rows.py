"""Expand facts.py into claims.jsonl (run in this folder: python make_rows.py)."""
import json
from facts import FACTS

SLOTS = [("SUPPORTED", "restate"), ("SUPPORTED", "restate"), ("REFUTED", None), ("REFUTED", None),
         ("NOT_ENOUGH_INFO", "related"), ("NOT_ENOUGH_INFO", "related")]

rows, n = [], 0
for i, (clang, claim, rkind, evs) in enumerate(FACTS, 1):
    assert len(evs) == 6, i
    for (label, kind), (elang, ev) in zip(SLOTS, evs):
        n += 1
        rows.append(dict(id=f"x{n:03d}", fact=f"f{i:02d}", claim=claim, claim_lang=clang, evidence=ev,
                         evidence_lang=elang, label=label, kind=kind or rkind, cross=clang != elang))
with open("claims.jsonl", "w", encoding="utf-8") as f:
    for r in rows:
        f.write(json.dumps(r, ensure_ascii=False) + "\n")
print(len(rows), "rows written")
