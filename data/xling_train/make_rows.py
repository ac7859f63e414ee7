"""Expand the facts_*.py files into claims.jsonl (run in this folder: python make_rows.py)."""

import json
from pathlib import Path

from check import check_facts, load_facts

SLOTS = [("SUPPORTED", "restate"), ("SUPPORTED", "restate"), ("REFUTED", None), ("REFUTED", None),
         ("NOT_ENOUGH_INFO", "related"), ("NOT_ENOUGH_INFO", "related")]


def rows() -> list[dict]:
    """One row per (fact, evidence): six per fact, in the order of SLOTS."""
    out = []
    for name, facts in load_facts():
        for i, (clang, claim, rkind, evs) in enumerate(facts, 1):
            fact = f"{name}{i:02d}"
            for (label, kind), (elang, ev) in zip(SLOTS, evs):
                out.append(dict(id=f"t{len(out) + 1:04d}", fact=fact, claim=claim, claim_lang=clang, evidence=ev,
                                evidence_lang=elang, label=label, kind=kind or rkind, cross=clang != elang))
    return out


if __name__ == "__main__":
    problems = check_facts()
    if problems:
        raise SystemExit("\n".join(problems))
    out = rows()
    with open(Path(__file__).with_name("claims.jsonl"), "w", encoding="utf-8") as f:
        for r in out:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(len(out), "rows written")
