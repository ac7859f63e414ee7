"""Write XNLI dev's parallel sentences as English-first bitext TSVs, for `synth distill --bitext`.

    python scripts/xnli_bitext.py --out ~/.cache/synth/bitext/xnli-dev [--per-lang 1200] [--dev 300] [--seed 0]

XNLI dev (../shared/nli/xnli_dev_15lang.tsv) is one set of English premises and hypotheses translated by people into
14 languages: a parallel corpus. Each English sentence (premise or hypothesis) is paired with its translation in
each language; `--per-lang` English sentences are drawn per language (seeded), and the files are named
`xnli-dev-eng-<lang>.tsv`. `--dev` further English sentences per language, none of them in any training file, go
to `dev/xnli-dev-eng-<lang>.tsv`: a development set for choosing training settings (`synth eval encoders --split all
--bitext ...`) so that the evaluation sets are not used for it. XNLI *test* — the evidence evaluation's held-out set — is never read. The files are
written outside the repository (XNLI is CC BY-NC 4.0; see ../shared/nli/README.md); every line of them passes
synth.train.bitext's split rule unchanged, so use `synth distill --split all` to train on all of them.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eval.common import SHARED  # noqa: E402


def parallel_sentences(path: Path) -> dict[str, dict[str, str]]:
    """{English sentence: {language: its translation}} from XNLI's premise and hypothesis columns."""
    rows = csv.DictReader(open(path, encoding="utf-8"), delimiter="\t", quoting=csv.QUOTE_NONE)
    by_row: dict[int, dict[str, dict]] = defaultdict(dict)
    for r in rows:
        by_row[int(r["row"])][r["language"]] = r
    out: dict[str, dict[str, str]] = defaultdict(dict)
    for langs in by_row.values():
        if "en" not in langs:
            continue
        for col in ("premise", "hypothesis"):
            en = langs["en"][col].strip()
            for lang, r in langs.items():
                if lang != "en" and r[col].strip():
                    out[en][lang] = r[col].strip()
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--xnli", type=Path, default=SHARED / "nli" / "xnli_dev_15lang.tsv")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--per-lang", type=int, default=1200)
    ap.add_argument("--dev", type=int, default=300, help="held-out English sentences per language (dev/)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    par = parallel_sentences(args.xnli)
    langs = sorted({lang for tr in par.values() for lang in tr})
    args.out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    everything = sorted(par)
    dev_english = set(rng.sample(everything, min(len(everything), 2 * args.dev)))  # never trained on, any language
    (args.out / "dev").mkdir(exist_ok=True)
    for lang in langs:
        usable = sorted(en for en, tr in par.items() if lang in tr and "\t" not in en + tr[lang])
        train = [en for en in usable if en not in dev_english]
        dev = [en for en in usable if en in dev_english]
        for path, chosen in ((args.out / f"xnli-dev-eng-{lang}.tsv", sorted(rng.sample(train, min(args.per_lang, len(train))))),
                             (args.out / "dev" / f"xnli-dev-eng-{lang}.tsv", sorted(rng.sample(dev, min(args.dev, len(dev)))))):
            path.write_text("".join(f"{en}\t{par[en][lang]}\n" for en in chosen), encoding="utf-8")
            print(f"{path}\t{len(chosen)}")


if __name__ == "__main__":
    main()
