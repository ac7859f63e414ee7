"""Answers from the papers that answer: the reranker decides which papers are used and in what order claims are
taken; the answer opens with the best-answering sentences; claims across languages are read against each other."""

from __future__ import annotations

import json

import corpus_builder as cb
import numpy as np
import pytest

from synth.index.encoders.base import HashingEncoder
from synth.ingest.sentences import tokens
from synth.judge.answer import best_answers, build_answer
from synth.judge.answering import AnswerScores, answering_claims, answering_papers, candidate_passages, score_candidates
from synth.judge.claim import Claim
from synth.judge.findings import build_findings, link_claims
from synth.judge.question import verify_question
from synth.judge.run import RunParams
from synth.judge.verifier.base import Stance
from synth.report.render import render
from synth.store import Store


class OverlapReranker:
    """Test double for orchestration tests ONLY: a sentence's score is the share of the question's words it has."""

    id = "overlap-reranker-test-double"

    def __init__(self) -> None:
        self.read = 0

    def scores(self, question: str, sentences) -> np.ndarray:
        q = tokens(question)
        self.read += len(sentences)
        return np.array([10.0 * len(q & tokens(s)) / max(1, len(q)) for s in sentences])


def _claims(*rows):
    return [Claim(text, paper, answer_score=score) for text, paper, score in rows]


def test_only_papers_whose_best_sentence_nears_the_corpus_best_are_used():
    scores = AnswerScores(_claims(("a", "p1", 6.0), ("b", "p2", 1.0), ("c", "p3", 5.2)), {"p1": 6.0, "p2": 1.0, "p3": 5.2}, 3)
    assert answering_papers(scores, ["p2", "p3", "p1"], max_papers=10) == ["p1", "p3"]
    assert answering_papers(scores, ["p2", "p3", "p1"], max_papers=10, margin=0.5) == ["p1"]
    assert answering_papers(scores, ["p2", "p3", "p1"], max_papers=1) == ["p1"]
    assert answering_papers(scores, ["p9"], max_papers=3) == []
    scores.lang_of = {"p1": "en", "p2": "sw", "p3": "en"}  # p2 is 5.0 below the best, in another language
    assert answering_papers(scores, ["p1", "p2", "p3"], 10, question_lang="en", allowance=3.0) == ["p1", "p3", "p2"]
    assert answering_papers(scores, ["p1", "p2", "p3"], 10, question_lang="sw", allowance=3.0) == ["p1", "p3"]
    assert answering_papers(scores, ["p1", "p2", "p3"], 10, question_lang="en", allowance=2.0) == ["p1", "p3"]


def test_a_used_paper_gives_its_answering_claims_best_first_results_before_methods():
    claims = _claims(("best", "p1", 6.0), ("weak", "p1", 0.5), ("methods", "p1", 5.8), ("results", "p1", 5.6))
    claims[2].section_kind, claims[3].section_kind = "methods", "results"
    scores = AnswerScores(sorted(claims, key=lambda c: -c.answer_score), {"p1": 6.0}, 4)
    kept = answering_claims(scores, ["p1"])["p1"]
    assert [c.text for c in kept] == ["results", "best", "methods"]  # "weak" is far below the best
    assert [c.text for c in answering_claims(scores, ["p1"], floor=4)["p1"]][-1] == "weak"  # a paper's best 4 always
    two = AnswerScores(scores.claims + _claims(("top", "p2", 12.0)), {"p1": 6.0, "p2": 12.0}, 5)
    assert [c.text for c in answering_claims(two, ["p2", "p1"], floor=1)["p1"]] == ["best"]  # 6 logits below p2's


def test_the_answer_score_blends_the_encoders_relevance_with_the_rerankers_logit():
    passages = [{"id": 1, "paper_id": "p1", "ord": 0, "text": "Swahili fertility was 1.84 pieces per word in the test."},
                {"id": 2, "paper_id": "p2", "ord": 0, "text": "Uzazi wa vipande ulikuwa 2.15 kwa kila neno la Kiswahili."}]  # fmt: skip
    question = "What was the Swahili fertility in pieces per word?"
    alone = score_candidates(OverlapReranker(), question, passages, set())
    assert [c.paper_id for c in alone.claims] == ["p1", "p2"]  # the reranker double reads only shared words
    z = {passages[0]["text"]: 1.0, passages[1]["text"]: 12.0}  # ... the encoder reads the Swahili sentence as closer
    blended = score_candidates(OverlapReranker(), question, passages, set(), lambda texts: np.array([z[t] for t in texts]), 1.0)
    assert [c.paper_id for c in blended.claims] == ["p2", "p1"]
    assert blended.by_paper["p2"] == pytest.approx(alone.by_paper["p2"] + 12.0)
    assert alone.lang_of == {} and score_candidates(OverlapReranker(), question, [dict(r, lang=lang) for r, lang in
                                                   zip(passages, ["en", "sw"])], set()).lang_of == {"p1": "en", "p2": "sw"}
    assert [c.relevance for c in blended.claims] == [12.0, 1.0]
    unblended = score_candidates(OverlapReranker(), question, passages, set(), lambda texts: np.array([z[t] for t in texts]), 0.0)
    assert unblended.by_paper == alone.by_paper


def test_the_reranker_reads_the_most_relevant_passages_within_its_budget():
    rows = {p: [{"id": 10 * i + k, "paper_id": p, "ord": k, "text": "One sentence here."} for k in range(20)]
            for i, p in enumerate(["p1", "p2"])}  # fmt: skip
    z = {r["id"]: float(r["id"] % 10) for p in rows for r in rows[p]}  # later passages more relevant
    chosen = candidate_passages(lambda p: rows[p], z, ["p1", "p2"], budget=6)
    assert len(chosen) == 6 and {r["paper_id"] for r in chosen} == {"p1", "p2"}
    assert all(z[r["id"]] >= 7 for r in chosen)
    assert [r["ord"] for r in chosen if r["paper_id"] == "p1"] == sorted(r["ord"] for r in chosen if r["paper_id"] == "p1")


def _cite(order: list[str]):
    return lambda p: order.index(p) + 1 if p in order else (order.append(p) or len(order))


def test_the_answer_opens_with_the_best_answering_sentences_with_paper_page_and_language():
    claims = [
        {"id": 1, "text": "The strain became resistant to ciprofloxacin after 20 days.", "paper_id": "p1", "page": 4,
         "lang": "en", "answer_score": 7.5},
        {"id": 2, "text": "La souche est devenue résistante à la ciprofloxacine.", "paper_id": "p2", "page": 2, "lang": "fr",
         "answer_score": 7.1},
        {"id": 3, "text": "Cells were sorted with a MoFlo cell sorter.", "paper_id": "p1", "page": 9, "lang": "en",
         "answer_score": -3.0},
        {"id": 4, "text": "Growth was measured at 37 degrees.", "paper_id": "p3", "page": 5, "lang": "en", "answer_score": 0.2},
    ]  # fmt: skip
    findings = [
        {"n": 1, "label": "ciprofloxacin", "claim_ids": [1, 2], "paper_ids": ["p1", "p2"], "agree": ["p1", "p2"], "conflict": []},
        {"n": 2, "label": "sorter", "claim_ids": [3], "paper_ids": ["p1"], "agree": [], "conflict": []},
        {"n": 3, "label": "growth", "claim_ids": [4], "paper_ids": ["p3"], "agree": [], "conflict": []},
    ]
    assert [c["id"] for c in best_answers(claims)] == [1, 2]
    answer = build_answer(findings, claims, _cite([]), True, "-")
    first = answer["sentences"][0]
    assert first["kind"] == "answer" and first["claim_ids"] == [1, 2]
    assert answer["text"].startswith("The best answer in the corpus: “The strain became resistant to ciprofloxacin")
    assert "([1], p. 4)" in first["text"] and "([2], p. 2, fr)" in first["text"]
    assert answer["text"].count("ciprofloxacin after 20 days") == 1  # quoted once, not again in its finding
    last = answer["sentences"][-1]  # the two findings nobody else states: one sentence, not one each
    assert last["kind"] == "alone" and last["claim_ids"] == [3, 4]
    assert last["text"].startswith("Stated by one paper each, not corroborated elsewhere:")
    assert "stated by this paper only" not in answer["text"]


def test_without_reranker_scores_the_answer_starts_with_the_findings():
    claims = [{"id": 1, "text": "A holds.", "paper_id": "p1", "lang": "en"}, {"id": 2, "text": "B holds.", "paper_id": "p2"}]
    findings = [{"n": 1, "label": "A", "claim_ids": [1, 2], "paper_ids": ["p1", "p2"], "agree": [], "conflict": ["p1", "p2"]}]
    answer = build_answer(findings, claims, _cite([]), True, "-")
    assert best_answers(claims) == [] and answer["sentences"][0]["kind"] == "finding"
    assert "these statements conflict" in answer["text"]


def test_opposite_claims_in_two_languages_land_in_one_finding_as_a_conflict_read_either_way():
    claims = [
        {"id": 1, "text": "OT beat KD at equal student size.", "paper_id": "en1", "evidence": []},
        {"id": 2, "text": "L'OT n'a pas aidé pour le swahili.", "paper_id": "fr1", "evidence": []},
        {"id": 3, "text": "Training took four hours.", "paper_id": "en1", "evidence": []},
    ]
    vecs = np.array([[1.0, 0.0, 0.0], [0.6, 0.8, 0.0], [0.0, 0.0, 1.0]])

    def stances(claim, others):  # the French claim refutes the English one only when read as the claim
        return [Stance(0.05, 0.9, 0.05) if claim.startswith("L'OT") and o.startswith("OT beat") else Stance(0.2, 0.2, 0.6)
                for o in others]  # fmt: skip

    links = link_claims(claims, vecs, stances, min_z=-10.0)
    assert links.conflict == [(0, 1)] and links.agree == []
    findings = build_findings(claims, vecs, lambda t: np.ones((len(t), 3)), links=links)
    joint = next(f for f in findings if 1 in f.claim_ids)
    assert joint.claim_ids[:2] == [1, 2] or set(joint.claim_ids) >= {1, 2}
    assert joint.conflict == ["en1", "fr1"]
    assert all(3 not in f.claim_ids for f in findings if 1 in f.claim_ids)


def test_a_question_run_uses_the_papers_that_answer_and_ranks_them_first(tmp_path):
    store = cb.build(Store(tmp_path / "a.db"))
    enc, rr = HashingEncoder(), OverlapReranker()
    question = "Which Swahili gain in MAP did OPTICAL report for low-resource retrieval?"
    params = RunParams(min_relevance=0.8)  # the hashing encoder's z scale is flatter than a real encoder's
    run_id, results = verify_question(store, question, enc, cb.OverlapVerifier(), params, reranker=rr)
    used = [p["paper_id"] for p in store.run_papers(run_id) if p["used"]]
    counts = store.run(run_id)["counts"]
    assert 1 <= len(used) < 5 and rr.read > 0 and '"reranked"' in counts
    stored = store.run_claims(run_id)
    assert stored and all(c["answer_score"] is not None for c in stored)
    assert {c["paper_id"] for c in stored} <= set(used)
    papers = store.run_papers(run_id)
    assert [p["rank"] for p in papers if p["used"]] == list(range(1, len(used) + 1))  # the answering papers rank first
    assert papers[0]["answer_score"] == max(p["answer_score"] or -1e9 for p in papers)
    md = render(store, run_id, "md")  # the report says how many sentences the reranker read
    assert f"read {json.loads(counts)['reranked']} candidate sentences" in md and " read  candidate" not in md
    assert "(4.5 for a paper in another language than the question's" in md  # PAPER_MARGIN + LANG_ALLOWANCE
    store.close()


@pytest.mark.slow
def test_the_shipped_reranker_puts_the_answer_first_in_another_language_too():
    from synth.config import Settings
    from synth.judge import rerank

    reranker = rerank.load(Settings.from_env())
    question = "Which antibiotic did the bacterium evolve resistance to in the laboratory?"
    others = ["Cells were sorted using a MoFlo Astrios EQ cell sorter (Beckman Coulter).",
              "Plates were incubated at 37 °C with 5% CO2 for two days.",
              "The genome was sequenced on an Illumina NovaSeq 6000."]  # fmt: skip
    for answer in ("After 20 days of serial passage the strain became resistant to ciprofloxacin.",
                   "Après 20 jours de passages en série, la souche est devenue résistante à la ciprofloxacine."):  # fmt: skip
        scores = reranker.scores(question, [*others, answer])
        assert int(np.argmax(scores)) == 3, scores
    assert reranker.id.startswith("synth-reranker")
