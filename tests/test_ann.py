"""The ANN index beside the database: consistent with the passages and the embeddings table, rebuilt when stale or
corrupt, equal to exact search on a small corpus; and `synth index`."""

from __future__ import annotations

import json

import corpus_builder as cb
import numpy as np
import pytest

from synth.index import ann
from synth.cli import cli
from synth.index.encoders.base import HashingEncoder
from synth.index.encoders.cache import cache_key
from synth.index.retrieve import Retriever
from synth.store import Store

pytestmark = pytest.mark.skipif(not ann.available(), reason="usearch (the [scale] extra) is not installed")

EXTRA = cb.Paper(
    "local:extra01",
    "Glacier albedo and melt",
    "en",
    [(1, "Dark dust on glacier ice lowers its albedo and speeds up summer melt considerably."),
     (2, "Snowfall late in spring raises the albedo again for several weeks.")],
)  # fmt: skip


def _index_state(store: Store, enc) -> tuple[list[int], dict]:
    _, ids_path, manifest_path = ann.paths(store.path, cache_key(enc, "passage"))
    ids = np.load(ids_path)[0].tolist()
    return ids, json.loads(manifest_path.read_text())


def _passage_ids(store: Store) -> list[int]:
    return sorted(i for batch in store.passage_texts() for i, _ in batch)


def _check_exact(store: Store, enc, query: str) -> None:
    """The ANN retriever's hits equal the exact retriever's, id for id and score for score."""
    exact = Retriever(store, enc, ann_min_passages=10**9)
    approx = Retriever(store, enc, ann_min_passages=0)
    assert approx.ann is not None and exact.ann is None
    a = [(h.passage_id, round(h.fused, 9), round(h.dense, 5), h.text) for h in exact.search(query)]
    b = [(h.passage_id, round(h.fused, 9), round(h.dense, 5), h.text) for h in approx.search(query)]
    assert a == b and a


def test_search_and_evidence_equal_exact_search_on_a_small_corpus(db_path):
    store = cb.build(Store(db_path))
    enc = HashingEncoder()
    for q in ("sediment transport by glacial rivers in summer", "Frobenius inner product of the transportation plan"):
        _check_exact(store, enc, q)
    exact = Retriever(store, enc, ann_min_passages=10**9)
    approx = Retriever(store, enc, ann_min_passages=0)
    claim = "Optimal transport distillation improves cross-lingual retrieval for low-resource languages."
    assert [(e.passage_id, e.text) for e in approx.evidence(claim, 3)] == [(e.passage_id, e.text) for e in exact.evidence(claim, 3)]
    cut = "OPTICAL outperforms the neural machine translation baseline by 13.7% MAP on Swah"
    assert approx.find_sentence(cut, prefix=True) == exact.find_sentence(cut, prefix=True) is not None
    assert approx.passages_of(cb.OPTICAL.id) == exact.passages_of(cb.OPTICAL.id)
    assert len(approx) == len(exact)
    q = np.random.default_rng(0).standard_normal((3, enc.dim)).astype(np.float32)
    refs, cos = approx.scan_cosines(q)
    assert refs.ids.tolist() == [r["id"] for r in exact.rows]
    assert [refs.papers[i] for i in refs.paper_index] == [r["paper_id"] for r in exact.rows]
    assert np.allclose(cos, exact.matrix @ q.T, atol=1e-6)
    assert np.array_equal(approx.matrix, exact.matrix)  # still there (materialised) for callers that need it


def test_index_matches_the_passages_and_grows_incrementally(db_path):
    store = cb.build(Store(db_path))
    enc = HashingEncoder()
    first = ann.sync(store, enc)
    ids, man = _index_state(store, enc)
    assert first.count == first.added == len(ids) == man["count"] == store.passage_count()
    assert ids == _passage_ids(store) and first.encoded == first.count and first.rebuilt == "no index yet"
    assert ann.sync(store, enc).added == 0  # nothing new: nothing done
    cb.build(store, [EXTRA])
    second = ann.sync(store, enc)
    assert (second.added, second.removed, second.rebuilt) == (2, 0, "")  # only the new paper's passages
    ids, man = _index_state(store, enc)
    assert ids == _passage_ids(store) and man["count"] == store.passage_count()
    _check_exact(store, enc, "glacier albedo melt in summer")


def test_replaced_and_deleted_passages_leave_the_index(db_path):
    store = cb.build(Store(db_path))
    enc = HashingEncoder()
    ann.sync(store, enc)
    before = set(_passage_ids(store))
    store.replace_passages(cb.GEOLOGY.id, [{"page": 1, "text": "Moraines record the furthest advance of a glacier.", "lang": "en"}])
    res = ann.sync(store, enc)
    assert res.removed >= 1 and res.added == 1
    ids, man = _index_state(store, enc)
    assert ids == _passage_ids(store) and man["count"] == len(ids)
    view = ann.AnnIndex(res.path)
    found, _ = view.search(np.ones(enc.dim, dtype=np.float32) / np.sqrt(enc.dim), 100)
    assert set(found.tolist()) == set(ids) and not (before - set(ids)) & set(found.tolist())
    _check_exact(store, enc, "moraines glacier advance")


def test_passage_text_changed_under_the_same_id_is_replaced(db_path):
    store = cb.build(Store(db_path))
    enc = HashingEncoder()
    ann.sync(store, enc)
    pid, _ = next(iter(store.passage_texts()))[0]
    row = store.passages_by_id([pid])[pid]
    papers = [r for r in store.passages_of_paper(row["paper_id"])]
    new = [{"page": r["page"], "text": (r["text"] + " Edited.") if r["id"] == pid else r["text"], "lang": r["lang"]} for r in papers]
    store.replace_passages(row["paper_id"], new)  # ids may be reused by SQLite; the text fingerprint tells
    res = ann.sync(store, enc)
    assert res.added >= 1
    _check_exact(store, enc, "Edited " + row["text"][:40])


@pytest.mark.parametrize("damage", ["corrupt", "truncate", "missing", "manifest", "ids"])
def test_a_damaged_index_is_detected_and_rebuilt(db_path, damage):
    store = cb.build(Store(db_path))
    enc = HashingEncoder()
    first = ann.sync(store, enc)
    index_path, ids_path, manifest_path = ann.paths(store.path, cache_key(enc, "passage"))
    if damage == "corrupt":
        data = bytearray(index_path.read_bytes())
        data[len(data) // 2] ^= 0xFF
        index_path.write_bytes(bytes(data))
    elif damage == "truncate":
        index_path.write_bytes(index_path.read_bytes()[:100])
    elif damage == "missing":
        index_path.unlink()
    elif damage == "manifest":
        manifest_path.write_text("{not json")
    else:
        np.save(ids_path, np.zeros((2, 3), dtype=np.int64))
    lines: list[str] = []
    res = ann.sync(store, enc, log=lines.append)
    assert res.rebuilt and res.count == first.count and lines and "rebuilding" in lines[0]
    assert ann.sync(store, enc).rebuilt == ""  # and sound again
    _check_exact(store, enc, "sediment transport by glacial rivers in summer")


def test_vectors_changed_under_the_same_encoder_id_trigger_a_rebuild(db_path):
    """The probe: an index built from vectors the embeddings table no longer holds is stale."""
    store = cb.build(Store(db_path))
    enc = HashingEncoder()
    ann.sync(store, enc)
    _, man = _index_state(store, enc)
    model = cache_key(enc, "passage")
    sha = man["probe"][0][0]
    store.save_vectors(model, [(sha, -store.vectors(model, [sha])[sha])])  # another model's vector under the same key
    res = ann.sync(store, enc)
    assert "embeddings table" in res.rebuilt


def test_another_encoder_gets_its_own_index(db_path):
    store = cb.build(Store(db_path))
    a, b = HashingEncoder(), HashingEncoder(64)
    ra, rb = ann.sync(store, a), ann.sync(store, b)
    assert ra.path != rb.path and rb.rebuilt == "no index yet"
    _, man = _index_state(store, b)
    assert man["model"] == "hashing-64|passage" and man["dim"] == 64
    # a manifest claiming another model is foreign: rebuilt, never used
    _, _, manifest_path = ann.paths(store.path, cache_key(a, "passage"))
    m = json.loads(manifest_path.read_text())
    manifest_path.write_text(json.dumps(dict(m, model="hashing-64|passage")))
    assert "model" in ann.sync(store, a).rebuilt


def test_a_changed_build_breadth_rebuilds_the_index_and_later_additions_keep_it(db_path, runner, monkeypatch):
    """SYNTH_ANN_EXPANSION_ADD (HNSW efConstruction): `synth index` rebuilds an index built with another value, once."""
    cb.build(Store(db_path)).close()
    args = ["--db", str(db_path), "-q", "index", "--encoder", "hashing"]
    assert runner.invoke(cli, args, catch_exceptions=False).exit_code == 0
    with Store(db_path) as store:
        assert _index_state(store, HashingEncoder())[1]["expansion_add"] == ann.EXPANSION_ADD
    monkeypatch.setenv("SYNTH_ANN_EXPANSION_ADD", "64")
    r = runner.invoke(cli, args, catch_exceptions=False)
    assert "rebuilt (the index was built with expansion_add 256, now 64)" in r.stdout
    with Store(db_path) as store:
        assert _index_state(store, HashingEncoder())[1]["expansion_add"] == 64
        cb.build(store, (cb.Paper("local:new1", "A new paper", "en", [(1, "Sinkhorn plans align tokens.")], source="local"),))
        res = ann.sync(store, HashingEncoder(), expansion_add=64)  # an addition, not a rebuild
        assert (res.added, res.rebuilt) == (1, "") and _index_state(store, HashingEncoder())[1]["expansion_add"] == 64


def test_synth_index_prints_one_line_and_updates(db_path, runner):
    cb.build(Store(db_path)).close()
    r = runner.invoke(cli, ["--db", str(db_path), "-q", "index", "--encoder", "hashing"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 1
    with Store(db_path) as store:
        n = store.passage_count()
    assert lines[0].startswith(f"{n} passages, {n} newly embedded; ANN index {n} vectors (+{n} -0)")
    again = runner.invoke(cli, ["--db", str(db_path), "-q", "index", "--encoder", "hashing"], catch_exceptions=False)
    assert again.stdout.startswith(f"{n} passages, 0 newly embedded; ANN index {n} vectors (+0 -0)")
    rebuilt = runner.invoke(cli, ["--db", str(db_path), "-q", "index", "--encoder", "hashing", "--rebuild"], catch_exceptions=False)
    assert f"(+{n} -0, rebuilt (asked to rebuild))" in rebuilt.stdout


def test_synth_index_errors_are_one_line(db_path, runner, monkeypatch):
    r = runner.invoke(cli, ["--db", str(db_path), "index", "--encoder", "hashing"])
    assert r.exit_code == 1 and r.output.strip().splitlines() == [
        "Error: no papers with text in the database: add some first (synth fetch / synth add)"
    ]
    cb.build(Store(db_path)).close()
    r = runner.invoke(cli, ["--db", str(db_path), "index", "--encoder", "no-such-model@zz"])
    assert r.exit_code == 1 and len(r.output.strip().splitlines()) == 1 and "Traceback" not in r.output
    r = runner.invoke(cli, ["--db", str(db_path), "index", "--workers", "0"])
    assert r.exit_code == 2
    monkeypatch.setattr(ann, "available", lambda: False)
    r = runner.invoke(cli, ["--db", str(db_path), "index", "--encoder", "hashing"])
    assert r.exit_code == 1 and r.output.strip().splitlines() == [
        'Error: synth index needs usearch: install the [scale] extra (pip install "synth[scale]")'
    ]


def test_synth_index_workers_without_ray_is_one_line(db_path, runner, monkeypatch):
    import sys

    cb.build(Store(db_path)).close()
    monkeypatch.setitem(sys.modules, "synth.index.workers", None)  # as if the module (or Ray) were absent
    r = runner.invoke(cli, ["--db", str(db_path), "-q", "index", "--encoder", "hashing", "--workers", "2"])
    assert r.exit_code == 1 and r.output.strip().splitlines() == [
        'Error: --workers / --ray-address need Ray: install the [distributed] extra (pip install "synth[distributed]")'
    ]


def test_a_large_corpus_without_usearch_falls_back_to_exact_search(db_path, monkeypatch, capsys):
    store = cb.build(Store(db_path))
    monkeypatch.setattr(ann, "available", lambda: False)
    r = Retriever(store, HashingEncoder(), ann_min_passages=0)
    assert r.ann is None and r.search("glacial rivers")
    assert "[scale] extra" in capsys.readouterr().err


def test_a_question_run_gives_the_same_papers_and_claims_through_the_index(db_path, monkeypatch):
    from synth.judge.question import verify_question

    store = cb.build(Store(db_path))
    enc = HashingEncoder()
    question = "Does optimal transport distillation improve cross-lingual retrieval for low-resource languages?"
    outcomes = []
    for bar in ("1000000000", "0"):  # exact search over everything in memory, then the ANN index and streamed scans
        monkeypatch.setenv("SYNTH_ANN_MIN_PASSAGES", bar)
        run_id, _ = verify_question(store, question, enc, cb.OverlapVerifier())
        papers = [(p["paper_id"], p["used"], p["score"]) for p in store.run_papers(run_id)]
        claims = [(c["text"], c["label"], [e["passage_id"] for e in c["evidence"]]) for c in store.run_claims(run_id)]
        outcomes.append((papers, claims))
    assert outcomes[0] == outcomes[1] and outcomes[0][1]
