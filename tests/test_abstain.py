"""Verdicts that abstain: the threshold rule, the reasons, where they are stored and shown, and the switch back."""

from __future__ import annotations

import json
from pathlib import Path

import corpus_builder as cb
import pytest

from synth.cli import cli
from synth.config import Settings
from synth.index.encoders.base import HashingEncoder
from synth.report.render import render
from synth.store import Store
from synth.judge.verifier import artifact_dir, load_verifier
from synth.judge.verifier.abstain import (
    NO_EVIDENCE,
    REASON_TEXT,
    UNSETTLED,
    Abstention,
    load_abstention,
    verdict_reason,
)
from synth.judge.verifier.base import Judgement, Stance
from synth.judge.audit import verify_claims

LEANS_REFUTE = Stance(0.1, 0.6, 0.3)
NEI = Stance(0.1, 0.1, 0.8)
RULE = Abstention(supported=0.75, refuted=0.9, nei_confidence_supported=0.55, nei_confidence_refuted=0.6)


def test_a_verdict_below_its_threshold_abstains_as_unsettled():
    j = RULE.apply(Judgement("REFUTED", 0.8, [NEI, LEANS_REFUTE]))
    assert (j.label, j.reason, j.confidence) == ("NOT_ENOUGH_INFO", UNSETTLED, 0.6)
    assert (j.raw_label, j.raw_confidence) == ("REFUTED", 0.8)
    j = RULE.apply(Judgement("SUPPORTED", 0.7, [Stance(0.5, 0.1, 0.4)]))
    assert (j.label, j.reason, j.confidence) == ("NOT_ENOUGH_INFO", UNSETTLED, 0.55)


def test_a_stricter_rule_on_a_real_verifier_abstains_and_the_setting_turns_it_off(monkeypatch, tmp_path):
    """abstain.json beside an artefact's weights is read by from_folder; SYNTH_VERIFIER_ABSTAIN=0 ignores it."""
    import shutil

    from synth.judge.verifier.model import from_folder

    src = Path(str(artifact_dir()))
    for f in src.iterdir():
        if f.suffix in (".npz", ".json") and f.name != "abstain.json":
            shutil.copy(f, tmp_path / f.name)
    (tmp_path / "abstain.json").write_text(json.dumps({"thresholds": {"supported": 0.99, "refuted": 0.99}}))
    strict = from_folder(tmp_path, HashingEncoder(384))
    assert strict.abstention.active and strict.id.endswith("+abstain-S0.99-R0.99")
    stances = [Stance(0.05, 0.9, 0.05, 0.9), Stance(0.1, 0.8, 0.1, 0.9)]  # decisive and well aligned: REFUTED
    j = strict.judge_stances(stances)
    assert j.label == "NOT_ENOUGH_INFO" and j.reason == UNSETTLED and j.raw_label == "REFUTED"
    monkeypatch.setenv("SYNTH_VERIFIER_ABSTAIN", "0")
    plain = from_folder(tmp_path, HashingEncoder(384), Settings.from_env())
    assert plain.abstention is None and plain.judge_stances(stances).label == j.raw_label


def test_a_verdict_at_or_above_its_threshold_stays():
    for label, conf in (("REFUTED", 0.9), ("SUPPORTED", 0.75), ("SUPPORTED", 0.95)):
        j = RULE.apply(Judgement(label, conf, [LEANS_REFUTE]))
        assert (j.label, j.confidence, j.reason) == (label, conf, None)


def test_evidence_that_leans_nowhere_is_no_evidence():
    assert RULE.apply(Judgement("NOT_ENOUGH_INFO", 0.7, [NEI, NEI])).reason == NO_EVIDENCE
    assert RULE.apply(Judgement("NOT_ENOUGH_INFO", 0.7, [])).reason == NO_EVIDENCE
    assert RULE.apply(Judgement("REFUTED", 0.5, [NEI])).reason == NO_EVIDENCE  # abstained, and nothing leans either way
    assert RULE.apply(Judgement("NOT_ENOUGH_INFO", 0.7, [NEI, LEANS_REFUTE])).reason == UNSETTLED


def test_verdict_reason_for_any_verifier():
    assert verdict_reason("SUPPORTED", Judgement("SUPPORTED", 0.9, [NEI])) is None
    assert verdict_reason("NOT_ENOUGH_INFO", None) == NO_EVIDENCE  # nothing retrieved
    assert verdict_reason("NOT_ENOUGH_INFO", Judgement("NOT_ENOUGH_INFO", 0.6, [LEANS_REFUTE])) == UNSETTLED
    own = Judgement("NOT_ENOUGH_INFO", 0.6, [LEANS_REFUTE], reason=NO_EVIDENCE)
    assert verdict_reason("NOT_ENOUGH_INFO", own) == NO_EVIDENCE


def test_shipped_thresholds_load_and_the_setting_restores_the_old_verdicts(monkeypatch):
    rule = load_abstention(Path(str(artifact_dir())))
    assert rule is not None and 0.0 <= rule.supported <= 1.0 and 0.0 <= rule.refuted <= 1.0
    on = load_verifier(Settings().replace(verifier_model="features"), encoder=HashingEncoder(384))
    assert on.abstention == rule and ("+abstain" in on.id) == rule.active
    monkeypatch.setenv("SYNTH_VERIFIER_ABSTAIN", "0")
    off = load_verifier(Settings.from_env(verifier_model="features"), encoder=HashingEncoder(384))
    assert off.abstention is None and "+abstain" not in off.id
    # the same stances, judged with and without abstention: only the abstaining one can turn a verdict into NEI
    stances = [Stance(0.2, 0.45, 0.35), Stance(0.3, 0.3, 0.4)]
    a, b = on.judge_stances(stances), off.judge_stances(stances)
    assert (a.raw_label, a.raw_confidence) == (b.label, b.confidence)
    assert a.label == b.label or a.label == "NOT_ENOUGH_INFO"


class AbstainingOverlap(cb.OverlapVerifier):
    """The orchestration test double with abstention: its SUPPORTED (0.7) and REFUTED (0.8) fall below RULE."""

    id = "overlap-abstaining"

    def judge(self, claim, evidence, retrieval_scores=None):
        return RULE.apply(super().judge(claim, evidence, retrieval_scores))


CLAIMS = [
    "Optimal transport distillation improves cross-lingual retrieval for low-resource languages.",  # decided, then abstained
    "The bakery on the corner sells fresh bread every morning.",  # nothing addresses it
]


@pytest.fixture
def audited(db_path):
    store = cb.build(Store(db_path))
    verify_claims(store, CLAIMS, HashingEncoder(), AbstainingOverlap())
    verify_claims(store, CLAIMS, HashingEncoder(), cb.OverlapVerifier())
    store.close()
    return db_path


def test_reasons_are_stored_and_shown_in_json_markdown_html_and_claims(audited, runner):
    with Store(audited) as store:
        rows = {r["text"]: r for r in store.run_claims(1)}
        old = {r["text"]: r for r in store.run_claims(2)}
        assert rows[CLAIMS[1]]["label"] == "NOT_ENOUGH_INFO" and rows[CLAIMS[1]]["reason"] == NO_EVIDENCE
        assert rows[CLAIMS[0]]["label"] == "NOT_ENOUGH_INFO" and rows[CLAIMS[0]]["reason"] == UNSETTLED
        assert old[CLAIMS[0]]["label"] in ("SUPPORTED", "REFUTED") and old[CLAIMS[0]]["reason"] is None
        doc = json.loads(render(store, 1, fmt="json"))
        assert [c["reason"] for c in doc["claims"]] == [UNSETTLED, NO_EVIDENCE]
        md = render(store, 1, fmt="md")
        assert f"| NOT_ENOUGH_INFO ({REASON_TEXT[UNSETTLED]}) |" in md and f"| NOT_ENOUGH_INFO ({REASON_TEXT[NO_EVIDENCE]}) |" in md
        html = render(store, 1, fmt="html")
        assert f'<span class="reason">{REASON_TEXT[UNSETTLED]}</span>' in html
        assert "(no evidence addresses the claim)" not in render(store, 2, fmt="md").split("## 5 Extracted Claims")[1].split(
            CLAIMS[0])[1].split("\n")[0]  # a decided verdict has no reason
    result = runner.invoke(cli, ["--db", str(audited), "claims", "--run", "1", "--json"], catch_exceptions=False)
    assert result.exit_code == 0
    assert [c["reason"] for c in json.loads(result.stdout)] == [UNSETTLED, NO_EVIDENCE]


def test_an_old_database_migrates_and_keeps_its_verdicts(db_path):
    """A database written before m007 (no `reason` column) opens, gains the column, and keeps its verdicts."""
    import sqlite3

    with Store(db_path) as store:
        run = store.start_run("claims", "", None, {})
        store.save_judged_claim(run, 1, {"text": "c"}, [], {"label": "SUPPORTED", "confidence": 0.9, "verifier": "v"})
    con = sqlite3.connect(db_path)
    con.execute("ALTER TABLE verdicts DROP COLUMN reason")  # the schema m006 left
    con.execute("DELETE FROM _sqlite_migrations WHERE name = 'm007_verdict_reason'")
    con.commit()
    con.close()
    with Store(db_path) as store:
        assert "reason" in store.db["verdicts"].columns_dict
        assert [(c["label"], c["reason"]) for c in store.run_claims(run)] == [("SUPPORTED", None)]
        store.save_judged_claim(run, 2, {"text": "d"}, [], {"label": "NOT_ENOUGH_INFO", "confidence": 1.0, "verifier": "v",
                                                              "reason": NO_EVIDENCE})  # fmt: skip
        assert [c["reason"] for c in store.run_claims(run)] == [None, NO_EVIDENCE]
