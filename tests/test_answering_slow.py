"""Which papers answer, with the real packaged encoder and the shipped reranker (slow: loads the models): a question
one paper answers uses that paper, in English or in Swahili; a question nothing answers uses none."""

from __future__ import annotations

import corpus_builder as cb
import pytest

from synth.config import Settings
from synth.judge.question import verify_question
from synth.judge.run import RunParams
from synth.store import Store

pytestmark = pytest.mark.slow

QUESTION = "How long did the battery-powered water pumps run on one charge during the dry season?"


def _paper(pid: str, lang: str, title: str, *sentences: str) -> cb.Paper:
    return cb.Paper(pid, title, lang, [(1, " ".join(sentences))], source="local")


ON_TOPIC = [
    _paper("local:pump-cost", "en", "Costs of solar irrigation for smallholder farms",
           "Solar irrigation kits cost smallholders between 600 and 900 dollars in 2022.",
           "Most farmers financed the pumps through village savings groups.",
           "Maintenance visits were needed about twice per year."),
    _paper("local:pump-yield", "en", "Irrigated vegetable yields in semi-arid districts",
           "Tomato yields on irrigated plots were 2.3 times those of rain-fed plots.",
           "Farmers irrigated in the early morning to limit evaporation.",
           "Water tables fell by 40 cm over the three-year study."),
    _paper("local:pump-survey", "en", "A survey of water pumps in rural Kenya",
           "We surveyed 412 households that own a motorised or manual water pump.",
           "Diesel pumps remain the most common type in the surveyed counties.",
           "Battery-powered pumps were mostly bought after 2019."),
]
ANSWER_EN = _paper("local:pump-runtime", "en", "Field endurance of battery water pumps",
                   "We logged the pumps on 30 farms from June to October.",
                   "During the dry season, a fully charged pump ran for 6.5 hours on average before its battery was empty.",
                   "Pumps were charged from 200 W solar panels.")
ANSWER_SW = _paper("local:pump-runtime-sw", "sw", "Ustahimilivu wa pampu za maji za betri shambani",
                   "Tulirekodi pampu kwenye mashamba 30 kuanzia Juni hadi Oktoba.",
                   "Wakati wa kiangazi, pampu iliyochajiwa kikamilifu ilifanya kazi kwa wastani wa saa 6.5 kabla betri kuisha.",
                   "Pampu zilichajiwa kwa paneli za jua za wati 200.")
OFF_TOPIC = _paper("local:glaciers", "en", "Glacier retreat in the Alps",
                   "Alpine glaciers lost a third of their volume between 1997 and 2022.",
                   "Summer heatwaves accelerated the melt of small glaciers most.")


@pytest.fixture(scope="module")
def models():
    from synth.index.encoders import load_encoder
    from synth.judge import rerank

    if not rerank.available():
        pytest.skip("no reranker is shipped")
    settings = Settings.from_env()
    return load_encoder(settings.encoder.name, settings), rerank.load(settings)


@pytest.mark.parametrize("answer", [ANSWER_EN, ANSWER_SW], ids=["answer-in-english", "answer-in-swahili"])
def test_a_question_one_paper_answers_uses_that_paper(tmp_path, models, answer):
    encoder, reranker = models
    store = cb.build(Store(tmp_path / "a.db"), [*ON_TOPIC, answer, OFF_TOPIC])
    run_id, _ = verify_question(store, QUESTION, encoder, cb.OverlapVerifier(), RunParams(), reranker=reranker)
    used = [p["paper_id"] for p in store.run_papers(run_id) if p["used"]]
    assert used == [answer.id]
    best = max(store.run_claims(run_id), key=lambda c: c["answer_score"])
    assert "6.5" in best["text"]  # the sentence that answers, not the paper's other sentences
    store.close()


def test_a_question_nothing_answers_uses_no_paper(tmp_path, models):
    encoder, reranker = models
    store = cb.build(Store(tmp_path / "a.db"), [*ON_TOPIC, ANSWER_EN, OFF_TOPIC])
    question = "Which fertiliser schedule gives the highest maize yield on sandy soils?"
    run_id, results = verify_question(store, question, encoder, cb.OverlapVerifier(), RunParams(), reranker=reranker)
    assert not [p for p in store.run_papers(run_id) if p["used"]] and not results
    store.close()
