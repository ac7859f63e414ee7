from __future__ import annotations

import numpy as np

from synth.judge.claim import Claim
from synth.judge.extract import candidates_from_passages, dedupe, is_reference_list
from synth.ingest.sentences import reject_reason, split_sentences


def test_split_keeps_abbreviations_decimals_and_et_al_inside_sentences():
    text = (
        "Sasaki et al. proposed WikiCLIR, e.g. for German. The accuracy rose to 0.75 on XNLI (Smith et al., 2020). "
        "J. Smith reported it, i.e. the same result. Das Modell übertrifft z.B. mBERT deutlich. Is it good?"
    )
    assert split_sentences(text) == [
        "Sasaki et al. proposed WikiCLIR, e.g. for German.",
        "The accuracy rose to 0.75 on XNLI (Smith et al., 2020).",
        "J. Smith reported it, i.e. the same result.",
        "Das Modell übertrifft z.B. mBERT deutlich.",
        "Is it good?",
    ]


def test_et_al_ends_a_sentence_when_a_new_one_starts():
    assert split_sentences("This was shown by Conneau et al. The model is strong.") == [
        "This was shown by Conneau et al.",
        "The model is strong.",
    ]


def test_questions_captions_citations_and_boilerplate_are_not_claims():
    assert reject_reason("How can we retrieve documents in Swahili with English queries?") == "question"
    assert reject_reason("Figure 2: The transport plan between Swahili and English tokens.") == "caption"
    assert reject_reason("Jedwali 1: Matokeo kwa kila lugha na mbinu.") == "caption"
    assert reject_reason("Tableau 2 : Résultats par langue et par méthode.") == "caption"
    assert reject_reason("[12] (Smith et al., 2020).") in ("citation", "fragment")
    assert reject_reason("Copyright 2023 the authors, licensed under CC-BY 4.0.") == "boilerplate"
    assert reject_reason("Contact optical@example.org for the code and the data.") == "boilerplate"
    assert reject_reason("Code is available at https://github.com/x/y for everyone.") == "boilerplate"
    assert reject_reason("OPTICAL outperforms the neural machine translation baseline by 13.7% MAP.") is None
    assert reject_reason("Mbinu hii ni bora kuliko tafsiri ya mashine kwa asilimia 13.7.") is None


def test_candidates_are_whole_sentences_with_their_source_even_across_a_page_break():
    passages = [
        {"id": 1, "paper_id": "p", "page": 1, "text": "Figure 1: Overview. The student model is trained on bitext and"},
        {"id": 2, "paper_id": "p", "page": 2, "text": "outperforms the teacher on Swahili retrieval. What about Somali?"},
    ]
    cands = candidates_from_passages(passages)
    assert [c.text for c in cands] == [
        "The student model is trained on bitext and outperforms the teacher on Swahili retrieval."
    ]
    assert (cands[0].paper_id, cands[0].page, cands[0].passage_id) == ("p", 1, 1)


def test_near_duplicates_are_merged_keeping_the_first():
    a = Claim("OPTICAL outperforms strong baselines on low-resource languages.", "p", 1, 1, cue=0.5)
    b = Claim("OPTICAL outperforms strong baselines on the low-resource languages.", "q", 1, 2, cue=0.5)
    c = Claim("The loss is the Frobenius inner product of the plan and the cost.", "p", 2, 3, cue=0.5)
    assert dedupe([a, b, c]) == [a, c]
    vecs = np.eye(3, dtype=np.float32)
    vecs[2] = vecs[0]  # c is an embedding duplicate of a
    assert dedupe([a, c], vecs[[0, 2]]) == [a]


def test_extraction_stops_at_the_bibliography():
    passages = [
        {"id": 1, "paper_id": "p", "page": 1, "text": "Our distilled student outperforms mBERT on Swahili retrieval."},
        {"id": 2, "paper_id": "p", "page": 9, "text": "References"},
        {"id": 3, "paper_id": "p", "page": 9, "text": "A. Conneau, K. Khandelwal. Unsupervised learning is shown at scale. In Proceedings of ACL, 2020."},
    ]
    assert [c.passage_id for c in candidates_from_passages(passages)] == [1]
    bib = "Smith, J. 2019. Retrieval is hard. In Proceedings of SIGIR. Lee, K. 2020. Models are big. arXiv 2021."
    assert is_reference_list({"text": bib}) and not is_reference_list({"text": passages[0]["text"]})


def test_camel_case_names_start_sentences_and_metadata_lines_are_not_claims():
    text = "MS MARCO is widely used to train rankers in English. mMARCO is a translated version of MS MARCO in 13 languages."
    sents = split_sentences(text)
    assert sents == ["MS MARCO is widely used to train rankers in English.", "mMARCO is a translated version of MS MARCO in 13 languages."]
    assert reject_reason(sents[1]) is None
    assert reject_reason('Paper: arXiv 2301.12566, "Improving CLIR", by Zhiqi Huang and James Allan (2023).') == "boilerplate"
    assert reject_reason("It also improves named entity recognition by 2.4 points of F1.") == "anaphora"
    assert reject_reason("This sentence-level distillation is the standard baseline for retrieval.") is None
