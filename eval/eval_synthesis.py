"""Synthesis benchmark: does `synth verify --question` pick the right papers and does its answer carry the key facts?

For each corpus under data/synthesis/ (notes/*.md and questions.json, see data/synthesis/README.md) this script
builds a fresh SQLite database with the installed CLI (`synth add`), asks every question (`synth verify
--question`), reads the run back (`synth report --format json`) and scores it against the gold:

- paper recall / precision: the papers the run counted as relevant ("used") against the gold `relevant` notes,
  micro-averaged over the questions the corpus addresses;
- key-fact recall: the fraction of gold key facts (each a list of alternative strings) of which some alternative
  occurs in the answer text (case-insensitive, whitespace-normalised), over addressed questions;
- false "does not address": addressed questions whose answer says the corpus does not address them;
- false "answers": off-topic questions whose answer says it does address them;
- seconds per question: wall time of verify + report (each a fresh CLI process, so model loading included).

The report JSON contract read here: `answer` {text, sentences, addressed}, `findings`, `papers` [{id, title,
relevance, used}], plus `claims`, `references`, `counts`. Where a key is missing (older synth) it falls back:
used papers = the paper ids in `references`, answer text = the claim texts joined, addressed = counts.claims > 0;
each question lists the fallbacks it needed.

    python eval/eval_synthesis.py --encoder hashing            # fast, no model
    python eval/eval_synthesis.py --corpus coral-bleaching     # default encoder (settings / SYNTH_ENCODER)
    python eval/eval_synthesis.py --check                      # only validate the gold against the notes
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eval.common import ROOT  # noqa: E402

DATA = ROOT / "data" / "synthesis"


# ---------------------------------------------------------------------------------------------- gold
def corpora() -> list[str]:
    """Names of the corpora under data/synthesis/ (folders with notes/ and questions.json)."""
    return sorted(p.name for p in DATA.iterdir() if (p / "questions.json").is_file() and (p / "notes").is_dir())


def note_title(path: Path) -> str:
    """The note's `# Title` heading (what `synth add` stores as the paper title)."""
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^#\s+(.+?)\s*#*\s*$", line)
        if m:
            return m.group(1).strip()
    return path.stem


def load_corpus(name: str) -> tuple[Path, list[dict], dict[str, str]]:
    """(notes folder, questions, title -> note file name)."""
    folder = DATA / name
    questions = json.loads((folder / "questions.json").read_text(encoding="utf-8"))
    titles: dict[str, str] = {}
    for p in sorted((folder / "notes").glob("*.md")):
        titles[note_title(p)] = p.name
    return folder / "notes", questions, titles


def norm(text: str) -> str:
    """Case-folded, NFKC, whitespace collapsed to single spaces: the form key facts are matched in."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text or "")).strip().casefold()


def fact_found(fact: list[str], text: str) -> bool:
    """Whether any alternative surface string of a key fact occurs in `text`."""
    t = norm(text)
    return any(norm(alt) and norm(alt) in t for alt in fact)


def check_gold(name: str) -> list[str]:
    """Problems with a corpus's gold: unknown or duplicate files/titles/ids, facts no relevant note states verbatim,
    or states only in a sentence synth's claim extractor would reject (when synth.judge.extract is importable)."""
    notes, questions, titles = load_corpus(name)
    problems: list[str] = []
    files = {p.name for p in notes.glob("*.md")}
    if len(titles) != len(files):
        problems.append(f"{name}: note titles are not unique")
    try:
        from synth.ingest.sentences import reject_reason, split_sentences
    except ImportError:  # an extractor without these functions: check the verbatim match only
        reject_reason = split_sentences = None  # type: ignore[assignment]
    seen: set[str] = set()
    for q in questions:
        qid = q.get("id")
        if qid in seen:
            problems.append(f"{name}: duplicate id {qid}")
        seen.add(qid)
        for key in ("id", "question", "relevant", "key_facts", "addressed"):
            if key not in q:
                problems.append(f"{name}/{qid}: missing {key}")
        if q.get("addressed") != bool(q.get("relevant")):
            problems.append(f"{name}/{qid}: addressed must be true exactly when relevant is non-empty")
        if not q.get("addressed") and q.get("key_facts"):
            problems.append(f"{name}/{qid}: an off-topic question has key facts")
        for f in q.get("relevant", []):
            if f not in files:
                problems.append(f"{name}/{qid}: relevant note {f} does not exist")
        texts = {f: (notes / f).read_text(encoding="utf-8") for f in q.get("relevant", []) if f in files}
        for fact in q.get("key_facts", []):
            if not isinstance(fact, list) or not fact:
                problems.append(f"{name}/{qid}: key fact {fact!r} is not a non-empty list")
                continue
            verbatim = [f for f, t in texts.items() if fact_found(fact, t)]
            if not verbatim:
                problems.append(f"{name}/{qid}: key fact {fact} is in no relevant note")
                continue
            if split_sentences is not None:
                ok = any(
                    fact_found(fact, s) and reject_reason(s) is None
                    for f in verbatim
                    for s in split_sentences(re.sub(r"^#.*$", "", texts[f], flags=re.MULTILINE))
                )
                if not ok:
                    problems.append(f"{name}/{qid}: key fact {fact} is only in sentences the claim extractor rejects")
    return problems


# ---------------------------------------------------------------------------------------------- running synth
def synth(db: Path, *args: str, quiet: bool = True) -> subprocess.CompletedProcess:
    """Run the installed CLI (`python -m synth.cli`) on `db` offline; returns the finished process. It runs in the
    database's folder, so PYTHONPATH can point the run at another synth checkout (the repository root would shadow it)."""
    env = dict(os.environ)
    env.setdefault("HF_HUB_OFFLINE", "1")
    env.setdefault("TRANSFORMERS_OFFLINE", "1")
    cmd = [sys.executable, "-m", "synth.cli", "--db", str(db), *(["-q"] if quiet else []), *args]
    return subprocess.run(cmd, check=False, capture_output=True, text=True, encoding="utf-8", env=env, cwd=db.parent)


def read_report(rep: dict) -> tuple[list[str], str, bool, list[str]]:
    """(used paper ids, answer text, addressed, fallbacks used) from a `report --format json` object."""
    fallbacks: list[str] = []
    papers = rep.get("papers")
    if isinstance(papers, list):
        used = [p["id"] for p in papers if isinstance(p, dict) and p.get("used")]
    else:
        used = [r["id"] for r in rep.get("references", []) if isinstance(r, dict) and r.get("id")]
        fallbacks.append("papers<-references")
    answer = rep.get("answer")
    text, addressed = None, None
    if isinstance(answer, str):
        text = answer
    elif isinstance(answer, dict):
        if isinstance(answer.get("text"), str):
            text = answer["text"]
        elif isinstance(answer.get("sentences"), list):
            text = " ".join(s.get("text", "") for s in answer["sentences"] if isinstance(s, dict))
            fallbacks.append("answer.text<-sentences")
        if isinstance(answer.get("addressed"), bool):
            addressed = answer["addressed"]
    if text is None:
        text = " ".join(c.get("claim") or c.get("text") or "" for c in rep.get("claims", []) if isinstance(c, dict))
        fallbacks.append("answer<-claims")
    if addressed is None:
        addressed = (rep.get("counts") or {}).get("claims", len(rep.get("claims", []))) > 0
        fallbacks.append("addressed<-counts")
    return used, text, addressed, fallbacks


def run_corpus(name: str, encoder: str | None, keep: Path | None, only: set[str] | None, verbose: bool) -> dict:
    """Build the corpus's database, ask its questions, score each; returns {"corpus", "questions": [...]}."""
    notes, questions, titles = load_corpus(name)
    if only:
        questions = [q for q in questions if q["id"] in only]
    tmp = None
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        db = keep / f"{name}.db"
        for stale in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
            stale.unlink(missing_ok=True)
    else:
        tmp = Path(tempfile.mkdtemp(prefix=f"synth-eval-{name}-"))
        db = tmp / f"{name}.db"
    try:
        t0 = time.perf_counter()
        added = synth(db, "add", str(notes))
        add_s = time.perf_counter() - t0
        if added.returncode != 0:
            return {"corpus": name, "error": f"add failed ({added.returncode}): {added.stderr.strip()[-500:]}",
                    "questions": []}
        listed = synth(db, "papers", "--json", quiet=False)
        rows = json.loads(listed.stdout or "[]") if listed.returncode == 0 else []
        id_to_file = {r["id"]: titles.get(r.get("title", ""), f"?{r.get('title') or r['id']}") for r in rows}
        unmapped = sorted(v for v in id_to_file.values() if v.startswith("?"))
        out = []
        for q in questions:
            args = ["verify", "--question", q["question"], *(["--encoder", encoder] if encoder else [])]
            t0 = time.perf_counter()
            ver = synth(db, *args)
            rec: dict = {"id": q["id"], "question": q["question"], "addressed_gold": bool(q["addressed"]),
                         "relevant": q["relevant"], "key_facts": q["key_facts"]}
            m = re.search(r"run (\d+):", ver.stdout + ver.stderr)
            if ver.returncode != 0 or not m:
                rec.update(error=f"verify failed ({ver.returncode}): {(ver.stderr or ver.stdout).strip()[-500:]}",
                           used=[], answer="", addressed=False, fallbacks=[], seconds=time.perf_counter() - t0)
                out.append(score(rec))
                continue
            rep_p = synth(db, "report", "--run", m.group(1), "--format", "json", quiet=False)
            rec["seconds"] = time.perf_counter() - t0
            try:
                rep = json.loads(rep_p.stdout)
            except json.JSONDecodeError:
                rec.update(error=f"report failed ({rep_p.returncode}): {rep_p.stderr.strip()[-500:]}", used=[],
                           answer="", addressed=False, fallbacks=[])
                out.append(score(rec))
                continue
            used, text, addressed, fallbacks = read_report(rep)
            rec.update(run=int(m.group(1)), used=[id_to_file.get(p, f"?{p}") for p in used], answer=text,
                       addressed=addressed, fallbacks=fallbacks, claims=len(rep.get("claims", [])),
                       findings=len(rep["findings"]) if isinstance(rep.get("findings"), list) else None)
            out.append(score(rec))
            if verbose:
                print(question_line(out[-1]), file=sys.stderr, flush=True)
        return {"corpus": name, "db": str(db) if keep else None, "add_seconds": round(add_s, 2), "papers": len(rows),
                "unmapped_papers": unmapped, "questions": out}
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------------------------------------- scoring
def score(rec: dict) -> dict:
    """Add the per-question counts: hits (used ∩ gold), facts found, and the pass/fail flags."""
    used, gold = set(rec["used"]), set(rec["relevant"])
    rec["hits"] = sorted(used & gold)
    rec["facts_found"] = [fact_found(f, rec["answer"]) for f in rec["key_facts"]]
    rec["false_not_addressed"] = rec["addressed_gold"] and not rec["addressed"]
    rec["false_answer"] = (not rec["addressed_gold"]) and bool(rec["addressed"])
    return rec


def aggregate(qs: list[dict]) -> dict:
    """Micro-averaged metrics over a list of scored questions."""
    on = [q for q in qs if q["addressed_gold"]]
    off = [q for q in qs if not q["addressed_gold"]]
    hits = sum(len(q["hits"]) for q in on)
    n_used = sum(len(set(q["used"])) for q in on)
    n_gold = sum(len(set(q["relevant"])) for q in on)
    facts = sum(len(q["key_facts"]) for q in on)
    found = sum(sum(q["facts_found"]) for q in on)

    def ratio(a: float, b: float) -> float | None:
        return a / b if b else None

    return {
        "questions": len(qs),
        "addressed": len(on),
        "off_topic": len(off),
        "paper_recall": ratio(hits, n_gold),
        "paper_precision": ratio(hits, n_used),
        "key_fact_recall": ratio(found, facts),
        "facts_found": found,
        "facts": facts,
        "false_not_addressed_rate": ratio(sum(q["false_not_addressed"] for q in on), len(on)),
        "false_answer_rate": ratio(sum(q["false_answer"] for q in off), len(off)),
        "seconds_per_question": ratio(sum(q.get("seconds", 0.0) for q in qs), len(qs)),
        "errors": sum(bool(q.get("error")) for q in qs),
    }


def fmt(x: float | None, digits: int = 3) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def table(rows: list[tuple[str, dict]]) -> str:
    head = ("| corpus | questions (addressed / off-topic) | paper recall | paper precision | key-fact recall | "
            "false \"does not address\" | false \"answers\" | s / question |\n|---|---|---|---|---|---|---|---|")
    lines = [head]
    for name, m in rows:
        lines.append(
            f"| {name} | {m['questions']} ({m['addressed']} / {m['off_topic']}) | {fmt(m['paper_recall'])} | "
            f"{fmt(m['paper_precision'])} | {fmt(m['key_fact_recall'])} ({m['facts_found']}/{m['facts']}) | "
            f"{fmt(m['false_not_addressed_rate'])} | {fmt(m['false_answer_rate'])} | {fmt(m['seconds_per_question'], 1)} |"
        )
    return "\n".join(lines)


def question_line(q: dict) -> str:
    used, gold = set(q["used"]), set(q["relevant"])
    rec = f"{len(q['hits']) / len(gold):.2f}" if gold else "–"
    prec = f"{len(q['hits']) / len(used):.2f}" if used else "–"
    line = (f"- {q['id']}: recall {rec}, precision {prec} ({len(used)} used), facts {sum(q['facts_found'])}/"
            f"{len(q['key_facts'])}, addressed {q['addressed']} (gold {q['addressed_gold']}), {q.get('seconds', 0):.1f} s")
    if q.get("fallbacks"):
        line += f", fallbacks: {', '.join(q['fallbacks'])}"
    if q.get("error"):
        line += f", ERROR: {q['error'].splitlines()[-1] if q['error'] else ''}"
    return line


# ---------------------------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", action="append", help="Corpus under data/synthesis/ (repeatable; default: all).")
    ap.add_argument("--encoder", help="Encoder passed to verify (default: the configured one, SYNTH_ENCODER / settings).")
    ap.add_argument("--out", type=Path, help="Write all per-question results and metrics to this JSON file.")
    ap.add_argument("--keep", type=Path, help="Keep the databases in this folder (<corpus>.db) instead of a temp dir.")
    ap.add_argument("--question", action="append", dest="only", help="Only this question id (repeatable).")
    ap.add_argument("--check", action="store_true", help="Only validate the gold against the notes, run nothing.")
    ap.add_argument("--verbose", action="store_true", help="Print each question's line as soon as it is scored.")
    args = ap.parse_args(argv)

    names = corpora()
    chosen = args.corpus or names
    unknown = [c for c in chosen if c not in names]
    if unknown:
        ap.error(f"unknown corpus {', '.join(unknown)} (have: {', '.join(names)})")

    problems = [p for c in chosen for p in check_gold(c)]
    for p in problems:
        print(f"gold: {p}", file=sys.stderr)
    if args.check:
        n = sum(len(load_corpus(c)[1]) for c in chosen)
        print(f"{len(chosen)} corpora, {n} questions: {'OK' if not problems else f'{len(problems)} problems'}")
        return 1 if problems else 0

    from synth.config import Settings

    encoder_name = args.encoder or Settings.from_env().encoder.name
    started = time.perf_counter()
    results = [run_corpus(c, args.encoder, args.keep, set(args.only) if args.only else None, args.verbose) for c in chosen]
    wall = time.perf_counter() - started

    print(f"# Synthesis benchmark (encoder {encoder_name}, {wall:.0f} s)\n")
    rows = []
    for r in results:
        if r.get("error"):
            print(f"{r['corpus']}: {r['error']}\n")
            continue
        m = aggregate(r["questions"])
        r["metrics"] = m
        rows.append((r["corpus"], m))
        print(f"## {r['corpus']}\n")
        print(table([(r["corpus"], m)]))
        print()
        if r.get("unmapped_papers"):
            print(f"papers not mapped to a note: {', '.join(r['unmapped_papers'])}\n")
        for q in r["questions"]:
            print(question_line(q))
        print()
    overall = aggregate([q for r in results for q in r.get("questions", [])])
    print("## Overall\n")
    print(table(rows + [("**all**", overall)]))
    fallbacks = sorted({f for r in results for q in r.get("questions", []) for f in q.get("fallbacks", [])})
    if fallbacks:
        print(f"\nreport keys missing, fallbacks used: {', '.join(fallbacks)}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(
            json.dumps({"encoder": encoder_name, "seconds": round(wall, 1), "overall": overall, "corpora": results},
                       ensure_ascii=False, indent=2) + "\n",
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
