"""Validate claims.jsonl and print counts (run in this folder: python check.py)."""
import json, collections as C

LANGS = {"en", "de", "fr", "sw", "es"}
LABEL_OF = {"restate": "SUPPORTED", "number": "REFUTED", "negation": "REFUTED", "direction": "REFUTED",
            "related": "NOT_ENOUGH_INFO"}
errs, rows = [], []
for ln, line in enumerate(open("claims.jsonl", encoding="utf-8"), 1):
    try:
        rows.append(json.loads(line))
    except Exception as e:
        errs.append(f"line {ln}: {e}")
ids = [r["id"] for r in rows]
if len(ids) != len(set(ids)):
    errs.append("duplicate ids")
keys = {"id", "fact", "claim", "claim_lang", "evidence", "evidence_lang", "label", "kind", "cross"}
by_fact = C.defaultdict(list)
for r in rows:
    if set(r) != keys: errs.append(f"{r['id']}: keys {sorted(r)}")
    if r["claim_lang"] not in LANGS or r["evidence_lang"] not in LANGS: errs.append(f"{r['id']}: lang")
    if LABEL_OF.get(r["kind"]) != r["label"]: errs.append(f"{r['id']}: kind/label {r['kind']}/{r['label']}")
    if r["cross"] != (r["claim_lang"] != r["evidence_lang"]): errs.append(f"{r['id']}: cross flag")
    for fld in ("claim", "evidence"):
        w = len(r[fld].split())
        if not 10 <= w <= 40: errs.append(f"{r['id']}: {fld} has {w} words")
    by_fact[r["fact"]].append(r)
evs = C.Counter(r["evidence"] for r in rows)
for ev, k in evs.items():
    if k > 1: errs.append(f"evidence repeated {k}x: {ev[:60]}")
for f, rs in by_fact.items():
    if len(rs) != 6: errs.append(f"{f}: {len(rs)} rows")
    if len({r["claim"] for r in rs}) != 1 or len({r["claim_lang"] for r in rs}) != 1:
        errs.append(f"{f}: claim not fixed")
    for lab in LABEL_OF.values():
        same = [r for r in rs if r["label"] == lab and not r["cross"]]
        cross = [r for r in rs if r["label"] == lab and r["cross"]]
        if len(same) != 1 or len(cross) != 1:
            errs.append(f"{f}/{lab}: {len(same)} same, {len(cross)} cross")
        elif same[0]["kind"] != cross[0]["kind"]:
            errs.append(f"{f}/{lab}: kinds differ")
print("ERRORS:" if errs else "OK: no problems found", *errs, sep="\n  ")
cnt = lambda key: dict(sorted(C.Counter(key(r) for r in rows).items()))
print("rows", len(rows), "facts", len(by_fact))
print("label", cnt(lambda r: r["label"]))
print("kind", cnt(lambda r: r["kind"]))
print("cross", cnt(lambda r: r["cross"]))
print("label x cross", cnt(lambda r: (r["label"], r["cross"])))
print("refute kind per fact", dict(C.Counter(rs[2]["kind"] for rs in by_fact.values())))
print("claim_lang (facts)", dict(C.Counter(rs[0]["claim_lang"] for rs in by_fact.values())))
print("claim_lang (rows)", cnt(lambda r: r["claim_lang"]))
print("evidence_lang (rows)", cnt(lambda r: r["evidence_lang"]))
print("pair claim->evidence", cnt(lambda r: f'{r["claim_lang"]}->{r["evidence_lang"]}'))
print("rows with sw on either side", sum("sw" in (r["claim_lang"], r["evidence_lang"]) for r in rows),
      "| cross rows with sw", sum(r["cross"] and "sw" in (r["claim_lang"], r["evidence_lang"]) for r in rows))
