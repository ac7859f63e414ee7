"""Expand facts.py into claims.jsonl: one labelled claim/evidence row per line (run from this folder).

Rows per fact: the English supported / refuted / NEI claims against the evidence in every language written,
the translated claims (x) against the English evidence, and the supported claim against another fact's
evidence (NEI). Split rule: fact number % 3 == 2 -> eval, otherwise train.
"""

from __future__ import annotations

import json
from pathlib import Path

from facts import FACTS


def rows() -> list[dict]:
    out = []
    for i, f in enumerate(FACTS):
        split = "eval" if i % 3 == 2 else "train"

        def add(claim: str, ev: str, label: str, cl: str, el: str, kind: str) -> None:
            out.append(dict(id=len(out), fact=i, split=split, claim=claim, evidence=ev, label=label,
                            claim_lang=cl, evidence_lang=el, kind=kind))

        for lang, ev in f["ev"].items():
            add(f["sup"], ev, "SUPPORTED", "en", lang, "paraphrase")
            add(f["ref"][0], ev, "REFUTED", "en", lang, f["ref"][1])
            add(f["nei"], ev, "NOT_ENOUGH_INFO", "en", lang, "related")
        x = f["x"]
        add(x["sup"], f["ev"]["en"], "SUPPORTED", x["lang"], "en", "paraphrase")
        add(x["ref"], f["ev"]["en"], "REFUTED", x["lang"], "en", "changed")
        add(x["nei"], f["ev"]["en"], "NOT_ENOUGH_INFO", x["lang"], "en", "related")
        other = FACTS[i + 3 if i + 3 < len(FACTS) else i - 3]  # i +- 3: a fact of the same split
        lang = ["de", "fr", "sw"][i % 3]
        add(f["sup"], other["ev"][lang], "NOT_ENOUGH_INFO", "en", lang, "unrelated")
    return out


if __name__ == "__main__":
    rs = rows()
    with open(Path(__file__).with_name("claims.jsonl"), "w", encoding="utf-8") as fh:
        for r in rs:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(len(rs), "rows;", sum(r["split"] == "eval" for r in rs), "eval")
