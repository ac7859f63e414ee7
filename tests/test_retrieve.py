from __future__ import annotations

import pytest

import corpus_builder as cb
from synth.index.encoders.base import HashingEncoder
from synth.index.retrieve import Retriever, bm25_search, fts_query, rrf
from synth.store import Store


def _retriever(db_path):
    return Retriever(cb.build(Store(db_path)), HashingEncoder())


def test_rrf_rewards_agreement_between_rankings():
    fused = rrf([[1, 2, 3], [3, 1, 4]])
    assert max(fused, key=fused.get) == 1
    assert fused[3] > fused[2] and fused[4] < fused[2]


def test_fts_query_quotes_words_so_syntax_cannot_leak(db_path):
    assert fts_query('What is "NEAR" AND OR(xy)* -z?') == '"near" OR "xy"'
    assert fts_query("the of and") == ""
    store = cb.build(Store(db_path))
    assert bm25_search(store, 'sediment" OR NEAR(') and bm25_search(store, "the of") == []


def test_ranking_finds_the_relevant_paper_first(db_path):
    r = _retriever(db_path)
    hits = r.search("sediment transport by glacial rivers in summer")
    assert hits[0].paper_id == cb.GEOLOGY.id
    hits = r.search("Frobenius inner product of the transportation plan and the cost matrix")
    assert hits[0].paper_id in (cb.OPTICAL.id, cb.FOLLOWUP.id)
    assert {h.paper_id for h in hits[:2]} == {cb.OPTICAL.id, cb.FOLLOWUP.id}


def test_evidence_excludes_the_claims_own_sentence_and_prefers_other_papers(db_path):
    r = _retriever(db_path)
    claim = "Optimal transport distillation improves cross-lingual retrieval for low-resource languages."
    own = next(x for x in r.rows if x["paper_id"] == cb.OPTICAL.id and x["page"] == 1)
    ev = r.evidence(claim, 3, exclude_passage=own["id"], own_paper=cb.OPTICAL.id)
    assert all(e.text != claim for e in ev)
    assert ev[0].paper_id == cb.FOLLOWUP.id
    assert all("Figure" not in e.text and "Copyright" not in e.text for e in ev)


def test_truncated_text_is_matched_back_to_its_whole_sentence(db_path):
    r = _retriever(db_path)
    found = r.find_sentence("OPTICAL outperforms the neural machine translation baseline by 13.7% MAP on Swah", prefix=True)
    assert found is not None
    sentence, src = found
    assert sentence == "OPTICAL outperforms the neural machine translation baseline by 13.7% MAP on Swahili retrieval."
    assert (src["paper_id"], src["page"]) == (cb.OPTICAL.id, 3)
    assert r.find_sentence("Glaciers melt faster on south-facing slopes than on nor", prefix=True) is None


@pytest.mark.slow
def test_cross_lingual_evidence_with_the_multilingual_encoder(db_path):
    from synth.config import Settings
    from synth.index.encoders import load_encoder

    enc = load_encoder("e5-small", Settings.from_env())
    r = Retriever(cb.build(Store(db_path)), enc)
    claim = "OPTICAL outperforms the neural machine translation baseline by 13.7% MAP on Swahili retrieval."
    own = next(x for x in r.rows if x["paper_id"] == cb.OPTICAL.id and x["page"] == 3)
    ev = r.evidence(claim, 3, exclude_passage=own["id"], own_paper=cb.OPTICAL.id)
    # the Swahili and French statements of the same result come first, though they share almost no words
    assert {e.lang for e in ev[:2]} == {"sw", "fr"}
    assert all("13.7" in e.text for e in ev[:2])
    hits = r.search("How do glacial rivers move sediment?", 3)
    assert hits[0].paper_id == cb.GEOLOGY.id and hits[0].dense >= 0.81 > hits[1].dense
