"""Cross-lingual evidence retrieval of encoders: recall@k, bootstrap intervals, paired differences, data and CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from synth.index.encoders.base import HashingEncoder
from synth.errors import BadInputError
from synth.train.evaluate_encoders import (
    bootstrap_mean,
    evaluate_evidence,
    evidence_markdown,
    evidence_recall,
    field_evidence_task,
    gold_ranks,
    paired_difference,
    retrieval_scores,
    xnli_evidence_tasks,
    xnli_translation_tasks,
)

FIELD = Path(__file__).resolve().parents[1] / "data" / "field_claims" / "claims.jsonl"
WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu", "nu",
         "xi", "omicron", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega"]


def sentences(n: int) -> list[str]:
    """n distinct sentences with no word in common (so the hashing encoder tells them apart)."""
    return [f"{WORDS[i % len(WORDS)]}{i} {WORDS[(i * 7) % len(WORDS)]}x{i} w{i}" for i in range(n)]


def test_identical_strings_retrieve_themselves():
    pool = sentences(30)
    res = evidence_recall(HashingEncoder(), pool, pool, list(range(30)), boot=200)
    assert res.n == 30 and res.recall[1].value == 1.0 and res.recall[5].value == 1.0
    assert (res.recall[1].lo, res.recall[1].hi) == (1.0, 1.0)


def test_shuffled_gold_gives_lower_recall():
    pool = sentences(40)
    gold = list(np.random.default_rng(1).permutation(40))
    res = evidence_recall(HashingEncoder(), pool, pool, gold, boot=200)
    assert res.recall[1].value < 0.2 and res.recall[1].value <= res.recall[5].value < 0.5


def test_a_gold_set_counts_any_equivalent_copy_and_exclusions_leave_the_ranking():
    sims = np.array([[0.9, 0.8, 0.1, 0.5], [0.2, 0.9, 0.8, 0.1]])
    assert list(gold_ranks(sims, [(1,), (2,)])) == [2, 2]
    assert list(gold_ranks(sims, [(1, 3), (2, 0)])) == [2, 2]
    assert list(gold_ranks(sims, [(1,), (2,)], exclude=[(0,), (1, 2)])) == [1, 1]  # an excluded gold stays gold


def test_retrieval_scores_keep_their_meaning():
    q = np.eye(3, dtype=np.float32)
    cands = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 1]], dtype=np.float32)
    assert retrieval_scores(q, cands, ["a", "b", "a"], ["b", "a", "a"]) == pytest.approx((1.0, 1.0))
    assert retrieval_scores(q, cands, ["b", "a", "b"], ["b", "a", "a"]) == pytest.approx((0.0, 0.5))


def test_interval_contains_the_estimate_and_narrows_with_more_claims():
    rng = np.random.default_rng(3)
    small, large = rng.random(40) < 0.6, rng.random(2000) < 0.6
    a, b = bootstrap_mean(small, seed=0), bootstrap_mean(large, seed=0)
    for est in (a, b):
        assert est.lo <= est.value <= est.hi
    assert b.hi - b.lo < (a.hi - a.lo) / 3
    assert bootstrap_mean(small, seed=0) == a  # fixed seed, same interval


def test_paired_difference_of_an_encoder_against_itself_is_zero():
    hits = np.random.default_rng(4).random(100) < 0.5
    d = paired_difference(hits, hits)
    assert (d.value, d.lo, d.hi) == (0.0, 0.0, 0.0) and not d.excludes_zero()
    better = hits | (np.arange(100) % 4 == 0)
    up = paired_difference(better, hits)
    assert up.value > 0 and up.excludes_zero()
    with pytest.raises(BadInputError):
        paired_difference(hits, hits[:50])


def test_bad_gold_is_bad_input():
    with pytest.raises(BadInputError):
        evidence_recall(HashingEncoder(), ["a"], ["a"], [3])
    with pytest.raises(BadInputError):
        evidence_recall(HashingEncoder(), ["a", "b"], ["a"], [0])


def test_field_task_from_the_project_set():
    task = field_evidence_task(FIELD)
    rows = [json.loads(line) for line in FIELD.read_text(encoding="utf-8").splitlines()]
    ev = [r for r in rows if r["split"] == "eval"]
    want = [r for r in ev if r["claim_lang"] != r["evidence_lang"] and r["label"] in ("SUPPORTED", "REFUTED")]
    assert len(task.claims) == len(want) and set(task.pool) == {r["evidence"] for r in ev}
    assert {task.pool[g[0]] for g in task.gold} == {r["evidence"] for r in want}
    assert all(g[0] not in ex and ex for g, ex in zip(task.gold, task.exclude))
    assert {d.split("-")[0] for d in task.directions} >= {"en", "de"}


def _xnli(path: Path) -> Path:
    lines = ["language\tsplit\trow\tgenre\tlabel\tpremise\thypothesis"]
    labels = ("contradiction", "entailment", "neutral")
    for lang in ("en", "sw"):
        for row in range(12):
            lines.append(f"{lang}\ttest\t{row}\tx\t{labels[row % 3]}\t{lang} premise {row // 3} p{row // 3}\t"
                         f"{lang} hypothesis {row} premise p{row // 3}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_xnli_tasks_pair_entailed_hypotheses_with_premises(tmp_path):
    tasks = xnli_evidence_tasks(_xnli(tmp_path / "x.tsv"), ["sw"], n=3, seed=0)
    assert [t.directions[0] for t in tasks] == ["en-sw", "sw-en"]
    en_sw = tasks[0]
    assert len(en_sw.claims) == 3 and len(en_sw.pool) == 4 and all(p.startswith("sw premise") for p in en_sw.pool)
    for claim, (g,) in zip(en_sw.claims, en_sw.gold):
        assert claim.split()[-1] == en_sw.pool[g].split()[-1]  # hypothesis of row r <-> premise of group r // 3
    with pytest.raises(BadInputError):
        xnli_evidence_tasks(tmp_path / "x.tsv", ["zz"])
    with pytest.raises(BadInputError):
        xnli_evidence_tasks(tmp_path / "none.tsv", ["sw"])


def test_xnli_translation_tasks_pair_each_premise_with_its_translation(tmp_path):
    tasks = xnli_translation_tasks(_xnli(tmp_path / "x.tsv"), ["sw"], n=3, seed=0)
    assert [t.directions[0] for t in tasks] == ["en-sw", "sw-en"] and all(t.name == "xnli-translation" for t in tasks)
    for task, (src, dst) in zip(tasks, (("en", "sw"), ("sw", "en"))):
        assert len(task.claims) == 3 and len(task.pool) == 4
        assert all(c.startswith(f"{src} premise") and p.startswith(f"{dst} premise") for c, p in zip(task.claims, task.pool))
        for claim, (g,) in zip(task.claims, task.gold):
            assert claim.split()[-1] == task.pool[g].split()[-1]  # premise p<k> <-> its translation p<k>
    with pytest.raises(BadInputError):
        xnli_translation_tasks(tmp_path / "x.tsv", ["zz"])


def test_evaluate_evidence_rows_and_table(tmp_path):
    tasks = [field_evidence_task(FIELD), *xnli_evidence_tasks(_xnli(tmp_path / "x.tsv"), ["sw"], n=4)]
    rows = evaluate_evidence({"h256": HashingEncoder, "h64": lambda: HashingEncoder(64)}, tasks, boot=100)
    field = [r for r in rows if r["task"] == "field"]
    assert {r["direction"] for r in field} >= {"en-de", "de-en", "all"}
    for r in rows:
        assert r["recall@1"][1] <= r["recall@1"][0] <= r["recall@1"][2] and r["recall@1"][0] <= r["recall@5"][0]
        assert (r["delta@1"] is None) == (r["encoder"] == "h256")
    table = evidence_markdown(rows)
    assert "| field | all | 92 | h256 |" in table and "Δ@1 vs h256" in table


def test_cli_evidence_task(runner, tmp_path):
    from synth.cli import cli

    r = runner.invoke(cli, ["eval", "encoders", "--task", "evidence", "--claims", str(FIELD), "--encoders", "hashing",
                            "--boot", "50", "--json"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert rows[-1]["direction"] == "all" and rows[-1]["n"] == 92 and rows[-1]["encoder"] == "hashing"
    table = runner.invoke(cli, ["eval", "encoders", "--task", "evidence", "--claims", str(FIELD),
                                "--encoders", "hashing,hashing-64", "--boot", "50"], catch_exceptions=False)
    assert table.exit_code == 0 and "| field | all | 92 | hashing-64 |" in table.stdout


def test_cli_evidence_errors_are_one_line(runner, tmp_path):
    from synth.cli import cli

    r = runner.invoke(cli, ["eval", "encoders", "--task", "evidence", "--claims", str(tmp_path / "none.jsonl"),
                            "--encoders", "hashing"])
    assert r.exit_code == 1 and "field claims file not found" in r.output and "Traceback" not in r.output
    assert len(r.output.strip().splitlines()) == 1
    r = runner.invoke(cli, ["eval", "encoders", "--task", "evidence", "--claims", str(FIELD),
                            "--encoders", "hashing@fp16"])
    assert r.exit_code == 1 and "unknown encoder" in r.output and "Traceback" not in r.output
    r = runner.invoke(cli, ["eval", "encoders", "--encoders", "hashing"])
    assert r.exit_code == 1 and "--bitext" in r.output
