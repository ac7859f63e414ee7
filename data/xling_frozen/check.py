"""Validate claims.jsonl and print its counts (run in this folder: python check.py).

Exit status 1 on any problem, including a SHA-256 of claims.jsonl that differs from the one in README.md
(the set is frozen: any change to claims.jsonl must be visible).
"""
import collections as C
import hashlib
import json
import re
import sys

from make_rows import group

LANGS = {"en", "sw", "ha", "de", "fr", "es", "pt"}
LABEL_OF = {"restate": "SUPPORTED", "swap": "REFUTED", "antonym": "REFUTED", "number": "REFUTED",
            "negation": "REFUTED", "offsubject": "NOT_ENOUGH_INFO", "related": "NOT_ENOUGH_INFO"}
KEYS = {"id", "fact", "claim", "claim_lang", "evidence", "evidence_lang", "label", "kind", "cross",
        "translation", "domain", "distractors"}
# minimum rows per kind, each for cross == True and for cross == False
MIN_PER_SIDE = {"swap": 25, "antonym": 25, "number": 25, "negation": 10, "offsubject": 30}
COMPUTING = {"nlp", "computer science"}

errs, rows = [], []
raw = open("claims.jsonl", "rb").read()
for ln, line in enumerate(raw.decode("utf-8").splitlines(), 1):
    try:
        rows.append(json.loads(line))
    except Exception as e:
        errs.append(f"line {ln}: {e}")

ids = [r["id"] for r in rows]
if len(ids) != len(set(ids)):
    errs.append("duplicate ids")
if ids != [f"z{i:03d}" for i in range(1, len(rows) + 1)]:
    errs.append("ids are not z001.. in order")

by_fact = C.defaultdict(list)
for r in rows:
    i = r.get("id")
    if set(r) != KEYS:
        errs.append(f"{i}: keys {sorted(r)}")
        continue
    if r["claim_lang"] not in LANGS or r["evidence_lang"] not in LANGS:
        errs.append(f"{i}: language code")
    if LABEL_OF.get(r["kind"]) != r["label"]:
        errs.append(f"{i}: kind/label {r['kind']}/{r['label']}")
    if r["cross"] != (r["claim_lang"] != r["evidence_lang"]):
        errs.append(f"{i}: cross flag")
    if r["translation"] and not (r["kind"] == "restate" and r["cross"]):
        errs.append(f"{i}: translation flag on a row that is not a cross-language restatement")
    for fld in ("claim", "evidence"):
        w = len(r[fld].split())
        if not 6 <= w <= 45:
            errs.append(f"{i}: {fld} has {w} words")
    if r["evidence"] == r["claim"]:
        errs.append(f"{i}: evidence identical to claim")
    by_fact[r["fact"]].append(r)

for ev, k in C.Counter(r["evidence"] for r in rows).items():
    if k > 1:
        errs.append(f"evidence repeated {k}x: {ev[:60]}")

fact_of_ev = {r["evidence"]: r["fact"] for r in rows}
dom = {f: rs[0]["domain"] for f, rs in by_fact.items()}
for r in rows:
    d = r.get("distractors")
    if not isinstance(d, list) or len(d) != 2 or len(set(d)) != 2:
        errs.append(f"{r['id']}: distractors must be 2 different sentences")
        continue
    src = [fact_of_ev.get(x) for x in d]
    if None in src:
        errs.append(f"{r['id']}: distractor is not an evidence sentence of the set")
    elif r["fact"] in src or len(set(src)) != 2:
        errs.append(f"{r['id']}: distractors must come from two other facts")
    elif any(group(dom[f]) == group(r["domain"]) for f in src):
        errs.append(f"{r['id']}: distractor from the same domain group")

ORDER = ["SUPPORTED", "SUPPORTED", "REFUTED", "REFUTED", "REFUTED", "REFUTED", "NOT_ENOUGH_INFO", "NOT_ENOUGH_INFO"]
for f, rs in by_fact.items():
    if len(rs) != 8:
        errs.append(f"{f}: {len(rs)} rows")
        continue
    if len({r["claim"] for r in rs}) != 1 or len({r["claim_lang"] for r in rs}) != 1 or len({r["domain"] for r in rs}) != 1:
        errs.append(f"{f}: claim, claim language or domain not fixed")
    if [r["label"] for r in rs] != ORDER:
        errs.append(f"{f}: labels not in slot order")
    for a, b in zip(rs[0::2], rs[1::2]):  # each pair: same-language row, then cross-language row of the same kind
        if a["cross"] or not b["cross"] or a["kind"] != b["kind"]:
            errs.append(f"{f}: pair {a['id']}/{b['id']} is not same-language + cross-language of one kind")

cnt = lambda key: dict(sorted(C.Counter(key(r) for r in rows).items()))
kc = C.Counter((r["kind"], r["cross"]) for r in rows)
for k, m in MIN_PER_SIDE.items():
    for side in (False, True):
        if kc[(k, side)] < m:
            errs.append(f"{k} cross={side}: {kc[(k, side)]} rows < {m}")
n_tr = sum(r["translation"] for r in rows)
if n_tr < 20:
    errs.append(f"only {n_tr} translation rows")
facts = list(by_fact.values())
if len(facts) < 60:
    errs.append(f"only {len(facts)} facts")
if sum(rs[0]["claim_lang"] != "en" for rs in facts) * 3 < len(facts):
    errs.append("fewer than a third of the claims are not in English")
if sum(rs[0]["domain"] in COMPUTING for rs in facts) * 5 > len(facts):
    errs.append("more than a fifth of the facts are computing / NLP")
for lang in LANGS:
    if not any(r["evidence_lang"] == lang for r in rows):
        errs.append(f"no evidence in {lang}")

# frozen: the SHA-256 of claims.jsonl must equal the one written in README.md
sha = hashlib.sha256(raw).hexdigest()
try:
    m = re.search(r"SHA-256 of `?claims\.jsonl`?[^0-9a-f]*([0-9a-f]{64})", open("README.md", encoding="utf-8").read())
    if not m:
        errs.append("README.md has no 'SHA-256 of claims.jsonl: <hex>' line")
    elif m.group(1) != sha:
        errs.append(f"SHA-256 mismatch: claims.jsonl is {sha}, README.md says {m.group(1)}")
except FileNotFoundError:
    errs.append("README.md missing")

# ------------------------------------------------------------------ report
print("ERRORS:" if errs else "OK: no problems found", *errs, sep="\n  ")
print("sha256(claims.jsonl)", sha)
print("rows", len(rows), "facts", len(facts), "translation rows", n_tr)
print("label x cross", cnt(lambda r: (r["label"], r["cross"])))
print("domain (facts)", dict(sorted(C.Counter(rs[0]["domain"] for rs in facts).items())))
print("claim_lang (facts)", dict(C.Counter(rs[0]["claim_lang"] for rs in facts).most_common()))
print("refute kinds per fact", dict(C.Counter(tuple(sorted((rs[2]["kind"], rs[4]["kind"]))) for rs in facts).most_common()))

L = ["en", "sw", "ha", "de", "fr", "es", "pt"]
KINDS = ["restate", "swap", "antonym", "number", "negation", "offsubject", "related"]
print("\n| kind | label | same-language | cross-language | total |")
print("|---|---|---|---|---|")
for k in KINDS:
    print(f"| {k} | {LABEL_OF[k]} | {kc[(k, False)]} | {kc[(k, True)]} | {kc[(k, False)] + kc[(k, True)]} |")
print(f"| all | | {sum(not r['cross'] for r in rows)} | {sum(r['cross'] for r in rows)} | {len(rows)} |")

for side, name in ((False, "same-language rows"), (True, "cross-language rows")):
    c = C.Counter((r["kind"], r["evidence_lang"]) for r in rows if r["cross"] == side)
    print(f"\n{name}: kind x evidence language")
    print("| kind | " + " | ".join(L) + " |")
    print("|---|" + "---|" * len(L))
    for k in KINDS:
        print(f"| {k} | " + " | ".join(str(c[(k, l)]) for l in L) + " |")

c2 = C.Counter((r["kind"], r["claim_lang"]) for r in rows if r["cross"])
print("\nkind x claim language (rows per side; the same-language and cross-language counts are equal)")
print("| kind | " + " | ".join(L) + " |")
print("|---|" + "---|" * len(L))
for k in KINDS:
    print(f"| {k} | " + " | ".join(str(c2[(k, l)]) for l in L) + " |")

pc = C.Counter((r["claim_lang"], r["evidence_lang"]) for r in rows)
print("\nclaim language (rows) x evidence language")
print("| claim \\ evidence | " + " | ".join(L) + " | total |")
print("|---|" + "---|" * (len(L) + 1))
for a in L:
    print(f"| {a} | " + " | ".join(str(pc[(a, b)]) for b in L) + f" | {sum(pc[(a, b)] for b in L)} |")
print("| total | " + " | ".join(str(sum(pc[(a, b)] for a in L)) for b in L) + f" | {len(rows)} |")

sys.exit(1 if errs else 0)
