"""Rebuild the shipped verifier (synth/artifacts/verifier/) from NLI, SciFact train, our field set and generated pairs.

    python scripts/train_verifier.py --shared ../shared --work ~/.cache/synth/verifier-train

Stages (each resumable; rerunning skips finished work): `pairs` (assemble labelled pairs), `encode` (frozen
e5-small sentence + token vectors of every unique text, cached in chunks under --work), `features`, `fit` (the
stance MLP and the token-interaction head, out of fold, then the stance mixture, the claim-level aggregator and
its calibration; writes the artefact). XNLI test and SciFact dev are never read here. On 2 CPU cores: encode
≈ 7 min (68k texts), features ≈ 1 min, fit ≈ 25 min. Uses a GPU when torch sees one.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Callable

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # synth and eval/ from this source checkout

from eval.common import BITEXT, FIELD, NLI_LABEL, ROOT, SHARED, field_sets, load_encoder, load_field  # noqa: E402
from eval.scifact import SCIFACT_LABEL, evidence_sets, with_gold_evidence  # noqa: E402
from synth.config import BASE_ENCODER  # noqa: E402

LABEL_OF = NLI_LABEL | SCIFACT_LABEL  # dataset label names -> index in synth.judge.verifier.LABELS
XNLI_FULL = ("en", "de", "fr", "sw", "es", "ar", "ru", "zh", "bg", "el", "hi", "th", "tr", "ur", "vi")
XNLI_PART: tuple[str, ...] = ()
XNLI_CROSS = ("de", "fr", "sw", "es", "ar", "ru", "zh", "hi", "ur", "tr")  # foreign sides of cross-lingual pairs


def log(*args: object) -> None:
    print(time.strftime("%H:%M:%S"), *args, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------- pairs
def nli_pairs(shared: Path, rng: random.Random, per_part: int = 150, n_snli: int = 19666, n_rows: int = 2490) -> list[dict]:
    """XNLI dev (monolingual in 15 languages, and cross-lingual via the translated rows) + SNLI + RTE entailment."""
    rows = list(csv.DictReader(open(shared / "nli" / "xnli_dev_15lang.tsv", encoding="utf-8"), delimiter="\t", quoting=csv.QUOTE_NONE))
    by_row: dict[str, dict[str, dict]] = defaultdict(dict)
    for r in rows:
        by_row[r["row"]][r["language"]] = r
    ids = sorted(by_row, key=int)[:n_rows]  # the first n_rows rows (n_rows / 3 premises) of XNLI dev
    out: list[dict] = []

    def add(row: str, hyp_lang: str, prem_lang: str, source: str) -> None:
        h, p = by_row[row][hyp_lang], by_row[row][prem_lang]
        out.append(dict(claim=h["hypothesis"], evidence=p["premise"], label=LABEL_OF[h["label"]], source=source,
                        claim_lang=hyp_lang, evidence_lang=prem_lang, group=f"xnli{int(row) // 3}"))

    for lang in XNLI_FULL:
        for row in ids:
            add(row, lang, lang, "xnli")
    for lang in XNLI_PART:
        for row in rng.sample(ids, per_part):
            add(row, lang, lang, "xnli")
    # cross-lingual: English claim against foreign evidence and the reverse (texts already encoded above)
    for row in ids:
        add(row, "en", rng.choice(XNLI_CROSS), "xnli-x")
        add(row, rng.choice(XNLI_CROSS), "en", "xnli-x")
    snli = [r for r in csv.DictReader(open(shared / "nli" / "en_snli_rte.tsv", encoding="utf-8"), delimiter="\t")]
    picked = [r for r in snli if r["source"] == "snli"]
    picked = rng.sample(picked, min(n_snli, len(picked)))
    picked += [r for r in snli if r["source"] == "glue_rte" and r["label"] == "entailment"][:300]
    for r in picked:
        out.append(dict(claim=r["hypothesis"], evidence=r["premise"], label=LABEL_OF[r["label"]], source=r["source"],
                        claim_lang="en", evidence_lang="en", group=f"{r['source']}{r['row']}"))
    return out


def scifact_pairs(shared: Path, rng: random.Random) -> tuple[list[dict], list[str]]:
    """SciFact train: rationale sentences (and whole rationale sets) -> SUPPORTED/REFUTED; other sentences of the
    cited abstracts -> NOT_ENOUGH_INFO. Also returns corpus sentences for generated pairs."""
    corpus = {d["doc_id"]: d for d in map(json.loads, open(shared / "scifact" / "corpus.jsonl", encoding="utf-8"))}
    out: list[dict] = []
    sentences: list[str] = []
    from synth.judge.verifier.features import scalar_features

    def overlap(claim: str, sent: str) -> float:
        return scalar_features(claim, sent)[0]

    for c in map(json.loads, open(shared / "scifact" / "claims_train.jsonl", encoding="utf-8")):
        group = f"scifact{c['id']}"
        rationale: set[tuple[int, int]] = set()
        for doc, sets in c["evidence"].items():
            abstract = corpus[int(doc)]["abstract"]
            for s in sets:
                label = LABEL_OF[s["label"]]
                for i in s["sentences"]:
                    rationale.add((int(doc), i))
                    out.append(dict(claim=c["claim"], evidence=abstract[i], label=label, source="scifact",
                                    claim_lang="en", evidence_lang="en", group=group))
                if len(s["sentences"]) > 1:
                    out.append(dict(claim=c["claim"], evidence=" ".join(abstract[i] for i in s["sentences"]),
                                    label=label, source="scifact", claim_lang="en", evidence_lang="en", group=group))
        cands = []
        for doc in c["cited_doc_ids"]:
            if doc not in corpus:
                continue
            for i, sent in enumerate(corpus[doc]["abstract"]):
                if (doc, i) not in rationale:
                    cands.append((overlap(c["claim"], sent), sent))
        cands.sort(key=lambda x: -x[0])
        for _, sent in cands[:3]:
            out.append(dict(claim=c["claim"], evidence=sent, label=2, source="scifact", claim_lang="en",
                            evidence_lang="en", group=group))
        for doc in c["cited_doc_ids"]:
            if doc in corpus:
                sentences.extend(corpus[doc]["abstract"])
    return out, sentences


def generated_pairs(sentences: list[str], xnli_en_fr: list[tuple[str, dict[str, str]]], rng: random.Random,
                    n: int = 800) -> list[dict]:
    """Sentence -> itself/translation SUPPORTED, perturbed -> REFUTED, another sentence of the text -> NEI."""
    from synth.train.verifier.perturb import refute, respell_number

    out: list[dict] = []
    pool = [s for s in sentences if 40 < len(s) < 300]
    for i, s in enumerate(rng.sample(pool, min(n, len(pool)))):
        group = f"gen{i}"
        r = refute(s, [], rng)  # no names: random acronym swaps were noise
        if r is None:
            continue
        out.append(dict(claim=r[0], evidence=s, label=1, source=f"gen-{r[1]}", claim_lang="en", evidence_lang="en", group=group))
        # every perturbed sentence is also its own support, so high overlap alone never means "refuted"
        out.append(dict(claim=s, evidence=s, label=0, source="gen-same", claim_lang="en", evidence_lang="en", group=group))
        same, changed = respell_number(s, rng), respell_number(s, rng, change=True)
        if same and changed:  # "six" for "6" says the same; another number in words does not
            out.append(dict(claim=same, evidence=s, label=0, source="respell-same", claim_lang="en", evidence_lang="en", group=group))
            out.append(dict(claim=changed, evidence=s, label=1, source="respell-number", claim_lang="en", evidence_lang="en", group=group))
    # translations: the English premise is SUPPORTED by its translation, a perturbed one REFUTED by it
    for i, (en, trans) in enumerate(xnli_en_fr):
        group = f"genx{i}"
        lang = rng.choice(sorted(trans))
        out.append(dict(claim=en, evidence=trans[lang], label=0, source="genx-same", claim_lang="en", evidence_lang=lang, group=group))
        r = refute(en, [], rng)
        if r is not None:
            out.append(dict(claim=r[0], evidence=trans[lang], label=1, source=f"genx-{r[1]}", claim_lang="en",
                            evidence_lang=lang, group=group))
    return out


def translation_pairs(shared: Path, rng: random.Random, n: int = 2000) -> list[dict]:
    """XNLI dev premises across its 15 languages: an English premise and its translation support each other
    (either side as the claim); the English premise perturbed (or a small number respelled with another value)
    is refuted by the translation, and a respelled but equal number is still supported. Grouped with the NLI
    pairs of the same premise, so validation folds stay clean."""
    from synth.train.verifier.perturb import refute, respell_number

    rows = csv.DictReader(open(shared / "nli" / "xnli_dev_15lang.tsv", encoding="utf-8"), delimiter="\t", quoting=csv.QUOTE_NONE)
    by: dict[int, dict[str, str]] = defaultdict(dict)
    for r in rows:
        by[int(r["row"]) // 3][r["language"]] = r["premise"]
    out: list[dict] = []
    langs = [lang for lang in XNLI_FULL if lang != "en"]
    for g in rng.sample(sorted(by), min(n, len(by))):
        en, lang = by[g]["en"], rng.choice(langs)
        xx = by[g].get(lang)
        if not xx:
            continue
        group = f"xnli{g}"

        def add(claim: str, evidence: str, label: int, source: str, cl: str, el: str) -> None:
            out.append(dict(claim=claim, evidence=evidence, label=label, source=source, claim_lang=cl, evidence_lang=el, group=group))

        if rng.random() < 0.5:
            add(en, xx, 0, "trans-same", "en", lang)
        else:
            add(xx, en, 0, "trans-same", lang, "en")
        r = refute(en, [], rng)
        if r is not None:
            if rng.random() < 0.5:
                add(r[0], xx, 1, f"trans-{r[1]}", "en", lang)
            else:
                add(xx, r[0], 1, f"trans-{r[1]}", lang, "en")
        same, changed = respell_number(en, rng), respell_number(en, rng, change=True)
        if same and changed:
            add(same, en, 0, "respell-same", "en", "en")
            ev, el = rng.choice([(en, "en"), (xx, lang)])
            add(changed, ev, 1, "respell-number", "en", el)
    return out


def related_pairs(sentences: list[str], rng: random.Random, n: int = 1500) -> list[dict]:
    """A sentence against a neighbouring sentence of the same abstract (same topic, another statement):
    NOT_ENOUGH_INFO. Without these, the only scientific-sentence pairs are identical (SUPPORTED) or perturbed
    (REFUTED), and the heads learn that any in-domain difference refutes. The sentence perturbed (negated, a number
    or a direction changed) against its neighbour is NOT_ENOUGH_INFO too: a negation or a number that the other
    statement lacks only refutes when both state the same thing."""
    from synth.train.verifier.perturb import refute

    out: list[dict] = []
    ok = [i for i, s in enumerate(sentences) if 40 < len(s) < 300]
    for i in rng.sample(ok, min(n, len(ok))):
        j = i + rng.choice([-2, -1, 1, 2])
        if 0 <= j < len(sentences) and 40 < len(sentences[j]) < 400 and sentences[j] != sentences[i]:
            out.append(dict(claim=sentences[i], evidence=sentences[j], label=2, source="gen-related", claim_lang="en",
                            evidence_lang="en", group=f"genrel{i}"))
            r = refute(sentences[i], [], rng)
            if r is not None:
                out.append(dict(claim=r[0], evidence=sentences[j], label=2, source="gen-related-perturbed",
                                claim_lang="en", evidence_lang="en", group=f"genrel{i}"))
    return out


def bitext_pairs(folder: Path, rng: random.Random) -> list[dict]:
    """Our own field sentences with their de/fr/sw translations (data/bitext, MIT): a sentence and its translation
    support each other, the sentence perturbed (or its number respelled with another value) is refuted by the
    translation, and a neighbouring sentence of the same text (same topic, another statement) is not enough info."""
    from synth.train.verifier.perturb import refute, respell_number

    lang_of = {"deu": "de", "fra": "fr", "swa": "sw"}
    trans: dict[str, dict[str, str]] = defaultdict(dict)
    order: list[str] = []
    for f in sorted(folder.glob("field-eng-*.tsv")):
        lang = lang_of.get(f.stem.rsplit("-", 1)[-1], f.stem.rsplit("-", 1)[-1])
        for line in open(f, encoding="utf-8"):
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 2 and parts[0] and parts[1]:
                if parts[0] not in trans:
                    order.append(parts[0])
                trans[parts[0]][lang] = parts[1]
    out: list[dict] = []
    for i, en in enumerate(order):
        group = f"bitext{i}"
        lang = rng.choice(sorted(trans[en]))
        xx = trans[en][lang]

        def add(claim: str, evidence: str, label: int, source: str, cl: str, el: str) -> None:
            out.append(dict(claim=claim, evidence=evidence, label=label, source=source, claim_lang=cl, evidence_lang=el, group=group))

        add(en, xx, 0, "bitext-same", "en", lang)
        add(xx, en, 0, "bitext-same", lang, "en")
        r = refute(en, [], rng)
        if r is not None:
            add(r[0], xx, 1, f"bitext-{r[1]}", "en", lang)
            add(r[0], en, 1, f"bitext-{r[1]}", "en", "en")
        changed = respell_number(en, rng, change=True)
        if changed:
            add(changed, xx, 1, "bitext-respell", "en", lang)
        j = i + rng.choice([-2, -1, 1, 2])
        if 0 <= j < len(order) and order[j] != en:
            other = order[j]
            if rng.random() < 0.5:
                add(en, trans[other].get(lang, other), 2, "bitext-related", "en", lang if lang in trans[other] else "en")
            else:
                add(other, en, 2, "bitext-related", "en", "en")
            if r is not None:  # the perturbed sentence against another statement: a changed cue alone decides nothing
                add(r[0], trans[other].get(lang, other), 2, "bitext-related-perturbed", "en", lang if lang in trans[other] else "en")
    return out


def xnli_premises(shared: Path) -> list[tuple[str, dict[str, str]]]:
    """English XNLI dev premises with their translations in the fully used languages."""
    rows = csv.DictReader(open(shared / "nli" / "xnli_dev_15lang.tsv", encoding="utf-8"), delimiter="\t", quoting=csv.QUOTE_NONE)
    by: dict[str, dict[str, str]] = defaultdict(dict)
    for r in rows:
        if r["language"] in XNLI_FULL:
            if int(r["row"]) < 900 and r["language"] in ("en", "de", "fr", "sw"):  # generated-pair source rows
                by[str(int(r["row"]) // 3)][r["language"]] = r["premise"]
    return [(d["en"], {k: v for k, v in d.items() if k != "en"}) for d in by.values() if "en" in d]


def build_pairs(shared: Path, field_dir: Path, seed: int = 13) -> list[dict]:
    """All labelled training pairs (dicts with claim, evidence, label 0/1/2, source, languages, group)."""
    rng = random.Random(seed)
    pairs = nli_pairs(shared, rng)
    sci, sentences = scifact_pairs(shared, rng)
    pairs += sci
    pairs += load_field(field_dir, "train")
    pairs += generated_pairs(sentences, xnli_premises(shared), rng)
    pairs += translation_pairs(shared, rng)
    pairs += bitext_pairs(BITEXT, rng)
    pairs += related_pairs(sentences, rng)
    return pairs


def cached_pairs(path: Path, build: Callable[[], list[dict]]) -> list[dict]:
    """The pairs stored in `path` (JSON lines), built and stored first when the file does not exist yet."""
    if not path.exists():
        with open(path, "w", encoding="utf-8") as f:
            f.writelines(json.dumps(p, ensure_ascii=False) + "\n" for p in build())
    return [json.loads(line) for line in open(path, encoding="utf-8")]


def claim_sets(shared: Path, field_dir: Path, split: str, encoder, work: Path, limit: int | None = None,
               gold: bool = False, unsettled: bool = False) -> list[dict]:
    """Claim-level training sets: SciFact `split` claims with retrieved evidence (and, with `gold`, the labelled
    ones again with their rationale sentences first), field rows alone and with distractors."""
    from synth.train.verifier.cache import EncodingCache

    cache = EncodingCache(work / f"enc-{encoder.id.replace('/', '_')}")
    sets = evidence_sets(shared, split, encoder, cache, limit=limit)
    if gold:
        sets += with_gold_evidence(shared, split, sets)
    sets += field_sets(field_dir, split) + field_sets(field_dir, split, distractors=2)
    if unsettled:
        sets += field_sets(field_dir, split, distractors=4, without_own=True)
    return sets


# ---------------------------------------------------------------------------------------------- features
def pair_matrix(cache, pairs: list[dict], batch: int = 2048) -> np.ndarray:
    """Feature matrix of `pairs` from cached encodings."""
    from synth.judge.verifier.pairs import combine

    out = []
    for s in range(0, len(pairs), batch):
        part = pairs[s : s + batch]
        cl = [p["claim"] for p in part]
        ev = [p["evidence"] for p in part]
        out.append(combine(cl, ev, [cache.get("query", c) for c in cl], [cache.get("passage", e) for e in ev]))
        log(f"features: {s + len(part)}/{len(pairs)}")
    return np.concatenate(out)


def cached_features(cache, pairs: list[dict], path: Path) -> np.ndarray:
    """Pair features, reusing rows computed in earlier runs (keyed by claim + evidence) from `path`."""
    import hashlib

    keys = [hashlib.sha1(f"{p['claim']}\x00{p['evidence']}".encode()).hexdigest() for p in pairs]
    known: dict[str, np.ndarray] = {}
    if path.exists():
        z = np.load(path)
        known = dict(zip(z["keys"].tolist(), z["X"]))
    todo = [p for p, k in zip(pairs, keys) if k not in known]
    if todo:
        log(f"features: {len(todo)} new pairs ({len(known)} cached)")
        new = pair_matrix(cache, todo)
        for p, row in zip(todo, new):
            known[hashlib.sha1(f"{p['claim']}\x00{p['evidence']}".encode()).hexdigest()] = row
        np.savez(path, keys=np.array(list(known)), X=np.stack(list(known.values())))
    return np.stack([known[k] for k in keys])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=SHARED, help="folder with nli/ and scifact/")
    ap.add_argument("--field", type=Path, default=FIELD)
    ap.add_argument("--work", type=Path, default=None, help="cache folder (default SYNTH_HOME/verifier-train)")
    ap.add_argument("--home", type=Path, default=None, help="SYNTH_HOME override")
    ap.add_argument("--encoder", default=BASE_ENCODER)
    ap.add_argument("--out", type=Path, default=ROOT / "synth" / "artifacts" / "verifier")
    ap.add_argument("--stage", default="all", choices=["pairs", "encode", "features", "fit", "all"])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--ship", choices=["final", "folds"], default="folds",
                    help="ship the cross-validation fold heads as an ensemble (folds) or heads trained again on all pairs")
    ap.add_argument("--gold-sets", action=argparse.BooleanOptionalAction, default=True,
                    help="also fit the aggregator on SciFact-train claims with their rationale sentences in front")
    ap.add_argument("--unsettled-sets", action=argparse.BooleanOptionalAction, default=False,
                    help="also fit the aggregator on field-train claims against 4 other facts' evidence alone (NEI)")
    ap.add_argument("--drop-sources", nargs="*", default=[],
                    help="pair sources to leave out of the fit, e.g. gen-same gen-entity")
    args = ap.parse_args(argv)

    import torch

    torch.set_num_threads(args.threads)
    from synth.config import Settings

    home = args.home or Settings.from_env().home
    work = args.work or home / "verifier-train"
    work.mkdir(parents=True, exist_ok=True)

    pairs = cached_pairs(work / "pairs.jsonl", lambda: build_pairs(args.shared, args.field, args.seed))
    log(f"pairs: {len(pairs)}", Counter(p["source"] for p in pairs).most_common(), Counter(p["label"] for p in pairs))
    if args.stage == "pairs":
        return

    encoder = load_encoder(args.encoder, home)
    from synth.train.verifier.cache import EncodingCache

    cache = EncodingCache(work / f"enc-{encoder.id.replace('/', '_')}")
    claim_level = claim_sets(args.shared, args.field, "train", encoder=encoder, work=work, gold=args.gold_sets,
                             unsettled=args.unsettled_sets)
    wanted = [("query", p["claim"]) for p in pairs] + [("passage", p["evidence"]) for p in pairs]
    for c in claim_level:
        wanted.append(("query", c["claim"]))
        wanted += [("passage", e) for e in c["evidence"]]
    cache.fill(encoder, wanted)
    if args.stage == "encode":
        return

    from synth.judge.verifier.features import FEATURES_VERSION, SCALAR_NAMES
    from synth.judge.verifier.pairs import DENSE_NAMES

    X = cached_features(cache, pairs, work / f"features-{len(DENSE_NAMES) + len(SCALAR_NAMES)}-v{FEATURES_VERSION}.npz")
    if args.stage == "features":
        return

    keep = np.array([p["source"] not in args.drop_sources for p in pairs])
    X, pairs = X[keep], [p for p, k in zip(pairs, keep) if k]
    log(f"fit on {len(pairs)} pairs (dropped sources: {', '.join(args.drop_sources) or 'none'})")
    from synth.train.verifier.fit_features import fit_all

    fit_all(X, pairs, claim_level, cache, encoder, args.out, seed=args.seed, log=log, encoder_name=args.encoder,
            checkpoints=work, ship_folds=args.ship == "folds")


if __name__ == "__main__":
    main()
