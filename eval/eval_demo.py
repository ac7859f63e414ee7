"""Re-judge a stored demo run's claims on their stored evidence with a verifier, and count what the demo is built to show.

    python eval/eval_demo.py [--db db/demo.db] [--run 1] [--artifact DIR]

`make demo` stores a question run in db/demo.db. This script judges each of its claims again, against the same
evidence sentences in the same order, with the shipped verifier (SYNTH_VERIFIER_MODEL picks it) or the artefact
folder `--artifact`, so verifiers are compared on identical inputs without re-running retrieval. It prints the
verdict counts, how many of the designed conflicts come out REFUTED (the claims in the digests' sections written for
the demo, `examples/otclir-demo/README.md`, and mMARCO's "competitive" sentence that one of them contradicts), how many
other claims come out REFUTED, and every claim with its verdict.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # synth and eval/ from this source checkout

from eval.common import ROOT, cached_verifier, judge_all  # noqa: E402

# headings of the digest sections that hold the statements written for the demo (examples/otclir-demo/digests)
DEMO_SECTIONS = ("Demo statement", "Remarque (fictive", "Anmerkung (fiktiv", "Bayani na gwaji")


def designed(paper_id: str, section: str | None, text: str) -> bool:
    """Whether a claim is one of the demo's designed conflicts."""
    heading = (section or "").lstrip("0123456789. ")  # passages keep the section's number: "4 Demo statement (...)"
    return heading.startswith(DEMO_SECTIONS) or (paper_id == "2108.13897" and "competitive" in text)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=ROOT / "db" / "demo.db")
    ap.add_argument("--run", type=int, default=1)
    ap.add_argument("--artifact", type=Path, default=None, help="verifier folder to judge with (default: the shipped one)")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    if not args.db.is_file():
        sys.exit(f"error: no demo database at {args.db} (run `make demo` first)")

    import torch

    torch.set_num_threads(args.threads)
    db = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    rows = db.execute("SELECT c.id, c.paper_id, c.text, s.section FROM claims c LEFT JOIN passages s ON s.id = c.passage_id "
                      "WHERE c.run_id = ? ORDER BY c.position", (args.run,)).fetchall()
    if not rows:
        sys.exit(f"error: run {args.run} has no claims in {args.db}")
    items = [(text, [e for (e,) in db.execute("SELECT text FROM evidence WHERE claim_id = ? ORDER BY rank", (cid,))])
             for cid, _, text, _ in rows]
    if args.artifact is None:  # the shipped verifier exactly as `synth verify` loads it
        from synth.config import Settings
        from synth.judge.verifier import load_verifier

        verifier = load_verifier(Settings.from_env())
    else:
        verifier, _, _ = cached_verifier(None, args.artifact)
    judged = judge_all(verifier, items)
    flags = [designed(paper, section, text) for _, paper, text, section in rows]
    counts = Counter(j.label for j in judged)
    print(f"verifier {verifier.id}, run {args.run}: {len(rows)} claims, "
          + " / ".join(f"{lab} {counts[lab]}" for lab in ("SUPPORTED", "REFUTED", "NOT_ENOUGH_INFO")))
    print(f"designed conflicts REFUTED: {sum(f and j.label == 'REFUTED' for f, j in zip(flags, judged))} of {sum(flags)}; "
          f"other claims REFUTED: {sum(not f and j.label == 'REFUTED' for f, j in zip(flags, judged))} of {len(rows) - sum(flags)}")
    for (_, paper, text, _), f, j in zip(rows, flags, judged):
        print(f"  {j.label[:3]} {j.confidence:.2f} {'designed ' if f else '         '}{paper}  {text[:110]}")


if __name__ == "__main__":
    main()
