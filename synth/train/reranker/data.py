"""Question -> answer-sentence data for the reranker, read from ../shared/qadata (see its README for licences).

Every source becomes `Item`s: a question, the candidate sentences of its document (a SQuAD article, a COVID-QA
paper, an AfriQA passage) in one language, and the index of the sentence holding the answer. Splits are fixed by
document, never by question, so a held-out item's document was never read in training:

- XQuAD-R (11 languages, parallel): articles with index % 5 == 0 are held out; el, th and tr are never trained on
  (evaluation languages); a training question is paired with the same article's sentences in another language
  half of the time (cross-lingual pairs).
- MLQA-dev-R (7 languages): articles with index % 5 == 0 held out.
- COVID-QA (98 whole papers, en): papers with index % 5 == 0 held out; the other sentences of the paper are the
  hard negatives.
- PIAF (fr): articles with index % 5 == 0 held out.
- AfriQA (questions in an African language, English passages): the train split of hau, ibo, zul, kin, twi, bem is
  trained on; hau dev/test, swa test and yor (never trained) are evaluation.

Of the other documents, those with index % 10 == 1 are `dev`: not trained on either, kept for choosing the question
run's thresholds (synth.judge.relevance), so those are not chosen on the test documents.

Sentences are cut by the product's own splitter (synth.ingest.passages.sentence_spans), so training sees the
sentences a question run will score; XQuAD-R/MLQA-dev-R use their own sentence breaks (the answer sentence is
theirs).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from ...ingest.passages import sentence_spans

XQUAD_TRAIN_LANGS = ("en", "de", "es", "ar", "zh", "ru", "vi", "hi")
XQUAD_EVAL_ONLY_LANGS = ("el", "th", "tr")
MLQA_LANGS = ("en", "de", "es", "ar", "hi", "vi", "zh")
AFRIQA_TRAIN_LANGS = ("hau", "ibo", "zul", "kin", "twi", "bem")
HELD_OUT_EVERY = 5  # document index % 5 == 0: held out (test)
DEV_EVERY = 10  # document index % 10 == 1: not trained on, for choosing the question run's thresholds (dev)


@dataclass
class Item:
    """One question with its document's candidate sentences; `answer` indexes the answer sentence."""

    source: str
    doc: str
    question: str
    qlang: str
    slang: str
    sentences: list[str]
    answer: int
    held_out: bool
    dev: bool = False  # not trained on, not test: where the question run's thresholds are chosen


def _held(index: int) -> bool:
    return index % HELD_OUT_EVERY == 0


def _dev(index: int) -> bool:
    return index % DEV_EVERY == 1


def _sentences_with_answer(context: str, start: int) -> tuple[list[str], int] | None:
    """The context cut into sentences (product splitter) and the index of the one holding offset `start`."""
    spans = sentence_spans(context)
    for i, (s, e) in enumerate(spans):
        if s <= start < e:
            return [context[a:b].strip() for a, b in spans], i
    return None


def _lareqa(path: Path) -> list[dict]:
    """A LAReQA file as a list of articles, each a list of (sentences, {qa id: (question, sentence index)})."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    articles = []
    for art in doc["data"]:
        sents: list[str] = []
        qas: dict[str, tuple[str, int]] = {}
        for para in art["paragraphs"]:
            base = len(sents)
            breaks = para["sentence_breaks"]
            sents.extend(para["sentences"])
            for qa in para["qas"]:
                start = qa["answers"][0]["answer_start"]
                idx = next((i for i, (s, e) in enumerate(breaks) if s <= start <= e), None)
                if idx is not None:
                    qas[qa["id"]] = (qa["question"], base + idx)
        articles.append({"sentences": sents, "qas": qas})
    return articles


def xquad_items(root: Path, rng: random.Random) -> Iterator[Item]:
    """XQuAD-R: each question in each language, against the same article's sentences in its own language and (for
    training, half of the time; for evaluation, always English as well) in another."""
    langs = XQUAD_TRAIN_LANGS + XQUAD_EVAL_ONLY_LANGS
    arts = {lang: _lareqa(root / "lareqa" / "xquad-r" / f"{lang}.json") for lang in langs}
    for a in range(len(arts["en"])):
        held = _held(a)
        for ql in langs:
            if not held and ql in XQUAD_EVAL_ONLY_LANGS:
                continue
            for qid, (question, _) in arts[ql][a]["qas"].items():
                targets = [ql]
                if held:
                    targets = list(dict.fromkeys([ql, "en"]))
                elif rng.random() < 0.5:
                    targets = [rng.choice([t for t in XQUAD_TRAIN_LANGS if t != ql])]
                for sl in targets:
                    art = arts[sl][a]
                    if qid in art["qas"]:
                        yield Item("xquad-r", f"xquad-{a}", question, ql, sl, art["sentences"], art["qas"][qid][1], held,
                                   _dev(a))


def mlqa_items(root: Path) -> Iterator[Item]:
    """MLQA-dev-R: each language's questions against their article's sentences in that language."""
    for lang in MLQA_LANGS:
        for a, art in enumerate(_lareqa(root / "lareqa" / "mlqa-dev-r" / f"{lang}.json")):
            for question, idx in art["qas"].values():
                yield Item("mlqa-r", f"mlqa-{lang}-{a}", question, lang, lang, art["sentences"], idx, _held(a), _dev(a))


def squad_items(path: Path, source: str, lang: str, strip: bool = False) -> Iterator[Item]:
    """A SQuAD-format file (COVID-QA, PIAF): each question against its whole document's sentences (all paragraphs
    of the article), the answer sentence found by the answer's offset."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    for a, art in enumerate(doc["data"]):
        cut = []
        for para in art["paragraphs"]:
            ctx = para["context"]
            for qa in para["qas"]:
                if not qa.get("answers"):
                    continue
                ans = qa["answers"][0]
                start = ans["answer_start"]
                if strip:  # COVID-QA: some offsets point at the whitespace before the answer
                    start += len(ans["text"]) - len(ans["text"].lstrip())
                    while start < len(ctx) and ctx[start].isspace():
                        start += 1
                found = _sentences_with_answer(ctx, start)
                if found:
                    cut.append((qa["question"], found))
        for question, (sents, idx) in cut:
            yield Item(source, f"{source}-{a}", question, lang, lang, sents, idx, _held(a), _dev(a))


def afriqa_items(root: Path) -> Iterator[Item]:
    """AfriQA: a question in an African language against its English (or French) gold passage's sentences; the
    train split of AFRIQA_TRAIN_LANGS is training data, everything else evaluation."""
    base = root / "afriqa" / "data" / "gold_passages"
    for folder in sorted(base.iterdir()):
        lang = folder.name
        for f in sorted(folder.glob("*.json")):
            split = f.name.rsplit(".", 2)[-2]
            train = lang in AFRIQA_TRAIN_LANGS and split == "train"
            if lang in AFRIQA_TRAIN_LANGS and split != "train" and lang != "hau":
                continue  # evaluation keeps hau's dev/test and the never-trained languages
            slang = f.name.split(".")[3]
            for n, line in enumerate(f.read_text(encoding="utf-8").splitlines()):
                if not line.strip():
                    continue
                row = json.loads(line)
                starts = row.get("answer_pivot", {}).get("answer_start") or []
                ctx = row.get("context") or ""
                found = _sentences_with_answer(ctx, starts[0]) if starts else None
                if found and len(found[0]) >= 2:
                    yield Item("afriqa", f"afriqa-{lang}-{split}-{n}", row["question_lang"], lang, slang,
                               found[0], found[1], not train)  # fmt: skip


def all_items(root: Path, seed: int = 13) -> list[Item]:
    """Every item of every source, in a fixed order (the XQuAD-R cross-lingual targets drawn with `seed`)."""
    rng = random.Random(seed)
    qa = root
    items = list(xquad_items(qa, rng))
    items += mlqa_items(qa)
    items += squad_items(qa / "covidqa" / "200423_covidQA.json", "covid-qa", "en", strip=True)
    items += squad_items(qa / "piaf" / "piaf-v1.0.json", "piaf", "fr")
    items += afriqa_items(qa)
    return items


# how many training groups each source gives at most (COVID-QA's long papers are the real-paper case)
MIX = {"xquad-r": 4000, "mlqa-r": 1500, "covid-qa": 2500, "piaf": 1500, "afriqa": 1500}


def training_groups(items: list[Item], negatives: int = 7, hard: int = 5, seed: int = 13,
                    mix: dict[str, int] | None = None) -> list[dict]:  # fmt: skip
    """Listwise training groups: the question, its answer sentence first, then `hard` other sentences of the same
    document and the rest drawn from other documents of the same source (easy negatives), `negatives` in all."""
    rng = random.Random(seed)
    mix = mix or MIX
    train = [it for it in items if not it.held_out and not it.dev]
    by_source: dict[str, list[Item]] = {}
    for it in train:
        by_source.setdefault(it.source, []).append(it)
    groups = []
    for source, pool in sorted(by_source.items()):
        chosen = rng.sample(pool, min(len(pool), mix.get(source, 0)))
        for it in chosen:
            others = [s for i, s in enumerate(it.sentences) if i != it.answer and s != it.sentences[it.answer]]
            negs = rng.sample(others, min(hard, len(others)))
            while len(negs) < negatives:
                other = rng.choice(pool)
                if other.doc != it.doc:
                    negs.append(rng.choice(other.sentences))
            groups.append({"question": it.question, "candidates": [it.sentences[it.answer]] + negs,
                           "source": source, "qlang": it.qlang, "slang": it.slang})  # fmt: skip
    rng.shuffle(groups)
    return groups


def _training_draws(root: Path, seed: int, tries: int) -> Iterator[tuple[random.Random, dict, int, str, str]]:
    """Random draws of an XQuAD-R training article (never test or dev) and two training languages, the question's
    and another: (rng, articles by language, article index, question language, other language)."""
    rng = random.Random(seed)
    arts = {lang: _lareqa(root / "lareqa" / "xquad-r" / f"{lang}.json") for lang in XQUAD_TRAIN_LANGS}
    train = [a for a in range(len(arts["en"])) if not _held(a) and not _dev(a)]
    for _ in range(tries):
        a = rng.choice(train)
        ql, ol = rng.sample(XQUAD_TRAIN_LANGS, 2)
        yield rng, arts, a, ql, ol


def mixed_language_groups(root: Path, n: int, negatives: int = 5, own: int = 3, seed: int = 17) -> list[dict]:
    """Listwise groups over two languages, so that the language of a sentence is no cue to its answering: an
    XQuAD-R training question (in one of XQUAD_TRAIN_LANGS), its answer sentence first (in the question's language
    or in the other one, at random), then `own` other sentences of the same article in the question's language and
    the rest from the article in the other language, none of them the answer in either language. Test and dev
    articles are never drawn (the splits of `xquad_items`)."""
    groups: list[dict] = []
    for rng, arts, a, ql, ol in _training_draws(root, seed, 50 * n):
        if len(groups) >= n:
            break
        shared = sorted(set(arts[ql][a]["qas"]) & set(arts[ol][a]["qas"]))
        if not shared:
            continue
        qid = rng.choice(shared)
        question = arts[ql][a]["qas"][qid][0]
        mine = [t for i, t in enumerate(arts[ql][a]["sentences"]) if i != arts[ql][a]["qas"][qid][1]]
        theirs = [t for i, t in enumerate(arts[ol][a]["sentences"]) if i != arts[ol][a]["qas"][qid][1]]
        if len(mine) < own or len(theirs) < negatives - own:
            continue
        al = rng.choice([ql, ol])
        answer = arts[al][a]["sentences"][arts[al][a]["qas"][qid][1]]
        negs = rng.sample(mine, own) + rng.sample(theirs, negatives - own)
        groups.append({"question": question, "candidates": [answer] + negs, "source": "xquad-r-mixed",
                       "qlang": ql, "slang": al, "other": ol})  # fmt: skip
    return groups


def parallel_groups(root: Path, n: int, width: int = 6, seed: int = 19) -> list[dict]:
    """Groups read twice, for distilling the reranker's same-language reading into its cross-language one: an XQuAD-R
    training question in one language (`qlang`), its answer sentence and `width` - 1 other answer sentences of the
    same article (of other questions, so aligned across languages by their question ids; the nearest ones to the
    answer first, the rest at random), once in the question's language (`own`) and once, sentence for sentence, in
    another training language (`other`). The answer comes first in both. Test and dev articles are never drawn (the
    splits of `xquad_items`)."""
    groups: list[dict] = []
    for rng, arts, a, ql, ol in _training_draws(root, seed, 50 * n):
        if len(groups) >= n:
            break
        mine, theirs = arts[ql][a], arts[ol][a]
        aligned: dict[int, int] = {}  # sentence index in ql -> in ol, over the questions both languages have
        for qid in sorted(set(mine["qas"]) & set(theirs["qas"])):
            aligned.setdefault(mine["qas"][qid][1], theirs["qas"][qid][1])
        if len(aligned) < width or len(set(aligned.values())) < len(aligned):
            continue
        qid = rng.choice(sorted(set(mine["qas"]) & set(theirs["qas"])))
        question, answer = mine["qas"][qid]
        near = sorted((i for i in aligned if i != answer), key=lambda i: (abs(i - answer), i))
        hard = near[: (width - 1) // 2 + 1]  # the nearest aligned sentences (the answer's paragraph), then any
        rest = hard + rng.sample(near[len(hard):], width - 1 - len(hard))
        order = [answer] + rest
        groups.append({"question": question, "own": [mine["sentences"][i] for i in order],
                       "other": [theirs["sentences"][aligned[i]] for i in order], "source": "xquad-r-parallel",
                       "qlang": ql, "olang": ol})  # fmt: skip
    return groups


WRITTEN = Path(__file__).resolve().parents[3] / "data" / "reranker_written"  # project-written groups (README there)
WRITTEN_LANGS = ("sw", "fr", "pt")  # the languages the written answer sentences are translated into


def read_written(path: Path) -> list[dict]:
    """A file of project-written groups (JSON Lines): a question in English and Swahili and six sentences of one
    paper in English, Swahili, French and Portuguese, the first one answering the question."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for r in rows:
        if not r.get("sentences") or any("en" not in s for s in r["sentences"]) or "en" not in r.get("question", {}):
            raise ValueError(f"{path.name}: group {r.get('id')} lacks its English question or sentences")
    return rows


def written_groups(folder: Path = WRITTEN, pattern: str = "train-*.jsonl") -> list[dict]:
    """Project-written groups for distillation, read like `parallel_groups`: the English question and sentences are
    the own reading; each translation of the sentences (WRITTEN_LANGS) is read with the English question, and the
    English sentences with the Swahili question (`views`: question, sentences, question and sentence language)."""
    groups = []
    for path in sorted(folder.glob(pattern)):
        for r in read_written(path):
            own = [s["en"] for s in r["sentences"]]
            views = [(r["question"]["en"], [s[lang] for s in r["sentences"]], "en", lang)
                     for lang in WRITTEN_LANGS if all(s.get(lang) for s in r["sentences"])]  # fmt: skip
            if r["question"].get("sw"):
                views.append((r["question"]["sw"], own, "sw", "en"))
            groups.append({"question": r["question"]["en"], "own": own, "views": views, "source": "written-parallel",
                           "qlang": "en", "id": r.get("id")})  # fmt: skip
    return groups
