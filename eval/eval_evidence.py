"""Evaluate encoders on cross-lingual evidence retrieval: our field set and XNLI test premises.

    python eval/eval_evidence.py [--encoders e5-small,kd,optical] [--tasks field,xnli,xnli-translation] [--n 500]
                                 [--langs sw,ur,hi,ar,de,fr] [--boot 1000] [--seed 0] [--threads N] [--json PATH]

field: data/field_claims eval split (fact % 3 == 2), SUPPORTED / REFUTED rows whose claim and evidence languages
differ; the pool is every distinct evidence text of the split (all languages), the other translations of a claim's
own evidence are left out of its ranking. xnli: ../shared/nli/xnli_test_15lang.tsv, per language xx `en-xx` (English
entailed hypotheses against all xx premises; gold: the premise of the same row) and `xx-en` (the reverse), the same
--n rows (fixed-seed sample) for every language. xnli-translation: bitext retrieval on the same file, an English
premise against every xx premise (gold: its translation) and back, --n premises. Prints recall@1 and recall@5 with bootstrap 95% intervals over
claims, and for each encoder after the first its paired difference from the first on the same claims.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # synth and eval/ from this source checkout

from eval.common import FIELD, SHARED  # noqa: E402
from synth.train.evaluate_encoders import (
    evaluate_evidence,
    evidence_markdown,
    field_evidence_task,
    xnli_evidence_tasks,
    xnli_translation_tasks,
)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--encoders", default="e5-small,kd,optical", help="comma list of synth encoder names")
    ap.add_argument("--tasks", default="field,xnli", help="comma list: field, xnli, xnli-translation")
    ap.add_argument("--n", type=int, default=500, help="XNLI claims per language pair and direction")
    ap.add_argument("--langs", default="sw,ur,hi,ar,de,fr", help="XNLI languages paired with English")
    ap.add_argument("--boot", type=int, default=1000, help="bootstrap resamples")
    ap.add_argument("--seed", type=int, default=0, help="seed of the XNLI sample and of the bootstrap")
    ap.add_argument("--field", type=Path, default=FIELD / "claims.jsonl")
    ap.add_argument("--xnli", type=Path, default=SHARED / "nli" / "xnli_test_15lang.tsv")
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    ap.add_argument("--json", type=Path, default=None, help="also write the rows as JSON here")
    args = ap.parse_args(argv)

    from synth.config import Settings
    from synth.index.encoders import load_encoder
    from synth.errors import SynthError

    names = [n.strip() for n in args.encoders.split(",") if n.strip()]
    tasks = [t.strip() for t in args.tasks.split(",") if t.strip()]
    langs = [x.strip() for x in args.langs.split(",") if x.strip()]
    if not names or not set(tasks) <= {"field", "xnli", "xnli-translation"} or not tasks:
        sys.exit("need --encoders and --tasks from field, xnli, xnli-translation")
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    settings = Settings.from_env()
    try:
        todo = ([field_evidence_task(args.field)] if "field" in tasks else []) + (
            xnli_evidence_tasks(args.xnli, langs, args.n, args.seed) if "xnli" in tasks else []) + (
            xnli_translation_tasks(args.xnli, langs, args.n, args.seed) if "xnli-translation" in tasks else [])
        rows = evaluate_evidence({n: (lambda n=n: load_encoder(n, settings)) for n in names}, todo, boot=args.boot,
                                 seed=args.seed, progress=lambda m: print(m, file=sys.stderr, flush=True))
    except SynthError as exc:
        sys.exit(f"error: {exc}")
    print(evidence_markdown(rows), end="")
    print(f"\nΔ: paired bootstrap ({args.boot} resamples of the same claims, seed {args.seed}) against {names[0]}; "
          "bold where the 95% interval excludes 0.")
    if args.json is not None:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
