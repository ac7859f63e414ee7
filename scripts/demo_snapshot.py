"""Snapshot the demo run (verdicts, evidence and every report format) so two versions of synth can be compared.

    python scripts/demo_snapshot.py --out /tmp/before            # fetch + verify the demo question, write reports
    python scripts/demo_snapshot.py --out /tmp/after --against /tmp/before   # ... and compare: exit 1 on a difference

It runs the real `synth` CLI (the installed one, real packaged models) on a fresh database built from the demo
mirror (`make mirror` builds it), then writes report.md/.html/.json, the BibTeX and CSL references and
`claims.json` (each claim with its verdict, confidence and evidence) with run dates, timings and the database path
replaced by fixed strings: a behaviour-preserving change gives byte-identical files.
"""

from __future__ import annotations

import argparse
import difflib
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUESTION = (
    "How does the performance of optimal transport distillation compare to knowledge distillation in cross-lingual "
    "retrieval on XTREME-R for low-resource languages when using the same student model size?"
)
FORMATS = {"report.md": ["report"], "report.html": ["report", "--format", "html"],
           "report.json": ["report", "--format", "json"], "report.bib": ["report", "--format", "bib"],
           "report.csl.json": ["report", "--format", "csl"], "claims.json": ["claims", "--json"]}  # fmt: skip
# ISO timestamps, long dates ("December 7, 2026"), seconds of a stage, the temporary folder
_MASKS = [
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:\+00:00|Z)?"), "<time>"),
    (re.compile(r"(?:January|February|March|April|May|June|July|August|September|October|November|December) \d{1,2}, \d{4}"), "<date>"),
    (re.compile(r"(?:/tmp|/var)/[^\s\"'<>]*?snapshot-[^/\s\"'<>]+"), "<tmp>"),
]


def masked(text: str) -> str:
    """`text` with dates and temporary paths replaced by fixed strings."""
    for pattern, repl in _MASKS:
        text = pattern.sub(repl, text)
    return text


def run(synth: str, db: Path, args: list[str]) -> str:
    """stdout of `synth --quiet --db DB ARGS` (stops the script with its stderr on failure)."""
    done = subprocess.run([synth, "--quiet", "--db", str(db), *args], capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"synth {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    return done.stdout


def snapshot(out: Path, mirror: Path, synth: str) -> None:
    """Fetch the mirror into a fresh database, verify the demo question, write the masked outputs to `out`."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="snapshot-") as tmp:
        db = Path(tmp) / "demo.db"
        run(synth, db, ["fetch", "--mirror", str(mirror)])
        run(synth, db, ["verify", "--question", QUESTION])
        for name, args in FORMATS.items():
            (out / name).write_text(masked(run(synth, db, args)), encoding="utf-8")


def compare(a: Path, b: Path) -> int:
    """Print a unified diff for each file that differs; the number of differing files."""
    differ = 0
    for name in FORMATS:
        x, y = (a / name).read_text(encoding="utf-8"), (b / name).read_text(encoding="utf-8")
        if x != y:
            differ += 1
            sys.stdout.writelines(difflib.unified_diff(x.splitlines(True), y.splitlines(True), str(a / name), str(b / name), n=1))
        else:
            print(f"same: {name} ({len(x)} chars)")
    return differ


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True, help="folder for this version's snapshot")
    ap.add_argument("--against", type=Path, help="an earlier snapshot to compare with")
    ap.add_argument("--mirror", type=Path, default=ROOT / "examples/otclir-demo/mirror", help="the demo mirror")
    ap.add_argument("--synth", default=str(Path(sys.executable).with_name("synth")), help="the synth executable")
    args = ap.parse_args()
    if not (args.mirror / ".built").exists():
        sys.exit(f"no demo mirror at {args.mirror}: run `make mirror` first")
    snapshot(args.out, args.mirror, args.synth)
    if args.against is not None:
        differ = compare(args.against, args.out)
        print(f"{differ} of {len(FORMATS)} files differ")
        sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
