"""Answers in other languages, on the project-written held-out groups (data/reranker_written/heldout.jsonl).

    python eval/eval_written.py [--reranker DIR] [--blend 0.3] [--encoder optical]

Each group is one paper's six sentences (the first answers the question) in English, Swahili, French and Portuguese,
with its question in English and Swahili; written for the project, never trained on (the training groups are other
files and other fields: data/reranker_written/README.md). Scores are read as a question run reads them: the
reranker's logit + `--blend` x the sentence's relevance z (synth.judge.answering.score_candidates). Per reading
(question language -> sentence language) it prints:

- answer first: the answer ranks first among the group's six sentences, all in that language;
- gap: how far the answer in that language scores below the same answer read in English with the English question
  (median, 75th percentile): what decides whether its paper is kept beside an English one
  (synth.judge.answering.PAPER_MARGIN, LANG_ALLOWANCE);
- beats English non-answers: the answer in that language scores above all five non-answers of the same paper in
  English (with the same question), i.e. the reranker prefers an answer in another language over a same-language
  sentence that does not answer.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from synth.train.reranker.data import WRITTEN, read_written  # noqa: E402

HELDOUT = WRITTEN / "heldout.jsonl"
READINGS = (("en", "en"), ("en", "sw"), ("en", "fr"), ("en", "pt"), ("sw", "en"), ("sw", "sw"))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--file", type=Path, default=HELDOUT)
    ap.add_argument("--reranker", type=Path, default=None, help="a reranker artefact (default: the shipped one)")
    ap.add_argument("--encoder", default="optical")
    ap.add_argument("--blend", type=float, default=None, help="default: synth.judge.answering.BLEND")
    args = ap.parse_args(argv)

    from synth.config import Settings
    from synth.index.encoders.load import load_encoder
    from synth.judge import rerank
    from synth.judge.answering import BLEND
    from synth.judge.relevance import PROBES, null_z

    blend = BLEND if args.blend is None else args.blend
    settings = Settings.from_env()
    encoder = load_encoder(args.encoder, settings)
    reranker = rerank.load(settings, args.reranker)
    probes = encoder.encode(list(PROBES), "query")
    groups = read_written(args.file)

    def score(question: str, sentences: list[str]) -> np.ndarray:
        logits = reranker.scores(question, sentences)
        if not blend:
            return logits
        q = encoder.encode([question], "query")[0]
        vecs = encoder.encode(sentences, "passage")
        return logits + blend * null_z(vecs @ q, vecs @ probes.T)

    first: dict[tuple[str, str], list[bool]] = {r: [] for r in READINGS}
    gaps: dict[tuple[str, str], list[float]] = {r: [] for r in READINGS}
    beats: dict[tuple[str, str], list[bool]] = {r: [] for r in READINGS}
    for g in groups:
        scored: dict[tuple[str, str], np.ndarray] = {}  # each reading of the group scored once

        def reading(ql: str, sl: str) -> np.ndarray | None:
            question, sentences = g["question"].get(ql), [s.get(sl) for s in g["sentences"]]
            if not question or not all(sentences):
                return None
            if (ql, sl) not in scored:
                scored[(ql, sl)] = score(question, sentences)
            return scored[(ql, sl)]

        reference = reading("en", "en")
        for ql, sl in READINGS:
            mine = reading(ql, sl)
            if mine is None:
                continue
            first[(ql, sl)].append(bool(mine[0] > mine[1:].max()))
            gaps[(ql, sl)].append(float(reference[0] - mine[0]))
            beats[(ql, sl)].append(bool(mine[0] > reading(ql, "en")[1:].max()))  # English non-answers, same question
    print(f"{args.file.name}: {len(groups)} groups; reranker {reranker.id}; blend {blend}")
    print("| question -> sentences | groups | answer first | gap to English, median / 75th pct | beats English non-answers |")
    print("|---|---|---|---|---|")
    for r in READINGS:
        if not first[r]:
            continue
        gap = np.asarray(gaps[r])
        print(f"| {r[0]} -> {r[1]} | {len(first[r])} | {np.mean(first[r]):.2f} | {np.median(gap):.2f} / "
              f"{np.percentile(gap, 75):.2f} | {np.mean(beats[r]):.2f} |")  # fmt: skip


if __name__ == "__main__":
    main()
