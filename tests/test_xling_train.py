"""data/xling_train, the hand-written cross-lingual claims the verifier's aggregator is fitted on: valid, in sync with
its sources, disjoint from the evaluation sets, and turned into claim sets the way training reads them."""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "data" / "xling_train"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(FOLDER))

from check import check_facts  # noqa: E402
from make_rows import rows  # noqa: E402

from eval.common import LABELS, xling_train_sets  # noqa: E402


def _stored() -> list[dict]:
    return [json.loads(line) for line in open(FOLDER / "claims.jsonl", encoding="utf-8")]


def test_the_facts_are_valid_and_claims_jsonl_is_generated_from_them() -> None:
    assert check_facts() == []
    assert _stored() == rows()  # edit facts_*.py, then run make_rows.py


def test_every_fact_has_each_label_in_its_own_and_in_another_language() -> None:
    by_fact: dict[str, list[dict]] = defaultdict(list)
    for r in _stored():
        by_fact[r["fact"]].append(r)
    assert len(by_fact) >= 40
    for fact, rs in by_fact.items():
        assert Counter((r["label"], r["cross"]) for r in rs) == {(label, cross): 1 for label in LABELS for cross in (False, True)}, fact
        assert len({r["claim"] for r in rs}) == 1
    crossing = Counter((r["claim_lang"], r["evidence_lang"]) for r in _stored() if r["cross"])
    assert sum(n for (a, b), n in crossing.items() if "sw" in (a, b)) >= 0.25 * sum(crossing.values())


def test_no_sentence_of_an_evaluation_set_is_in_it() -> None:
    held = set()
    for name in ("xling_claims", "field_claims"):
        for line in open(ROOT / "data" / name / "claims.jsonl", encoding="utf-8"):
            r = json.loads(line)
            held |= {r["claim"].casefold(), r["evidence"].casefold()}
    texts = {t.casefold() for r in _stored() for t in (r["claim"], r["evidence"])}
    assert not texts & held


def test_claim_sets_hide_the_evidence_among_other_facts_and_add_one_unsettled_set_per_fact() -> None:
    stored = _stored()
    sets = xling_train_sets(FOLDER, distractors=2)
    own = [s for s in sets if s["source"] == "xling-train"]
    unsettled = [s for s in sets if s["source"] == "xling-train-unsettled"]
    assert len(own) == len(stored) and len(unsettled) == len({r["fact"] for r in stored})
    evidence_of = defaultdict(set)
    for r in stored:
        evidence_of[r["fact"]].add(r["evidence"])
    for s, r in zip(own, stored):
        assert s["claim"] == r["claim"] and LABELS[s["label"]] == r["label"] and len(s["evidence"]) == 3
        assert r["evidence"] in s["evidence"]
        assert sum(e in evidence_of[r["fact"]] for e in s["evidence"]) == 1  # the others are other facts'
    for s in unsettled:
        fact = s["group"].removeprefix("xtrain")
        assert LABELS[s["label"]] == "NOT_ENOUGH_INFO" and len(s["evidence"]) == 4
        assert not set(s["evidence"]) & evidence_of[fact]
    assert xling_train_sets(FOLDER) == sets  # fixed seed: the aggregator is refitted on the same sets
