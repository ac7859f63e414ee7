from __future__ import annotations

import pytest

from synth.errors import BadInputError
from synth.ingest.seeds import parse_report

TSV_REPORT = """

# Sediment Transport in Glacial Rivers Under Warming Scenarios

Assignee Research

May 1, 2026

## Abstract

Rivers move sediment.

## 1 Introduction

This paper examines: Sediment. Research question: How does warming change sediment load in alpine rivers?.

## 5 Extracted Claims

Claim\tVerified\tConfidence
Glacial rivers carry more sediment during the summer melt than in winter.\t✓\t0.21
Basalt boulders are transported by floods over long distances in steep valleys where the gradient exceeds five per\t✓\t0.30
Warming reduces the sediment load.\t×\t0.11

## References

- <http://arxiv.org/abs/2201.00001v1>
- <http://arxiv.org/abs/2201.00002v2>"""

MD_REPORT = """
Glacier Claims

Assignee Research

1 Introduction

Research question: Do glaciers retreat?.

5 Extracted Claims

| Claim | Verified | Confidence |
|--|----------|------------|
| Glaciers retreat faster at low altitude than at high altitude. | ✓ | 0.27 |
| Rock \\| ice ratios vary widely between the valleys of the central Alps and the eastern Alps in the observed pe | × | 0.14 |

References

- <http://arxiv.org/abs/2106.09063v4>"""


def test_tab_separated_report_parses_title_question_claims_and_references(tmp_path):
    path = tmp_path / "seed.txt"
    path.write_text(TSV_REPORT, encoding="utf-8")
    seed = parse_report(path)
    assert seed.title == "Sediment Transport in Glacial Rivers Under Warming Scenarios"
    assert seed.question == "How does warming change sediment load in alpine rivers?"
    assert [c.verified for c in seed.claims] == [True, True, False]
    assert [c.confidence for c in seed.claims] == [0.21, 0.30, 0.11]
    assert [c.truncated for c in seed.claims] == [False, True, False]
    assert seed.references == ["http://arxiv.org/abs/2201.00001v1", "http://arxiv.org/abs/2201.00002v2"]


def test_markdown_table_report_parses_from_text():
    seed = parse_report(MD_REPORT)
    assert seed.title == "Glacier Claims"
    assert len(seed.claims) == 2
    assert seed.claims[1].text.startswith("Rock | ice ratios")
    assert seed.claims[1].truncated and not seed.claims[0].truncated
    assert seed.claims[1].verified is False


def test_missing_report_and_report_without_table_are_bad_input(tmp_path):
    with pytest.raises(BadInputError, match="not found"):
        parse_report(tmp_path / "nope.txt")
    with pytest.raises(BadInputError, match="no claims table"):
        parse_report("# Title\n\nJust text.\n")
