"""Parse the seed reports (../shared/seeds/*.txt), check their claim counts, and optionally audit them against a db.

    python scripts/audit_seeds.py                      # parse + check counts (17, 17, 15, 17, 15)
    python scripts/audit_seeds.py --db db/synth.db     # also run `verify --claims-from-report` on each seed
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXPECTED = {"000": 17, "001": 17, "002": 15, "003": 17, "004": 15}


def main(argv: list[str] | None = None) -> int:
    root = Path(__file__).resolve().parent.parent
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=Path, default=root.parent / "shared" / "seeds", help="directory of seed reports")
    ap.add_argument("--db", help="audit every seed against this database (runs synth verify)")
    ap.add_argument("--encoder", default=None, help="encoder for the audit (default: the configured one)")
    args = ap.parse_args(argv)

    from synth.ingest.seeds import parse_report

    files = sorted(args.seeds.glob("*.txt"))
    if not files:
        print(f"no seed reports in {args.seeds}", file=sys.stderr)
        return 1
    ok = True
    for f in files:
        seed = parse_report(f)
        want = EXPECTED.get(f.name[:3])
        good = want is None or len(seed.claims) == want
        ok &= good
        print(
            f"{f.name}\t{len(seed.claims)} claims (expected {want})\t{'ok' if good else 'MISMATCH'}\t"
            f"{sum(c.truncated for c in seed.claims)} truncated\t{sum(c.verified is False for c in seed.claims)} unverified\t"
            f"{len(seed.references)} refs"
        )
    if args.db:
        from click.testing import CliRunner

        from synth.cli import cli

        runner = CliRunner()
        for f in files:
            extra = ["--encoder", args.encoder] if args.encoder else []
            res = runner.invoke(cli, ["--db", args.db, "--quiet", "verify", "--claims-from-report", str(f), *extra])
            print(f"{f.name}\t{res.output.strip()}")
            ok &= res.exit_code == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
