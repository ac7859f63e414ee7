"""The reranker's training data: groups are drawn from training documents only, the answer first; the mixed-language
groups put an answer in another language among sentences in the question's own language."""

from __future__ import annotations

import json

from synth.train.reranker.data import XQUAD_TRAIN_LANGS, _dev, _held, mixed_language_groups


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


def test_mixed_groups_put_the_answer_in_another_language_among_the_questions_own_language(tmp_path):
    _xquad(tmp_path)
    groups = mixed_language_groups(tmp_path, 40, negatives=5, own=3)
    assert len(groups) == 40
    for g in groups:
        ql, sl = g["qlang"], g["slang"]
        assert ql != sl and g["question"].startswith(f"[{ql}]")
        answer, *negs = g["candidates"]
        a = int(answer.split("article ")[1].split()[0])
        k = int(g["question"].split("question ")[1].split()[0])
        assert answer == f"[{sl}] article {a} sentence {k}."  # the answer, in the other language, first
        assert not _held(a) and not _dev(a)  # never a test or dev article
        assert [n.startswith(f"[{ql}]") for n in negs] == [True, True, True, False, False]
        assert all(f"article {a} " in n for n in negs) and f"[{ql}] article {a} sentence {k}." not in negs
