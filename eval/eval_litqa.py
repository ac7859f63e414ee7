"""Questions over real journal PDFs: does a question run use the paper that answers it, and is the answer in the
Answer? (../shared/litqa-dev: 20 PDFs, one question each; evaluation only, never copied into the repository.)

    python eval/eval_litqa.py --db /tmp/litqa.db            # ingest the PDFs there first if it holds no papers
    python eval/eval_litqa.py --db /tmp/litqa.db --no-rerank --json /tmp/litqa-before.json

All 20 PDFs form one corpus; each question is asked with the installed CLI (`synth verify --question`, then `synth
report --format json`), timed. Per question it prints: the gold paper (matched by DOI, else by file name) used and
ranked first, the number of papers used, whether the ideal answer is in the Answer, whether the key sentence is
among the run's claims, the reranker's candidates read, and seconds. Totals are the issue's goals: gold paper ranked
first, papers used per question, ideal answer in the Answer.

"Ideal answer in the Answer": every number of the ideal answer, and at least 60% of its other words (casefolded,
the first 5 letters compared), occur in the Answer's text. The gold paper is the stored paper with the question's
DOI (else its PDF's file name); "ranked first" is the first used paper of the report's paper list (the run's order). "Key sentence among the claims": some claim shares at
least 80% of its word tokens with one sentence of the key passage, or holds that sentence.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LITQA = ROOT.parent / "shared" / "litqa-dev"
_NUM = re.compile(r"\d+(?:[.,]\d+)?")
_WORD = re.compile(r"[^\W\d_]+")
STOP = {"the", "of", "and", "a", "an", "in", "to", "by", "for", "with", "on", "at", "is", "was", "were", "as", "or"}


def _synth(db: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "synth.cli", "--quiet", "--db", str(db), *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)


def ideal_in(ideal: str, text: str) -> bool:
    """Whether the ideal answer occurs in `text` (the rule in the module docstring)."""
    nums = _NUM.findall(ideal)
    if any(n not in text for n in nums):
        return False
    words = [w.casefold()[:5] for w in _WORD.findall(ideal) if w.casefold() not in STOP]
    have = {w.casefold()[:5] for w in _WORD.findall(text)}
    return not words or sum(w in have for w in words) / len(words) >= 0.6


def key_among(key_passage: str, claims: list[str]) -> bool:
    """Whether some claim is one of the key passage's sentences (80% of the claim's tokens, or it holds it)."""
    from synth.ingest.sentences import normalize, split_sentences, tokens

    sentences = split_sentences(key_passage)
    for c in claims:
        ct = tokens(c)
        for s in sentences:
            st = tokens(s)
            if ct and st and (len(ct & st) / len(ct) >= 0.8 and len(ct & st) / len(st) >= 0.5 or normalize(s) in normalize(c)):
                return True
    return False


def gold_paper(db: Path, q: dict) -> str | None:
    """The id of the stored paper the question is about: by DOI, else by its PDF's file name."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        row = con.execute("SELECT id FROM papers WHERE lower(doi) = ?", [(q.get("doi") or "").casefold()]).fetchone()
        row = row or con.execute("SELECT id FROM papers WHERE pdf_path LIKE ?", [f"%{q['file']}"]).fetchone()
    finally:
        con.close()
    return row[0] if row else None


def ask(db: Path, q: dict, env: dict[str, str]) -> dict:
    """One question run and its measures."""
    t0 = time.time()
    run = _synth(db, "verify", "--question", q["question"], env=env)
    seconds = time.time() - t0
    if run.returncode != 0:
        return {"id": q["id"], "error": (run.stderr.strip().splitlines() or ["?"])[-1]}
    report = json.loads(_synth(db, "report", "--format", "json", env=env).stdout)
    used = [p["id"] for p in report["papers"] if p.get("used")]  # in the run's rank order
    gold = gold_paper(db, q)
    return {
        "id": q["id"], "gold_used": gold in used, "gold_first": bool(used) and used[0] == gold, "papers_used": len(used),
        "ideal_in_answer": ideal_in(q["ideal"], report["answer"]["text"]),
        "key_in_claims": key_among(q["key_passage"], [c["claim"] for c in report["claims"]]),
        "reranked": report.get("counts", {}).get("reranked"), "seconds": round(seconds, 1), "gold": gold, "used": used,
        "answer": report["answer"]["text"],
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--litqa", type=Path, default=LITQA)
    ap.add_argument("--no-rerank", action="store_true", help="SYNTH_RERANK=0: relevance alone (the baseline)")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--only", type=int, default=None, help="the first N questions")
    args = ap.parse_args(argv)
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", SYNTH_RERANK="0" if args.no_rerank else "1")
    questions = [json.loads(line) for line in (args.litqa / "questions.jsonl").read_text().splitlines() if line.strip()]
    if not args.db.exists():
        t0 = time.time()
        add = _synth(args.db, "add", str(args.litqa / "pdfs"), env=env)
        print(f"ingested in {time.time() - t0:.0f} s (exit {add.returncode})", flush=True)
    rows = []
    for q in questions[: args.only]:
        row = ask(args.db, q, env)
        rows.append(row)
        shown = {k: v for k, v in row.items() if k != "answer"}
        print(json.dumps(shown), flush=True)
    ok = [r for r in rows if "error" not in r]
    n = max(1, len(ok))
    totals = {
        "questions": len(rows), "errors": len(rows) - len(ok),
        "gold_used": sum(r["gold_used"] for r in ok) / n, "gold_first": sum(r["gold_first"] for r in ok) / n,
        "papers_used_mean": sum(r["papers_used"] for r in ok) / n,
        "ideal_in_answer": sum(r["ideal_in_answer"] for r in ok) / n,
        "key_in_claims": sum(r["key_in_claims"] for r in ok) / n,
        "seconds_mean": sum(r["seconds"] for r in ok) / n,
    }  # fmt: skip
    print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in totals.items()}))
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "totals": totals}, indent=1, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
