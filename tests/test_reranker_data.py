"""The reranker's training data: the mixed-language groups are drawn from training articles only, the answer first, in
either of two languages, among sentences of both; the parallel groups align sentences across languages."""

from __future__ import annotations

import json

import pytest

from synth.train.reranker.data import (
    XQUAD_TRAIN_LANGS,
    _dev,
    _held,
    mixed_language_groups,
    parallel_groups,
    written_groups,
)


def _article(lang: str, a: int) -> dict:
    sentences = [f"[{lang}] article {a} sentence {i}." for i in range(6)]
    breaks, at = [], 0
    for s in sentences:
        breaks.append([at, at + len(s)])
        at += len(s) + 1
    qas = [{"id": f"q{a}-{k}", "question": f"[{lang}] question {k} on article {a}?",
            "answers": [{"answer_start": breaks[k][0] + 1}]} for k in range(2)]  # fmt: skip
    return {"paragraphs": [{"sentences": sentences, "sentence_breaks": breaks, "qas": qas}]}


def _xquad(root, articles: int = 12) -> None:
    folder = root / "lareqa" / "xquad-r"
    folder.mkdir(parents=True)
    for lang in XQUAD_TRAIN_LANGS:
        (folder / f"{lang}.json").write_text(json.dumps({"data": [_article(lang, a) for a in range(articles)]}))


def test_mixed_groups_mix_two_languages_so_that_language_is_no_cue_to_the_answer(tmp_path):
    _xquad(tmp_path)
    groups = mixed_language_groups(tmp_path, 60, negatives=5, own=3)
    assert len(groups) == 60
    for g in groups:
        ql, al, ol = g["qlang"], g["slang"], g["other"]
        assert ql != ol and al in (ql, ol) and g["question"].startswith(f"[{ql}]")
        answer, *negs = g["candidates"]
        a = int(answer.split("article ")[1].split()[0])
        k = int(g["question"].split("question ")[1].split()[0])
        assert answer == f"[{al}] article {a} sentence {k}."  # the answer first, in either language
        assert not _held(a) and not _dev(a)  # never a test or dev article
        assert [n.startswith(f"[{ql}]") for n in negs] == [True, True, True, False, False]
        assert all(n.startswith(f"[{ol}]") for n in negs[3:]) and all(f"article {a} " in n for n in negs)
        assert not any(n.endswith(f"sentence {k}.") for n in negs)  # the answer in neither language
    assert 15 < sum(g["slang"] == g["qlang"] for g in groups) < 45  # the answer's language is a coin toss


def _ordered_article(lang: str, a: int, n: int = 8) -> dict:
    """An article of `n` sentences, one question each, in an order that differs between languages (so aligning by
    position would be wrong and by question id right)."""
    order = list(range(n)) if XQUAD_TRAIN_LANGS.index(lang) % 2 == 0 else list(reversed(range(n)))
    sentences = [f"[{lang}] article {a} fact {k}." for k in order]
    breaks, at = [], 0
    for s in sentences:
        breaks.append([at, at + len(s)])
        at += len(s) + 1
    qas = [{"id": f"q{a}-{k}", "question": f"[{lang}] question {k} on article {a}?",
            "answers": [{"answer_start": breaks[order.index(k)][0] + 1}]} for k in range(n)]  # fmt: skip
    return {"paragraphs": [{"sentences": sentences, "sentence_breaks": breaks, "qas": qas}]}


def test_parallel_groups_align_sentences_across_languages_by_question_not_position(tmp_path):
    folder = tmp_path / "lareqa" / "xquad-r"
    folder.mkdir(parents=True)
    for lang in XQUAD_TRAIN_LANGS:
        (folder / f"{lang}.json").write_text(json.dumps({"data": [_ordered_article(lang, a) for a in range(12)]}))
    groups = parallel_groups(tmp_path, 40, width=6)
    assert len(groups) == 40
    for g in groups:
        ql, ol = g["qlang"], g["olang"]
        assert ql != ol and g["question"].startswith(f"[{ql}]")
        k = int(g["question"].split("question ")[1].split()[0])
        a = int(g["question"].split("article ")[1].rstrip("?"))
        assert not _held(a) and not _dev(a)  # never a test or dev article
        assert len(g["own"]) == len(g["other"]) == 6 and len(set(g["own"])) == 6
        assert g["own"][0] == f"[{ql}] article {a} fact {k}."  # the answer first, in both readings
        for mine, theirs in zip(g["own"], g["other"]):  # sentence for sentence, the same fact in the other language
            assert mine.startswith(f"[{ql}]") and theirs == mine.replace(f"[{ql}]", f"[{ol}]")


def _written(gid: str, swahili_question: bool = True) -> dict:
    sentences = [{lang: f"[{lang}] {gid} sentence {i}." for lang in ("en", "sw", "fr", "pt")} for i in range(6)]
    question = {"en": f"[en] {gid} question?", **({"sw": f"[sw] {gid} question?"} if swahili_question else {})}
    return {"id": gid, "field": "test", "question": question, "sentences": sentences}


def test_written_groups_read_the_english_group_again_in_each_translation_and_with_the_swahili_question(tmp_path):
    rows = [_written("a-1"), _written("a-2", swahili_question=False)]
    (tmp_path / "train-a.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    (tmp_path / "heldout.jsonl").write_text(json.dumps(_written("h-1")) + "\n", encoding="utf-8")
    groups = written_groups(tmp_path)
    assert [g["id"] for g in groups] == ["a-1", "a-2"]  # the held-out file is never read for training
    first, second = groups
    assert first["question"] == "[en] a-1 question?" and first["own"][0] == "[en] a-1 sentence 0."
    readings = {(ql, sl): (q, s) for q, s, ql, sl in first["views"]}
    assert set(readings) == {("en", "sw"), ("en", "fr"), ("en", "pt"), ("sw", "en")}
    question, sentences = readings[("en", "fr")]
    assert question == first["question"] and sentences == [s.replace("[en]", "[fr]") for s in first["own"]]
    assert readings[("sw", "en")] == ("[sw] a-1 question?", first["own"])  # the Swahili question, English sentences
    assert len(second["views"]) == 3  # no Swahili question: only the translations of the sentences


def test_written_groups_refuse_a_group_without_its_english_sentences(tmp_path):
    row = _written("b-1")
    del row["sentences"][2]["en"]
    (tmp_path / "train-b.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="b-1"):
        written_groups(tmp_path)
