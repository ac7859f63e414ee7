"""A synthetic large corpus for the scale benchmark, made from the project's own text and bitext (nothing downloaded).

    python bench/gen_corpus.py --db /tmp/scale.db --passages 100000 [--encoder e5-small] [--seed 0]

Sentences come from the demo digests (examples/otclir-demo/digests: en, sw, ha, de, fr), the synthesis notes
(data/synthesis/*/notes) and both sides of the bitext (data/bitext: en-de, en-fr, en-sw). A passage is one to three
sentences drawn from one language, so the corpus keeps the languages' mix; 100 passages make a paper. Each
passage gets a tag word ("synthN") so that no two passages share a text (the embedding cache is keyed by text).

Vectors are NOT encoded passage by passage: on this 2-core CPU the multilingual encoder does about 30 passages/s,
so 10^6 passages would take 9 hours. Instead every distinct source sentence is encoded once with the real encoder,
and a passage's vector is the normalised mean of its sentences' vectors plus Gaussian noise (`--noise`, relative to a
unit vector), written into the embeddings table under the encoder's cache key for the passage's text. The index,
the retriever and the store then work on them exactly as on encoded text. Queries for the benchmark are real
encodings of source sentences (as queries) with the same noise.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def source_sentences() -> list[tuple[str, str]]:
    """(language, sentence) from the project's own text and bitext, deduplicated."""
    import py3langid

    from synth.claims import split_sentences

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


def sentence_vectors(sentences: list[str], encoder_name: str, kind: str = "passage") -> tuple[np.ndarray, str]:
    """Real encodings of the source sentences, and the encoder's id."""
    from synth.config import Settings
    from synth.encoders import load_encoder

    enc = load_encoder(encoder_name, Settings.from_env())
    parts = []
    for s in range(0, len(sentences), 64):
        parts.append(np.asarray(enc.encode(sentences[s : s + 64], kind), dtype=np.float32))
        print(f"\rencoding source sentences ({kind}): {min(s + 64, len(sentences))}/{len(sentences)}", end="", file=sys.stderr)
    print(file=sys.stderr)
    return np.concatenate(parts), enc.id


def passages(sents: list[tuple[str, str]], vecs: np.ndarray, n: int, noise: float, seed: int) -> Iterator[tuple[str, str, np.ndarray]]:
    """(lang, text, unit vector) for n synthetic passages."""
    rng = np.random.default_rng(seed)
    by_lang: dict[str, list[int]] = {}
    for i, (lang, _) in enumerate(sents):
        by_lang.setdefault(lang, []).append(i)
    langs = sorted(by_lang)
    weights = np.array([len(by_lang[lang]) for lang in langs], dtype=float)
    weights /= weights.sum()
    dim = vecs.shape[1]
    for k in range(n):
        lang = langs[rng.choice(len(langs), p=weights)]
        pick = rng.choice(by_lang[lang], size=int(rng.integers(1, 4)))
        text = " ".join(sents[i][1] for i in pick) + f" synth{k}"
        v = vecs[pick].mean(axis=0) + noise / np.sqrt(dim) * rng.standard_normal(dim).astype(np.float32)
        yield lang, text, (v / np.linalg.norm(v)).astype(np.float32)


def build(db: Path, n: int, encoder_name: str, noise: float = 0.5, seed: int = 0, per_paper: int = 100) -> dict:
    """Write the corpus and its cached vectors into `db` (a new file); returns what was made."""
    from synth.encoders.cache import text_sha256
    from synth.store import Store

    sents = source_sentences()
    vecs, enc_id = sentence_vectors([s for _, s in sents], encoder_name)
    model = f"{enc_id}|passage"
    started = time.perf_counter()
    langs: dict[str, int] = {}
    with Store(db) as store:
        paper: list[dict] = []
        pvecs: list[tuple[str, np.ndarray]] = []
        with store.batch(5.0) as tick:
            for k, (lang, text, v) in enumerate(passages(sents, vecs, n, noise, seed)):
                langs[lang] = langs.get(lang, 0) + 1
                paper.append({"page": 1 + len(paper) // 10, "text": text, "lang": lang})
                pvecs.append((text_sha256(text), v))
                if len(paper) == per_paper or k == n - 1:
                    pid = f"local:synth{k // per_paper:07d}"
                    store.store_paper({"id": pid, "title": f"Synthetic paper {k // per_paper}", "source": "local",
                                       "status": "ok", "pages": paper[-1]["page"]}, paper)  # fmt: skip
                    store.save_vectors(model, pvecs)
                    paper, pvecs = [], []
                    tick()
                if (k + 1) % 50_000 == 0:
                    print(f"\rwriting passages: {k + 1}/{n}", end="", file=sys.stderr)
    print(file=sys.stderr)
    return {"passages": n, "sentences": len(sents), "languages": langs, "encoder": enc_id, "model": model,
            "dim": int(vecs.shape[1]), "seconds": time.perf_counter() - started}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True, type=Path)
    ap.add_argument("--passages", type=int, default=100_000)
    ap.add_argument("--encoder", default="e5-small")
    ap.add_argument("--noise", type=float, default=0.5)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if args.db.exists():
        sys.exit(f"{args.db} exists; give a new file")
    info = build(args.db, args.passages, args.encoder, args.noise, args.seed)
    print(f"{info['passages']} passages from {info['sentences']} source sentences, languages {info['languages']}, "
          f"vectors: {info['encoder']} encodings of the sentences, recombined with noise {args.noise}; "
          f"{info['seconds']:.0f} s")  # fmt: skip


if __name__ == "__main__":
    main()
