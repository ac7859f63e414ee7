"""The Ray path (synth/index/workers.py) on a local 2-worker cluster: the same vectors and verdicts as one process, and a
worker killed mid-job is restarted by Ray while the job completes with the same result.

Workers build the test-double verifier by name (SYNTH_VERIFIER=corpus_builder:...), and find corpus_builder through
PYTHONPATH, which the local Ray started by the code under test passes on to its workers."""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

import numpy as np
import pytest

import corpus_builder as cb
from synth.cli import cli
from synth.config import Settings
from synth.index.encoders import load_encoder
from synth.store import Store

pytest.importorskip("ray.data", reason="the distributed extra is not installed: pip install '.[distributed]'")

TESTS = str(Path(__file__).resolve().parent)

CLAIMS = [
    "The loss is defined as the Frobenius inner product of the transportation plan and the cost matrix.",
    "Optimal transport distillation improves cross-lingual retrieval for low-resource languages.",
    "OPTICAL outperforms the neural machine translation baseline by 13.7% MAP on Swahili retrieval.",
    "Glacial rivers carry more sediment during the summer melt than in winter.",
    "Die Destillation mit optimalem Transport verbessert das sprachübergreifende Retrieval deutlich.",
    "Volcanoes on Mars are taller than any on Earth.",
    "The model reaches 0.75 recall at rank 10 on the Somali test set, compared with 0.61 for mBERT.",
    "Basalt boulders are transported by floods over long distances in steep valleys.",
    "La distillation par transport optimal améliore la recherche multilingue pour les langues peu dotées.",
    "OPTICAL formulates the cross-lingual token alignment task as an optimal transport problem.",
]


@pytest.fixture
def workers_env(monkeypatch):
    """Workers import the test double from tests/ (the local Ray inherits this process's environment)."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in (TESTS, os.environ.get("PYTHONPATH")) if p))
    monkeypatch.setenv("SYNTH_VERIFIER", "corpus_builder:overlap_verifier")


def _descendants(root: int) -> list[int]:
    """Every process below `root` (this test's own Ray: its raylet and workers), read from /proc."""
    children: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(d.name))
    found, todo = [], [root]
    while todo:
        for c in children.get(todo.pop(), []):
            found.append(c)
            todo.append(c)
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def test_encode_texts_on_two_workers_gives_the_single_process_vectors():
    from synth.index.workers import encode_texts

    settings = Settings()
    texts = [f"{p.title} {t}" for p in cb.DEFAULT for _, t in p.passages] * 40  # 280 texts: several batches each
    texts = [f"{i} {t}" for i, t in enumerate(texts)]
    got = encode_texts(texts, "passage", settings, "hashing", workers=2)
    want = load_encoder("hashing", settings).encode(texts, "passage")
    assert got.dtype == np.float32 and got.shape == want.shape == (len(texts), 256)
    assert np.array_equal(got, want)
    assert encode_texts([], "passage", settings, "hashing", workers=2).shape == (0, 0)


def _tables(db: Path) -> dict[str, list]:
    """The rows a claims run leaves: claims, evidence, verdicts (without ids and times), and the embedding cache."""
    d = Store(db).db
    out = {
        "claims": list(d.query("SELECT position, text, paper_id, page, passage_id, truncated FROM claims ORDER BY id")),
        "evidence": list(
            d.query(
                "SELECT c.position, e.passage_id, e.text, e.retrieval_score, e.p_support, e.p_refute, e.p_nei "
                "FROM evidence e JOIN claims c ON c.id = e.claim_id ORDER BY e.id"
            )
        ),
        "verdicts": list(
            d.query(
                "SELECT c.position, v.label, v.confidence, v.verifier FROM verdicts v "
                "JOIN claims c ON c.id = v.claim_id ORDER BY c.position"
            )
        ),
        "embeddings": list(d.query("SELECT model, sha256, vector FROM embeddings ORDER BY model, sha256")),
    }
    d.close()
    return out


def test_verify_claims_with_two_workers_gives_the_single_process_verdicts(runner, tmp_path, workers_env):
    claims = tmp_path / "claims.txt"
    claims.write_text("\n".join(CLAIMS * 2) + "\n", encoding="utf-8")
    outputs, tables = [], []
    for name, extra in (("one", []), ("ray", ["--workers", "2"])):
        db = tmp_path / name / "synth.db"
        cb.build(Store(db)).close()
        args = ["--db", str(db), "--quiet", "verify", "--claims", str(claims), "--encoder", "hashing", "--json", *extra]
        result = runner.invoke(cli, args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        outputs.append([json.loads(line) for line in result.stdout.splitlines()])
        tables.append(_tables(db))
    one, ray = outputs
    assert len(one) == 2 * len(CLAIMS) and ray == one
    assert {r["verdict"] for r in one} == {"SUPPORTED", "REFUTED", "NOT_ENOUGH_INFO"}
    assert tables[1] == tables[0]
    assert tables[0]["verdicts"][0]["verifier"] == cb.OverlapVerifier.id
    assert any(m["model"].endswith("|passage") for m in tables[0]["embeddings"])


def test_a_worker_killed_mid_job_is_restarted_and_the_job_completes(workers_env):
    from synth.judge.workers import judge_claims

    settings = Settings().replace(verifier_plugin="corpus_builder:slow_overlap_verifier")  # 50 ms a claim: the job outlives the kill
    evidence = [t for p in cb.DEFAULT for _, t in p.passages]
    asks = [(CLAIMS[i % len(CLAIMS)], evidence[i % 5 : i % 5 + 3], [0.3, 0.2, 0.1]) for i in range(80)]
    want = [cb.OverlapVerifier().judge(*a) for a in asks]
    judged = iter(judge_claims(asks, settings, workers=2))
    got = [next(judged)]  # the job is running: its actors are up and the first batch is back
    victims = [p for p in _descendants(os.getpid()) if "JudgeWorker" in _cmdline(p)]
    assert victims, [_cmdline(p) for p in _descendants(os.getpid())]
    os.kill(victims[0], signal.SIGKILL)
    got += list(judged)
    assert got == want


def test_without_ray_workers_give_a_one_line_error(runner, tmp_path, monkeypatch):
    db = tmp_path / "synth.db"
    cb.build(Store(db)).close()
    claims = tmp_path / "claims.txt"
    claims.write_text(CLAIMS[0] + "\n", encoding="utf-8")
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` raises ImportError
    monkeypatch.setitem(sys.modules, "ray.data", None)
    monkeypatch.setattr("synth.commands.verify.load_verifier", lambda settings, nli: cb.OverlapVerifier())
    args = ["--db", str(db), "verify", "--claims", str(claims), "--encoder", "hashing", "--workers", "2"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: --workers / --ray-address need Ray, which is not installed: pip install 'synth[distributed]'"
    ]
