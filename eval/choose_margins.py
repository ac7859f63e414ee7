"""Choose the question run's paper margin (synth.judge.answering.PAPER_MARGIN) on the reranker's dev documents.

    python eval/choose_margins.py [--docs 10] [--per-doc 20] [--blend B]
    python eval/choose_margins.py --parallel 40 --docs 5 --per-doc 12 [--blend B]   # several languages answer

Dev documents (synth.train.reranker.data: index % 10 == 1) were neither trained on nor are test documents. Each dev
question is asked of a small corpus: its own document and `--docs - 1` other dev documents of the same source (for
COVID-QA: other COVID papers, i.e. papers on the topic that do not answer the question). Each document offers its
`--per-doc` sentences nearest the question (the encoder's cosine, as a run's most relevant passages do); they are
scored as a run scores them (the reranker's logit + `--blend` x the sentence's relevance z); a document's score is
its best sentence's. For margins m it prints how often the answering document is kept (its score within m of the
best document's) and how many other documents are kept, per source. `--parallel` asks XQuAD-R dev questions of
their article in several languages (all of them answer) among other articles.

Measured with the shipped reranker, COVID-QA (`--questions 20 --docs 6 --per-doc 12 --sources covid-qa`):
- `--blend 0`: answering document first 0.80; margin 1.5 keeps it for 0.95 (0.60 other documents of 5 kept), 2.0
  for 1.00 (0.80), 2.5 for 1.00 (1.00), 3.0 for 1.00 (1.20).
- `--blend 0.3` (shipped BLEND): first 0.85; margin 2.0 keeps it for 0.95 (0.40 of 5), 2.5 for 1.00 (0.60), 3.0
  for 1.00 (0.90). Shipped: 2.5, the smallest margin keeping every answering document.
- `--parallel 40 --docs 5 --per-doc 12 --blend 0.3`: the article in the question's language is kept at margin 2.5
  always, the same article in another language (3 per question) for only 0.33 of them (0.46 at 4.0, 0.56 at 5.0;
  other articles kept 0.01 / 0.05 / 0.11): those versions lie a median 4.4 below the best (75th percentile 6.5).
  The reranker reads other languages much less well than its own: a margin cannot keep those papers without keeping
  papers that do not answer, which is why the reranker stays opt-in (README).
- Two continuations of the reranker with XQuAD-R groups over two languages (`scripts/train_reranker.py --init
  synth/artifacts/reranker --groups 800 --mixed 800 --seed 14`, 400 steps), same command with `--reranker DIR`:
  with the answer always in the other language, the other-language versions were kept 0.57 at 2.5 but the
  question's own 0.82 (other articles 0.09); with the answer in either language (what `--mixed` does now), 0.46 and
  0.95 (0.04), COVID-QA answering document kept 0.95 at 2.5 (0.65 others). Held out (`eval/eval_reranker.py
  --per-group 12`) it ranked as the shipped one (rank 1 macro 0.686 vs 0.681, within 5 0.902 vs 0.912); on the
  synthesis benchmark (`SYNTH_RERANK=1`) paper recall 0.679 as before, precision 0.731 vs 0.633, key facts 0.660
  vs 0.679. Not shipped: a small, mixed gain.
- `--paragraphs 60 --versions 3 --per-doc 12 --blend 0.3`: each paragraph of a dev article is a document, the
  answering one in 3 languages and the article's others (on the topic, not answering) in random languages. At margin
  2.5 the answering paragraph in the question's language is kept always, in other languages 0.25; the others 0.04
  (same language) and 0.03 (other languages). An allowance x for documents in another language than the question's
  keeps, for x = 1 / 2 / 3 / 4: answering 0.39 / 0.50 / 0.64 / 0.76, not answering 0.05 / 0.08 / 0.13 / 0.21.
  LANG_ALLOWANCE 3.0 was shipped then: the largest keeping at most 0.15 of the on-topic papers that do not answer.
- The reranker distilled across languages (shipped now, `scripts/train_reranker.py --distill`; the figures above are
  of the one before it): `--parallel` as above, other-language versions a median 2.86 below the best (75th
  percentile 4.65), kept 0.47 at margin 2.5 (other articles 0.03); `--paragraphs` as above at margin 2.5, x = 0 / 1
  / 2 / 3: answering in other languages 0.42 / 0.58 / 0.72 / 0.81, not answering 0.05 / 0.07 / 0.11 / 0.21, so by
  the same rule LANG_ALLOWANCE 2.0; the answering paragraph in the question's language kept 0.98. Default sources
  (`--blend 0.3`, 60 questions each): COVID-QA answering document first 0.83 (0.88 before), kept at 2.5 0.95 (1.00),
  0.95 others of 9 (0.98); MLQA-dev-R kept at 2.5 0.98 (1.00), 0.42 others (0.37).
(An earlier run, `--questions 12 --blend 0`, chose the margin 2.0 shipped before BLEND.)
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "qadata"
MARGINS = (0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--qadata", type=Path, default=SHARED)
    ap.add_argument("--docs", type=int, default=10)
    ap.add_argument("--per-doc", type=int, default=20)
    ap.add_argument("--questions", type=int, default=60, help="per source")
    ap.add_argument("--encoder", default="optical")
    ap.add_argument("--reranker", type=Path, default=None)
    ap.add_argument("--sources", default="covid-qa,mlqa-r", help="comma-separated sources to measure")
    ap.add_argument("--parallel", type=int, default=0, help="N XQuAD-R dev questions against the article in several "
                    "languages (only this measure)")  # fmt: skip
    ap.add_argument("--blend", type=float, default=0.0, help="judge.answering.BLEND: weight of the relevance z")
    ap.add_argument("--versions", type=int, default=4, help="--parallel: languages the answering article is in")
    ap.add_argument("--paragraphs", type=int, default=0, help="N XQuAD-R dev questions against paragraphs of their "
                    "article in several languages: the answering one and the others, on the topic (only this measure)")
    args = ap.parse_args(argv)

    from synth.config import Settings
    from synth.index.encoders.load import load_encoder
    from synth.judge import rerank
    from synth.judge.relevance import PROBES
    from synth.train.reranker.data import all_items

    settings = Settings.from_env()
    encoder = load_encoder(args.encoder, settings)
    reranker = rerank.load(settings, args.reranker)
    probes = encoder.encode(list(PROBES), "query")  # judge.relevance's unrelated questions, encoded once
    if args.parallel:
        return parallel(args, encoder, reranker, probes)
    if args.paragraphs:
        return paragraphs(args, encoder, reranker, probes)
    by_source = defaultdict(list)
    for it in all_items(args.qadata):
        if it.dev and it.qlang == it.slang and it.source in args.sources.split(","):
            by_source[it.source].append(it)
    rng = random.Random(11)
    for source, items in sorted(by_source.items()):
        docs = {it.doc: it.sentences for it in items}
        if len(docs) < 2:
            continue
        gaps, others_kept = [], defaultdict(list)
        vectors: dict[str, np.ndarray] = {}  # each document's sentences encoded once
        for it in rng.sample(items, min(args.questions, len(items))):
            other_docs = rng.sample([d for d in docs if d != it.doc], min(args.docs - 1, len(docs) - 1))
            best = {}
            for doc in [it.doc, *other_docs]:
                sents = docs[doc]
                if doc not in vectors:
                    vectors[doc] = encoder.encode(sents, "passage")
                best[doc] = doc_score(encoder, reranker, it.question, sents, vectors[doc], args, probes)
            top_score = max(best.values())
            gaps.append(top_score - best[it.doc])
            for m in MARGINS:
                others_kept[m].append(sum(best[d] >= top_score - m for d in other_docs))
        gaps_a = np.asarray(gaps)
        print(f"{source}: {len(gaps)} questions, {len(docs)} dev documents; answering document first "
              f"{(gaps_a == 0).mean():.2f}")  # fmt: skip
        for m in MARGINS:
            print(f"  margin {m:.1f}: answering document kept {(gaps_a <= m).mean():.2f}, "
                  f"other documents kept {np.mean(others_kept[m]):.2f} of {args.docs - 1}")  # fmt: skip


def doc_score(encoder: Any, reranker: Any, question: str, sents: list[str], vectors: np.ndarray,
              args: argparse.Namespace, probes: np.ndarray) -> float:  # fmt: skip
    """A document's best answer score over its `--per-doc` sentences nearest the question (the encoder's cosine):
    the reranker's logit + `--blend` x the sentence's relevance z (judge.answering.score_candidates)."""
    from synth.judge.relevance import null_z

    q = encoder.encode([question], "query")[0]
    cos = vectors @ q
    top = np.argsort(-cos)[: args.per_doc]
    z = null_z(cos, vectors @ probes.T)[top]
    return float(np.max(reranker.scores(question, [sents[i] for i in top]) + args.blend * z))


def parallel(args: argparse.Namespace, encoder: Any, reranker: Any, probes: np.ndarray) -> None:
    """Questions several documents answer in different languages: an XQuAD-R dev question (in one of its 11
    languages) against its article in `--versions` languages (its own and others) and `--docs - 1` other dev
    articles in random languages. Prints, per margin, how many answering versions in the question's language and
    in other languages are kept, and how many other articles."""
    from synth.train.reranker.data import XQUAD_EVAL_ONLY_LANGS, XQUAD_TRAIN_LANGS, _dev, _lareqa

    langs = XQUAD_TRAIN_LANGS + XQUAD_EVAL_ONLY_LANGS
    arts = {lang: _lareqa(args.qadata / "lareqa" / "xquad-r" / f"{lang}.json") for lang in langs}
    dev = [a for a in range(len(arts["en"])) if _dev(a)]
    rng = random.Random(11)
    vectors: dict[tuple[int, str], np.ndarray] = {}
    same, cross, other = [], [], []
    for _ in range(args.parallel):
        a, ql = rng.choice(dev), rng.choice(langs)
        qid = rng.choice(sorted(arts[ql][a]["qas"]))
        question = arts[ql][a]["qas"][qid][0]
        versions = [ql, *rng.sample([lang for lang in langs if lang != ql], args.versions - 1)]
        others = [(b, rng.choice(langs)) for b in rng.sample([b for b in dev if b != a], min(args.docs - 1, len(dev) - 1))]
        best = {}
        for doc in [(a, lang) for lang in versions] + others:
            sents = arts[doc[1]][doc[0]]["sentences"]
            if doc not in vectors:
                vectors[doc] = encoder.encode(sents, "passage")
            best[doc] = doc_score(encoder, reranker, question, sents, vectors[doc], args, probes)
        top = max(best.values())
        same.append(top - best[(a, ql)])
        cross.extend(top - best[(a, lang)] for lang in versions[1:])
        other.extend(top - best[d] for d in others)
    same_a, cross_a, other_a = map(np.asarray, (same, cross, other))
    print(f"xquad-r parallel: {len(same)} questions, {len(dev)} dev articles, {args.versions} versions each")
    for m in MARGINS:
        print(f"  margin {m:.1f}: same-language version kept {(same_a <= m).mean():.2f}, other-language versions "
              f"{(cross_a <= m).mean():.2f}, other articles {(other_a <= m).mean():.2f}")  # fmt: skip
    print("  gap to the best document, 50th/75th/90th percentiles: same-language " + " ".join(f"{x:.2f}" for x in np.percentile(same_a, [50, 75, 90])) +
          "; other-language " + " ".join(f"{x:.2f}" for x in np.percentile(cross_a, [50, 75, 90])))  # fmt: skip


ALLOWANCES = (0.0, 1.0, 2.0, 3.0, 4.0)


def paragraphs(args: argparse.Namespace, encoder: Any, reranker: Any, probes: np.ndarray) -> None:
    """Papers on one topic in several languages, some answering and some not: each paragraph of an XQuAD-R dev
    article (in a language) is a document. A question (in one of the 11 languages) is asked of its own paragraph in
    `--versions` languages (its own and others: all answer) and of the article's other paragraphs, each in a random
    language (on the topic, not answering). For a margin m and an allowance x added to the margin of documents in
    another language than the question's, it prints how many answering and other documents are kept, in the
    question's language and in others."""
    import json

    from synth.train.reranker.data import XQUAD_EVAL_ONLY_LANGS, XQUAD_TRAIN_LANGS, _dev

    langs = XQUAD_TRAIN_LANGS + XQUAD_EVAL_ONLY_LANGS
    raw = {lang: json.loads((args.qadata / "lareqa" / "xquad-r" / f"{lang}.json").read_text(encoding="utf-8"))["data"]
           for lang in langs}  # fmt: skip
    dev = [a for a in range(len(raw["en"])) if _dev(a)]
    rng = random.Random(11)
    vectors: dict[tuple[int, int, str], np.ndarray] = {}
    rows: list[tuple[bool, bool, float]] = []  # (answers, same language as the question, gap to the best)
    for _ in range(args.paragraphs):
        a, ql = rng.choice(dev), rng.choice(langs)
        paras = raw[ql][a]["paragraphs"]
        p = rng.randrange(len(paras))
        if not paras[p]["qas"]:
            continue
        question = rng.choice(paras[p]["qas"])["question"]
        versions = [ql, *rng.sample([lang for lang in langs if lang != ql], args.versions - 1)]
        docs = [(a, p, lang, True) for lang in versions]
        docs += [(a, o, rng.choice(langs), False) for o in range(len(paras)) if o != p]
        best = {}
        for doc in docs:
            sents = raw[doc[2]][a]["paragraphs"][doc[1]]["sentences"]
            if doc[:3] not in vectors:
                vectors[doc[:3]] = encoder.encode(sents, "passage")
            best[doc] = doc_score(encoder, reranker, question, sents, vectors[doc[:3]], args, probes)
        top = max(best.values())
        rows.extend((doc[3], doc[2] == ql, top - score) for doc, score in best.items())
    print(f"xquad-r paragraphs: {args.paragraphs} questions, {len(dev)} dev articles, {args.versions} versions of the "
          "answering paragraph, the article's other paragraphs in random languages")  # fmt: skip
    for m in (1.5, 2.0, 2.5, 3.0):
        for x in ALLOWANCES:
            kept = defaultdict(list)
            for answers, same, gap in rows:
                kept[(answers, same)].append(gap <= m + (0.0 if same else x))
            print(f"  margin {m:.1f}, other languages +{x:.1f}: answering kept, same / other language "
                  f"{np.mean(kept[(True, True)]):.2f} / {np.mean(kept[(True, False)]):.2f}; not answering kept "
                  f"{np.mean(kept[(False, True)]):.2f} / {np.mean(kept[(False, False)]):.2f}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
