"""A synthetic large corpus for the scale benchmark, made from the project's own text and bitext (nothing downloaded).

    python bench/gen_corpus.py --db /tmp/scale.db --passages 100000 [--encoder e5-small] [--seed 0]
    python bench/gen_corpus.py --vectors /tmp/v.npy --passages 1000000      # vectors only, no database

Sentences come from the demo digests (examples/otclir-demo/digests: en, sw, ha, de, fr), the synthesis notes
(data/synthesis/*/notes) and both sides of the bitext (data/bitext: en-de, en-fr, en-sw). A passage's text is one to
three sentences drawn from one language, so the corpus keeps the languages' mix; 100 passages make a paper. Each
passage gets a tag word ("synthN") so that no two passages share a text (the embedding cache is keyed by text).

How the vectors are made. They are NOT encoded passage by passage: on this 2-core CPU the multilingual encoder does
about 30 passages/s, so 10^6 passages would take 9 hours. Every distinct source sentence (about 1,350) is encoded
once with the real encoder (cached in `--cache`), and a passage's vector is

    normalise( sum_j w_j * s_j  +  noise * g / sqrt(dim) ),   w ~ Dirichlet(1, ..., 1),  g ~ N(0, I)

over MIX (default 4) sentence vectors s_j: an anchor sentence of the passage's language and MIX-1 drawn from the
anchor's NEAR (16) nearest sentences of that language, so a passage stays on one topic; the passage's text is the
first one to three of them. Random continuous weights and per-passage noise mean that no two passages sit on
(nearly) the same point: an earlier version used the plain mean of the passage's own sentences, so every sentence's
direction was reused by ~150 passages and each query had hundreds of near-ties. The noise (default 0.25) is set so
that the cosine distribution matches real e5-small encodings: for the benchmark's queries against the real sentence
encodings the median top-1 / median cosine are 0.909 / 0.801; against 10^5 synthetic passages 0.906 / 0.782 at noise
0.25, but 0.785 / 0.662 at the earlier 0.5, which buried the sentences' structure under isotropic 384-d noise.
Limits: all vectors still derive from ~1,350 encodings, so the corpus is a set of dense clumps (one per topic and
language), and queries are e5 *query* encodings while passages are *passage* encodings. Both make it harder for a
graph index than in-distribution queries: the same M=16 index that misses 30% of the query encodings' top-10 finds
99.6% of the top-10 of the same sentences' passage encodings (measured while tuning synth/index/ann.py).
Computed in numpy, CHUNK passages at a time (10^6 vectors take well under a minute of arithmetic);
written into the embeddings table under the encoder's cache key for the passage's text, so the index, the retriever
and the store work on them exactly as on encoded text. Queries for the benchmark are real query encodings of source
sentences with the same noise.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MIX = 4  # sentence vectors mixed into one passage vector
NEAR = 16  # the mixed sentences are among the first one's NEAR nearest of its language
NOISE = 0.25  # Gaussian noise norm, relative to a unit vector (see the docstring)
CHUNK = 50_000  # passages generated at a time
DESCRIBE = (f"each passage vector = normalised Dirichlet(1)-weighted mix of {MIX} real sentence encodings "
            f"(an anchor + its near neighbours among {NEAR} of its language) + Gaussian noise")  # fmt: skip


def source_sentences() -> list[tuple[str, str]]:
    """(language, sentence) from the project's own text and bitext, deduplicated."""
    import py3langid

    from synth.ingest.sentences import split_sentences

    out: dict[str, str] = {}
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "examples/otclir-demo/digests").glob("*.md"))]
    texts += [p.read_text(encoding="utf-8") for p in sorted((ROOT / "data/synthesis").glob("*/notes/*.md"))]
    for text in texts:
        for line in text.splitlines():
            line = line.strip().lstrip("#-* ").strip()
            for s in split_sentences(line):
                if 40 <= len(s) <= 400:
                    out.setdefault(s, py3langid.classify(s)[0])
    for tsv in sorted((ROOT / "data/bitext").glob("*.tsv")):
        other = tsv.stem.rsplit("-", 1)[-1][:2]
        for line in tsv.read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if len(parts) >= 2:
                out.setdefault(parts[0].strip(), "en")
                out.setdefault(parts[1].strip(), {"de": "de", "fr": "fr", "sw": "sw"}.get(other, other))
    return [(lang, s) for s, lang in out.items() if s]


class CachedOnly:
    """An encoder stand-in for a corpus whose passage vectors are all in the cache: the real one's id and dim."""

    def __init__(self, id: str, dim: int) -> None:
        self.id, self.dim = id, dim

    def encode(self, texts, kind="passage"):  # pragma: no cover - a benchmark misconfiguration
        raise RuntimeError("the synthetic corpus has every passage vector cached; nothing should be encoded")


def sentence_vectors(sentences: list[str], encoder_name: str, kind: str = "passage", cache: Path | None = None) -> tuple[np.ndarray, str]:
    """Real encodings of the source sentences, and the encoder's id (kept in `cache`/, keyed by the sentences)."""
    key = hashlib.sha256("\n".join([encoder_name, kind, *sentences]).encode()).hexdigest()[:16]
    if cache is not None:
        f, fid = cache / f"sentences-{key}.npy", cache / f"sentences-{key}.id"
        if f.exists() and fid.exists():
            return np.load(f), fid.read_text()
    from synth.config import Settings
    from synth.index.encoders import load_encoder

    enc = load_encoder(encoder_name, Settings.from_env())
    parts = []
    for s in range(0, len(sentences), 64):
        parts.append(np.asarray(enc.encode(sentences[s : s + 64], kind), dtype=np.float32))
        print(f"\rencoding source sentences ({kind}): {min(s + 64, len(sentences))}/{len(sentences)}", end="", file=sys.stderr)
    print(file=sys.stderr)
    vecs = np.concatenate(parts)
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
        np.save(f, vecs)
        fid.write_text(enc.id)
    return vecs, enc.id


def plan(sents: list[tuple[str, str]], n: int, seed: int, mix: int = MIX, vecs: np.ndarray | None = None,
         near: int = NEAR) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """For n passages: language index (n,), sentence indices (n, mix) and how many of them are the text (n,).

    Column 0 is an anchor sentence drawn from the passage's language; the others are drawn from the anchor's `near`
    nearest sentences of that language (by `vecs`), so a passage stays on one topic. `near=0`: from the whole language."""
    rng = np.random.default_rng(seed)
    langs = sorted({lang for lang, _ in sents})
    order = np.array(sorted(range(len(sents)), key=lambda i: (langs.index(sents[i][0]), i)))  # sentences by language
    counts = np.array([sum(1 for lang, _ in sents if lang == x) for x in langs])
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    lang = rng.choice(len(langs), size=n, p=counts / counts.sum())
    pick = order[starts[lang][:, None] + (rng.random((n, mix)) * counts[lang][:, None]).astype(np.int64)]
    if near and vecs is not None:
        nb = np.zeros((len(sents), near), dtype=np.int64)  # each sentence's `near` nearest of its language (itself first)
        for st, c in zip(starts, counts):
            members = order[st : st + c]
            sims = vecs[members] @ vecs[members].T
            top = np.argsort(-sims, axis=1)[:, : min(near, c)]
            nb[members] = members[top[:, np.arange(near) % top.shape[1]]]
        pick[:, 1:] = nb[pick[:, :1], rng.integers(1, near, size=(n, mix - 1))] if near > 1 else pick[:, :1]
    k = rng.integers(1, 4, size=n)
    return lang, pick, k


def make_vectors(vecs: np.ndarray, pick: np.ndarray, noise: float, seed: int) -> np.ndarray:
    """Unit passage vectors (float32): Dirichlet-weighted mixes of the picked sentence vectors plus noise."""
    rng = np.random.default_rng(seed + 1)
    n, dim = len(pick), vecs.shape[1]
    out = np.empty((n, dim), dtype=np.float32)
    for s in range(0, n, CHUNK):
        p = pick[s : s + CHUNK]
        w = rng.dirichlet(np.ones(p.shape[1]), size=len(p)).astype(np.float32)
        v = np.einsum("nm,nmd->nd", w, vecs[p])
        v += (noise / np.sqrt(dim)) * rng.standard_normal(v.shape, dtype=np.float32)
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        out[s : s + CHUNK] = v
    return out


def corpus_vectors(n: int, encoder_name: str, noise: float = NOISE, seed: int = 0, cache: Path | None = None) -> tuple[np.ndarray, dict]:
    """n synthetic passage vectors (no texts, no database), and what was made."""
    sents = source_sentences()
    vecs, enc_id = sentence_vectors([s for _, s in sents], encoder_name, cache=cache)
    started = time.perf_counter()
    _, pick, _ = plan(sents, n, seed, vecs=vecs)
    out = make_vectors(vecs, pick, noise, seed)
    return out, {"passages": n, "sentences": len(sents), "encoder": enc_id, "model": f"{enc_id}|passage",
                 "dim": int(vecs.shape[1]), "seconds": time.perf_counter() - started, "vectors": DESCRIBE}  # fmt: skip


def build(db: Path, n: int, encoder_name: str, noise: float = NOISE, seed: int = 0, per_paper: int = 100,
          cache: Path | None = None) -> dict:  # fmt: skip
    """Write the corpus and its cached vectors into `db` (a new file); returns what was made."""
    from synth.index.encoders.cache import text_sha256
    from synth.store import Store

    sents = source_sentences()
    vecs, enc_id = sentence_vectors([s for _, s in sents], encoder_name, cache=cache)
    model = f"{enc_id}|passage"
    started = time.perf_counter()
    langs_all = sorted({lang for lang, _ in sents})
    lang, pick, k = plan(sents, n, seed, vecs=vecs)
    pv = make_vectors(vecs, pick, noise, seed)
    vec_s = time.perf_counter() - started
    langs: dict[str, int] = {}
    with Store(db) as store, store.batch(5.0) as tick:
        for p0 in range(0, n, per_paper):
            paper, pvecs = [], []
            for j in range(p0, min(n, p0 + per_paper)):
                lg = langs_all[lang[j]]
                langs[lg] = langs.get(lg, 0) + 1
                text = " ".join(sents[i][1] for i in pick[j, : k[j]]) + f" synth{j}"
                paper.append({"page": 1 + len(paper) // 10, "text": text, "lang": lg})
                pvecs.append((text_sha256(text), pv[j]))
            pid = f"local:synth{p0 // per_paper:07d}"
            store.store_paper({"id": pid, "title": f"Synthetic paper {p0 // per_paper}", "source": "local",
                               "status": "ok", "pages": paper[-1]["page"]}, paper)  # fmt: skip
            store.save_vectors(model, pvecs)
            tick()
            if (p0 + per_paper) % 50_000 == 0:
                print(f"\rwriting passages: {p0 + per_paper}/{n}", end="", file=sys.stderr)
    print(file=sys.stderr)
    return {"passages": n, "sentences": len(sents), "languages": langs, "encoder": enc_id, "model": model,
            "dim": int(vecs.shape[1]), "vector_seconds": vec_s, "seconds": time.perf_counter() - started,
            "vectors": DESCRIBE}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, help="write passages and cached vectors into this new SQLite file")
    ap.add_argument("--vectors", type=Path, help="write only the passage vectors to this .npy file")
    ap.add_argument("--passages", type=int, default=100_000)
    ap.add_argument("--encoder", default="e5-small")
    ap.add_argument("--noise", type=float, default=NOISE)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cache", type=Path, default=Path("/tmp/synth-scale"), help="where sentence encodings are kept")
    args = ap.parse_args()
    if args.vectors:
        v, info = corpus_vectors(args.passages, args.encoder, args.noise, args.seed, args.cache)
        np.save(args.vectors, v)
        print(f"{info['passages']} vectors from {info['sentences']} source sentences; {info['vectors']} "
              f"(noise {args.noise}); {info['seconds']:.1f} s")  # fmt: skip
        return
    if not args.db:
        sys.exit("give --db or --vectors")
    if args.db.exists():
        sys.exit(f"{args.db} exists; give a new file")
    info = build(args.db, args.passages, args.encoder, args.noise, args.seed, cache=args.cache)
    print(f"{info['passages']} passages from {info['sentences']} source sentences, languages {info['languages']}; "
          f"{info['vectors']} (noise {args.noise}); vectors {info['vector_seconds']:.1f} s, all {info['seconds']:.0f} s")  # fmt: skip


if __name__ == "__main__":
    main()
