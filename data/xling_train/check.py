"""Validate the facts_*.py files of this training set (python check.py): the layout of every fact, languages,
lengths, no repeated sentence, and no sentence shared with the evaluation sets or the tests' probe sentences."""

import importlib.util
import json
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
LANGS = ("en", "de", "fr", "sw", "es")
KINDS = ("number", "direction", "negation")
# phrases of the evaluation sets, the demo corpus and the tests that training data must not contain
BANNED = ("OPTICAL", "MIRACL", "mMARCO", "XLM-R", "XNLI", "distillation baseline", "about four", "Tatoeba", "XTREME")


def load_facts() -> list[tuple[str, list]]:
    """(file tag, FACTS) of every facts_*.py here, in name order."""
    out = []
    for path in sorted(HERE.glob("facts_*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        out.append((path.stem.removeprefix("facts_"), mod.FACTS))
    return out


def _words(s: str) -> int:
    return len(s.split())


def _norm(s: str) -> str:
    return re.sub(r"\W+", " ", s.casefold()).strip()


def check_facts() -> list[str]:
    """Problems found (empty when the set is valid)."""
    problems, seen = [], Counter()
    held = set()
    for rel in ("../xling_claims/claims.jsonl", "../field_claims/claims.jsonl"):
        f = HERE / rel
        if f.exists():
            for line in open(f, encoding="utf-8"):
                r = json.loads(line)
                held |= {_norm(r["claim"]), _norm(r["evidence"])}
    for tag, facts in load_facts():
        for i, fact in enumerate(facts, 1):
            where = f"{tag} fact {i}"
            if len(fact) != 4:
                problems.append(f"{where}: expected (claim_lang, claim, refute_kind, rows)")
                continue
            clang, claim, kind, rows = fact
            if clang not in LANGS or kind not in KINDS or len(rows) != 6:
                problems.append(f"{where}: bad claim_lang/kind/row count ({clang}, {kind}, {len(rows)})")
                continue
            for j, (elang, ev) in enumerate(rows):
                same = j % 2 == 0
                if elang not in LANGS:
                    problems.append(f"{where} row {j + 1}: language {elang}")
                if same != (elang == clang):
                    problems.append(f"{where} row {j + 1}: must be {'the claim' if same else 'another'} language")
            for s in [claim] + [ev for _, ev in rows]:
                if not 8 <= _words(s) <= 45:
                    problems.append(f"{where}: {_words(s)} words: {s[:60]}")
                if any(b.casefold() in s.casefold() for b in BANNED):
                    problems.append(f"{where}: banned phrase in: {s[:60]}")
                if _norm(s) in held:
                    problems.append(f"{where}: sentence of an evaluation set: {s[:60]}")
            for _, ev in rows:
                seen[_norm(ev)] += 1
            seen[_norm(claim)] += 1
    problems += [f"repeated sentence: {s[:60]}" for s, n in seen.items() if n > 1]
    return problems


if __name__ == "__main__":
    p = check_facts()
    print("\n".join(p) if p else f"ok: {sum(len(f) for _, f in load_facts())} facts")
    sys.exit(1 if p else 0)
